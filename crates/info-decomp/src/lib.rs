//! # info-decomp
//!
//! Mutual-information estimators (kNN, Gaussian copula, Gaussian), partial information decomposition with local values, and the network-based decomposition of deep stellar-mass estimates.
//!
//! Part of the [mstar](https://github.com/mstar-project/mstar) workspace.
#![warn(missing_docs)]
