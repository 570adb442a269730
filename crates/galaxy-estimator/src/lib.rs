//! # galaxy-estimator
//!
//! Deep density estimators of galaxy stellar mass (or photometric redshift, or any scalar) from
//! images and photometry, on [candle](https://github.com/huggingface/candle): the networks and training schemes of the mstar study
//! (METHOD.md sections 1-4), usable on their own. Inputs and outputs are [`ndarray`] arrays:
//! images N x C x H x W `f32`, tabular inputs N x k `f32`, targets N `f64`.
//!
//! - [`config`]: every size a field; presets `paper` (the study's networks: 6 007 000 parameters
//!   for the image density model with one additional input) and `small` (same design, scaled down).
//! - [`nn`]: Inception image encoder, photometry MLP, estimator head reading the latent S,
//!   decoders; Glorot-uniform weights and 0.1 biases from our seeded ChaCha generator.
//! - [`train`]: density and contrastive training, Adam with a step schedule, validation, a
//!   JSON-lines log, atomic resumable checkpoints ([`train::checkpoint`]), warm starts from a
//!   trained network that reads fewer additional inputs ([`train::warm_start`]).
//! - [`infer`]: probabilities, mean / mode / median, S, per-galaxy cross-entropy, in batches.
//! - [`metrics`]: bias, sigma_MAD, outlier fraction, CRPS.
//! - [`ops`]: fast CPU kernels (fused im2col + GEMM convolution, pooling, upsampling) with exact
//!   backward passes; device-generic compositions elsewhere (the `cuda` feature).
//!
//! ```
//! use galaxy_estimator::config::{InputSpec, Mode, ModelConfig, Preset, TrainConfig};
//! use galaxy_estimator::data::{Inputs, Splits};
//! use galaxy_estimator::infer::{predict, PredictOptions};
//! use galaxy_estimator::metrics::point_metrics;
//! use galaxy_estimator::train::{train, TrainOptions};
//! use ndarray::{Array1, Array2};
//!
//! // 64 galaxies with 3 photometric features; the "mass" is their sum.
//! let x = Array2::from_shape_fn((64, 3), |(i, j)| ((i * (j + 2)) % 7) as f32 * 0.3);
//! let y: Array1<f64> = x.rows().into_iter().map(|r| 8.0 + r.sum() as f64 * 0.2).collect();
//! let inputs = Inputs::tabular(x.view());
//! let model = ModelConfig::preset(Preset::Small, inputs.spec(), 0, Mode::Density);
//! let mut settings = TrainConfig::preset(Preset::Small, Mode::Density, false);
//! settings.steps = 20;
//! settings.progress = false;
//! let out = train(&model, &settings, &inputs, y.view(), &Splits::all_train(64), &TrainOptions::default())?;
//! let p = predict(&out.network, &inputs, Some(y.view()), &PredictOptions::default())?;
//! assert_eq!(p.prob.as_ref().unwrap().dim(), (64, 520));
//! assert_eq!(p.s.dim(), (64, 8));
//! let m = point_metrics(p.mean.view(), y.view())?;
//! assert!(m.sigma_mad.is_finite());
//! # Ok::<(), galaxy_estimator::EstimatorError>(())
//! ```
#![warn(missing_docs)]

pub mod alloc;
pub mod device;
pub mod error;
pub mod ops;

/// The tensor library, re-exported so that users can name devices (`candle_core::Device`).
pub use candle_core;
pub use error::{EstimatorError, Result};
pub mod augment;
pub mod config;
pub mod data;
pub mod infer;
pub mod io;
pub mod metrics;
pub mod nn;
pub mod train;
