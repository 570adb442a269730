//! Checkpoints: `config.json` (model + training configuration), `model.safetensors` (weights),
//! `optimizer.safetensors` (Adam moments) and `state.json` (step, generator position, file
//! hashes). Each file is written to a temporary name and renamed, `state.json` last, so a
//! checkpoint directory is always either the previous or the new consistent state.

use crate::config::{ModelConfig, TrainConfig};
use crate::error::{EstimatorError, Result};
use crate::nn::Network;
use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Contents of `config.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedConfig {
    /// The network.
    pub model: ModelConfig,
    /// The training settings (absent for a model saved without training).
    pub train: Option<TrainConfig>,
}

/// Contents of `state.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Completed optimisation steps.
    pub step: usize,
    /// Adam update counter.
    pub adam_t: usize,
    /// Word position of the training generator (ChaCha8, stream 1), as a decimal string.
    pub rng_word_pos: String,
    /// FNV-1a hash of `model.safetensors`.
    pub model_hash: String,
    /// FNV-1a hash of `optimizer.safetensors` (empty when not saved).
    pub optimizer_hash: String,
}

/// File names inside a checkpoint directory.
pub const CONFIG_FILE: &str = "config.json";
/// Weights file.
pub const MODEL_FILE: &str = "model.safetensors";
/// Optimiser state file.
pub const OPTIMIZER_FILE: &str = "optimizer.safetensors";
/// Training state file.
pub const STATE_FILE: &str = "state.json";

fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

fn tmp_of(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".tmp");
    PathBuf::from(s)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = tmp_of(path);
    std::fs::write(&tmp, bytes).map_err(|e| EstimatorError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| EstimatorError::io(path, e))
}

fn save_tensors(map: &HashMap<String, Tensor>, path: &Path) -> Result<String> {
    let tmp = tmp_of(path);
    candle_core::safetensors::save(map, &tmp)
        .map_err(|e| EstimatorError::ckpt(&tmp, format!("cannot write: {e}")))?;
    let bytes = std::fs::read(&tmp).map_err(|e| EstimatorError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| EstimatorError::io(path, e))?;
    Ok(fnv1a(&bytes))
}

fn load_tensors(
    path: &Path,
    device: &Device,
    hash: Option<&str>,
) -> Result<HashMap<String, Tensor>> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            EstimatorError::ckpt(path, "missing")
        } else {
            EstimatorError::io(path, e)
        }
    })?;
    if let Some(h) = hash
        && !h.is_empty()
        && fnv1a(&bytes) != h
    {
        return Err(EstimatorError::ckpt(
            path,
            "content hash differs from state.json (corrupt or from another checkpoint)",
        ));
    }
    candle_core::safetensors::load_buffer(&bytes, device)
        .map_err(|e| EstimatorError::ckpt(path, format!("corrupt safetensors: {e}")))
}

pub(crate) fn write_config(dir: &Path, cfg: &SavedConfig) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| EstimatorError::io(dir, e))?;
    let json =
        serde_json::to_vec_pretty(cfg).map_err(|e| EstimatorError::ckpt(dir, e.to_string()))?;
    write_atomic(&dir.join(CONFIG_FILE), &json)
}

/// Reads `config.json` of a checkpoint directory.
pub fn read_config(dir: &Path) -> Result<SavedConfig> {
    let p = dir.join(CONFIG_FILE);
    let bytes = std::fs::read(&p).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            EstimatorError::ckpt(&p, "missing (not a model directory?)")
        } else {
            EstimatorError::io(&p, e)
        }
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| EstimatorError::ckpt(&p, format!("corrupt JSON: {e}")))
}

