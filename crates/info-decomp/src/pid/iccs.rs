//! I_ccs, the common change in surprisal (Ince 2017), for Gaussian or copula-normalised data.
//!
//! Local co-information `c = i(y;x1) + i(y;x2) - i(y;x1,x2)` counts as redundancy at a sample
//! only when it has the sign of all three local mutual informations: `r = c` if
//! `sign c = sign i(y;x1) = sign i(y;x2) = sign i(y;x1,x2)`, else `0`; `R` is its average.
//!
//! Ince defines the average under the maximum-entropy distribution that keeps the pairwise
//! source-target marginals and the joint source marginal (dit's construction). For Gaussian
//! variables that distribution is the full joint Gaussian itself, so here the local values are
//! those of the fitted joint Gaussian (plug-in covariance) and the average runs over the
//! samples, which are draws from it. With `gcmi` the data are first copula-normalised
//! ([`crate::mi::copula::copnorm`]). The three mutual informations of the PID identities (and
//! their local values) carry the usual bias correction when it is on; the sign rule uses the
//! plug-in local values.

use ndarray::ArrayView2;

use super::{Atoms, LocalAtoms, hstack};
use crate::error::InfoError;
use crate::mi::copula::copnorm;
use crate::mi::gaussian::gaussian_mi;
use crate::mi::{Estimator, MiParams};

/// Sign with a dead zone, so rounding noise around zero does not decide a sign test.
fn sign(v: f64) -> i8 {
    if v > 1e-12 {
        1
    } else if v < -1e-12 {
        -1
    } else {
        0
    }
}

/// I_ccs PID on validated inputs (`gauss` or `gcmi`).
pub(crate) fn iccs(
    p: &MiParams,
    x1: ArrayView2<'_, f64>,
    x2: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
) -> Result<(Atoms, LocalAtoms), InfoError> {
    let (x1, x2, y) = match p.estimator {
        Estimator::Gcmi => (copnorm(x1), copnorm(x2), copnorm(y)),
        _ => (x1.to_owned(), x2.to_owned(), y.to_owned()),
    };
    let x12 = hstack(x1.view(), x2.view());
    let need = y.ncols() + x12.ncols() + 2;
    if y.nrows() < need {
        return Err(InfoError::TooFewSamples {
            what: "the Gaussian I_ccs".into(),
            n: y.nrows(),
            needed: need,
        });
    }
    let (_, l1) = gaussian_mi(y.view(), x1.view(), false)?;
    let (_, l2) = gaussian_mi(y.view(), x2.view(), false)?;
    let (_, l12) = gaussian_mi(y.view(), x12.view(), false)?;
    let red: Vec<f64> = (0..l1.len())
        .map(|s| {
            let c = l1[s] + l2[s] - l12[s];
            let sc = sign(c);
            if sc == sign(l1[s]) && sc == sign(l2[s]) && sc == sign(l12[s]) {
                c
            } else {
                0.0
            }
        })
        .collect();
    let r = red.iter().sum::<f64>() / red.len() as f64;
    let (i1, l1, i2, l2, i12, l12) = if p.bias_correct {
        let (i1, l1) = gaussian_mi(y.view(), x1.view(), true)?;
        let (i2, l2) = gaussian_mi(y.view(), x2.view(), true)?;
        let (i12, l12) = gaussian_mi(y.view(), x12.view(), true)?;
        (i1, l1, i2, l2, i12, l12)
    } else {
        let m = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        (m(&l1), l1.clone(), m(&l2), l2.clone(), m(&l12), l12.clone())
    };
    let atoms = Atoms::from_redundancy(r, i1, i2, i12);
    let local = LocalAtoms::from_redundancy(red, &l1, &l2, &l12);
    Ok((atoms, local))
}
