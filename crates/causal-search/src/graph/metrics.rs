//! Comparing an estimated graph with a reference: structural Hamming distance and adjacency /
//! arrowhead precision and recall.
//!
//! Graphs are matched by node **name**, so node order may differ; both must have the same node set.
//!
//! ```
//! use causal_search::graph::{MixedGraph, metrics::compare};
//! let mut truth = MixedGraph::with_default_names(3);
//! truth.add_directed(0, 1).unwrap();
//! truth.add_directed(2, 1).unwrap();
//! let mut est = MixedGraph::with_default_names(3);
//! est.add_directed(0, 1).unwrap();
//! est.add_undirected(1, 2).unwrap();
//! let c = compare(&est, &truth).unwrap();
//! assert_eq!(c.shd, 1);
//! assert_eq!(c.adjacency_precision, Some(1.0));
//! assert_eq!(c.arrowhead_recall, Some(0.5));
//! ```

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{Mark, MixedGraph};
use crate::error::{CausalError, Result};

/// Agreement between an estimated and a reference graph.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Structural Hamming distance: number of node pairs whose edge differs (missing, extra, or with
    /// different marks; a reversed edge counts once).
    pub shd: usize,
    /// Adjacencies in both graphs.
    pub adjacency_tp: usize,
    /// Adjacencies only in the estimate.
    pub adjacency_fp: usize,
    /// Adjacencies only in the reference.
    pub adjacency_fn: usize,
    /// `tp / (tp + fp)`; `None` when the estimate has no edges.
    pub adjacency_precision: Option<f64>,
    /// `tp / (tp + fn)`; `None` when the reference has no edges.
    pub adjacency_recall: Option<f64>,
    /// Arrowheads (mark `>` at a node on a given edge) in both graphs.
    pub arrowhead_tp: usize,
    /// Arrowheads only in the estimate.
    pub arrowhead_fp: usize,
    /// Arrowheads only in the reference.
    pub arrowhead_fn: usize,
    /// Arrowhead precision; `None` when the estimate has no arrowheads.
    pub arrowhead_precision: Option<f64>,
    /// Arrowhead recall; `None` when the reference has no arrowheads.
    pub arrowhead_recall: Option<f64>,
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Compares `est` with `truth` (same node names, any order).
pub fn compare(est: &MixedGraph, truth: &MixedGraph) -> Result<Comparison> {
    let t = if est.names() == truth.names() {
        truth.clone()
    } else {
        if est.n_nodes() != truth.n_nodes() {
            return Err(CausalError::ShapeMismatch {
                what: "nodes of the compared graphs".into(),
                expected: truth.n_nodes(),
                found: est.n_nodes(),
            });
        }
        truth.reorder(est.names())?
    };
    let n = est.n_nodes();
    let mut shd = 0;
    let (mut atp, mut afp, mut afn) = (0, 0, 0);
    let arrows = |g: &MixedGraph| -> HashSet<(usize, usize)> {
        let mut s = HashSet::new();
        for e in g.edges() {
            if e.mark_a == Mark::Arrow {
                s.insert((e.a, e.b));
            }
            if e.mark_b == Mark::Arrow {
                s.insert((e.b, e.a));
            }
        }
        s
    };
    for a in 0..n {
        for b in a + 1..n {
            let (x, y) = (est.edge(a, b), t.edge(a, b));
            match (x.is_some(), y.is_some()) {
                (true, true) => atp += 1,
                (true, false) => afp += 1,
                (false, true) => afn += 1,
                _ => {}
            }
            if x != y {
                shd += 1;
            }
        }
    }
    let (ea, ta) = (arrows(est), arrows(&t));
    let htp = ea.intersection(&ta).count();
    let hfp = ea.len() - htp;
    let hfn = ta.len() - htp;
    Ok(Comparison {
        shd,
        adjacency_tp: atp,
        adjacency_fp: afp,
        adjacency_fn: afn,
        adjacency_precision: ratio(atp, atp + afp),
        adjacency_recall: ratio(atp, atp + afn),
        arrowhead_tp: htp,
        arrowhead_fp: hfp,
        arrowhead_fn: hfn,
        arrowhead_precision: ratio(htp, htp + hfp),
        arrowhead_recall: ratio(htp, htp + hfn),
    })
}

/// True when the two graphs have the same adjacencies (matched by name).
pub fn same_skeleton(a: &MixedGraph, b: &MixedGraph) -> Result<bool> {
    let c = compare(a, b)?;
    Ok(c.adjacency_fp == 0 && c.adjacency_fn == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_name() {
        let mut t = MixedGraph::new(vec!["a".into(), "b".into(), "c".into()]).unwrap();
        t.add_directed(0, 1).unwrap();
        t.add_directed(1, 2).unwrap();
        let mut e = MixedGraph::new(vec!["c".into(), "b".into(), "a".into()]).unwrap();
        e.add_directed(1, 2).unwrap(); // b --> a: reversed
        e.add_directed(0, 2).unwrap(); // c --> a: extra
        let c = compare(&e, &t).unwrap();
        assert_eq!(c.shd, 3); // reversed a-b, extra a-c, missing b-c
        assert_eq!((c.adjacency_tp, c.adjacency_fp, c.adjacency_fn), (1, 1, 1));
        assert_eq!((c.arrowhead_tp, c.arrowhead_fp, c.arrowhead_fn), (0, 2, 2));
        assert!(!same_skeleton(&e, &t).unwrap());
        assert_eq!(compare(&t, &t).unwrap().shd, 0);
        let other = MixedGraph::with_default_names(2);
        assert!(compare(&other, &t).is_err());
    }
}
