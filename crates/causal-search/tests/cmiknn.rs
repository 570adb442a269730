//! CMIknn: the Gaussian closed form, calibration of the local permutation test for 1-, 8- and
//! 32-dimensional X, backend agreement, determinism and typed errors.

use causal_search::ci::cmiknn::{Backend, CmiKnn, CmiKnnParams, Knn, Transform};
use causal_search::ci::{CachedTest, CiTest};
use causal_search::data::Dataset;
use causal_search::error::CausalError;
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

fn names(p: usize) -> Vec<String> {
    (0..p).map(|j| format!("c{j}")).collect()
}

/// Columns: X, Y, Z with Z ~ N(0,1), (e1, e2) ~ N(0, [[1, r], [r, 1]]), X = Z + e1, Y = Z + e2:
/// I(X;Y|Z) = -1/2 ln(1 - r^2); and I(X;Y) = -1/2 ln(1 - rho^2) with rho = (1 + r) / 2.
fn gaussian(n: usize, r: f64, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
    let mut v = Array2::<f64>::zeros((n, 3));
    for i in 0..n {
        let z = g();
        let a = g();
        let b = r * a + (1.0 - r * r).sqrt() * g();
        v[[i, 0]] = z + a;
        v[[i, 1]] = z + b;
        v[[i, 2]] = z;
    }
    Dataset::new(v, names(3)).unwrap()
}

#[test]
fn statistic_matches_gaussian_closed_form_at_n_10000() {
    let r = 0.5;
    let ds = gaussian(10_000, r, 1);
    let t = CmiKnn::new(
        &ds,
        &CmiKnnParams::new()
            .knn(Knn::Absolute(10))
            .transform(Transform::None)
            .seed(3),
    )
    .unwrap();
    let cmi = t.statistic(0, 1, &[2]).unwrap();
    let want = -0.5 * (1.0 - r * r).ln();
    assert!((cmi - want).abs() < 0.02, "CMI {cmi} vs {want}");
    let rho: f64 = (1.0 + r) / 2.0;
    let mi = t.statistic(0, 1, &[]).unwrap();
    let want = -0.5 * (1.0 - rho * rho).ln();
    assert!((mi - want).abs() < 0.02, "MI {mi} vs {want}");
    // MI is invariant under the (monotone) rank transform.
    let tr = CmiKnn::new(&ds, &CmiKnnParams::new().knn(Knn::Absolute(10)).seed(3)).unwrap();
    let mi_r = tr.statistic(0, 1, &[]).unwrap();
    assert!((mi_r - want).abs() < 0.03, "rank MI {mi_r} vs {want}");
}

#[test]
fn backends_agree_exactly() {
    let ds = gaussian(1500, 0.3, 2);
    for transform in [Transform::None, Transform::Ranks, Transform::Standardize] {
        let mk = |b| {
            CmiKnn::new(
                &ds,
                &CmiKnnParams::new()
                    .knn(Knn::Absolute(7))
                    .transform(transform)
                    .backend(b)
                    .seed(1),
            )
            .unwrap()
        };
        let (bf, kd) = (mk(Backend::BruteForce), mk(Backend::KdTree));
        for z in [&[2usize][..], &[][..]] {
            let a = bf.statistic(0, 1, z).unwrap();
            let b = kd.statistic(0, 1, z).unwrap();
            assert!(
                (a - b).abs() < 1e-12,
                "{transform:?} z={z:?}: brute {a} vs tree {b}"
            );
        }
    }
    // The null distributions agree too: the batched integer path (ranks, brute force) against
    // one kd-tree estimate per permutation.
    let small = gaussian(300, 0.3, 3);
    let mk = |b| {
        CmiKnn::new(
            &small,
            &CmiKnnParams::new()
                .knn(Knn::Absolute(6))
                .permutations(20)
                .backend(b)
                .seed(4),
        )
        .unwrap()
    };
    for z in [&[2usize][..], &[][..]] {
        let a = mk(Backend::BruteForce).test_with_null(0, 1, z).unwrap();
        let b = mk(Backend::KdTree).test_with_null(0, 1, z).unwrap();
        assert_eq!(a.result.p_value, b.result.p_value);
        for (u, v) in a.null.iter().zip(&b.null) {
            assert!((u - v).abs() < 1e-12, "z={z:?}: null {u} vs {v}");
        }
    }
}

