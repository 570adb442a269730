//! Parametric Gaussian mutual information with the bias-corrected Gaussian entropy.
//!
//! Each (joint) variable is modelled as a multivariate Gaussian with the sample covariance
//! `C` (normalised by `N - 1`). Its entropy in nats is
//! `H = ln det(L) + d/2 (ln 2 pi + 1)` with `C = L L^T` (Cholesky, faer), corrected for the
//! small-sample bias as in Ince et al. (2017) (after Oyman & Misra):
//! `H_bc = H - d * (ln 2 - ln(N - 1)) / 2 - sum_{i=1..d} psi((N - i) / 2) / 2`.
//! Mutual information combines entropies (`I(X;Y) = H(X) + H(Y) - H(X,Y)`,
//! `I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z)`).
//!
//! Local values: the pointwise mutual information of the fitted Gaussians,
//! `ln p(x,y) - ln p(x) - ln p(y)` at each sample, whose mean is the plug-in estimate; they are
//! shifted by the constant bias correction so that they average to the returned estimate.

use faer::{Mat, Side};
use knn_estimators::digamma;
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use crate::error::InfoError;

/// Demeaned joint data (column-major) with its covariance.
pub(crate) struct GaussFit {
    n: usize,
    /// demeaned data, one vector per column
    cols: Vec<Vec<f64>>,
    /// covariance (N - 1), dim x dim
    cov: Array2<f64>,
}

/// Entropy estimate and local surprisals (`-ln p` at each sample) of one column subset.
pub(crate) struct SubsetEntropy {
    pub(crate) entropy: f64,
    pub(crate) local: Vec<f64>,
}

/// Rows per block of the blocked local-value computation (fits the caches).
const BLOCK: usize = 1024;

impl GaussFit {
    /// Fit on the horizontally stacked variables.
    pub(crate) fn new(vars: &[ArrayView2<'_, f64>]) -> Self {
        let n = vars[0].nrows();
        let cols: Vec<Vec<f64>> = vars
            .iter()
            .flat_map(|v| v.columns().into_iter().collect::<Vec<_>>())
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|c| {
                let mean = c.sum() / n as f64;
                c.iter().map(|x| x - mean).collect()
            })
            .collect();
        let dim = cols.len();
        let pairs: Vec<(usize, usize)> = (0..dim)
            .flat_map(|i| (0..=i).map(move |j| (i, j)))
            .collect();
        let dots: Vec<f64> = pairs
            .par_iter()
            .map(|&(i, j)| dot(&cols[i], &cols[j]) / (n as f64 - 1.0))
            .collect();
        let mut cov = Array2::<f64>::zeros((dim, dim));
        for (&(i, j), &v) in pairs.iter().zip(&dots) {
            cov[[i, j]] = v;
            cov[[j, i]] = v;
        }
        Self { n, cols, cov }
    }

