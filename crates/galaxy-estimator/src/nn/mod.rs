//! The networks of METHOD.md section 3: Inception image encoder, photometry MLP encoder,
//! estimator head (reads S only) and decoders, in NHWC layout on any candle device.

mod decoder;
mod image_encoder;
mod inception;
mod init;
mod layers;
mod mlp;

pub use init::{LayerInfo, ParamStore};

use crate::config::{InputSpec, Mode, ModelConfig};
use crate::error::Result;
use crate::ops::Activation;
use candle_core::{DType, Device, Tensor};
use decoder::ImageDecoder;
use image_encoder::ImageEncoder;
use init::Init;
use layers::Dense;
use mlp::Mlp;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Debug)]
enum Encoder {
    Image(ImageEncoder),
    Mlp(Mlp),
}

#[derive(Clone, Debug)]
enum Decoder {
    Image(ImageDecoder),
    Mlp(Mlp),
}

/// An encoder + estimator head (+ decoder in contrastive mode) with its trainable parameters.
#[derive(Debug)]
pub struct Network {
    config: ModelConfig,
    device: Device,
    compute: DType,
    store: ParamStore,
    encoder: Encoder,
    head_hidden: Dense,
    head_out: Dense,
    decoder: Option<Decoder>,
}

impl Network {
    /// Builds a network with Glorot-uniform weights and constant biases drawn from
    /// `ChaCha8Rng::seed_from_u64(seed)` (stream 0), on `device`, computing in f32.
    pub fn new(config: &ModelConfig, seed: u64, device: &Device) -> Result<Self> {
        crate::alloc::tune_allocator();
        config.check()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(0);
        let mut init = Init {
            rng: &mut rng,
            device,
            store: ParamStore::default(),
            bias: config.bias_init,
        };
        let leaky = Activation::LeakyRelu(config.leaky_slope);
        let encoder = match config.input {
            InputSpec::Images {
                channels,
                height,
                width,
            } => {
                init.layer(
                    "input",
                    "image (sign-log rescaled)".into(),
                    format!("{height}x{width}x{channels}"),
                    0,
                );
                Encoder::Image(ImageEncoder::new(
                    &mut init,
                    config,
                    channels,
                    (height, width),
                )?)
            }
            InputSpec::Tabular { features } => {
                init.layer(
                    "input",
                    "tabular (main + additional)".into(),
                    format!("{}", features + config.additional),
                    0,
                );
                Encoder::Mlp(Mlp::new(
                    &mut init,
                    "enc",
                    features + config.additional,
                    config.mlp.layers,
                    config.mlp.width,
                    config.latent_dim(),
                    leaky,
                )?)
            }
        };
        let head_hidden = Dense::new(
            &mut init,
            "head.hidden",
            config.s_dim,
            config.head_hidden,
            config.head_activation(),
        )?;
        let head_out = Dense::new(
            &mut init,
            "head.out",
            config.head_hidden,
            config.bins.n_bins,
            Activation::Linear,
        )?;
        let decoder = match (config.mode, config.input) {
            (Mode::Density, _) => None,
            (
                Mode::Contrastive,
                InputSpec::Images {
                    channels,
                    height,
                    width,
                },
            ) => Some(Decoder::Image(ImageDecoder::new(
                &mut init,
                config,
                channels,
                (height, width),
            )?)),
            (Mode::Contrastive, InputSpec::Tabular { features }) => Some(Decoder::Mlp(Mlp::new(
                &mut init,
                "dec",
                config.latent_dim(),
                config.mlp_decoder.layers,
                config.mlp_decoder.width,
                features,
                leaky,
            )?)),
        };
        let store = init.store;
        Ok(Network {
            config: config.clone(),
            device: device.clone(),
            compute: DType::F32,
            store,
            encoder,
            head_hidden,
            head_out,
            decoder,
        })
    }

