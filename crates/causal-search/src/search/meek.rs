//! Meek's orientation rules R1-R4 on a PDAG.
//!
//! R1: `i --> j --- k`, `i`, `k` non-adjacent: orient `j --> k`.
//! R2: `i --> j --> k` and `i --- k`: orient `i --> k`.
//! R3: `i --- j --> l`, `i --- k --> l`, `j`, `k` non-adjacent, `i --- l`: orient `i --> l`.
//! R4: `i --- k --> m --> l`, `i --- l`, `i` adjacent to `m`, `k`, `l` non-adjacent: orient `i --> l`
//! (only needed with background knowledge; Meek 1995).
//!
//! The triples, triangles and kites are enumerated once, in causal-learn's order, and the rules are
//! applied in that order until nothing changes, so that a conflicting pattern from finite data resolves
//! the same way as causal-learn's `meek` (which has R1-R3). An orientation that the knowledge forbids
//! (`forbidden(j, k)` or `required(k, j)`) is skipped, and so is one whose head is recorded as an
//! ancestor of its tail (it would close a cycle; causal-learn's check, see [`Pdag`]).

use super::knowledge::ResolvedKnowledge;
use crate::graph::pdag::Pdag;

fn blocked(bk: Option<&ResolvedKnowledge>, from: usize, to: usize) -> bool {
    bk.is_some_and(|k| k.is_forbidden(from, to) || k.is_required(to, from))
}

/// Applies R1-R3 (and R4 when `r4`) to closure.
pub(crate) fn meek(p: &mut Pdag, bk: Option<&ResolvedKnowledge>, r4: bool) {
    let ut = p.unshielded_triples();
    let tri = p.triangles();
    let kites = p.kites();
    loop {
        let mut changed = false;
        for &(i, j, k) in &ut {
            if p.directed(i, j) && p.undirected(j, k) && !blocked(bk, j, k) && !p.is_ancestor(k, j)
            {
                p.orient(j, k);
                changed = true;
            }
        }
        for &(i, j, k) in &tri {
            if p.directed(i, j)
                && p.directed(j, k)
                && p.undirected(i, k)
                && !blocked(bk, i, k)
                && !p.is_ancestor(k, i)
            {
                p.orient(i, k);
                changed = true;
            }
        }
        for &(i, j, k, l) in &kites {
            if p.undirected(i, j)
                && p.undirected(i, k)
                && p.directed(j, l)
                && p.directed(k, l)
                && p.undirected(i, l)
                && !blocked(bk, i, l)
                && !p.is_ancestor(l, i)
            {
                p.orient(i, l);
                changed = true;
            }
        }
        if r4 {
            // (i, m, l) triangles with m --> l and i --- l; look for k: i --- k --> m, k !~ l
            for &(i, m, l) in &tri {
                if !(p.undirected(i, l) && p.directed(m, l)) || blocked(bk, i, l) {
                    continue;
                }
                let found = (0..p.n).any(|k| {
                    k != i
                        && k != m
                        && k != l
                        && p.undirected(i, k)
                        && p.directed(k, m)
                        && !p.adjacent(k, l)
                });
                if found && !p.is_ancestor(l, i) {
                    p.orient(i, l);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// causal-learn's `definite_meek`: R1 over the definite non-colliders (both directions), R2 over the
/// triangles, R3 over kites whose collider/non-collider triples are definite; to closure.
pub(crate) fn definite_meek(
    p: &mut Pdag,
    definite_uc: &[(usize, usize, usize)],
    definite_non_uc: &[(usize, usize, usize)],
    bk: Option<&ResolvedKnowledge>,
) {
    let tri = p.triangles();
    let kites = p.kites();
    let uc: std::collections::HashSet<_> = definite_uc.iter().copied().collect();
    let nuc: std::collections::HashSet<_> = definite_non_uc.iter().copied().collect();
    loop {
        let mut changed = false;
        for &(i, j, k) in definite_non_uc {
            if p.directed(i, j) && p.undirected(j, k) && !blocked(bk, j, k) {
                if !p.is_ancestor(k, j) {
                    p.orient(j, k);
                    changed = true;
                }
            } else if p.directed(k, j)
                && p.undirected(j, i)
                && !blocked(bk, j, i)
                && !p.is_ancestor(i, j)
            {
                p.orient(j, i);
                changed = true;
            }
        }
        for &(i, j, k) in &tri {
            if p.directed(i, j)
                && p.directed(j, k)
                && p.undirected(i, k)
                && !blocked(bk, i, k)
                && !p.is_ancestor(k, i)
            {
                p.orient(i, k);
                changed = true;
            }
        }
        for &(i, j, k, l) in &kites {
            if (uc.contains(&(j, l, k)) || uc.contains(&(k, l, j)))
                && (nuc.contains(&(j, i, k)) || nuc.contains(&(k, i, j)))
                && p.undirected(i, l)
                && !blocked(bk, i, l)
                && !p.is_ancestor(l, i)
            {
                p.orient(i, l);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::pdag::TAIL;

    #[test]
    fn r1_r2_r3() {
        // R1: 0 --> 1 --- 2, 0 !~ 2
        let mut p = Pdag::empty(3);
        p.orient(0, 1);
        p.set_edge(1, 2, TAIL, TAIL);
        meek(&mut p, None, false);
        assert!(p.directed(1, 2));
        // R2: 0 --> 1 --> 2, 0 --- 2
        let mut p = Pdag::empty(3);
        p.orient(0, 1);
        p.orient(1, 2);
        p.set_edge(0, 2, TAIL, TAIL);
        meek(&mut p, None, false);
        assert!(p.directed(0, 2));
        // R3: 0 --- 1 --> 3, 0 --- 2 --> 3, 1 !~ 2, 0 --- 3
        let mut p = Pdag::empty(4);
        p.set_edge(0, 1, TAIL, TAIL);
        p.set_edge(0, 2, TAIL, TAIL);
        p.set_edge(0, 3, TAIL, TAIL);
        p.orient(1, 3);
        p.orient(2, 3);
        meek(&mut p, None, false);
        assert!(p.directed(0, 3));
        assert!(p.undirected(0, 1) && p.undirected(0, 2));
    }

    #[test]
    fn r4_with_knowledge_shape() {
        // 0 --- 1 --> 2 --> 3, 0 --- 3, 0 --- 2, 1 !~ 3: R4 orients 0 --> 3
        let mut p = Pdag::empty(4);
        p.set_edge(0, 1, TAIL, TAIL);
        p.orient(1, 2);
        p.orient(2, 3);
        p.set_edge(0, 3, TAIL, TAIL);
        p.set_edge(0, 2, TAIL, TAIL);
        let mut q = p.clone();
        meek(&mut p, None, true);
        assert!(p.directed(0, 3));
        meek(&mut q, None, false);
        assert!(q.undirected(0, 3));
    }
}
