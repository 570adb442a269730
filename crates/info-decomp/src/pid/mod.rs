//! Partial information decomposition for two sources and a target, each possibly
//! multi-dimensional, with local (per-sample) values.
//!
//! With `I1 = I(Y;X1)`, `I2 = I(Y;X2)`, `I12 = I(Y;X1,X2)` and a redundancy `R`:
//! `U1 = I1 - R`, `U2 = I2 - R`, `S = I12 - I1 - I2 + R`, so `R + U1 + U2 + S = I12`.
//! Local atoms follow the same identities sample by sample, with the measure's local redundancy.
//!
//! | [`Measure`] | redundancy | estimators |
//! | --- | --- | --- |
//! | `mmi` | minimum mutual information (Barrett 2015) | any ([`mmi`]) |
//! | `isx` | shared exclusions, kNN (Makkeh et al. 2021; Ehrlich et al. 2024) | `ksg1` ([`isx`]) |
//! | `iccs` | common change in surprisal (Ince 2017), Gaussian | `gcmi`, `gauss` ([`iccs`]) |
//!
//! Discrete versions on probability tables live in [`discrete`].

pub mod discrete;
pub mod iccs;
pub mod isx;
pub mod mmi;

use std::fmt;
use std::str::FromStr;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::InfoError;
use crate::mi::{Estimator, MiParams};
use crate::validate::{check_rows, check_var};

/// The four PID atoms and the three mutual informations they decompose (nats unless converted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Atoms {
    /// Redundancy R.
    pub redundancy: f64,
    /// Unique information of source 1, `I1 - R`.
    pub unique1: f64,
    /// Unique information of source 2, `I2 - R`.
    pub unique2: f64,
    /// Synergy `I12 - I1 - I2 + R` (or, in the network decomposition, `i12 - max(i1, i2)`).
    pub synergy: f64,
    /// I(Y; X1).
    pub i1: f64,
    /// I(Y; X2).
    pub i2: f64,
    /// I(Y; X1, X2), the total the atoms sum to.
    pub total: f64,
}

impl Atoms {
    /// Atoms from a redundancy and the three mutual informations.
    pub fn from_redundancy(redundancy: f64, i1: f64, i2: f64, total: f64) -> Self {
        Self {
            redundancy,
            unique1: i1 - redundancy,
            unique2: i2 - redundancy,
            synergy: total - i1 - i2 + redundancy,
            i1,
            i2,
            total,
        }
    }

    /// The same atoms in bits (divided by ln 2).
    pub fn to_bits(&self) -> Self {
        self.map(|v| v / std::f64::consts::LN_2)
    }

    /// Apply `f` to every field.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Self {
        Self {
            redundancy: f(self.redundancy),
            unique1: f(self.unique1),
            unique2: f(self.unique2),
            synergy: f(self.synergy),
            i1: f(self.i1),
            i2: f(self.i2),
            total: f(self.total),
        }
    }

    /// `redundancy + unique1 + unique2 + synergy`.
    pub fn sum(&self) -> f64 {
        self.redundancy + self.unique1 + self.unique2 + self.synergy
    }

    /// Field values in the order redundancy, unique1, unique2, synergy, i1, i2, total.
    pub fn to_array(&self) -> [f64; 7] {
        [
            self.redundancy,
            self.unique1,
            self.unique2,
            self.synergy,
            self.i1,
            self.i2,
            self.total,
        ]
    }

    /// Inverse of [`to_array`](Self::to_array).
    pub fn from_array(a: [f64; 7]) -> Self {
        Self {
            redundancy: a[0],
            unique1: a[1],
            unique2: a[2],
            synergy: a[3],
            i1: a[4],
            i2: a[5],
            total: a[6],
        }
    }

    /// Field names in [`to_array`](Self::to_array) order.
    pub const NAMES: [&'static str; 7] = [
        "redundancy",
        "unique1",
        "unique2",
        "synergy",
        "i1",
        "i2",
        "total",
    ];
}

/// Local (per-sample) atoms; every vector has one entry per sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LocalAtoms {
    /// Local redundancy.
    pub redundancy: Vec<f64>,
    /// Local unique information of source 1.
    pub unique1: Vec<f64>,
    /// Local unique information of source 2.
    pub unique2: Vec<f64>,
    /// Local synergy.
    pub synergy: Vec<f64>,
    /// Local I(Y; X1).
    pub i1: Vec<f64>,
    /// Local I(Y; X2).
    pub i2: Vec<f64>,
    /// Local I(Y; X1, X2).
    pub total: Vec<f64>,
}

impl LocalAtoms {
    /// Local atoms from a local redundancy and the three local mutual informations.
    pub fn from_redundancy(redundancy: Vec<f64>, i1: &[f64], i2: &[f64], total: &[f64]) -> Self {
        let n = redundancy.len();
        let mut out = Self {
            unique1: Vec::with_capacity(n),
            unique2: Vec::with_capacity(n),
            synergy: Vec::with_capacity(n),
            i1: i1.to_vec(),
            i2: i2.to_vec(),
            total: total.to_vec(),
            redundancy,
        };
        for s in 0..n {
            let a = Atoms::from_redundancy(out.redundancy[s], i1[s], i2[s], total[s]);
            out.unique1.push(a.unique1);
            out.unique2.push(a.unique2);
            out.synergy.push(a.synergy);
        }
        out
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.redundancy.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.redundancy.is_empty()
    }

