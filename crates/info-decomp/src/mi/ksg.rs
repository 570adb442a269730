//! KSG estimators 1 and 2 (Kraskov et al. 2004): a thin wrapper over
//! [`knn_estimators::ksg`], which documents the formulas, the max-norm kd-trees and the tie
//! policy (seeded jitter only when repeated values exist).

use knn_estimators::{KsgParams, KsgVariant};
use ndarray::ArrayView2;

use super::MiParams;
use crate::error::InfoError;

pub(crate) fn knn_params(p: &MiParams, variant: KsgVariant) -> KsgParams {
    KsgParams::new()
        .k(p.k)
        .variant(variant)
        .seed(p.seed)
        .jitter(p.jitter)
        .reject_constant(true)
}

/// KSG I(X;Y) and local values on validated data.
pub(crate) fn ksg_mi(
    p: &MiParams,
    variant: KsgVariant,
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
) -> Result<(f64, Vec<f64>), InfoError> {
    let e = knn_params(p, variant).check()?.mi(x, y)?;
    Ok((e.estimate, e.local))
}