/// `reps` datasets with X of dimension `dx` and Y, returning the test's p-values.
/// `conditional = false`: X, Y independent standard normals, Z empty (the plain permutation
/// test, exactly valid). `conditional = true`: every X column and Y are Z + noise with a scalar
/// Z, so X and Y are dependent but independent given Z (the local permutation test).
fn null_pvalues(dx: usize, reps: usize, n: usize, conditional: bool) -> Vec<f64> {
    null_pvalues_m(dx, reps, n, conditional, 5)
}

/// [`null_pvalues`] with `m` shuffle neighbours.
fn null_pvalues_m(dx: usize, reps: usize, n: usize, conditional: bool, m: usize) -> Vec<f64> {
    (0..reps)
        .map(|rep| {
            let mut rng = ChaCha8Rng::seed_from_u64(1000 + rep as u64);
            let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
            let p = dx + 2;
            let w = if conditional { 1.0 } else { 0.0 };
            let mut v = Array2::<f64>::zeros((n, p));
            for i in 0..n {
                let z = g();
                for j in 0..dx {
                    v[[i, j]] = w * z + g();
                }
                v[[i, dx]] = w * z + g();
                v[[i, dx + 1]] = z;
            }
            let cols = names(p);
            let ds = Dataset::new(v, cols.clone())
                .unwrap()
                .with_groups(&[("X".to_string(), cols[..dx].to_vec())])
                .unwrap();
            let (ix, iy, iz) = (
                ds.index_of("X").unwrap(),
                ds.index_of(&cols[dx]).unwrap(),
                ds.index_of(&cols[dx + 1]).unwrap(),
            );
            let t = CmiKnn::new(
                &ds,
                &CmiKnnParams::new()
                    .knn(Knn::Fraction(0.1))
                    .permutations(99)
                    .shuffle_neighbors(m)
                    .seed(rep as u64),
            )
            .unwrap();
            let z: &[usize] = if conditional { &[iz] } else { &[] };
            t.test(ix, iy, z).unwrap().p_value
        })
        .collect()
}

/// Kolmogorov-Smirnov distances of the sample from U(0, 1): (two-sided D, one-sided
/// D+ = max(F_n(t) - t), the excess of small p-values that an anti-conservative test shows).
fn ks_uniform(p: &[f64]) -> (f64, f64) {
    let mut s = p.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len() as f64;
    let mut d = 0.0f64;
    let mut dplus = 0.0f64;
    for (i, &v) in s.iter().enumerate() {
        let above = (i + 1) as f64 / n - v;
        dplus = dplus.max(above);
        d = d.max(above.abs()).max((v - i as f64 / n).abs());
    }
    (d, dplus)
}

