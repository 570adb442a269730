//! The Inception image encoder of METHOD.md section 3.

use super::inception::Inception;
use super::init::Init;
use super::layers::{Conv, Dense, cast};
use super::mlp::Mlp;
use crate::config::ModelConfig;
use crate::ops::{self, Activation};
use candle_core::{Result, Tensor};

#[derive(Clone, Debug)]
pub(crate) struct ImageEncoder {
    add: Option<Dense>,
    stem: Conv,
    conv: Conv,
    stages: Vec<Vec<Inception>>,
    tail: Vec<Conv>,
    dense: Dense,
    latent: Dense,
    branch: Option<Mlp>,
}

impl ImageEncoder {
    pub fn new(
        init: &mut Init,
        cfg: &ModelConfig,
        channels: usize,
        hw: (usize, usize),
    ) -> Result<Self> {
        let e = &cfg.image;
        let add = if cfg.additional > 0 {
            Some(Dense::new(
                init,
                "enc.add",
                cfg.additional,
                e.add_width,
                Activation::Linear,
            )?)
        } else {
            None
        };
        let stem = Conv::new(
            init,
            "enc.stem",
            channels,
            e.stem_channels,
            e.stem_kernel,
            true,
            Activation::Relu,
            hw,
        )?;
        let conv = Conv::new(
            init,
            "enc.conv",
            e.stem_channels,
            e.conv_channels,
            3,
            true,
            Activation::Tanh,
            hw,
        )?;
        let mut stages = Vec::new();
        let mut cin = e.conv_channels;
        let (mut h, mut w) = hw;
        for (s, &nb) in e.stages.iter().enumerate() {
            h /= 2;
            w /= 2;
            init.layer(
                &format!("enc.pool{s}"),
                "avgpool2x2/2".into(),
                format!("{h}x{w}x{cin}"),
                0,
            );
            let mut blocks = Vec::new();
            for b in 0..nb {
                blocks.push(Inception::new(
                    init,
                    &format!("enc.s{s}.b{b}"),
                    cin,
                    &e.inception,
                    (h, w),
                )?);
                cin = e.inception.out_channels();
            }
            stages.push(blocks);
        }
        let mut tail = Vec::new();
        for t in 0..e.tail_convs {
            h -= 2;
            w -= 2;
            tail.push(Conv::new(
                init,
                &format!("enc.tail{t}"),
                cin,
                e.tail_channels,
                3,
                false,
                Activation::Relu,
                (h, w),
            )?);
            cin = e.tail_channels;
        }
        init.layer(
            "enc.tailpool",
            "avgpool2x2/1 same (valid pixels)".into(),
            format!("{h}x{w}x{cin}"),
            0,
        );
        let (branch, branch_width) = match (&e.additional_branch, cfg.additional) {
            (Some(m), a) if a > 0 => (
                Some(Mlp::new(
                    init,
                    "enc.addmlp",
                    a,
                    m.layers,
                    m.width,
                    m.width,
                    Activation::LeakyRelu(cfg.leaky_slope),
                )?),
                m.width,
            ),
            _ => (None, 0),
        };
        let flat = h * w * cin;
        let dense = Dense::new(init, "enc.dense", flat, e.dense, Activation::Relu)?;
        let latent = Dense::new(
            init,
            "enc.latent",
            e.dense + branch_width,
            cfg.latent_dim(),
            Activation::Linear,
        )?;
        Ok(ImageEncoder {
            add,
            stem,
            conv,
            stages,
            tail,
            dense,
            latent,
            branch,
        })
    }

    /// `x`: N x H x W x C (rescaled), `a`: N x m additional inputs. Returns the latent N x L.
    pub fn forward(&self, x: &Tensor, a: Option<&Tensor>) -> Result<Tensor> {
        let n = x.dim(0)?;
        let dt = x.dtype();
        let cout = self.stem.b.elem_count();
        let mut y = match (&self.add, a) {
            (Some(add), Some(a)) => {
                // c1 = conv(x) + b_stem; add = a W + b_add; ReLU(c1 + add) broadcast over pixels.
                let c1 = ops::conv2d(
                    x,
                    &cast(&self.stem.w, dt)?,
                    &cast(&self.stem.b, dt)?,
                    self.stem.k,
                    true,
                    Activation::Linear,
                )?;
                let av = ops::linear(
                    a,
                    &cast(&add.w, dt)?,
                    &cast(&add.b, dt)?,
                    Activation::Linear,
                )?;
                c1.broadcast_add(&av.reshape((n, 1, 1, cout))?)?.relu()?
            }
            _ => self.stem.forward(x)?,
        };
        y = self.conv.forward(&y)?;
        for blocks in &self.stages {
            y = ops::avg_pool2(&y)?;
            for b in blocks {
                y = b.forward(&y)?;
            }
        }
        for t in &self.tail {
            y = t.forward(&y)?;
        }
        y = ops::avg_pool_same2(&y)?;
        let mut y = self.dense.forward(&y.flatten_from(1)?)?;
        if let (Some(b), Some(a)) = (&self.branch, a) {
            y = Tensor::cat(&[&y, &b.forward(a)?], 1)?;
        }
        self.latent.forward(&y)
    }
}
