//! Discrete PIDs on the canonical gates (values in bits).
use info_decomp::pid::discrete::{JointDist, iccs, imin, isx, mmi};
use info_decomp::{Atoms, InfoError};
use ndarray::Array3;

fn gate(f: impl Fn(usize, usize) -> usize) -> JointDist {
    let mut o = Vec::new();
    for a in 0..2 {
        for b in 0..2 {
            o.push((a, b, f(a, b), 0.25));
        }
    }
    JointDist::from_outcomes(&o).unwrap()
}

fn rdn() -> JointDist {
    JointDist::from_outcomes(&[(0, 0, 0, 0.5), (1, 1, 1, 0.5)]).unwrap()
}

fn close(a: Atoms, e: [f64; 4], what: &str) {
    let g = [a.redundancy, a.unique1, a.unique2, a.synergy];
    for (x, y) in g.iter().zip(e) {
        assert!((x - y).abs() < 1e-4, "{what}: got {g:?}, expected {e:?}");
    }
}

fn log2(x: f64) -> f64 {
    x.log2()
}

#[test]
fn xor_is_pure_synergy_except_isx() {
    let xor = gate(|a, b| a ^ b);
    for (name, f) in [
        ("mmi", mmi as fn(&JointDist) -> Atoms),
        ("imin", imin),
        ("iccs", iccs),
    ] {
        close(f(&xor).to_bits(), [0.0, 0.0, 0.0, 1.0], name);
    }
    // I_sx: redundancy log2(2/3), unique parts -log2(2/3), synergy 1 + log2(2/3)
    let r = log2(2.0 / 3.0);
    close(isx(&xor).to_bits(), [r, -r, -r, 1.0 + r], "isx");
}

#[test]
fn and_gate_published_atoms() {
    let and = gate(|a, b| a & b);
    // MMI and I_min: 0.3113 / 0 / 0 / 0.5 bits
    close(mmi(&and).to_bits(), [0.311_278, 0.0, 0.0, 0.5], "mmi");
    close(imin(&and).to_bits(), [0.311_278, 0.0, 0.0, 0.5], "imin");
    // I_ccs (Ince 2017): 0.1038 / 0.2075 / 0.2075 / 0.2925 bits
    close(
        iccs(&and).to_bits(),
        [0.103_759, 0.207_519, 0.207_519, 0.292_481],
        "iccs",
    );
    // I_sx by hand: outcomes 00,11 have i = log2(4/3); 01,10 have log2(8/9)
    let r = 0.25 * (2.0 * log2(4.0 / 3.0) + 2.0 * log2(8.0 / 9.0));
    let i1 = 0.311_278_124_459_132_8;
    close(
        isx(&and).to_bits(),
        [r, i1 - r, i1 - r, 0.811_278_124_459_132_8 - 2.0 * i1 + r],
        "isx",
    );
    assert!((r - 0.1226).abs() < 1e-4);
}

#[test]
fn rdn_and_unq_gates() {
    let d = rdn();
    for (name, f) in [
        ("mmi", mmi as fn(&JointDist) -> Atoms),
        ("imin", imin),
        ("iccs", iccs),
        ("isx", isx),
    ] {
        close(f(&d).to_bits(), [1.0, 0.0, 0.0, 0.0], name);
    }
    let unq = gate(|a, _| a);
    for (name, f) in [
        ("mmi", mmi as fn(&JointDist) -> Atoms),
        ("imin", imin),
        ("iccs", iccs),
    ] {
        close(f(&unq).to_bits(), [0.0, 1.0, 0.0, 0.0], name);
    }
    // I_sx on UNQ: every outcome has i = log2(4/3) (misinformative unique part of S2)
    let r = log2(4.0 / 3.0);
    close(isx(&unq).to_bits(), [r, 1.0 - r, -r, r], "isx");
}

#[test]
fn invalid_tables_are_typed_errors() {
    let mut p = Array3::<f64>::zeros((2, 2, 2));
    p[[0, 0, 0]] = 0.7;
    assert!(matches!(
        JointDist::new(p.clone()),
        Err(InfoError::InvalidDistribution(_))
    ));
    p[[1, 1, 1]] = 0.4;
    p[[0, 1, 1]] = -0.1;
    assert!(matches!(
        JointDist::new(p.clone()),
        Err(InfoError::InvalidDistribution(_))
    ));
    p[[0, 1, 1]] = f64::NAN;
    assert!(matches!(
        JointDist::new(p),
        Err(InfoError::InvalidDistribution(_))
    ));
    assert!(JointDist::new(Array3::zeros((0, 2, 2))).is_err());
}

