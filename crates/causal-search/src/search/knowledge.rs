//! Background knowledge: temporal tiers, forbidden and required directed edges.
//!
//! Reads Tetrad's knowledge file format:
//! ```text
//! /knowledge
//! addtemporal
//! 1 z ebv
//! 2* mass sfr
//! 3 color
//!
//! forbiddirect
//! color mass
//!
//! requiredirect
//! z color
//! ```
//! Tiers: a node in a later tier cannot cause a node in an earlier tier (`b --> a` forbidden when
//! tier(b) > tier(a)); a `*` after the tier number forbids edges within the tier. (causal-learn's
//! own `BackgroundKnowledge` also forbids edges within every tier; Tetrad's does not, and neither does
//! this type unless asked by `*`.)
//!
//! ```
//! use causal_search::search::knowledge::Knowledge;
//! let k = Knowledge::parse("addtemporal\n1 z\n2 m c\nforbiddirect\nc m\n", "inline").unwrap();
//! let r = k.resolve(&["z".into(), "m".into(), "c".into()]).unwrap();
//! assert!(r.is_forbidden(1, 0)); // m --> z: later tier to earlier
//! assert!(!r.is_forbidden(0, 1));
//! assert!(r.is_forbidden(2, 1));
//! assert!(k.resolve(&["z".into(), "m".into()]).is_err()); // `c` unknown
//! ```

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{CausalError, Result};

/// One temporal tier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    /// Node names in the tier.
    pub nodes: Vec<String>,
    /// Whether edges between nodes of this tier are forbidden.
    pub forbid_within: bool,
}

/// Background knowledge by node name (see the [module docs](self)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Knowledge {
    /// Tiers in temporal order (earliest first).
    pub tiers: Vec<Tier>,
    /// Forbidden directed edges `(from, to)`.
    pub forbidden: Vec<(String, String)>,
    /// Required directed edges `(from, to)`.
    pub required: Vec<(String, String)>,
}

impl Knowledge {
    /// No knowledge.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a tier (later than every tier added before).
    pub fn add_tier(mut self, nodes: &[&str], forbid_within: bool) -> Self {
        self.tiers.push(Tier {
            nodes: nodes.iter().map(|s| s.to_string()).collect(),
            forbid_within,
        });
        self
    }

    /// Forbids `from --> to`.
    pub fn forbid(mut self, from: &str, to: &str) -> Self {
        self.forbidden.push((from.into(), to.into()));
        self
    }

    /// Requires `from --> to`.
    pub fn require(mut self, from: &str, to: &str) -> Self {
        self.required.push((from.into(), to.into()));
        self
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.tiers.is_empty() && self.forbidden.is_empty() && self.required.is_empty()
    }

    /// Parses Tetrad's knowledge format (sections `addtemporal`, `forbiddirect`, `requiredirect`;
    /// `/knowledge` header and `//` or `#` comments allowed). Tier lines are `N name name ...` with an
    /// optional `*` after `N`; tiers are ordered by `N`.
    pub fn parse(text: &str, source_name: &str) -> Result<Self> {
        #[derive(PartialEq)]
        enum Sec {
            None,
            Temporal,
            Forbid,
            Require,
        }
        let mut sec = Sec::None;
        let mut tiers: Vec<(i64, Tier)> = Vec::new();
        let mut k = Knowledge::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split("//").next().unwrap_or("");
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            match line.to_ascii_lowercase().as_str() {
                "/knowledge" => continue,
                "addtemporal" => {
                    sec = Sec::Temporal;
                    continue;
                }
                "forbiddirect" => {
                    sec = Sec::Forbid;
                    continue;
                }
                "requiredirect" => {
                    sec = Sec::Require;
                    continue;
                }
                _ => {}
            }
            let toks: Vec<&str> = line.split_whitespace().collect();
            match sec {
                Sec::None => {
                    return Err(CausalError::parse(
                        source_name,
                        i + 1,
                        format!(
                            "`{line}` outside a section (addtemporal, forbiddirect, requiredirect)"
                        ),
                    ));
                }
                Sec::Temporal => {
                    let (num, star) = match toks[0].strip_suffix('*') {
                        Some(n) => (n, true),
                        None => (toks[0], false),
                    };
                    let num: i64 = num.parse().map_err(|_| {
                        CausalError::parse(
                            source_name,
                            i + 1,
                            format!("expected a tier number, found `{}`", toks[0]),
                        )
                    })?;
                    if tiers.iter().any(|(t, _)| *t == num) {
                        return Err(CausalError::parse(
                            source_name,
                            i + 1,
                            format!("tier {num} given twice"),
                        ));
                    }
                    tiers.push((
                        num,
                        Tier {
                            nodes: toks[1..].iter().map(|s| s.to_string()).collect(),
                            forbid_within: star,
                        },
                    ));
                }
                Sec::Forbid | Sec::Require => {
                    if toks.len() != 2 {
                        return Err(CausalError::parse(
                            source_name,
                            i + 1,
                            format!("expected `from to`, found `{line}`"),
                        ));
                    }
                    let pair = (toks[0].to_string(), toks[1].to_string());
                    if sec == Sec::Forbid {
                        k.forbidden.push(pair);
                    } else {
                        k.required.push(pair);
                    }
                }
            }
        }
        tiers.sort_by_key(|(t, _)| *t);
        k.tiers = tiers.into_iter().map(|(_, t)| t).collect();
        Ok(k)
    }

    /// Reads a knowledge file (see [`Knowledge::parse`]).
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| CausalError::io(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Resolves names against the search's node names. Errors: an unknown name
    /// ([`CausalError::UnknownVariable`]), a node in two tiers, or a required edge that is also
    /// forbidden ([`CausalError::Knowledge`]).
    pub fn resolve(&self, names: &[String]) -> Result<ResolvedKnowledge> {
        let n = names.len();
        let idx = |s: &str, ctx: &str| -> Result<usize> {
            names
                .iter()
                .position(|x| x == s)
                .ok_or_else(|| CausalError::UnknownVariable {
                    name: s.to_string(),
                    context: format!("knowledge ({ctx})"),
                })
        };
        let mut tier = vec![None; n];
        let mut within = Vec::new();
        for (t, tr) in self.tiers.iter().enumerate() {
            within.push(tr.forbid_within);
            for name in &tr.nodes {
                let v = idx(name, "addtemporal")?;
                if tier[v].is_some() {
                    return Err(CausalError::Knowledge(format!("`{name}` is in two tiers")));
                }
                tier[v] = Some(t);
            }
        }
        let mut forbidden = HashSet::new();
        for (a, b) in &self.forbidden {
            forbidden.insert((idx(a, "forbiddirect")?, idx(b, "forbiddirect")?));
        }
        let mut required = HashSet::new();
        for (a, b) in &self.required {
            required.insert((idx(a, "requiredirect")?, idx(b, "requiredirect")?));
        }
        let r = ResolvedKnowledge {
            n,
            tier,
            within,
            forbidden,
            required,
        };
        for &(a, b) in &r.required {
            if r.is_forbidden(a, b) {
                return Err(CausalError::Knowledge(format!(
                    "`{} --> {}` is both required and forbidden",
                    names[a], names[b]
                )));
            }
            if r.required.contains(&(b, a)) {
                return Err(CausalError::Knowledge(format!(
                    "both `{} --> {}` and its reverse are required",
                    names[a], names[b]
                )));
            }
        }
        Ok(r)
    }
}

