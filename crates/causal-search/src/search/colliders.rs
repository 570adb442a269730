//! Orienting unshielded colliders after the adjacency search, with causal-learn's rules and
//! conflict priorities (`uc_rule`, `uc_priority`), plus the conservative (CPC) and majority rules.
//!
//! Unshielded triples `x - y - z` (`x < z`, `x` and `z` non-adjacent) are visited in causal-learn's
//! order. A triple is a collider when
//! - [`UcRule::Sepset`]: `y` is in no separating set recorded for `x, z`;
//! - [`UcRule::MaxP`]: the largest p-value of `x _||_ z | S` over sets S (subsets of the
//!   neighbours of `x` or of `z`) without `y` exceeds the largest with `y`;
//! - [`UcRule::DefiniteMaxP`]: no set with `y` makes `x`, `z` independent and the max-p comparison
//!   agrees (or no set without `y` does either); triples where every set without `y` fails and some
//!   set with `y` succeeds are definite non-colliders;
//! - [`UcRule::Conservative`] / [`UcRule::Majority`]: among the separating sets S found over those
//!   subsets, `y` is in none (CPC) / in fewer than half (majority) of them; in all (CPC) / more than
//!   half (majority): definite non-collider; otherwise ambiguous.
//!
//! Conflicts between colliders are resolved by [`UcPriority`]: overwrite, bidirected edges,
//! existing colliders first, or ordered by p-value (stronger colliders first).

use serde::{Deserialize, Serialize};

use super::knowledge::ResolvedKnowledge;
use super::skeleton::Sepsets;
use crate::ci::CiTest;
use crate::error::{CausalError, Result};
use crate::graph::pdag::{ARROW, Pdag, TAIL};

/// How unshielded colliders are found (causal-learn's `uc_rule` 0, 1, 2, plus CPC and majority).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UcRule {
    /// 0: by the separating sets of the adjacency search.
    Sepset,
    /// 1: max-P.
    MaxP,
    /// 2: definite max-P.
    DefiniteMaxP,
    /// Conservative PC (Ramsey et al. 2006).
    Conservative,
    /// Majority rule (Colombo & Maathuis 2014).
    Majority,
}

impl UcRule {
    /// causal-learn's code (0, 1, 2) -> rule.
    pub fn from_code(code: i64) -> Result<Self> {
        match code {
            0 => Ok(UcRule::Sepset),
            1 => Ok(UcRule::MaxP),
            2 => Ok(UcRule::DefiniteMaxP),
            _ => Err(CausalError::param(
                "uc_rule",
                format!("{code} is not 0, 1 or 2"),
            )),
        }
    }

    /// The priority causal-learn uses when `uc_priority = -1`: 3 for rules 0 and 1, 4 for rule 2
    /// (and, here, 2 for CPC and majority).
    pub fn default_priority(self) -> UcPriority {
        match self {
            UcRule::Sepset | UcRule::MaxP => UcPriority::Stronger,
            UcRule::DefiniteMaxP => UcPriority::StrongerStar,
            UcRule::Conservative | UcRule::Majority => UcPriority::Existing,
        }
    }
}

/// Conflict resolution between colliders (causal-learn's `uc_priority`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UcPriority {
    /// 0: a later collider overwrites earlier orientations.
    Overwrite,
    /// 1: conflicting orientations make a bidirected edge.
    Bidirected,
    /// 2: a collider is oriented only if it does not reverse an earlier one.
    Existing,
    /// 3: as 2, colliders ordered by ascending max p-value of the sets containing the middle node.
    Stronger,
    /// 4: as 2, colliders ordered by descending max p-value of the sets without the middle node.
    StrongerStar,
}

impl UcPriority {
    /// causal-learn's code 0..4 -> priority.
    pub fn from_code(code: i64) -> Result<Self> {
        Ok(match code {
            0 => UcPriority::Overwrite,
            1 => UcPriority::Bidirected,
            2 => UcPriority::Existing,
            3 => UcPriority::Stronger,
            4 => UcPriority::StrongerStar,
            _ => {
                return Err(CausalError::param(
                    "uc_priority",
                    format!("{code} is not in 0..=4"),
                ));
            }
        })
    }
}

