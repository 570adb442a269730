//! # knn-estimators
//!
//! Exact k-nearest-neighbour search (Chebyshev or Euclidean) with dispatch over dimension,
//! strict / closed radius counts, and the KSG / Frenzel-Pompe information-estimator cores with
//! per-sample (local) values, in nats.
//!
//! - [`tree`]: [`KnnIndex`] (sorted array in 1-D; a bounding-box Chebyshev kd-tree with
//!   subtree counting in any dimension; kiddo kd-trees for Euclidean search in
//!   2..=[`MAX_KD_DIM`] dimensions, exact brute force above);
//! - [`counts`]: validation, tie detection and the seeded tie-breaking jitter;
//! - [`ksg`]: KSG estimators 1 and 2 and the Frenzel-Pompe conditional MI;
//! - [`digamma`](mod@digamma): the digamma function and an integer table.
//!
//! Every parallel loop runs over query points with rayon and collects in point order, so results
//! do not depend on the number of threads.
//!
//! ```
//! use knn_estimators::ksg::KsgParams;
//! use ndarray::Array2;
//! use rand::{Rng, SeedableRng};
//! use rand_chacha::ChaCha8Rng;
//!
//! // correlated Gaussians, rho = 0.6: I = -0.5 ln(1 - rho^2) = 0.22314 nats
//! let mut rng = ChaCha8Rng::seed_from_u64(1);
//! let n = 2000;
//! let rho: f64 = 0.6;
//! let mut x = Array2::<f64>::zeros((n, 1));
//! let mut y = Array2::<f64>::zeros((n, 1));
//! for i in 0..n {
//!     // Box-Muller
//!     let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
//!     let r = (-2.0 * u1.ln()).sqrt();
//!     let (a, b) = (r * (std::f64::consts::TAU * u2).cos(), r * (std::f64::consts::TAU * u2).sin());
//!     x[[i, 0]] = a;
//!     y[[i, 0]] = rho * a + (1.0 - rho * rho).sqrt() * b;
//! }
//! let est = KsgParams::new().k(3).check().unwrap().mi(x.view(), y.view()).unwrap();
//! assert!((est.estimate - 0.22314).abs() < 0.05);
//! assert_eq!(est.local.len(), n);
//! ```
//!
//! Part of the [mstar](https://github.com/mstar-project/mstar) workspace.
#![warn(missing_docs)]

mod chebtree;
pub mod counts;
pub mod digamma;
pub mod error;
pub mod ksg;
pub mod tree;

pub use counts::JitterMode;
pub use digamma::{DigammaTable, digamma};
pub use error::KnnError;
pub use ksg::{Ksg, KsgEstimate, KsgParams, KsgVariant};
pub use tree::{Backend, Boundary, KnnIndex, MAX_KD_DIM, Metric, Neighbour, distance};
