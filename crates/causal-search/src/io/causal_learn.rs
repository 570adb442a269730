//! causal-learn's endpoint matrix: `m[i][j]` is the mark at node `i` on the edge `i *-* j`
//! (0 no edge, -1 tail, 1 arrowhead, 2 circle); `i --> j` is `m[i][j] = -1, m[j][i] = 1`.

use ndarray::Array2;

use crate::error::{CausalError, Result};
use crate::graph::{Mark, MixedGraph};

/// The matrix of `g` (node order = `g`'s).
pub fn to_matrix(g: &MixedGraph) -> Array2<i8> {
    let n = g.n_nodes();
    let mut m = Array2::zeros((n, n));
    for e in g.edges() {
        m[[e.a, e.b]] = e.mark_a.causal_learn_code();
        m[[e.b, e.a]] = e.mark_b.causal_learn_code();
    }
    m
}

/// The graph of a matrix. Errors on a non-square matrix, an unknown code, a non-zero diagonal, or an
/// edge with a mark at only one end.
pub fn from_matrix(m: &Array2<i64>, names: Option<&[String]>) -> Result<MixedGraph> {
    let n = m.nrows();
    if m.ncols() != n {
        return Err(CausalError::ShapeMismatch {
            what: "causal-learn matrix columns".into(),
            expected: n,
            found: m.ncols(),
        });
    }
    let mut g = MixedGraph::new(super::matrix_names(n, names)?)?;
    for i in 0..n {
        if m[[i, i]] != 0 {
            return Err(CausalError::InvalidGraph(format!(
                "non-zero diagonal at {i}"
            )));
        }
        for j in i + 1..n {
            let (a, b) = (m[[i, j]], m[[j, i]]);
            if a == 0 && b == 0 {
                continue;
            }
            let ma = Mark::from_causal_learn_code(a);
            let mb = Mark::from_causal_learn_code(b);
            match (ma, mb) {
                (Some(ma), Some(mb)) => g.add_edge(i, j, ma, mb)?,
                _ => {
                    return Err(CausalError::InvalidGraph(format!(
                        "entries ({i},{j}) = {a} and ({j},{i}) = {b} do not make an edge"
                    )));
                }
            }
        }
    }
    Ok(g)
}

/// Parses the text form (one row per line, whitespace separated).
pub fn parse(text: &str, names: Option<&[String]>, source_name: &str) -> Result<MixedGraph> {
    let rows = super::parse_int_matrix(text, source_name)?;
    let n = rows.len();
    let flat: Vec<i64> = rows.into_iter().flatten().collect();
    let m = Array2::from_shape_vec((n, n), flat)
        .map_err(|e| CausalError::parse(source_name, 0, e.to_string()))?;
    from_matrix(&m, names).map_err(|e| match e {
        CausalError::InvalidGraph(msg) => CausalError::parse(source_name, 0, msg),
        other => other,
    })
}

/// Reads a matrix file.
pub fn read(path: impl AsRef<std::path::Path>, names: Option<&[String]>) -> Result<MixedGraph> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| CausalError::io(path, e))?;
    parse(&text, names, &path.display().to_string())
}

/// The text form: one row per line, entries separated by single spaces.
pub fn to_string(g: &MixedGraph) -> String {
    let m = to_matrix(g);
    let mut s = String::new();
    for row in m.rows() {
        let line: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        s.push_str(&line.join(" "));
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let text = "0 -1 0\n1 0 2\n0 1 0\n";
        let g = parse(text, None, "t").unwrap();
        assert!(g.is_parent(0, 1));
        assert_eq!(g.edge(1, 2), Some((Mark::Circle, Mark::Arrow)));
        assert_eq!(to_string(&g), text);
        assert!(parse("0 -1\n0 0\n", None, "t").is_err());
        assert!(parse("0 5\n5 0\n", None, "t").is_err());
        assert!(parse("0 1 0\n1 0\n", None, "t").is_err());
        assert!(parse("0 x\n1 0\n", None, "t").is_err());
        assert!(parse(text, Some(&["a".to_string()]), "t").is_err());
    }
}
