//! # info-decomp
//!
//! Mutual-information estimators (kNN, Gaussian copula, Gaussian), partial information
//! decomposition with local values, and the network-based decomposition of deep stellar-mass
//! estimates. Information is in nats throughout; every estimate comes with its per-sample
//! (local) values, which average to it, so results can be grouped and binned.
//!
//! - [`mi`]: KSG 1 and 2, Frenzel-Pompe CMI, Gaussian-copula (G)CMI, Gaussian MI;
//! - [`pid`]: MMI, kNN I_sx and Gaussian I_ccs PIDs for two sources and a target, plus the
//!   discrete measures on probability tables, BROJA included ([`pid::discrete`]);
//! - [`network`]: the study's decomposition from model cross-entropies (METHOD.md section 6);
//! - [`aggregate`]: means by group and in bins with bootstrap intervals;
//! - [`significance`]: permutation nulls and p-values;
//! - [`table`]: reading CSV / whitespace tables for the examples.
//!
//! ```
//! use info_decomp::mi::{Estimator, MiParams};
//! use info_decomp::pid::{Measure, PidParams};
//! use ndarray::Array2;
//!
//! // a deterministic, smooth test system: Y = X1 + X2 + small noise
//! let n = 2000;
//! let x1 = Array2::from_shape_fn((n, 1), |(i, _)| ((i as f64) * 0.7).sin());
//! let x2 = Array2::from_shape_fn((n, 1), |(i, _)| ((i as f64) * 1.3).cos());
//! let y = &x1 + &x2 + Array2::from_shape_fn((n, 1), |(i, _)| 0.3 * ((i as f64) * 2.9).sin());
//!
//! let mi = MiParams::new(Estimator::Gcmi).check().unwrap().mi(x1.view(), y.view()).unwrap();
//! assert!(mi.mi > 0.0 && mi.local.len() == n);
//!
//! let pid = PidParams::new(Measure::Mmi, Estimator::Gauss).check().unwrap();
//! let r = pid.decompose(x1.view(), x2.view(), y.view()).unwrap();
//! let a = r.atoms;
//! assert!((a.redundancy + a.unique1 + a.unique2 + a.synergy - a.total).abs() < 1e-12);
//!
//! // isx takes ksg1 only: another estimator is a typed error
//! assert!(PidParams::new(Measure::Isx, Estimator::Gauss).check().is_err());
//! ```
//!
//! Part of the [mstar](https://github.com/mstar-project/mstar) workspace.
#![warn(missing_docs)]

pub mod aggregate;
pub mod error;
pub mod mi;
pub mod network;
pub mod pid;
pub mod significance;
pub mod table;
mod validate;

pub use error::InfoError;
pub use mi::{Estimator, MiEstimate, MiEstimator, MiParams};
pub use network::{Bins, NetworkDecomposer, NetworkDecomposition, NetworkParams, Prior};
pub use pid::{Atoms, LocalAtoms, Measure, Pid, PidParams, PidResult};
