//! Gaussian-copula mutual information (Ince et al. 2017).
//!
//! Each column is replaced by its normal scores `Phi^{-1}(r / (N + 1))`, `r` the rank (tied
//! values share their mid-rank), which makes every marginal standard normal while keeping the
//! dependence structure (the copula); the Gaussian estimator with bias correction
//! ([`super::gaussian`]) is then applied. The result is a lower bound on the true MI that is
//! exact for Gaussian copulas, robust and fast.

use ndarray::{Array2, ArrayView2, Axis, ShapeBuilder, concatenate, s};
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
    let (n, d) = data.dim();
    if n == 0 || d == 0 {
        return Array2::zeros((n, d));
    }
    // normal scores of the integer ranks 1..=N, shared by every column without ties
    let denom = n as f64 + 1.0;
    let scores: Vec<f64> = (1..=n)
        .into_par_iter()
        .map(|r| normal_quantile(r as f64 / denom))
        .collect();
    let cols: Vec<Vec<f64>> = (0..d)
        .into_par_iter()
        .map(|j| {
            let col = data.column(j);
            // (order-preserving integer key, row) pairs sorted by key: tied values have equal
            // keys and end up adjacent (their order does not matter: they share one mid-rank)
            let mut pairs: Vec<(u64, usize)> = col.iter().map(|&v| order_key(v)).zip(0..).collect();
            pairs.sort_unstable_by_key(|p| p.0);
            let mut out = vec![0.0; n];
            let mut i = 0;
            while i < n {
                let mut j = i;
                while j + 1 < n && pairs[j + 1].0 == pairs[i].0 {
                    j += 1;
                }
                // positions i..=j (0-based) share the mid-rank (i + j) / 2 + 1
                let z = if i == j {
                    scores[i]
                } else {
                    normal_quantile(((i + j) as f64 / 2.0 + 1.0) / denom)
                };
                for p in &pairs[i..=j] {
                    out[p.1] = z;
                }
                i = j + 1;
            }
            out
        })
        .collect();
    let mut flat = Vec::with_capacity(n * d);
    for c in &cols {
        flat.extend_from_slice(c);
    }
    Array2::from_shape_vec((n, d).f(), flat).expect("n * d values")
}

/// Gaussian-copula I(X;Y) (nats) and local values on validated data.
pub(crate) fn gcmi(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    bias_correct: bool,
) -> Result<(f64, Vec<f64>), InfoError> {
    // one pass normalises every column (and computes the shared rank scores once)
    let c = copnorm(hstack(&[x, y]).view());
    let dx = x.ncols();
    super::gaussian::gaussian_mi(c.slice(s![.., ..dx]), c.slice(s![.., dx..]), bias_correct)
}

/// Gaussian-copula I(X;Y|Z) (nats) and local values on validated data.
pub(crate) fn gccmi(
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    z: ArrayView2<'_, f64>,
    bias_correct: bool,
) -> Result<(f64, Vec<f64>), InfoError> {
    let c = copnorm(hstack(&[x, y, z]).view());
    let (dx, dy) = (x.ncols(), y.ncols());
    super::gaussian::gaussian_cmi(
        c.slice(s![.., ..dx]),
        c.slice(s![.., dx..dx + dy]),
        c.slice(s![.., dx + dy..]),
        bias_correct,
    )
}

/// An integer key with the order of `f64::total_cmp`, equal exactly for equal values
/// (`-0.0` is keyed as `0.0`).
#[inline]
fn order_key(v: f64) -> u64 {
    let b = (v + 0.0).to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Horizontal stack of variables with equal row counts (checked by the callers).
fn hstack(vars: &[ArrayView2<'_, f64>]) -> Array2<f64> {
    concatenate(Axis(1), vars).expect("row counts were checked")
}
