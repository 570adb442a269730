//! Gaussian-copula mutual information (Ince et al. 2017).
//!
//! Each column is replaced by its normal scores `Phi^{-1}(r / (N + 1))`, `r` the rank (tied
//! values share their mid-rank), which makes every marginal standard normal while keeping the
//! dependence structure (the copula); the Gaussian estimator with bias correction
//! ([`super::gaussian`]) is then applied. The result is a lower bound on the true MI that is
//! exact for Gaussian copulas, robust and fast.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use statrs::function::erf::erfc_inv;

use crate::error::InfoError;

/// Standard normal quantile `Phi^{-1}(p)` for `0 < p < 1`.
pub fn normal_quantile(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
}

/// Copula-normalise every column of `data` (samples x columns): rank -> normal scores, ties
/// sharing their mid-rank.
///
/// ```
/// use info_decomp::mi::copula::copnorm;
/// use ndarray::array;
/// let c = copnorm(array![[3.0], [1.0], [2.0]].view());
/// // ranks 3, 1, 2 -> Phi^-1(3/4), Phi^-1(1/4), Phi^-1(2/4)
/// assert!((c[[0, 0]] - 0.6744897501960817).abs() < 1e-9);
/// assert!(c[[2, 0]].abs() < 1e-12);
/// ```
pub fn copnorm(data: ArrayView2<'_, f64>) -> Array2<f64> {
    let n = data.nrows();
    let cols: Vec<Vec<f64>> = data
        .columns()
        .into_iter()
        .map(|c| c.to_vec())
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|c| {
            let mut idx: Vec<usize> = (0..n).collect();
            idx.sort_by(|&a, &b| c[a].total_cmp(&c[b]).then(a.cmp(&b)));
            let mut out = vec![0.0; n];
            let mut i = 0;
            while i < n {
                let mut j = i;
                while j + 1 < n && c[idx[j + 1]] == c[idx[i]] {
                    j += 1;
                }
                // positions i..=j (0-based) share mid-rank (i + j)/2 + 1
                let rank = (i + j) as f64 / 2.0 + 1.0;
                let z = normal_quantile(rank / (n as f64 + 1.0));
                for &k in &idx[i..=j] {
                    out[k] = z;
                }
                i = j + 1;
            }
            out
        })
        .collect();
    Array2::from_shape_fn((n, cols.len()), |(i, j)| cols[j][i])
}

/// Gaussian-copula I(X;Y) (nats) and local values on validated data.
pub(crate) fn gcmi(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    bias_correct: bool,
) -> Result<(f64, Vec<f64>), InfoError> {
    let (cx, cy) = (copnorm(x), copnorm(y));
    super::gaussian::gaussian_mi(cx.view(), cy.view(), bias_correct)
}

/// Gaussian-copula I(X;Y|Z) (nats) and local values on validated data.
pub(crate) fn gccmi(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    z: ArrayView2<'_, f64>,
    bias_correct: bool,
) -> Result<(f64, Vec<f64>), InfoError> {
    let (cx, cy, cz) = (copnorm(x), copnorm(y), copnorm(z));
    super::gaussian::gaussian_cmi(cx.view(), cy.view(), cz.view(), bias_correct)
}
