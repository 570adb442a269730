//! Graphviz DOT output: one `graph` with `dir=both` and `arrowtail`/`arrowhead` set from the marks
//! (`none` for a tail, `normal` for an arrowhead, `odot` for a circle).

use crate::graph::{Mark, MixedGraph};

fn arrow(m: Mark) -> &'static str {
    match m {
        Mark::Tail => "none",
        Mark::Arrow => "normal",
        Mark::Circle => "odot",
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes `g` as DOT.
pub fn to_string(g: &MixedGraph) -> String {
    let mut s = String::from("digraph G {\n");
    for n in g.names() {
        s.push_str(&format!("  {};\n", quote(n)));
    }
    for e in g.edges() {
        s.push_str(&format!(
            "  {} -> {} [dir=both, arrowtail={}, arrowhead={}];\n",
            quote(g.name(e.a)),
            quote(g.name(e.b)),
            arrow(e.mark_a),
            arrow(e.mark_b)
        ));
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_marks() {
        let mut g = MixedGraph::with_default_names(2);
        g.add_edge(0, 1, Mark::Circle, Mark::Arrow).unwrap();
        let s = to_string(&g);
        assert!(
            s.contains("\"X1\" -> \"X2\" [dir=both, arrowtail=odot, arrowhead=normal]"),
            "{s}"
        );
    }
}
