//! Times one CMIknn test (X = column 0, Y = column 1, Z = the remaining columns) on a CSV file,
//! with tigramite's defaults (knn = 0.2 n, 5 shuffle neighbours, ranks); used by
//! `scripts/compare_cmiknn_tigramite.py`.
//!
//! ```text
//! cargo run --release -p causal-search --example cmiknn_bench -- --data F.csv [--perms 200] [--reps 3] [--seed 0]
//! ```

use std::process::ExitCode;
use std::time::Instant;

use causal_search::ci::cmiknn::{CmiKnn, CmiKnnParams};
use causal_search::data::Dataset;
use clap::Parser;

#[derive(Parser, Debug)]
struct Args {
    /// CSV or whitespace-separated table with a header row.
    #[arg(long)]
    data: String,
    /// Permutations.
    #[arg(long, default_value_t = 200)]
    perms: usize,
    /// Repetitions (the best time is reported).
    #[arg(long, default_value_t = 3)]
    reps: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn main() -> ExitCode {
    let a = Args::parse();
    let run = || -> causal_search::Result<()> {
        let ds = Dataset::read_table(&a.data)?;
        let z: Vec<usize> = (2..ds.n_variables()).collect();
        let mut best = f64::INFINITY;
        for r in 0..a.reps.max(1) {
            let t0 = Instant::now();
            let test = CmiKnn::new(
                &ds,
                &CmiKnnParams::new()
                    .permutations(a.perms)
                    .seed(a.seed + r as u64),
            )?;
            let out = test.test_with_null(0, 1, &z)?;
            let dt = t0.elapsed().as_secs_f64();
            best = best.min(dt);
            let null_sum: f64 = out.null.iter().sum();
            println!(
                "mstar rep {r}: statistic {:.5}  p {:.3}  k {}  null sum {null_sum:.12}  {dt:.4} s",
                out.result.statistic, out.result.p_value, out.k
            );
        }
        println!("best of {}: {best:.4} s", a.reps.max(1));
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