/// Knowledge resolved to node indices, ready for the searches.
#[derive(Clone, Debug, Default)]
pub struct ResolvedKnowledge {
    n: usize,
    tier: Vec<Option<usize>>,
    within: Vec<bool>,
    forbidden: HashSet<(usize, usize)>,
    required: HashSet<(usize, usize)>,
}

impl ResolvedKnowledge {
    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.n
    }

    /// True when `a --> b` is forbidden (explicitly, or by tiers).
    pub fn is_forbidden(&self, a: usize, b: usize) -> bool {
        if self.forbidden.contains(&(a, b)) {
            return true;
        }
        if let (Some(Some(ta)), Some(Some(tb))) = (self.tier.get(a), self.tier.get(b)) {
            if ta > tb {
                return true;
            }
            if ta == tb && self.within[*ta] {
                return true;
            }
        }
        false
    }

    /// True when `a --> b` is required.
    pub fn is_required(&self, a: usize, b: usize) -> bool {
        self.required.contains(&(a, b))
    }

    /// True when both directions are forbidden (the edge cannot exist).
    pub fn edge_banned(&self, a: usize, b: usize) -> bool {
        self.is_forbidden(a, b) && self.is_forbidden(b, a)
    }

    /// The required edges.
    pub fn required_edges(&self) -> Vec<(usize, usize)> {
        let mut v: Vec<_> = self.required.iter().copied().collect();
        v.sort_unstable();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_tetrad_format() {
        let text = "/knowledge\naddtemporal\n2 c\n1* a b\n\nforbiddirect\nc d // comment\nrequiredirect\na c\n";
        let k = Knowledge::parse(text, "k").unwrap();
        assert_eq!(k.tiers.len(), 2);
        assert_eq!(k.tiers[0].nodes, vec!["a", "b"]);
        assert!(k.tiers[0].forbid_within);
        let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let r = k.resolve(&names).unwrap();
        assert!(r.is_forbidden(0, 1) && r.is_forbidden(1, 0)); // within tier 1*
        assert!(r.is_forbidden(2, 0));
        assert!(!r.is_forbidden(0, 2));
        assert!(r.is_forbidden(2, 3));
        assert!(!r.is_forbidden(3, 2));
        assert!(r.is_required(0, 2));
        assert!(r.edge_banned(0, 1));
    }

    #[test]
    fn errors() {
        assert!(matches!(
            Knowledge::parse("a b\n", "k"),
            Err(CausalError::Parse { line: 1, .. })
        ));
        assert!(Knowledge::parse("addtemporal\nx a\n", "k").is_err());
        assert!(Knowledge::parse("forbiddirect\na b c\n", "k").is_err());
        let names: Vec<String> = vec!["a".into(), "b".into()];
        let k = Knowledge::new().forbid("a", "zz");
        assert!(matches!(
            k.resolve(&names),
            Err(CausalError::UnknownVariable { .. })
        ));
        let k = Knowledge::new().forbid("a", "b").require("a", "b");
        assert!(matches!(k.resolve(&names), Err(CausalError::Knowledge(_))));
        let k = Knowledge::new()
            .add_tier(&["b"], false)
            .add_tier(&["a"], false)
            .require("a", "b");
        assert!(matches!(k.resolve(&names), Err(CausalError::Knowledge(_))));
    }
}
