//! Minimum-mutual-information redundancy (Barrett 2015): `R = min(I(Y;X1), I(Y;X2))`.
//!
//! For jointly Gaussian variables with a scalar target this is the PID that Barrett showed to
//! coincide with every PID satisfying his assumptions. Any estimator of [`crate::mi`] can be
//! used; the three mutual informations are estimated independently.
//!
//! Local values: the local redundancy of each sample is the local MI of the source with the
//! smaller *average* MI (so the local redundancies average to `R`), and the other local atoms
//! follow from the PID identities. This differs from the pointwise minimum of
//! [`crate::network`], whose average is a different quantity.

use ndarray::ArrayView2;

use super::{Atoms, LocalAtoms, hstack};
use crate::error::InfoError;
use crate::mi::MiParams;

/// MMI PID on validated inputs.
pub(crate) fn mmi(
    p: &MiParams,
    x1: ArrayView2<'_, f64>,
    x2: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
) -> Result<(Atoms, LocalAtoms), InfoError> {
    let est = p.check()?;
    let x12 = hstack(x1, x2);
    let e1 = est.mi(y, x1)?;
    let e2 = est.mi(y, x2)?;
    let e12 = est.mi(y, x12.view())?;
    let red_local = if e1.mi <= e2.mi {
        e1.local.clone()
    } else {
        e2.local.clone()
    };
    let atoms = Atoms::from_redundancy(e1.mi.min(e2.mi), e1.mi, e2.mi, e12.mi);
    let local = LocalAtoms::from_redundancy(red_local, &e1.local, &e2.local, &e12.local);
    Ok((atoms, local))
}
