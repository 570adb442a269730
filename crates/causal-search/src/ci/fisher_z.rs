//! Fisher-z test of zero partial correlation (scalar variables).
//!
//! The partial correlation of X and Y given Z is that of the inverse `P` of the correlation
//! sub-matrix of (X, Y, Z), `r = -P[0,1] / sqrt(P[0,0] P[1,1])`, computed by a Cholesky factor
//! of Z's sub-matrix (see [`FisherZ::partial_correlation`]); the statistic is
//! `sqrt(n - |Z| - 3) |atanh r|` and the p-value `2 (1 - Phi(stat))`, as causal-learn's `fisherz`.
//!
//! ```
//! use causal_search::ci::{CiTest, fisher_z::FisherZ};
//! use causal_search::data::Dataset;
//! use ndarray::Array2;
//! // y = x + noise, z independent
//! let n = 200;
//! let v: Vec<f64> = (0..n).flat_map(|i| {
//!     let x = ((i * 37 % 101) as f64) / 101.0;
//!     let e = ((i * 53 % 97) as f64) / 97.0 - 0.5;
//!     let z = ((i * 71 % 89) as f64) / 89.0;
//!     [x, x + 0.3 * e, z]
//! }).collect();
//! let ds = Dataset::from_array(Array2::from_shape_vec((n, 3), v).unwrap()).unwrap();
//! let t = FisherZ::new(&ds).unwrap();
//! assert!(t.test(0, 1, &[]).unwrap().p_value < 1e-10);
//! ```

use ndarray::Array2;
use statrs::distribution::{ContinuousCDF, Normal};

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{CiResult, CiTest, check_query, linalg};
use crate::data::Dataset;
use crate::error::{CausalError, Result};

/// Fisher-z test over a dataset's scalar variables.
#[derive(Clone, Debug)]
pub struct FisherZ {
    /// Identifies the correlation matrix in the per-thread factor cache (clones share it).
    id: usize,
    corr: Array2<f64>,
    n: usize,
    names: Vec<String>,
}

impl FisherZ {
    /// Builds the test (computes the correlation matrix once). Errors: a vector-valued variable (use
    /// [`GaussianVector`](super::gaussian_vector::GaussianVector)), a constant column, fewer than 4
    /// samples.
    pub fn new(ds: &Dataset) -> Result<Self> {
        if let Some(v) = ds.variables().iter().find(|v| v.columns.len() != 1) {
            return Err(CausalError::param(
                "dataset",
                format!(
                    "Fisher-z needs scalar variables, but `{}` has {} columns (use the gaussian-vector test)",
                    v.name,
                    v.columns.len()
                ),
            ));
        }
        if ds.n_samples() < 4 {
            return Err(CausalError::TooFewSamples {
                what: "the Fisher-z test".into(),
                needed: 4,
                found: ds.n_samples(),
            });
        }
        let corr = linalg::correlation(ds.values()).map_err(|j| CausalError::ConstantColumn {
            name: ds.column_names()[j].clone(),
            test: "Fisher-z",
        })?;
        Ok(FisherZ {
            id: next_id(),
            corr,
            n: ds.n_samples(),
            names: ds.variable_names().iter().map(|s| s.to_string()).collect(),
        })
    }

    /// Builds the test from a correlation matrix and a sample size (e.g. from published summary
    /// statistics). Errors if the matrix is not square with unit diagonal and finite entries in [-1, 1].
    pub fn from_correlation(corr: Array2<f64>, n: usize) -> Result<Self> {
        let p = corr.nrows();
        if corr.ncols() != p {
            return Err(CausalError::ShapeMismatch {
                what: "correlation matrix columns".into(),
                expected: p,
                found: corr.ncols(),
            });
        }
        for i in 0..p {
            if (corr[[i, i]] - 1.0).abs() > 1e-9 {
                return Err(CausalError::param(
                    "corr",
                    format!("diagonal entry {i} is not 1"),
                ));
            }
            for j in 0..p {
                let v = corr[[i, j]];
                if !v.is_finite() || v.abs() > 1.0 + 1e-12 || (v - corr[[j, i]]).abs() > 1e-12 {
                    return Err(CausalError::param(
                        "corr",
                        format!("entry ({i},{j}) = {v} is not a symmetric correlation"),
                    ));
                }
            }
        }
        Ok(FisherZ {
            id: next_id(),
            corr,
            n,
            names: (1..=p).map(|i| format!("X{i}")).collect(),
        })
    }

