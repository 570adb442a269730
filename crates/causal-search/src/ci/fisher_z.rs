//! Fisher-z test of zero partial correlation (scalar variables).
//!
//! The partial correlation of X and Y given Z is read from the inverse `P` of the correlation
//! sub-matrix of (X, Y, Z): `r = -P[0,1] / sqrt(P[0,0] P[1,1])`; the statistic is
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

use super::{CiResult, CiTest, check_query, linalg};
use crate::data::Dataset;
use crate::error::{CausalError, Result};

/// Fisher-z test over a dataset's scalar variables.
#[derive(Clone, Debug)]
pub struct FisherZ {
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
    pub fn partial_correlation(&self, x: usize, y: usize, z: &[usize]) -> Result<f64> {
        check_query(self.corr.nrows(), x, y, z)?;
        let k = z.len() + 2;
        let var = |a: usize| match a {
            0 => x,
            1 => y,
            _ => z[a - 2],
        };
        // Scratch on the stack for up to 14 conditioning variables (no allocation per test).
        const K: usize = 16;
        let (mut sub_s, mut perm_s, mut col_s) = ([0.0; K * K], [0usize; K], [0.0; K]);
        let (mut sub_h, mut perm_h, mut col_h);
        let (sub, perm, col): (&mut [f64], &mut [usize], &mut [f64]) = if k <= K {
            (&mut sub_s[..k * k], &mut perm_s[..k], &mut col_s[..k])
        } else {
            sub_h = vec![0.0; k * k];
            perm_h = vec![0usize; k];
            col_h = vec![0.0; k];
            (&mut sub_h, &mut perm_h, &mut col_h)
        };
        for a in 0..k {
            let row = self.corr.row(var(a));
            for b in 0..k {
                sub[a * k + b] = row[var(b)];
            }
        }
        let [i00, i01, i11] = linalg::inverse_leading_2x2(sub, k, 1e-13, perm, col)
            .ok_or_else(|| self.singular(x, y, z))?;
        let r = -i01 / (i00 * i11).sqrt();
        if !r.is_finite() || r.abs() >= 1.0 {
            return Err(self.singular(x, y, z));
        }
        Ok(r)
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
