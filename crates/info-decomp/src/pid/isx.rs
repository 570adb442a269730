//! Shared-exclusion redundancy I_sx for continuous variables, kNN estimator
//! (Makkeh, Gutknecht, Wibral 2021; Ehrlich et al. 2024).
//!
//! The local redundancy of a sample `(t, s1, s2)` is the local mutual information between the
//! target event and the *union* event "S1 near s1 **or** S2 near s2":
//! `i_sx = ln p(t | s1 v s2) / p(t)`. In the limit of shrinking max-norm balls of one common radius
//! (sources of equal dimension, so both balls have the same volume) its population value is
//! `ln [(p(t,s1) + p(t,s2)) / (p(t) (p(s1) + p(s2)))]`.
//!
//! Estimator (KSG-1 style, counts strictly inside the radius):
//! 1. `eps_i` = distance to the k-th neighbour under the pseudo-distance
//!    `D(i,j) = max(d_T, min(d_S1, d_S2)) = min(D_(T,S1), D_(T,S2))` (all max norms);
//!    its k nearest neighbours lie among the k nearest in (T,S1) and in (T,S2), so two kd-tree
//!    queries give it exactly, in `O(N log N)` overall;
//! 2. `n_t` = samples strictly within `eps_i` in T; `n_u` = samples strictly within `eps_i` in S1
//!    or in S2 = `n_s1 + n_s2 - n_(s1,s2)` (union-ball count by inclusion-exclusion; `n_s1` and
//!    `n_(s1,s2)` come from one walk over the S1 ball, checking each point's S2 distance);
//! 3. local value `psi(k) + psi(N) - psi(n_t + 1) - psi(n_u + 1)`; the estimate is their mean.
//!
//! The PID uses KSG estimator 1 with the same `k` for I(Y;X1), I(Y;X2) and I(Y;X1,X2); the
//! first two reuse the redundancy's neighbour searches in (Y,X1) and (Y,X2) and its indexes
//! (bit-identical to separate KSG runs). Data with
//! repeated values receive the seeded jitter of [`knn_estimators::counts`] once, before all four
//! estimates.

use knn_estimators::counts::{columns_with_ties, jitter_columns};
use knn_estimators::{Boundary, DigammaTable, JitterMode, KnnIndex, KsgParams, Metric};
use ndarray::{ArrayView2, s};

use super::{Atoms, LocalAtoms, hstack};
use crate::error::InfoError;
use crate::mi::MiParams;

fn cheb(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
}

/// Local I_sx redundancy (nats) of target `t` and equal-dimension sources `s1`, `s2` with `k`
/// neighbours, on validated, tie-free data.
pub fn isx_local(
    t: ArrayView2<'_, f64>,
    s1: ArrayView2<'_, f64>,
    s2: ArrayView2<'_, f64>,
    k: usize,
) -> Result<Vec<f64>, InfoError> {
    Ok(isx_with_source_mis(t, s1, s2, k, false)?.redundancy)
}

/// Local values of the I_sx redundancy and of the KSG-1 mutual informations `I(T;S1)` and
/// `I(T;S2)`.
struct IsxLocals {
    redundancy: Vec<f64>,
    mi1: Vec<f64>,
    mi2: Vec<f64>,
}

