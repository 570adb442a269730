//! A dense endpoint matrix used inside the searches (causal-learn's encoding: `m[i][j]` is the mark
//! at node `i` on the edge `i *-* j`: 0 none, -1 tail, 1 arrowhead, 2 circle). Iteration orders
//! follow causal-learn's so that conflict resolution picks the same winners.
//!
//! It also keeps causal-learn's ancestor matrix (`GeneralGraph.dpath`), which causal-learn's Meek
//! rules consult to skip an orientation that would close a directed cycle. That matrix is not the
//! transitive closure: adding `i --> j` marks the ancestors of `i` as ancestors of `j` and `i` as an
//! ancestor of the descendants of `j` (one composition, not a closure), and removing a directed edge
//! rebuilds it by adding the remaining directed edges from the last pair to the first. We reproduce
//! exactly that so that conflicting patterns from finite data resolve as in causal-learn.

use super::{Mark, MixedGraph};

/// Tail code.
pub(crate) const TAIL: i8 = -1;
/// Arrowhead code.
pub(crate) const ARROW: i8 = 1;
/// Circle code.
pub(crate) const CIRCLE: i8 = 2;

/// Dense mark matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pdag {
    pub n: usize,
    m: Vec<i8>,
    /// `dpath[j * n + i]`: `i` is recorded as an ancestor of `j`.
    dpath: Vec<bool>,
}

impl Pdag {
    /// Complete undirected graph (every pair `---`), as causal-learn's PC starts.
    pub fn complete(n: usize, mark: i8) -> Self {
        let mut m = vec![mark; n * n];
        for i in 0..n {
            m[i * n + i] = 0;
        }
        Pdag {
            n,
            m,
            dpath: Self::identity(n),
        }
    }

    fn identity(n: usize) -> Vec<bool> {
        let mut d = vec![false; n * n];
        for i in 0..n {
            d[i * n + i] = true;
        }
        d
    }

    /// causal-learn's `adjust_dpath(i, j)` after adding `i --> j`.
    fn adjust(&mut self, i: usize, j: usize) {
        let n = self.n;
        self.dpath[j * n + i] = true;
        for k in 0..n {
            if self.dpath[i * n + k] {
                self.dpath[j * n + k] = true;
            }
            if self.dpath[k * n + j] {
                self.dpath[k * n + i] = true;
            }
        }
    }

