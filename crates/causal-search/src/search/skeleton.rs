//! Adjacency search (the skeleton phase of PC): original or stable (Colombo & Maathuis 2014), with a
//! depth limit, background knowledge, and parallel CI tests for the stable version.
//!
//! The stable search freezes each node's adjacencies at the start of a depth, runs **every**
//! conditioning set of that size from both ends of each edge (as causal-learn does, so that the
//! recorded separating sets are the same), and removes the separated edges at the end of the depth.
//! Its result does not depend on the order of the tests, so the tests of a depth run in parallel with
//! rayon and the result is identical to a serial run. The original search removes an edge as soon
//! as a separating set is found; its neighbour lists are frozen per node as in causal-learn.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::knowledge::ResolvedKnowledge;
use crate::ci::CiTest;
use crate::error::Result;
use crate::graph::pdag::{Pdag, TAIL};

/// A pair `(a, b)` with `a < b` and its separating sets.
pub type SepsetEntry = ((usize, usize), Vec<Vec<usize>>);

/// Separating sets found by the adjacency search, per unordered pair.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Sepsets {
    map: HashMap<(usize, usize), Vec<Vec<usize>>>,
}

impl Sepsets {
    fn key(a: usize, b: usize) -> (usize, usize) {
        (a.min(b), a.max(b))
    }

    /// Records that `S` separates `a` and `b`.
    pub fn insert(&mut self, a: usize, b: usize, s: Vec<usize>) {
        self.map.entry(Self::key(a, b)).or_default().push(s);
    }

    /// All separating sets recorded for the pair (in the order found), or `None`.
    pub fn get(&self, a: usize, b: usize) -> Option<&[Vec<usize>]> {
        self.map.get(&Self::key(a, b)).map(|v| v.as_slice())
    }

    /// The first separating set recorded for the pair.
    pub fn first(&self, a: usize, b: usize) -> Option<&[usize]> {
        self.get(a, b).and_then(|v| v.first()).map(|v| v.as_slice())
    }

    /// True when `v` is in some recorded separating set of the pair.
    pub fn in_any(&self, a: usize, b: usize, v: usize) -> bool {
        self.get(a, b)
            .is_some_and(|ss| ss.iter().any(|s| s.contains(&v)))
    }

    /// Every pair with its sets, sorted by pair.
    pub fn entries(&self) -> Vec<SepsetEntry> {
        let mut v: Vec<_> = self.map.iter().map(|(k, s)| (*k, s.clone())).collect();
        v.sort_by_key(|(k, _)| *k);
        v
    }
}

/// Settings of the adjacency search.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkeletonOptions {
    /// Significance level: a pair is independent when `p > alpha`.
    pub alpha: f64,
    /// Largest conditioning set size (`None`: unlimited).
    pub depth: Option<usize>,
    /// Stable (order-independent) search.
    pub stable: bool,
    /// Run the tests of a depth in parallel (stable search only).
    pub parallel: bool,
    /// Stable search: run every conditioning set of the depth even after one separates the pair, and
    /// record all separating sets (causal-learn's behaviour, which the collider rule then uses).
    /// When false, each end of an edge stops at its first separating set (far fewer tests; the
    /// result is still order-independent).
    pub exhaustive: bool,
}

/// The skeleton and what the search found.
pub(crate) struct Skeleton {
    pub graph: Pdag,
    pub sepsets: Sepsets,
    pub n_tests: usize,
}

/// Lexicographic combinations of `k` items of `items` (as Python's `itertools.combinations`).
pub(crate) fn combinations(items: &[usize], k: usize) -> Vec<Vec<usize>> {
    let n = items.len();
    let mut out = Vec::new();
    if k > n {
        return out;
    }
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        out.push(idx.iter().map(|&i| items[i]).collect());
        let Some(i) = (0..k).rev().find(|&i| idx[i] != i + n - k) else {
            return out;
        };
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

/// Lazy lexicographic combinations (same order as [`combinations`]), for sets too many to store.
pub(crate) struct Combinations<'a> {
    items: &'a [usize],
    idx: Vec<usize>,
    done: bool,
}

impl<'a> Combinations<'a> {
    pub(crate) fn new(items: &'a [usize], k: usize) -> Self {
        Combinations {
            items,
            idx: (0..k).collect(),
            done: k > items.len(),
        }
    }
}

impl Iterator for Combinations<'_> {
    type Item = Vec<usize>;
    fn next(&mut self) -> Option<Vec<usize>> {
        if self.done {
            return None;
        }
        let (n, k) = (self.items.len(), self.idx.len());
        let out = self.idx.iter().map(|&i| self.items[i]).collect();
        match (0..k).rev().find(|&i| self.idx[i] != i + n - k) {
            None => self.done = true,
            Some(i) => {
                self.idx[i] += 1;
                for j in i + 1..k {
                    self.idx[j] = self.idx[j - 1] + 1;
                }
            }
        }
        Some(out)
    }
}

