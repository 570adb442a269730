//! Gaussian likelihood-ratio test for vector-valued variables (Wilks' lambda on partial canonical
//! correlations, with Bartlett's correction).
//!
//! For X (p columns), Y (q columns) and Z (r columns) with correlation matrix R,
//! `Lambda = det R[XYZ] det R[Z] / (det R[XZ] det R[YZ]) = prod_i (1 - rho_i^2)` over the partial
//! canonical correlations `rho_i` of X and Y given Z. Under conditional independence (Gaussian data)
//! `-(n - 1 - r - (p + q + 1) / 2) ln Lambda` is approximately chi-square with `p q` degrees of
//! freedom. For scalar X and Y this is the likelihood-ratio test of zero partial correlation.
//!
//! ```
//! use causal_search::ci::{CiTest, gaussian_vector::GaussianVector};
//! use causal_search::data::Dataset;
//! use ndarray::Array2;
//! let n = 300;
//! let v: Vec<f64> = (0..n).flat_map(|i| {
//!     let a = ((i * 37 % 101) as f64) / 101.0;
//!     let b = ((i * 53 % 97) as f64) / 97.0;
//!     [a, b, a - b + 0.1 * ((i * 71 % 89) as f64) / 89.0]
//! }).collect();
//! let ds = Dataset::from_array(Array2::from_shape_vec((n, 3), v).unwrap()).unwrap()
//!     .with_groups(&[("S".into(), vec!["X1".into(), "X2".into()])]).unwrap();
//! let t = GaussianVector::new(&ds).unwrap();
//! assert!(t.test(0, 1, &[]).unwrap().p_value < 1e-10); // S = (X1, X2) predicts X3
//! ```

use ndarray::Array2;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::{CiResult, CiTest, check_query, linalg};
use crate::data::Dataset;
use crate::error::{CausalError, Result};

/// Wilks' lambda test over a dataset's (possibly vector-valued) variables.
#[derive(Clone, Debug)]
pub struct GaussianVector {
    corr: Array2<f64>,
    cols: Vec<Vec<usize>>,
    names: Vec<String>,
    n: usize,
}

impl GaussianVector {
    /// Builds the test (correlation matrix of all columns). Errors: a constant column, fewer than 4
    /// samples.
    pub fn new(ds: &Dataset) -> Result<Self> {
        if ds.n_samples() < 4 {
            return Err(CausalError::TooFewSamples {
                what: "the Gaussian vector test".into(),
                needed: 4,
                found: ds.n_samples(),
            });
        }
        let corr = linalg::correlation(ds.values()).map_err(|j| CausalError::ConstantColumn {
            name: ds.column_names()[j].clone(),
            test: "Gaussian vector",
        })?;
        Ok(GaussianVector {
            corr,
            cols: ds.variables().iter().map(|v| v.columns.clone()).collect(),
            names: ds.variable_names().iter().map(|s| s.to_string()).collect(),
            n: ds.n_samples(),
        })
    }

    fn log_det(&self, vars: &[&[usize]]) -> Option<f64> {
        let cols: Vec<usize> = vars.iter().flat_map(|v| v.iter().copied()).collect();
        let k = cols.len();
        let mut m = vec![0.0; k * k];
        for (a, &ca) in cols.iter().enumerate() {
            for (b, &cb) in cols.iter().enumerate() {
                m[a * k + b] = self.corr[[ca, cb]];
            }
        }
        linalg::log_det_spd(&m, k, 1e-12)
    }
}

impl CiTest for GaussianVector {
    fn name(&self) -> &str {
        "gaussian-vector"
    }

