//! Criterion benches of knn-estimators: the KSG / Frenzel-Pompe cores and the Chebyshev index.
//!
//! Register in the root Cargo.toml: `[[bench]] name = "knn_estimators", harness = false`;
//! run `cargo bench --bench knn_estimators`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use knn_estimators::{Boundary, KnnIndex, KsgParams, KsgVariant, Metric};
use ndarray::Array2;
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Standard normals by Box-Muller (keeps the bench free of extra dependencies).
fn normals(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((n, d), |_| {
        let u1: f64 = rng.random::<f64>().max(1e-300);
        let u2: f64 = rng.random();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    })
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("knn_estimators");
    g.sample_size(10);
    for &(n, d) in &[(10_000usize, 1usize), (10_000, 5), (100_000, 5)] {
        let x = normals(n, d, 1);
        let y = &x * 0.6 + &normals(n, d, 2);
        let ksg = KsgParams::new().k(3).check().expect("valid");
        g.bench_function(format!("ksg1_n{n}_d{d}+{d}"), |b| {
            b.iter(|| black_box(ksg.mi(x.view(), y.view()).expect("mi")))
        });
        if n <= 10_000 {
            let ksg2 = KsgParams::new()
                .k(3)
                .variant(KsgVariant::Ksg2)
                .check()
                .expect("valid");
            g.bench_function(format!("ksg2_n{n}_d{d}+{d}"), |b| {
                b.iter(|| black_box(ksg2.mi(x.view(), y.view()).expect("mi")))
            });
            let z = normals(n, 2, 3);
            g.bench_function(format!("fp_cmi_n{n}_d{d}+{d}+2"), |b| {
                b.iter(|| black_box(ksg.cmi(x.view(), y.view(), z.view()).expect("cmi")))
            });
        }
    }
    let pts = normals(100_000, 5, 4);
    let idx = KnnIndex::new(pts.view(), Metric::Chebyshev).expect("index");
    g.bench_function("chebyshev_kth_distances_n100000_d5_k4", |b| {
        b.iter(|| black_box(idx.kth_distances(4).expect("knn")))
    });
    let radii = vec![0.3; 100_000];
    g.bench_function("chebyshev_strict_counts_n100000_d5_r0.3", |b| {
        b.iter(|| {
            black_box(
                idx.counts_around_points(&radii, Boundary::Strict)
                    .expect("counts"),
            )
        })
    });
    let lat = normals(20_000, 16, 5);
    let eidx = KnnIndex::new(lat.view(), Metric::Euclidean).expect("index");
    g.bench_function("euclidean_knn_n20000_d16_k2000_100queries", |b| {
        b.iter(|| {
            for i in 0..100 {
                black_box(
                    eidx.knn(lat.row(i).as_slice().expect("contiguous"), 2000)
                        .expect("knn"),
                );
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
