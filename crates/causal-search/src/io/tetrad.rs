//! Tetrad's graph text format:
//! ```text
//! Graph Nodes:
//! X1;X2;X3
//!
//! Graph Edges:
//! 1. X1 --> X2
//! 2. X2 o-> X3
//! ```

use crate::error::{CausalError, Result};
use crate::graph::{Edge, Mark, MixedGraph};

fn rank(m: Mark) -> u8 {
    match m {
        Mark::Tail => 0,
        Mark::Circle => 1,
        Mark::Arrow => 2,
    }
}

/// Writes `g`; each edge is written with the "stronger" mark on the right (`-->`, `o->`, `--o`).
pub fn to_string(g: &MixedGraph) -> String {
    let mut s = String::from("Graph Nodes:\n");
    s.push_str(&g.names().join(";"));
    s.push_str("\n\nGraph Edges:\n");
    for (k, e) in g.edges().into_iter().enumerate() {
        let e = if rank(e.mark_a) > rank(e.mark_b) {
            e.reversed()
        } else {
            e
        };
        s.push_str(&format!(
            "{}. {} {} {}\n",
            k + 1,
            g.name(e.a),
            e.symbol(),
            g.name(e.b)
        ));
    }
    s
}

/// Parses an edge symbol such as `-->`, `<->`, `o-o`, `--o`, `<-o`: (mark at left, mark at right).
pub fn parse_symbol(sym: &str) -> Option<(Mark, Mark)> {
    let c: Vec<char> = sym.chars().collect();
    if c.len() != 3 || c[1] != '-' {
        return None;
    }
    let l = match c[0] {
        '-' => Mark::Tail,
        '<' => Mark::Arrow,
        'o' => Mark::Circle,
        _ => return None,
    };
    let r = match c[2] {
        '-' => Mark::Tail,
        '>' => Mark::Arrow,
        'o' => Mark::Circle,
        _ => return None,
    };
    Some((l, r))
}

/// Parses the text form.
pub fn parse(text: &str, source_name: &str) -> Result<MixedGraph> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let pos = lines
        .iter()
        .position(|(_, l)| l.eq_ignore_ascii_case("Graph Nodes:"))
        .ok_or_else(|| CausalError::parse(source_name, 0, "no `Graph Nodes:` line"))?;
    let (nl, node_line) = lines
        .get(pos + 1)
        .ok_or_else(|| CausalError::parse(source_name, 0, "no node list after `Graph Nodes:`"))?;
    let sep = if node_line.contains(';') { ';' } else { ',' };
    let names: Vec<String> = node_line
        .split(sep)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let mut g =
        MixedGraph::new(names).map_err(|e| CausalError::parse(source_name, *nl, e.to_string()))?;
    let epos = lines
        .iter()
        .position(|(_, l)| l.eq_ignore_ascii_case("Graph Edges:"))
        .ok_or_else(|| CausalError::parse(source_name, 0, "no `Graph Edges:` line"))?;
    for (ln, l) in &lines[epos + 1..] {
        // the edge list ends at the first line that is not an edge (e.g. Tetrad's "Ambiguous triples")
        let toks: Vec<&str> = l.split_whitespace().collect();
        let numbered = toks
            .first()
            .and_then(|t| t.strip_suffix('.'))
            .is_some_and(|t| t.parse::<usize>().is_ok());
        let toks: &[&str] = if numbered { &toks[1..] } else { &toks };
        let marks = if toks.len() >= 3 {
            parse_symbol(toks[1])
        } else {
            None
        };
        let Some((ma, mb)) = marks else {
            if numbered {
                return Err(CausalError::parse(
                    source_name,
                    *ln,
                    format!("bad edge line `{l}`"),
                ));
            }
            break;
        };
        let a = g
            .index_of(toks[0])
            .map_err(|e| CausalError::parse(source_name, *ln, e.to_string()))?;
        let b = g
            .index_of(toks[2])
            .map_err(|e| CausalError::parse(source_name, *ln, e.to_string()))?;
        g.add_edge(a, b, ma, mb)
            .map_err(|e| CausalError::parse(source_name, *ln, e.to_string()))?;
    }
    Ok(g)
}

/// Reads a Tetrad graph file.
pub fn read(path: impl AsRef<std::path::Path>) -> Result<MixedGraph> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| CausalError::io(path, e))?;
    parse(&text, &path.display().to_string())
}

/// The edge written as Tetrad would (`A --> B`).
pub fn edge_string(g: &MixedGraph, e: Edge) -> String {
    let e = if rank(e.mark_a) > rank(e.mark_b) {
        e.reversed()
    } else {
        e
    };
    format!("{} {} {}", g.name(e.a), e.symbol(), g.name(e.b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_write() {
        let text = "Graph Nodes:\nA;B;C\n\nGraph Edges:\n1. A --> B\n2. C o-> B\n3. A <-> C\n";
        let g = parse(text, "t").unwrap();
        assert!(g.is_parent(0, 1));
        assert_eq!(g.edge(2, 1), Some((Mark::Circle, Mark::Arrow)));
        assert_eq!(g.edge(0, 2), Some((Mark::Arrow, Mark::Arrow)));
        let back = parse(&to_string(&g), "t").unwrap();
        assert_eq!(back, g);
        assert!(to_string(&g).contains("2. A <-> C"));
        assert!(to_string(&g).contains("C o-> B"));
        assert!(parse("Graph Nodes:\nA;B\n\nGraph Edges:\n1. A ==> B\n", "t").is_err());
        assert!(parse("Graph Nodes:\nA;B\n\nGraph Edges:\n1. A --> Q\n", "t").is_err());
        assert!(parse("nothing", "t").is_err());
        let trailing = "Graph Nodes:\nA;B\n\nGraph Edges:\n1. A --> B\n\nAmbiguous triples (i.e. list of triples)\n";
        assert_eq!(parse(trailing, "t").unwrap().n_edges(), 1);
        assert_eq!(edge_string(&g, g.edges()[0]), "A --> B");
    }
}
