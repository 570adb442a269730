//! Phase timings of the KSG pipeline (a measurement, not a test; run by hand):
//! `cargo run -p knn-estimators --release --example knn_timing`
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use knn_estimators::{Boundary, KnnIndex, Metric};
use ndarray::{Axis, concatenate};

/// CPU seconds (user + system) of this process so far: meaningful on a loaded machine.
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn ksg_phase_timings() {
    for (n, dx, d) in [
        (100_000usize, 5usize, 5usize),
        (100_000, 1, 1),
        (100_000, 10, 1),
    ] {
        let mut r = common::rng(1);
        let x = common::normals(&mut r, n, dx);
        let y = &x.slice(ndarray::s![.., ..d]) * 0.6 + &common::normals(&mut r, n, d);
        let j = concatenate(Axis(1), &[x.view(), y.view()]).unwrap();
        let (t, c0) = (Instant::now(), cpu());
        let ji = KnnIndex::new(j.view(), Metric::Chebyshev).unwrap();
        let xi = KnnIndex::new(x.view(), Metric::Chebyshev).unwrap();
        let build = (t.elapsed().as_secs_f64(), cpu() - c0);
        let (t, c0) = (Instant::now(), cpu());
        let eps = ji.kth_distances(3).unwrap();
        let knn = (t.elapsed().as_secs_f64(), cpu() - c0);
        let (t, c0) = (Instant::now(), cpu());
        let c = xi.counts_around_points(&eps, Boundary::Strict).unwrap();
        let count = (t.elapsed().as_secs_f64(), cpu() - c0);
        let mean_c = c.iter().sum::<usize>() as f64 / n as f64;
        eprintln!(
            "n {n} d {dx}+{d} (wall s, cpu s): build {build:.2?} knn {knn:.2?} counts(x) {count:.2?} mean n_x {mean_c:.1}"
        );
    }
}

fn ksg_full_timing() {
    let n = 100_000;
    for (dx, dy) in [(5usize, 5usize), (1, 10), (1, 5), (2, 8), (1, 2), (3, 6)] {
        let mut r = common::rng(1);
        let x = common::normals(&mut r, n, dx);
        let mut y = common::normals(&mut r, n, dy);
        for i in 0..n {
            y[[i, 0]] += 0.6 * x[[i, 0]];
        }
        let ksg = knn_estimators::KsgParams::new().k(3).check().unwrap();
        let (t, c0) = (Instant::now(), cpu());
        let e = ksg.mi(x.view(), y.view()).unwrap();
        eprintln!(
            "KSG1 mi n {n} d {dx}+{dy}: {:.4} wall {:.2} s cpu {:.2} s",
            e.estimate,
            t.elapsed().as_secs_f64(),
            cpu() - c0
        );
    }
}

fn main() {
    if std::env::args().any(|a| a == "--full-only") {
        ksg_full_timing();
        return;
    }
    ksg_phase_timings();
    ksg_full_timing();
}
