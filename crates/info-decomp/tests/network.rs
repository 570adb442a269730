//! The network-based decomposition on synthetic model outputs with hand-computed atoms.
use info_decomp::aggregate::{Bootstrap, by_bins, by_group, summarize};
use info_decomp::{Bins, InfoError, NetworkParams};

const LN2: f64 = std::f64::consts::LN_2;

/// 8 samples in 4 bins on [0, 4): counts 4, 2, 1, 1 -> prior 1/2, 1/4, 1/8, 1/8.
/// The models put known probability on the true bin, so i_k = ln(q_k / p) is known.
type Setup = (
    Vec<f64>,
    Vec<f64>,
    Vec<f64>,
    Vec<f64>,
    Vec<&'static str>,
    Vec<bool>,
);

fn setup() -> Setup {
    let y = vec![0.1, 0.5, 0.9, 0.2, 1.5, 1.2, 2.5, 3.9];
    // q1, q2, q12 on the true bin per sample
    let q1 = [0.5, 1.0, 0.25, 0.5, 0.5, 0.25, 0.25, 0.5];
    let q2 = [1.0, 0.5, 0.5, 0.25, 0.25, 0.5, 0.5, 0.125];
    let q12 = [1.0, 1.0, 1.0, 0.5, 1.0, 0.5, 1.0, 1.0];
    let ce = |q: &[f64]| q.iter().map(|v| -(v + 1e-20f64).ln()).collect::<Vec<f64>>();
    let class = vec![
        "sf", "sf", "passive", "passive", "sf", "passive", "sf", "other",
    ];
    let test = vec![true, true, false, true, true, false, true, true];
    (y, ce(&q1), ce(&q2), ce(&q12), class, test)
}

fn prior_of(y: f64) -> f64 {
    match y as usize {
        0 => 0.5,
        1 => 0.25,
        _ => 0.125,
    }
}

#[test]
fn per_sample_atoms_match_hand_computation() {
    let (y, ce1, ce2, ce12, _, _) = setup();
    let net = NetworkParams::new()
        .bins(Bins::new(0.0, 4.0, 4).unwrap())
        .check()
        .unwrap();
    let d = net.decompose(&y, &ce1, &ce2, &ce12).unwrap();
    assert_eq!(d.prior.counts, vec![4, 2, 1, 1]);
    assert_eq!(d.prior.bin, vec![0, 0, 0, 0, 1, 1, 2, 3]);
    let q1 = [0.5, 1.0, 0.25, 0.5, 0.5, 0.25, 0.25, 0.5];
    let q2 = [1.0, 0.5, 0.5, 0.25, 0.25, 0.5, 0.5, 0.125];
    let q12 = [1.0, 1.0, 1.0, 0.5, 1.0, 0.5, 1.0, 1.0];
    for s in 0..8 {
        let p = prior_of(y[s]);
        let (i1, i2, i12) = ((q1[s] / p).ln(), (q2[s] / p).ln(), (q12[s] / p).ln());
        let red = i1.min(i2);
        let a = d.local.get(s);
        let tol = 1e-12;
        assert!((d.prior.surprisal[s] + p.ln()).abs() < tol);
        assert!((a.i1 - i1).abs() < tol && (a.i2 - i2).abs() < tol && (a.total - i12).abs() < tol);
        assert!((a.redundancy - red).abs() < tol, "sample {s}");
        assert!((a.unique1 - (i1 - red)).abs() < tol);
        assert!((a.unique2 - (i2 - red)).abs() < tol);
        assert!((a.synergy - (i12 - i1.max(i2))).abs() < tol);
        assert!((a.sum() - a.total).abs() < tol);
        assert!(a.unique1 == 0.0 || a.unique2 == 0.0);
    }
    // sample 0 by hand: p = 1/2, q1 = 1/2 -> i1 = 0; q2 = 1 -> i2 = ln 2; q12 = 1 -> i12 = ln 2
    let a = d.local.get(0);
    assert!(
        a.redundancy.abs() < 1e-12 && (a.unique2 - LN2).abs() < 1e-12 && a.synergy.abs() < 1e-12
    );
    // sample 5: p = 1/4, q1 = 1/4 -> 0; q2 = 1/2 -> ln 2; q12 = 1/2 -> ln 2: misinformation-free
    // sample 7: p = 1/8, q2 = 1/8 -> i2 = 0, q1 = 1/2 -> i1 = 2 ln 2, q12 = 1 -> 3 ln 2
    let a = d.local.get(7);
    assert!((a.unique1 - 2.0 * LN2).abs() < 1e-12 && (a.synergy - LN2).abs() < 1e-12);
    // a model worse than the prior gives negative local MI (misinformation)
    let mut ce_bad = ce1.clone();
    ce_bad[0] = -(0.1f64).ln();
    let d2 = net.decompose(&y, &ce_bad, &ce2, &ce12).unwrap();
    assert!((d2.local.i1[0] - (0.1f64 / 0.5).ln()).abs() < 1e-12 && d2.local.i1[0] < 0.0);
    // log-probabilities give the same
    let lp = |c: &[f64]| c.iter().map(|v| -v).collect::<Vec<f64>>();
    let d3 = net
        .decompose_log_probs(&y, &lp(&ce1), &lp(&ce2), &lp(&ce12))
        .unwrap();
    assert_eq!(d3.local, d.local);
}

