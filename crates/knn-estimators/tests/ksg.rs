//! KSG and Frenzel-Pompe against analytic Gaussian values.
mod common;

use knn_estimators::counts::columns_with_ties;
use knn_estimators::digamma::{DigammaTable, EULER_GAMMA, digamma};
use knn_estimators::{JitterMode, KnnError, KsgParams, KsgVariant};
use ndarray::{Array2, Axis, concatenate};

const RHO06: f64 = 0.223_143_551_314_209_8; // -0.5 ln(1 - 0.36)
const LINEAR: f64 = 0.352_142; // 0.5 ln det(I + B B^T)

#[test]
fn analytic_constants() {
    assert!((RHO06 + 0.5 * (1.0f64 - 0.36).ln()).abs() < 1e-15);
    assert!((LINEAR - 0.5 * 2.0224f64.ln()).abs() < 1e-6);
}

#[test]
fn digamma_matches_known_values() {
    assert!((digamma(1.0) + EULER_GAMMA).abs() < 1e-14);
    assert!((digamma(2.0) - (1.0 - EULER_GAMMA)).abs() < 1e-14);
    assert!(
        (digamma(0.25) - (-EULER_GAMMA - std::f64::consts::FRAC_PI_2 - 3.0 * 2f64.ln())).abs()
            < 1e-12
    );
    let t = DigammaTable::new(200_000);
    // psi(n) = -gamma + H_{n-1}
    let h: f64 = (1..10).map(|i| 1.0 / i as f64).sum();
    assert!((t.get(10) - (h - EULER_GAMMA)).abs() < 1e-14);
    for n in [1usize, 7, 100, 5_000, 200_000] {
        assert!((t.get(n) - digamma(n as f64)).abs() < 1e-11, "n {n}");
    }
    assert!(digamma(0.0).is_nan() && digamma(-1.0).is_nan());
}

#[test]
fn ksg_correlated_gaussians_rho_06() {
    let (x, y) = common::correlated(10_000, 0.6, 11);
    for v in [KsgVariant::Ksg1, KsgVariant::Ksg2] {
        let e = KsgParams::new()
            .k(3)
            .variant(v)
            .check()
            .unwrap()
            .mi(x.view(), y.view())
            .unwrap();
        assert!((e.estimate - RHO06).abs() < 0.02, "{v:?}: {}", e.estimate);
        assert!(e.jittered_columns.is_empty());
        let mean = e.local.iter().sum::<f64>() / e.local.len() as f64;
        assert!((mean - e.estimate).abs() < 1e-12);
    }
}

#[test]
fn ksg_linear_gaussian_system() {
    let (x, y) = common::linear_system(10_000, 5);
    for v in [KsgVariant::Ksg1, KsgVariant::Ksg2] {
        let e = KsgParams::new()
            .k(3)
            .variant(v)
            .check()
            .unwrap()
            .mi(x.view(), y.view())
            .unwrap();
        assert!((e.estimate - LINEAR).abs() < 0.02, "{v:?}: {}", e.estimate);
    }
}

#[test]
fn ksg_independent_is_near_zero_and_symmetric() {
    let mut r = common::rng(2);
    let x = common::normals(&mut r, 5000, 2);
    let y = common::normals(&mut r, 5000, 1);
    let ksg = KsgParams::new().check().unwrap();
    let a = ksg.mi(x.view(), y.view()).unwrap();
    let b = ksg.mi(y.view(), x.view()).unwrap();
    assert!(a.estimate.abs() < 0.02, "{}", a.estimate);
    assert!((a.estimate - b.estimate).abs() < 1e-12);
}

#[test]
fn frenzel_pompe_conditional_independence_and_analytic_cmi() {
    // X = Z + e1, Y = Z + e2: I(X;Y|Z) = 0
    let mut r = common::rng(21);
    let n = 10_000;
    let z = common::normals(&mut r, n, 1);
    let x = &z + &common::normals(&mut r, n, 1);
    let y = &z + &common::normals(&mut r, n, 1);
    let ksg = KsgParams::new().k(5).check().unwrap();
    let c = ksg.cmi(x.view(), y.view(), z.view()).unwrap();
    assert!(c.estimate.abs() < 0.02, "CMI under CI: {}", c.estimate);
    // unconditional I(X;Y) with corr 1/2 is 0.1438 nats: clearly nonzero
    let m = ksg.mi(x.view(), y.view()).unwrap();
    assert!(
        (m.estimate - (-0.5 * (1.0f64 - 0.25).ln())).abs() < 0.02,
        "{}",
        m.estimate
    );
    // Y = X + Z + e with X, Z, e iid: I(X;Y|Z) = 0.5 ln 2
    let x2 = common::normals(&mut r, n, 1);
    let y2 = &x2 + &z + &common::normals(&mut r, n, 1);
    let c2 = ksg.cmi(x2.view(), y2.view(), z.view()).unwrap();
    assert!(
        (c2.estimate - 0.5 * 2f64.ln()).abs() < 0.02,
        "{}",
        c2.estimate
    );
    // empty Z = estimator 1
    let empty = Array2::<f64>::zeros((n, 0));
    let c0 = ksg.cmi(x.view(), y.view(), empty.view()).unwrap();
    assert_eq!(c0.estimate, m.estimate);
}

