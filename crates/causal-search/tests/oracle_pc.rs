//! PC with the d-separation oracle returns the true CPDAG: bnlearn truth DAGs (from causal-learn's
//! test data) and seeded random DAGs with 10 to 50 nodes.

mod common;

use causal_search::ci::oracle::DSepOracle;
use causal_search::graph::MixedGraph;
use causal_search::graph::cpdag::dag_to_cpdag;
use causal_search::io::tetrad;
use causal_search::search::pc::PcParams;
use rand::{Rng, SeedableRng};

fn check(dag: &MixedGraph, stable: bool, what: &str) {
    let oracle = DSepOracle::new(dag).unwrap();
    // the oracle is cheap and exact: no cache, first separating set per edge end
    let pc = PcParams::new()
        .stable(stable)
        .exhaustive(false)
        .cache(false)
        .check()
        .unwrap();
    let res = pc.run(&oracle, dag.names()).unwrap();
    let truth = dag_to_cpdag(dag).unwrap();
    assert_eq!(res.graph, truth, "{what} (stable {stable})");
}

#[test]
fn bnlearn_truths() {
    let Some(dir) =
        common::data_dir("causal-learn/TestData/bnlearn_discrete_10000/truth_dag_graph")
    else {
        return;
    };
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains("andes") {
            continue; // 223 nodes: see `andes_truth` (ignored)
        }
        let dag = tetrad::read(&path).unwrap();
        assert!(dag.is_dag(), "{}", path.display());
        check(&dag, true, &path.display().to_string());
        n += 1;
    }
    assert_eq!(n, 13);
}

/// andes (223 nodes, 338 edges). Run with
/// `cargo test -p causal-search --release --test oracle_pc -- --ignored`.
#[test]
#[ignore]
fn andes_truth() {
    let Some(dir) =
        common::data_dir("causal-learn/TestData/bnlearn_discrete_10000/truth_dag_graph")
    else {
        return;
    };
    let dag = tetrad::read(dir.join("andes.graph.txt")).unwrap();
    check(&dag, true, "andes");
}

/// The exhaustive (causal-learn-compatible) search gives the same CPDAG with the oracle.
#[test]
fn exhaustive_and_cached_search_agree() {
    let dag = random_dag(15, 0.25, 5);
    let oracle = DSepOracle::new(&dag).unwrap();
    let a = PcParams::new()
        .check()
        .unwrap()
        .run(&oracle, dag.names())
        .unwrap();
    assert_eq!(a.graph, dag_to_cpdag(&dag).unwrap());
    assert!(a.cache.hits > 0);
}

#[test]
fn original_pc_on_small_truths() {
    let Some(dir) =
        common::data_dir("causal-learn/TestData/bnlearn_discrete_10000/truth_dag_graph")
    else {
        return;
    };
    for name in ["asia", "sachs", "child", "insurance", "alarm"] {
        let dag = tetrad::read(dir.join(format!("{name}.graph.txt"))).unwrap();
        check(&dag, false, name);
    }
}

/// A random DAG: nodes in a random order, each pair joined with probability `density`.
pub fn random_dag(n: usize, density: f64, seed: u64) -> MixedGraph {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    let mut g = MixedGraph::with_default_names(n);
    for a in 0..n {
        for b in a + 1..n {
            if rng.random::<f64>() < density {
                g.add_directed(order[a], order[b]).unwrap();
            }
        }
    }
    g
}

#[test]
fn random_dags_10_to_50_nodes() {
    for (k, n) in [10usize, 15, 20, 30, 40, 50].into_iter().enumerate() {
        for rep in 0..3u64 {
            // expected degree about 3
            let dag = random_dag(n, 3.0 / (n as f64 - 1.0), 1000 * k as u64 + rep);
            check(&dag, true, &format!("random n={n} rep={rep}"));
            if n <= 20 {
                check(&dag, false, &format!("random n={n} rep={rep}"));
            }
        }
    }
}

#[test]
fn parallel_equals_serial_on_random_dag() {
    let dag = random_dag(40, 0.1, 77);
    let oracle = DSepOracle::new(&dag).unwrap();
    let a = PcParams::new()
        .parallel(true)
        .check()
        .unwrap()
        .run(&oracle, dag.names())
        .unwrap();
    let b = PcParams::new()
        .parallel(false)
        .check()
        .unwrap()
        .run(&oracle, dag.names())
        .unwrap();
    assert_eq!(a.graph, b.graph);
    assert_eq!(a.sepsets.entries(), b.sepsets.entries());
}

/// Background knowledge: tiers orient an otherwise undirected chain; a forbidden direction is
/// respected; Meek's rules propagate from knowledge orientations.
#[test]
fn knowledge_orients_chain() {
    use causal_search::search::knowledge::Knowledge;
    // X1 --> X2 --> X3 --> X4: CPDAG all undirected
    let mut dag = MixedGraph::with_default_names(4);
    dag.add_directed(0, 1).unwrap();
    dag.add_directed(1, 2).unwrap();
    dag.add_directed(2, 3).unwrap();
    let oracle = DSepOracle::new(&dag).unwrap();
    let plain = PcParams::new()
        .check()
        .unwrap()
        .run(&oracle, dag.names())
        .unwrap()
        .graph;
    assert!(plain.is_undirected(0, 1) && plain.is_undirected(2, 3));
    // only X1 in an earlier tier than X2: X1 --> X2, then R1 orients the rest
    let k = Knowledge::new()
        .add_tier(&["X1"], false)
        .add_tier(&["X2"], false);
    let g = PcParams::new()
        .knowledge(Some(k))
        .check()
        .unwrap()
        .run(&oracle, dag.names())
        .unwrap()
        .graph;
    assert_eq!(g, dag);
    // forbidding X2 --> X1 does the same
    let k = Knowledge::new().forbid("X2", "X1");
    let g = PcParams::new()
        .knowledge(Some(k))
        .check()
        .unwrap()
        .run(&oracle, dag.names())
        .unwrap()
        .graph;
    assert_eq!(g, dag);
    // unknown names are typed errors
    let k = Knowledge::new().forbid("X2", "nope");
    assert!(
        PcParams::new()
            .knowledge(Some(k))
            .check()
            .unwrap()
            .run(&oracle, dag.names())
            .is_err()
    );
}