/// [`isx_local`] plus (when `with_mis`; else they are empty) the KSG-1 local values of
/// `I(T;S1)` and `I(T;S2)`, which reuse its
/// k-nearest-neighbour searches in (T,S1) and (T,S2) and its T, S1 and S2 indexes: their
/// joint radii are the k-th distances found there, their counts strict counts in T and in
/// each source. Bit-identical to `KsgParams::mi(t, s_m)` with the same `k` (same radii,
/// same counts, same digamma arithmetic; tested).
fn isx_with_source_mis(
    t: ArrayView2<'_, f64>,
    s1: ArrayView2<'_, f64>,
    s2: ArrayView2<'_, f64>,
    k: usize,
    with_mis: bool,
) -> Result<IsxLocals, InfoError> {
    if s1.ncols() != s2.ncols() {
        return Err(InfoError::UnequalSourceDims {
            d1: s1.ncols(),
            d2: s2.ncols(),
        });
    }
    let n = t.nrows();
    if n < k + 1 || k == 0 {
        return Err(InfoError::TooFewSamples {
            what: format!("the I_sx estimator with k = {k}"),
            n,
            needed: k + 1,
        });
    }
    let ts1 = hstack(t, s1);
    let ts2 = hstack(t, s2);
    let build = |a: ArrayView2<'_, f64>| KnnIndex::new(a, Metric::Chebyshev);
    let ((i_ts1, i_ts2), ((i_t, i_s1), i_s2)) = rayon::join(
        || rayon::join(|| build(ts1.view()), || build(ts2.view())),
        || rayon::join(|| rayon::join(|| build(t), || build(s1)), || build(s2)),
    );
    let (i_ts1, i_ts2, i_t, i_s1, i_s2) = (i_ts1?, i_ts2?, i_t?, i_s1?, i_s2?);
    let psi = DigammaTable::new(n + 1);
    let base = psi.get(k) + psi.get(n);
    let dt = t.ncols();
    // separate passes, each in the leaf order of the tree it queries (cache-friendly)
    let eps: Vec<Result<(f64, f64, f64), InfoError>> = i_ts1.map_points(|i| {
        let a = i_ts1.knn_of_point(i, k)?;
        let b = i_ts2.knn_of_point(i, k)?;
        let p1 = i_ts1.point(i)?;
        let p2 = i_ts2.point(i)?;
        let mut cand: Vec<(f64, usize)> = Vec::with_capacity(2 * k);
        for nb in a.iter().chain(b.iter()) {
            let q1 = i_ts1.point(nb.index)?;
            let q2 = i_ts2.point(nb.index)?;
            let d_t = cheb(&p1[..dt], &q1[..dt]);
            let d_s1 = cheb(&p1[dt..], &q1[dt..]);
            let d_s2 = cheb(&p2[dt..], &q2[dt..]);
            cand.push((d_t.max(d_s1.min(d_s2)), nb.index));
        }
        cand.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        cand.dedup_by_key(|c| c.1);
        Ok((cand[k - 1].0, a[k - 1].distance, b[k - 1].distance))
    });
    let eps: Vec<(f64, f64, f64)> = eps.into_iter().collect::<Result<_, _>>()?;
    let (eps, (eps1, eps2)): (Vec<f64>, (Vec<f64>, Vec<f64>)) =
        eps.into_iter().map(|(e, e1, e2)| (e, (e1, e2))).unzip();
    // KSG-1 I(T;S1), I(T;S2): strict counts in T and in the source at the (T,S_m) radii
    let ksg_local = |e: &[f64], i_s: &KnnIndex| -> Result<Vec<f64>, InfoError> {
        let nt = i_t.counts_around_points(e, Boundary::Strict)?;
        let ns = i_s.counts_around_points(e, Boundary::Strict)?;
        Ok(nt
            .iter()
            .zip(&ns)
            .map(|(&a, &b)| base - psi.get(a + 1) - psi.get(b + 1))
            .collect())
    };
    let (mi1, mi2) = if with_mis {
        (ksg_local(&eps1, &i_s1)?, ksg_local(&eps2, &i_s2)?)
    } else {
        (Vec::new(), Vec::new())
    };
    let nt = i_t.counts_around_points(&eps, Boundary::Strict)?;
    // union-ball count n_s1 + n_s2 - n_(s1,s2): one walk over the S1 ball counts its points and
    // those of them that also lie in the S2 ball
    let n1_12: Vec<Result<(usize, usize), InfoError>> = i_s1.map_points(|i| {
        let q2 = i_s2.point(i)?;
        let (mut n1, mut n12) = (0usize, 0usize);
        i_s1.for_each_around_point(i, eps[i], Boundary::Strict, |j, _| {
            n1 += 1;
            if i_s2.point(j).is_ok_and(|p| cheb(p, q2) < eps[i]) {
                n12 += 1;
            }
        })?;
        Ok((n1, n12))
    });
    let n2 = i_s2.counts_around_points(&eps, Boundary::Strict)?;
    let redundancy = n1_12
        .into_iter()
        .zip(nt.iter().zip(&n2))
        .map(|(c, (&nt, &n2))| {
            let (n1, n12) = c?;
            let nu = n1 + n2 - n12;
            Ok(base - psi.get(nt + 1) - psi.get(nu + 1))
        })
        .collect::<Result<Vec<f64>, InfoError>>()?;
    Ok(IsxLocals {
        redundancy,
        mi1,
        mi2,
    })
}

/// I_sx PID (KSG-1 mutual informations) on validated inputs.
pub(crate) fn isx_pid(
    p: &MiParams,
    x1: ArrayView2<'_, f64>,
    x2: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
) -> Result<(Atoms, LocalAtoms), InfoError> {
    if x1.ncols() != x2.ncols() {
        return Err(InfoError::UnequalSourceDims {
            d1: x1.ncols(),
            d2: x2.ncols(),
        });
    }
    let n = y.nrows();
    if n < p.k + 1 {
        return Err(InfoError::TooFewSamples {
            what: format!("the I_sx PID with k = {}", p.k),
            n,
            needed: p.k + 1,
        });
    }
    // one tie check and jitter for all four estimates
    let mut joint = ndarray::concatenate(ndarray::Axis(1), &[y, x1, x2]).expect("rows checked");
    let ties = match p.jitter {
        JitterMode::Never => Vec::new(),
        JitterMode::IfTies => columns_with_ties(joint.view()),
        JitterMode::Always => (0..joint.ncols()).collect(),
    };
    if !ties.is_empty() {
        jitter_columns(&mut joint, &ties, 1e-10, p.seed);
    }
    let (dy, d) = (y.ncols(), x1.ncols());
    let yv = joint.slice(s![.., ..dy]);
    let x1v = joint.slice(s![.., dy..dy + d]);
    let x2v = joint.slice(s![.., dy + d..]);
    let ksg = KsgParams::new().k(p.k).jitter(JitterMode::Never).check()?;
    // I(Y;X1) and I(Y;X2) come with the redundancy (shared neighbour searches)
    let loc = isx_with_source_mis(yv, x1v, x2v, p.k, true)?;
    let e12 = ksg.mi(yv, joint.slice(s![.., dy..]))?;
    // the same summation as a KSG estimate's mean
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n as f64;
    let atoms = Atoms::from_redundancy(
        mean(&loc.redundancy),
        mean(&loc.mi1),
        mean(&loc.mi2),
        e12.estimate,
    );
    let local = LocalAtoms::from_redundancy(loc.redundancy, &loc.mi1, &loc.mi2, &e12.local);
    Ok((atoms, local))
}
