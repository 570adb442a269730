//! I_ccs (Ince 2017) on a table.
//!
//! The pointwise terms are evaluated under `q`, the maximum-entropy distribution with the same
//! marginals `p(s1,s2)`, `p(s1,t)`, `p(s2,t)` (found by iterative proportional fitting from the
//! uniform table, to 1e-14). With local co-information `c = i(s1;t) + i(s2;t) - i(s1,s2;t)`
//! under `q`, `R = sum q(e) c(e)` over outcomes whose `c` has the sign of all three local
//! mutual informations (values within 1e-10 of 0 count as 0). The unique and synergistic atoms
//! use the mutual informations of `p`.

use ndarray::{Array2, Array3};

use super::JointDist;
use crate::pid::Atoms;

fn sign(v: f64) -> i8 {
    if v > 1e-10 {
        1
    } else if v < -1e-10 {
        -1
    } else {
        0
    }
}

/// Maximum-entropy table with the pairwise marginals of `d` (IPF).
pub fn maxent_pairwise(d: &JointDist) -> Array3<f64> {
    let (n1, n2, nt) = d.table().dim();
    let (m12, m1t, m2t) = (d.p_s12(), d.p_st(1), d.p_st(2));
    let mut q = Array3::<f64>::from_elem((n1, n2, nt), 1.0 / (n1 * n2 * nt) as f64);
    for _ in 0..10_000 {
        let mut change = 0.0f64;
        // fit p(s1, s2)
        let c12 = Array2::from_shape_fn((n1, n2), |(a, b)| {
            (0..nt).map(|t| q[[a, b, t]]).sum::<f64>()
        });
        for ((a, b, _), v) in q.indexed_iter_mut() {
            let nv = if c12[[a, b]] > 0.0 {
                *v * m12[[a, b]] / c12[[a, b]]
            } else {
                0.0
            };
            change = change.max((nv - *v).abs());
            *v = nv;
        }
        let c1t = Array2::from_shape_fn((n1, nt), |(a, t)| {
            (0..n2).map(|b| q[[a, b, t]]).sum::<f64>()
        });
        for ((a, _, t), v) in q.indexed_iter_mut() {
            let nv = if c1t[[a, t]] > 0.0 {
                *v * m1t[[a, t]] / c1t[[a, t]]
            } else {
                0.0
            };
            change = change.max((nv - *v).abs());
            *v = nv;
        }
        let c2t = Array2::from_shape_fn((n2, nt), |(b, t)| {
            (0..n1).map(|a| q[[a, b, t]]).sum::<f64>()
        });
        for ((_, b, t), v) in q.indexed_iter_mut() {
            let nv = if c2t[[b, t]] > 0.0 {
                *v * m2t[[b, t]] / c2t[[b, t]]
            } else {
                0.0
            };
            change = change.max((nv - *v).abs());
            *v = nv;
        }
        if change < 1e-14 {
            break;
        }
    }
    q
}

/// I_ccs atoms (nats).
pub fn iccs(d: &JointDist) -> Atoms {
    let q = maxent_pairwise(d);
    let qd = JointDist { p: q.clone() };
    let (q1t, q2t, q12, qt) = (qd.p_st(1), qd.p_st(2), qd.p_s12(), qd.p_t());
    let q1: Vec<f64> = q1t.rows().into_iter().map(|r| r.sum()).collect();
    let q2: Vec<f64> = q2t.rows().into_iter().map(|r| r.sum()).collect();
    let mut red = 0.0;
    for ((a, b, t), &v) in q.indexed_iter() {
        if v <= 0.0 {
            continue;
        }
        let i1 = (q1t[[a, t]] / (q1[a] * qt[t])).ln();
        let i2 = (q2t[[b, t]] / (q2[b] * qt[t])).ln();
        let i12 = (v / (q12[[a, b]] * qt[t])).ln();
        let c = i1 + i2 - i12;
        let sc = sign(c);
        if sc == sign(i1) && sc == sign(i2) && sc == sign(i12) {
            red += v * c;
        }
    }
    d.atoms(red)
}