/// Calibration under independence for 1-, 8- and 32-dimensional X: 120 datasets (n = 200, 99
/// permutations) each. The 1% critical value of the KS distance for 120 samples is
/// 1.63 / sqrt(120) = 0.149.
///
/// - Unconditional (plain permutations, exact): two-sided KS < 0.149.
/// - Conditional (local permutations within 5 Z-neighbours, approximate): no excess of small
///   p-values (one-sided D+ < 0.149; rejection rate at 5% below 0.1). The local test is
///   conservative for high-dimensional X strongly tied to Z at these sample sizes (measured
///   two-sided KS at n = 200: 0.100, 0.175 and 0.215 for dx = 1, 8, 32, all on the high-p side;
///   rejection rates 0.017-0.033), as Runge (2018) reports; with dx = 1 it is uniform. The
///   conservatism comes from the narrow shuffle neighbourhood (5 of 200 samples): see
///   `conditional_calibration_with_wider_shuffle_neighbourhood` and `shuffle_neighbours_study`.
#[test]
fn pvalues_uniform_under_independence_1_8_32_dims() {
    for dx in [1usize, 8, 32] {
        let p = null_pvalues(dx, 120, 200, false);
        let (ks, _) = ks_uniform(&p);
        eprintln!("unconditional dx = {dx}: KS {ks:.3}");
        assert!(ks < 0.149, "unconditional dx = {dx}: KS distance {ks}");

        let p = null_pvalues(dx, 120, 200, true);
        let (ks, dplus) = ks_uniform(&p);
        let reject = p.iter().filter(|&&v| v <= 0.05).count() as f64 / p.len() as f64;
        eprintln!("conditional dx = {dx}: KS {ks:.3}, D+ {dplus:.3}, rejection rate {reject:.3}");
        assert!(dplus < 0.149, "conditional dx = {dx}: D+ {dplus}");
        assert!(
            reject < 0.1,
            "conditional dx = {dx}: rejection rate {reject}"
        );
        if dx == 1 {
            assert!(ks < 0.149, "conditional dx = 1: KS distance {ks}");
        }
    }
}

/// Heavier calibration (300 datasets per dimension, n = 500). Run with
/// `cargo test -p causal-search --release --test cmiknn -- --ignored calibration_heavy`.
#[test]
#[ignore]
fn calibration_heavy() {
    let crit = 1.63 / 300f64.sqrt();
    for dx in [1usize, 8, 32] {
        let (ks, _) = ks_uniform(&null_pvalues(dx, 300, 500, false));
        let (ksc, dplus) = ks_uniform(&null_pvalues(dx, 300, 500, true));
        eprintln!("dx = {dx}: unconditional KS {ks:.3}; conditional KS {ksc:.3}, D+ {dplus:.3}");
        assert!(ks < crit && dplus < crit, "dx = {dx}");
    }
}

/// The conditional test's conservatism for 8- and 32-dimensional X (above) is the shuffle
/// neighbourhood's: with 20 shuffle neighbours (0.1 n) instead of 5, the p-values are uniform
/// (two-sided KS below the 1% critical value 0.149; measured 0.090 and 0.068). With 50
/// (0.25 n) the test turns anti-conservative (the permutation no longer keeps X's dependence on
/// Z; KS 0.24 and 0.38 towards small p-values), see `shuffle_neighbours_study`.
#[test]
fn conditional_calibration_with_wider_shuffle_neighbourhood() {
    for dx in [8usize, 32] {
        let p = null_pvalues_m(dx, 120, 200, true, 20);
        let (ks, _) = ks_uniform(&p);
        eprintln!("conditional dx = {dx}, 20 shuffle neighbours: KS {ks:.3}");
        assert!(ks < 0.149, "dx = {dx}: KS {ks}");
    }
}

/// How the calibration of the conditional (local permutation) test depends on the number of
/// shuffle neighbours `m`, for 1-, 8- and 32-dimensional X (120 datasets, n = 200, as in
/// `pvalues_uniform_under_independence_1_8_32_dims`). Prints the two-sided KS distance, the
/// one-sided distances D+ (excess of small p-values: anti-conservative) and D- (excess of large
/// p-values: conservative), the mean p-value (0.5 if calibrated) and the rejection rate at 5%.
/// Measured results are in docs/benchmarks.md (causal-search, third session). Run with
/// `cargo test -p causal-search --release --test cmiknn -- --ignored --nocapture shuffle_neighbours_study`.
#[test]
#[ignore]
fn shuffle_neighbours_study() {
    for dx in [1usize, 8, 32] {
        for m in [3usize, 5, 10, 20, 50] {
            let p = null_pvalues_m(dx, 120, 200, true, m);
            let (ks, dplus) = ks_uniform(&p);
            let dminus = ks_uniform(&p.iter().map(|v| 1.0 - v).collect::<Vec<_>>()).1;
            let mean = p.iter().sum::<f64>() / p.len() as f64;
            let reject = p.iter().filter(|&&v| v <= 0.05).count() as f64 / p.len() as f64;
            eprintln!(
                "dx = {dx:2} m = {m:2}: KS {ks:.3}  D+ {dplus:.3}  D- {dminus:.3}  mean p {mean:.3}  reject {reject:.3}"
            );
            assert!((0.0..=1.0).contains(&mean));
        }
    }
}