#[test]
fn prior_uses_all_samples_and_groups_average_the_test_split() {
    let (y, ce1, ce2, ce12, class, test) = setup();
    let net = NetworkParams::new()
        .bins(Bins::new(0.0, 4.0, 4).unwrap())
        .check()
        .unwrap();
    let d = net.decompose(&y, &ce1, &ce2, &ce12).unwrap();
    // the test split alone would have counts 3, 1, 1, 1; the prior keeps 4, 2, 1, 1
    assert_eq!(d.prior.probs, vec![0.5, 0.25, 0.125, 0.125]);
    let g = by_group(&d.local, &class, Some(&test), None).unwrap();
    let names: Vec<&str> = g.iter().map(|x| x.group.as_str()).collect();
    assert_eq!(names, vec!["other", "passive", "sf"]);
    // sf on the test split: samples 0, 1, 4, 6
    let sf = &g[2].summary;
    assert_eq!(sf.n, 4);
    let hand = |f: fn(&info_decomp::Atoms) -> f64| {
        [0usize, 1, 4, 6]
            .iter()
            .map(|&s| f(&d.local.get(s)))
            .sum::<f64>()
            / 4.0
    };
    assert!((sf.mean.redundancy - hand(|a| a.redundancy)).abs() < 1e-12);
    assert!((sf.mean.synergy - hand(|a| a.synergy)).abs() < 1e-12);
    assert!((sf.mean.total - hand(|a| a.total)).abs() < 1e-12);
    // passive on the test split: sample 3 only
    assert_eq!(g[1].summary.n, 1);
    assert_eq!(g[1].summary.mean, d.local.get(3));
    // bins of y (the stack-plot data): [0,2) and [2,4) on the test split
    let b = by_bins(
        &d.local,
        &y,
        &Bins::new(0.0, 4.0, 2).unwrap(),
        Some(&test),
        2,
        None,
    )
    .unwrap();
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].summary.n, 4); // samples 0, 1, 3, 4
    assert_eq!(b[1].summary.n, 2); // samples 6, 7
    assert!(!b[0].sparse && !b[1].sparse);
    let m = summarize(&d.local, &[0, 1, 3, 4], None).unwrap();
    assert_eq!(b[0].summary.mean, m.mean);
    assert!((b[1].center - 3.0).abs() < 1e-12);
    let sparse = by_bins(
        &d.local,
        &y,
        &Bins::new(0.0, 4.0, 4).unwrap(),
        None,
        2,
        None,
    )
    .unwrap();
    assert_eq!(
        sparse.iter().map(|b| b.sparse).collect::<Vec<_>>(),
        vec![false, false, true, true]
    );
}

