//! # knn-estimators
//!
//! k-nearest-neighbour search by dimension, radius counts and KSG / Frenzel-Pompe information-estimator cores.
//!
//! Part of the [mstar](https://github.com/mstar-project/mstar) workspace.
#![warn(missing_docs)]