#[test]
fn detects_conditional_dependence() {
    let ds = gaussian(400, 0.6, 5);
    let t = CmiKnn::new(
        &ds,
        &CmiKnnParams::new()
            .knn(Knn::Fraction(0.1))
            .permutations(99)
            .seed(2),
    )
    .unwrap();
    let r = t.test(0, 1, &[2]).unwrap();
    assert!(r.p_value <= 0.02, "{r:?}");
    assert!(r.statistic > 0.1);
}

#[test]
fn deterministic_order_free_and_thread_independent() {
    let ds = gaussian(300, 0.2, 6);
    let params = CmiKnnParams::new().permutations(50).seed(9);
    let t = CmiKnn::new(&ds, &params).unwrap();
    let a = t.test_with_null(0, 1, &[2]).unwrap();
    let b = t.test_with_null(0, 1, &[2]).unwrap();
    assert_eq!(a, b);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let c = one.install(|| t.test_with_null(0, 1, &[2]).unwrap());
    assert_eq!(a, c);
    let cached = CachedTest::new(CmiKnn::new(&ds, &params).unwrap());
    assert_eq!(
        cached.test(1, 0, &[2]).unwrap(),
        t.test(0, 1, &[2]).unwrap()
    );
    let other = CmiKnn::new(&ds, &params.clone().seed(10)).unwrap();
    assert_ne!(other.test_with_null(0, 1, &[2]).unwrap().null, a.null);
    // tigramite's p-value convention: #{null >= I} / B.
    let tg = CmiKnn::new(&ds, &params.clone().plus_one(false)).unwrap();
    let o = tg.test_with_null(0, 1, &[2]).unwrap();
    let exceed = o.null.iter().filter(|&&v| v >= o.result.statistic).count();
    assert_eq!(o.result.p_value, exceed as f64 / 50.0);
    assert_eq!(a.result.p_value, (exceed + 1) as f64 / 51.0);
}

#[test]
fn typed_errors() {
    let mut v = Array2::<f64>::zeros((50, 3));
    for i in 0..50 {
        v[[i, 0]] = i as f64;
        v[[i, 1]] = (i * i % 7) as f64;
        v[[i, 2]] = 1.0; // constant
    }
    let ds = Dataset::new(v, names(3)).unwrap();
    let t = CmiKnn::new(&ds, &CmiKnnParams::new().permutations(10)).unwrap();
    assert!(matches!(
        t.test(0, 1, &[2]),
        Err(CausalError::ConstantColumn { .. })
    ));
    assert!(matches!(
        t.test(0, 3, &[]),
        Err(CausalError::IndexOutOfRange { index: 3, n: 3 })
    ));
    assert!(t.test(0, 0, &[]).is_err());
    assert!(matches!(
        CmiKnn::new(&ds, &CmiKnnParams::new().knn(Knn::Absolute(50))),
        Err(CausalError::TooFewSamples { .. })
    ));
    for bad in [
        CmiKnnParams::new().knn(Knn::Fraction(1.5)),
        CmiKnnParams::new().knn(Knn::Absolute(0)),
        CmiKnnParams::new().shuffle_neighbors(0),
        CmiKnnParams::new().permutations(0),
    ] {
        assert!(matches!(
            CmiKnn::new(&ds, &bad),
            Err(CausalError::InvalidParameter { .. })
        ));
    }
}
