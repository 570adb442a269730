//! Training: density mode (cross-entropy over bins, batches drawn with replacement) and
//! contrastive mode (METHOD.md section 4), Adam with a step schedule, validation monitoring,
//! an indicatif progress bar, a JSON-lines loss log and atomic, resumable checkpoints.

mod adam;
pub mod checkpoint;
pub mod losses;
pub mod warm_start;

pub use warm_start::{WarmStart, WarmStartReport};

use crate::augment::{ComposedD4, D4};
use crate::config::{Mode, ModelConfig, TrainConfig};
use crate::data::{Inputs, Splits, validate_targets};
use crate::error::{EstimatorError, Result};
use crate::infer::{PredictOptions, mean_cross_entropy};
use crate::nn::Network;
use adam::Adam;
use candle_core::{Device, Tensor, Var};
use checkpoint::{SavedConfig, TrainState};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ndarray::ArrayView1;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

/// Subdirectory of a checkpoint directory that holds the weights selected by `keep_best`.
pub const BEST_DIR: &str = "best";

/// Where and how a training run writes its outputs.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    /// Checkpoint directory (config, weights, optimiser, state, `log.jsonl`); `None`: in memory only.
    pub out_dir: Option<PathBuf>,
    /// Continue from the checkpoint in `out_dir` if there is one (same configuration required).
    pub resume: bool,
    /// Stop (with a checkpoint) once this many steps are done, e.g. to split a run in parts.
    pub stop_after: Option<usize>,
    /// The device.
    pub device: Device,
    /// Compute in bf16 (GPU only).
    pub bf16: bool,
    /// Start from these parameters instead of random ones (see [`warm_start`]); ignored when
    /// the run resumes from a checkpoint. With a validation set and `validate_every > 0` the
    /// warm-started weights are validated before the first step, so `keep_best` can return them.
    pub warm_start: Option<WarmStart>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            out_dir: None,
            resume: true,
            stop_after: None,
            device: Device::Cpu,
            bf16: false,
            warm_start: None,
        }
    }
}

/// One line of the JSON-lines log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogRecord {
    /// Steps completed.
    pub step: usize,
    /// Learning rate of the last step.
    pub lr: f64,
    /// Mean total loss over the steps since the previous record (absent in validation-only lines).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub loss: Option<f64>,
    /// Means of the individual loss terms (ce, recon, symce, contrast).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub terms: BTreeMap<String, f64>,
    /// Mean cross-entropy (nats) of the true bin on the validation set.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub val_ce: Option<f64>,
}

/// Summary of a training run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrainReport {
    /// Steps completed in total (including resumed ones).
    pub steps: usize,
    /// Step the run started from (0 unless resumed).
    pub resumed_from: usize,
    /// Mean loss of the last logged interval.
    pub final_loss: f64,
    /// Last validation cross-entropy, if there is a validation set.
    pub final_val_ce: Option<f64>,
    /// Records written during this run.
    pub history: Vec<LogRecord>,
    /// Wall-clock seconds of this run.
    pub seconds: f64,
    /// With `keep_best`: the step whose weights were returned and its validation cross-entropy.
    #[serde(default)]
    pub best: Option<(usize, f64)>,
    /// What the warm start did, if the run started from one (not when resumed).
    #[serde(default)]
    pub warm_start: Option<WarmStartReport>,
}

/// A trained network with its training report.
#[derive(Debug)]
pub struct Trained {
    /// The network (last step's weights, as in the study).
    pub network: Network,
    /// The report.
    pub report: TrainReport,
}

struct Batch {
    idx: Vec<usize>,
    base: Vec<ComposedD4>,
    morph: Vec<ComposedD4>,
}

fn draw(rng: &mut ChaCha8Rng, train: &[usize], n: usize, augment: bool, morph: bool) -> Batch {
    let idx: Vec<usize> = (0..n)
        .map(|_| train[rng.random_range(0..train.len())])
        .collect();
    draw_transforms(rng, idx, augment, morph)
}

