//! Mutual-information estimators for multi-dimensional variables, all in nats and all with
//! per-sample (local) values that average to the estimate.
//!
//! | [`Estimator`] | method | conditional MI |
//! | --- | --- | --- |
//! | `ksg1`, `ksg2` | Kraskov-Stoegbauer-Grassberger kNN, max norm ([`ksg`]) | Frenzel-Pompe (`ksg1` only, [`cmi`]) |
//! | `gcmi` | Gaussian copula with bias correction ([`copula`]) | yes |
//! | `gauss` | parametric Gaussian with bias correction ([`gaussian`]) | yes |
//!
//! ```
//! use info_decomp::mi::{Estimator, MiParams};
//! use ndarray::Array2;
//! let x = Array2::from_shape_fn((500, 1), |(i, _)| ((i * 37 % 101) as f64).sin());
//! let y = x.mapv(|v| v + 0.1) + Array2::from_shape_fn((500, 1), |(i, _)| ((i * 53 % 97) as f64).cos());
//! let est = MiParams::new(Estimator::Gauss).check().unwrap().mi(x.view(), y.view()).unwrap();
//! assert_eq!(est.local.len(), 500);
//! assert!(est.mi > 0.0);
//! ```

pub mod cmi;
pub mod copula;
pub mod gaussian;
pub mod ksg;

use std::fmt;
use std::str::FromStr;

use knn_estimators::{JitterMode, KsgVariant};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::InfoError;
use crate::validate::{check_rows, check_var};

/// A mutual-information estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Estimator {
    /// KSG estimator 1 (kNN).
    Ksg1,
    /// KSG estimator 2 (kNN).
    Ksg2,
    /// Gaussian copula.
    Gcmi,
    /// Parametric Gaussian.
    Gauss,
}

impl Estimator {
    /// Every estimator, in a fixed order.
    pub const ALL: [Estimator; 4] = [
        Estimator::Ksg1,
        Estimator::Ksg2,
        Estimator::Gcmi,
        Estimator::Gauss,
    ];

    /// The command-line name (`ksg1`, `ksg2`, `gcmi`, `gauss`).
    pub fn name(self) -> &'static str {
        match self {
            Estimator::Ksg1 => "ksg1",
            Estimator::Ksg2 => "ksg2",
            Estimator::Gcmi => "gcmi",
            Estimator::Gauss => "gauss",
        }
    }

    /// Whether the estimator is a kNN one (uses `k`).
    pub fn is_knn(self) -> bool {
        matches!(self, Estimator::Ksg1 | Estimator::Ksg2)
    }
}

impl fmt::Display for Estimator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Estimator {
    type Err = InfoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Estimator::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| InfoError::UnknownName {
                kind: "estimator",
                name: s.to_string(),
                expected: "ksg1, ksg2, gcmi, gauss".into(),
            })
    }
}

/// Parameters of a mutual-information estimator (builder; [`check`](Self::check) validates).
#[derive(Debug, Clone, PartialEq)]
pub struct MiParams {
    pub(crate) estimator: Estimator,
    pub(crate) k: usize,
    pub(crate) seed: u64,
    pub(crate) jitter: JitterMode,
    pub(crate) bias_correct: bool,
}

impl MiParams {
    /// Defaults: `k = 3`, seed 0, jitter only on ties, bias correction on.
    pub fn new(estimator: Estimator) -> Self {
        Self {
            estimator,
            k: 3,
            seed: 0,
            jitter: JitterMode::IfTies,
            bias_correct: true,
        }
    }
    /// Number of neighbours of the kNN estimators.
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }
    /// Seed of the kNN tie-breaking jitter.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Tie policy of the kNN estimators.
    pub fn jitter(mut self, mode: JitterMode) -> Self {
        self.jitter = mode;
        self
    }
    /// Bias correction of the Gaussian entropies (Gaussian and copula estimators).
    pub fn bias_correct(mut self, on: bool) -> Self {
        self.bias_correct = on;
        self
    }
    /// Validate.
    pub fn check(&self) -> Result<MiEstimator, InfoError> {
        if self.k == 0 {
            return Err(InfoError::InvalidParameter {
                name: "k",
                reason: "must be at least 1".into(),
            });
        }
        Ok(MiEstimator { p: self.clone() })
    }
}

