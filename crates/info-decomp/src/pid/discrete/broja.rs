//! BROJA unique information (Bertschinger, Rauh, Olbrich, Jost, Ay 2014) on a probability table,
//! by our own log-barrier interior-point (Newton) solver.
//!
//! With `Delta_P` the distributions `Q(s1, s2, t)` that share the `(S1, T)` and `(S2, T)`
//! marginals of `P`, the unique information of S1 is `UI_1 = min_Q I_Q(T; S1 | S2)`. Since
//! `I_Q(T; S2)` is fixed on `Delta_P`, this is the same as minimising `I_Q(T; S1, S2)`, i.e.
//! maximising the concave `H_Q(T | S1, S2)`; then (nats)
//! `R = I(T;S1) + I(T;S2) - min_Q I_Q(T; S1, S2)`, `U_i = I(T;S_i) - R`,
//! `S = I_P(T; S1, S2) - min_Q I_Q(T; S1, S2)`.
//!
//! Solver: for each target value `t`, `Q(., ., t)` is a coupling of `P(s1, t)` and `P(s2, t)`
//! on the pairs where both are positive (elsewhere `Q = 0` is forced). Starting from the product
//! coupling `P(s1,t) P(s2,t) / P(t)` (strictly inside), Newton steps on
//! `-H_Q(T|S1,S2) - mu sum ln Q` move along the null space of the marginal constraints (spanned
//! by the elementary 2x2 exchanges `+e(a,b) - e(a,b0) - e(a0,b) + e(a0,b0)`), with a
//! fraction-to-the-boundary rule and Armijo backtracking; `mu` falls from `1e-2` to `1e-13`, so
//! the optimum is attained to within `m * 1e-13` nats (`m` free entries: the log-barrier duality
//! gap). Cost: `O(K^2 m)` per Newton step for `K` exchange directions, which suits the small
//! tables PIDs are validated on.

use super::JointDist;
use crate::error::InfoError;
use crate::pid::Atoms;

/// The solution of the BROJA optimisation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BrojaSolution {
    /// The PID atoms (nats).
    pub atoms: Atoms,
    /// `min_Q I_Q(T; S1, S2)` over `Delta_P` (nats).
    pub min_joint_mi: f64,
    /// The optimal distribution `Q[[s1, s2, t]]`.
    pub q: ndarray::Array3<f64>,
    /// Newton steps taken.
    pub newton_steps: usize,
}

/// BROJA PID atoms (nats) of a table. See [`broja_solve`] for the optimiser's output.
///
/// ```
/// use info_decomp::pid::discrete::{JointDist, broja};
/// // AND gate: 0.3113 bits of redundancy and 0.5 bits of synergy
/// let and = JointDist::from_outcomes(&[(0, 0, 0, 0.25), (0, 1, 0, 0.25), (1, 0, 0, 0.25), (1, 1, 1, 0.25)]).unwrap();
/// let a = broja(&and).unwrap().to_bits();
/// assert!((a.redundancy - 0.311278).abs() < 1e-6 && (a.synergy - 0.5).abs() < 1e-6);
/// ```
pub fn broja(d: &JointDist) -> Result<Atoms, InfoError> {
    Ok(broja_solve(d)?.atoms)
}

