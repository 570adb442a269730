//! The Inception block: four ReLU branches concatenated along channels.

use super::init::Init;
use super::layers::{Conv, cast};
use crate::config::InceptionConfig;
use crate::ops::{self, Activation};
use candle_core::Tensor;

/// [1x1 -> r, 5x5 -> k]; [1x1 -> r, 3x3 -> k]; [1x1 -> p, avg-pool 2x2/1 same]; [1x1 -> q].
/// The four 1x1 convolutions read the same input, so they run as one matrix product.
#[derive(Clone, Debug)]
pub(crate) struct Inception {
    pub r5: Conv,
    pub c5: Conv,
    pub r3: Conv,
    pub c3: Conv,
    pub rp: Conv,
    pub pass: Conv,
}

impl Inception {
    pub fn new(
        init: &mut Init,
        name: &str,
        cin: usize,
        cfg: &InceptionConfig,
        hw: (usize, usize),
    ) -> candle_core::Result<Self> {
        let relu = Activation::Relu;
        let r5 = Conv::new(
            init,
            &format!("{name}.r5"),
            cin,
            cfg.reduce,
            1,
            true,
            relu,
            hw,
        )?;
        let c5 = Conv::new(
            init,
            &format!("{name}.c5"),
            cfg.reduce,
            cfg.conv_out,
            5,
            true,
            relu,
            hw,
        )?;
        let r3 = Conv::new(
            init,
            &format!("{name}.r3"),
            cin,
            cfg.reduce,
            1,
            true,
            relu,
            hw,
        )?;
        let c3 = Conv::new(
            init,
            &format!("{name}.c3"),
            cfg.reduce,
            cfg.conv_out,
            3,
            true,
            relu,
            hw,
        )?;
        let rp = Conv::new(
            init,
            &format!("{name}.rp"),
            cin,
            cfg.pool_reduce,
            1,
            true,
            relu,
            hw,
        )?;
        init.layer(
            &format!("{name}.pool"),
            "avgpool2x2/1 same (valid pixels)".into(),
            format!("{}x{}x{}", hw.0, hw.1, cfg.pool_reduce),
            0,
        );
        let pass = Conv::new(
            init,
            &format!("{name}.pass"),
            cin,
            cfg.pass,
            1,
            true,
            relu,
            hw,
        )?;
        init.layer(
            &format!("{name}.concat"),
            "concat".into(),
            format!("{}x{}x{}", hw.0, hw.1, cfg.out_channels()),
            0,
        );
        Ok(Inception {
            r5,
            c5,
            r3,
            c3,
            rp,
            pass,
        })
    }

    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let (n, h, w, c) = x.dims4()?;
        let dt = x.dtype();
        let ws = [&self.r5, &self.r3, &self.rp, &self.pass];
        let wcat = Tensor::cat(
            &ws.iter()
                .map(|l| cast(&l.w, dt))
                .collect::<candle_core::Result<Vec<_>>>()?,
            1,
        )?;
        let bcat = Tensor::cat(
            &ws.iter()
                .map(|l| cast(&l.b, dt))
                .collect::<candle_core::Result<Vec<_>>>()?,
            0,
        )?;
        let z = ops::bias_act(
            &x.reshape((n * h * w, c))?.matmul(&wcat)?,
            &bcat,
            Activation::Relu,
        )?;
        let widths: Vec<usize> = ws.iter().map(|l| l.b.elem_count()).collect();
        let mut off = 0;
        let mut parts = Vec::with_capacity(4);
        for &wd in &widths {
            parts.push(z.narrow(1, off, wd)?.reshape((n, h, w, wd))?);
            off += wd;
        }
        let b5 = self.c5.forward(&parts[0])?;
        let b3 = self.c3.forward(&parts[1])?;
        let bp = ops::avg_pool_same2(&parts[2])?;
        Tensor::cat(&[b5, b3, bp, parts[3].clone()], 3)
    }
}
