//! Mutual information between column groups of a table.
//!
//! ```text
//! cargo run -p info-decomp --release --example mi -- --data FILE --x COLS --y COLS [--z COLS] \
//!     --estimator ksg1|ksg2|gcmi|gauss [--k K] [--seed S] [--local FILE] --json
//! ```
//! FILE is CSV or whitespace-separated with a header row; COLS a comma-separated list of
//! column names. Prints `{"mi": value, "n": N, ...}` in nats (conditional MI with `--z`);
//! `elapsed_s` is the estimator's wall time, file reading excluded.
//! `cpu_s` is the CPU time (user + system, all threads) of the same span, read from
//! `/proc/self/stat` (null where that file does not exist).

#[path = "support/cpu.rs"]
mod cpu;
use cpu::cpu_seconds;
use std::process::ExitCode;

use clap::Parser;
use info_decomp::table::{Table, write_columns_csv};
use info_decomp::{Estimator, InfoError, MiParams};

#[derive(Parser, Debug)]
#[command(about = "Mutual information (nats) between column groups of a table")]
struct Args {
    /// CSV or whitespace-separated table with a header row
    #[arg(long)]
    data: String,
    /// Comma-separated columns of X
    #[arg(long)]
    x: String,
    /// Comma-separated columns of Y
    #[arg(long)]
    y: String,
    /// Comma-separated columns of Z (conditional MI)
    #[arg(long)]
    z: Option<String>,
    /// ksg1, ksg2, gcmi or gauss
    #[arg(long)]
    estimator: String,
    /// Neighbours of the kNN estimators
    #[arg(long, default_value_t = 3)]
    k: usize,
    /// Seed of the tie-breaking jitter
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the local values (one row per sample) to this CSV
    #[arg(long)]
    local: Option<String>,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

fn run(a: &Args) -> Result<(), InfoError> {
    let estimator: Estimator = a.estimator.parse()?;
    let table = Table::read(&a.data)?;
    let x = table.select_list(&a.x)?;
    let y = table.select_list(&a.y)?;
    let est = MiParams::new(estimator).k(a.k).seed(a.seed).check()?;
    let cpu0 = cpu_seconds();
    let start = std::time::Instant::now();
    let r = match &a.z {
        Some(z) => est.cmi(x.view(), y.view(), table.select_list(z)?.view())?,
        None => est.mi(x.view(), y.view())?,
    };
    let elapsed_s = start.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds().zip(cpu0).map(|(a, b)| a - b);
    if let Some(path) = &a.local {
        write_columns_csv(path, &[("local_mi", &r.local)])?;
    }
    if a.json {
        let out = serde_json::json!({
            "mi": r.mi,
            "n": r.n,
            "estimator": r.estimator,
            "k": r.k,
            "conditional": r.conditional,
            "units": "nats",
            "elapsed_s": elapsed_s,
            "cpu_s": cpu_s,
        });
        println!("{out}");
    } else {
        let what = if r.conditional { "I(X;Y|Z)" } else { "I(X;Y)" };
        println!(
            "{what} = {:.6} nats ({} samples, {})",
            r.mi, r.n, r.estimator
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