#[test]
fn ties_are_detected_and_jittered_with_the_seed() {
    let (x, y) = common::correlated(3000, 0.6, 4);
    // round x to 0.1: many repeated values
    let xr = x.mapv(|v| (v * 10.0).round() / 10.0);
    assert_eq!(columns_with_ties(xr.view()), vec![0]);
    assert!(columns_with_ties(x.view()).is_empty());
    let p = KsgParams::new().seed(9);
    let a = p.check().unwrap().mi(xr.view(), y.view()).unwrap();
    let b = p.check().unwrap().mi(xr.view(), y.view()).unwrap();
    assert_eq!(a, b, "same seed, same result");
    assert_eq!(a.jittered_columns, vec![0]);
    let c = p
        .clone()
        .seed(10)
        .check()
        .unwrap()
        .mi(xr.view(), y.view())
        .unwrap();
    assert_ne!(a.local, c.local);
    // rounding to 0.1 of a unit normal loses little information
    assert!((a.estimate - RHO06).abs() < 0.05, "{}", a.estimate);
    let never = p
        .jitter(JitterMode::Never)
        .check()
        .unwrap()
        .mi(xr.view(), y.view())
        .unwrap();
    assert!(never.jittered_columns.is_empty());
}

#[test]
fn parallel_equals_serial() {
    let (x, y) = common::linear_system(3000, 8);
    let ksg = KsgParams::new().variant(KsgVariant::Ksg2).check().unwrap();
    let par = ksg.mi(x.view(), y.view()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let ser = pool.install(|| ksg.mi(x.view(), y.view()).unwrap());
    assert_eq!(par, ser);
}

#[test]
fn bad_input_gives_typed_errors() {
    let (x, y) = common::correlated(50, 0.5, 1);
    let ksg = KsgParams::new().k(3).check().unwrap();
    assert!(matches!(
        ksg.mi(x.slice(ndarray::s![..3, ..]), y.slice(ndarray::s![..3, ..])),
        Err(KnnError::TooFewSamples {
            n: 3,
            k: 3,
            needed: 4
        })
    ));
    assert!(matches!(
        ksg.mi(x.view(), y.slice(ndarray::s![..40, ..])),
        Err(KnnError::LengthMismatch { .. })
    ));
    let mut xn = x.clone();
    xn[[7, 0]] = f64::NAN;
    assert!(matches!(
        ksg.mi(xn.view(), y.view()),
        Err(KnnError::NonFinite { row: 7, .. })
    ));
    let xc = concatenate(Axis(1), &[x.view(), Array2::<f64>::ones((50, 1)).view()]).unwrap();
    assert!(matches!(
        ksg.mi(xc.view(), y.view()),
        Err(KnnError::ConstantColumn { column: 1, .. })
    ));
    assert!(matches!(
        KsgParams::new()
            .variant(KsgVariant::Ksg2)
            .check()
            .unwrap()
            .cmi(x.view(), y.view(), y.view()),
        Err(KnnError::InvalidParameter {
            name: "variant",
            ..
        })
    ));
    assert!(KsgParams::new().jitter_scale(0.0).check().is_err());
}

/// KSG estimator 1 finds the joint radius and one marginal count in one traversal of the
/// larger marginal's tree when it has at least four times the other's dimension (`Ksg::mi`),
/// else by the three-index computation. Its local values equal, bit for bit,
/// the textbook three-index computation written here with the public index API (k-th
/// neighbour distance in the joint space, strict counts in each marginal), on continuous data
/// and on gridded data full of exact distance ties and duplicate points (no jitter), for
/// several dimension pairs and `k`.
#[test]
fn ksg1_fused_path_equals_textbook_three_index_counts() {
    use knn_estimators::{Boundary, KnnIndex, Metric};
    use rand::Rng;
    for (dx, dy, gridded, seed) in [
        (1usize, 1usize, false, 1u64),
        (2, 1, false, 2),
        (1, 5, false, 3),
        (5, 5, false, 4),
        (9, 2, false, 5),
        (2, 8, false, 8),
        (3, 3, true, 6),
        (1, 4, true, 7),
    ] {
        let n = 700;
        let mut r = common::rng(seed);
        let (x, y) = if gridded {
            let mut g = |c| Array2::from_shape_fn((n, c), |_| (r.random_range(0..6) as f64) * 0.5);
            (g(dx), g(dy))
        } else {
            let x = common::normals(&mut r, n, dx);
            let mut y = common::normals(&mut r, n, dy);
            for i in 0..n {
                y[[i, 0]] += 0.8 * x[[i, 0]];
            }
            (x, y)
        };
        let joint = concatenate(Axis(1), &[x.view(), y.view()]).unwrap();
        let (ji, xi, yi) = (
            KnnIndex::new(joint.view(), Metric::Chebyshev).unwrap(),
            KnnIndex::new(x.view(), Metric::Chebyshev).unwrap(),
            KnnIndex::new(y.view(), Metric::Chebyshev).unwrap(),
        );
        let psi = DigammaTable::new(n + 1);
        for k in [1usize, 3, 6] {
            let eps = ji.kth_distances(k).unwrap();
            let nx = xi.counts_around_points(&eps, Boundary::Strict).unwrap();
            let ny = yi.counts_around_points(&eps, Boundary::Strict).unwrap();
            let base = psi.get(k) + psi.get(n);
            let est = KsgParams::new()
                .k(k)
                .jitter(JitterMode::Never)
                .check()
                .unwrap()
                .mi(x.view(), y.view())
                .unwrap();
            for i in 0..n {
                let expected = base - psi.get(nx[i] + 1) - psi.get(ny[i] + 1);
                assert_eq!(
                    est.local[i].to_bits(),
                    expected.to_bits(),
                    "dx {dx} dy {dy} gridded {gridded} k {k} sample {i}"
                );
            }
        }
    }
}
