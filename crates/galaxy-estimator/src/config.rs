//! Network and training configurations, with the `paper` and `small` presets.
//!
//! Every size of METHOD.md section 3 and every training constant of section 4 is a field here.
//! `paper` reproduces the study exactly; `small` is the same design scaled down for CPU demos and tests.

use crate::error::{EstimatorError, Result};
use crate::ops::Activation;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A named configuration preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// The reference study's networks and training schedule.
    Paper,
    /// The same design scaled down (fast on a CPU).
    Small,
}

impl FromStr for Preset {
    type Err = EstimatorError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "paper" => Ok(Preset::Paper),
            "small" => Ok(Preset::Small),
            other => Err(EstimatorError::config(
                "preset",
                format!("unknown preset {other:?} (expected paper or small)"),
            )),
        }
    }
}

/// Training mode (METHOD.md section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Encoder + estimator trained with cross-entropy (information decomposition models).
    Density,
    /// Encoder + estimator + decoder trained with the contrastive scheme (causal-analysis models).
    Contrastive,
}

impl FromStr for Mode {
    type Err = EstimatorError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "density" => Ok(Mode::Density),
            "contrastive" => Ok(Mode::Contrastive),
            other => Err(EstimatorError::config(
                "mode",
                format!("unknown mode {other:?} (expected density or contrastive)"),
            )),
        }
    }
}

/// The main input of a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputSpec {
    /// Images N x C x H x W.
    Images {
        /// Channels (bands).
        channels: usize,
        /// Height in pixels.
        height: usize,
        /// Width in pixels.
        width: usize,
    },
    /// Tabular inputs N x k (photometry).
    Tabular {
        /// Number of features k.
        features: usize,
    },
}

impl InputSpec {
    /// True for images.
    pub fn is_images(&self) -> bool {
        matches!(self, InputSpec::Images { .. })
    }
}

/// One Inception block: four ReLU branches concatenated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InceptionConfig {
    /// Width of the 1x1 reductions before the 5x5 and 3x3 convolutions (101).
    pub reduce: usize,
    /// Output width of the 5x5 and 3x3 convolutions (156).
    pub conv_out: usize,
    /// Width of the 1x1 convolution before the same-padding average pooling (101).
    pub pool_reduce: usize,
    /// Width of the plain 1x1 branch (109).
    pub pass: usize,
}

impl InceptionConfig {
    /// Channels of the block output: 2 * conv_out + pool_reduce + pass (522 in the study).
    pub fn out_channels(&self) -> usize {
        2 * self.conv_out + self.pool_reduce + self.pass
    }
}

/// Inception image encoder (METHOD.md section 3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageEncoderConfig {
    /// Width of the dense layer reading the additional inputs, added to the stem (96).
    pub add_width: usize,
    /// Channels of the stem convolution (96).
    pub stem_channels: usize,
    /// Kernel of the stem convolution (5).
    pub stem_kernel: usize,
    /// Channels of the 3x3 tanh convolution (96).
    pub conv_channels: usize,
    /// The Inception block widths.
    pub inception: InceptionConfig,
    /// Blocks per stage; each stage is preceded by a 2x2/2 average pooling ([3, 2, 1]).
    pub stages: Vec<usize>,
    /// Number of 3x3 'valid' ReLU convolutions after the last stage (3).
    pub tail_convs: usize,
    /// Channels of those convolutions (96).
    pub tail_channels: usize,
    /// Width of the dense ReLU layer before the latent (1024).
    pub dense: usize,
    /// Also pass the additional inputs through their own LeakyReLU MLP (`layers` x `width`, then
    /// a linear layer of `width`) whose output joins that dense layer's output as input to the
    /// latent layer (late fusion; `None`, the study's design, adds them to the stem only). It lets
    /// a CPU-sized run learn catalog inputs as fast as a photometry MLP does.
    #[serde(default)]
    pub additional_branch: Option<MlpConfig>,
}