    /// Entropy (nats) and local surprisal of the Gaussian on columns `cols`.
    pub(crate) fn entropy(
        &self,
        cols: &[usize],
        what: &str,
        bias_correct: bool,
    ) -> Result<SubsetEntropy, InfoError> {
        let d = cols.len();
        let n = self.n;
        if n < d + 2 {
            return Err(InfoError::TooFewSamples {
                what: format!("a Gaussian entropy of {d} dimensions ({what})"),
                n,
                needed: d + 2,
            });
        }
        let c = Mat::<f64>::from_fn(d, d, |i, j| self.cov[[cols[i], cols[j]]]);
        let llt = c.llt(Side::Lower).map_err(|_| InfoError::Singular {
            what: what.to_string(),
        })?;
        let l = llt.L();
        let mut lv = vec![0.0; d * d];
        let mut logdet_half = 0.0;
        for i in 0..d {
            for j in 0..=i {
                lv[i * d + j] = l[(i, j)];
            }
            let pivot = lv[i * d + i];
            // relative pivot: a (numerically) dependent column makes it vanish
            if pivot.is_nan()
                || pivot <= 0.0
                || pivot * pivot < 1e-12 * self.cov[[cols[i], cols[i]]]
            {
                return Err(InfoError::Singular {
                    what: what.to_string(),
                });
            }
            logdet_half += pivot.ln();
        }
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        let mut entropy = logdet_half + 0.5 * d as f64 * (ln2pi + 1.0);
        if bias_correct {
            let nm1 = n as f64 - 1.0;
            let dterm = (std::f64::consts::LN_2 - nm1.ln()) / 2.0;
            let psiterms: f64 = (1..=d).map(|i| digamma((n - i) as f64 / 2.0) / 2.0).sum();
            entropy -= d as f64 * dterm + psiterms;
        }
        let base = logdet_half + 0.5 * d as f64 * ln2pi;
        // forward substitution L z = v for a block of rows at once, column by column
        // (vectorised axpy updates on cache-resident blocks)
        let mut local = vec![0.0; n];
        local
            .par_chunks_mut(BLOCK)
            .enumerate()
            .for_each(|(b, out)| {
                let r0 = b * BLOCK;
                let len = out.len();
                let mut z = vec![0.0; d * len];
                out.fill(0.0);
                for i in 0..d {
                    let (done, rest) = z.split_at_mut(i * len);
                    let zi = &mut rest[..len];
                    zi.copy_from_slice(&self.cols[cols[i]][r0..r0 + len]);
                    for j in 0..i {
                        let lij = lv[i * d + j];
                        let zj = &done[j * len..(j + 1) * len];
                        for (a, &b) in zi.iter_mut().zip(zj) {
                            *a -= lij * b;
                        }
                    }
                    let lii = lv[i * d + i];
                    for (a, o) in zi.iter_mut().zip(out.iter_mut()) {
                        *a /= lii;
                        *o += *a * *a;
                    }
                }
                for o in out.iter_mut() {
                    *o = base + 0.5 * *o;
                }
            });
        Ok(SubsetEntropy { entropy, local })
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    // four partial sums: vectorisable, and a fixed order (deterministic)
    let mut acc = [0.0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for t in 0..4 {
            acc[t] += x[t] * y[t];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        s += x * y;
    }
    s
}

/// Combine subset entropies with signs into an estimate and local values that average to it.
pub(crate) fn combine(terms: &[(f64, &SubsetEntropy)]) -> (f64, Vec<f64>) {
    let n = terms[0].1.local.len();
    let estimate: f64 = terms.iter().map(|(s, t)| s * t.entropy).sum();
    let mut local = vec![0.0; n];
    for (sign, t) in terms {
        for (l, h) in local.iter_mut().zip(&t.local) {
            *l += sign * h;
        }
    }
    let mean = local.iter().sum::<f64>() / n as f64;
    let shift = estimate - mean;
    for l in &mut local {
        *l += shift;
    }
    (estimate, local)
}

/// Gaussian I(X;Y) (nats) and local values on already-validated data.
pub(crate) fn gaussian_mi(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    bias_correct: bool,
) -> Result<(f64, Vec<f64>), InfoError> {
    let fit = GaussFit::new(&[x, y]);
    let dx = x.ncols();
    let dy = y.ncols();
    let xs: Vec<usize> = (0..dx).collect();
    let ys: Vec<usize> = (dx..dx + dy).collect();
    let xys: Vec<usize> = (0..dx + dy).collect();
    let hx = fit.entropy(&xs, "x", bias_correct)?;
    let hy = fit.entropy(&ys, "y", bias_correct)?;
    let hxy = fit.entropy(&xys, "(x, y)", bias_correct)?;
    Ok(combine(&[(1.0, &hx), (1.0, &hy), (-1.0, &hxy)]))
}

/// Gaussian I(X;Y|Z) (nats) and local values on already-validated data.
pub(crate) fn gaussian_cmi(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    z: ArrayView2<'_, f64>,
    bias_correct: bool,
) -> Result<(f64, Vec<f64>), InfoError> {
    let fit = GaussFit::new(&[x, y, z]);
    let (dx, dy, dz) = (x.ncols(), y.ncols(), z.ncols());
    let zs: Vec<usize> = (dx + dy..dx + dy + dz).collect();
    let xz: Vec<usize> = (0..dx).chain(zs.iter().copied()).collect();
    let yz: Vec<usize> = (dx..dx + dy).chain(zs.iter().copied()).collect();
    let xyz: Vec<usize> = (0..dx + dy + dz).collect();
    let hxz = fit.entropy(&xz, "(x, z)", bias_correct)?;
    let hyz = fit.entropy(&yz, "(y, z)", bias_correct)?;
    let hxyz = fit.entropy(&xyz, "(x, y, z)", bias_correct)?;
    let hz = fit.entropy(&zs, "z", bias_correct)?;
    Ok(combine(&[
        (1.0, &hxz),
        (1.0, &hyz),
        (-1.0, &hxyz),
        (-1.0, &hz),
    ]))
}
