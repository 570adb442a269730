//! Bootstrap stability: known resampling probabilities, PC on a chain, determinism, errors.

use causal_search::bootstrap::BootstrapParams;
use causal_search::ci::fisher_z::FisherZ;
use causal_search::data::Dataset;
use causal_search::error::CausalError;
use causal_search::graph::MixedGraph;
use causal_search::search::pc::PcParams;
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

fn names() -> Vec<String> {
    vec!["a".into(), "b".into(), "c".into()]
}

/// Row i holds the value i in column a: a search can tell which rows it was given.
fn index_data(n: usize) -> Dataset {
    let v = Array2::from_shape_fn((n, 3), |(i, j)| (i * (j + 1)) as f64);
    Dataset::new(v, names()).unwrap()
}

/// A "search" that draws b --> a when row 0 is in the resample, and a <-> c otherwise.
fn row0_search(d: &Dataset) -> causal_search::Result<MixedGraph> {
    let mut g = MixedGraph::new(names())?;
    if d.values().column(0).iter().any(|&v| v == 0.0) {
        g.add_directed(1, 0)?;
    } else {
        g.add_bidirected(0, 2)?;
    }
    Ok(g)
}

#[test]
fn frequencies_match_resampling_probabilities() {
    // P(row 0 in a bootstrap resample of n = 10 rows) = 1 - 0.9^10 = 0.651322.
    let ds = index_data(10);
    let res = BootstrapParams::new()
        .resamples(2000)
        .seed(4)
        .check()
        .unwrap()
        .run(&ds, row0_search)
        .unwrap();
    let p = 1.0 - 0.9f64.powi(10);
    let tol = 3.0 * (p * (1.0 - p) / 2000.0).sqrt();
    let ab = res.pair("a", "b").unwrap();
    assert_eq!(ab.edges.len(), 1);
    assert_eq!(ab.edges[0].0, "<--");
    assert!((ab.edges[0].1 - p).abs() < tol, "{ab:?}");
    assert!((ab.no_edge - (1.0 - p)).abs() < 1e-12 + tol);
    // The same pair read the other way round.
    let ba = res.pair("b", "a").unwrap();
    assert_eq!(ba.edges[0].0, "-->");
    let ac = res.pair("a", "c").unwrap();
    assert_eq!(ac.edges[0].0, "<->");
    assert!((ac.edges[0].1 + ab.edges[0].1 - 1.0).abs() < 1e-12);
    assert_eq!(res.pair("b", "c").unwrap().no_edge, 1.0);
    // Consensus keeps the majority edge of each pair.
    let g = res.consensus(0.5).unwrap();
    assert!(g.is_parent(1, 0) && !g.is_adjacent(0, 2) && g.n_edges() == 1);
    assert_eq!(res.consensus(0.9).unwrap().n_edges(), 0);

    // Subsampling half of the rows without replacement: P(row 0) = 1/2 exactly in expectation.
    let res = BootstrapParams::new()
        .resamples(2000)
        .fraction(0.5)
        .replace(false)
        .seed(5)
        .check()
        .unwrap();
    let r = res.run(&ds, row0_search).unwrap();
    assert_eq!(r.rows_per_resample, 5);
    let f = r.pair("a", "b").unwrap().edges[0].1;
    assert!((f - 0.5).abs() < 3.0 * (0.25f64 / 2000.0).sqrt(), "{f}");
}

#[test]
fn pc_on_a_chain_is_stable() {
    let n = 1000;
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
    let mut v = Array2::<f64>::zeros((n, 3));
    for i in 0..n {
        v[[i, 0]] = g();
        v[[i, 1]] = v[[i, 0]] + g();
        v[[i, 2]] = v[[i, 1]] + g();
    }
    let ds = Dataset::new(v, names()).unwrap();
    let pc = PcParams::new().alpha(0.01).check().unwrap();
    let res = BootstrapParams::new()
        .resamples(50)
        .seed(3)
        .check()
        .unwrap()
        .run(&ds, |d| Ok(pc.run(&FisherZ::new(d)?, &names())?.graph))
        .unwrap();
    // a - b - c without a collider: both edges undirected, a and c separated by b.
    for (x, y) in [("a", "b"), ("b", "c")] {
        let p = res.pair(x, y).unwrap();
        assert_eq!(p.edges[0].0, "---");
        assert!(p.edges[0].1 >= 0.9, "{p:?}");
    }
    assert!(res.pair("a", "c").unwrap().no_edge >= 0.9);
}

#[test]
fn deterministic_and_thread_independent() {
    let ds = index_data(30);
    let boot = BootstrapParams::new()
        .resamples(64)
        .seed(11)
        .check()
        .unwrap();
    let a = boot.run(&ds, row0_search).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = one.install(|| boot.run(&ds, row0_search).unwrap());
    assert_eq!(a, b);
    assert_eq!(boot.resample_rows(30, 3), boot.resample_rows(30, 3));
    assert_ne!(boot.resample_rows(30, 3), boot.resample_rows(30, 4));
}

#[test]
fn typed_errors() {
    let ds = index_data(10);
    assert!(matches!(
        BootstrapParams::new().resamples(0).check(),
        Err(CausalError::InvalidParameter { .. })
    ));
    assert!(matches!(
        BootstrapParams::new().fraction(0.0).check(),
        Err(CausalError::InvalidParameter { .. })
    ));
    assert!(matches!(
        BootstrapParams::new().fraction(1.5).replace(false).check(),
        Err(CausalError::InvalidParameter { .. })
    ));
    let boot = BootstrapParams::new().resamples(5).check().unwrap();
    // The search's own error is returned.
    let e = boot
        .run(&ds, |_| Err(CausalError::param("alpha", "bad")))
        .unwrap_err();
    assert!(matches!(
        e,
        CausalError::InvalidParameter { name: "alpha", .. }
    ));
    // Graphs over different nodes.
    let e = boot
        .run(&ds, |d| {
            let first = d.values()[[0, 0]] < 5.0;
            MixedGraph::new(if first {
                names()
            } else {
                vec!["x".into(), "y".into(), "z".into()]
            })
        })
        .unwrap_err();
    assert!(matches!(
        e,
        CausalError::InvalidParameter { name: "search", .. }
    ));
    let res = boot.run(&ds, row0_search).unwrap();
    assert!(matches!(
        res.pair("a", "q"),
        Err(CausalError::UnknownVariable { .. })
    ));
    assert!(res.pair("a", "a").is_err());
}
