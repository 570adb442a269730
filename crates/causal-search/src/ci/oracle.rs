//! The d-separation oracle: answers CI queries from a known DAG (or ancestral graph), with latent
//! nodes allowed. Observed node `i` of the oracle is graph node `observed[i]`; the p-value is 1 when
//! the nodes are d-separated given the conditioning set and 0 otherwise.
//!
//! ```
//! use causal_search::ci::{CiTest, oracle::DSepOracle};
//! use causal_search::graph::MixedGraph;
//! // L (latent) --> A, L --> B
//! let mut g = MixedGraph::new(vec!["L".into(), "A".into(), "B".into()]).unwrap();
//! g.add_directed(0, 1).unwrap();
//! g.add_directed(0, 2).unwrap();
//! let o = DSepOracle::with_observed_names(&g, &["A", "B"]).unwrap();
//! assert_eq!(o.test(0, 1, &[]).unwrap().p_value, 0.0); // confounded through the latent
//! ```

use super::{CiResult, CiTest, check_query};
use crate::error::{CausalError, Result};
use crate::graph::MixedGraph;
use crate::graph::dsep::Separation;

/// CI answers from d-/m-separation in a known graph.
#[derive(Clone, Debug)]
pub struct DSepOracle {
    sep: Separation,
    observed: Vec<usize>,
    names: Vec<String>,
}

impl DSepOracle {
    /// All nodes of `g` observed, in `g`'s order.
    pub fn new(g: &MixedGraph) -> Result<Self> {
        Self::with_observed(g, &(0..g.n_nodes()).collect::<Vec<_>>())
    }

    /// Only the graph nodes `observed` (indices into `g`, in the order the oracle uses).
    pub fn with_observed(g: &MixedGraph, observed: &[usize]) -> Result<Self> {
        let mut seen = vec![false; g.n_nodes()];
        for &o in observed {
            if o >= g.n_nodes() {
                return Err(CausalError::IndexOutOfRange {
                    index: o,
                    n: g.n_nodes(),
                });
            }
            if seen[o] {
                return Err(CausalError::DuplicateName {
                    name: g.name(o).to_string(),
                    context: "oracle observed nodes".into(),
                });
            }
            seen[o] = true;
        }
        Ok(DSepOracle {
            sep: Separation::new(g)?,
            observed: observed.to_vec(),
            names: observed.iter().map(|&o| g.name(o).to_string()).collect(),
        })
    }

    /// Observed nodes by name, in the oracle's order.
    pub fn with_observed_names(g: &MixedGraph, names: &[&str]) -> Result<Self> {
        let idx: Vec<usize> = names.iter().map(|n| g.index_of(n)).collect::<Result<_>>()?;
        Self::with_observed(g, &idx)
    }

    /// The observed nodes' names, in the oracle's order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

impl CiTest for DSepOracle {
    fn name(&self) -> &str {
        "d-separation"
    }

    fn n_variables(&self) -> usize {
        self.observed.len()
    }

    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
        check_query(self.observed.len(), x, y, z)?;
        let zz: Vec<usize> = z.iter().map(|&v| self.observed[v]).collect();
        let sep = self
            .sep
            .separated(&[self.observed[x]], &[self.observed[y]], &zz)?;
        Ok(if sep {
            CiResult::new(0.0, 1.0)
        } else {
            CiResult::new(1.0, 0.0)
        })
    }

    fn always_dependent(&self, x: usize, y: usize) -> bool {
        match (self.observed.get(x), self.observed.get(y)) {
            (Some(&a), Some(&b)) => self.sep.adjacent(a, b),
            _ => false,
        }
    }
}