    /// The correlation matrix.
    pub fn correlation(&self) -> &Array2<f64> {
        &self.corr
    }

    /// The partial correlation of `x` and `y` given `z`.
    ///
    /// Computed from the Cholesky factor `L` of the correlation sub-matrix of `z` and the
    /// solutions `w_x = L^-1 c(z, x)`, `w_y = L^-1 c(z, y)`: the residual correlation matrix of
    /// (x, y) given z is `[[1 - |w_x|^2, c(x, y) - w_x.w_y], [., 1 - |w_y|^2]]` (the same value as
    /// `-P[0,1] / sqrt(P[0,0] P[1,1])` with `P` the inverse of the sub-matrix of (x, y, z), to
    /// rounding). The searches query conditioning sets in lexicographic order, so consecutive
    /// queries share a prefix of `z`: each thread keeps the last factor and solutions and
    /// recomputes only the rows after the common prefix (`O(|z|^2)` per query instead of
    /// `O(|z|^3)`). The results do not depend on which queries came before (the reused rows
    /// are exactly those that would be recomputed).
    pub fn partial_correlation(&self, x: usize, y: usize, z: &[usize]) -> Result<f64> {
        check_query(self.corr.nrows(), x, y, z)?;
        let r = CHOLESKY.with(|c| {
            let mut c = c.borrow_mut();
            c.partial_correlation(self.id, &self.corr, x, y, z)
        });
        r.ok_or_else(|| self.singular(x, y, z))
    }

    fn singular(&self, x: usize, y: usize, z: &[usize]) -> CausalError {
        let zn: Vec<&str> = z.iter().map(|&v| self.names[v].as_str()).collect();
        CausalError::SingularMatrix {
            context: format!(
                "Fisher-z correlation sub-matrix of {}, {} given {{{}}} (collinear or duplicated variables)",
                self.names[x],
                self.names[y],
                zn.join(", ")
            ),
        }
    }
}

impl CiTest for FisherZ {
    fn name(&self) -> &str {
        "fisherz"
    }

    fn n_variables(&self) -> usize {
        self.corr.nrows()
    }

    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
        let r = self.partial_correlation(x, y, z)?;
        let dof = self.n as f64 - z.len() as f64 - 3.0;
        if dof <= 0.0 {
            return Err(CausalError::TooFewSamples {
                what: format!("a Fisher-z test with {} conditioning variables", z.len()),
                needed: z.len() + 4,
                found: self.n,
            });
        }
        let zstat = 0.5 * ((1.0 + r) / (1.0 - r)).ln();
        let stat = dof.sqrt() * zstat.abs();
        let normal = Normal::standard();
        let p = 2.0 * (1.0 - normal.cdf(stat));
        Ok(CiResult::new(stat, p))
    }
}

