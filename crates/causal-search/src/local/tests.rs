//! The statistics computed within one neighbourhood: Pearson correlation, a permutation
//! baseline, predictive efficiency of a local polynomial (quadratic) fit, and residualisation
//! on a conditioning variable.
//!
//! All functions return `None` when the statistic is undefined on the given values (a constant
//! variable, too few values), never a silently meaningless number.

use rand::Rng;

/// Relative tolerance below which a sum of squares counts as zero (a constant variable).
const ZERO_SS_REL: f64 = 64.0 * f64::EPSILON;

/// Whether a centred sum of squares `ss` of `n` values with largest magnitude `scale` is zero
/// up to rounding.
fn ss_is_zero(ss: f64, n: usize, scale: f64) -> bool {
    let tol = ZERO_SS_REL * scale;
    ss <= (n as f64) * tol * tol
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn max_abs(x: &[f64]) -> f64 {
    x.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

/// Pearson correlation of `x` and `y` (two-pass, centred).
///
/// `None` when the lengths differ, fewer than 2 values are given, or either variable is constant.
///
/// ```
/// use causal_search::local::tests::pearson;
/// let r = pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 7.0]).unwrap();
/// assert!((r - 0.9933992677987828).abs() < 1e-12);
/// assert_eq!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
/// ```
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n != y.len() || n < 2 {
        return None;
    }
    let (mx, my) = (mean(x), mean(y));
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if ss_is_zero(sxx, n, max_abs(x)) || ss_is_zero(syy, n, max_abs(y)) {
        return None;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// Shuffles `v` in place (Fisher-Yates, driven by `rng`).
pub fn shuffle<R: Rng + ?Sized>(v: &mut [f64], rng: &mut R) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

/// An orthonormal basis of the polynomials `1, x, ..., x^degree` evaluated at the given points,
/// used to project variables onto (or residualise them against) a local polynomial fit.
///
/// Built by modified Gram-Schmidt (applied twice) on the standardised powers; columns that
/// are numerically dependent (e.g. `x` takes fewer than `degree + 1` distinct values) are
/// dropped, so the projection is the least-squares fit on the largest well-defined basis.
#[derive(Debug, Clone, Default)]
pub struct PolyBasis {
    n: usize,
    /// Orthonormal columns, each of length `n`, stored one after another.
    q: Vec<f64>,
    cols: usize,
}

impl PolyBasis {
    /// Basis for a polynomial of `degree` in `x`. Reuses the allocation of `self`.
    pub fn fit(&mut self, x: &[f64], degree: usize) {
        let n = x.len();
        self.n = n;
        self.cols = 0;
        self.q.clear();
        if n == 0 {
            return;
        }
        let mx = mean(x);
        let sd = (x.iter().map(|v| (v - mx) * (v - mx)).sum::<f64>() / n as f64).sqrt();
        let scale = if sd > 0.0 { sd } else { 1.0 };
        let mut col = vec![0.0; n];
        for p in 0..=degree {
            for (c, v) in col.iter_mut().zip(x) {
                *c = ((v - mx) / scale).powi(p as i32);
            }
            let norm0 = col.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm0 == 0.0 || !norm0.is_finite() {
                continue;
            }
            for _ in 0..2 {
                for j in 0..self.cols {
                    let qj = &self.q[j * n..(j + 1) * n];
                    let d: f64 = qj.iter().zip(&col).map(|(a, b)| a * b).sum();
                    for (c, a) in col.iter_mut().zip(qj) {
                        *c -= d * a;
                    }
                }
            }
            let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm <= 1e-9 * norm0 {
                continue;
            }
            self.q.extend(col.iter().map(|v| v / norm));
            self.cols += 1;
        }
    }

    /// Number of independent basis columns kept.
    pub fn rank(&self) -> usize {
        self.cols
    }

    /// Replaces `y` by its residual from the least-squares fit on the basis.
    ///
    /// Panics if `y.len()` differs from the number of points the basis was built on.
    pub fn residualize(&self, y: &mut [f64]) {
        assert_eq!(y.len(), self.n, "residualize: length mismatch");
        let n = self.n;
        for _ in 0..2 {
            for j in 0..self.cols {
                let qj = &self.q[j * n..(j + 1) * n];
                let d: f64 = qj.iter().zip(y.iter()).map(|(a, b)| a * b).sum();
                for (c, a) in y.iter_mut().zip(qj) {
                    *c -= d * a;
                }
            }
        }
    }
}

/// Predictive efficiency of a polynomial fit of `y` on `x`:
/// `PE = [Var(y) - Var(y - fit(x))] / Var(y)`, the local R^2 of the least-squares fit
/// `a0 + a1 x + ... + a_degree x^degree`.
///
/// `None` when the lengths differ, there are no more values than coefficients, or `y` is constant.
///
/// ```
/// use causal_search::local::tests::predictive_efficiency;
/// // y is exactly quadratic in x: PE = 1.
/// let x = [-2.0, -1.0, 0.0, 1.0, 2.0];
/// let y: Vec<f64> = x.iter().map(|v| 1.0 + v - 0.5 * v * v).collect();
/// assert!((predictive_efficiency(&y, &x, 2).unwrap() - 1.0).abs() < 1e-12);
/// ```
pub fn predictive_efficiency(y: &[f64], x: &[f64], degree: usize) -> Option<f64> {
    let mut basis = PolyBasis::default();
    let mut work = Vec::new();
    predictive_efficiency_with(y, x, degree, &mut basis, &mut work)
}

/// [`predictive_efficiency`] with caller-provided scratch space.
pub(crate) fn predictive_efficiency_with(
    y: &[f64],
    x: &[f64],
    degree: usize,
    basis: &mut PolyBasis,
    work: &mut Vec<f64>,
) -> Option<f64> {
    let n = y.len();
    if n != x.len() || n <= degree + 1 {
        return None;
    }
    let my = mean(y);
    let sst: f64 = y.iter().map(|v| (v - my) * (v - my)).sum();
    if ss_is_zero(sst, n, max_abs(y)) {
        return None;
    }
    basis.fit(x, degree);
    work.clear();
    work.extend_from_slice(y);
    basis.residualize(work);
    // The basis always contains the constant, so the residual has mean zero and
    // Var(y - fit) / Var(y) = SSR / SST.
    let ssr: f64 = work.iter().map(|v| v * v).sum();
    Some(1.0 - ssr / sst)
}

/// The six local statistics of one galaxy.
///
/// `None` marks a statistic that is undefined for this galaxy: too few valid neighbours,
/// a constant variable within the neighbourhood, or no conditioning variable given.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct LocalStats {
    /// Number of neighbours used by the unconditional statistics.
    pub n_used: usize,
    /// Local Pearson correlation rho(Y, X_q).
    pub corr: Option<f64>,
    /// Baseline rho(perm(Y), X_q), Y permuted once within the neighbourhood.
    pub corr_perm: Option<f64>,
    /// Predictive efficiency of the local polynomial fit of Y on X_q.
    pub pe: Option<f64>,
    /// Number of neighbours used by the conditional statistics (0 without X_c).
    pub n_used_cond: usize,
    /// rho of the residuals of Y and X_q after a local polynomial fit on X_c.
    pub corr_cond: Option<f64>,
    /// Baseline of `corr_cond` with the Y residual permuted once.
    pub corr_perm_cond: Option<f64>,
    /// Predictive efficiency of the Y residual from the X_q residual.
    pub pe_cond: Option<f64>,
}

/// Scratch space reused across neighbourhoods.
#[derive(Debug, Default)]
pub(crate) struct StatScratch {
    basis: PolyBasis,
    work: Vec<f64>,
    perm: Vec<f64>,
}

/// Correlation, permutation baseline and PE of `y` against `x`.
pub(crate) fn triple<R: Rng + ?Sized>(
    y: &[f64],
    x: &[f64],
    degree: usize,
    rng: &mut R,
    s: &mut StatScratch,
) -> (Option<f64>, Option<f64>, Option<f64>) {
    let corr = pearson(y, x);
    s.perm.clear();
    s.perm.extend_from_slice(y);
    shuffle(&mut s.perm, rng);
    let corr_perm = pearson(&s.perm, x);
    let pe = predictive_efficiency_with(y, x, degree, &mut s.basis, &mut s.work);
    (corr, corr_perm, pe)
}

/// Residual sums of squares below this fraction of the centred sum of squares before
/// residualisation are rounding noise: the variable is a polynomial in the conditioning one.
const RESIDUAL_SS_REL: f64 = 1e-24;

fn centred_ss(v: &[f64]) -> f64 {
    let m = mean(v);
    v.iter().map(|a| (a - m) * (a - m)).sum()
}

/// Residualises `y` and `x` (in place) on a polynomial in `c`.
///
/// Returns whether each residual is degenerate (only rounding noise left, i.e. the variable
/// is, within the neighbourhood, a polynomial of `c`); statistics of a degenerate residual are
/// undefined.
pub(crate) fn residualize_on(
    y: &mut [f64],
    x: &mut [f64],
    c: &[f64],
    degree: usize,
    s: &mut StatScratch,
) -> (bool, bool) {
    let (sy, sx) = (centred_ss(y), centred_ss(x));
    s.basis.fit(c, degree);
    s.basis.residualize(y);
    s.basis.residualize(x);
    let ry: f64 = y.iter().map(|v| v * v).sum();
    let rx: f64 = x.iter().map(|v| v * v).sum();
    (ry <= RESIDUAL_SS_REL * sy, rx <= RESIDUAL_SS_REL * sx)
}

#[cfg(test)]
mod unit {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn pearson_hand_values() {
        // Hand computation: x = 1..5, y = (2, 4, 5, 4, 5): sxy = 6, sxx = 10, syy = 6.
        let r = pearson(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 4.0, 5.0, 4.0, 5.0]).unwrap();
        assert!((r - 6.0 / (10.0f64 * 6.0).sqrt()).abs() < 1e-14);
        assert_eq!(pearson(&[1.0], &[2.0]), None);
        assert_eq!(pearson(&[1.0, 2.0], &[2.0]), None);
        assert_eq!(pearson(&[3.0; 4], &[1.0, 2.0, 3.0, 4.0]), None);
        // Constant up to rounding is constant.
        assert_eq!(
            pearson(&[0.1 + 0.2, 0.3, 0.3 + 1e-17], &[1.0, 2.0, 3.0]),
            None
        );
    }

    #[test]
    fn pe_hand_values() {
        // y = x^2 on x = -1, 0, 1, 2 plus a known deviation. The quadratic fit to
        // x = (-1, 0, 1, 2), y = (1, 0, 1, 5): least squares y = a + b x + c x^2 gives
        // (hand solution of the normal equations) a = -0.05... computed here via residual SS:
        // design rank 3, n = 4, one residual degree of freedom along the cubic contrast
        // v = (-1, 3, -3, 1)/sqrt(20); residual = (v . y) v, v . y = (-1 + 0 - 3 + 5)/sqrt(20).
        let x = [-1.0, 0.0, 1.0, 2.0];
        let y = [1.0, 0.0, 1.0, 5.0];
        let vy: f64 = 1.0 / 20f64.sqrt();
        let ssr = vy * vy;
        let my = 7.0 / 4.0;
        let sst: f64 = y.iter().map(|v| (v - my) * (v - my)).sum();
        let pe = predictive_efficiency(&y, &x, 2).unwrap();
        assert!((pe - (1.0 - ssr / sst)).abs() < 1e-13, "{pe}");
        // Linear fit (degree 1): PE = r^2.
        let r = pearson(&y, &x).unwrap();
        assert!((predictive_efficiency(&y, &x, 1).unwrap() - r * r).abs() < 1e-13);
        // Too few points, constant y.
        assert_eq!(predictive_efficiency(&y[..3], &x[..3], 2), None);
        assert_eq!(
            predictive_efficiency(&[2.0; 5], &[1.0, 2.0, 3.0, 4.0, 5.0], 2),
            None
        );
    }

    #[test]
    fn pe_rank_deficient_x() {
        // x takes two values: the quadratic fit reduces to the group means.
        let x = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let y = [1.0, 2.0, 3.0, 4.0, 6.0, 8.0];
        // group means 2 and 6; SSR = 2 + 8 = 10; mean 4, SST = 9+4+1+0+4+16 = 34.
        let pe = predictive_efficiency(&y, &x, 2).unwrap();
        assert!((pe - (1.0 - 10.0 / 34.0)).abs() < 1e-13, "{pe}");
        // constant x: PE = 0.
        let pe = predictive_efficiency(&y, &[5.0; 6], 2).unwrap();
        assert!(pe.abs() < 1e-13);
    }

    #[test]
    fn residualize_removes_polynomial() {
        let c: Vec<f64> = (0..50).map(|i| i as f64 * 0.1 - 2.0).collect();
        let mut y: Vec<f64> = c.iter().map(|v| 3.0 - 2.0 * v + 0.7 * v * v).collect();
        let mut x: Vec<f64> = c.iter().map(|v| v * v).collect();
        let mut s = StatScratch::default();
        assert_eq!(residualize_on(&mut y, &mut x, &c, 2, &mut s), (true, true));
        assert!(y.iter().all(|v| v.abs() < 1e-11));
        assert!(x.iter().all(|v| v.abs() < 1e-11));
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let v: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let mut a = v.clone();
        let mut b = v.clone();
        shuffle(&mut a, &mut ChaCha8Rng::seed_from_u64(3));
        shuffle(&mut b, &mut ChaCha8Rng::seed_from_u64(3));
        assert_eq!(a, b);
        assert_ne!(a, v);
        let mut s = a.clone();
        s.sort_by(f64::total_cmp);
        assert_eq!(s, v);
    }
}
