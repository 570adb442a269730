//! # galaxy-estimator
//!
//! Deep density estimators of galaxy stellar mass from images and photometry on candle: density and contrastive training, latent S, metrics.
//!
//! Part of the [mstar](https://github.com/mstar-project/mstar) workspace.
#![warn(missing_docs)]

pub mod error;
pub mod ops;

pub use error::{EstimatorError, Result};
pub mod config;
pub mod nn;
