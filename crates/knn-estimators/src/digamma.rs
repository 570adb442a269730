//! The digamma function: a table for integer arguments and a series for real ones.

/// Euler-Mascheroni constant.
pub const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// Digamma `psi(x)` for real `x > 0` (recurrence up to `x >= 12`, then the asymptotic series;
/// absolute error below 1e-13). Returns NaN for `x <= 0` or NaN.
///
/// ```
/// use knn_estimators::digamma::{digamma, EULER_GAMMA};
/// assert!((digamma(1.0) + EULER_GAMMA).abs() < 1e-14);
/// assert!((digamma(0.5) - (-EULER_GAMMA - 2.0 * 2f64.ln())).abs() < 1e-13);
/// ```
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 12.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // psi(x) ~ ln x - 1/(2x) - 1/(12x^2) + 1/(120x^4) - 1/(252x^6) + 1/(240x^8) - 1/(132x^10)
    let series = inv2
        * (1.0 / 12.0
            - inv2 * (1.0 / 120.0 - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 / 132.0))));
    acc + x.ln() - 0.5 * inv - series
}

/// `psi(n)` for integers `0 < n <= max`, precomputed by `psi(n + 1) = psi(n) + 1/n`.
///
/// ```
/// use knn_estimators::digamma::{DigammaTable, digamma};
/// let t = DigammaTable::new(1000);
/// assert!((t.get(1000) - digamma(1000.0)).abs() < 1e-12);
/// ```
#[derive(Debug, Clone)]
pub struct DigammaTable {
    values: Vec<f64>,
}

impl DigammaTable {
    /// Table for arguments `1..=max` (index 0 holds NaN).
    pub fn new(max: usize) -> Self {
        let mut values = Vec::with_capacity(max + 1);
        values.push(f64::NAN);
        // exact small values from the series, then the recurrence (compensated summation)
        let mut psi = -EULER_GAMMA;
        let mut comp = 0.0f64;
        for n in 1..=max {
            values.push(psi);
            let y = 1.0 / n as f64 - comp;
            let t = psi + y;
            comp = (t - psi) - y;
            psi = t;
        }
        Self { values }
    }

    /// Largest argument held.
    pub fn max(&self) -> usize {
        self.values.len() - 1
    }

    /// `psi(n)`; falls back to [`digamma`] beyond the table. `n = 0` gives NaN.
    #[inline]
    pub fn get(&self, n: usize) -> f64 {
        match self.values.get(n) {
            Some(&v) => v,
            None => digamma(n as f64),
        }
    }
}
