//! Photometry encoder and decoder (stacks of LeakyReLU dense layers).

use super::init::Init;
use super::layers::Dense;
use crate::ops::Activation;
use candle_core::{Result, Tensor};

/// `layers` x Dense(width, act) followed by a linear Dense(out).
#[derive(Clone, Debug)]
pub(crate) struct Mlp {
    hidden: Vec<Dense>,
    out: Dense,
}

impl Mlp {
    pub fn new(
        init: &mut Init,
        name: &str,
        inp: usize,
        layers: usize,
        width: usize,
        out: usize,
        act: Activation,
    ) -> Result<Self> {
        let mut hidden = Vec::with_capacity(layers);
        let mut cin = inp;
        for l in 0..layers {
            hidden.push(Dense::new(init, &format!("{name}.h{l}"), cin, width, act)?);
            cin = width;
        }
        let out = Dense::new(init, &format!("{name}.out"), cin, out, Activation::Linear)?;
        Ok(Mlp { hidden, out })
    }
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut y = x.clone();
        for l in &self.hidden {
            y = l.forward(&y)?;
        }
        self.out.forward(&y)
    }
}