    /// causal-learn's `reconstitute_dpath(get_graph_edges())`.
    fn reconstitute(&mut self) {
        let n = self.n;
        self.dpath = Self::identity(n);
        let mut edges = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                if self.get(j, i) != 0 {
                    edges.push((i, j));
                }
            }
        }
        while let Some((i, j)) = edges.pop() {
            if self.directed(i, j) {
                self.adjust(i, j);
            } else if self.directed(j, i) {
                self.adjust(j, i);
            }
        }
    }

    /// True when `a` is recorded as an ancestor of `b` (causal-learn's `is_ancestor_of`).
    pub fn is_ancestor(&self, a: usize, b: usize) -> bool {
        self.dpath[b * self.n + a]
    }

    /// Empty graph.
    pub fn empty(n: usize) -> Self {
        Pdag {
            n,
            m: vec![0; n * n],
            dpath: Self::identity(n),
        }
    }

    #[inline]
    pub fn get(&self, i: usize, j: usize) -> i8 {
        self.m[i * self.n + j]
    }

    #[inline]
    pub fn set(&mut self, i: usize, j: usize, v: i8) {
        self.m[i * self.n + j] = v;
    }

    /// Sets the edge `i *-* j` with mark `mi` at i and `mj` at j (raw: the ancestor matrix is not
    /// updated; use for undirected and circle edges, or before any orientation).
    #[inline]
    pub fn set_edge(&mut self, i: usize, j: usize, mi: i8, mj: i8) {
        self.set(i, j, mi);
        self.set(j, i, mj);
    }

    #[inline]
    pub fn adjacent(&self, i: usize, j: usize) -> bool {
        self.get(i, j) != 0
    }

    /// Removes the edge (rebuilding the ancestor matrix if it was directed, as causal-learn does).
    pub fn remove(&mut self, i: usize, j: usize) {
        let was_directed = self.directed(i, j) || self.directed(j, i);
        self.set(i, j, 0);
        self.set(j, i, 0);
        if was_directed {
            self.reconstitute();
        }
    }

    /// `i --> j`.
    #[inline]
    pub fn directed(&self, i: usize, j: usize) -> bool {
        self.get(i, j) == TAIL && self.get(j, i) == ARROW
    }

    /// `i --- j`.
    #[inline]
    pub fn undirected(&self, i: usize, j: usize) -> bool {
        self.get(i, j) == TAIL && self.get(j, i) == TAIL
    }

    /// Replaces the edge by `i --> j` (causal-learn's `remove_edge` + `add_edge`).
    pub fn orient(&mut self, i: usize, j: usize) {
        self.remove(i, j);
        self.set_edge(i, j, TAIL, ARROW);
        self.adjust(i, j);
    }

    /// Replaces the edge by `i <-> j`.
    pub fn make_bidirected(&mut self, i: usize, j: usize) {
        self.remove(i, j);
        self.set_edge(i, j, ARROW, ARROW);
    }

    /// Neighbours of `i`, ascending.
    pub fn neighbors(&self, i: usize) -> Vec<usize> {
        (0..self.n).filter(|&j| self.get(i, j) != 0).collect()
    }

    pub fn max_degree(&self) -> usize {
        (0..self.n)
            .map(|i| (0..self.n).filter(|&j| self.get(i, j) != 0).count())
            .max()
            .unwrap_or(0)
    }

    /// causal-learn's `find_adj` order: entries `(j, i)` for `m[i][j] == -1` in row-major order of
    /// `(i, j)`, then the same for `m[i][j] == 1`, then (PAG extension) `== 2`.
    pub fn adj_list(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for code in [TAIL, ARROW, CIRCLE] {
            for i in 0..self.n {
                for j in 0..self.n {
                    if self.get(i, j) == code {
                        out.push((j, i));
                    }
                }
            }
        }
        out
    }

    /// Groups the adjacency list by first element, preserving order.
    fn by_first(&self, adj: &[(usize, usize)]) -> Vec<Vec<usize>> {
        let mut by = vec![Vec::new(); self.n];
        for &(a, b) in adj {
            by[a].push(b);
        }
        by
    }

    /// causal-learn's `find_unshielded_triples` order: `(i, j, k)`, `i` and `k` not adjacent.
    pub fn unshielded_triples(&self) -> Vec<(usize, usize, usize)> {
        let adj = self.adj_list();
        let by = self.by_first(&adj);
        let mut out = Vec::new();
        for &(i, j) in &adj {
            for &k in &by[j] {
                if k != i && !self.adjacent(i, k) {
                    out.push((i, j, k));
                }
            }
        }
        out
    }

    /// causal-learn's `find_triangles` order.
    pub fn triangles(&self) -> Vec<(usize, usize, usize)> {
        let adj = self.adj_list();
        let by = self.by_first(&adj);
        let mut out = Vec::new();
        for &(i, j) in &adj {
            for &k in &by[j] {
                if k != i && self.adjacent(i, k) {
                    out.push((i, j, k));
                }
            }
        }
        out
    }

    /// causal-learn's `find_kites` order: `(i, j, k, l)` with triangles `(i, j, l)`, `(i, k, l)`,
    /// `j < k`, `j` and `k` not adjacent.
    pub fn kites(&self) -> Vec<(usize, usize, usize, usize)> {
        let tri = self.triangles();
        // group triangles by (first, third), preserving order
        let mut groups: std::collections::HashMap<(usize, usize), Vec<usize>> =
            std::collections::HashMap::new();
        for &(i, j, l) in &tri {
            groups.entry((i, l)).or_default().push(j);
        }
        let mut out = Vec::new();
        for &(i, j, l) in &tri {
            if let Some(ks) = groups.get(&(i, l)) {
                for &k in ks {
                    if j < k && !self.adjacent(j, k) {
                        out.push((i, j, k, l));
                    }
                }
            }
        }
        out
    }

    /// Converts to a [`MixedGraph`] with the given names (one per node).
    pub fn to_graph(&self, names: &[String]) -> crate::error::Result<MixedGraph> {
        let mut g = MixedGraph::new(names.to_vec())?;
        for i in 0..self.n {
            for j in i + 1..self.n {
                let (a, b) = (self.get(i, j), self.get(j, i));
                if a != 0 || b != 0 {
                    let ma = Mark::from_causal_learn_code(a as i64).ok_or_else(|| {
                        crate::error::CausalError::InvalidGraph(format!("bad mark code {a}"))
                    })?;
                    let mb = Mark::from_causal_learn_code(b as i64).ok_or_else(|| {
                        crate::error::CausalError::InvalidGraph(format!("bad mark code {b}"))
                    })?;
                    g.put(i, j, ma, mb);
                }
            }
        }
        Ok(g)
    }
}
