//! Parameter store and initialisation (Glorot-uniform weights, constant biases) from our own
//! seeded ChaCha generator: candle's CPU `set_seed` does not seed its CPU generator.

use candle_core::{DType, Device, Tensor, Var};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One row of the layer table printed by `describe`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// Parameter-name prefix of the layer.
    pub name: String,
    /// Kind and hyper-parameters, e.g. `conv5x5 same 5->96 relu`.
    pub kind: String,
    /// Output shape per galaxy (H x W x C for images, width for vectors).
    pub output: String,
    /// Number of trainable parameters.
    pub params: usize,
}

/// Ordered, named trainable parameters.
#[derive(Debug, Default)]
pub struct ParamStore {
    pub(crate) vars: Vec<(String, Var)>,
    pub(crate) layers: Vec<LayerInfo>,
}

impl ParamStore {
    /// Total number of scalar parameters.
    pub fn num_params(&self) -> usize {
        self.vars.iter().map(|(_, v)| v.elem_count()).sum()
    }
    /// The layer table.
    pub fn layers(&self) -> &[LayerInfo] {
        &self.layers
    }
    /// Names and tensors of all parameters, in creation order.
    pub fn named(&self) -> impl Iterator<Item = (&str, &Var)> {
        self.vars.iter().map(|(n, v)| (n.as_str(), v))
    }
}

/// Builds parameters in a fixed order from one seeded generator.
pub(crate) struct Init<'a> {
    pub rng: &'a mut ChaCha8Rng,
    pub device: &'a Device,
    pub store: ParamStore,
    pub bias: f32,
}

impl Init<'_> {
    /// Glorot-uniform weight of shape `shape` with the given fans.
    pub fn weight(
        &mut self,
        name: String,
        shape: &[usize],
        fan_in: usize,
        fan_out: usize,
    ) -> candle_core::Result<Tensor> {
        let limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
        let n: usize = shape.iter().product();
        let v: Vec<f32> = (0..n)
            .map(|_| self.rng.random_range(-limit..limit) as f32)
            .collect();
        let var = Var::from_tensor(&Tensor::from_vec(v, shape, self.device)?)?;
        let t = var.as_tensor().clone();
        self.store.vars.push((name, var));
        Ok(t)
    }
    /// Bias vector filled with the configured constant.
    pub fn bias(&mut self, name: String, n: usize) -> candle_core::Result<Tensor> {
        let t = (Tensor::ones(n, DType::F32, self.device)? * self.bias as f64)?;
        let var = Var::from_tensor(&t)?;
        let t = var.as_tensor().clone();
        self.store.vars.push((name, var));
        Ok(t)
    }
    pub fn layer(&mut self, name: &str, kind: String, output: String, params: usize) {
        self.store.layers.push(LayerInfo {
            name: name.to_string(),
            kind,
            output,
            params,
        });
    }
}