    /// The atoms of sample `s` (panics if out of range).
    pub fn get(&self, s: usize) -> Atoms {
        Atoms {
            redundancy: self.redundancy[s],
            unique1: self.unique1[s],
            unique2: self.unique2[s],
            synergy: self.synergy[s],
            i1: self.i1[s],
            i2: self.i2[s],
            total: self.total[s],
        }
    }

    /// The mean atoms over all samples.
    pub fn mean(&self) -> Atoms {
        let idx: Vec<usize> = (0..self.len()).collect();
        self.mean_over(&idx)
    }

    /// The mean atoms over the samples `indices` (all zero when empty).
    pub fn mean_over(&self, indices: &[usize]) -> Atoms {
        let mut acc = [0.0f64; 7];
        for &s in indices {
            let a = self.get(s).to_array();
            for (x, v) in acc.iter_mut().zip(a) {
                *x += v;
            }
        }
        let m = indices.len().max(1) as f64;
        Atoms::from_array(acc.map(|x| x / m))
    }
}

/// A PID redundancy measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// Minimum mutual information.
    Mmi,
    /// Shared-exclusion redundancy (kNN).
    Isx,
    /// Common change in surprisal (Gaussian).
    Iccs,
}

impl Measure {
    /// Command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Mmi => "mmi",
            Measure::Isx => "isx",
            Measure::Iccs => "iccs",
        }
    }

    /// The estimators this measure accepts.
    pub fn allowed_estimators(self) -> &'static [Estimator] {
        match self {
            Measure::Mmi => &Estimator::ALL,
            Measure::Isx => &[Estimator::Ksg1],
            Measure::Iccs => &[Estimator::Gcmi, Estimator::Gauss],
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Measure {
    type Err = InfoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mmi" => Ok(Measure::Mmi),
            "isx" => Ok(Measure::Isx),
            "iccs" => Ok(Measure::Iccs),
            _ => Err(InfoError::UnknownName {
                kind: "measure",
                name: s.to_string(),
                expected: "mmi, isx, iccs".into(),
            }),
        }
    }
}

/// Parameters of a continuous PID (builder; [`check`](Self::check) validates the
/// measure-estimator combination).
#[derive(Debug, Clone, PartialEq)]
pub struct PidParams {
    measure: Measure,
    mi: MiParams,
}

impl PidParams {
    /// A measure with an estimator; defaults of [`MiParams`] otherwise.
    pub fn new(measure: Measure, estimator: Estimator) -> Self {
        Self {
            measure,
            mi: MiParams::new(estimator),
        }
    }
    /// Number of neighbours (kNN estimators).
    pub fn k(mut self, k: usize) -> Self {
        self.mi = self.mi.k(k);
        self
    }
    /// Seed of the tie-breaking jitter.
    pub fn seed(mut self, seed: u64) -> Self {
        self.mi = self.mi.seed(seed);
        self
    }
    /// Bias correction of the Gaussian entropies.
    pub fn bias_correct(mut self, on: bool) -> Self {
        self.mi = self.mi.bias_correct(on);
        self
    }
    /// Validate: `isx` takes `ksg1` only, `iccs` takes `gcmi` or `gauss`, `mmi` any.
    pub fn check(&self) -> Result<Pid, InfoError> {
        let allowed = self.measure.allowed_estimators();
        if !allowed.contains(&self.mi.estimator) {
            return Err(InfoError::IncompatibleEstimator {
                measure: self.measure.to_string(),
                estimator: self.mi.estimator.to_string(),
                allowed: allowed
                    .iter()
                    .map(|e| e.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        self.mi.check()?;
        Ok(Pid { p: self.clone() })
    }
}

/// A validated PID.
#[derive(Debug, Clone, PartialEq)]
pub struct Pid {
    p: PidParams,
}

/// A PID with its local values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PidResult {
    /// The atoms (nats).
    pub atoms: Atoms,
    /// The local atoms (nats); they average to `atoms`.
    pub local: LocalAtoms,
    /// The measure.
    pub measure: Measure,
    /// The estimator.
    pub estimator: Estimator,
    /// Number of samples.
    pub n: usize,
}

impl Pid {
    /// The measure.
    pub fn measure(&self) -> Measure {
        self.p.measure
    }

    /// The estimator.
    pub fn estimator(&self) -> Estimator {
        self.p.mi.estimator
    }

    /// Decompose I(Y; X1, X2). `x1`, `x2`, `y`: samples x dims.
    ///
    /// Errors: mismatched rows, non-finite values, constant columns, too few samples, singular
    /// covariances, and for `isx` sources of unequal dimension.
    pub fn decompose(
        &self,
        x1: ArrayView2<'_, f64>,
        x2: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
    ) -> Result<PidResult, InfoError> {
        let n = check_rows(&[("x1", x1.nrows()), ("x2", x2.nrows()), ("y", y.nrows())])?;
        check_var("x1", x1, true)?;
        check_var("x2", x2, true)?;
        check_var("y", y, true)?;
        let (atoms, local) = match self.p.measure {
            Measure::Mmi => mmi::mmi(&self.p.mi, x1, x2, y)?,
            Measure::Isx => isx::isx_pid(&self.p.mi, x1, x2, y)?,
            Measure::Iccs => iccs::iccs(&self.p.mi, x1, x2, y)?,
        };
        Ok(PidResult {
            atoms,
            local,
            measure: self.p.measure,
            estimator: self.p.mi.estimator,
            n,
        })
    }
}

/// Stack two sources column-wise.
pub(crate) fn hstack(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> ndarray::Array2<f64> {
    ndarray::concatenate(ndarray::Axis(1), &[a, b]).expect("rows checked equal by the caller")
}