/// Runs the adjacency search over `test.n_variables()` nodes, starting from the complete graph
/// (minus edges that knowledge bans in both directions).
pub(crate) fn search<T: CiTest + ?Sized>(
    test: &T,
    opts: &SkeletonOptions,
    bk: Option<&ResolvedKnowledge>,
) -> Result<Skeleton> {
    let n = test.n_variables();
    let mut g = Pdag::complete(n, TAIL);
    let mut sepsets = Sepsets::default();
    let mut n_tests = 0usize;
    let protected =
        |x: usize, y: usize| bk.is_some_and(|k| k.is_required(x, y) || k.is_required(y, x));
    if let Some(k) = bk {
        for x in 0..n {
            for y in x + 1..n {
                if k.edge_banned(x, y) && !protected(x, y) {
                    g.remove(x, y);
                    sepsets.insert(x, y, Vec::new());
                }
            }
        }
    }
    let mut depth: usize = 0;
    loop {
        if g.max_degree() < depth + 1 {
            break;
        }
        if opts.depth.is_some_and(|d| depth > d) {
            break;
        }
        if opts.stable {
            let mut tasks: Vec<(usize, usize, Vec<usize>)> = Vec::new();
            for x in 0..n {
                let nb = g.neighbors(x);
                if nb.len() < depth + 1 {
                    continue;
                }
                for &y in &nb {
                    if protected(x, y) {
                        continue;
                    }
                    let rest: Vec<usize> = nb.iter().copied().filter(|&v| v != y).collect();
                    tasks.push((x, y, rest));
                }
            }
            let run =
                |(x, y, rest): &(usize, usize, Vec<usize>)| -> Result<(Vec<Vec<usize>>, usize)> {
                    let mut found = Vec::new();
                    if test.always_dependent(*x, *y) {
                        return Ok((found, 0));
                    }
                    let mut count = 0;
                    for s in combinations(rest, depth) {
                        count += 1;
                        if test.test(*x, *y, &s)?.p_value > opts.alpha {
                            found.push(s);
                            if !opts.exhaustive {
                                break;
                            }
                        }
                    }
                    Ok((found, count))
                };
            let results: Vec<Result<(Vec<Vec<usize>>, usize)>> = if opts.parallel {
                tasks.par_iter().map(run).collect()
            } else {
                tasks.iter().map(run).collect()
            };
            let mut removal = Vec::new();
            for (t, r) in tasks.iter().zip(results) {
                let (found, count) = r?;
                n_tests += count;
                if !found.is_empty() {
                    for s in found {
                        sepsets.insert(t.0, t.1, s);
                    }
                    removal.push((t.0, t.1));
                }
            }
            for (x, y) in removal {
                g.remove(x, y);
            }
        } else {
            for x in 0..n {
                let nb = g.neighbors(x);
                for &y in &nb {
                    if !g.adjacent(x, y) || protected(x, y) || test.always_dependent(x, y) {
                        continue;
                    }
                    let rest: Vec<usize> = nb.iter().copied().filter(|&v| v != y).collect();
                    for s in combinations(&rest, depth) {
                        n_tests += 1;
                        if test.test(x, y, &s)?.p_value > opts.alpha {
                            g.remove(x, y);
                            sepsets.insert(x, y, s);
                            break;
                        }
                    }
                }
            }
        }
        depth += 1;
    }
    Ok(Skeleton {
        graph: g,
        sepsets,
        n_tests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_match_itertools() {
        assert_eq!(
            combinations(&[1, 3, 5, 7], 2),
            vec![
                vec![1, 3],
                vec![1, 5],
                vec![1, 7],
                vec![3, 5],
                vec![3, 7],
                vec![5, 7]
            ]
        );
        assert_eq!(combinations(&[1, 3], 0), vec![Vec::<usize>::new()]);
        assert!(combinations(&[1, 3], 3).is_empty());
        assert_eq!(combinations(&[4, 2, 9], 3), vec![vec![4, 2, 9]]);
        assert_eq!(combinations(&[], 0), vec![Vec::<usize>::new()]);
        assert_eq!(combinations(&[1, 2, 3, 4, 5], 3).len(), 10);
        for k in 0..6 {
            let lazy: Vec<Vec<usize>> = Combinations::new(&[2, 4, 6, 8, 9], k).collect();
            assert_eq!(lazy, combinations(&[2, 4, 6, 8, 9], k));
        }
    }
}
