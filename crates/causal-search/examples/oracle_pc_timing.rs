//! Times PC with the d-separation oracle on a DAG in Tetrad's text format (the issue's target:
//! hepar2, 70 nodes, under 1 s), and checks that it returns the DAG's CPDAG.
//!
//! ```text
//! cargo run -p causal-search --release --example oracle_pc_timing -- \
//!     ../shared/data/causal-learn/TestData/bnlearn_discrete_10000/truth_dag_graph/hepar2.graph.txt [REPS]
//! ```
//!
//! Settings as the oracle tests and the criterion bench `oracle_pc/hepar2`: stable search, first
//! separating set per edge end (`exhaustive(false)`), no cache. Prints the wall time of each
//! repetition, the best, the process CPU time per repetition, and the number of tests.

use std::process::ExitCode;
use std::time::Instant;

use causal_search::ci::oracle::DSepOracle;
use causal_search::graph::cpdag::dag_to_cpdag;
use causal_search::io::tetrad;
use causal_search::search::pc::PcParams;

fn cpu_seconds() -> f64 {
    // utime + stime of this process from /proc (Linux); 0 elsewhere
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: oracle_pc_timing DAG.graph.txt [REPS]");
        return ExitCode::FAILURE;
    };
    let reps: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let dag = match tetrad::read(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let run = || -> causal_search::Result<(f64, usize, bool)> {
        let oracle = DSepOracle::new(&dag)?;
        let pc = PcParams::new().exhaustive(false).cache(false).check()?;
        let t = Instant::now();
        let res = pc.run(&oracle, dag.names())?;
        let secs = t.elapsed().as_secs_f64();
        Ok((secs, res.n_skeleton_tests, res.graph == dag_to_cpdag(&dag)?))
    };
    let cpu0 = cpu_seconds();
    let mut best = f64::INFINITY;
    for r in 0..reps {
        match run() {
            Ok((secs, tests, same)) => {
                println!(
                    "rep {r}: {secs:.4} s, {tests} tests, CPDAG {}",
                    if same { "correct" } else { "WRONG" }
                );
                best = best.min(secs);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "{} nodes: best of {reps} {best:.4} s wall; process CPU per repetition {:.3} s",
        dag.names().len(),
        (cpu_seconds() - cpu0) / reps as f64
    );
    ExitCode::SUCCESS
}
