//! d-separation (DAGs) and m-separation (ancestral graphs: `-->`, `<->`, `---`).
//!
//! A path is open given Z when every collider on it (both adjacent edges with an arrowhead at the node)
//! is an ancestor of Z (or in Z), and every other node is outside Z. The search is a reachability
//! over (node, arrived-with-arrowhead) states ("Bayes ball"), linear in the graph's size.
//!
//! ```
//! use causal_search::graph::{MixedGraph, dsep::Separation};
//! // A --> B --> C, A --> D <-- C
//! let mut g = MixedGraph::with_default_names(4);
//! g.add_directed(0, 1).unwrap();
//! g.add_directed(1, 2).unwrap();
//! g.add_directed(0, 3).unwrap();
//! g.add_directed(2, 3).unwrap();
//! let s = Separation::new(&g).unwrap();
//! assert!(s.separated(&[0], &[2], &[1]).unwrap());
//! assert!(!s.separated(&[0], &[2], &[1, 3]).unwrap()); // conditioning on the collider D opens it
//! ```

use super::{Mark, MixedGraph};
use crate::error::{CausalError, Result};

/// A graph prepared for repeated separation queries.
#[derive(Clone, Debug)]
pub struct Separation {
    /// `adj[v]` = (neighbour u, mark at v, mark at u).
    adj: Vec<Vec<(usize, Mark, Mark)>>,
    /// `parents[v]` = nodes u with u --> v.
    parents: Vec<Vec<usize>>,
    /// Sorted neighbour lists, for O(log d) adjacency tests.
    sorted_adj: Vec<Vec<usize>>,
}

impl Separation {
    /// Prepares `g`. Errors if `g` has a circle mark (separation is undefined for PAG edges).
    pub fn new(g: &MixedGraph) -> Result<Self> {
        let n = g.n_nodes();
        let mut adj = vec![Vec::new(); n];
        let mut parents = vec![Vec::new(); n];
        for e in g.edges() {
            if e.mark_a == Mark::Circle || e.mark_b == Mark::Circle {
                return Err(CausalError::InvalidGraph(format!(
                    "m-separation needs an ancestral graph, but `{} {} {}` has a circle",
                    g.name(e.a),
                    e.symbol(),
                    g.name(e.b)
                )));
            }
            adj[e.a].push((e.b, e.mark_a, e.mark_b));
            adj[e.b].push((e.a, e.mark_b, e.mark_a));
            match (e.mark_a, e.mark_b) {
                (Mark::Tail, Mark::Arrow) => parents[e.b].push(e.a),
                (Mark::Arrow, Mark::Tail) => parents[e.a].push(e.b),
                _ => {}
            }
        }
        let sorted_adj = adj
            .iter()
            .map(|v| {
                let mut s: Vec<usize> = v.iter().map(|e| e.0).collect();
                s.sort_unstable();
                s
            })
            .collect();
        Ok(Separation {
            adj,
            parents,
            sorted_adj,
        })
    }

    /// True when `a` and `b` are adjacent (then never separated).
    pub fn adjacent(&self, a: usize, b: usize) -> bool {
        self.sorted_adj
            .get(a)
            .is_some_and(|v| v.binary_search(&b).is_ok())
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.adj.len()
    }

