//! Partial information decomposition of I(Y; X1, X2) between column groups of a table.
//!
//! ```text
//! cargo run -p info-decomp --release --example decompose -- --data FILE --x1 COLS --x2 COLS \
//!     --y COLS --measure mmi|isx|iccs --estimator ksg1|gcmi|gauss [--k K] [--seed S] \
//!     [--local FILE] --json
//! ```
//! Prints `{"redundancy", "unique1", "unique2", "synergy", "total", ...}` in nats. `isx` takes
//! `ksg1` only, `iccs` takes `gcmi` or `gauss`, `mmi` any estimator; another combination is a
//! typed error. `elapsed_s` in the JSON is the wall time of the decomposition alone.
//! `cpu_s` is the CPU time (user + system, all threads) of the same span, read from
//! `/proc/self/stat` (null where that file does not exist).

#[path = "support/cpu.rs"]
mod cpu;
use cpu::cpu_seconds;
use std::process::ExitCode;

use clap::Parser;
use info_decomp::table::{Table, write_columns_csv};
use info_decomp::{Estimator, InfoError, Measure, PidParams};

#[derive(Parser, Debug)]
#[command(about = "Partial information decomposition (nats) of I(Y; X1, X2)")]
struct Args {
    /// CSV or whitespace-separated table with a header row
    #[arg(long)]
    data: String,
    /// Comma-separated columns of source 1
    #[arg(long)]
    x1: String,
    /// Comma-separated columns of source 2
    #[arg(long)]
    x2: String,
    /// Comma-separated columns of the target
    #[arg(long)]
    y: String,
    /// mmi, isx or iccs
    #[arg(long)]
    measure: String,
    /// ksg1, ksg2, gcmi or gauss
    #[arg(long)]
    estimator: String,
    /// Neighbours of the kNN estimators
    #[arg(long, default_value_t = 3)]
    k: usize,
    /// Seed of the tie-breaking jitter
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the local atoms (one row per sample) to this CSV
    #[arg(long)]
    local: Option<String>,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

fn run(a: &Args) -> Result<(), InfoError> {
    let measure: Measure = a.measure.parse()?;
    let estimator: Estimator = a.estimator.parse()?;
    let pid = PidParams::new(measure, estimator)
        .k(a.k)
        .seed(a.seed)
        .check()?;
    let table = Table::read(&a.data)?;
    let x1 = table.select_list(&a.x1)?;
    let x2 = table.select_list(&a.x2)?;
    let y = table.select_list(&a.y)?;
    let cpu0 = cpu_seconds();
    let start = std::time::Instant::now();
    let r = pid.decompose(x1.view(), x2.view(), y.view())?;
    let elapsed_s = start.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds().zip(cpu0).map(|(a, b)| a - b);
    if let Some(path) = &a.local {
        let l = &r.local;
        write_columns_csv(
            path,
            &[
                ("redundancy", &l.redundancy),
                ("unique1", &l.unique1),
                ("unique2", &l.unique2),
                ("synergy", &l.synergy),
                ("i1", &l.i1),
                ("i2", &l.i2),
                ("total", &l.total),
            ],
        )?;
    }
    let t = r.atoms;
    if a.json {
        let out = serde_json::json!({
            "redundancy": t.redundancy,
            "unique1": t.unique1,
            "unique2": t.unique2,
            "synergy": t.synergy,
            "total": t.total,
            "i1": t.i1,
            "i2": t.i2,
            "n": r.n,
            "measure": r.measure,
            "estimator": r.estimator,
            "units": "nats",
            "elapsed_s": elapsed_s,
            "cpu_s": cpu_s,
        });
        println!("{out}");
    } else {
        println!(
            "{} PID on {} ({} samples), nats:",
            r.measure, r.estimator, r.n
        );
        println!("  redundancy {:>10.6}", t.redundancy);
        println!("  unique1    {:>10.6}", t.unique1);
        println!("  unique2    {:>10.6}", t.unique2);
        println!("  synergy    {:>10.6}", t.synergy);
        println!("  total      {:>10.6}", t.total);
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
