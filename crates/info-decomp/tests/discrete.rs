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
