//! FCI with the d-separation oracle on causal-learn's `fci-test-data` (true DAGs with latent nodes
//! and their true PAGs).

mod common;

use causal_search::ci::oracle::DSepOracle;
use causal_search::graph::MixedGraph;
use causal_search::io::tetrad;
use causal_search::search::fci::FciParams;

fn differences(ours: &MixedGraph, truth: &MixedGraph) -> Vec<String> {
    let t = truth.reorder(ours.names()).unwrap();
    let mut out = Vec::new();
    for a in 0..ours.n_nodes() {
        for b in a + 1..ours.n_nodes() {
            let (x, y) = (ours.edge(a, b), t.edge(a, b));
            if x != y {
                let show =
                    |e: Option<(causal_search::graph::Mark, causal_search::graph::Mark)>| match e {
                        None => "no edge".to_string(),
                        Some((ma, mb)) => causal_search::graph::Edge {
                            a,
                            b,
                            mark_a: ma,
                            mark_b: mb,
                        }
                        .symbol(),
                    };
                out.push(format!(
                    "{} {} {} (stored {})",
                    ours.name(a),
                    show(x),
                    ours.name(b),
                    show(y)
                ));
            }
        }
    }
    out
}

/// Brute force (independent of the library's rule code): an uncovered potentially directed path
/// `<a, b, ..., c>` in `g` with `b` not adjacent to `c` (the antecedent of Zhang's R9 for `a o-> c`).
fn r9_path(g: &MixedGraph, a: usize, c: usize) -> Option<Vec<usize>> {
    use causal_search::graph::Mark;
    let pd = |u: usize, v: usize| {
        g.is_adjacent(u, v) && g.mark(u, v) != Some(Mark::Arrow) && g.mark(v, u) != Some(Mark::Tail)
    };
    fn dfs(
        g: &MixedGraph,
        path: &mut Vec<usize>,
        c: usize,
        pd: &dyn Fn(usize, usize) -> bool,
    ) -> bool {
        let v = *path.last().unwrap();
        for w in g.adjacent(v) {
            if path.contains(&w) || !pd(v, w) {
                continue;
            }
            if path.len() >= 2 && g.is_adjacent(path[path.len() - 2], w) {
                continue; // must stay uncovered
            }
            if path.len() == 1 && (w == c || g.is_adjacent(w, c)) {
                continue; // first step b must not be adjacent to c
            }
            path.push(w);
            if w == c || dfs(g, path, c, pd) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = vec![a];
    dfs(g, &mut path, c, &pd).then_some(path)
}

/// Our PAGs equal the stored true PAGs except for tails that the stored PAGs lack: every difference
/// is `a --> c` where the stored PAG has `a o-> c`, and in each case the **stored** PAG itself
/// contains an uncovered potentially directed path `<a, b, ..., c>` with `b` not adjacent to `c`,
/// the antecedent of Zhang's R9, so the stored PAG is not closed under R9 (README caveat). Checked
/// by hand for case 1: `X1 o-> X7` with `<X1, X3, X4, X7>` (X1 o-o X3 o-o X4 o-> X7; X3 !~ X7,
/// X1 !~ X4), `X4 o-> X7` with `<X4, X3, X1, X7>`, `X3 o-> X12` with `<X3, X1, X8, X12>`
/// (X1 o-> X8 --> X12; X1 !~ X12, X3 !~ X8); and in the true DAG X1 --> X7, X4 --> X7 and
/// X3 --> X12, so the tails are right. The test also checks every tail against the true DAG
/// (`a` is an ancestor of `c`).
#[test]
fn oracle_fci_returns_true_pags_up_to_r9_tails() {
    use causal_search::graph::Mark;
    let Some(dir) = common::data_dir("causal-learn/fci-test-data") else {
        return;
    };
    let mut explained = 0;
    for n in 1..=10 {
        let dag = tetrad::read(dir.join(format!("True-Graph{n}.txt"))).unwrap();
        let pag = tetrad::read(dir.join(format!("PAG{n}.txt"))).unwrap();
        let observed: Vec<&str> = pag.names().iter().map(|s| s.as_str()).collect();
        let oracle = DSepOracle::with_observed_names(&dag, &observed).unwrap();
        let res = FciParams::new()
            .check()
            .unwrap()
            .run(&oracle, pag.names())
            .unwrap();
        let ours = &res.graph;
        for i in 0..ours.n_nodes() {
            for j in i + 1..ours.n_nodes() {
                if ours.edge(i, j) == pag.edge(i, j) {
                    continue;
                }
                let oc = Some((Mark::Circle, Mark::Arrow));
                let (a, c) = if pag.edge(i, j) == oc { (i, j) } else { (j, i) };
                assert_eq!(
                    pag.edge(a, c),
                    oc,
                    "case {n}: {} - {}",
                    pag.name(a),
                    pag.name(c)
                );
                assert_eq!(
                    ours.edge(a, c),
                    Some((Mark::Tail, Mark::Arrow)),
                    "case {n}: {} - {}",
                    pag.name(a),
                    pag.name(c)
                );
                let path = r9_path(&pag, a, c);
                assert!(
                    path.is_some(),
                    "case {n}: no R9 path for {} o-> {}",
                    pag.name(a),
                    pag.name(c)
                );
                let (ga, gc) = (
                    dag.index_of(pag.name(a)).unwrap(),
                    dag.index_of(pag.name(c)).unwrap(),
                );
                assert!(
                    dag.ancestors_of(&[gc])[ga],
                    "case {n}: {} is not an ancestor of {}",
                    pag.name(a),
                    pag.name(c)
                );
                explained += 1;
            }
        }
    }
    assert_eq!(explained, 9);
}

#[test]
#[ignore = "superseded by oracle_fci_returns_true_pags_up_to_r9_tails; shows the raw differences"]
fn oracle_fci_returns_true_pags() {
    let Some(dir) = common::data_dir("causal-learn/fci-test-data") else {
        return;
    };
    let mut report = Vec::new();
    for n in 1..=10 {
        let dag = tetrad::read(dir.join(format!("True-Graph{n}.txt"))).unwrap();
        let pag = tetrad::read(dir.join(format!("PAG{n}.txt"))).unwrap();
        let observed: Vec<&str> = pag.names().iter().map(|s| s.as_str()).collect();
        let oracle = DSepOracle::with_observed_names(&dag, &observed).unwrap();
        let fci = FciParams::new().check().unwrap();
        let res = fci.run(&oracle, pag.names()).unwrap();
        let d = differences(&res.graph, &pag);
        if !d.is_empty() {
            report.push(format!("case {n}: {}", d.join("; ")));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}
