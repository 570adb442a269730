//! Chi-square and G-square tests for discrete data, with causal-learn's conventions.
//!
//! Each column is recoded to `0..k` by its sorted distinct values. For each configuration `s` of Z
//! that occurs in the data, the observed table `c[s][i][j]` of (X, Y) is compared with the expected
//! table `e = c[s][i][.] c[s][.][j] / c[s][.][.]`:
//! - chi-square `sum (c - e)^2 / e`, G-square `2 sum c ln(c / e)` (empty cells add nothing);
//! - degrees of freedom `sum_s (|X| - 1 - r_s) (|Y| - 1 - k_s)`, where `|X|`, `|Y|` are the
//!   cardinalities over the whole data and `r_s`, `k_s` count the X values and Y values absent from
//!   layer `s`;
//! - p-value from the chi-square survival function, and 1 when there are no degrees of freedom.
//!
//! ```
//! use causal_search::ci::{CiTest, discrete::{Discrete, DiscreteStatistic}};
//! use causal_search::data::Dataset;
//! let ds = Dataset::parse_table("a b\n0 0\n0 0\n1 1\n1 1\n0 1\n1 0\n0 0\n1 1\n", "t").unwrap();
//! let t = Discrete::new(&ds, DiscreteStatistic::ChiSquare).unwrap();
//! let r = t.test(0, 1, &[]).unwrap();
//! assert!((r.statistic - 2.0).abs() < 1e-12); // 4 * (3-2)^2/2 = 2
//! assert_eq!(r.dof, Some(1.0));
//! ```

use std::collections::HashMap;

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::{CiResult, CiTest, check_query};
use crate::data::Dataset;
use crate::error::{CausalError, Result};

/// Which statistic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DiscreteStatistic {
    /// Pearson's chi-square.
    ChiSquare,
    /// The likelihood-ratio G-square.
    GSquare,
}

/// Chi-square / G-square test over a dataset's scalar, discrete variables.
#[derive(Clone, Debug)]
pub struct Discrete {
    codes: Vec<Vec<u32>>,
    card: Vec<usize>,
    n: usize,
    stat: DiscreteStatistic,
}

impl Discrete {
    /// Builds the test (recodes every column). Errors: a vector-valued variable, no samples.
    pub fn new(ds: &Dataset, stat: DiscreteStatistic) -> Result<Self> {
        if let Some(v) = ds.variables().iter().find(|v| v.columns.len() != 1) {
            return Err(CausalError::param(
                "dataset",
                format!(
                    "the discrete tests need scalar variables, but `{}` has {} columns",
                    v.name,
                    v.columns.len()
                ),
            ));
        }
        let n = ds.n_samples();
        let mut codes = Vec::with_capacity(ds.n_variables());
        let mut card = Vec::with_capacity(ds.n_variables());
        for v in ds.variables() {
            let col = ds.values().column(v.columns[0]);
            let mut vals: Vec<f64> = col.to_vec();
            vals.sort_by(f64::total_cmp);
            vals.dedup();
            let c: Vec<u32> = col
                .iter()
                .map(|x| vals.binary_search_by(|p| p.total_cmp(x)).unwrap_or(0) as u32)
                .collect();
            codes.push(c);
            card.push(vals.len());
        }
        Ok(Discrete {
            codes,
            card,
            n,
            stat,
        })
    }

    /// The number of distinct values of each variable.
    pub fn cardinalities(&self) -> &[usize] {
        &self.card
    }
}

impl CiTest for Discrete {
    fn name(&self) -> &str {
        match self.stat {
            DiscreteStatistic::ChiSquare => "chisq",
            DiscreteStatistic::GSquare => "gsq",
        }
    }

