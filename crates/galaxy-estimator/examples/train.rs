//! Trains a density or contrastive model from `.npy` files.
//!
//! ```text
//! cargo run --release -p galaxy-estimator --example train -- \
//!     (--images F.npy | --tabular F.npy) [--additional F.npy] --target F.npy [--splits F.json] \
//!     --mode density|contrastive --preset small|paper [--steps N] [--batch B] [--seed S] --out DIR \
//!     [--warm-start MODEL_DIR] [--gpu] [--bf16] [--no-resume] [--quiet]
//! ```
use clap::Parser;
use galaxy_estimator::config::{Mode, ModelConfig, Preset, TrainConfig};
use galaxy_estimator::data::{Inputs, Splits};
use galaxy_estimator::device::select_device;
use galaxy_estimator::io::{read_f32, read_targets};
use galaxy_estimator::train::{TrainOptions, WarmStart, train};
use ndarray::{Array2, Array4, Ix2, Ix4};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Train a galaxy-estimator model")]
struct Args {
    /// Images N x C x H x W (f32 .npy).
    #[arg(long, conflicts_with = "tabular", required_unless_present = "tabular")]
    images: Option<PathBuf>,
    /// Tabular inputs N x k (.npy).
    #[arg(long)]
    tabular: Option<PathBuf>,
    /// Additional inputs N x m (.npy).
    #[arg(long)]
    additional: Option<PathBuf>,
    /// Targets (log M*) N (.npy).
    #[arg(long)]
    target: PathBuf,
    /// Splits JSON {"train": [...], "validation": [...], "test": [...]} (default: all rows train).
    #[arg(long)]
    splits: Option<PathBuf>,
    /// density or contrastive.
    #[arg(long)]
    mode: String,
    /// small or paper.
    #[arg(long)]
    preset: String,
    /// Optimisation steps (default: the preset's).
    #[arg(long)]
    steps: Option<usize>,
    /// Batch size (default: 128 density, 32 contrastive).
    #[arg(long)]
    batch: Option<usize>,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output directory (checkpoint, config, log.jsonl).
    #[arg(long)]
    out: PathBuf,
    /// Use CUDA device 0 if available (needs the `cuda` feature).
    #[arg(long)]
    gpu: bool,
    /// Compute in bf16 (GPU only).
    #[arg(long)]
    bf16: bool,
    /// Start from the weights of a trained model directory (e.g. another run's `--out`) that reads
    /// the same main input and the leading columns of `--additional`; the extra columns' weights
    /// start at zero (`galaxy_estimator::train::warm_start`).
    #[arg(long)]
    warm_start: Option<PathBuf>,
    /// Start from scratch even if DIR holds a checkpoint.
    #[arg(long)]
    no_resume: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

fn run(a: Args) -> galaxy_estimator::Result<()> {
    let mode: Mode = a.mode.parse()?;
    let preset: Preset = a.preset.parse()?;
    let images: Option<Array4<f32>> = a
        .images
        .as_deref()
        .map(|p| read_f32::<Ix4>(p, "images"))
        .transpose()?;
    let tabular: Option<Array2<f32>> = a
        .tabular
        .as_deref()
        .map(|p| read_f32::<Ix2>(p, "tabular"))
        .transpose()?;
    let additional: Option<Array2<f32>> = a
        .additional
        .as_deref()
        .map(|p| read_f32::<Ix2>(p, "additional"))
        .transpose()?;
    let target = read_targets(&a.target)?;
    let mut inputs = match (&images, &tabular) {
        (Some(x), _) => Inputs::images(x.view()),
        (None, Some(x)) => Inputs::tabular(x.view()),
        (None, None) => unreachable!("clap requires one of --images/--tabular"),
    };
    if let Some(ad) = &additional {
        inputs = inputs.with_additional(ad.view());
    }
    let splits = match &a.splits {
        Some(p) => {
            let s =
                std::fs::read_to_string(p).map_err(|e| galaxy_estimator::EstimatorError::Io {
                    path: p.clone(),
                    source: e,
                })?;
            serde_json::from_str::<Splits>(&s).map_err(|e| {
                galaxy_estimator::EstimatorError::Split {
                    split: p.display().to_string(),
                    reason: format!("bad JSON: {e}"),
                }
            })?
        }
        None => Splits::all_train(inputs.len()),
    };
    let model = ModelConfig::preset(preset, inputs.spec(), inputs.n_additional(), mode);
    let mut tc = TrainConfig::preset(preset, mode, inputs.spec().is_images());
    if let Some(s) = a.steps {
        tc.steps = s;
    }
    if let Some(b) = a.batch {
        tc.batch_size = b;
    }
    tc.seed = a.seed;
    tc.progress = !a.quiet;
    let (device, why) = select_device(a.gpu);
    if let Some(w) = why {
        eprintln!("note: {w}");
    }
    let opts = TrainOptions {
        out_dir: Some(a.out.clone()),
        resume: !a.no_resume,
        stop_after: None,
        device,
        bf16: a.bf16,
        warm_start: match &a.warm_start {
            Some(d) => Some(WarmStart::from_dir(d)?),
            None => None,
        },
    };
    let out = train(&model, &tc, &inputs, target.view(), &splits, &opts)?;
    println!(
        "{}",
        serde_json::json!({
            "out": a.out,
            "params": out.network.num_params(),
            "steps": out.report.steps,
            "resumed_from": out.report.resumed_from,
            "final_loss": out.report.final_loss,
            "final_val_ce": out.report.final_val_ce,
            "seconds": out.report.seconds,
        })
    );
    Ok(())
}

fn main() -> ExitCode {
    galaxy_estimator::alloc::tune_allocator();
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
