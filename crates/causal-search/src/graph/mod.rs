//! Mixed graphs with endpoint marks, on petgraph.
//!
//! A [`MixedGraph`] has named nodes `0..n` and at most one edge per pair; each edge carries a
//! [`Mark`] at each end (tail, arrowhead or circle). The same type represents
//! - **DAGs** (every edge `a --> b`, no directed cycle),
//! - **CPDAGs / PDAGs** (directed and undirected `a --- b` edges),
//! - **MAGs and PAGs** (`-->`, `<->`, `o->`, `o-o`, ...).
//!
//! Storage is a petgraph [`UnGraphMap`] keyed by node index, so adjacency tests and mark lookups are
//! hash lookups. Submodules: [`dsep`] (d- and m-separation), [`cpdag`] (DAG -> CPDAG, Meek rules),
//! [`metrics`] (SHD, adjacency and arrowhead precision/recall).
//!
//! ```
//! use causal_search::graph::{Mark, MixedGraph};
//! let mut g = MixedGraph::new(vec!["A".into(), "B".into(), "C".into()]).unwrap();
//! g.add_directed(0, 1).unwrap();            // A --> B
//! g.add_edge(2, 1, Mark::Circle, Mark::Arrow).unwrap(); // C o-> B
//! assert_eq!(g.mark(1, 0), Some(Mark::Arrow)); // mark at B on the edge A-B
//! assert!(g.is_parent(0, 1));
//! assert_eq!(g.adjacent(1), vec![0, 2]);
//! ```

pub mod cpdag;
pub mod dsep;
pub mod metrics;
pub(crate) mod pdag;

use std::collections::HashMap;
use std::fmt;

use petgraph::graphmap::UnGraphMap;
use serde::{Deserialize, Serialize};

use crate::error::{CausalError, Result};

/// The mark at one end of an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    /// A tail (`-`): the node is an ancestor of the other end (in a MAG/PAG), or the edge is
    /// undirected at this end (in a CPDAG).
    Tail,
    /// An arrowhead (`>`): the node is not an ancestor of the other end.
    Arrow,
    /// A circle (`o`): undetermined (PAGs only).
    Circle,
}

impl Mark {
    /// causal-learn's code for the mark: -1 tail, 1 arrowhead, 2 circle.
    pub fn causal_learn_code(self) -> i8 {
        match self {
            Mark::Tail => -1,
            Mark::Arrow => 1,
            Mark::Circle => 2,
        }
    }

    /// The mark for a causal-learn code (-1, 1, 2), or `None`.
    pub fn from_causal_learn_code(code: i64) -> Option<Mark> {
        match code {
            -1 => Some(Mark::Tail),
            1 => Some(Mark::Arrow),
            2 => Some(Mark::Circle),
            _ => None,
        }
    }
}

/// An edge with its marks: `mark_a` at node `a`, `mark_b` at node `b`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edge {
    /// One end.
    pub a: usize,
    /// The other end.
    pub b: usize,
    /// The mark at `a`.
    pub mark_a: Mark,
    /// The mark at `b`.
    pub mark_b: Mark,
}

impl Edge {
    /// The same edge seen from the other end.
    pub fn reversed(self) -> Edge {
        Edge {
            a: self.b,
            b: self.a,
            mark_a: self.mark_b,
            mark_b: self.mark_a,
        }
    }

    /// The edge's symbol in Tetrad's notation with `a` on the left (`-->`, `<->`, `o->`, `---`,
    /// `o-o`, `<--`, ...).
    pub fn symbol(&self) -> String {
        let l = match self.mark_a {
            Mark::Tail => '-',
            Mark::Arrow => '<',
            Mark::Circle => 'o',
        };
        let r = match self.mark_b {
            Mark::Tail => '-',
            Mark::Arrow => '>',
            Mark::Circle => 'o',
        };
        format!("{l}-{r}")
    }
}

/// Marks stored on a petgraph edge: `lo` at the smaller node index, `hi` at the larger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Marks {
    lo: Mark,
    hi: Mark,
}

/// A graph with named nodes and edges carrying a mark at each end. See the [module docs](self).
#[derive(Clone)]
pub struct MixedGraph {
    names: Vec<String>,
    g: UnGraphMap<u32, Marks>,
}

