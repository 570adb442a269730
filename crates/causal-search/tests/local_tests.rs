//! Latent-space local tests on synthetic data with known answers.

use causal_search::local::neighbours::{EuclideanKdTree, SearchScratch};
use causal_search::local::tests::{pearson, predictive_efficiency};
use causal_search::local::{LocalTestData, LocalTestError, LocalTestParams, MissingValues};
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

struct Synth {
    s: Array2<f64>,
    y: Array1<f64>,
    q_indirect: Array1<f64>,
    q_direct: Array1<f64>,
    c: Array1<f64>,
    train: Vec<usize>,
}

/// S is 3-dimensional uniform; Y = f(S) + noise, X_q = g(S) + noise (depends on Y only
/// through S), X_direct = Y + noise (a direct link not captured by S), X_c = S_0 + noise.
fn synth(n: usize, seed: u64) -> Synth {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
    let mut s = Array2::<f64>::zeros((n, 3));
    let mut y = Array1::zeros(n);
    let mut qi = Array1::zeros(n);
    let mut qd = Array1::zeros(n);
    let mut c = Array1::zeros(n);
    for i in 0..n {
        for j in 0..3 {
            s[[i, j]] = g();
        }
        let (a, b, d) = (s[[i, 0]], s[[i, 1]], s[[i, 2]]);
        y[i] = a + 0.5 * b * b + 0.3 * d + 0.3 * g();
        qi[i] = b - 0.5 * a * d + 0.3 * g();
        qd[i] = y[i] + 0.3 * g();
        c[i] = a + 0.3 * g();
    }
    let train = (0..n).filter(|i| i % 3 != 0).collect();
    Synth {
        s,
        y,
        q_indirect: qi,
        q_direct: qd,
        c,
        train,
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

/// S clustered at 400 well-separated centres (jitter 1e-4 around each), 50 galaxies per
/// cluster, 2/3 of them training: every neighbourhood of k = 30 lies within one cluster, where
/// f(S) and g(S) are exactly constant. So within a neighbourhood Y = const + 0.3 e_y,
/// X_q = const + 0.3 e_q (independent of Y: the link goes only through S) and
/// X_direct = Y + 0.3 e_d (a direct link: local rho = 1/sqrt(2), local R^2 = 1/2).
#[test]
fn indirect_link_vanishes_direct_link_does_not() {
    let (nc, per) = (400usize, 50usize);
    let n = nc * per;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
    let centres: Vec<[f64; 3]> = (0..nc)
        .map(|_| [10.0 * g(), 10.0 * g(), 10.0 * g()])
        .collect();
    let mut s = Array2::<f64>::zeros((n, 3));
    let (mut y, mut qi, mut qd, mut c) = (
        Array1::zeros(n),
        Array1::zeros(n),
        Array1::zeros(n),
        Array1::zeros(n),
    );
    for i in 0..n {
        let [a, b, d] = centres[i % nc];
        for (j, v) in [a, b, d].into_iter().enumerate() {
            s[[i, j]] = v + 1e-4 * g();
        }
        y[i] = a + 0.5 * b * b + 0.3 * d + 0.3 * g();
        qi[i] = b - 0.5 * a * d + 0.3 * g();
        qd[i] = y[i] + 0.3 * g();
        c[i] = g();
    }
    let train: Vec<usize> = (0..n).filter(|i| i % 3 != 0).collect();
    let tests = LocalTestParams::new()
        .k(30)
        .k_max(30)
        .seed(5)
        .check()
        .unwrap();
    let run = |q: &Array1<f64>| {
        tests
            .run(&LocalTestData {
                latent: s.view(),
                train: &train,
                y: y.view(),
                query: q.view(),
                cond: Some(c.view()),
            })
            .unwrap()
    };
    let ind = run(&qi);
    let dir = run(&qd);
    type R = causal_search::local::LocalTestResult;
    type St = causal_search::local::LocalStats;
    let col =
        |r: &R, f: fn(&St) -> Option<f64>| r.samples.iter().filter_map(f).collect::<Vec<f64>>();
    // Indirect: local rho ~ null (mean 0, sd 1/sqrt(29) per galaxy; the median over 400
    // clusters' overlapping neighbourhoods is within 0.05 of 0).
    let m_ind = median(&mut col(&ind, |s| s.corr));
    let m_null = median(&mut col(&ind, |s| s.corr_perm));
    assert!(m_ind.abs() < 0.05, "indirect median corr {m_ind}");
    assert!(m_null.abs() < 0.05, "null median {m_null}");
    // Under the null, R^2 of a 2-predictor fit on 30 points has mean 2/29 = 0.069.
    let pe_ind: Vec<f64> = col(&ind, |s| s.pe);
    let mean_pe = pe_ind.iter().sum::<f64>() / pe_ind.len() as f64;
    assert!(
        (mean_pe - 2.0 / 29.0).abs() < 0.015,
        "indirect mean PE {mean_pe}"
    );
    // Direct: rho = 1/sqrt(2) = 0.707 (sample-correlation bias -rho(1-rho^2)/2n = -0.006).
    let m_dir = median(&mut col(&dir, |s| s.corr));
    assert!((m_dir - 0.707).abs() < 0.03, "direct median corr {m_dir}");
    // R^2 = 0.5 plus the inflation (1 - 0.5) / 29 = 0.017 from the one superfluous term (x^2).
    let pe_dir = median(&mut col(&dir, |s| s.pe));
    assert!((pe_dir - 0.517).abs() < 0.03, "direct median PE {pe_dir}");
    // Conditioning on an unrelated X_c leaves the direct link.
    let mc_dir = median(&mut col(&dir, |s| s.corr_cond));
    assert!(
        (mc_dir - 0.707).abs() < 0.04,
        "direct conditional corr {mc_dir}"
    );
    let mc_ind = median(&mut col(&ind, |s| s.corr_cond));
    assert!(mc_ind.abs() < 0.05, "indirect conditional corr {mc_ind}");
    // Summaries: the share of |rho| beyond the null's 95th percentile is about 0.05 for the
    // indirect link and near 1 for the direct one.
    let labels = vec!["x"; n];
    let share_i = ind.summarize_by(&labels).unwrap()[0]
        .corr_vs_null
        .unwrap()
        .share_beyond_null_p95;
    let share_d = dir.summarize_by(&labels).unwrap()[0]
        .corr_vs_null
        .unwrap()
        .share_beyond_null_p95;
    assert!((0.02..0.1).contains(&share_i), "indirect share {share_i}");
    assert!(share_d > 0.95, "direct share {share_d}");
    eprintln!(
        "indirect: median rho {m_ind:.4}, null {m_null:.4}, mean PE {mean_pe:.4}, cond {mc_ind:.4}, share {share_i:.4}; \
         direct: rho {m_dir:.4}, PE {pe_dir:.4}, cond {mc_dir:.4}, share {share_d:.4}"
    );
}

#[test]
fn conditioning_explains_a_link_through_x_c() {
    // Y and X_q both depend on X_c, which S does not contain: the unconditional correlation is
    // strong, the conditional one vanishes.
    let n = 6000;
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
    let s = Array2::from_shape_fn((n, 2), |_| g());
    let c: Array1<f64> = (0..n).map(|_| g()).collect();
    let y: Array1<f64> = (0..n)
        .map(|i| s[[i, 0]] + c[i] + 0.5 * c[i] * c[i] + 0.2 * g())
        .collect();
    let q: Array1<f64> = (0..n).map(|i| s[[i, 1]] - c[i] + 0.2 * g()).collect();
    let train: Vec<usize> = (0..n).collect();
    let r = LocalTestParams::new()
        .k(100)
        .k_max(100)
        .check()
        .unwrap()
        .run(&LocalTestData {
            latent: s.view(),
            train: &train,
            y: y.view(),
            query: q.view(),
            cond: Some(c.view()),
        })
        .unwrap();
    let mut u: Vec<f64> = r.samples.iter().filter_map(|s| s.corr).collect();
    let mut cc: Vec<f64> = r.samples.iter().filter_map(|s| s.corr_cond).collect();
    assert!(median(&mut u) < -0.5);
    assert!(median(&mut cc).abs() < 0.05);
}

#[test]
fn neighbourhoods_match_brute_force_and_statistics_match_direct_computation() {
    let d = synth(1500, 3);
    let k = 40;
    let k_max = 40;
    let r = LocalTestParams::new()
        .k(k)
        .k_max(k_max)
        .seed(11)
        .check()
        .unwrap()
        .run(&LocalTestData {
            latent: d.s.view(),
            train: &d.train,
            y: d.y.view(),
            query: d.q_direct.view(),
            cond: None,
        })
        .unwrap();
    for i in [0usize, 1, 2, 700, 1499] {
        // Brute-force neighbours among training rows.
        let mut all: Vec<(f64, usize)> = d
            .train
            .iter()
            .map(|&t| {
                let dd: f64 = (0..3).map(|j| (d.s[[i, j]] - d.s[[t, j]]).powi(2)).sum();
                (dd, t)
            })
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let rows: Vec<usize> = all[..k].iter().map(|x| x.1).collect();
        let y: Vec<f64> = rows.iter().map(|&t| d.y[t]).collect();
        let x: Vec<f64> = rows.iter().map(|&t| d.q_direct[t]).collect();
        let st = r.samples[i];
        assert_eq!(st.n_used, k);
        assert!((st.corr.unwrap() - pearson(&y, &x).unwrap()).abs() < 1e-12);
        assert!((st.pe.unwrap() - predictive_efficiency(&y, &x, 2).unwrap()).abs() < 1e-12);
        // The permuted baseline is a correlation of the same values in another order.
        assert!(st.corr_perm.unwrap().abs() <= 1.0);
        assert!(st.corr_cond.is_none() && st.n_used_cond == 0);
        if i % 3 != 0 {
            assert_eq!(rows[0], i, "a training galaxy is its own first neighbour");
        }
    }
}

#[test]
fn masking_takes_the_first_k_valid_neighbours_within_k_max() {
    // 1-D latent: rows at positions 0, 1, 2, ...; the query row 0 has neighbours in order.
    let n = 60;
    let s = Array2::from_shape_fn((n, 1), |(i, _)| i as f64);
    let mut y: Array1<f64> = (0..n).map(|i| ((i * 7) % 11) as f64).collect();
    let x: Array1<f64> = (0..n)
        .map(|i| ((i * 5) % 13) as f64 + 0.1 * i as f64)
        .collect();
    let mut c: Array1<f64> = (0..n).map(|i| ((i * 3) % 7) as f64).collect();
    y[2] = -9999.0; // sentinel
    y[5] = f64::NAN;
    c[7] = 9500.0; // missing for X_c under |v| >= 9000
    let train: Vec<usize> = (0..n).collect();
    let params = LocalTestParams::new()
        .k(10)
        .k_max(14)
        .min_neighbours(5)
        .missing_y(MissingValues::sentinels(&[-9999.0]))
        .missing_cond(MissingValues::study_preset());
    let r = params
        .check()
        .unwrap()
        .run(&LocalTestData {
            latent: s.view(),
            train: &train,
            y: y.view(),
            query: x.view(),
            cond: Some(c.view()),
        })
        .unwrap();
    let st = r.samples[0];
    // Unconditional: rows 0..=11 minus {2, 5}.
    let rows: Vec<usize> = (0..12).filter(|i| *i != 2 && *i != 5).collect();
    let yy: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
    let xx: Vec<f64> = rows.iter().map(|&i| x[i]).collect();
    assert_eq!(st.n_used, 10);
    assert!((st.corr.unwrap() - pearson(&yy, &xx).unwrap()).abs() < 1e-12);
    // Conditional: rows 0..=12 minus {2, 5, 7}.
    assert_eq!(st.n_used_cond, 10);
    // Row 3's neighbours (3, 2|4, ...): among the first 14 (rows 0..=13 at distances <= 10,
    // ties at equal distance by index), row 2 and 5 are masked -> 10 valid within k_max for
    // the unconditional statistic, while the conditional one also loses row 7.
    let st3 = r.samples[3];
    assert_eq!(st3.n_used, 10);
    // Query near the end: rows 46..=59 are its 14 nearest of row 59; none missing.
    assert_eq!(r.samples[59].n_used, 10);
    // A stricter k_max leaves fewer than k valid neighbours: statistics use what is there.
    let r2 = params
        .clone()
        .k_max(10)
        .check()
        .unwrap()
        .run(&LocalTestData {
            latent: s.view(),
            train: &train,
            y: y.view(),
            query: x.view(),
            cond: Some(c.view()),
        })
        .unwrap();
    assert_eq!(r2.samples[0].n_used, 8);
    assert_eq!(r2.samples[0].n_used_cond, 7);
    assert!(r2.samples[0].corr.is_some());
}

#[test]
fn seeded_and_independent_of_thread_count() {
    let d = synth(3000, 4);
    let tests = LocalTestParams::new()
        .k(50)
        .k_max(200)
        .seed(42)
        .check()
        .unwrap();
    let data = LocalTestData {
        latent: d.s.view(),
        train: &d.train,
        y: d.y.view(),
        query: d.q_indirect.view(),
        cond: Some(d.c.view()),
    };
    let a = tests.run(&data).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = one.install(|| tests.run(&data).unwrap());
    assert_eq!(a, b);
    // the blocked brute-force search too (blocks run in parallel)
    let brute = LocalTestParams::new()
        .k(50)
        .k_max(200)
        .seed(42)
        .neighbour_search(causal_search::local::NeighbourSearch::BruteForce)
        .check()
        .unwrap();
    let b = one.install(|| brute.run(&data).unwrap());
    assert_eq!(a, b);
    assert_eq!(a, brute.run(&data).unwrap());
    let other = LocalTestParams::new()
        .k(50)
        .k_max(200)
        .seed(43)
        .check()
        .unwrap();
    let c = other.run(&data).unwrap();
    assert_ne!(a.samples[0].corr_perm, c.samples[0].corr_perm);
    assert_eq!(a.samples[0].corr, c.samples[0].corr);
}

#[test]
fn typed_errors() {
    let d = synth(200, 5);
    let ok = LocalTestParams::new().k(20).k_max(50);
    let data = LocalTestData {
        latent: d.s.view(),
        train: &d.train,
        y: d.y.view(),
        query: d.q_indirect.view(),
        cond: None,
    };
    // k_max larger than the training set (133 rows: i % 3 != 0).
    let e = ok
        .clone()
        .k_max(500)
        .check()
        .unwrap()
        .run(&data)
        .unwrap_err();
    assert_eq!(
        e,
        LocalTestError::KMaxExceedsTraining {
            k_max: 500,
            n_train: 133
        }
    );
    assert!(matches!(
        ok.clone().k(0).check(),
        Err(LocalTestError::InvalidParameter { name: "k", .. })
    ));
    assert!(matches!(
        ok.clone().k_max(10).check(),
        Err(LocalTestError::InvalidParameter { name: "k_max", .. })
    ));
    assert!(matches!(
        ok.clone().degree(4).check(),
        Err(LocalTestError::InvalidParameter { name: "degree", .. })
    ));
    assert!(matches!(
        ok.clone().min_neighbours(3).check(),
        Err(LocalTestError::InvalidParameter {
            name: "min_neighbours",
            ..
        })
    ));
    assert!(matches!(
        ok.clone()
            .missing_y(MissingValues::sentinels(&[f64::NAN]))
            .check(),
        Err(LocalTestError::InvalidParameter {
            name: "missing_y",
            ..
        })
    ));
    let t = ok.check().unwrap();
    let short = d.y.slice(ndarray::s![..100]);
    assert_eq!(
        t.run(&LocalTestData { y: short, ..data }).unwrap_err(),
        LocalTestError::LengthMismatch {
            name: "y",
            got: 100,
            expected: 200
        }
    );
    let mut s = d.s.clone();
    s[[7, 2]] = f64::NAN;
    assert!(matches!(
        t.run(&LocalTestData {
            latent: s.view(),
            ..data
        })
        .unwrap_err(),
        LocalTestError::NonFiniteLatent { row: 7, col: 2, .. }
    ));
    assert_eq!(
        t.run(&LocalTestData {
            train: &[0, 1, 1],
            ..data
        })
        .unwrap_err(),
        LocalTestError::DuplicateTrainIndex { index: 1 }
    );
    assert_eq!(
        t.run(&LocalTestData {
            train: &[0, 1000],
            ..data
        })
        .unwrap_err(),
        LocalTestError::TrainIndexOutOfRange {
            index: 1000,
            n_rows: 200
        }
    );
    let nan_y = Array1::from_elem(200, f64::NAN);
    assert_eq!(
        t.run(&LocalTestData {
            y: nan_y.view(),
            ..data
        })
        .unwrap_err(),
        LocalTestError::NoValidTrainingRows { what: "Y and X_q" }
    );
    let empty = Array2::<f64>::zeros((200, 0));
    assert!(matches!(
        t.run(&LocalTestData {
            latent: empty.view(),
            ..data
        })
        .unwrap_err(),
        LocalTestError::EmptyLatent { .. }
    ));
}

#[test]
fn degenerate_neighbourhoods_give_none() {
    // Y constant: correlations and PE undefined. X_q a quadratic of X_c: conditional undefined.
    let n = 300;
    let s = Array2::from_shape_fn((n, 2), |(i, j)| ((i * (2 * j + 3)) % 101) as f64);
    let y = Array1::from_elem(n, 10.5);
    let c: Array1<f64> = (0..n).map(|i| (i % 17) as f64).collect();
    let q: Array1<f64> = c.iter().map(|v| 1.0 + v * v).collect();
    let y2: Array1<f64> = (0..n).map(|i| ((i * 13) % 29) as f64).collect();
    let train: Vec<usize> = (0..n).collect();
    let t = LocalTestParams::new().k(30).k_max(30).check().unwrap();
    let r = t
        .run(&LocalTestData {
            latent: s.view(),
            train: &train,
            y: y.view(),
            query: q.view(),
            cond: None,
        })
        .unwrap();
    assert!(
        r.samples
            .iter()
            .all(|s| s.corr.is_none() && s.pe.is_none() && s.n_used == 30)
    );
    let r = t
        .run(&LocalTestData {
            latent: s.view(),
            train: &train,
            y: y2.view(),
            query: q.view(),
            cond: Some(c.view()),
        })
        .unwrap();
    assert!(r.samples.iter().all(|s| s.corr.is_some()));
    assert!(
        r.samples
            .iter()
            .all(|s| s.corr_cond.is_none() && s.pe_cond.is_none())
    );
}

#[test]
fn tree_exact_on_clustered_16d() {
    // Clustered 16-D points (the latent spaces are far from uniform): exact agreement with
    // brute force for k up to 300.
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
    let n = 3000;
    let dim = 16;
    let centres: Vec<f64> = (0..10 * dim).map(|_| 3.0 * g()).collect();
    let coords: Vec<f64> = (0..n)
        .flat_map(|i| {
            let c = i % 10;
            (0..dim)
                .map(|j| centres[c * dim + j] + 0.3 * g())
                .collect::<Vec<_>>()
        })
        .collect();
    let tree = EuclideanKdTree::new(&coords, dim).unwrap();
    let mut sc = SearchScratch::new();
    for qi in (0..n).step_by(97) {
        let q = &coords[qi * dim..(qi + 1) * dim];
        let got = tree.nearest(q, 300, &mut sc).unwrap();
        let mut all: Vec<(f64, usize)> = coords
            .chunks_exact(dim)
            .enumerate()
            .map(|(i, p)| (p.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum(), i))
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let want: Vec<usize> = all[..300].iter().map(|x| x.1).collect();
        assert_eq!(got.iter().map(|x| x.index).collect::<Vec<_>>(), want);
    }
}

/// The brute-force and kd-tree neighbour searches give identical results (same neighbours, same
/// order, same ties), in 16 and 3 dimensions, with masked values (so that some galaxies extend
/// their search beyond the first block) and a conditioning variable; also on integer latents with
/// many distance ties.
#[test]
fn brute_force_and_kd_tree_searches_agree() {
    use causal_search::local::NeighbourSearch;
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for (n, dim, grid) in [(3000, 16, false), (2500, 3, false), (2000, 16, true)] {
        let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
        let s = Array2::from_shape_fn((n, dim), |_| {
            let v = g();
            if grid { (v * 1.5).round() } else { v }
        });
        let y: Array1<f64> = (0..n)
            .map(|i| {
                if i % 7 == 3 {
                    f64::NAN
                } else {
                    s[[i, 0]] + 0.3 * g()
                }
            })
            .collect();
        let q: Array1<f64> = (0..n).map(|i| s[[i, 1]] + 0.3 * g()).collect();
        let c: Array1<f64> = (0..n)
            .map(|i| {
                if i % 5 == 1 {
                    -9999.0
                } else {
                    s[[i, 2]] + 0.3 * g()
                }
            })
            .collect();
        let train: Vec<usize> = (0..n).filter(|i| i % 4 != 0).collect();
        let data = LocalTestData {
            latent: s.view(),
            train: &train,
            y: y.view(),
            query: q.view(),
            cond: Some(c.view()),
        };
        let run = |search| {
            LocalTestParams::new()
                .k(40)
                .k_max(600)
                .seed(3)
                .missing_cond(MissingValues::sentinels(&[-9999.0]))
                .neighbour_search(search)
                .check()
                .unwrap()
                .run(&data)
                .unwrap()
        };
        let tree = run(NeighbourSearch::KdTree);
        let brute = run(NeighbourSearch::BruteForce);
        assert_eq!(tree.samples[5].n_used, 40);
        assert!(tree.samples.iter().any(|s| s.corr_cond.is_some()));
        // bitwise equality of every statistic (PartialEq on the f64 fields; NaN never occurs)
        assert_eq!(tree, brute, "n {n} dim {dim} grid {grid}");
    }
}

/// Coordinates so large that squared norms overflow: the brute-force request falls back to the
/// kd-tree, so the results stay exact and identical.
#[test]
fn huge_coordinates_fall_back_to_the_tree() {
    use causal_search::local::NeighbourSearch;
    let n = 400;
    let s = Array2::from_shape_fn((n, 9), |(i, j)| {
        1e160 * (((i * 7 + j * 13) % 101) as f64 - 50.0)
    });
    let y: Array1<f64> = (0..n).map(|i| (i % 17) as f64).collect();
    let q: Array1<f64> = (0..n).map(|i| ((i * 5) % 23) as f64).collect();
    let train: Vec<usize> = (0..n).filter(|i| i % 3 != 0).collect();
    let data = LocalTestData {
        latent: s.view(),
        train: &train,
        y: y.view(),
        query: q.view(),
        cond: None,
    };
    let run = |search| {
        LocalTestParams::new()
            .k(20)
            .k_max(100)
            .neighbour_search(search)
            .check()
            .unwrap()
            .run(&data)
            .unwrap()
    };
    let tree = run(NeighbourSearch::KdTree);
    assert_eq!(tree, run(NeighbourSearch::BruteForce));
    assert!(tree.samples.iter().all(|s| s.n_used == 20));
}