/// Photometry MLP encoder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MlpConfig {
    /// Number of hidden dense layers (20 in the encoder, 19 in the decoder).
    pub layers: usize,
    /// Width of each hidden layer (128).
    pub width: usize,
}

/// Image decoder: dense -> reshape -> [conv, conv, upsample] x n -> conv -> conv to C.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageDecoderConfig {
    /// Channels of the reshaped dense output (16; the dense width is (H/2^n)(W/2^n) x this).
    pub start_channels: usize,
    /// Number of x2 bilinear upsamplings (3).
    pub upsamplings: usize,
    /// Channels of the hidden 3x3 convolutions (32).
    pub channels: usize,
}

/// Binning of the target (log M*).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Binning {
    /// Number of bins (520).
    pub n_bins: usize,
    /// Lower edge (6.0).
    pub lo: f64,
    /// Upper edge (12.5).
    pub hi: f64,
}

impl Binning {
    /// The study's 520 bins on [6.0, 12.5).
    pub fn paper() -> Self {
        Binning {
            n_bins: 520,
            lo: 6.0,
            hi: 12.5,
        }
    }
    /// Bin width.
    pub fn width(&self) -> f64 {
        (self.hi - self.lo) / self.n_bins as f64
    }
    /// Bin index of a value, clipped to the end bins.
    pub fn index(&self, v: f64) -> usize {
        let k = ((v - self.lo) / self.width()).floor();
        if k.is_nan() || k < 0.0 {
            0
        } else {
            (k as usize).min(self.n_bins - 1)
        }
    }
    /// Centre of bin `k`.
    pub fn center(&self, k: usize) -> f64 {
        self.lo + (k as f64 + 0.5) * self.width()
    }
    fn check(&self) -> Result<()> {
        if self.n_bins < 2 {
            return Err(EstimatorError::config("bins.n_bins", "must be at least 2"));
        }
        if !(self.lo.is_finite() && self.hi.is_finite() && self.hi > self.lo) {
            return Err(EstimatorError::config(
                "bins",
                format!("needs finite lo < hi, got [{}, {})", self.lo, self.hi),
            ));
        }
        Ok(())
    }
}

/// Stages (and decoder upsamplings) of the `small` preset: 3 for images of 32 pixels or more
/// (a 4x4 grid after 32x32), 2 from 16 pixels, else 1.
fn small_stages(input: InputSpec) -> usize {
    match input {
        InputSpec::Images { height, width, .. } => match height.min(width) {
            s if s >= 32 => 3,
            s if s >= 16 => 2,
            _ => 1,
        },
        InputSpec::Tabular { .. } => 3,
    }
}

/// Full description of a network (encoder, estimator head and, in contrastive mode, decoder).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Main input.
    pub input: InputSpec,
    /// Number of additional (tabular) inputs fed beside the main input (0 allowed).
    pub additional: usize,
    /// Training mode; contrastive models have extra latent dimensions and a decoder.
    pub mode: Mode,
    /// Dimensions of the latent S read by the estimator head (16 images, 8 photometry).
    pub s_dim: usize,
    /// Extra latent dimensions used only by the decoder (contrastive: 512 images, 8 photometry; density: 0).
    pub extra_latent: usize,
    /// Slope of the LeakyReLU units (0.2).
    pub leaky_slope: f32,
    /// Image encoder sizes (used when the input is images).
    pub image: ImageEncoderConfig,
    /// Photometry encoder sizes (used when the input is tabular).
    pub mlp: MlpConfig,
    /// Hidden width of the estimator head (1024 images, 128 photometry).
    pub head_hidden: usize,
    /// Image decoder sizes.
    pub image_decoder: ImageDecoderConfig,
    /// Photometry decoder sizes (19 x 128).
    pub mlp_decoder: MlpConfig,
    /// Target binning.
    pub bins: Binning,
    /// Apply x -> sign(x) ln(1 + |x|) to image pixels (after augmentation).
    pub sign_log: bool,
    /// Bias initial value (0.1).
    pub bias_init: f32,
}

