//! The PC algorithm: adjacency search, background-knowledge orientation, collider orientation and
//! Meek's rules, matching causal-learn's `pc` edge for edge with the same settings.
//!
//! ```
//! use causal_search::ci::oracle::DSepOracle;
//! use causal_search::graph::{MixedGraph, cpdag::dag_to_cpdag};
//! use causal_search::search::pc::PcParams;
//! // X1 --> X3 <-- X2, X3 --> X4
//! let mut dag = MixedGraph::with_default_names(4);
//! dag.add_directed(0, 2).unwrap();
//! dag.add_directed(1, 2).unwrap();
//! dag.add_directed(2, 3).unwrap();
//! let oracle = DSepOracle::new(&dag).unwrap();
//! let pc = PcParams::new().alpha(0.05).check().unwrap();
//! let res = pc.run(&oracle, dag.names()).unwrap();
//! assert_eq!(res.graph, dag_to_cpdag(&dag).unwrap());
//! ```

use serde::{Deserialize, Serialize};

use super::colliders::{UcPriority, UcRule, orient_colliders};
use super::knowledge::{Knowledge, ResolvedKnowledge};
use super::meek::{definite_meek, meek};
use super::skeleton::{Sepsets, SkeletonOptions, search};
use crate::ci::{CacheStats, CiTest, MaybeCached};
use crate::error::{CausalError, Result};
use crate::graph::MixedGraph;
use crate::graph::pdag::{Pdag, TAIL};

/// PC settings (builder). Defaults as causal-learn's `pc`: alpha 0.05, stable, `uc_rule` 0,
/// `uc_priority` 2, no depth limit, no knowledge; tests in parallel.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PcParams {
    alpha: f64,
    depth: Option<usize>,
    stable: bool,
    uc_rule: UcRule,
    uc_priority: Option<UcPriority>,
    knowledge: Option<Knowledge>,
    parallel: bool,
    exhaustive: bool,
    cache: bool,
}

impl Default for PcParams {
    fn default() -> Self {
        PcParams {
            alpha: 0.05,
            depth: None,
            stable: true,
            uc_rule: UcRule::Sepset,
            uc_priority: Some(UcPriority::Existing),
            knowledge: None,
            parallel: true,
            exhaustive: true,
            cache: true,
        }
    }
}

impl PcParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Significance level in (0, 1).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
    /// Largest conditioning set (`None`: unlimited).
    pub fn depth(mut self, depth: Option<usize>) -> Self {
        self.depth = depth;
        self
    }
    /// Stable (true) or original (false) adjacency search.
    pub fn stable(mut self, stable: bool) -> Self {
        self.stable = stable;
        self
    }
    /// Collider rule.
    pub fn uc_rule(mut self, rule: UcRule) -> Self {
        self.uc_rule = rule;
        self
    }
    /// Conflict priority; `None` = the rule's default (causal-learn's `-1`).
    pub fn uc_priority(mut self, priority: Option<UcPriority>) -> Self {
        self.uc_priority = priority;
        self
    }
    /// Background knowledge.
    pub fn knowledge(mut self, knowledge: Option<Knowledge>) -> Self {
        self.knowledge = knowledge;
        self
    }
    /// Run the stable search's tests in parallel (results are identical either way).
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self
    }
    /// Stable search: test every conditioning set of a depth and keep all separating sets
    /// (default, causal-learn's behaviour), or stop at the first one per edge end (`false`: far
    /// fewer tests, e.g. with the d-separation oracle).
    pub fn exhaustive(mut self, exhaustive: bool) -> Self {
        self.exhaustive = exhaustive;
        self
    }
    /// Cache test results (default). Turn off for cheap tests such as the oracle, where storing
    /// millions of queries costs more than recomputing them.
    pub fn cache(mut self, cache: bool) -> Self {
        self.cache = cache;
        self
    }
    /// Validates the settings.
    pub fn check(self) -> Result<Pc> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(CausalError::param(
                "alpha",
                format!("{} is not in (0, 1)", self.alpha),
            ));
        }
        let priority = self
            .uc_priority
            .unwrap_or_else(|| self.uc_rule.default_priority());
        if self.uc_rule == UcRule::DefiniteMaxP
            && matches!(priority, UcPriority::Overwrite | UcPriority::Bidirected)
        {
            return Err(CausalError::param(
                "uc_priority",
                "definite max-P needs priority 2, 3 or 4",
            ));
        }
        Ok(Pc {
            params: self,
            priority,
        })
    }
}

/// Validated PC settings; [`Pc::run`] runs the search.
#[derive(Clone, Debug)]
pub struct Pc {
    params: PcParams,
    priority: UcPriority,
}

/// The output of PC.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PcResult {
    /// The estimated CPDAG (directed `-->`, undirected `---`, and `<->` with `uc_priority` 1).
    pub graph: MixedGraph,
    /// Separating sets found by the adjacency search.
    pub sepsets: Sepsets,
    /// CI tests requested by the adjacency search (before caching).
    pub n_skeleton_tests: usize,
    /// Cache statistics over the whole run.
    pub cache: CacheStats,
}

impl Pc {
    /// The settings.
    pub fn params(&self) -> &PcParams {
        &self.params
    }

    /// Runs PC with `test` over nodes named `names` (one per test variable).
    pub fn run<T: CiTest + ?Sized>(&self, test: &T, names: &[String]) -> Result<PcResult> {
        if names.len() != test.n_variables() {
            return Err(CausalError::ShapeMismatch {
                what: "node names vs test variables".into(),
                expected: test.n_variables(),
                found: names.len(),
            });
        }
        let bk: Option<ResolvedKnowledge> = match &self.params.knowledge {
            Some(k) if !k.is_empty() => Some(k.resolve(names)?),
            _ => None,
        };
        let cached = MaybeCached::new(test, self.params.cache);
        let opts = SkeletonOptions {
            alpha: self.params.alpha,
            depth: self.params.depth,
            stable: self.params.stable,
            parallel: self.params.parallel,
            exhaustive: self.params.exhaustive,
        };
        let sk = search(&cached, &opts, bk.as_ref())?;
        let mut p = sk.graph;
        if let Some(k) = &bk {
            orient_by_knowledge(&mut p, k);
        }
        let def = orient_colliders(
            &mut p,
            self.params.uc_rule,
            self.priority,
            self.params.alpha,
            &sk.sepsets,
            &cached,
            bk.as_ref(),
        )?;
        if def.used {
            definite_meek(&mut p, &def.uc, &def.non_uc, bk.as_ref());
        }
        meek(&mut p, bk.as_ref(), bk.is_some());
        Ok(PcResult {
            graph: p.to_graph(names)?,
            sepsets: sk.sepsets,
            n_skeleton_tests: sk.n_tests,
            cache: cached.stats(),
        })
    }
}

/// Orients undirected edges that knowledge decides (causal-learn's `orient_by_background_knowledge`).
pub(crate) fn orient_by_knowledge(p: &mut Pdag, k: &ResolvedKnowledge) {
    for a in 0..p.n {
        for b in a + 1..p.n {
            if !(p.get(a, b) == TAIL && p.get(b, a) == TAIL) {
                continue;
            }
            if k.is_forbidden(b, a) {
                p.orient(a, b);
            } else if k.is_forbidden(a, b) || k.is_required(b, a) {
                p.orient(b, a);
            } else if k.is_required(a, b) {
                p.orient(a, b);
            }
        }
    }
}
