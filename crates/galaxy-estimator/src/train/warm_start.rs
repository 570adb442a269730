//! Warm starts: initialise a network from a trained one that reads a subset of its inputs.
//!
//! The typical use is a union model of the decomposition (METHOD.md section 6) that adds catalog
//! columns to a trained single-input model: the union starts from the single model's weights and
//! computes exactly its function until training moves it, so its variational estimate of
//! I(M*; X1, X2) starts where the single model's estimate of I(M*; X1) ended, instead of
//! re-learning the images from random weights.
//!
//! Parameters are matched by name (the names of [`crate::nn::Network::params`]):
//! - same name and shape: copied;
//! - a weight that reads the tabular inputs ([`Network::input_weights`]: `fan_in x fan_out`)
//!   whose target has more input rows than the source: the source rows are copied into the
//!   leading rows and the extra rows are set to zero, so the extra inputs start with no effect. The caller must order the target's inputs so that the
//!   source's inputs come first, in the same order (e.g. additional columns `[ebv]` extended to
//!   `[ebv, w1, w2, w3, ...]`);
//! - a parameter the source lacks: kept at its fresh initialisation (listed in the report; the
//!   function is then no longer preserved exactly);
//! - any other shape difference: [`EstimatorError::WarmStart`] naming the parameter.
//!
//! This is PyTorch's `load_state_dict(strict=False)` plus the zero-padding of widened input layers
//! (the function-preserving widening of Net2Net, Chen et al. 2016).

use crate::error::{EstimatorError, Result};
use crate::nn::Network;
use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Trained parameters to start a network from (see the module documentation).
#[derive(Clone, Debug)]
pub struct WarmStart {
    params: Vec<(String, Tensor)>,
}

/// What a warm start did to each parameter of the target network.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarmStartReport {
    /// Parameters copied unchanged.
    pub copied: Vec<String>,
    /// Dense weights whose leading input rows were copied and whose extra rows were zeroed:
    /// (name, source rows, target rows).
    pub extended: Vec<(String, usize, usize)>,
    /// Target parameters the source lacks, left at their initialisation.
    pub fresh: Vec<String>,
    /// Source parameters the target lacks (ignored).
    pub unused: Vec<String>,
}

impl WarmStartReport {
    /// Whether the target network computes exactly the source's function right after the warm
    /// start (no fresh parameters).
    pub fn preserves_function(&self) -> bool {
        self.fresh.is_empty()
    }
}

impl WarmStart {
    /// A copy of the current parameters of `net` (training `net` further does not change it).
    pub fn from_network(net: &Network) -> Result<Self> {
        let params = net
            .params()
            .named()
            .map(|(n, v)| Ok((n.to_string(), v.as_tensor().copy()?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(WarmStart { params })
    }

    /// The parameters of a model directory written by [`crate::train::checkpoint::save_model`]
    /// (or a training run's `out_dir`).
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let net = crate::train::checkpoint::load_model(dir, &Device::Cpu)?;
        Self::from_network(&net)
    }

    /// Number of parameter tensors held.
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// Whether no parameters are held.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// Writes the parameters into `target` by the rules of the module documentation. Nothing is
    /// written when a parameter does not fit (the error names it).
    pub fn apply(&self, target: &Network) -> Result<WarmStartReport> {
        let source: HashMap<&str, &Tensor> =
            self.params.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let mut report = WarmStartReport::default();
        // plan first, so that a misfit leaves the target untouched
        let mut writes: Vec<(usize, Tensor)> = Vec::new();
        let widenable = target.input_weights();
        for (k, (name, var)) in target.params().named().enumerate() {
            let Some(src) = source.get(name) else {
                report.fresh.push(name.to_string());
                continue;
            };
            let (ts, ss) = (var.dims().to_vec(), src.dims().to_vec());
            let src = src.to_device(target.device())?.to_dtype(DType::F32)?;
            if ts == ss {
                writes.push((k, src));
                report.copied.push(name.to_string());
            } else if widenable.iter().any(|w| w == name)
                && ts.len() == 2
                && ss.len() == 2
                && ts[1] == ss[1]
                && ts[0] > ss[0]
            {
                let zeros = Tensor::zeros((ts[0] - ss[0], ts[1]), DType::F32, target.device())?;
                writes.push((k, Tensor::cat(&[&src, &zeros], 0)?));
                report.extended.push((name.to_string(), ss[0], ts[0]));
            } else {
                return Err(EstimatorError::WarmStart {
                    param: name.to_string(),
                    reason: format!(
                        "shape {ts:?} in the network, {ss:?} in the source (only the weights \
                         that read the tabular inputs can gain input rows)"
                    ),
                });
            }
        }
        let names: std::collections::HashSet<&str> =
            target.params().named().map(|(n, _)| n).collect();
        report.unused = self
            .params
            .iter()
            .filter(|(n, _)| !names.contains(n.as_str()))
            .map(|(n, _)| n.clone())
            .collect();
        let vars: Vec<_> = target.params().named().map(|(_, v)| v.clone()).collect();
        for (k, t) in writes {
            vars[k].set(&t)?;
        }
        Ok(report)
    }
}
