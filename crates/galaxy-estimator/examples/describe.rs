//! Prints the layer table and parameter count of a preset.
//!
//! ```text
//! cargo run --release -p galaxy-estimator --example describe -- --preset paper|small \
//!     --inputs images|tabular [--additional K] [--json] [--mode density|contrastive] \
//!     [--channels C] [--size H] [--features k]
//! ```
use clap::Parser;
use galaxy_estimator::config::{InputSpec, Mode, ModelConfig, Preset};
use galaxy_estimator::nn::describe;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Describe a galaxy-estimator network")]
struct Args {
    /// paper or small.
    #[arg(long)]
    preset: String,
    /// images or tabular.
    #[arg(long)]
    inputs: String,
    /// Number of additional inputs.
    #[arg(long, default_value_t = 0)]
    additional: usize,
    /// Print JSON {"layers": [...], "total_params": N}.
    #[arg(long)]
    json: bool,
    /// density or contrastive.
    #[arg(long, default_value = "density")]
    mode: String,
    /// Image bands.
    #[arg(long, default_value_t = 5)]
    channels: usize,
    /// Image size (default 64 for paper, 32 for small).
    #[arg(long)]
    size: Option<usize>,
    /// Tabular features.
    #[arg(long, default_value_t = 5)]
    features: usize,
}

fn run(a: Args) -> galaxy_estimator::Result<()> {
    let preset: Preset = a.preset.parse()?;
    let mode: Mode = a.mode.parse()?;
    let input = match a.inputs.as_str() {
        "images" => {
            let s = a
                .size
                .unwrap_or(if preset == Preset::Paper { 64 } else { 32 });
            InputSpec::Images {
                channels: a.channels,
                height: s,
                width: s,
            }
        }
        "tabular" => InputSpec::Tabular {
            features: a.features,
        },
        other => {
            return Err(galaxy_estimator::EstimatorError::InvalidConfig {
                field: "inputs",
                reason: format!("unknown input kind {other:?} (expected images or tabular)"),
            });
        }
    };
    let cfg = ModelConfig::preset(preset, input, a.additional, mode);
    let (layers, total) = describe(&cfg)?;
    if a.json {
        println!(
            "{}",
            serde_json::json!({ "layers": layers, "total_params": total })
        );
    } else {
        println!(
            "{:<28} {:<40} {:>14} {:>10}",
            "layer", "kind", "output", "params"
        );
        for l in &layers {
            println!(
                "{:<28} {:<40} {:>14} {:>10}",
                l.name, l.kind, l.output, l.params
            );
        }
        println!("total parameters: {total}");
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
