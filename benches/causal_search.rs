//! Benchmarks of causal-search's PC and FCI.
//!
//! Run: `cargo bench --bench causal_search` (register with
//! `[[bench]] name = "causal_search", harness = false` in the root Cargo.toml).
//!
//! - `pc_fisherz/n5000_p50`, `pc_fisherz/n5000_p100`: PC-stable with Fisher-z (alpha 0.05,
//!   causal-learn's defaults) on a seeded random linear-Gaussian DAG (expected degree 3);
//! - `fci_fisherz/n5000_p50_depth3`: FCI on the same kind of data, depth 3 (without a depth the
//!   Possible-D-SEP stage is exponential on such data; see docs/benchmarks.md);
//! - `fci_fisherz/n5000_p50_causal_learn`, `fci_fisherz/n5000_p100_causal_learn`: FCI with
//!   `FciCompat::CausalLearn` (causal-learn's `fci` at its defaults, identical PAGs);
//! - `oracle_pc/hepar2`: PC with the d-separation oracle on the hepar2 network (70 nodes), when
//!   the reference data is present (`MSTAR_REFERENCE_DATA` or `../shared/data`).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use causal_search::ci::fisher_z::FisherZ;
use causal_search::ci::oracle::DSepOracle;
use causal_search::data::Dataset;
use causal_search::search::fci::{FciCompat, FciParams};
use causal_search::search::pc::PcParams;
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Standard normal draw (Box-Muller; the root package has no rand_distr).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Linear-Gaussian data from a random DAG over `p` nodes (index order is a topological order).
fn linear_gaussian(p: usize, n: usize, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let prob = 3.0 / (p as f64 - 1.0);
    let mut w = vec![vec![0.0; p]; p];
    for (b, row) in w.iter_mut().enumerate() {
        for wa in row.iter_mut().take(b) {
            if rng.random::<f64>() < prob {
                let s = if rng.random::<bool>() { 1.0 } else { -1.0 };
                *wa = s * (0.5 + 0.5 * rng.random::<f64>());
            }
        }
    }
    let mut x = Array2::<f64>::zeros((n, p));
    for i in 0..n {
        for v in 0..p {
            let mut s = normal(&mut rng);
            for a in 0..v {
                s += w[v][a] * x[[i, a]];
            }
            x[[i, v]] = s;
        }
    }
    Dataset::from_array(x).expect("finite data")
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("pc_fisherz");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for p in [50usize, 100] {
        let ds = linear_gaussian(p, 5000, 7 + p as u64);
        let names: Vec<String> = ds.variable_names().iter().map(|s| s.to_string()).collect();
        let pc = PcParams::new().check().expect("valid");
        g.bench_function(format!("n5000_p{p}"), |b| {
            b.iter(|| {
                let t = FisherZ::new(&ds).expect("test");
                black_box(pc.run(&t, &names).expect("pc"))
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("fci_fisherz");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let ds = linear_gaussian(50, 5000, 57);
    let names: Vec<String> = ds.variable_names().iter().map(|s| s.to_string()).collect();
    let fci = FciParams::new().depth(Some(3)).check().expect("valid");
    g.bench_function("n5000_p50_depth3", |b| {
        b.iter(|| {
            let t = FisherZ::new(&ds).expect("test");
            black_box(fci.run(&t, &names).expect("fci"))
        })
    });
    // causal-learn-compatible FCI (its defaults: no depth, its truncated Possible-D-SEP)
    let compat = FciParams::new()
        .compat(FciCompat::CausalLearn)
        .check()
        .expect("valid");
    for p in [50usize, 100] {
        let ds = linear_gaussian(p, 5000, 57 + p as u64);
        let names: Vec<String> = ds.variable_names().iter().map(|s| s.to_string()).collect();
        g.bench_function(format!("n5000_p{p}_causal_learn"), |b| {
            b.iter(|| {
                let t = FisherZ::new(&ds).expect("test");
                black_box(compat.run(&t, &names).expect("fci"))
            })
        });
    }
    g.finish();

    let base = std::env::var_os("MSTAR_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let hepar2 =
        base.join("causal-learn/TestData/bnlearn_discrete_10000/truth_dag_graph/hepar2.graph.txt");
    match causal_search::io::tetrad::read(&hepar2) {
        Ok(dag) => {
            let oracle = DSepOracle::new(&dag).expect("DAG");
            let pc = PcParams::new()
                .exhaustive(false)
                .cache(false)
                .check()
                .expect("valid");
            let mut g = c.benchmark_group("oracle_pc");
            g.sample_size(10);
            g.bench_function("hepar2", |b| {
                b.iter(|| black_box(pc.run(&oracle, dag.names()).expect("pc")))
            });
            g.finish();
        }
        Err(e) => eprintln!("skipping oracle_pc/hepar2: {e}"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
