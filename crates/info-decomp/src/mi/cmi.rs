//! Frenzel-Pompe conditional mutual information (kNN, estimator-1 counts): a thin wrapper over
//! [`knn_estimators::ksg::Ksg::cmi`].

use knn_estimators::KsgVariant;
use ndarray::ArrayView2;

use super::MiParams;
use crate::error::InfoError;

/// Frenzel-Pompe I(X;Y|Z) and local values on validated data.
pub(crate) fn fp_cmi(
    p: &MiParams,
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    z: ArrayView2<'_, f64>,
) -> Result<(f64, Vec<f64>), InfoError> {
    let e = super::ksg::knn_params(p, KsgVariant::Ksg1)
        .check()?
        .cmi(x, y, z)?;
    Ok((e.estimate, e.local))
}