/// BROJA on the canonical gates of dit's documentation (bits), to 1e-6:
/// XOR 0/0/0/1, AND 0.311278/0/0/0.5, COPY 0/1/1/0, RDN 1/0/0/0, UNQ 0/1/0/0.
#[test]
fn broja_canonical_gates() {
    use info_decomp::pid::discrete::{broja, broja_solve};
    let exact = |a: Atoms, e: [f64; 4], what: &str| {
        let g = [a.redundancy, a.unique1, a.unique2, a.synergy];
        for (x, y) in g.iter().zip(e) {
            assert!((x - y).abs() < 1e-6, "{what}: got {g:?}, expected {e:?}");
        }
        assert!((a.sum() - a.total).abs() < 1e-12);
    };
    let and_r = 1.5 - 0.75 * log2(3.0); // I(T;S1) for AND = 0.311278 bits
    exact(
        broja(&gate(|a, b| a ^ b)).unwrap().to_bits(),
        [0.0, 0.0, 0.0, 1.0],
        "xor",
    );
    exact(
        broja(&gate(|a, b| a & b)).unwrap().to_bits(),
        [and_r, 0.0, 0.0, 0.5],
        "and",
    );
    exact(
        broja(&gate(|a, b| 2 * a + b)).unwrap().to_bits(),
        [0.0, 1.0, 1.0, 0.0],
        "copy",
    );
    exact(
        broja(&rdn()).unwrap().to_bits(),
        [1.0, 0.0, 0.0, 0.0],
        "rdn",
    );
    exact(
        broja(&gate(|a, _| a)).unwrap().to_bits(),
        [0.0, 1.0, 0.0, 0.0],
        "unq",
    );
    // the optimum keeps both pairwise marginals of P
    let and = gate(|a, b| a & b);
    let sol = broja_solve(&and).unwrap();
    let p = and.table();
    for a in 0..2 {
        for t in 0..2 {
            let q: f64 = (0..2).map(|b| sol.q[[a, b, t]]).sum();
            let r: f64 = (0..2).map(|b| p[[a, b, t]]).sum();
            assert!((q - r).abs() < 1e-12);
        }
    }
}

/// On random tables BROJA atoms are non-negative, the optimum does not exceed I_P(T;S1,S2), and
/// the redundancy never exceeds MMI's.
#[test]
fn broja_random_tables_are_consistent() {
    use info_decomp::pid::discrete::broja_solve;
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    for (n1, n2, nt) in [(2, 2, 2), (3, 2, 3), (3, 3, 2), (4, 3, 3)] {
        let mut p = Array3::<f64>::from_shape_fn((n1, n2, nt), |_| rng.random::<f64>().powi(3));
        let s = p.sum();
        p /= s;
        let d = JointDist::new(p).unwrap();
        let sol = broja_solve(&d).unwrap();
        let a = sol.atoms;
        for v in [a.redundancy, a.unique1, a.unique2, a.synergy] {
            assert!(v > -1e-9, "{n1}x{n2}x{nt}: {a:?}");
        }
        assert!(sol.min_joint_mi <= d.mi_joint() + 1e-12);
        assert!(a.redundancy <= a.i1.min(a.i2) + 1e-9);
        let m = mmi(&d);
        assert!(a.redundancy <= m.redundancy + 1e-9);
    }
}

/// Independent check of the optimiser on 2x2x2 tables: `Delta_P` is two-dimensional (one 2x2
/// exchange per target value), and a nested ternary search over that convex problem finds the
/// same minimum of I_Q(T; S1, S2) to 1e-9 nats.
#[test]
fn broja_matches_a_direct_search_on_binary_tables() {
    use info_decomp::pid::discrete::broja_solve;
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    for _ in 0..5 {
        let mut p = Array3::<f64>::from_shape_fn((2, 2, 2), |_| 0.05 + rng.random::<f64>());
        let s = p.sum();
        p /= s;
        let d = JointDist::new(p.clone()).unwrap();
        // Q(., ., t) = P(., ., t) + theta_t [[1, -1], [-1, 1]], feasible while entries >= 0
        let range = |t: usize| {
            let lo = -(p[[0, 0, t]].min(p[[1, 1, t]]));
            let hi = p[[0, 1, t]].min(p[[1, 0, t]]);
            (lo, hi)
        };
        let mi = |th: [f64; 2]| {
            let mut q = p.clone();
            for t in 0..2 {
                q[[0, 0, t]] += th[t];
                q[[1, 1, t]] += th[t];
                q[[0, 1, t]] -= th[t];
                q[[1, 0, t]] -= th[t];
            }
            q.mapv_inplace(|v| v.max(0.0));
            JointDist::new(q).unwrap().mi_joint()
        };
        let ternary = |lo: f64, hi: f64, f: &dyn Fn(f64) -> f64| {
            let (mut a, mut b) = (lo, hi);
            for _ in 0..100 {
                let (m1, m2) = (a + (b - a) / 3.0, b - (b - a) / 3.0);
                if f(m1) <= f(m2) { b = m2 } else { a = m1 }
            }
            f((a + b) / 2.0)
        };
        let (lo0, hi0) = range(0);
        let (lo1, hi1) = range(1);
        let best = ternary(lo0, hi0, &|a| ternary(lo1, hi1, &|b| mi([a, b])));
        let sol = broja_solve(&d).unwrap();
        assert!(
            (sol.min_joint_mi - best).abs() < 1e-9,
            "{} vs direct {best}",
            sol.min_joint_mi
        );
    }
}