/// An estimate with its local values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MiEstimate {
    /// The estimate in nats (the mean of `local`).
    pub mi: f64,
    /// Per-sample local values in nats.
    pub local: Vec<f64>,
    /// Number of samples.
    pub n: usize,
    /// The estimator.
    pub estimator: Estimator,
    /// Neighbours used (kNN estimators only).
    pub k: Option<usize>,
    /// Whether this is a conditional MI.
    pub conditional: bool,
}

/// A validated mutual-information estimator.
#[derive(Debug, Clone, PartialEq)]
pub struct MiEstimator {
    p: MiParams,
}

impl MiEstimator {
    /// The estimator kind.
    pub fn estimator(&self) -> Estimator {
        self.p.estimator
    }

    /// The parameters.
    pub fn params(&self) -> &MiParams {
        &self.p
    }

    fn needed(&self, dims: usize) -> usize {
        if self.p.estimator.is_knn() {
            self.p.k + 1
        } else {
            dims + 2
        }
    }

    /// I(X;Y) in nats with local values. `x`, `y`: samples x dims.
    ///
    /// Errors: mismatched rows, no columns, non-finite values, constant columns, too few samples
    /// (`N < k + 1` for kNN, `N < dims + 2` for the Gaussian ones), singular covariances.
    pub fn mi(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
    ) -> Result<MiEstimate, InfoError> {
        let n = check_rows(&[("x", x.nrows()), ("y", y.nrows())])?;
        check_var("x", x, true)?;
        check_var("y", y, true)?;
        let needed = self.needed(x.ncols() + y.ncols());
        if n < needed {
            return Err(InfoError::TooFewSamples {
                what: format!("{} mutual information", self.p.estimator),
                n,
                needed,
            });
        }
        let (mi, local) = match self.p.estimator {
            Estimator::Ksg1 => ksg::ksg_mi(&self.p, KsgVariant::Ksg1, x, y)?,
            Estimator::Ksg2 => ksg::ksg_mi(&self.p, KsgVariant::Ksg2, x, y)?,
            Estimator::Gcmi => copula::gcmi(x, y, self.p.bias_correct)?,
            Estimator::Gauss => gaussian::gaussian_mi(x, y, self.p.bias_correct)?,
        };
        Ok(self.finish(mi, local, false))
    }

    /// I(X;Y|Z) in nats with local values; `z` without columns gives I(X;Y).
    ///
    /// Errors: as [`mi`](Self::mi), and [`InfoError::InvalidParameter`] for `ksg2` (the kNN
    /// conditional MI is Frenzel-Pompe, built on estimator 1).
    pub fn cmi(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
        z: ArrayView2<'_, f64>,
    ) -> Result<MiEstimate, InfoError> {
        if z.ncols() == 0 {
            check_rows(&[("x", x.nrows()), ("z", z.nrows())])?;
            let mut e = self.mi(x, y)?;
            e.conditional = true;
            return Ok(e);
        }
        let n = check_rows(&[("x", x.nrows()), ("y", y.nrows()), ("z", z.nrows())])?;
        check_var("x", x, true)?;
        check_var("y", y, true)?;
        check_var("z", z, true)?;
        let needed = self.needed(x.ncols() + y.ncols() + z.ncols());
        if n < needed {
            return Err(InfoError::TooFewSamples {
                what: format!("{} conditional mutual information", self.p.estimator),
                n,
                needed,
            });
        }
        let (mi, local) = match self.p.estimator {
            Estimator::Ksg1 => cmi::fp_cmi(&self.p, x, y, z)?,
            Estimator::Ksg2 => {
                return Err(InfoError::InvalidParameter {
                    name: "estimator",
                    reason: "conditional kNN MI is Frenzel-Pompe on estimator 1: use ksg1".into(),
                });
            }
            Estimator::Gcmi => copula::gccmi(x, y, z, self.p.bias_correct)?,
            Estimator::Gauss => gaussian::gaussian_cmi(x, y, z, self.p.bias_correct)?,
        };
        Ok(self.finish(mi, local, true))
    }

    fn finish(&self, mi: f64, local: Vec<f64>, conditional: bool) -> MiEstimate {
        MiEstimate {
            mi,
            n: local.len(),
            local,
            estimator: self.p.estimator,
            k: self.p.estimator.is_knn().then_some(self.p.k),
            conditional,
        }
    }
}
