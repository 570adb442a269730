//! Mutual-information estimators against analytic Gaussian values (N = 10^4).
mod common;

use common::*;
use info_decomp::{Estimator, InfoError, MiParams};
use ndarray::{Array2, Axis, concatenate, s};

fn est(e: Estimator) -> info_decomp::MiEstimator {
    MiParams::new(e).check().unwrap()
}

#[test]
fn correlated_gaussians_rho_06_all_estimators() {
    let (x, y) = correlated(10_000, 0.6, 11);
    for (e, tol) in [
        (Estimator::Gauss, 0.01),
        (Estimator::Gcmi, 0.01),
        (Estimator::Ksg1, 0.02),
        (Estimator::Ksg2, 0.02),
    ] {
        let r = est(e).mi(x.view(), y.view()).unwrap();
        assert!((r.mi - RHO06).abs() < tol, "{e}: {} vs {RHO06}", r.mi);
        let mean = r.local.iter().sum::<f64>() / r.n as f64;
        assert!(
            (mean - r.mi).abs() < 1e-10,
            "{e}: local values average to the estimate"
        );
        assert_eq!(r.k.is_some(), e.is_knn());
    }
}

#[test]
fn linear_system_all_estimators() {
    let (x, y) = linear_system(10_000, 5);
    let truth = linear_mi();
    assert!((truth - 0.35214).abs() < 1e-5);
    for (e, tol) in [
        (Estimator::Gauss, 0.01),
        (Estimator::Gcmi, 0.01),
        (Estimator::Ksg1, 0.02),
        (Estimator::Ksg2, 0.02),
    ] {
        let r = est(e).mi(x.view(), y.view()).unwrap();
        assert!((r.mi - truth).abs() < tol, "{e}: {} vs {truth}", r.mi);
    }
}

#[test]
fn gaussian_local_values_are_the_pointwise_mi() {
    // scalar case by hand: i(x,y) = -0.5 ln(1-r^2) - (x^2 - 2 r x y + y^2)/(2(1-r^2)) + (x^2 + y^2)/2
    // with standardised x, y and the sample correlation r; plug-in (no bias correction)
    let (x, y) = correlated(500, 0.5, 3);
    let r = MiParams::new(Estimator::Gauss)
        .bias_correct(false)
        .check()
        .unwrap()
        .mi(x.view(), y.view())
        .unwrap();
    let n = 500.0;
    let (mx, my) = (x.mean().unwrap(), y.mean().unwrap());
    let sx = (x.mapv(|v| (v - mx).powi(2)).sum() / (n - 1.0)).sqrt();
    let sy = (y.mapv(|v| (v - my).powi(2)).sum() / (n - 1.0)).sqrt();
    let cxy = (0..500)
        .map(|i| (x[[i, 0]] - mx) * (y[[i, 0]] - my))
        .sum::<f64>()
        / (n - 1.0);
    let rho = cxy / (sx * sy);
    assert!((r.mi + 0.5 * (1.0 - rho * rho).ln()).abs() < 1e-12);
    for i in [0usize, 17, 499] {
        let (a, b) = ((x[[i, 0]] - mx) / sx, (y[[i, 0]] - my) / sy);
        let expected = -0.5 * (1.0 - rho * rho).ln()
            - (a * a - 2.0 * rho * a * b + b * b) / (2.0 * (1.0 - rho * rho))
            + (a * a + b * b) / 2.0;
        assert!((r.local[i] - expected).abs() < 1e-10, "sample {i}");
    }
}

#[test]
fn bias_correction_reduces_small_sample_bias() {
    // independent 3-d variables, N = 60: plug-in MI is biased up, corrected is near 0 on average
    let mut plug = 0.0;
    let mut corr = 0.0;
    for seed in 0..40 {
        let mut r = rng(100 + seed);
        let x = normals(&mut r, 60, 3);
        let y = normals(&mut r, 60, 3);
        plug += MiParams::new(Estimator::Gauss)
            .bias_correct(false)
            .check()
            .unwrap()
            .mi(x.view(), y.view())
            .unwrap()
            .mi;
        corr += est(Estimator::Gauss).mi(x.view(), y.view()).unwrap().mi;
    }
    plug /= 40.0;
    corr /= 40.0;
    // the plug-in bias for 3 x 3 dims at N = 60 is about d1 d2 / (2N) = 0.075 nats
    assert!(plug > 0.05, "plug-in {plug}");
    assert!(corr.abs() < 0.02, "corrected {corr}");
}

