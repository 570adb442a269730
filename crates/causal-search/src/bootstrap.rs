//! Bootstrap stability of a causal search: run the search on seeded resamples of the data and
//! report, for every pair of nodes, how often each edge type (`-->`, `<--`, `---`, `<->`,
//! `o->`, `o-o`, ...) and "no edge" occurred.
//!
//! The search is any closure from a [`Dataset`] to a [`MixedGraph`] (PC, FCI, with any test), so
//! the same code serves every algorithm. Resamples run in parallel; resample `b` draws its rows
//! from a `ChaCha8Rng` seeded with `seed` on stream `b`, so the result does not depend on the
//! number of threads.
//!
//! ```
//! use causal_search::bootstrap::BootstrapParams;
//! use causal_search::ci::fisher_z::FisherZ;
//! use causal_search::data::Dataset;
//! use causal_search::search::pc::PcParams;
//! use ndarray::Array2;
//!
//! // A chain a -> b -> c.
//! let n = 500;
//! let mut v = Array2::<f64>::zeros((n, 3));
//! for i in 0..n {
//!     let e = |k: usize| (((i * 7919 + k * 104729) % 1000) as f64 / 1000.0) - 0.5;
//!     v[[i, 0]] = e(1);
//!     v[[i, 1]] = v[[i, 0]] + 0.5 * e(2);
//!     v[[i, 2]] = v[[i, 1]] + 0.5 * e(3);
//! }
//! let ds = Dataset::new(v, vec!["a".into(), "b".into(), "c".into()]).unwrap();
//! let pc = PcParams::new().alpha(0.01).check().unwrap();
//! let boot = BootstrapParams::new().resamples(20).seed(1).check().unwrap();
//! let res = boot
//!     .run(&ds, |d| Ok(pc.run(&FisherZ::new(d)?, &d.variable_names().iter().map(|s| s.to_string()).collect::<Vec<_>>())?.graph))
//!     .unwrap();
//! let ac = res.pair("a", "c").unwrap();
//! assert!(ac.no_edge > 0.9);
//! ```

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::{CausalError, Result};
use crate::graph::{Edge, Mark, MixedGraph};

/// Unvalidated bootstrap parameters (builder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapParams {
    resamples: usize,
    seed: u64,
    fraction: f64,
    replace: bool,
}

impl Default for BootstrapParams {
    fn default() -> Self {
        Self {
            resamples: 100,
            seed: 0,
            fraction: 1.0,
            replace: true,
        }
    }
}

impl BootstrapParams {
    /// Defaults: 100 resamples of `n` rows drawn with replacement, seed 0.
    pub fn new() -> Self {
        Self::default()
    }
    /// Number of resamples.
    pub fn resamples(mut self, b: usize) -> Self {
        self.resamples = b;
        self
    }
    /// Base seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Resample size as a fraction of `n` (rounded, at least 1 row); at most 1 without
    /// replacement (subsampling).
    pub fn fraction(mut self, f: f64) -> Self {
        self.fraction = f;
        self
    }
    /// Draw with replacement (the bootstrap, default) or without (subsampling).
    pub fn replace(mut self, replace: bool) -> Self {
        self.replace = replace;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<Bootstrap> {
        if self.resamples == 0 {
            return Err(CausalError::param("resamples", "must be at least 1"));
        }
        if !(self.fraction.is_finite() && self.fraction > 0.0) {
            return Err(CausalError::param(
                "fraction",
                format!("must be a positive number, got {}", self.fraction),
            ));
        }
        if !self.replace && self.fraction > 1.0 {
            return Err(CausalError::param(
                "fraction",
                format!(
                    "without replacement it must be at most 1, got {}",
                    self.fraction
                ),
            ));
        }
        Ok(Bootstrap { p: self.clone() })
    }
}

/// Validated bootstrap settings; see [`Bootstrap::run`].
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    p: BootstrapParams,
}