/// Reads `state.json` if present.
pub fn read_state(dir: &Path) -> Result<Option<TrainState>> {
    let p = dir.join(STATE_FILE);
    match std::fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| EstimatorError::ckpt(&p, format!("corrupt JSON: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(EstimatorError::io(&p, e)),
    }
}

pub(crate) fn params_map(net: &Network) -> HashMap<String, Tensor> {
    net.params()
        .named()
        .map(|(n, v)| (n.to_string(), v.as_tensor().clone()))
        .collect()
}

/// Writes the weights of `net` (and its configuration) to `dir` without training state.
pub fn save_model(net: &Network, train: Option<&TrainConfig>, dir: &Path) -> Result<()> {
    write_config(
        dir,
        &SavedConfig {
            model: net.config().clone(),
            train: train.cloned(),
        },
    )?;
    let h = save_tensors(&params_map(net), &dir.join(MODEL_FILE))?;
    let state = TrainState {
        step: 0,
        adam_t: 0,
        rng_word_pos: "0".into(),
        model_hash: h,
        optimizer_hash: String::new(),
    };
    let json =
        serde_json::to_vec_pretty(&state).map_err(|e| EstimatorError::ckpt(dir, e.to_string()))?;
    // a plain save has no optimiser: remove a stale one so that it cannot be resumed from
    let _ = std::fs::remove_file(dir.join(OPTIMIZER_FILE));
    write_atomic(&dir.join(STATE_FILE), &json)
}

pub(crate) fn save_training(
    net: &Network,
    adam: &super::adam::Adam,
    state: &mut TrainState,
    dir: &Path,
) -> Result<()> {
    state.model_hash = save_tensors(&params_map(net), &dir.join(MODEL_FILE))?;
    let mut opt = HashMap::new();
    for (i, (name, _)) in net.params().named().enumerate() {
        opt.insert(format!("m.{name}"), adam.m[i].clone());
        opt.insert(format!("v.{name}"), adam.v[i].clone());
    }
    state.optimizer_hash = save_tensors(&opt, &dir.join(OPTIMIZER_FILE))?;
    state.adam_t = adam.t;
    let json =
        serde_json::to_vec_pretty(state).map_err(|e| EstimatorError::ckpt(dir, e.to_string()))?;
    write_atomic(&dir.join(STATE_FILE), &json)
}

fn assign(
    net: &Network,
    map: &HashMap<String, Tensor>,
    path: &Path,
    prefix: &str,
) -> Result<Vec<Tensor>> {
    let mut out = Vec::new();
    for (name, var) in net.params().named() {
        let key = format!("{prefix}{name}");
        let t = map
            .get(&key)
            .ok_or_else(|| EstimatorError::ckpt(path, format!("tensor {key} missing")))?;
        if t.dims() != var.dims() {
            return Err(EstimatorError::ckpt(
                path,
                format!(
                    "tensor {key} has shape {:?}, the configuration needs {:?}",
                    t.dims(),
                    var.dims()
                ),
            ));
        }
        out.push(t.to_dtype(candle_core::DType::F32)?);
    }
    if map.len() != out.len() {
        return Err(EstimatorError::ckpt(
            path,
            format!(
                "holds {} tensors, the configuration has {}",
                map.len(),
                out.len()
            ),
        ));
    }
    Ok(out)
}

/// The weights stored in `dir` (checked against `hash` when given), in `net`'s parameter order.
fn stored_weights(net: &Network, dir: &Path, hash: Option<&str>) -> Result<Vec<Tensor>> {
    let p = dir.join(MODEL_FILE);
    let map = load_tensors(&p, net.device(), hash)?;
    assign(net, &map, &p, "")
}

pub(crate) fn load_weights_into(net: &Network, dir: &Path, hash: Option<&str>) -> Result<()> {
    let ts = stored_weights(net, dir, hash)?;
    for ((_, var), t) in net.params().named().zip(ts) {
        var.set(&t)?;
    }
    Ok(())
}

pub(crate) fn load_optimizer(
    net: &Network,
    dir: &Path,
    hash: &str,
) -> Result<(Vec<Tensor>, Vec<Tensor>)> {
    let p = dir.join(OPTIMIZER_FILE);
    let map = load_tensors(&p, net.device(), Some(hash))?;
    let m: HashMap<String, Tensor> = map
        .iter()
        .filter(|(k, _)| k.starts_with("m."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let v: HashMap<String, Tensor> = map
        .iter()
        .filter(|(k, _)| k.starts_with("v."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok((assign(net, &m, &p, "m.")?, assign(net, &v, &p, "v.")?))
}

/// Selection record of `keep_best`, written beside the selected weights.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct BestRecord {
    step: usize,
    val_ce: f64,
}

const BEST_RECORD: &str = "best.json";

/// Writes the weights selected by `keep_best` as a model directory, with their step and
/// validation cross-entropy.
pub(crate) fn write_best(
    net: &Network,
    train: &TrainConfig,
    step: usize,
    val_ce: f64,
    dir: &Path,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| EstimatorError::io(dir, e))?;
    save_model(net, Some(train), dir)?;
    let json = serde_json::to_vec_pretty(&BestRecord { step, val_ce })
        .map_err(|e| EstimatorError::ckpt(dir, e.to_string()))?;
    write_atomic(&dir.join(BEST_RECORD), &json)
}

/// Reads the selection of an interrupted `keep_best` run (None when there is none yet).
pub(crate) fn read_best(net: &Network, dir: &Path) -> Result<Option<(usize, f64, Vec<Tensor>)>> {
    let p = dir.join(BEST_RECORD);
    let bytes = match std::fs::read(&p) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(EstimatorError::io(&p, e)),
    };
    let rec: BestRecord =
        serde_json::from_slice(&bytes).map_err(|e| EstimatorError::ckpt(&p, e.to_string()))?;
    let state = read_state(dir)?;
    let ts = stored_weights(net, dir, state.as_ref().map(|s| s.model_hash.as_str()))?;
    Ok(Some((rec.step, rec.val_ce, ts)))
}

/// Loads a trained model (configuration + weights) from a checkpoint directory onto `device`.
pub fn load_model(dir: &Path, device: &Device) -> Result<Network> {
    let cfg = read_config(dir)?;
    let state = read_state(dir)?;
    let net = Network::new(&cfg.model, 0, device)?;
    load_weights_into(&net, dir, state.as_ref().map(|s| s.model_hash.as_str()))?;
    Ok(net)
}