/// Triples known to be colliders / non-colliders (for definite Meek).
#[derive(Default)]
pub(crate) struct Definite {
    pub uc: Vec<(usize, usize, usize)>,
    pub non_uc: Vec<(usize, usize, usize)>,
    pub used: bool,
}

fn bk_skip(bk: Option<&ResolvedKnowledge>, x: usize, y: usize, z: usize) -> bool {
    bk.is_some_and(|k| {
        k.is_forbidden(x, y) || k.is_forbidden(z, y) || k.is_required(y, x) || k.is_required(y, z)
    })
}

fn orient_existing(p: &mut Pdag, x: usize, y: usize, z: usize) -> bool {
    if !p.directed(y, x) && !p.directed(y, z) {
        p.orient(x, y);
        p.orient(z, y);
        true
    } else {
        false
    }
}

fn orient_bidirected_end(p: &mut Pdag, a: usize, y: usize) {
    if p.get(a, y) == TAIL && p.get(y, a) == TAIL {
        p.orient(a, y);
    } else if p.get(a, y) == ARROW && p.get(y, a) == TAIL {
        p.make_bidirected(a, y);
    }
}

fn apply_immediate(p: &mut Pdag, pr: UcPriority, x: usize, y: usize, z: usize) {
    match pr {
        UcPriority::Overwrite => {
            p.orient(x, y);
            p.orient(z, y);
        }
        UcPriority::Bidirected => {
            orient_bidirected_end(p, x, y);
            orient_bidirected_end(p, z, y);
        }
        _ => {
            orient_existing(p, x, y, z);
        }
    }
}

/// Sorts scored triples (stable), ascending for `Stronger`, descending for `StrongerStar`.
fn sort_scored(v: &mut [((usize, usize, usize), f64)], pr: UcPriority) {
    match pr {
        UcPriority::Stronger => v.sort_by(|a, b| a.1.total_cmp(&b.1)),
        UcPriority::StrongerStar => v.sort_by(|a, b| b.1.total_cmp(&a.1)),
        _ => {}
    }
}

/// The union of the power sets of the neighbours of `x` and of `z`, split by whether `y` is in.
/// Conditioning sets with and without the middle node.
type SplitSets = (Vec<Vec<usize>>, Vec<Vec<usize>>);

fn cond_sets(p: &Pdag, x: usize, z: usize, y: usize) -> Result<SplitSets> {
    let mut all = std::collections::BTreeSet::new();
    for v in [x, z] {
        let nb = p.neighbors(v);
        if nb.len() > 20 {
            return Err(CausalError::param(
                "uc_rule",
                format!(
                    "max-P collider rules enumerate 2^{} conditioning sets of node {v}; too many",
                    nb.len()
                ),
            ));
        }
        for mask in 0u32..(1u32 << nb.len()) {
            let s: Vec<usize> = (0..nb.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| nb[i])
                .collect();
            all.insert(s);
        }
    }
    let (with, without): (Vec<_>, Vec<_>) = all.into_iter().partition(|s| s.contains(&y));
    Ok((with, without))
}

fn max_p<T: CiTest + ?Sized>(test: &T, x: usize, z: usize, sets: &[Vec<usize>]) -> Result<f64> {
    let mut m = f64::NEG_INFINITY;
    for s in sets {
        m = m.max(test.test(x, z, s)?.p_value);
    }
    Ok(m)
}