impl fmt::Debug for MixedGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::io::tetrad::to_string(self))
    }
}

impl PartialEq for MixedGraph {
    fn eq(&self, other: &Self) -> bool {
        self.names == other.names && self.edges() == other.edges()
    }
}

impl MixedGraph {
    /// A graph without edges on the named nodes (names must be unique and non-empty).
    pub fn new(names: Vec<String>) -> Result<Self> {
        let mut seen = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            if n.is_empty() || n.chars().any(char::is_whitespace) {
                return Err(CausalError::param(
                    "names",
                    format!("node {i} has an empty name or one with whitespace: `{n}`"),
                ));
            }
            if seen.insert(n.as_str(), i).is_some() {
                return Err(CausalError::DuplicateName {
                    name: n.clone(),
                    context: "graph node names".into(),
                });
            }
        }
        if names.len() > u32::MAX as usize {
            return Err(CausalError::param("names", "too many nodes"));
        }
        let mut g = UnGraphMap::with_capacity(names.len(), 0);
        for i in 0..names.len() {
            g.add_node(i as u32);
        }
        Ok(MixedGraph { names, g })
    }

    /// A graph without edges on nodes named `X1..Xn` (causal-learn's default names).
    pub fn with_default_names(n: usize) -> Self {
        let names = (1..=n).map(|i| format!("X{i}")).collect();
        // Names X1..Xn are unique and valid.
        match Self::new(names) {
            Ok(g) => g,
            Err(_) => unreachable!("default names are valid"),
        }
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.names.len()
    }

    /// Number of edges.
    pub fn n_edges(&self) -> usize {
        self.g.edge_count()
    }

    /// The node names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The name of node `i` (panics if out of range).
    pub fn name(&self, i: usize) -> &str {
        &self.names[i]
    }

    /// The index of the node called `name`.
    pub fn index_of(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| CausalError::UnknownVariable {
                name: name.to_string(),
                context: "graph nodes".into(),
            })
    }

    fn check(&self, v: usize) -> Result<()> {
        if v < self.names.len() {
            Ok(())
        } else {
            Err(CausalError::IndexOutOfRange {
                index: v,
                n: self.names.len(),
            })
        }
    }

    /// Adds the edge `a *-* b` with `mark_a` at `a` and `mark_b` at `b`. Errors on a self-loop, an
    /// index out of range, or an existing edge between `a` and `b`.
    pub fn add_edge(&mut self, a: usize, b: usize, mark_a: Mark, mark_b: Mark) -> Result<()> {
        self.check(a)?;
        self.check(b)?;
        if a == b {
            return Err(CausalError::InvalidGraph(format!(
                "self-loop on `{}`",
                self.names[a]
            )));
        }
        if self.is_adjacent(a, b) {
            return Err(CausalError::InvalidGraph(format!(
                "a second edge between `{}` and `{}`",
                self.names[a], self.names[b]
            )));
        }
        self.put(a, b, mark_a, mark_b);
        Ok(())
    }

    /// Inserts or replaces the edge between `a` and `b` (indices must be valid and distinct; internal
    /// use by algorithms that have checked them).
    pub(crate) fn put(&mut self, a: usize, b: usize, mark_a: Mark, mark_b: Mark) {
        let m = if a < b {
            Marks {
                lo: mark_a,
                hi: mark_b,
            }
        } else {
            Marks {
                lo: mark_b,
                hi: mark_a,
            }
        };
        self.g.add_edge(a as u32, b as u32, m);
    }

    /// Adds `a --> b`.
    pub fn add_directed(&mut self, a: usize, b: usize) -> Result<()> {
        self.add_edge(a, b, Mark::Tail, Mark::Arrow)
    }

    /// Adds `a --- b`.
    pub fn add_undirected(&mut self, a: usize, b: usize) -> Result<()> {
        self.add_edge(a, b, Mark::Tail, Mark::Tail)
    }

    /// Adds `a <-> b`.
    pub fn add_bidirected(&mut self, a: usize, b: usize) -> Result<()> {
        self.add_edge(a, b, Mark::Arrow, Mark::Arrow)
    }

    /// Adds `a o-o b`.
    pub fn add_nondirected(&mut self, a: usize, b: usize) -> Result<()> {
        self.add_edge(a, b, Mark::Circle, Mark::Circle)
    }

    /// Removes the edge between `a` and `b`; returns its marks (at `a`, at `b`) if there was one.
    pub fn remove_edge(&mut self, a: usize, b: usize) -> Option<(Mark, Mark)> {
        let m = self.g.remove_edge(a as u32, b as u32)?;
        Some(if a < b { (m.lo, m.hi) } else { (m.hi, m.lo) })
    }

    /// True when `a` and `b` are adjacent.
    pub fn is_adjacent(&self, a: usize, b: usize) -> bool {
        a != b && self.g.contains_edge(a as u32, b as u32)
    }

    /// The marks of the edge between `a` and `b`: (mark at `a`, mark at `b`).
    pub fn edge(&self, a: usize, b: usize) -> Option<(Mark, Mark)> {
        if a == b {
            return None;
        }
        let m = self.g.edge_weight(a as u32, b as u32)?;
        Some(if a < b { (m.lo, m.hi) } else { (m.hi, m.lo) })
    }

    /// The mark at node `at` on the edge between `at` and `other`.
    pub fn mark(&self, at: usize, other: usize) -> Option<Mark> {
        self.edge(at, other).map(|(m, _)| m)
    }

    /// Sets the mark at node `at` on the existing edge `at *-* other`.
    pub fn set_mark(&mut self, at: usize, other: usize, mark: Mark) -> Result<()> {
        if at == other {
            return Err(CausalError::InvalidGraph("self-loop".into()));
        }
        let Some(m) = self.g.edge_weight_mut(at as u32, other as u32) else {
            return Err(CausalError::InvalidGraph(format!(
                "no edge between `{}` and `{}`",
                self.names.get(at).map_or("?", |s| s),
                self.names.get(other).map_or("?", |s| s)
            )));
        };
        if at < other {
            m.lo = mark;
        } else {
            m.hi = mark;
        }
        Ok(())
    }

    /// Nodes adjacent to `v`, ascending.
    pub fn adjacent(&self, v: usize) -> Vec<usize> {
        if v >= self.n_nodes() {
            return Vec::new();
        }
        let mut out: Vec<usize> = self.g.neighbors(v as u32).map(|u| u as usize).collect();
        out.sort_unstable();
        out
    }

    /// Number of nodes adjacent to `v`.
    pub fn degree(&self, v: usize) -> usize {
        if v >= self.n_nodes() {
            return 0;
        }
        self.g.neighbors(v as u32).count()
    }

    /// Every edge, as `a < b`, sorted by `(a, b)`.
    pub fn edges(&self) -> Vec<Edge> {
        let mut out: Vec<Edge> = self
            .g
            .all_edges()
            .map(|(x, y, m)| {
                let (a, b) = (x.min(y) as usize, x.max(y) as usize);
                Edge {
                    a,
                    b,
                    mark_a: m.lo,
                    mark_b: m.hi,
                }
            })
            .collect();
        out.sort_unstable_by_key(|e| (e.a, e.b));
        out
    }

    /// True when the edge is `a --> b`.
    pub fn is_parent(&self, a: usize, b: usize) -> bool {
        self.edge(a, b) == Some((Mark::Tail, Mark::Arrow))
    }

    /// True when the edge is `a --- b`.
    pub fn is_undirected(&self, a: usize, b: usize) -> bool {
        self.edge(a, b) == Some((Mark::Tail, Mark::Tail))
    }

    /// Parents of `v` (nodes `u` with `u --> v`), ascending.
    pub fn parents(&self, v: usize) -> Vec<usize> {
        self.adjacent(v)
            .into_iter()
            .filter(|&u| self.is_parent(u, v))
            .collect()
    }

    /// Children of `v` (nodes `u` with `v --> u`), ascending.
    pub fn children(&self, v: usize) -> Vec<usize> {
        self.adjacent(v)
            .into_iter()
            .filter(|&u| self.is_parent(v, u))
            .collect()
    }

    /// True when every edge is directed (`-->`) and there is no directed cycle.
    pub fn is_dag(&self) -> bool {
        self.edges().iter().all(|e| {
            matches!(
                (e.mark_a, e.mark_b),
                (Mark::Tail, Mark::Arrow) | (Mark::Arrow, Mark::Tail)
            )
        }) && self.topological_order().is_ok()
    }

    /// A topological order of the directed part (edges `-->`; other edges ignored), smallest index
    /// first among ready nodes. Errors if the directed edges contain a cycle.
    pub fn topological_order(&self) -> Result<Vec<usize>> {
        let n = self.n_nodes();
        let mut indeg = vec![0usize; n];
        for e in self.edges() {
            match (e.mark_a, e.mark_b) {
                (Mark::Tail, Mark::Arrow) => indeg[e.b] += 1,
                (Mark::Arrow, Mark::Tail) => indeg[e.a] += 1,
                _ => {}
            }
        }
        let mut ready: std::collections::BTreeSet<usize> =
            (0..n).filter(|&v| indeg[v] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(v) = ready.pop_first() {
            order.push(v);
            for c in self.children(v) {
                indeg[c] -= 1;
                if indeg[c] == 0 {
                    ready.insert(c);
                }
            }
        }
        if order.len() == n {
            Ok(order)
        } else {
            Err(CausalError::InvalidGraph(
                "the directed edges contain a cycle".into(),
            ))
        }
    }

    /// `result[v]` is true when `v` is an ancestor of some node of `set` through directed edges
    /// (`-->`), the nodes of `set` included.
    pub fn ancestors_of(&self, set: &[usize]) -> Vec<bool> {
        let mut anc = vec![false; self.n_nodes()];
        let mut stack: Vec<usize> = Vec::new();
        for &s in set {
            if s < anc.len() && !anc[s] {
                anc[s] = true;
                stack.push(s);
            }
        }
        while let Some(v) = stack.pop() {
            for u in self.parents(v) {
                if !anc[u] {
                    anc[u] = true;
                    stack.push(u);
                }
            }
        }
        anc
    }

    /// The skeleton: the same adjacencies, every edge `a --- b`.
    pub fn skeleton(&self) -> MixedGraph {
        let mut g = MixedGraph {
            names: self.names.clone(),
            g: UnGraphMap::with_capacity(self.n_nodes(), self.n_edges()),
        };
        for i in 0..self.n_nodes() {
            g.g.add_node(i as u32);
        }
        for e in self.edges() {
            g.put(e.a, e.b, Mark::Tail, Mark::Tail);
        }
        g
    }

    /// The same graph with nodes renamed/reordered to `names` (a permutation of this graph's names).
    pub fn reorder(&self, names: &[String]) -> Result<MixedGraph> {
        if names.len() != self.n_nodes() {
            return Err(CausalError::ShapeMismatch {
                what: "node names for reordering".into(),
                expected: self.n_nodes(),
                found: names.len(),
            });
        }
        let mut out = MixedGraph::new(names.to_vec())?;
        let map: Vec<usize> = self
            .names
            .iter()
            .map(|n| out.index_of(n))
            .collect::<Result<_>>()?;
        for e in self.edges() {
            out.put(map[e.a], map[e.b], e.mark_a, e.mark_b);
        }
        Ok(out)
    }

    /// The subgraph induced by `keep` (in that order): nodes outside it and their edges are dropped.
    pub fn induced_subgraph(&self, keep: &[usize]) -> Result<MixedGraph> {
        for &k in keep {
            self.check(k)?;
        }
        let names = keep.iter().map(|&k| self.names[k].clone()).collect();
        let mut out = MixedGraph::new(names)?;
        let mut pos = vec![usize::MAX; self.n_nodes()];
        for (i, &k) in keep.iter().enumerate() {
            pos[k] = i;
        }
        for e in self.edges() {
            if pos[e.a] != usize::MAX && pos[e.b] != usize::MAX {
                out.put(pos[e.a], pos[e.b], e.mark_a, e.mark_b);
            }
        }
        Ok(out)
    }
}