/// A fresh identifier for a correlation matrix.
fn next_id() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Pivots of the Cholesky factor and residual variances at or below this are singular (the
/// matrices are correlations: unit diagonal).
const SINGULAR_TOL: f64 = 1e-13;

/// `v > SINGULAR_TOL` (false for NaN).
fn above_tol(v: f64) -> bool {
    v > SINGULAR_TOL
}

thread_local! {
    static CHOLESKY: RefCell<Cholesky> = RefCell::new(Cholesky::default());
}

/// The last query's Cholesky factor of `corr[z, z]` and solutions for `x` and `y`, per thread.
#[derive(Default)]
struct Cholesky {
    /// The matrix (`FisherZ::id`) the rows belong to; 0 = none.
    id: usize,
    /// Conditioning set whose leading `valid` rows are factored.
    z: Vec<usize>,
    valid: usize,
    /// Row-major lower factor, row `i` at `l[i * stride..]` (`stride` = the longest set held).
    l: Vec<f64>,
    stride: usize,
    /// `x`, `y` of `wx`, `wy` and how many leading entries of them are valid.
    xy: (usize, usize),
    w_valid: usize,
    wx: Vec<f64>,
    wy: Vec<f64>,
}

impl Cholesky {
    fn partial_correlation(
        &mut self,
        id: usize,
        corr: &Array2<f64>,
        x: usize,
        y: usize,
        z: &[usize],
    ) -> Option<f64> {
        let s = z.len();
        if self.id != id || self.stride < s {
            // Another matrix, or a longer conditioning set than the storage holds: start over
            // (the storage grows to the longest set seen, not to the number of variables).
            self.id = id;
            self.stride = self.stride.max(s.next_power_of_two()).max(8);
            self.valid = 0;
            self.w_valid = 0;
            self.z.clear();
            self.l.clear();
            self.l.resize(self.stride * self.stride, 0.0);
            self.wx.clear();
            self.wx.resize(self.stride, 0.0);
            self.wy.clear();
            self.wy.resize(self.stride, 0.0);
        }
        // Rows of the factor shared with the previous query: those of the common prefix.
        let common = self
            .z
            .iter()
            .zip(z)
            .take(self.valid)
            .take_while(|(a, b)| a == b)
            .count();
        self.z.clear();
        self.z.extend_from_slice(z);
        self.valid = common;
        if self.xy != (x, y) {
            self.xy = (x, y);
            self.w_valid = 0;
        }
        self.w_valid = self.w_valid.min(common);
        let st = self.stride;
        for i in common..s {
            let ci = corr.row(z[i]);
            let (done, row) = self.l.split_at_mut(i * st);
            let row = &mut row[..=i];
            for j in 0..i {
                let lj = &done[j * st..j * st + j];
                let dot: f64 = row[..j].iter().zip(lj).map(|(a, b)| a * b).sum();
                row[j] = (ci[z[j]] - dot) / done[j * st + j];
            }
            let d = 1.0 - row[..i].iter().map(|v| v * v).sum::<f64>();
            if !above_tol(d) {
                return None;
            }
            row[i] = d.sqrt();
            self.valid = i + 1;
        }
        for i in self.w_valid..s {
            let li = &self.l[i * st..i * st + i + 1];
            let (cx, cy) = (corr[[z[i], x]], corr[[z[i], y]]);
            let dx: f64 = li[..i].iter().zip(&self.wx[..i]).map(|(a, b)| a * b).sum();
            let dy: f64 = li[..i].iter().zip(&self.wy[..i]).map(|(a, b)| a * b).sum();
            self.wx[i] = (cx - dx) / li[i];
            self.wy[i] = (cy - dy) / li[i];
        }
        self.w_valid = s;
        let (wx, wy) = (&self.wx[..s], &self.wy[..s]);
        let rxx = 1.0 - wx.iter().map(|v| v * v).sum::<f64>();
        let ryy = 1.0 - wy.iter().map(|v| v * v).sum::<f64>();
        let rxy = corr[[x, y]] - wx.iter().zip(wy).map(|(a, b)| a * b).sum::<f64>();
        if !(above_tol(rxx) && above_tol(ryy)) {
            return None;
        }
        let r = rxy / (rxx * ryy).sqrt();
        (r.is_finite() && r.abs() < 1.0).then_some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn hand_computed_partial_correlation() {
        // corr: r01 = 0.5, r02 = 0.5, r12 = 0.5 -> r01.2 = (0.5 - 0.25) / 0.75 = 1/3
        let c = array![[1.0, 0.5, 0.5], [0.5, 1.0, 0.5], [0.5, 0.5, 1.0]];
        let t = FisherZ::from_correlation(c, 103).unwrap();
        let r = t.partial_correlation(0, 1, &[2]).unwrap();
        assert!((r - 1.0 / 3.0).abs() < 1e-14);
        let res = t.test(0, 1, &[2]).unwrap();
        let stat = (99.0f64).sqrt() * (1.0f64 / 3.0).atanh();
        assert!((res.statistic - stat).abs() < 1e-12);
        // 2 (1 - Phi(stat)); stat = 3.4541..., p = 5.5194e-4 (scipy: 2*norm.sf(3.45410...))
        let normal = Normal::standard();
        assert!((res.p_value - 2.0 * normal.sf(stat)).abs() < 1e-15);
        assert!(res.p_value > 5.0e-4 && res.p_value < 6.0e-4);
    }

    /// The Cholesky partial correlations with the per-thread reuse of factors equal those of the
    /// full inverse of the (x, y, z) sub-matrix (`-P[0,1] / sqrt(P[0,0] P[1,1])`, as
    /// causal-learn computes them) within 1e-12, for queries in lexicographic runs (reuse), in
    /// random order (no reuse), with x and y swapped, and alternating between two matrices.
    #[test]
    fn cholesky_with_reuse_equals_the_full_inverse() {
        use rand::seq::SliceRandom;
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let p = 12;
        let n = 300;
        let mk = |rng: &mut rand_chacha::ChaCha8Rng| {
            let mut v = Array2::<f64>::zeros((n, p));
            for i in 0..n {
                for j in 0..p {
                    let e = rng.random::<f64>() - 0.5;
                    v[[i, j]] = e + if j > 0 { 0.7 * v[[i, j - 1]] } else { 0.0 };
                }
            }
            FisherZ::new(&Dataset::from_array(v).unwrap()).unwrap()
        };
        let (ta, tb) = (mk(&mut rng), mk(&mut rng));
        let reference = |t: &FisherZ, x: usize, y: usize, z: &[usize]| {
            let vars: Vec<usize> = [x, y].iter().chain(z).copied().collect();
            let k = vars.len();
            let sub: Vec<f64> = vars
                .iter()
                .flat_map(|&a| vars.iter().map(move |&b| (a, b)))
                .map(|(a, b)| t.correlation()[[a, b]])
                .collect();
            let inv = linalg::inverse(&sub, k, 1e-13).unwrap();
            -inv[1] / (inv[0] * inv[k + 1]).sqrt()
        };
        let mut queries = Vec::new();
        for (x, y) in [(0usize, 5usize), (5, 0), (2, 11), (3, 4)] {
            let rest: Vec<usize> = (0..p).filter(|&v| v != x && v != y).collect();
            for size in 0..=4 {
                // lexicographic runs, as the searches make them
                let mut idx: Vec<usize> = (0..size).collect();
                loop {
                    queries.push((x, y, idx.iter().map(|&i| rest[i]).collect::<Vec<_>>()));
                    let Some(pos) = (0..size).rev().find(|&i| idx[i] < rest.len() - size + i)
                    else {
                        break;
                    };
                    idx[pos] += 1;
                    for j in pos + 1..size {
                        idx[j] = idx[j - 1] + 1;
                    }
                }
            }
        }
        let mut shuffled = queries.clone();
        shuffled.shuffle(&mut rng);
        for (round, qs) in [&queries, &shuffled].into_iter().enumerate() {
            for (q, (x, y, z)) in qs.iter().enumerate() {
                let t = if (q + round) % 3 == 0 { &tb } else { &ta };
                let got = t.partial_correlation(*x, *y, z).unwrap();
                let want = reference(t, *x, *y, z);
                assert!((got - want).abs() < 1e-12, "{x} {y} {z:?}: {got} vs {want}");
            }
        }
        assert!(queries.len() > 1000);
    }

    #[test]
    fn errors() {
        let ds = Dataset::from_array(array![
            [1.0, 2.0, 3.0],
            [2.0, 2.0, 1.0],
            [3.0, 2.0, 0.0],
            [4.0, 2.0, 5.0]
        ])
        .unwrap();
        assert!(
            matches!(FisherZ::new(&ds), Err(CausalError::ConstantColumn { ref name, .. }) if name == "X2")
        );
        // collinear: X3 = X1 + X2
        let v: Vec<f64> = (0..50)
            .flat_map(|i| {
                let a = (i as f64 * 0.37).sin();
                let b = (i as f64 * 1.3).cos();
                [a, b, a + b, (i as f64 * 0.11).sin()]
            })
            .collect();
        let ds = Dataset::from_array(Array2::from_shape_vec((50, 4), v).unwrap()).unwrap();
        let t = FisherZ::new(&ds).unwrap();
        assert!(t.test(0, 3, &[]).is_ok());
        assert!(matches!(
            t.test(0, 1, &[2]),
            Err(CausalError::SingularMatrix { .. })
        ));
        let small = Dataset::from_array(array![[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]]).unwrap();
        assert!(matches!(
            FisherZ::new(&small),
            Err(CausalError::TooFewSamples { .. })
        ));
    }
}