    fn n_variables(&self) -> usize {
        self.cols.len()
    }

    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
        check_query(self.cols.len(), x, y, z)?;
        let xc = self.cols[x].as_slice();
        let yc = self.cols[y].as_slice();
        let zc: Vec<usize> = z
            .iter()
            .flat_map(|&v| self.cols[v].iter().copied())
            .collect();
        let (p, q, r) = (xc.len(), yc.len(), zc.len());
        let factor = self.n as f64 - 1.0 - r as f64 - (p + q + 1) as f64 / 2.0;
        if factor <= 0.0 || self.n <= p + q + r + 1 {
            return Err(CausalError::TooFewSamples {
                what: format!("a Gaussian vector test with {} + {} + {} columns", p, q, r),
                needed: p + q + r + 2,
                found: self.n,
            });
        }
        let singular = || {
            let zn: Vec<&str> = z.iter().map(|&v| self.names[v].as_str()).collect();
            CausalError::SingularMatrix {
                context: format!(
                    "Gaussian vector test of {}, {} given {{{}}} (collinear columns)",
                    self.names[x],
                    self.names[y],
                    zn.join(", ")
                ),
            }
        };
        let all = self.log_det(&[xc, yc, &zc]).ok_or_else(singular)?;
        let dz = self.log_det(&[&zc]).ok_or_else(singular)?;
        let dxz = self.log_det(&[xc, &zc]).ok_or_else(singular)?;
        let dyz = self.log_det(&[yc, &zc]).ok_or_else(singular)?;
        let log_lambda = (all + dz - dxz - dyz).min(0.0);
        let stat = -factor * log_lambda;
        let dof = (p * q) as f64;
        let chi = ChiSquared::new(dof).map_err(|e| CausalError::param("dof", e.to_string()))?;
        Ok(CiResult::with_dof(stat, chi.sf(stat).clamp(0.0, 1.0), dof))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::fisher_z::FisherZ;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    fn sample(n: usize, seed: u64) -> Dataset {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut v = Vec::with_capacity(n * 5);
        for _ in 0..n {
            let z: f64 = StandardNormal.sample(&mut rng);
            let a: f64 = StandardNormal.sample(&mut rng);
            let b: f64 = StandardNormal.sample(&mut rng);
            let c: f64 = StandardNormal.sample(&mut rng);
            let d: f64 = StandardNormal.sample(&mut rng);
            // x1, x2 depend on z; y depends on z only -> X indep Y | Z
            v.extend_from_slice(&[z + a, z - b, 0.5 * z + c, z, d]);
        }
        Dataset::from_array(Array2::from_shape_vec((n, 5), v).unwrap()).unwrap()
    }

    #[test]
    fn scalar_case_is_partial_correlation_lr() {
        let ds = sample(500, 1);
        let g = GaussianVector::new(&ds).unwrap();
        let f = FisherZ::new(&ds).unwrap();
        for (x, y, z) in [
            (0usize, 2usize, vec![3usize]),
            (0, 1, vec![]),
            (1, 4, vec![0, 3]),
        ] {
            let r = f.partial_correlation(x, y, &z).unwrap();
            let res = g.test(x, y, &z).unwrap();
            let factor = 500.0 - 1.0 - z.len() as f64 - 1.5;
            let expect = -factor * (1.0 - r * r).ln();
            assert!(
                (res.statistic - expect).abs() < 1e-8 * expect.max(1.0),
                "{x} {y} {z:?}"
            );
            assert_eq!(res.dof, Some(1.0));
        }
    }

    #[test]
    fn vector_independence_and_dependence() {
        let ds = sample(2000, 2)
            .with_groups(&[("X".into(), vec!["X1".into(), "X2".into()])])
            .unwrap();
        // variables: X = (X1, X2), X3 = y, X4 = z, X5 = noise
        let g = GaussianVector::new(&ds).unwrap();
        let dep = g.test(0, 1, &[]).unwrap();
        assert!(dep.p_value < 1e-10);
        assert_eq!(dep.dof, Some(2.0));
        let ind = g.test(0, 1, &[2]).unwrap();
        assert!(ind.p_value > 0.001, "{ind:?}");
    }

    #[test]
    fn collinear_is_an_error() {
        let text = "a b c\n1 2 3\n2 1 3\n3 5 8\n4 4 8\n5 0 5\n";
        let ds = Dataset::parse_table(text, "t").unwrap();
        let g = GaussianVector::new(&ds).unwrap();
        assert!(matches!(
            g.test(0, 1, &[2]),
            Err(CausalError::SingularMatrix { .. })
        ));
    }
}