    /// Names of the dense weights whose rows are the network's tabular inputs, in input order:
    /// the main columns then the additional ones for a photometry network, the additional
    /// columns for an image network (the stem's dense layer and the late branch's first layer).
    /// These are the weights a [`crate::train::WarmStart`] may widen.
    pub fn input_weights(&self) -> Vec<String> {
        let first = |prefix: &str, layers: usize| {
            if layers > 0 {
                format!("{prefix}.h0.w")
            } else {
                format!("{prefix}.out.w")
            }
        };
        match self.config.input {
            InputSpec::Tabular { .. } => vec![first("enc", self.config.mlp.layers)],
            InputSpec::Images { .. } if self.config.additional > 0 => {
                let mut v = vec!["enc.add.w".to_string()];
                if let Some(b) = &self.config.image.additional_branch {
                    v.push(first("enc.addmlp", b.layers));
                }
                v
            }
            InputSpec::Images { .. } => Vec::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }
    /// The device holding the parameters.
    pub fn device(&self) -> &Device {
        &self.device
    }
    /// The trainable parameters.
    pub fn params(&self) -> &ParamStore {
        &self.store
    }
    /// Total number of trainable parameters.
    pub fn num_params(&self) -> usize {
        self.store.num_params()
    }
    /// The compute dtype of the forward pass (parameters stay f32).
    pub fn compute_dtype(&self) -> DType {
        self.compute
    }
    /// Computes in bf16 (GPU only; parameters and optimiser state stay f32).
    pub fn set_bf16(&mut self, on: bool) -> Result<()> {
        if on && self.device.is_cpu() {
            return Err(crate::EstimatorError::Device(
                "bf16 compute is only supported on a GPU device".into(),
            ));
        }
        self.compute = if on { DType::BF16 } else { DType::F32 };
        Ok(())
    }

    /// Latent (N x (S + extra)) of a prepared input: images N x H x W x C (already rescaled)
    /// or tabular N x k; `a` the additional inputs N x m.
    pub fn encode(&self, x: &Tensor, a: Option<&Tensor>) -> candle_core::Result<Tensor> {
        let x = layers::cast(x, self.compute)?;
        let a = a.map(|a| layers::cast(a, self.compute)).transpose()?;
        let z = match &self.encoder {
            Encoder::Image(e) => e.forward(&x, a.as_ref())?,
            Encoder::Mlp(m) => match a {
                Some(a) => m.forward(&Tensor::cat(&[&x, &a], 1)?)?,
                None => m.forward(&x)?,
            },
        };
        layers::cast(&z, DType::F32)
    }

    /// The S part of a latent.
    pub fn s_of(&self, latent: &Tensor) -> candle_core::Result<Tensor> {
        latent.narrow(1, 0, self.config.s_dim)
    }

    /// Logits over the bins from a latent (the head reads S only).
    pub fn estimate(&self, latent: &Tensor) -> candle_core::Result<Tensor> {
        let s = layers::cast(&self.s_of(latent)?, self.compute)?;
        let y = self.head_out.forward(&self.head_hidden.forward(&s)?)?;
        layers::cast(&y, DType::F32)
    }

    /// Reconstruction of the main input from a latent (contrastive models only).
    pub fn decode(&self, latent: &Tensor) -> candle_core::Result<Tensor> {
        let z = layers::cast(latent, self.compute)?;
        let y = match &self.decoder {
            Some(Decoder::Image(d)) => d.forward(&z)?,
            Some(Decoder::Mlp(m)) => m.forward(&z)?,
            None => {
                return Err(candle_core::Error::Msg(
                    "decode: density models have no decoder".into(),
                ));
            }
        };
        layers::cast(&y, DType::F32)
    }
}

/// Layer table and total parameter count of a configuration (built on the CPU, not trained).
pub fn describe(config: &ModelConfig) -> Result<(Vec<LayerInfo>, usize)> {
    let net = Network::new(config, 0, &Device::Cpu)?;
    Ok((net.store.layers.clone(), net.num_params()))
}

#[cfg(test)]
mod tests;
