//! The image decoder of contrastive models.

use super::init::Init;
use super::layers::{Conv, Dense};
use crate::config::ModelConfig;
use crate::ops::{self, Activation};
use candle_core::{Result, Tensor};

/// Dense -> reshape h0 x w0 x c0 -> [conv3x3, conv3x3, upsample x2] x n -> conv3x3 -> conv3x3 to C.
#[derive(Clone, Debug)]
pub(crate) struct ImageDecoder {
    dense: Dense,
    start: (usize, usize, usize),
    stages: Vec<(Conv, Conv)>,
    last_hidden: Conv,
    out: Conv,
}

impl ImageDecoder {
    pub fn new(
        init: &mut Init,
        cfg: &ModelConfig,
        channels: usize,
        hw: (usize, usize),
    ) -> Result<Self> {
        let d = &cfg.image_decoder;
        let act = Activation::LeakyRelu(cfg.leaky_slope);
        let f = 1usize << d.upsamplings;
        let (mut h, mut w) = (hw.0 / f, hw.1 / f);
        let start = (h, w, d.start_channels);
        let dense = Dense::new(
            init,
            "dec.dense",
            cfg.latent_dim(),
            h * w * d.start_channels,
            act,
        )?;
        let mut cin = d.start_channels;
        let mut stages = Vec::new();
        for s in 0..d.upsamplings {
            let a = Conv::new(
                init,
                &format!("dec.s{s}.c0"),
                cin,
                d.channels,
                3,
                true,
                act,
                (h, w),
            )?;
            let b = Conv::new(
                init,
                &format!("dec.s{s}.c1"),
                d.channels,
                d.channels,
                3,
                true,
                act,
                (h, w),
            )?;
            h *= 2;
            w *= 2;
            init.layer(
                &format!("dec.s{s}.up"),
                "bilinear x2 (TF1)".into(),
                format!("{h}x{w}x{}", d.channels),
                0,
            );
            stages.push((a, b));
            cin = d.channels;
        }
        let last_hidden = Conv::new(init, "dec.c0", cin, d.channels, 3, true, act, (h, w))?;
        let out = Conv::new(
            init,
            "dec.out",
            d.channels,
            channels,
            3,
            true,
            Activation::Linear,
            (h, w),
        )?;
        Ok(ImageDecoder {
            dense,
            start,
            stages,
            last_hidden,
            out,
        })
    }

    /// Latent N x L -> reconstruction N x H x W x C (rescaled space).
    pub fn forward(&self, z: &Tensor) -> Result<Tensor> {
        let n = z.dim(0)?;
        let (h, w, c) = self.start;
        let mut y = self.dense.forward(z)?.reshape((n, h, w, c))?;
        for (a, b) in &self.stages {
            y = ops::upsample2(&b.forward(&a.forward(&y)?)?)?;
        }
        self.out.forward(&self.last_hidden.forward(&y)?)
    }
}
