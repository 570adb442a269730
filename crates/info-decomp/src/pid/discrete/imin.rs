//! I_min (Williams & Beer 2010): `R = sum_t p(t) min_i I(T=t; S_i)` with the specific
//! information `I(T=t; S_i) = sum_s p(s|t) ln[p(t|s) / p(t)]`.

use super::JointDist;
use crate::pid::Atoms;

/// I_min atoms (nats).
pub fn imin(d: &JointDist) -> Atoms {
    let pt = d.p_t();
    let spec = |which: u8, t: usize| -> f64 {
        let pst = d.p_st(which);
        let mut v = 0.0;
        for s in 0..pst.nrows() {
            let q = pst[[s, t]];
            if q > 0.0 {
                let ps: f64 = pst.row(s).sum();
                v += q / pt[t] * ((q / ps) / pt[t]).ln();
            }
        }
        v
    };
    let red = (0..pt.len())
        .filter(|&t| pt[t] > 0.0)
        .map(|t| pt[t] * spec(1, t).min(spec(2, t)))
        .sum();
    d.atoms(red)
}
