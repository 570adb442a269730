//! Dense and convolution layers on NHWC activations.

use super::init::Init;
use crate::ops::{self, Activation};
use candle_core::{DType, Tensor};

/// Casts a parameter to the compute dtype (a no-op in f32).
pub(crate) fn cast(t: &Tensor, dt: DType) -> candle_core::Result<Tensor> {
    if t.dtype() == dt {
        Ok(t.clone())
    } else {
        t.to_dtype(dt)
    }
}

fn act_name(a: Activation) -> String {
    match a {
        Activation::Linear => "linear".into(),
        Activation::Relu => "relu".into(),
        Activation::LeakyRelu(s) => format!("leaky({s})"),
        Activation::Tanh => "tanh".into(),
    }
}

/// Fully connected layer: act(x W + b).
#[derive(Clone, Debug)]
pub(crate) struct Dense {
    pub w: Tensor,
    pub b: Tensor,
    pub act: Activation,
}

impl Dense {
    pub fn new(
        init: &mut Init,
        name: &str,
        inp: usize,
        out: usize,
        act: Activation,
    ) -> candle_core::Result<Self> {
        let w = init.weight(format!("{name}.w"), &[inp, out], inp, out)?;
        let b = init.bias(format!("{name}.b"), out)?;
        init.layer(
            name,
            format!("dense {inp}->{out} {}", act_name(act)),
            format!("{out}"),
            inp * out + out,
        );
        Ok(Dense { w, b, act })
    }
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let dt = x.dtype();
        ops::linear(x, &cast(&self.w, dt)?, &cast(&self.b, dt)?, self.act)
    }
}

/// Stride-1 k x k convolution ('same' or 'valid'), weights (k*k*C_in, C_out).
#[derive(Clone, Debug)]
pub(crate) struct Conv {
    pub w: Tensor,
    pub b: Tensor,
    pub k: usize,
    pub same: bool,
    pub act: Activation,
}

impl Conv {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        init: &mut Init,
        name: &str,
        cin: usize,
        cout: usize,
        k: usize,
        same: bool,
        act: Activation,
        out_hw: (usize, usize),
    ) -> candle_core::Result<Self> {
        let w = init.weight(
            format!("{name}.w"),
            &[k * k * cin, cout],
            k * k * cin,
            k * k * cout,
        )?;
        let b = init.bias(format!("{name}.b"), cout)?;
        init.layer(
            name,
            format!(
                "conv{k}x{k} {} {cin}->{cout} {}",
                if same { "same" } else { "valid" },
                act_name(act)
            ),
            format!("{}x{}x{cout}", out_hw.0, out_hw.1),
            k * k * cin * cout + cout,
        );
        Ok(Conv { w, b, k, same, act })
    }
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let dt = x.dtype();
        ops::conv2d(
            x,
            &cast(&self.w, dt)?,
            &cast(&self.b, dt)?,
            self.k,
            self.same,
            self.act,
        )
    }
}
