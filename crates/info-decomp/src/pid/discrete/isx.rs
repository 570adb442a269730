//! Pointwise shared-exclusion redundancy I_sx (Makkeh, Gutknecht, Wibral 2021):
//! `i_sx(t: s1; s2) = ln [P(t, s1 v s2) / (P(t) P(s1 v s2))]`, with the union event
//! "S1 = s1 or S2 = s2": `P(s1 v s2) = p(s1) + p(s2) - p(s1,s2)` and
//! `P(t, s1 v s2) = p(s1,t) + p(s2,t) - p(s1,s2,t)`. `R` is its average under `p`.

use ndarray::Array3;

use super::JointDist;
use crate::pid::Atoms;

/// Local I_sx redundancy (nats) for every outcome (0 where `p = 0`).
pub fn isx_local(d: &JointDist) -> Array3<f64> {
    let p = d.table();
    let (p1t, p2t, p12, pt) = (d.p_st(1), d.p_st(2), d.p_s12(), d.p_t());
    let p1: Vec<f64> = p1t.rows().into_iter().map(|r| r.sum()).collect();
    let p2: Vec<f64> = p2t.rows().into_iter().map(|r| r.sum()).collect();
    Array3::from_shape_fn(p.dim(), |(a, b, t)| {
        if p[[a, b, t]] <= 0.0 {
            return 0.0;
        }
        let union = p1[a] + p2[b] - p12[[a, b]];
        let joint = p1t[[a, t]] + p2t[[b, t]] - p[[a, b, t]];
        (joint / (pt[t] * union)).ln()
    })
}

/// I_sx atoms (nats).
pub fn isx(d: &JointDist) -> Atoms {
    let local = isx_local(d);
    let red = d.table().iter().zip(local.iter()).map(|(p, r)| p * r).sum();
    d.atoms(red)
}