/// The JSON shape of a graph: `{"nodes": [...], "edges": [{"a", "b", "mark_a", "mark_b"}]}` with node
/// names in `a`/`b` and marks `"tail"`, `"arrow"`, `"circle"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphJson {
    /// Node names in order.
    pub nodes: Vec<String>,
    /// Edges by node name.
    pub edges: Vec<EdgeJson>,
}

/// One edge of [`GraphJson`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EdgeJson {
    /// Name of one end.
    pub a: String,
    /// Name of the other end.
    pub b: String,
    /// Mark at `a`.
    pub mark_a: Mark,
    /// Mark at `b`.
    pub mark_b: Mark,
}

impl From<&MixedGraph> for GraphJson {
    fn from(g: &MixedGraph) -> Self {
        GraphJson {
            nodes: g.names.clone(),
            edges: g
                .edges()
                .into_iter()
                .map(|e| EdgeJson {
                    a: g.names[e.a].clone(),
                    b: g.names[e.b].clone(),
                    mark_a: e.mark_a,
                    mark_b: e.mark_b,
                })
                .collect(),
        }
    }
}

impl TryFrom<GraphJson> for MixedGraph {
    type Error = CausalError;
    fn try_from(j: GraphJson) -> Result<Self> {
        let mut g = MixedGraph::new(j.nodes)?;
        for e in j.edges {
            let a = g.index_of(&e.a)?;
            let b = g.index_of(&e.b)?;
            g.add_edge(a, b, e.mark_a, e.mark_b)?;
        }
        Ok(g)
    }
}