/// Edge-type frequencies of one pair of nodes `a`, `b` (`a` before `b` in node order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairFrequencies {
    /// First node.
    pub a: String,
    /// Second node.
    pub b: String,
    /// Edge symbol with `a` on the left (Tetrad notation, e.g. `-->` means a -> b) and the
    /// fraction of resamples that produced it, sorted by decreasing frequency (ties by symbol).
    pub edges: Vec<(String, f64)>,
    /// Fraction of resamples without an edge between `a` and `b`.
    pub no_edge: f64,
}

/// The bootstrap result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootstrapResult {
    /// Number of resamples.
    pub resamples: usize,
    /// Rows per resample.
    pub rows_per_resample: usize,
    /// Node names, in the searches' order.
    pub nodes: Vec<String>,
    /// Every pair of nodes (`i < j` in node order), in order.
    pub pairs: Vec<PairFrequencies>,
}

impl BootstrapResult {
    /// The frequencies of the pair named `a`, `b` (in either order; the symbols are then read
    /// with `a` on the left).
    pub fn pair(&self, a: &str, b: &str) -> Result<PairFrequencies> {
        let ia = self.index(a)?;
        let ib = self.index(b)?;
        if ia == ib {
            return Err(CausalError::param("b", "a pair needs two different nodes"));
        }
        let (lo, hi) = (ia.min(ib), ia.max(ib));
        let n = self.nodes.len();
        // Position of (lo, hi) in the row-major upper triangle.
        let pos = lo * n - lo * (lo + 1) / 2 + (hi - lo - 1);
        let p = self.pairs[pos].clone();
        if ia < ib {
            Ok(p)
        } else {
            Ok(PairFrequencies {
                a: p.b,
                b: p.a,
                edges: p
                    .edges
                    .into_iter()
                    .map(|(s, f)| (reverse_symbol(&s), f))
                    .collect(),
                no_edge: p.no_edge,
            })
        }
    }

    fn index(&self, name: &str) -> Result<usize> {
        self.nodes
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| CausalError::UnknownVariable {
                name: name.to_string(),
                context: "bootstrap result".into(),
            })
    }

    /// The graph holding, for every pair, its most frequent outcome when that outcome is an
    /// edge with frequency at least `min_frequency` (ties broken by symbol order).
    pub fn consensus(&self, min_frequency: f64) -> Result<MixedGraph> {
        let mut g = MixedGraph::new(self.nodes.clone())?;
        for p in &self.pairs {
            if let Some((sym, f)) = p.edges.first()
                && *f >= min_frequency
                && *f > p.no_edge
            {
                let (ma, mb) = marks_of(sym)?;
                g.add_edge(self.index(&p.a)?, self.index(&p.b)?, ma, mb)?;
            }
        }
        Ok(g)
    }
}

fn reverse_symbol(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let flip = |ch: char| match ch {
        '<' => '>',
        '>' => '<',
        other => other,
    };
    match c.as_slice() {
        [l, m, r] => format!("{}{}{}", flip(*r), m, flip(*l)),
        _ => s.to_string(),
    }
}

fn marks_of(sym: &str) -> Result<(Mark, Mark)> {
    let c: Vec<char> = sym.chars().collect();
    let left = |ch| match ch {
        '-' => Some(Mark::Tail),
        '<' => Some(Mark::Arrow),
        'o' => Some(Mark::Circle),
        _ => None,
    };
    let right = |ch| match ch {
        '-' => Some(Mark::Tail),
        '>' => Some(Mark::Arrow),
        'o' => Some(Mark::Circle),
        _ => None,
    };
    match c.as_slice() {
        [l, '-', r] => match (left(*l), right(*r)) {
            (Some(a), Some(b)) => Ok((a, b)),
            _ => Err(CausalError::param(
                "symbol",
                format!("unknown edge symbol `{sym}`"),
            )),
        },
        _ => Err(CausalError::param(
            "symbol",
            format!("unknown edge symbol `{sym}`"),
        )),
    }
}