    /// True when every node of `x` is m-separated from every node of `y` given `z`. The three sets
    /// must be disjoint and in range.
    pub fn separated(&self, x: &[usize], y: &[usize], z: &[usize]) -> Result<bool> {
        let n = self.n_nodes();
        let mut role = vec![0u8; n]; // 1 = x, 2 = y, 4 = z
        for (set, bit) in [(x, 1u8), (y, 2u8), (z, 4u8)] {
            for &v in set {
                if v >= n {
                    return Err(CausalError::IndexOutOfRange { index: v, n });
                }
                if role[v] & !bit != 0 {
                    return Err(CausalError::param(
                        "x, y, z",
                        format!("node {v} appears in two of the sets"),
                    ));
                }
                role[v] |= bit;
            }
        }
        // adjacent nodes are never separated
        if x.iter().any(|&a| y.iter().any(|&b| self.adjacent(a, b))) {
            return Ok(false);
        }
        // ancestors of z (z included)
        let mut anc = vec![false; n];
        let mut stack: Vec<usize> = z.to_vec();
        for &v in z {
            anc[v] = true;
        }
        while let Some(v) = stack.pop() {
            for &u in &self.parents[v] {
                if !anc[u] {
                    anc[u] = true;
                    stack.push(u);
                }
            }
        }
        // states: (node, arrived with an arrowhead at the node)
        let mut seen = vec![[false; 2]; n];
        let mut queue: Vec<(usize, bool)> = Vec::new();
        for &s in x {
            for &(u, _, mu) in &self.adj[s] {
                let st = (u, mu == Mark::Arrow);
                if !seen[u][st.1 as usize] {
                    seen[u][st.1 as usize] = true;
                    queue.push(st);
                }
            }
        }
        while let Some((v, arrow_in)) = queue.pop() {
            if role[v] & 2 != 0 {
                return Ok(false);
            }
            if role[v] & 1 != 0 {
                // paths through another node of X: any open continuation is also found from it.
                continue;
            }
            let in_z = role[v] & 4 != 0;
            for &(u, mv, mu) in &self.adj[v] {
                let collider = arrow_in && mv == Mark::Arrow;
                let pass = if collider { anc[v] } else { !in_z };
                if pass {
                    let a = (mu == Mark::Arrow) as usize;
                    if !seen[u][a] {
                        seen[u][a] = true;
                        queue.push((u, a == 1));
                    }
                }
            }
        }
        Ok(true)
    }
}

/// True when `x` and `y` are d-separated (DAG) / m-separated (ancestral graph) given `z` in `g`.
/// Builds a [`Separation`] each call; prepare one for repeated queries.
pub fn separated(g: &MixedGraph, x: &[usize], y: &[usize], z: &[usize]) -> Result<bool> {
    Separation::new(g)?.separated(x, y, z)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute force: enumerate simple paths and check each by definition.
    fn brute(g: &MixedGraph, x: usize, y: usize, z: &[usize]) -> bool {
        let anc = g.ancestors_of(z);
        let mut path = vec![x];
        fn dfs(g: &MixedGraph, y: usize, z: &[usize], anc: &[bool], path: &mut Vec<usize>) -> bool {
            let v = *path.last().unwrap();
            if v == y {
                // check the path
                for w in 1..path.len() - 1 {
                    let (p, c, q) = (path[w - 1], path[w], path[w + 1]);
                    let col =
                        g.mark(c, p) == Some(Mark::Arrow) && g.mark(c, q) == Some(Mark::Arrow);
                    if col && !anc[c] {
                        return false;
                    }
                    if !col && z.contains(&c) {
                        return false;
                    }
                }
                return true;
            }
            for u in g.adjacent(v) {
                if !path.contains(&u) {
                    path.push(u);
                    if dfs(g, y, z, anc, path) {
                        return true;
                    }
                    path.pop();
                }
            }
            false
        }
        !dfs(g, y, z, &anc, &mut path)
    }

    #[test]
    fn matches_path_enumeration_on_random_graphs() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for trial in 0..60 {
            let n = 7;
            let mut g = MixedGraph::with_default_names(n);
            for a in 0..n {
                for b in a + 1..n {
                    if rng.random::<f64>() < 0.35 {
                        // DAG in index order, plus some bidirected edges for MAG-like graphs
                        if trial % 2 == 1 && rng.random::<f64>() < 0.3 {
                            g.add_bidirected(a, b).unwrap();
                        } else {
                            g.add_directed(a, b).unwrap();
                        }
                    }
                }
            }
            let s = Separation::new(&g).unwrap();
            for x in 0..n {
                for y in x + 1..n {
                    let others: Vec<usize> = (0..n).filter(|&v| v != x && v != y).collect();
                    for mask in 0..(1u32 << others.len()) {
                        if mask.count_ones() > 3 {
                            continue;
                        }
                        let z: Vec<usize> = others
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1 << i) != 0)
                            .map(|(_, &v)| v)
                            .collect();
                        assert_eq!(
                            s.separated(&[x], &[y], &z).unwrap(),
                            brute(&g, x, y, &z),
                            "trial {trial} x {x} y {y} z {z:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn errors() {
        let mut g = MixedGraph::with_default_names(3);
        g.add_nondirected(0, 1).unwrap();
        assert!(Separation::new(&g).is_err());
        let g = MixedGraph::with_default_names(3);
        let s = Separation::new(&g).unwrap();
        assert!(s.separated(&[0], &[0], &[]).is_err());
        assert!(s.separated(&[0], &[3], &[]).is_err());
        assert!(s.separated(&[0], &[1], &[2]).unwrap());
    }
}
