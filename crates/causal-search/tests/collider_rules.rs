//! The conservative (CPC) and majority collider rules on hand-built cases where they disagree with
//! the separating-set rule, with a scripted CI test (a table of p-values).
//!
//! Six nodes 0..5; every pair is dependent given every set except the pair (0, 2). For (0, 2) the
//! independent sets are {1} (size 1) and {3,4}, {3,5}, {4,5}, {3,4,5} (sizes 2 and 3). The
//! adjacency search removes 0 - 2 at depth 1 with the single separating set {1}, so the skeleton is
//! the complete graph minus 0 - 2, and the unshielded triples are 0 - y - 2 for y = 1, 3, 4, 5.
//! CPC and majority look at all subsets of adj(0) = adj(2) = {1, 3, 4, 5}: 16 sets, 5 independent.
//!
//! | y | sepset rule ({1}) | independent sets with y / without y | CPC | majority |
//! |---|---|---|---|---|
//! | 1 | non-collider | 1 / 4 | ambiguous | collider (1 < 5/2) |
//! | 3 | collider | 3 ({3,4},{3,5},{3,4,5}) / 2 ({1},{4,5}) | ambiguous | non-collider (3 > 5/2) |
//! | 4, 5 | collider | 3 / 2 | ambiguous | non-collider |
//!
//! Final graphs (priority 2, "existing colliders first", which orients all three sepset colliders
//! since they share no edge), checked by hand:
//! - sepset rule: 0 --> y <-- 2 for y = 3, 4, 5; then Meek's R3 (0 - 1 - 2, 0 --> y <-- 2, 1 - y)
//!   gives 1 --> y for y = 3, 4, 5; the rest stays undirected (0 - 1, 1 - 2, 3 - 4, 3 - 5, 4 - 5);
//! - majority: 0 --> 1 <-- 2; R3 with 0 - y - 2 gives y --> 1 for y = 3, 4, 5; the rest undirected;
//! - CPC: no collider, every edge undirected.

use std::collections::HashMap;

use causal_search::Result;
use causal_search::ci::{CiResult, CiTest};
use causal_search::graph::{Mark, MixedGraph};
use causal_search::search::colliders::UcRule;
use causal_search::search::pc::PcParams;

struct Scripted {
    n: usize,
    table: HashMap<(usize, usize, Vec<usize>), f64>,
}

impl Scripted {
    fn new() -> Self {
        let mut table = HashMap::new();
        for (s, p) in [
            (vec![1], 0.30),
            (vec![3, 4], 0.40),
            (vec![3, 5], 0.20),
            (vec![4, 5], 0.25),
            (vec![3, 4, 5], 0.60),
        ] {
            table.insert((0, 2, s), p);
        }
        Scripted { n: 6, table }
    }
}

impl CiTest for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }
    fn n_variables(&self) -> usize {
        self.n
    }
    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
        let (a, b) = (x.min(y), x.max(y));
        let mut s = z.to_vec();
        s.sort_unstable();
        Ok(CiResult::new(
            0.0,
            *self.table.get(&(a, b, s)).unwrap_or(&0.0),
        ))
    }
}

fn run(rule: UcRule) -> MixedGraph {
    let names: Vec<String> = (0..6).map(|i| format!("V{i}")).collect();
    PcParams::new()
        .uc_rule(rule)
        .uc_priority(None)
        .check()
        .unwrap()
        .run(&Scripted::new(), &names)
        .unwrap()
        .graph
}

/// The edges of `g` as (a, b, mark at a, mark at b) with a < b.
fn edges(g: &MixedGraph) -> Vec<(usize, usize, Mark, Mark)> {
    let mut out = Vec::new();
    for a in 0..g.n_nodes() {
        for b in a + 1..g.n_nodes() {
            if let Some((ma, mb)) = g.edge(a, b) {
                out.push((a, b, ma, mb));
            }
        }
    }
    out
}

/// The expected graph: complete minus 0 - 2, with the directed edges `dir` (tail, head).
fn expected(dir: &[(usize, usize)]) -> Vec<(usize, usize, Mark, Mark)> {
    let mut out = Vec::new();
    for a in 0..6 {
        for b in a + 1..6 {
            if (a, b) == (0, 2) {
                continue;
            }
            let e = if dir.contains(&(a, b)) {
                (a, b, Mark::Tail, Mark::Arrow)
            } else if dir.contains(&(b, a)) {
                (a, b, Mark::Arrow, Mark::Tail)
            } else {
                (a, b, Mark::Tail, Mark::Tail)
            };
            out.push(e);
        }
    }
    out
}

#[test]
fn sepset_rule_orients_the_colliders_of_the_single_sepset() {
    let want = expected(&[
        (0, 3),
        (2, 3),
        (0, 4),
        (2, 4),
        (0, 5),
        (2, 5),
        (1, 3),
        (1, 4),
        (1, 5),
    ]);
    assert_eq!(edges(&run(UcRule::Sepset)), want);
}

#[test]
fn majority_rule_orients_the_majority_collider_only() {
    let want = expected(&[(0, 1), (2, 1), (3, 1), (4, 1), (5, 1)]);
    assert_eq!(edges(&run(UcRule::Majority)), want);
}

#[test]
fn conservative_rule_leaves_ambiguous_triples_unoriented() {
    assert_eq!(edges(&run(UcRule::Conservative)), expected(&[]));
}

/// CPC orients a triple only when the middle node is in no separating set: with the independent
/// sets of (0, 2) reduced to {3} and {4} (both without 1), 0 - 1 - 2 is a collider for CPC and
/// majority alike, and 0 - 3 - 2 / 0 - 4 - 2 are ambiguous for CPC (3 is in {3} but not in {4})
/// and ties for majority (1 of 2: neither), so 0 - 5 - 2 (5 in no set) is the other collider.
/// Conflicts: 0 --> 1 <-- 2 and 0 --> 5 <-- 2 share no edge. Meek's R3 then orients 3 --> 1,
/// 4 --> 1, 3 --> 5, 4 --> 5 (0 - y - 2 undirected, y adjacent to the collider's middle);
/// 1 - 5 stays undirected (both are collider middles; R3 needs 0 - 1 - 2 undirected).
#[test]
fn conservative_and_majority_agree_on_unanimous_triples() {
    let mut t = Scripted::new();
    t.table.clear();
    t.table.insert((0, 2, vec![3]), 0.5);
    t.table.insert((0, 2, vec![4]), 0.5);
    let names: Vec<String> = (0..6).map(|i| format!("V{i}")).collect();
    let want = expected(&[
        (0, 1),
        (2, 1),
        (0, 5),
        (2, 5),
        (3, 1),
        (4, 1),
        (3, 5),
        (4, 5),
    ]);
    for rule in [UcRule::Conservative, UcRule::Majority] {
        let g = PcParams::new()
            .uc_rule(rule)
            .uc_priority(None)
            .check()
            .unwrap()
            .run(&t, &names)
            .unwrap()
            .graph;
        assert_eq!(edges(&g), want, "{rule:?}");
    }
}