/// Solve the BROJA optimisation of a table. Errors: [`InfoError::InvalidParameter`] if the
/// Newton iterations break down (a non-finite value or a singular reduced Hessian).
pub fn broja_solve(d: &JointDist) -> Result<BrojaSolution, InfoError> {
    let p = d.table();
    let (n1, n2, nt) = p.dim();
    let p1 = d.p_st(1);
    let p2 = d.p_st(2);
    let pt = d.p_t();
    // free entries (a, b, t) and the starting point (product coupling per t)
    let mut var: Vec<(usize, usize, usize)> = Vec::new();
    let mut x: Vec<f64> = Vec::new();
    // exchange directions: four (variable, sign) pairs each
    let mut dirs: Vec<[(usize, f64); 4]> = Vec::new();
    for t in 0..nt {
        if pt[t] <= 0.0 {
            continue;
        }
        let rows: Vec<usize> = (0..n1).filter(|&a| p1[[a, t]] > 0.0).collect();
        let cols: Vec<usize> = (0..n2).filter(|&b| p2[[b, t]] > 0.0).collect();
        let base = var.len();
        for &a in &rows {
            for &b in &cols {
                var.push((a, b, t));
                x.push(p1[[a, t]] * p2[[b, t]] / pt[t]);
            }
        }
        let nc = cols.len();
        let at = |i: usize, j: usize| base + i * nc + j;
        for i in 1..rows.len() {
            for j in 1..nc {
                dirs.push([
                    (at(i, j), 1.0),
                    (at(i, 0), -1.0),
                    (at(0, j), -1.0),
                    (at(0, 0), 1.0),
                ]);
            }
        }
    }
    let m = var.len();
    // groups: entries sharing (s1, s2)
    let mut group_of = vec![0usize; m];
    let mut group_id = vec![usize::MAX; n1 * n2];
    let mut ngroups = 0;
    for (i, &(a, b, _)) in var.iter().enumerate() {
        let g = &mut group_id[a * n2 + b];
        if *g == usize::MAX {
            *g = ngroups;
            ngroups += 1;
        }
        group_of[i] = *g;
    }
    let group_sums = |x: &[f64]| {
        let mut s = vec![0.0; ngroups];
        for (i, &v) in x.iter().enumerate() {
            s[group_of[i]] += v;
        }
        s
    };
    // F(x) = sum x ln x - sum_g X_g ln X_g = -H_Q(T | S1, S2)
    let objective = |x: &[f64]| {
        let xl: f64 = x.iter().filter(|&&v| v > 0.0).map(|&v| v * v.ln()).sum();
        let gl: f64 = group_sums(x)
            .iter()
            .filter(|&&v| v > 0.0)
            .map(|&v| v * v.ln())
            .sum();
        xl - gl
    };
    let barrier = |x: &[f64], mu: f64| objective(x) - mu * x.iter().map(|v| v.ln()).sum::<f64>();
    let k = dirs.len();
    let mut steps = 0usize;
    if k > 0 {
        let mut mu = 1e-2;
        while mu >= 1e-13 {
            for _ in 0..200 {
                let xg = group_sums(&x);
                // gradient and Hessian diagonal of the barrier function
                let grad: Vec<f64> = (0..m)
                    .map(|i| (x[i] / xg[group_of[i]]).ln() - mu / x[i])
                    .collect();
                let diag: Vec<f64> = (0..m).map(|i| 1.0 / x[i] + mu / (x[i] * x[i])).collect();
                // reduced gradient and Hessian in the exchange coordinates
                let gz: Vec<f64> = dirs
                    .iter()
                    .map(|dv| dv.iter().map(|&(i, s)| s * grad[i]).sum())
                    .collect();
                let gs: Vec<Vec<(usize, f64)>> = dirs
                    .iter()
                    .map(|dv| {
                        let mut v: Vec<(usize, f64)> = Vec::with_capacity(4);
                        for &(i, s) in dv {
                            let g = group_of[i];
                            match v.iter_mut().find(|e| e.0 == g) {
                                Some(e) => e.1 += s,
                                None => v.push((g, s)),
                            }
                        }
                        v
                    })
                    .collect();
                let mut h = vec![0.0; k * k];
                for a in 0..k {
                    for b in a..k {
                        let mut v = 0.0;
                        for &(i, s) in &dirs[a] {
                            for &(j, r) in &dirs[b] {
                                if i == j {
                                    v += s * r * diag[i];
                                }
                            }
                        }
                        for &(g, s) in &gs[a] {
                            for &(f, r) in &gs[b] {
                                if g == f {
                                    v -= s * r / xg[g];
                                }
                            }
                        }
                        h[a * k + b] = v;
                        h[b * k + a] = v;
                    }
                }
                let dz = solve_spd(&mut h, &gz, k).ok_or_else(|| breakdown("singular Hessian"))?;
                // Newton direction -dz; decrement lambda^2 = g . dz
                let lambda2: f64 = gz.iter().zip(&dz).map(|(g, z)| g * z).sum();
                if !lambda2.is_finite() {
                    return Err(breakdown("non-finite Newton decrement"));
                }
                if lambda2 / 2.0 < 1e-15 {
                    break;
                }
                let mut dx = vec![0.0; m];
                for (dv, &z) in dirs.iter().zip(&dz) {
                    for &(i, s) in dv {
                        dx[i] -= s * z;
                    }
                }
                let mut alpha: f64 = 1.0;
                for (xi, di) in x.iter().zip(&dx) {
                    if *di < 0.0 {
                        alpha = alpha.min(0.99 * (-xi / di));
                    }
                }
                let f0 = barrier(&x, mu);
                let mut trial: Vec<f64>;
                loop {
                    trial = x.iter().zip(&dx).map(|(a, b)| a + alpha * b).collect();
                    if trial.iter().all(|&v| v > 0.0)
                        && barrier(&trial, mu) <= f0 - 0.25 * alpha * lambda2
                    {
                        break;
                    }
                    alpha *= 0.5;
                    if alpha < 1e-12 {
                        break;
                    }
                }
                steps += 1;
                if alpha < 1e-12 {
                    break; // no further progress at machine precision
                }
                x = trial;
            }
            mu *= 0.1;
        }
    }
    let h_t: f64 = -pt
        .iter()
        .filter(|&&v| v > 0.0)
        .map(|&v| v * v.ln())
        .sum::<f64>();
    let min_joint_mi = h_t + objective(&x);
    if !min_joint_mi.is_finite() {
        return Err(breakdown("non-finite optimum"));
    }
    let (i1, i2) = (d.mi_source(1), d.mi_source(2));
    let atoms = d.atoms(i1 + i2 - min_joint_mi);
    let mut q = ndarray::Array3::<f64>::zeros((n1, n2, nt));
    for (&(a, b, t), &v) in var.iter().zip(&x) {
        q[[a, b, t]] = v;
    }
    Ok(BrojaSolution {
        atoms,
        min_joint_mi,
        q,
        newton_steps: steps,
    })
}

fn breakdown(why: &str) -> InfoError {
    InfoError::InvalidParameter {
        name: "table",
        reason: format!("the BROJA Newton iterations broke down ({why})"),
    }
}

/// Solve `H z = g` for a symmetric positive definite `H` (row-major `k x k`, overwritten by its
/// Cholesky factor). `None` if `H` is not numerically positive definite.
fn solve_spd(h: &mut [f64], g: &[f64], k: usize) -> Option<Vec<f64>> {
    for j in 0..k {
        let mut d = h[j * k + j];
        for l in 0..j {
            d -= h[j * k + l] * h[j * k + l];
        }
        if d.is_nan() || d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        h[j * k + j] = d;
        for i in j + 1..k {
            let mut v = h[i * k + j];
            for l in 0..j {
                v -= h[i * k + l] * h[j * k + l];
            }
            h[i * k + j] = v / d;
        }
    }
    let mut y = g.to_vec();
    for i in 0..k {
        for l in 0..i {
            y[i] -= h[i * k + l] * y[l];
        }
        y[i] /= h[i * k + i];
    }
    for i in (0..k).rev() {
        for l in i + 1..k {
            y[i] -= h[l * k + i] * y[l];
        }
        y[i] /= h[i * k + i];
    }
    Some(y)
}