impl ModelConfig {
    /// The configuration of a preset for a given input, number of additional inputs and mode.
    pub fn preset(preset: Preset, input: InputSpec, additional: usize, mode: Mode) -> Self {
        let contrastive = mode == Mode::Contrastive;
        let images = input.is_images();
        match preset {
            Preset::Paper => ModelConfig {
                input,
                additional,
                mode,
                s_dim: if images { 16 } else { 8 },
                extra_latent: match (contrastive, images) {
                    (false, _) => 0,
                    (true, true) => 512,
                    (true, false) => 8,
                },
                leaky_slope: 0.2,
                image: ImageEncoderConfig {
                    add_width: 96,
                    stem_channels: 96,
                    stem_kernel: 5,
                    conv_channels: 96,
                    inception: InceptionConfig {
                        reduce: 101,
                        conv_out: 156,
                        pool_reduce: 101,
                        pass: 109,
                    },
                    stages: vec![3, 2, 1],
                    tail_convs: 3,
                    tail_channels: 96,
                    dense: 1024,
                    additional_branch: None,
                },
                mlp: MlpConfig {
                    layers: 20,
                    width: 128,
                },
                head_hidden: if images { 1024 } else { 128 },
                image_decoder: ImageDecoderConfig {
                    start_channels: 16,
                    upsamplings: 3,
                    channels: 32,
                },
                mlp_decoder: MlpConfig {
                    layers: 19,
                    width: 128,
                },
                bins: Binning::paper(),
                sign_log: true,
                bias_init: 0.1,
            },
            Preset::Small => ModelConfig {
                input,
                additional,
                mode,
                s_dim: if images { 16 } else { 8 },
                extra_latent: match (contrastive, images) {
                    (false, _) => 0,
                    (true, true) => 48,
                    (true, false) => 8,
                },
                leaky_slope: 0.2,
                image: ImageEncoderConfig {
                    add_width: 16,
                    stem_channels: 16,
                    stem_kernel: 5,
                    conv_channels: 16,
                    inception: InceptionConfig {
                        reduce: 8,
                        conv_out: 16,
                        pool_reduce: 8,
                        pass: 8,
                    },
                    stages: vec![1; small_stages(input)],
                    tail_convs: 1,
                    tail_channels: 32,
                    dense: 128,
                    additional_branch: Some(MlpConfig {
                        layers: 4,
                        width: 64,
                    }),
                },
                mlp: MlpConfig {
                    layers: 6,
                    width: 64,
                },
                head_hidden: if images { 128 } else { 64 },
                image_decoder: ImageDecoderConfig {
                    start_channels: 8,
                    upsamplings: small_stages(input),
                    channels: 16,
                },
                mlp_decoder: MlpConfig {
                    layers: 5,
                    width: 64,
                },
                bins: Binning::paper(),
                sign_log: true,
                bias_init: 0.1,
            },
        }
    }

    /// Total latent width (S + extra).
    pub fn latent_dim(&self) -> usize {
        self.s_dim + self.extra_latent
    }

    /// Spatial size after the encoder's stages, before the tail convolutions.
    pub(crate) fn encoder_grid(&self) -> (usize, usize) {
        match self.input {
            InputSpec::Images { height, width, .. } => {
                let f = 1usize << self.image.stages.len();
                (height / f, width / f)
            }
            InputSpec::Tabular { .. } => (0, 0),
        }
    }

