//! Predicts with a trained model and writes `prob`, `mean`, `mode`, `median`, `s` (and `ce` when
//! the target is given) to an `.npz` file.
//!
//! ```text
//! cargo run --release -p galaxy-estimator --example predict -- --model DIR \
//!     (--images F.npy | --tabular F.npy) [--additional F.npy] [--target F.npy] --out F.npz [--gpu]
//! ```
use clap::Parser;
use galaxy_estimator::data::Inputs;
use galaxy_estimator::device::select_device;
use galaxy_estimator::infer::{PredictOptions, predict};
use galaxy_estimator::io::{read_f32, read_targets, write_prediction_npz};
use galaxy_estimator::metrics::point_metrics;
use galaxy_estimator::train::checkpoint::load_model;
use ndarray::{Array2, Array4, Ix2, Ix4};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Predict with a galaxy-estimator model")]
struct Args {
    /// Model directory written by `train`.
    #[arg(long)]
    model: PathBuf,
    /// Images N x C x H x W (.npy).
    #[arg(long, conflicts_with = "tabular", required_unless_present = "tabular")]
    images: Option<PathBuf>,
    /// Tabular inputs N x k (.npy).
    #[arg(long)]
    tabular: Option<PathBuf>,
    /// Additional inputs N x m (.npy).
    #[arg(long)]
    additional: Option<PathBuf>,
    /// Targets N (.npy): adds the per-galaxy cross-entropy `ce`.
    #[arg(long)]
    target: Option<PathBuf>,
    /// Output .npz.
    #[arg(long)]
    out: PathBuf,
    /// Galaxies per forward pass.
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Use CUDA device 0 if available.
    #[arg(long)]
    gpu: bool,
}

fn run(a: Args) -> galaxy_estimator::Result<()> {
    let (device, why) = select_device(a.gpu);
    if let Some(w) = why {
        eprintln!("note: {w}");
    }
    let net = load_model(&a.model, &device)?;
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
    let target = a.target.as_deref().map(read_targets).transpose()?;
    let mut inputs = match (&images, &tabular) {
        (Some(x), _) => Inputs::images(x.view()),
        (None, Some(x)) => Inputs::tabular(x.view()),
        (None, None) => unreachable!("clap requires one of --images/--tabular"),
    };
    if let Some(ad) = &additional {
        inputs = inputs.with_additional(ad.view());
    }
    let opts = PredictOptions {
        batch_size: a.batch,
        keep_probabilities: true,
    };
    let p = predict(&net, &inputs, target.as_ref().map(|t| t.view()), &opts)?;
    write_prediction_npz(&p, &a.out)?;
    let mut summary = serde_json::json!({ "out": a.out, "n": p.mean.len() });
    if let (Some(t), Some(ce)) = (&target, &p.ce) {
        let m = point_metrics(p.mean.view(), t.view())?;
        summary["metrics"] = serde_json::to_value(m).unwrap_or_default();
        summary["mean_ce"] = serde_json::json!(ce.mean());
    }
    println!("{summary}");
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