fn draw_transforms(rng: &mut ChaCha8Rng, idx: Vec<usize>, augment: bool, morph: bool) -> Batch {
    let mut base = Vec::with_capacity(idx.len());
    let mut m = Vec::with_capacity(idx.len());
    for _ in 0..idx.len() {
        let b = if augment {
            D4::random(rng)
        } else {
            D4::IDENTITY
        };
        base.push(D4::IDENTITY.after(b));
        if morph {
            m.push(D4::random_non_identity(rng).after(b));
        }
    }
    Batch {
        idx,
        base,
        morph: m,
    }
}

fn labels(
    cfg: &ModelConfig,
    targets: ArrayView1<f64>,
    idx: &[usize],
    dev: &Device,
) -> candle_core::Result<Tensor> {
    let v: Vec<u32> = idx
        .iter()
        .map(|&i| cfg.bins.index(targets[i]) as u32)
        .collect();
    Tensor::from_vec(v, idx.len(), dev)
}

/// Loss of one density step.
fn density_loss(
    net: &Network,
    inputs: &Inputs,
    targets: ArrayView1<f64>,
    b: &Batch,
    terms: &mut BTreeMap<String, f64>,
) -> candle_core::Result<Tensor> {
    let cfg = net.config();
    let dev = net.device();
    let (x, a) = inputs.batch(&b.idx, Some(&b.base), cfg.sign_log, dev)?;
    let y = labels(cfg, targets, &b.idx, dev)?;
    let logits = net.estimate(&net.encode(&x, a.as_ref())?)?;
    let loss = losses::cross_entropy(&logits, &y)?;
    *terms.entry("ce".into()).or_default() += loss.to_scalar::<f32>()? as f64;
    Ok(loss)
}

/// Loss of one contrastive step (sets A and B of equal size, A[i] != B[i]).
fn contrastive_loss(
    net: &Network,
    inputs: &Inputs,
    targets: ArrayView1<f64>,
    a_set: &Batch,
    b_set: &Batch,
    recon_weight: f64,
    terms: &mut BTreeMap<String, f64>,
) -> candle_core::Result<Tensor> {
    let cfg = net.config();
    let dev = net.device();
    let images = cfg.input.is_images();
    let n = a_set.idx.len();
    // A and B run through the networks together (no batch statistics anywhere, so this is
    // the same computation); per-set means are recovered by the factor 2 below.
    let idx: Vec<usize> = a_set.idx.iter().chain(&b_set.idx).copied().collect();
    let base: Vec<ComposedD4> = a_set.base.iter().chain(&b_set.base).copied().collect();
    let (x, add) = inputs.batch(&idx, Some(&base), cfg.sign_log, dev)?;
    let y = labels(cfg, targets, &idx, dev)?;
    let add = add.as_ref();
    // cycle 1 (and the morphological positives in the same pass for images)
    let (z1, zm, xm) = if images {
        let morph: Vec<ComposedD4> = a_set.morph.iter().chain(&b_set.morph).copied().collect();
        let (xm, _) = inputs.batch(&idx, Some(&morph), cfg.sign_log, dev)?;
        let both = Tensor::cat(&[&x, &xm], 0)?;
        let add2 = add.map(|a| Tensor::cat(&[a, a], 0)).transpose()?;
        let z = net.encode(&both, add2.as_ref())?;
        (
            z.narrow(0, 0, 2 * n)?,
            Some(z.narrow(0, 2 * n, 2 * n)?),
            Some(xm),
        )
    } else {
        (net.encode(&x, add)?, None, None)
    };
    let x1 = net.decode(&z1)?;
    let l1 = net.estimate(&z1)?;
    // cycle 2: the reconstruction is encoded again with the same additional inputs
    let z2 = net.encode(&x1, add)?;
    let x2 = net.decode(&z2)?;
    let l2 = net.estimate(&z2)?;
    let mut ce = (losses::cross_entropy(&l1, &y)? + losses::cross_entropy(&l2, &y)?)?;
    let mut rec = (losses::mse(&x, &x1)? + losses::mse(&x, &x2)?)?;
    let mut sym = losses::sym_ce(&l1, &l2)?;
    let s1 = net.s_of(&z1)?;
    let s2 = net.s_of(&z2)?;
    let s1a = s1.narrow(0, 0, n)?;
    let s1b = s1.narrow(0, n, n)?;
    let mut positives = vec![(s1.clone(), s2)];
    if let (Some(zm), Some(xm)) = (zm, xm) {
        let xmh = net.decode(&zm)?;
        let lm = net.estimate(&zm)?;
        rec = (rec + losses::mse(&xm, &xmh)?)?;
        sym = (sym + losses::sym_ce(&l1, &lm)?)?;
        positives.push((s1.clone(), net.s_of(&zm)?));
    }
    // sum over the two sets of per-set means = 2 x mean over the union (equal set sizes)
    ce = (ce * 2.0)?;
    rec = (rec * (2.0 * recon_weight))?;
    sym = (sym * 2.0)?;
    let con = losses::latent_contrast(&positives, (&s1a, &s1b))?;
    for (k, t) in [
        ("ce", &ce),
        ("recon", &rec),
        ("symce", &sym),
        ("contrast", &con),
    ] {
        *terms.entry(k.into()).or_default() += t.to_scalar::<f32>()? as f64;
    }
    (ce + rec)? + (sym + con)?
}

