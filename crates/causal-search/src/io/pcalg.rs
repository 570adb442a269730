//! pcalg's adjacency matrices (see pcalg's `amatType`).
//!
//! - `amat.cpdag` (DAGs, CPDAGs): codes 0/1, the mark refers to the **row**: `amat[a,b] = 0,
//!   amat[b,a] = 1` is `a --> b`; `amat[a,b] = amat[b,a] = 1` is `a --- b`.
//! - `amat.pag` (MAGs, PAGs): 0 no edge, 1 circle, 2 arrowhead, 3 tail; the mark refers to the
//!   **column**: `amat[a,b] = 2, amat[b,a] = 3` is `a --> b`.

use crate::error::{CausalError, Result};
use crate::graph::{Mark, MixedGraph};

/// Which pcalg coding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmatType {
    /// `amat.cpdag`.
    Cpdag,
    /// `amat.pag`.
    Pag,
}

/// The matrix of `g` as rows. Errors for `Cpdag` if `g` has an edge other than `-->` or `---`.
pub fn to_matrix(g: &MixedGraph, t: AmatType) -> Result<Vec<Vec<i64>>> {
    let n = g.n_nodes();
    let mut m = vec![vec![0i64; n]; n];
    for e in g.edges() {
        match t {
            AmatType::Pag => {
                let code = |mk: Mark| match mk {
                    Mark::Circle => 1,
                    Mark::Arrow => 2,
                    Mark::Tail => 3,
                };
                m[e.b][e.a] = code(e.mark_a);
                m[e.a][e.b] = code(e.mark_b);
            }
            AmatType::Cpdag => match (e.mark_a, e.mark_b) {
                (Mark::Tail, Mark::Arrow) => m[e.b][e.a] = 1,
                (Mark::Arrow, Mark::Tail) => m[e.a][e.b] = 1,
                (Mark::Tail, Mark::Tail) => {
                    m[e.a][e.b] = 1;
                    m[e.b][e.a] = 1;
                }
                _ => {
                    return Err(CausalError::InvalidGraph(format!(
                        "amat.cpdag cannot encode `{} {} {}`",
                        g.name(e.a),
                        e.symbol(),
                        g.name(e.b)
                    )));
                }
            },
        }
    }
    Ok(m)
}

/// The text form (rows of integers). A graph that the coding cannot hold gives an error line
/// instead; use [`to_matrix`] for a checked conversion.
pub fn to_string(g: &MixedGraph, t: AmatType) -> String {
    match to_matrix(g, t) {
        Ok(m) => m
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
                    + "\n"
            })
            .collect(),
        Err(e) => format!("# {e}\n"),
    }
}

/// Parses a matrix in the given coding.
pub fn parse(
    text: &str,
    t: AmatType,
    names: Option<&[String]>,
    source_name: &str,
) -> Result<MixedGraph> {
    let m = super::parse_int_matrix(text, source_name)?;
    let n = m.len();
    let mut g = MixedGraph::new(super::matrix_names(n, names)?)?;
    let bad = |i: usize, j: usize| {
        CausalError::parse(
            source_name,
            0,
            format!(
                "entries ({i},{j}) = {} and ({j},{i}) = {} do not make an edge",
                m[i][j], m[j][i]
            ),
        )
    };
    #[allow(clippy::needless_range_loop)]
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (m[i][j], m[j][i]);
            if a == 0 && b == 0 {
                continue;
            }
            match t {
                AmatType::Cpdag => match (a, b) {
                    (0, 1) => g.add_directed(i, j)?,
                    (1, 0) => g.add_directed(j, i)?,
                    (1, 1) => g.add_undirected(i, j)?,
                    _ => return Err(bad(i, j)),
                },
                AmatType::Pag => {
                    let dec = |c: i64| match c {
                        1 => Some(Mark::Circle),
                        2 => Some(Mark::Arrow),
                        3 => Some(Mark::Tail),
                        _ => None,
                    };
                    // m[i][j] is the mark at j, m[j][i] the mark at i
                    match (dec(b), dec(a)) {
                        (Some(mi), Some(mj)) => g.add_edge(i, j, mi, mj)?,
                        _ => return Err(bad(i, j)),
                    }
                }
            }
        }
    }
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codings() {
        let mut g = MixedGraph::with_default_names(3);
        g.add_directed(0, 1).unwrap();
        g.add_undirected(1, 2).unwrap();
        let m = to_matrix(&g, AmatType::Cpdag).unwrap();
        assert_eq!(m, vec![vec![0, 0, 0], vec![1, 0, 1], vec![0, 1, 0]]);
        assert_eq!(
            parse(&to_string(&g, AmatType::Cpdag), AmatType::Cpdag, None, "t").unwrap(),
            g
        );
        let mut p = MixedGraph::with_default_names(2);
        p.add_edge(0, 1, Mark::Circle, Mark::Arrow).unwrap(); // X1 o-> X2
        let m = to_matrix(&p, AmatType::Pag).unwrap();
        assert_eq!(m, vec![vec![0, 2], vec![1, 0]]);
        assert_eq!(
            parse(&to_string(&p, AmatType::Pag), AmatType::Pag, None, "t").unwrap(),
            p
        );
        assert!(to_matrix(&p, AmatType::Cpdag).is_err());
        assert!(parse("0 2\n0 0\n", AmatType::Pag, None, "t").is_err());
    }
}
