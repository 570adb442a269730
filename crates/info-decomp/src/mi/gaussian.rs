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
use ndarray::{Array2, ArrayView2, s};

use crate::error::InfoError;

/// Demeaned joint data with its covariance.
pub(crate) struct GaussFit {
    n: usize,
    /// demeaned data, samples x columns
    data: Array2<f64>,
    /// covariance (N - 1), row-major dim x dim
    cov: Array2<f64>,
}

/// Entropy estimate and local surprisals (`-ln p` at each sample) of one column subset.
pub(crate) struct SubsetEntropy {
    pub(crate) entropy: f64,
    pub(crate) local: Vec<f64>,
}

impl GaussFit {
    /// Fit on the horizontally stacked variables.
    pub(crate) fn new(vars: &[ArrayView2<'_, f64>]) -> Self {
        let n = vars[0].nrows();
        let dim: usize = vars.iter().map(|v| v.ncols()).sum();
        let mut data = Array2::<f64>::zeros((n, dim));
        let mut off = 0;
        for v in vars {
            data.slice_mut(s![.., off..off + v.ncols()]).assign(v);
            off += v.ncols();
        }
        for mut col in data.columns_mut() {
            let mean = col.sum() / n as f64;
            col.mapv_inplace(|x| x - mean);
        }
        let cov = data.t().dot(&data) / (n as f64 - 1.0);
        Self { n, data, cov }
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
        let mut z = vec![0.0; d];
        let local = (0..n)
            .map(|r| {
                // forward substitution L z = v
                for i in 0..d {
                    let mut acc = self.data[[r, cols[i]]];
                    for j in 0..i {
                        acc -= lv[i * d + j] * z[j];
                    }
                    z[i] = acc / lv[i * d + i];
                }
                base + 0.5 * z.iter().map(|v| v * v).sum::<f64>()
            })
            .collect();
        Ok(SubsetEntropy { entropy, local })
    }
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