/// Orients the unshielded colliders of `p` (a skeleton, possibly with knowledge orientations).
pub(crate) fn orient_colliders<T: CiTest + ?Sized>(
    p: &mut Pdag,
    rule: UcRule,
    priority: UcPriority,
    alpha: f64,
    sepsets: &Sepsets,
    test: &T,
    bk: Option<&ResolvedKnowledge>,
) -> Result<Definite> {
    let ut: Vec<(usize, usize, usize)> = p
        .unshielded_triples()
        .into_iter()
        .filter(|t| t.0 < t.2)
        .collect();
    let mut def = Definite::default();
    let mut scored: Vec<((usize, usize, usize), f64)> = Vec::new();
    let deferred = matches!(priority, UcPriority::Stronger | UcPriority::StrongerStar);
    match rule {
        UcRule::Sepset => {
            for &(x, y, z) in &ut {
                if bk_skip(bk, x, y, z) || sepsets.in_any(x, z, y) {
                    continue;
                }
                if deferred {
                    let (with, without) = cond_sets(p, x, z, y)?;
                    let s = if priority == UcPriority::Stronger {
                        max_p(test, x, z, &with)?
                    } else {
                        max_p(test, x, z, &without)?
                    };
                    scored.push(((x, y, z), s));
                } else {
                    apply_immediate(p, priority, x, y, z);
                }
            }
        }
        UcRule::MaxP => {
            for &(x, y, z) in &ut {
                if bk_skip(bk, x, y, z) {
                    continue;
                }
                let (with, without) = cond_sets(p, x, z, y)?;
                let (mw, mo) = (max_p(test, x, z, &with)?, max_p(test, x, z, &without)?);
                if mo > mw {
                    match priority {
                        UcPriority::Stronger => scored.push(((x, y, z), mw)),
                        UcPriority::StrongerStar => scored.push(((x, y, z), mo)),
                        _ => apply_immediate(p, priority, x, y, z),
                    }
                }
            }
        }
        UcRule::DefiniteMaxP => {
            if !matches!(
                priority,
                UcPriority::Existing | UcPriority::Stronger | UcPriority::StrongerStar
            ) {
                return Err(CausalError::param(
                    "uc_priority",
                    "definite max-P needs priority 2, 3 or 4",
                ));
            }
            def.used = true;
            for &(x, y, z) in &ut {
                let (with, without) = cond_sets(p, x, z, y)?;
                let (mut mw, mut mo) = (0.0f64, 0.0f64);
                let (mut uc, mut nuc) = (true, true);
                for s in &with {
                    let pv = test.test(x, z, s)?.p_value;
                    if pv > alpha {
                        uc = false;
                        break;
                    }
                    mw = mw.max(pv);
                }
                for s in &without {
                    let pv = test.test(x, z, s)?.p_value;
                    if pv > alpha {
                        nuc = false;
                        if !uc {
                            break;
                        }
                    }
                    mo = mo.max(pv);
                }
                let score = if priority == UcPriority::StrongerStar {
                    mo
                } else {
                    mw
                };
                if uc {
                    if nuc {
                        if mo > mw {
                            scored.push(((x, y, z), score));
                        } else {
                            def.non_uc.push((x, y, z));
                        }
                    } else {
                        scored.push(((x, y, z), score));
                    }
                } else if nuc {
                    def.non_uc.push((x, y, z));
                }
            }
            sort_scored(&mut scored, priority);
            for &((x, y, z), _) in &scored {
                if bk_skip(bk, x, y, z) {
                    continue;
                }
                if orient_existing(p, x, y, z) {
                    def.uc.push((x, y, z));
                }
            }
            return Ok(def);
        }
        UcRule::Conservative | UcRule::Majority => {
            def.used = true;
            for &(x, y, z) in &ut {
                let (with, without) = cond_sets(p, x, z, y)?;
                let (mut n_with, mut n_without) = (0usize, 0usize);
                let (mut mw, mut mo) = (0.0f64, 0.0f64);
                for s in &with {
                    let pv = test.test(x, z, s)?.p_value;
                    mw = mw.max(pv);
                    if pv > alpha {
                        n_with += 1;
                    }
                }
                for s in &without {
                    let pv = test.test(x, z, s)?.p_value;
                    mo = mo.max(pv);
                    if pv > alpha {
                        n_without += 1;
                    }
                }
                let total = n_with + n_without;
                let (collider, non) = if total == 0 {
                    (false, false)
                } else if rule == UcRule::Conservative {
                    (n_with == 0, n_without == 0)
                } else {
                    (2 * n_with < total, 2 * n_with > total)
                };
                if collider && !bk_skip(bk, x, y, z) {
                    match priority {
                        UcPriority::Stronger => scored.push(((x, y, z), mw)),
                        UcPriority::StrongerStar => scored.push(((x, y, z), mo)),
                        _ => {
                            apply_immediate(p, priority, x, y, z);
                            def.uc.push((x, y, z));
                        }
                    }
                } else if non {
                    def.non_uc.push((x, y, z));
                }
            }
        }
    }
    sort_scored(&mut scored, priority);
    for &((x, y, z), _) in &scored {
        if bk_skip(bk, x, y, z) {
            continue;
        }
        if orient_existing(p, x, y, z) && def.used {
            def.uc.push((x, y, z));
        }
    }
    Ok(def)
}
