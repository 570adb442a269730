//! # galaxy-estimator
//!
//! Deep density estimators of galaxy stellar mass from images and photometry on candle: density and contrastive training, latent S, metrics.
//!
//! Part of the [mstar](https://github.com/mstar-project/mstar) workspace.
#![warn(missing_docs)]

pub mod alloc;
pub mod device;
pub mod error;
pub mod ops;

pub use error::{EstimatorError, Result};
pub mod augment;
pub mod config;
pub mod data;
pub mod infer;
pub mod io;
pub mod metrics;
pub mod nn;
pub mod train;
