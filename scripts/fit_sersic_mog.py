"""Fit mixtures of circular Gaussians to the exponential (n=1) and de Vaucouleurs (n=4) profiles.

The mock survey (crates/galaxy-io/src/mock/render.rs) renders bulges and disks as such mixtures, so that
PSF convolution (adding variances) and pixel sampling are analytic. Half-light radius 1, total flux 1.
Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install numpy scipy && /tmp/v/bin/python scripts/fit_sersic_mog.py
Prints the (amplitude, variance) pairs pasted into render.rs; the Rust test
`mock::render::tests::mog_matches_sersic_cumulative_profile` checks them against the exact profile.
"""
import numpy as np
from scipy.optimize import least_squares, nnls
from scipy.special import gammaincinv, gamma


def sersic_sb(r, n):
    b = gammaincinv(2 * n, 0.5)
    # total flux = 2 pi n Re^2 I_e e^b b^(-2n) Gamma(2n) with Re = 1
    ie = 1.0 / (2 * np.pi * n * np.exp(b) * b ** (-2 * n) * gamma(2 * n))
    return ie * np.exp(-b * (r ** (1.0 / n) - 1.0))


def mog_sb(r, amp, var):
    return np.sum(amp[None, :] / (2 * np.pi * var[None, :]) * np.exp(-r[:, None] ** 2 / (2 * var[None, :])), axis=1)


def fit(n, k, rmin, rmax):
    r = np.logspace(np.log10(rmin), np.log10(rmax), 400)
    target = sersic_sb(r, n)
    w = np.sqrt(r ** 2 * target) / np.sqrt(target)  # relative residual times r

    def resid(logv):
        var = np.exp(logv)
        basis = np.stack([np.exp(-r ** 2 / (2 * v)) / (2 * np.pi * v) for v in var], axis=1)
        a, _ = nnls(basis / target[:, None] * w[:, None], w)
        return (basis @ a - target) / target * w

    logv0 = np.linspace(np.log(rmin ** 2), np.log(rmax ** 2 / 4), k)
    lo, hi = np.log(rmin ** 2 / 10), np.log(rmax ** 2)
    sol = least_squares(resid, logv0, bounds=(lo, hi), max_nfev=4000)
    var = np.exp(sol.x)
    basis = np.stack([np.exp(-r ** 2 / (2 * v)) / (2 * np.pi * v) for v in var], axis=1)
    a, _ = nnls(basis / target[:, None] * w[:, None], w)
    keep = a > 0
    a, var = a[keep], var[keep]
    order = np.argsort(var)
    a, var = a[order], var[order]
    rel = np.abs(mog_sb(r, a, var) - target) / target
    print(f"# n={n}: K={len(a)} sum(a)={a.sum():.6f} max rel sb error on [{rmin},{rmax}] = {rel.max():.4f}")
    a = a / a.sum()
    for ai, vi in zip(a, var):
        print(f"    ({ai:.10e}, {vi:.10e}),")


fit(1.0, 8, 0.005, 6.0)
fit(4.0, 12, 0.0003, 15.0)