    /// Validates every field; returns a typed error naming the first bad one.
    pub fn check(&self) -> Result<()> {
        self.bins.check()?;
        if self.s_dim == 0 {
            return Err(EstimatorError::config("s_dim", "must be positive"));
        }
        if self.mode == Mode::Density && self.extra_latent != 0 {
            return Err(EstimatorError::config(
                "extra_latent",
                "must be 0 for density models (the estimator reads all of the latent)",
            ));
        }
        if !(self.leaky_slope.is_finite() && self.leaky_slope > 0.0 && self.leaky_slope < 1.0) {
            return Err(EstimatorError::config("leaky_slope", "must lie in (0, 1)"));
        }
        if self.head_hidden == 0 {
            return Err(EstimatorError::config("head_hidden", "must be positive"));
        }
        match self.input {
            InputSpec::Images {
                channels,
                height,
                width,
            } => {
                if channels == 0 || height == 0 || width == 0 {
                    return Err(EstimatorError::config(
                        "input",
                        "image sizes must be positive",
                    ));
                }
                let e = &self.image;
                let i = &e.inception;
                for (name, v) in [
                    ("image.stem_channels", e.stem_channels),
                    ("image.stem_kernel", e.stem_kernel),
                    ("image.conv_channels", e.conv_channels),
                    ("image.inception.reduce", i.reduce),
                    ("image.inception.conv_out", i.conv_out),
                    ("image.inception.pool_reduce", i.pool_reduce),
                    ("image.inception.pass", i.pass),
                    ("image.tail_channels", e.tail_channels),
                    ("image.dense", e.dense),
                ] {
                    if v == 0 {
                        return Err(EstimatorError::config(name, "must be positive"));
                    }
                }
                if self.additional > 0 && e.add_width != e.stem_channels {
                    return Err(EstimatorError::config(
                        "image.add_width",
                        "must equal image.stem_channels (the two are added)",
                    ));
                }
                if e.stages.is_empty() || e.stages.contains(&0) {
                    return Err(EstimatorError::config(
                        "image.stages",
                        "needs at least one stage, each with at least one block",
                    ));
                }
                let f = 1usize << e.stages.len();
                if height % f != 0 || width % f != 0 {
                    return Err(EstimatorError::config(
                        "input",
                        format!("image size {height}x{width} must be divisible by {f} (2^stages)"),
                    ));
                }
                let (th, tw) = self.encoder_grid();
                if th <= 2 * e.tail_convs || tw <= 2 * e.tail_convs {
                    return Err(EstimatorError::config(
                        "image.tail_convs",
                        format!(
                            "{} valid 3x3 convolutions do not fit the {th}x{tw} grid after the stages",
                            e.tail_convs
                        ),
                    ));
                }
                if self.mode == Mode::Contrastive {
                    let d = &self.image_decoder;
                    let f = 1usize << d.upsamplings;
                    if height % f != 0 || width % f != 0 || d.start_channels == 0 || d.channels == 0
                    {
                        return Err(EstimatorError::config(
                            "image_decoder",
                            format!(
                                "image size {height}x{width} must be divisible by 2^upsamplings = {f}, channels positive"
                            ),
                        ));
                    }
                }
            }
            InputSpec::Tabular { features } => {
                if features == 0 {
                    return Err(EstimatorError::config(
                        "input",
                        "needs at least one feature",
                    ));
                }
                if self.mlp.width == 0 {
                    return Err(EstimatorError::config("mlp.width", "must be positive"));
                }
                if self.mode == Mode::Contrastive && self.mlp_decoder.width == 0 {
                    return Err(EstimatorError::config(
                        "mlp_decoder.width",
                        "must be positive",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The hidden activation of the estimator head (ReLU for images, LeakyReLU for photometry).
    pub(crate) fn head_activation(&self) -> Activation {
        if self.input.is_images() {
            Activation::Relu
        } else {
            Activation::LeakyRelu(self.leaky_slope)
        }
    }
}

/// Optimisation settings (METHOD.md section 4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Number of optimisation steps (180000 in the study).
    pub steps: usize,
    /// Galaxies per batch (density: 128; contrastive: 32 per set).
    pub batch_size: usize,
    /// Initial Adam learning rate (1e-4).
    pub learning_rate: f64,
    /// Factor the learning rate is divided by at each decay step (5).
    pub lr_decay_factor: f64,
    /// Steps at which the learning rate is divided (`[60000]`).
    pub lr_decay_steps: Vec<usize>,
    /// Adam beta1 (0.9).
    pub beta1: f64,
    /// Adam beta2 (0.999).
    pub beta2: f64,
    /// Adam epsilon (1e-8).
    pub eps: f64,
    /// Reconstruction weight w of the contrastive loss (100 images, 1 photometry).
    pub recon_weight: f64,
    /// Random D4 augmentation of training images.
    pub augment: bool,
    /// Seed of initial weights, batches and augmentation.
    pub seed: u64,
    /// Validation every this many steps (0: never).
    pub validate_every: usize,
    /// Checkpoint every this many steps (0: only at the end).
    pub checkpoint_every: usize,
    /// Write a JSON-lines loss record (means over the interval) every this many steps.
    pub log_every: usize,
    /// Batch size of validation and inference passes (memory bound).
    pub eval_batch: usize,
    /// Draw an indicatif progress bar on stderr.
    pub progress: bool,
    /// Return the weights of the validation pass with the lowest mean cross-entropy instead of the
    /// last step's (early stopping by selection; the study uses the last checkpoint). Needs
    /// `validate_every > 0` and a validation split; the last step is always validated. With a
    /// checkpoint directory the selected weights are also written to `DIR/best/` (a model directory
    /// for [`crate::train::checkpoint::load_model`]), while `DIR` keeps the resumable last step.
    #[serde(default)]
    pub keep_best: bool,
}

impl TrainConfig {
    /// Training settings of a preset. `paper` is the study's schedule (180000 steps, decay at 60000);
    /// `small` runs 1500 steps at a learning rate of 1e-3 divided by 5 at step 1000.
    pub fn preset(preset: Preset, mode: Mode, images: bool) -> Self {
        let (steps, lr, decay) = match preset {
            Preset::Paper => (180_000, 1e-4, vec![60_000]),
            Preset::Small => (1500, 1e-3, vec![1000]),
        };
        TrainConfig {
            steps,
            batch_size: if mode == Mode::Density { 128 } else { 32 },
            learning_rate: lr,
            lr_decay_factor: 5.0,
            lr_decay_steps: decay,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            recon_weight: if images { 100.0 } else { 1.0 },
            augment: images,
            seed: 0,
            validate_every: match preset {
                Preset::Paper => 1000,
                Preset::Small => 250,
            },
            checkpoint_every: match preset {
                Preset::Paper => 5000,
                Preset::Small => 0,
            },
            log_every: 10,
            eval_batch: 256,
            progress: true,
            keep_best: false,
        }
    }

    /// Learning rate at a (0-based) step.
    pub fn lr_at(&self, step: usize) -> f64 {
        let n = self.lr_decay_steps.iter().filter(|&&s| step >= s).count();
        self.learning_rate / self.lr_decay_factor.powi(n as i32)
    }

    /// Validates every field.
    pub fn check(&self) -> Result<()> {
        if self.steps == 0 {
            return Err(EstimatorError::config("steps", "must be positive"));
        }
        if self.batch_size == 0 {
            return Err(EstimatorError::config("batch_size", "must be positive"));
        }
        if self.log_every == 0 {
            return Err(EstimatorError::config("log_every", "must be positive"));
        }
        if self.eval_batch == 0 {
            return Err(EstimatorError::config("eval_batch", "must be positive"));
        }
        if self.keep_best && self.validate_every == 0 {
            return Err(EstimatorError::config(
                "keep_best",
                "needs validate_every > 0 (the weights are selected among validation passes)",
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(EstimatorError::config("learning_rate", "must be positive"));
        }
        if !(self.lr_decay_factor.is_finite() && self.lr_decay_factor > 0.0) {
            return Err(EstimatorError::config(
                "lr_decay_factor",
                "must be positive",
            ));
        }
        if !(0.0..1.0).contains(&self.beta1) || !(0.0..1.0).contains(&self.beta2) {
            return Err(EstimatorError::config("beta1/beta2", "must lie in [0, 1)"));
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(EstimatorError::config("eps", "must be positive"));
        }
        if !(self.recon_weight.is_finite() && self.recon_weight >= 0.0) {
            return Err(EstimatorError::config("recon_weight", "must be >= 0"));
        }
        Ok(())
    }
}
