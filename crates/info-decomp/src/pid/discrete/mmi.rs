//! Minimum mutual information on a table: `R = min(I(T;S1), I(T;S2))` (Barrett 2015).

use super::JointDist;
use crate::pid::Atoms;

/// MMI atoms (nats).
pub fn mmi(d: &JointDist) -> Atoms {
    d.atoms(d.mi_source(1).min(d.mi_source(2)))
}