impl Serialize for MixedGraph {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        GraphJson::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for MixedGraph {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let j = GraphJson::deserialize(d)?;
        MixedGraph::try_from(j).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_and_marks() {
        let mut g = MixedGraph::with_default_names(4);
        g.add_directed(2, 0).unwrap();
        g.add_edge(1, 3, Mark::Circle, Mark::Arrow).unwrap();
        assert!(g.add_directed(0, 2).is_err());
        assert!(g.add_directed(1, 1).is_err());
        assert!(g.add_directed(1, 4).is_err());
        assert_eq!(g.edge(0, 2), Some((Mark::Arrow, Mark::Tail)));
        assert_eq!(g.mark(3, 1), Some(Mark::Arrow));
        assert_eq!(g.parents(0), vec![2]);
        assert_eq!(g.children(2), vec![0]);
        g.set_mark(1, 3, Mark::Tail).unwrap();
        assert!(g.is_parent(1, 3));
        assert!(g.set_mark(0, 1, Mark::Tail).is_err());
        let e = g.edges();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].symbol(), "<--");
        assert_eq!(g.remove_edge(2, 0), Some((Mark::Tail, Mark::Arrow)));
        assert_eq!(g.n_edges(), 1);
    }

    #[test]
    fn dag_checks_and_order() {
        let mut g = MixedGraph::with_default_names(3);
        g.add_directed(2, 1).unwrap();
        g.add_directed(1, 0).unwrap();
        assert!(g.is_dag());
        assert_eq!(g.topological_order().unwrap(), vec![2, 1, 0]);
        assert_eq!(g.ancestors_of(&[0]), vec![true, true, true]);
        assert_eq!(g.ancestors_of(&[2]), vec![false, false, true]);
        g.add_directed(0, 2).unwrap();
        assert!(!g.is_dag());
        assert!(g.topological_order().is_err());
    }

    #[test]
    fn json_round_trip() {
        let mut g = MixedGraph::with_default_names(3);
        g.add_edge(0, 1, Mark::Circle, Mark::Arrow).unwrap();
        g.add_bidirected(1, 2).unwrap();
        let s = serde_json::to_string(&g).unwrap();
        assert!(s.contains("\"mark_a\":\"circle\""), "{s}");
        let h: MixedGraph = serde_json::from_str(&s).unwrap();
        assert_eq!(g, h);
        let bad = s.replace("\"X3\"]", "\"X4\"]");
        assert!(serde_json::from_str::<MixedGraph>(&bad).is_err());
    }

    #[test]
    fn reorder_and_subgraph() {
        let mut g = MixedGraph::with_default_names(3);
        g.add_directed(0, 2).unwrap();
        let names: Vec<String> = vec!["X3".into(), "X1".into(), "X2".into()];
        let h = g.reorder(&names).unwrap();
        assert!(h.is_parent(1, 0));
        let s = g.induced_subgraph(&[2, 0]).unwrap();
        assert!(s.is_parent(1, 0));
        assert_eq!(s.names(), &["X3".to_string(), "X1".to_string()]);
    }
}