#[test]
fn bootstrap_intervals_are_seeded_and_cover_the_mean() {
    let n = 400;
    let y: Vec<f64> = (0..n)
        .map(|i| 6.0 + 6.0 * (i as f64 + 0.5) / n as f64)
        .collect();
    let ce = |k: usize| {
        (0..n)
            .map(|i| 0.5 + ((i * k) % 7) as f64 * 0.3)
            .collect::<Vec<f64>>()
    };
    let d = NetworkParams::new()
        .check()
        .unwrap()
        .decompose(&y, &ce(3), &ce(5), &ce(1))
        .unwrap();
    let groups: Vec<&str> = (0..n).map(|i| if i % 3 == 0 { "a" } else { "b" }).collect();
    let boot = Bootstrap::new(200, 0.9, 17).unwrap();
    let g1 = by_group(&d.local, &groups, None, Some(&boot)).unwrap();
    let g2 = by_group(&d.local, &groups, None, Some(&boot)).unwrap();
    assert_eq!(g1, g2);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let g3 = pool.install(|| by_group(&d.local, &groups, None, Some(&boot)).unwrap());
    assert_eq!(g1, g3);
    for g in &g1 {
        let ci = g.summary.ci.unwrap();
        assert!(ci.lo.total <= g.summary.mean.total && g.summary.mean.total <= ci.hi.total);
        assert!(ci.lo.redundancy < ci.hi.redundancy);
    }
    let other = by_group(
        &d.local,
        &groups,
        None,
        Some(&Bootstrap::new(200, 0.9, 18).unwrap()),
    )
    .unwrap();
    assert_ne!(other[0].summary.ci, g1[0].summary.ci);
    assert!(Bootstrap::new(5, 0.9, 1).is_err() && Bootstrap::new(100, 1.0, 1).is_err());
}

#[test]
fn bad_input_gives_typed_errors() {
    let (y, ce1, ce2, ce12, class, _) = setup();
    let net = NetworkParams::new()
        .bins(Bins::new(0.0, 4.0, 4).unwrap())
        .check()
        .unwrap();
    assert!(matches!(
        net.decompose(&y, &ce1[..7], &ce2, &ce12),
        Err(InfoError::LengthMismatch { .. })
    ));
    let mut bad = ce2.clone();
    bad[2] = f64::NAN;
    assert!(matches!(
        net.decompose(&y, &ce1, &bad, &ce12),
        Err(InfoError::NonFinite { row: 2, .. })
    ));
    bad[2] = -0.5;
    assert!(matches!(
        net.decompose(&y, &ce1, &bad, &ce12),
        Err(InfoError::InvalidParameter { .. })
    ));
    let mut yb = y.clone();
    yb[0] = f64::INFINITY;
    assert!(matches!(
        net.decompose(&yb, &ce1, &ce2, &ce12),
        Err(InfoError::NonFinite { .. })
    ));
    assert!(matches!(
        net.prior(&[]),
        Err(InfoError::TooFewSamples { .. })
    ));
    assert!(Bins::new(1.0, 1.0, 3).is_err() && Bins::new(0.0, 1.0, 0).is_err());
    let d = net.decompose(&y, &ce1, &ce2, &ce12).unwrap();
    assert!(matches!(
        by_group(&d.local, &class[..3], None, None),
        Err(InfoError::LengthMismatch { .. })
    ));
    assert!(matches!(
        summarize(&d.local, &[99], None),
        Err(InfoError::InvalidParameter { .. })
    ));
    // the paper's bins: 520 on [6, 12.5), ends clipped
    let b = Bins::paper();
    assert_eq!(b.len(), 520);
    assert!((b.width() - 0.0125).abs() < 1e-15);
    assert_eq!(b.index_clipped(5.0), 0);
    assert_eq!(b.index_clipped(13.0), 519);
    assert_eq!(b.index_clipped(6.0125), 1);
}
