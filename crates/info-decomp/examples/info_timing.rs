//! Wall and CPU timings of the estimators at N = 100 000 (a measurement, not a test; run by hand on
//! an idle machine, or read the CPU column on a loaded one):
//! `cargo run -p info-decomp --release --example info_timing`
#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/cpu.rs"]
mod cpu;

use std::time::Instant;

use info_decomp::{Estimator, Measure, MiParams, PidParams};
use ndarray::Array2;

/// CPU seconds of this process so far (0 where `/proc/self/stat` is missing).
fn cpu() -> f64 {
    cpu::cpu_seconds().unwrap_or(0.0)
}

fn timed<T>(what: &str, repeats: usize, f: impl Fn() -> T) -> T {
    let (t, c) = (Instant::now(), cpu());
    let mut out = None;
    for _ in 0..repeats {
        out = Some(f());
    }
    let (wall, cpu_s) = (
        t.elapsed().as_secs_f64() / repeats as f64,
        (cpu() - c) / repeats as f64,
    );
    eprintln!("{what}: wall {wall:.3} s, cpu {cpu_s:.3} s (mean of {repeats})");
    out.expect("at least one repeat")
}

/// The comparison script's Gaussian system: Y = X B + E, 5 + 5 dimensions.
fn system(n: usize) -> (Array2<f64>, Array2<f64>) {
    let mut r = common::rng(12345);
    let x = common::normals(&mut r, n, 5);
    let mut b = Array2::<f64>::zeros((5, 5));
    for i in 0..5 {
        b[[i, i]] = 0.6;
        b[[(i + 1) % 5, i]] = -0.3;
    }
    let y = x.dot(&b) + common::normals(&mut r, n, 5);
    (x, y)
}

fn timing_gcmi_and_ksg() {
    let (x, y) = system(100_000);
    let xy = ndarray::concatenate(ndarray::Axis(1), &[x.view(), y.view()]).unwrap();
    timed("copnorm N=1e5 d=10", 10, || {
        info_decomp::mi::copula::copnorm(xy.view())
    });
    let g = MiParams::new(Estimator::Gcmi).check().unwrap();
    let e = timed("GCMI N=1e5 d=5+5", 10, || g.mi(x.view(), y.view()).unwrap());
    eprintln!("  GCMI = {:.4}", e.mi);
    let k = MiParams::new(Estimator::Ksg1).k(3).check().unwrap();
    let e = timed("KSG1 N=1e5 d=5+5", 1, || k.mi(x.view(), y.view()).unwrap());
    eprintln!("  KSG1 = {:.4}", e.mi);
}

fn timing_isx_pid() {
    let mut r = common::rng(7);
    let n = 100_000;
    let s1 = common::normals(&mut r, n, 5);
    let s2 = &s1 * 0.5 + &common::normals(&mut r, n, 5);
    let t = &s1.slice(ndarray::s![.., ..1])
        + &s2.slice(ndarray::s![.., 1..2])
        + &common::normals(&mut r, n, 1);
    let pid = PidParams::new(Measure::Isx, Estimator::Ksg1)
        .k(3)
        .check()
        .unwrap();
    let res = timed("I_sx PID N=1e5, 5-D sources", 1, || {
        pid.decompose(s1.view(), s2.view(), t.view()).unwrap()
    });
    eprintln!("  atoms {:?}", res.atoms);
    let r = timed("  I_sx redundancy alone (isx_local)", 1, || {
        info_decomp::pid::isx::isx_local(t.view(), s1.view(), s2.view(), 3).unwrap()
    });
    eprintln!("  redundancy {:.6}", r.iter().sum::<f64>() / n as f64);
}

fn main() {
    if std::env::args().any(|a| a == "--isx-only") {
        timing_isx_pid();
        return;
    }
    timing_gcmi_and_ksg();
    timing_isx_pid();
}
