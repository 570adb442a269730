//! Criterion benches of info-decomp: copula / Gaussian MI, the I_sx PID, the network
//! decomposition with aggregation.
//!
//! Register in the root Cargo.toml: `[[bench]] name = "info_decomp", harness = false`;
//! run `cargo bench --bench info_decomp`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use info_decomp::aggregate::{Bootstrap, by_bins, by_group};
use info_decomp::{Bins, Estimator, Measure, MiParams, NetworkParams, PidParams};
use ndarray::Array2;
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn normals(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((n, d), |_| {
        let u1: f64 = rng.random::<f64>().max(1e-300);
        let u2: f64 = rng.random();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    })
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("info_decomp");
    g.sample_size(10);
    let n = 100_000;
    let x = normals(n, 5, 1);
    let y = &x * 0.6 + &normals(n, 5, 2);
    for e in [Estimator::Gcmi, Estimator::Gauss] {
        let est = MiParams::new(e).check().expect("valid");
        g.bench_function(format!("{e}_mi_n{n}_d5+5"), |b| {
            b.iter(|| black_box(est.mi(x.view(), y.view()).expect("mi")))
        });
    }
    let s1 = normals(n, 5, 3);
    let s2 = &s1 * 0.5 + &normals(n, 5, 4);
    let t = Array2::from_shape_fn((n, 1), |(i, _)| s1[[i, 0]] + s2[[i, 1]]) + normals(n, 1, 5);
    let isx = PidParams::new(Measure::Isx, Estimator::Ksg1)
        .check()
        .expect("valid");
    g.bench_function("isx_pid_n100000_sources5", |b| {
        b.iter(|| black_box(isx.decompose(s1.view(), s2.view(), t.view()).expect("pid")))
    });
    let iccs = PidParams::new(Measure::Iccs, Estimator::Gcmi)
        .check()
        .expect("valid");
    g.bench_function("iccs_gcmi_pid_n100000_sources5", |b| {
        b.iter(|| black_box(iccs.decompose(s1.view(), s2.view(), t.view()).expect("pid")))
    });
    // network decomposition of 500k galaxies + class means with bootstrap + mass bins
    let m = 500_000;
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let logm: Vec<f64> = (0..m).map(|_| rng.random_range(8.0..12.0)).collect();
    let ce = |s: f64, rng: &mut ChaCha8Rng| {
        (0..m)
            .map(|_| s * rng.random::<f64>() * 4.0)
            .collect::<Vec<f64>>()
    };
    let (c1, c2, c12) = (ce(1.0, &mut rng), ce(0.9, &mut rng), ce(0.7, &mut rng));
    let class: Vec<&str> = (0..m).map(|i| ["sf", "passive", "other"][i % 3]).collect();
    let net = NetworkParams::new().check().expect("valid");
    let boot = Bootstrap::new(200, 0.95, 1).expect("valid");
    g.bench_function("network_decompose_aggregate_n500000", |b| {
        b.iter(|| {
            let d = net.decompose(&logm, &c1, &c2, &c12).expect("decompose");
            let groups = by_group(&d.local, &class, None, Some(&boot)).expect("groups");
            let bins = by_bins(
                &d.local,
                &logm,
                &Bins::new(8.0, 12.0, 40).expect("bins"),
                None,
                50,
                None,
            )
            .expect("bins");
            black_box((groups, bins))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