impl Bootstrap {
    /// The settings.
    pub fn params(&self) -> &BootstrapParams {
        &self.p
    }

    /// The rows of resample `b` of a dataset with `n` rows.
    pub fn resample_rows(&self, n: usize, b: usize) -> Vec<usize> {
        let m = ((self.p.fraction * n as f64).round() as usize).max(1);
        let mut rng = ChaCha8Rng::seed_from_u64(self.p.seed);
        rng.set_stream(b as u64);
        if self.p.replace {
            (0..m).map(|_| rng.random_range(0..n)).collect()
        } else {
            // Partial Fisher-Yates: the first m of a random permutation.
            let mut idx: Vec<usize> = (0..n).collect();
            let m = m.min(n);
            for i in 0..m {
                let j = rng.random_range(i..n);
                idx.swap(i, j);
            }
            idx.truncate(m);
            idx
        }
    }

    /// Runs `search` on every resample and tallies the edge types per pair.
    ///
    /// Errors: the first error of a search (in resample order), or searches returning graphs
    /// over different node names.
    pub fn run<F>(&self, data: &Dataset, search: F) -> Result<BootstrapResult>
    where
        F: Fn(&Dataset) -> Result<MixedGraph> + Sync,
    {
        let n = data.n_samples();
        let graphs: Vec<MixedGraph> = (0..self.p.resamples)
            .into_par_iter()
            .map(|b| {
                let rows = self.resample_rows(n, b);
                search(&data.select_rows(&rows)?)
            })
            .collect::<Result<Vec<_>>>()?;
        let nodes = graphs[0].names().to_vec();
        for g in &graphs[1..] {
            if g.names() != nodes.as_slice() {
                return Err(CausalError::param(
                    "search",
                    "the searches returned graphs over different node names",
                ));
            }
        }
        let p = nodes.len();
        let mut tallies: Vec<BTreeMap<String, usize>> =
            vec![BTreeMap::new(); p * p.saturating_sub(1) / 2];
        let pos = |lo: usize, hi: usize| lo * p - lo * (lo + 1) / 2 + (hi - lo - 1);
        for g in &graphs {
            for e in g.edges() {
                let e: Edge = if e.a < e.b { e } else { e.reversed() };
                *tallies[pos(e.a, e.b)].entry(e.symbol()).or_insert(0) += 1;
            }
        }
        let total = self.p.resamples as f64;
        let mut pairs = Vec::with_capacity(tallies.len());
        let mut t = tallies.into_iter();
        for i in 0..p {
            for j in i + 1..p {
                let counts = t.next().unwrap_or_default();
                let with_edge: usize = counts.values().sum();
                let mut edges: Vec<(String, usize)> = counts.into_iter().collect();
                edges.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
                pairs.push(PairFrequencies {
                    a: nodes[i].clone(),
                    b: nodes[j].clone(),
                    edges: edges
                        .into_iter()
                        .map(|(s, c)| (s, c as f64 / total))
                        .collect(),
                    no_edge: (self.p.resamples - with_edge) as f64 / total,
                });
            }
        }
        Ok(BootstrapResult {
            resamples: self.p.resamples,
            rows_per_resample: ((self.p.fraction * n as f64).round() as usize).max(1),
            nodes,
            pairs,
        })
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn symbols_round_trip() {
        for s in [
            "-->", "<--", "---", "<->", "o->", "<-o", "o-o", "o--", "--o",
        ] {
            let (a, b) = marks_of(s).unwrap();
            let e = Edge {
                a: 0,
                b: 1,
                mark_a: a,
                mark_b: b,
            };
            assert_eq!(e.symbol(), s);
            assert_eq!(e.reversed().symbol(), reverse_symbol(s));
        }
        assert!(marks_of("->").is_err());
        assert!(marks_of("x->").is_err());
    }
}
