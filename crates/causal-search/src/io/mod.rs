//! Reading and writing graphs: Tetrad text, causal-learn's matrix, pcalg's `amat`, DOT and JSON.
//!
//! ```
//! use causal_search::graph::MixedGraph;
//! use causal_search::io::{self, GraphFormat};
//! let mut g = MixedGraph::with_default_names(3);
//! g.add_directed(0, 1).unwrap();
//! g.add_nondirected(1, 2).unwrap();
//! for f in [GraphFormat::Tetrad, GraphFormat::CausalLearn, GraphFormat::Json, GraphFormat::PcalgPag] {
//!     let text = io::write_graph(&g, f);
//!     let back = io::read_graph(&text, f, Some(g.names()), "inline").unwrap();
//!     assert_eq!(back, g);
//! }
//! ```

pub mod causal_learn;
pub mod dot;
pub mod pcalg;
pub mod tetrad;

use serde::{Deserialize, Serialize};

use crate::error::{CausalError, Result};
use crate::graph::MixedGraph;

/// A graph text format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GraphFormat {
    /// causal-learn's endpoint matrix (`[i,j]` = mark at node i: -1 tail, 1 arrowhead, 2 circle).
    CausalLearn,
    /// Tetrad's text format (`Graph Nodes:` / `Graph Edges:`).
    Tetrad,
    /// Graphviz DOT (write only).
    Dot,
    /// `{"nodes": [...], "edges": [{"a", "b", "mark_a", "mark_b"}]}`.
    Json,
    /// pcalg's `amat.cpdag` coding (DAGs and CPDAGs).
    PcalgCpdag,
    /// pcalg's `amat.pag` coding (MAGs and PAGs).
    PcalgPag,
}

impl std::str::FromStr for GraphFormat {
    type Err = CausalError;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "causal-learn" | "causallearn" | "matrix" => GraphFormat::CausalLearn,
            "tetrad" => GraphFormat::Tetrad,
            "dot" => GraphFormat::Dot,
            "json" => GraphFormat::Json,
            "pcalg-cpdag" | "amat-cpdag" => GraphFormat::PcalgCpdag,
            "pcalg-pag" | "amat-pag" => GraphFormat::PcalgPag,
            _ => {
                return Err(CausalError::param(
                    "format",
                    format!(
                        "unknown graph format `{s}` (causal-learn, tetrad, dot, json, pcalg-cpdag, pcalg-pag)"
                    ),
                ));
            }
        })
    }
}

/// Writes `g` in format `f`.
pub fn write_graph(g: &MixedGraph, f: GraphFormat) -> String {
    match f {
        GraphFormat::CausalLearn => causal_learn::to_string(g),
        GraphFormat::Tetrad => tetrad::to_string(g),
        GraphFormat::Dot => dot::to_string(g),
        GraphFormat::Json => {
            // GraphJson holds only strings and enums: serialisation cannot fail.
            serde_json::to_string_pretty(&crate::graph::GraphJson::from(g)).unwrap_or_default()
                + "\n"
        }
        GraphFormat::PcalgCpdag => pcalg::to_string(g, pcalg::AmatType::Cpdag),
        GraphFormat::PcalgPag => pcalg::to_string(g, pcalg::AmatType::Pag),
    }
}

/// Reads a graph in format `f`. Matrix formats carry no names: `names` gives them (default
/// `X1..Xn`). DOT cannot be read.
pub fn read_graph(
    text: &str,
    f: GraphFormat,
    names: Option<&[String]>,
    source_name: &str,
) -> Result<MixedGraph> {
    match f {
        GraphFormat::CausalLearn => causal_learn::parse(text, names, source_name),
        GraphFormat::Tetrad => tetrad::parse(text, source_name),
        GraphFormat::Dot => Err(CausalError::param("format", "DOT graphs cannot be read")),
        GraphFormat::Json => {
            let j: crate::graph::GraphJson = serde_json::from_str(text)?;
            MixedGraph::try_from(j)
        }
        GraphFormat::PcalgCpdag => pcalg::parse(text, pcalg::AmatType::Cpdag, names, source_name),
        GraphFormat::PcalgPag => pcalg::parse(text, pcalg::AmatType::Pag, names, source_name),
    }
}

/// Parses a whitespace-separated integer matrix (shared by the matrix formats).
pub(crate) fn parse_int_matrix(text: &str, source_name: &str) -> Result<Vec<Vec<i64>>> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let row: Vec<i64> = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                // accept "1", "-1", "1.0", "-1.000000e+00"
                s.parse::<i64>()
                    .or_else(|_| {
                        s.parse::<f64>()
                            .ok()
                            .filter(|v| v.fract() == 0.0 && v.is_finite())
                            .map(|v| v as i64)
                            .ok_or(())
                    })
                    .map_err(|_| {
                        CausalError::parse(source_name, i + 1, format!("`{s}` is not an integer"))
                    })
            })
            .collect::<Result<_>>()?;
        rows.push((i + 1, row));
    }
    let n = rows.len();
    for (line, r) in &rows {
        if r.len() != n {
            return Err(CausalError::parse(
                source_name,
                *line,
                format!(
                    "matrix is not square: {} rows but {} columns here",
                    n,
                    r.len()
                ),
            ));
        }
    }
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}

/// Node names for a matrix of size `n`.
pub(crate) fn matrix_names(n: usize, names: Option<&[String]>) -> Result<Vec<String>> {
    match names {
        Some(v) if v.len() != n => Err(CausalError::ShapeMismatch {
            what: "node names vs matrix size".into(),
            expected: n,
            found: v.len(),
        }),
        Some(v) => Ok(v.to_vec()),
        None => Ok((1..=n).map(|i| format!("X{i}")).collect()),
    }
}
