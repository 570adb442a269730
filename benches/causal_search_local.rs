//! Benchmarks of causal-search's latent-space local tests and CMIknn.
//!
//! Run: `cargo bench --bench causal_search_local` (register with
//! `[[bench]] name = "causal_search_local", harness = false` in the root Cargo.toml).
//!
//! - `local_tests/100k_d16_k100`: the study's local tests on 100 000 galaxies with a 16-D latent
//!   (a 4-dimensional manifold embedded non-linearly in 16-D plus 0.05 noise, as a trained
//!   latent is far from filling 16 dimensions), 80 000 training rows, k = 100, k_max = 2000,
//!   with a conditioning variable;
//! - `local_tests/100k_d16_iid_k100`: the worst case, S ~ N(0, I_16) (no structure to prune);
//! - `cmiknn/n2000_z3_perm200`: one CMIknn test with tigramite's defaults (knn = 0.2 n,
//!   5 shuffle neighbours, ranks), |Z| = 3, 200 permutations.

use std::hint::black_box;
use std::time::Duration;

use causal_search::ci::cmiknn::{CmiKnn, CmiKnnParams};
use causal_search::data::Dataset;
use causal_search::local::{LocalTestData, LocalTestParams};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Standard normal draw (Box-Muller; the root package has no rand_distr).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

struct Latent {
    s: Array2<f64>,
    y: Array1<f64>,
    q: Array1<f64>,
    c: Array1<f64>,
    train: Vec<usize>,
}

fn latent(n: usize, manifold: bool) -> Latent {
    const D: usize = 16;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut g = || normal(&mut rng);
    let mut s = Array2::<f64>::zeros((n, D));
    for i in 0..n {
        if manifold {
            let z: [f64; 4] = std::array::from_fn(|_| g());
            for j in 0..D {
                let a = j as f64 * 0.7;
                s[[i, j]] = (z[j % 4] * (1.0 + 0.1 * a)).sin()
                    + 0.5 * z[(j + 1) % 4] * z[(j + 2) % 4].cos()
                    + 0.05 * g();
            }
        } else {
            for j in 0..D {
                s[[i, j]] = g();
            }
        }
    }
    let y = (0..n).map(|i| s[[i, 0]] + 0.1 * g()).collect();
    let q = (0..n).map(|i| s[[i, 1]] + 0.1 * g()).collect();
    let c = (0..n).map(|i| s[[i, 2]] + 0.1 * g()).collect();
    let train = (0..n).filter(|i| i % 5 != 0).collect();
    Latent { s, y, q, c, train }
}

fn bench_local(cr: &mut Criterion) {
    let mut group = cr.benchmark_group("local_tests");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60));
    let tests = LocalTestParams::new().seed(1).check().unwrap();
    for (name, manifold) in [("100k_d16_k100", true), ("100k_d16_iid_k100", false)] {
        let l = latent(100_000, manifold);
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    tests
                        .run(&LocalTestData {
                            latent: l.s.view(),
                            train: &l.train,
                            y: l.y.view(),
                            query: l.q.view(),
                            cond: Some(l.c.view()),
                        })
                        .unwrap(),
                )
            })
        });
    }
    group.finish();
}

fn bench_cmiknn(cr: &mut Criterion) {
    let n = 2000;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut g = || normal(&mut rng);
    let mut v = Array2::<f64>::zeros((n, 5));
    for i in 0..n {
        let z: [f64; 3] = std::array::from_fn(|_| g());
        v[[i, 0]] = z[0] + 0.5 * g();
        v[[i, 1]] = z[0] - z[1] + 0.5 * g();
        v[[i, 2]] = z[0];
        v[[i, 3]] = z[1];
        v[[i, 4]] = z[2];
    }
    let names = ["X", "Y", "Z0", "Z1", "Z2"].map(String::from).to_vec();
    let ds = Dataset::new(v, names).unwrap();
    let mut group = cr.benchmark_group("cmiknn");
    group.sample_size(10);
    group.bench_function("n2000_z3_perm200", |b| {
        b.iter(|| {
            let t = CmiKnn::new(&ds, &CmiKnnParams::new().permutations(200).seed(0)).unwrap();
            black_box(t.test_with_null(0, 1, &[2, 3, 4]).unwrap())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_local, bench_cmiknn);
criterion_main!(benches);
