//! DAG -> CPDAG (the Markov equivalence class): keep the skeleton, orient the unshielded colliders
//! of the DAG, close under Meek's rules R1-R3 (complete without background knowledge, Meek 1995).
//!
//! ```
//! use causal_search::graph::{MixedGraph, cpdag::dag_to_cpdag};
//! // 0 --> 1 <-- 2, 1 --> 3
//! let mut g = MixedGraph::with_default_names(4);
//! g.add_directed(0, 1).unwrap();
//! g.add_directed(2, 1).unwrap();
//! g.add_directed(1, 3).unwrap();
//! let c = dag_to_cpdag(&g).unwrap();
//! assert!(c.is_parent(0, 1) && c.is_parent(2, 1) && c.is_parent(1, 3));
//! let mut chain = MixedGraph::with_default_names(2);
//! chain.add_directed(0, 1).unwrap();
//! assert!(dag_to_cpdag(&chain).unwrap().is_undirected(0, 1));
//! ```

use super::MixedGraph;
use super::pdag::{Pdag, TAIL};
use crate::error::{CausalError, Result};
use crate::search::meek::meek;

/// The CPDAG of a DAG. Errors if `dag` is not a DAG.
pub fn dag_to_cpdag(dag: &MixedGraph) -> Result<MixedGraph> {
    if !dag.is_dag() {
        return Err(CausalError::InvalidGraph(
            "dag_to_cpdag needs a DAG (only --> edges, no cycle)".into(),
        ));
    }
    let n = dag.n_nodes();
    let mut p = Pdag::empty(n);
    for e in dag.edges() {
        p.set_edge(e.a, e.b, TAIL, TAIL);
    }
    for y in 0..n {
        let pa = dag.parents(y);
        for (i, &x) in pa.iter().enumerate() {
            for &z in &pa[i + 1..] {
                if !dag.is_adjacent(x, z) {
                    p.orient(x, y);
                    p.orient(z, y);
                }
            }
        }
    }
    meek(&mut p, None, false);
    p.to_graph(dag.names())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Mark;

    #[test]
    fn shielded_collider_stays_undirected_and_r1_propagates() {
        // 0 --> 2 <-- 1, 0 --> 1 (shielded): all undirected
        let mut g = MixedGraph::with_default_names(3);
        g.add_directed(0, 2).unwrap();
        g.add_directed(1, 2).unwrap();
        g.add_directed(0, 1).unwrap();
        let c = dag_to_cpdag(&g).unwrap();
        assert!(
            c.edges()
                .iter()
                .all(|e| e.mark_a == Mark::Tail && e.mark_b == Mark::Tail)
        );
        // v-structure 0 --> 2 <-- 1 with 2 --> 3: R1 orients 2 --> 3, and 3 --> 4 too
        let mut g = MixedGraph::with_default_names(5);
        g.add_directed(0, 2).unwrap();
        g.add_directed(1, 2).unwrap();
        g.add_directed(2, 3).unwrap();
        g.add_directed(3, 4).unwrap();
        let c = dag_to_cpdag(&g).unwrap();
        assert!(c.is_parent(2, 3) && c.is_parent(3, 4));
        let mut bad = MixedGraph::with_default_names(2);
        bad.add_undirected(0, 1).unwrap();
        assert!(dag_to_cpdag(&bad).is_err());
    }

    fn v_structures(g: &MixedGraph) -> Vec<(usize, usize, usize)> {
        let mut v = Vec::new();
        for y in 0..g.n_nodes() {
            let pa = g.parents(y);
            for (i, &x) in pa.iter().enumerate() {
                for &z in &pa[i + 1..] {
                    if !g.is_adjacent(x, z) {
                        v.push((x, y, z));
                    }
                }
            }
        }
        v
    }

    /// The CPDAG equals the intersection of the Markov equivalence class, enumerated by brute force
    /// (all orientations of the skeleton that are acyclic with the same v-structures).
    #[test]
    fn matches_brute_force_equivalence_class() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for _ in 0..40 {
            let n = 6;
            let mut dag = MixedGraph::with_default_names(n);
            for a in 0..n {
                for b in a + 1..n {
                    if rng.random::<f64>() < 0.45 {
                        dag.add_directed(a, b).unwrap();
                    }
                }
            }
            let edges = dag.edges();
            let vs = v_structures(&dag);
            let mut members = Vec::new();
            for mask in 0u32..(1 << edges.len()) {
                let mut g = MixedGraph::with_default_names(n);
                for (k, e) in edges.iter().enumerate() {
                    if mask & (1 << k) != 0 {
                        g.add_directed(e.a, e.b).unwrap();
                    } else {
                        g.add_directed(e.b, e.a).unwrap();
                    }
                }
                if g.is_dag() && v_structures(&g) == vs {
                    members.push(g);
                }
            }
            let c = dag_to_cpdag(&dag).unwrap();
            for e in &edges {
                let all_ab = members.iter().all(|m| m.is_parent(e.a, e.b));
                let all_ba = members.iter().all(|m| m.is_parent(e.b, e.a));
                if all_ab {
                    assert!(c.is_parent(e.a, e.b));
                } else if all_ba {
                    assert!(c.is_parent(e.b, e.a));
                } else {
                    assert!(c.is_undirected(e.a, e.b));
                }
            }
        }
    }
}