fn progress_bar(steps: usize, start: usize, show: bool) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(
        Some(steps as u64),
        if show {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:30}] {pos}/{len} steps ({per_sec}, eta {eta}) {msg}",
    ) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_position(start as u64);
    pb
}

/// Trains a network of configuration `model` on `inputs`/`targets` (rows `splits.train`;
/// `splits.validation` monitored) with settings `train`. Returns the network after the last step.
pub fn train(
    model: &ModelConfig,
    train: &TrainConfig,
    inputs: &Inputs,
    targets: ArrayView1<f64>,
    splits: &Splits,
    opts: &TrainOptions,
) -> Result<Trained> {
    let started = std::time::Instant::now();
    crate::alloc::tune_allocator();
    model.check()?;
    train.check()?;
    inputs.validate(model)?;
    let n = inputs.len();
    validate_targets(targets, n)?;
    let contrastive = model.mode == Mode::Contrastive;
    splits.check(n, if contrastive { 2 } else { 1 })?;
    if contrastive {
        let first = splits.train[0];
        if splits.train.iter().all(|&i| i == first) {
            return Err(EstimatorError::Split {
                split: "train".into(),
                reason: "contrastive training needs two distinct galaxies".into(),
            });
        }
    }
    if train.keep_best && splits.validation.is_empty() {
        return Err(EstimatorError::Split {
            split: "validation".into(),
            reason: "keep_best selects weights by validation cross-entropy; the split is empty"
                .into(),
        });
    }
    let images = model.input.is_images();
    if images
        && train.augment
        && let crate::config::InputSpec::Images { height, width, .. } = model.input
        && height != width
    {
        return Err(EstimatorError::config(
            "augment",
            format!("D4 augmentation needs square images, got {height}x{width}"),
        ));
    }

    let dev = &opts.device;
    let mut net = Network::new(model, train.seed, dev)?;
    let mut warm_report = match &opts.warm_start {
        Some(ws) => Some(ws.apply(&net)?),
        None => None,
    };
    if opts.bf16 {
        net.set_bf16(true)?;
    }
    let vars: Vec<Var> = net.params().named().map(|(_, v)| v.clone()).collect();
    let var_refs: Vec<&Var> = vars.iter().collect();
    let mut adam = Adam::new(&var_refs, train.beta1, train.beta2, train.eps)?;
    let mut rng = ChaCha8Rng::seed_from_u64(train.seed);
    rng.set_stream(1);
    let mut start = 0usize;
    let saved = SavedConfig {
        model: model.clone(),
        train: Some(train.clone()),
    };

    // resume
    if let Some(dir) = &opts.out_dir {
        let state = checkpoint::read_state(dir)?;
        match state {
            Some(st) if opts.resume && !st.optimizer_hash.is_empty() => {
                let prev = checkpoint::read_config(dir)?;
                let mut prev_train = prev.train.clone();
                let mut cur_train = Some(train.clone());
                // the number of steps and output flags may change between parts of a run
                for t in [&mut prev_train, &mut cur_train].into_iter().flatten() {
                    t.steps = 0;
                    t.progress = false;
                }
                if prev.model != *model || prev_train != cur_train {
                    return Err(EstimatorError::ckpt(
                        dir,
                        "configuration differs from the checkpoint's; use another directory or resume=false",
                    ));
                }
                checkpoint::load_weights_into(&net, dir, Some(&st.model_hash))?;
                let (m, v) = checkpoint::load_optimizer(&net, dir, &st.optimizer_hash)?;
                adam.m = m;
                adam.v = v;
                adam.t = st.adam_t;
                let pos: u128 = st.rng_word_pos.parse().map_err(|_| {
                    EstimatorError::ckpt(dir.join(checkpoint::STATE_FILE), "bad rng_word_pos")
                })?;
                rng.set_word_pos(pos);
                start = st.step;
                warm_report = None;
            }
            _ => {}
        }
        checkpoint::write_config(dir, &saved)?;
    }
    // the log keeps the records up to the resumed step
    let mut log = match &opts.out_dir {
        Some(dir) => {
            let p = dir.join("log.jsonl");
            let kept: Vec<String> = std::fs::read_to_string(&p)
                .unwrap_or_default()
                .lines()
                .filter(|l| {
                    serde_json::from_str::<LogRecord>(l).is_ok_and(|r| r.step <= start) && start > 0
                })
                .map(str::to_string)
                .collect();
            let mut f = std::fs::File::create(&p).map_err(|e| EstimatorError::io(&p, e))?;
            for l in kept {
                writeln!(f, "{l}").map_err(|e| EstimatorError::io(&p, e))?;
            }
            Some((f, p))
        }
        None => None,
    };

    let end = opts.stop_after.map_or(train.steps, |s| s.min(train.steps));
    let pb = progress_bar(train.steps, start, train.progress);
    let mut history = Vec::new();
    let mut acc_terms: BTreeMap<String, f64> = BTreeMap::new();
    let mut acc_loss = 0.0;
    let mut acc_n = 0usize;
    let mut final_loss = f64::NAN;
    let mut final_val = None;
    let mut state = TrainState {
        step: start,
        adam_t: adam.t,
        rng_word_pos: "0".into(),
        model_hash: String::new(),
        optimizer_hash: String::new(),
    };
    // with keep_best: (step, validation CE, weights) of the best validation pass so far
    let mut best: Option<(usize, f64, Vec<Tensor>)> = None;
    if train.keep_best
        && start > 0
        && let Some(dir) = &opts.out_dir
    {
        best = checkpoint::read_best(&net, &dir.join(BEST_DIR))?;
    }
    let eval_opts = PredictOptions {
        batch_size: train.eval_batch,
        keep_probabilities: false,
    };
    let mut emit = |rec: LogRecord, history: &mut Vec<LogRecord>| -> Result<()> {
        if let Some((f, p)) = &mut log {
            let line = serde_json::to_string(&rec)
                .map_err(|e| EstimatorError::ckpt(p.clone(), e.to_string()))?;
            writeln!(f, "{line}").map_err(|e| EstimatorError::io(p.clone(), e))?;
        }
        history.push(rec);
        Ok(())
    };

    // one validation pass: records the value, updates the keep_best selection
    let validate_at = |done: usize,
                       lr: f64,
                       best: &mut Option<(usize, f64, Vec<Tensor>)>,
                       final_val: &mut Option<f64>|
     -> Result<LogRecord> {
        let v = mean_cross_entropy(&net, inputs, targets, &splits.validation, &eval_opts)?;
        *final_val = Some(v);
        if train.keep_best && best.as_ref().is_none_or(|b| v < b.1) {
            let snap = net
                .params()
                .named()
                .map(|(_, var)| var.as_tensor().copy())
                .collect::<candle_core::Result<Vec<_>>>()?;
            if let Some(dir) = &opts.out_dir {
                checkpoint::write_best(&net, train, done, v, &dir.join(BEST_DIR))?;
            }
            *best = Some((done, v, snap));
        }
        Ok(LogRecord {
            step: done,
            lr,
            loss: None,
            terms: BTreeMap::new(),
            val_ce: Some(v),
        })
    };
    // a warm start is validated before the first step: keep_best can then return it
    if warm_report.is_some()
        && start == 0
        && end > 0
        && train.validate_every > 0
        && !splits.validation.is_empty()
    {
        let rec = validate_at(0, train.lr_at(0), &mut best, &mut final_val)?;
        emit(rec, &mut history)?;
    }
    for step in start..end {
        let lr = train.lr_at(step);
        let loss = if contrastive {
            let a = draw(
                &mut rng,
                &splits.train,
                train.batch_size,
                images && train.augment,
                images,
            );
            let mut bidx = Vec::with_capacity(a.idx.len());
            for &ai in &a.idx {
                loop {
                    let j = splits.train[rng.random_range(0..splits.train.len())];
                    if j != ai {
                        bidx.push(j);
                        break;
                    }
                }
            }
            let b = draw_transforms(&mut rng, bidx, images && train.augment, images);
            contrastive_loss(
                &net,
                inputs,
                targets,
                &a,
                &b,
                train.recon_weight,
                &mut acc_terms,
            )?
        } else {
            let b = draw(
                &mut rng,
                &splits.train,
                train.batch_size,
                images && train.augment,
                false,
            );
            density_loss(&net, inputs, targets, &b, &mut acc_terms)?
        };
        let lv = loss.to_scalar::<f32>()? as f64;
        if !lv.is_finite() {
            return Err(EstimatorError::Diverged { step, loss: lv });
        }
        let grads = loss.backward()?;
        adam.step(&var_refs, &grads, lr)?;
        acc_loss += lv;
        acc_n += 1;
        let done = step + 1;
        pb.inc(1);
        if done % train.log_every == 0 || done == end {
            final_loss = acc_loss / acc_n as f64;
            let terms = acc_terms
                .iter()
                .map(|(k, v)| (k.clone(), v / acc_n as f64))
                .collect();
            pb.set_message(format!("loss {final_loss:.4}"));
            emit(
                LogRecord {
                    step: done,
                    lr,
                    loss: Some(final_loss),
                    terms,
                    val_ce: None,
                },
                &mut history,
            )?;
            acc_loss = 0.0;
            acc_n = 0;
            acc_terms.clear();
        }
        let validate = !splits.validation.is_empty()
            && ((train.validate_every > 0 && done % train.validate_every == 0)
                || done == train.steps);
        if validate {
            let rec = validate_at(done, lr, &mut best, &mut final_val)?;
            emit(rec, &mut history)?;
        }
        let ckpt =
            (train.checkpoint_every > 0 && done % train.checkpoint_every == 0) || done == end;
        if ckpt && let Some(dir) = &opts.out_dir {
            state.step = done;
            state.rng_word_pos = rng.get_word_pos().to_string();
            checkpoint::save_training(&net, &adam, &mut state, dir)?;
        }
    }
    pb.finish_and_clear();
    if let Some((f, p)) = &mut log {
        f.flush().map_err(|e| EstimatorError::io(p.clone(), e))?;
    }
    // a run stopped part-way (stop_after) keeps training weights; the selection is on disk
    let mut best_report = None;
    if let Some((step, v, snap)) = best
        && end == train.steps
    {
        for ((_, var), t) in net.params().named().zip(&snap) {
            var.set(t)?;
        }
        best_report = Some((step, v));
    }
    Ok(Trained {
        network: net,
        report: TrainReport {
            steps: end.max(start),
            resumed_from: start,
            final_loss,
            final_val_ce: final_val,
            history,
            seconds: started.elapsed().as_secs_f64(),
            best: best_report,
            warm_start: warm_report,
        },
    })
}