    fn n_variables(&self) -> usize {
        self.card.len()
    }

    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
        check_query(self.card.len(), x, y, z)?;
        let (cx, cy) = (self.card[x], self.card[y]);
        let cxy = cx * cy;
        // layer id of every sample: dense ids in order of first appearance
        let mut layer = vec![0u32; self.n];
        let mut n_layers = 1usize;
        if !z.is_empty() {
            let radix_fits = z
                .iter()
                .try_fold(1u64, |acc, &v| acc.checked_mul(self.card[v] as u64))
                .is_some();
            let mut ids: HashMap<u64, u32> = HashMap::new();
            let mut ids_vec: HashMap<Vec<u32>, u32> = HashMap::new();
            for (r, l) in layer.iter_mut().enumerate() {
                let next = (ids.len() + ids_vec.len()) as u32;
                *l = if radix_fits {
                    let mut key = 0u64;
                    for &v in z {
                        key = key * self.card[v] as u64 + self.codes[v][r] as u64;
                    }
                    *ids.entry(key).or_insert(next)
                } else {
                    let key: Vec<u32> = z.iter().map(|&v| self.codes[v][r]).collect();
                    *ids_vec.entry(key).or_insert(next)
                };
            }
            n_layers = ids.len() + ids_vec.len();
        }
        let mut counts = vec![0u64; n_layers * cxy];
        let (xc, yc) = (&self.codes[x], &self.codes[y]);
        for r in 0..self.n {
            counts[layer[r] as usize * cxy + xc[r] as usize * cy + yc[r] as usize] += 1;
        }
        let mut stat = 0.0;
        let mut dof: i64 = 0;
        let mut rx = vec![0u64; cx];
        let mut ry = vec![0u64; cy];
        for l in 0..n_layers {
            let t = &counts[l * cxy..(l + 1) * cxy];
            rx.iter_mut().for_each(|v| *v = 0);
            ry.iter_mut().for_each(|v| *v = 0);
            for i in 0..cx {
                for j in 0..cy {
                    rx[i] += t[i * cy + j];
                    ry[j] += t[i * cy + j];
                }
            }
            let tot: u64 = rx.iter().sum();
            if tot == 0 {
                continue;
            }
            let totf = tot as f64;
            for i in 0..cx {
                for j in 0..cy {
                    let e = rx[i] as f64 * ry[j] as f64 / totf;
                    let c = t[i * cy + j] as f64;
                    match self.stat {
                        DiscreteStatistic::ChiSquare => {
                            let den = if e == 0.0 { 1.0 } else { e };
                            stat += (c - e) * (c - e) / den;
                        }
                        DiscreteStatistic::GSquare => {
                            if c > 0.0 && e > 0.0 {
                                stat += 2.0 * c * (c / e).ln();
                            }
                        }
                    }
                }
            }
            let zr = rx.iter().filter(|&&v| v == 0).count() as i64;
            let zc = ry.iter().filter(|&&v| v == 0).count() as i64;
            dof += (cx as i64 - 1 - zr) * (cy as i64 - 1 - zc);
        }
        if dof <= 0 {
            return Ok(CiResult::with_dof(stat, 1.0, 0.0));
        }
        let chi =
            ChiSquared::new(dof as f64).map_err(|e| CausalError::param("dof", e.to_string()))?;
        let p = chi.sf(stat).clamp(0.0, 1.0);
        Ok(CiResult::with_dof(stat, p, dof as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_layers_and_empty_cells() {
        // z splits the data; in layer z=1 the value x=2 never occurs -> dof shrinks
        let text = "x y z\n0 0 0\n1 1 0\n2 0 0\n0 1 0\n1 0 0\n2 1 0\n0 0 1\n1 1 1\n0 1 1\n1 0 1\n0 0 1\n1 0 1\n";
        let ds = Dataset::parse_table(text, "t").unwrap();
        let t = Discrete::new(&ds, DiscreteStatistic::ChiSquare).unwrap();
        let r = t.test(0, 1, &[2]).unwrap();
        // layer z=0: every cell 1, expected 1 -> 0; dof (3-1)*(2-1) = 2
        // layer z=1: x0: y0 2, y1 1; x1: y0 2, y1 1 -> independent exactly -> 0; dof (3-1-1)*(1) = 1
        assert_eq!(r.dof, Some(3.0));
        assert!(r.statistic.abs() < 1e-12);
        assert!((r.p_value - 1.0).abs() < 1e-12);
        let g = Discrete::new(&ds, DiscreteStatistic::GSquare).unwrap();
        let r = g.test(0, 1, &[]).unwrap();
        // marginal table x by y: x0 (3,2), x1 (3,2)... computed by hand:
        // x0: y0 {r1, r7, r11} = 3, y1 {r4, r9} = 2; x1: y0 {r5, r10, r12} = 3, y1 {r2, r8} = 2; x2: 1, 1
        // expected with y totals (7, 5), n = 12: x0 5*7/12, x1 same, x2 2*7/12
        let e = |rt: f64, ct: f64| rt * ct / 12.0;
        let terms = [
            (3.0, e(5.0, 7.0)),
            (2.0, e(5.0, 5.0)),
            (3.0, e(5.0, 7.0)),
            (2.0, e(5.0, 5.0)),
            (1.0, e(2.0, 7.0)),
            (1.0, e(2.0, 5.0)),
        ];
        let g2: f64 = terms.iter().map(|(c, e)| 2.0 * c * (c / e).ln()).sum();
        assert!((r.statistic - g2).abs() < 1e-12);
        assert_eq!(r.dof, Some(2.0));
    }

    #[test]
    fn single_value_gives_p_one() {
        let ds = Dataset::parse_table("a b\n1 0\n1 1\n1 0\n", "t").unwrap();
        let t = Discrete::new(&ds, DiscreteStatistic::GSquare).unwrap();
        assert_eq!(t.test(0, 1, &[]).unwrap().p_value, 1.0);
    }
}
