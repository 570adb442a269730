//! Discrete PIDs on probability tables `p(s1, s2, t)`, used to validate against the canonical
//! gates (XOR, AND, RDN, UNQ, COPY); [`broja`](mod@broja) adds the BROJA unique information by convex
//! optimisation. All values in nats; [`Atoms::to_bits`] converts.
//!
//! ```
//! use info_decomp::pid::discrete::{JointDist, mmi};
//! // XOR: T = S1 xor S2, inputs uniform: 1 bit of pure synergy
//! let xor = JointDist::from_outcomes(&[(0, 0, 0, 0.25), (0, 1, 1, 0.25), (1, 0, 1, 0.25), (1, 1, 0, 0.25)]).unwrap();
//! let a = mmi(&xor).to_bits();
//! assert!((a.synergy - 1.0).abs() < 1e-12 && a.redundancy.abs() < 1e-12);
//! ```

pub mod broja;
pub mod iccs;
pub mod imin;
pub mod isx;
pub mod mmi;

pub use broja::{BrojaSolution, broja, broja_solve};
pub use iccs::iccs;
pub use imin::imin;
pub use isx::{isx, isx_local};
pub use mmi::mmi;

use ndarray::{Array2, Array3};
use serde::{Deserialize, Serialize};

use super::Atoms;
use crate::error::InfoError;

/// A joint distribution `p[[s1, s2, t]]` of two discrete sources and a discrete target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JointDist {
    p: Array3<f64>,
}

impl JointDist {
    /// From a table; entries must be finite, non-negative and sum to 1 (within 1e-9).
    pub fn new(p: Array3<f64>) -> Result<Self, InfoError> {
        if p.is_empty() {
            return Err(InfoError::InvalidDistribution("empty table".into()));
        }
        if let Some(v) = p.iter().find(|v| !v.is_finite() || **v < 0.0) {
            return Err(InfoError::InvalidDistribution(format!(
                "entry {v} is negative or not finite"
            )));
        }
        let total: f64 = p.sum();
        if (total - 1.0).abs() > 1e-9 {
            return Err(InfoError::InvalidDistribution(format!(
                "probabilities sum to {total}, not 1"
            )));
        }
        Ok(Self { p })
    }

    /// From `(s1, s2, t, probability)` outcomes (repeated outcomes add up).
    pub fn from_outcomes(outcomes: &[(usize, usize, usize, f64)]) -> Result<Self, InfoError> {
        let dim = |f: fn(&(usize, usize, usize, f64)) -> usize| {
            outcomes.iter().map(f).max().map_or(0, |m| m + 1)
        };
        let shape = (dim(|o| o.0), dim(|o| o.1), dim(|o| o.2));
        let mut p = Array3::<f64>::zeros(shape);
        for &(a, b, c, q) in outcomes {
            p[[a, b, c]] += q;
        }
        Self::new(p)
    }

    /// The table `p[[s1, s2, t]]`.
    pub fn table(&self) -> &Array3<f64> {
        &self.p
    }

    pub(crate) fn p_t(&self) -> Vec<f64> {
        let (_, _, nt) = self.p.dim();
        (0..nt)
            .map(|t| self.p.slice(ndarray::s![.., .., t]).sum())
            .collect()
    }

    /// p(s_i, t) for source `which` (1 or 2).
    pub(crate) fn p_st(&self, which: u8) -> Array2<f64> {
        let (n1, n2, nt) = self.p.dim();
        if which == 1 {
            Array2::from_shape_fn((n1, nt), |(a, t)| (0..n2).map(|b| self.p[[a, b, t]]).sum())
        } else {
            Array2::from_shape_fn((n2, nt), |(b, t)| (0..n1).map(|a| self.p[[a, b, t]]).sum())
        }
    }

    pub(crate) fn p_s12(&self) -> Array2<f64> {
        let (n1, n2, nt) = self.p.dim();
        Array2::from_shape_fn((n1, n2), |(a, b)| (0..nt).map(|t| self.p[[a, b, t]]).sum())
    }

    /// I(T; S_i) in nats for source `which` (1 or 2).
    pub fn mi_source(&self, which: u8) -> f64 {
        mi_table(&self.p_st(which))
    }

    /// I(T; S1, S2) in nats.
    pub fn mi_joint(&self) -> f64 {
        let (n1, n2, nt) = self.p.dim();
        let flat = Array2::from_shape_fn((n1 * n2, nt), |(ab, t)| self.p[[ab / n2, ab % n2, t]]);
        mi_table(&flat)
    }

    /// Atoms from a redundancy value.
    pub(crate) fn atoms(&self, redundancy: f64) -> Atoms {
        Atoms::from_redundancy(
            redundancy,
            self.mi_source(1),
            self.mi_source(2),
            self.mi_joint(),
        )
    }
}

/// Mutual information (nats) of a 2-D joint table.
pub(crate) fn mi_table(p: &Array2<f64>) -> f64 {
    let pa: Vec<f64> = p.rows().into_iter().map(|r| r.sum()).collect();
    let pb: Vec<f64> = p.columns().into_iter().map(|c| c.sum()).collect();
    let mut mi = 0.0;
    for ((a, b), &q) in p.indexed_iter() {
        if q > 0.0 {
            mi += q * (q / (pa[a] * pb[b])).ln();
        }
    }
    mi
}