#[test]
fn conditional_mi_under_conditional_independence() {
    let mut r = rng(21);
    let n = 10_000;
    let z = normals(&mut r, n, 2);
    let w = ndarray::array![[0.8], [-0.5]];
    let x = z.dot(&w) + normals(&mut r, n, 1);
    let y = z.dot(&w) * 0.7 + normals(&mut r, n, 1);
    for (e, tol) in [
        (Estimator::Gauss, 0.01),
        (Estimator::Gcmi, 0.01),
        (Estimator::Ksg1, 0.02),
    ] {
        let c = est(e).cmi(x.view(), y.view(), z.view()).unwrap();
        assert!(c.mi.abs() < tol, "{e}: {}", c.mi);
        assert!(c.conditional);
        let m = est(e).mi(x.view(), y.view()).unwrap();
        assert!(m.mi > 0.05, "{e}: unconditional {}", m.mi);
    }
    // Y = X + Z + e: I(X;Y|Z) = 0.5 ln 2
    let x2 = normals(&mut r, n, 1);
    let y2 = &x2 + &z.slice(s![.., 0..1]) + &normals(&mut r, n, 1);
    for (e, tol) in [
        (Estimator::Gauss, 0.01),
        (Estimator::Gcmi, 0.01),
        (Estimator::Ksg1, 0.02),
    ] {
        let c = est(e).cmi(x2.view(), y2.view(), z.view()).unwrap();
        assert!((c.mi - 0.5 * 2f64.ln()).abs() < tol, "{e}: {}", c.mi);
    }
    assert!(matches!(
        est(Estimator::Ksg2).cmi(x.view(), y.view(), z.view()),
        Err(InfoError::InvalidParameter { .. })
    ));
}

#[test]
fn copula_mi_is_invariant_under_monotone_transforms() {
    let (x, y) = correlated(3000, 0.6, 8);
    let a = est(Estimator::Gcmi).mi(x.view(), y.view()).unwrap();
    let b = est(Estimator::Gcmi)
        .mi(x.mapv(f64::exp).view(), y.mapv(|v| v.powi(3)).view())
        .unwrap();
    assert!((a.mi - b.mi).abs() < 1e-12);
}

#[test]
fn bad_input_gives_typed_errors() {
    let (x, y) = correlated(100, 0.5, 1);
    for e in Estimator::ALL {
        let m = est(e);
        let few = m.mi(x.slice(s![..3, ..]), y.slice(s![..3, ..]));
        assert!(
            matches!(few, Err(InfoError::TooFewSamples { .. })),
            "{e}: {few:?}"
        );
        assert!(matches!(
            m.mi(x.view(), y.slice(s![..50, ..])),
            Err(InfoError::LengthMismatch { .. })
        ));
        let mut xn = x.clone();
        xn[[5, 0]] = f64::NAN;
        assert!(matches!(
            m.mi(xn.view(), y.view()),
            Err(InfoError::NonFinite { row: 5, .. })
        ));
        let xc = concatenate(
            Axis(1),
            &[x.view(), Array2::<f64>::from_elem((100, 1), 2.5).view()],
        )
        .unwrap();
        assert!(matches!(
            m.mi(xc.view(), y.view()),
            Err(InfoError::ConstantColumn { column: 1, .. })
        ));
        let empty = Array2::<f64>::zeros((100, 0));
        assert!(matches!(
            m.mi(empty.view(), y.view()),
            Err(InfoError::NoColumns { .. })
        ));
    }
    // a duplicated column: singular covariance for the Gaussian estimators
    let xx = concatenate(Axis(1), &[x.view(), x.view()]).unwrap();
    assert!(matches!(
        est(Estimator::Gauss).mi(xx.view(), y.view()),
        Err(InfoError::Singular { .. })
    ));
    assert!(matches!(
        est(Estimator::Gcmi).mi(xx.view(), y.view()),
        Err(InfoError::Singular { .. })
    ));
    assert!(matches!(
        "ksg3".parse::<Estimator>(),
        Err(InfoError::UnknownName { .. })
    ));
    assert_eq!("gcmi".parse::<Estimator>().unwrap(), Estimator::Gcmi);
    assert!(MiParams::new(Estimator::Ksg1).k(0).check().is_err());
}
