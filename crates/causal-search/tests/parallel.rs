//! Parallel and serial runs give identical results with real CI tests (Fisher-z on causal-learn's
//! linear data, CMIknn with its seeded permutations), for PC-stable and FCI: same graph, same
//! separating sets, same numbers of tests.

mod common;

use causal_search::ci::CiTest;
use causal_search::ci::cmiknn::{CmiKnn, CmiKnnParams, Knn};
use causal_search::ci::fisher_z::FisherZ;
use causal_search::data::Dataset;
use causal_search::search::fci::FciParams;
use causal_search::search::pc::PcParams;
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

fn check_pc_and_fci(test: &dyn CiTest, names: &[String], fci_depth: Option<usize>) {
    let pc = |parallel| {
        PcParams::new()
            .parallel(parallel)
            .check()
            .unwrap()
            .run(test, names)
            .unwrap()
    };
    let (a, b) = (pc(true), pc(false));
    assert_eq!(a.graph, b.graph);
    assert_eq!(a.sepsets.entries(), b.sepsets.entries());
    assert_eq!(a.n_skeleton_tests, b.n_skeleton_tests);
    let fci = |parallel| {
        FciParams::new()
            .depth(fci_depth)
            .parallel(parallel)
            .check()
            .unwrap()
            .run(test, names)
            .unwrap()
    };
    let (a, b) = (fci(true), fci(false));
    assert_eq!(a.graph, b.graph);
    assert_eq!(a.sepsets.entries(), b.sepsets.entries());
    assert_eq!(
        (a.n_skeleton_tests, a.n_possible_dsep_tests),
        (b.n_skeleton_tests, b.n_possible_dsep_tests)
    );
    assert!(a.n_possible_dsep_tests > 0);
}

#[test]
fn fisher_z_parallel_equals_serial() {
    let Some(root) = common::data_dir("causal-learn") else {
        return;
    };
    let ds = Dataset::read_table(root.join("TestData/data_linear_10.txt")).unwrap();
    let names: Vec<String> = ds.variable_names().iter().map(|s| s.to_string()).collect();
    check_pc_and_fci(&FisherZ::new(&ds).unwrap(), &names, None);
}

#[test]
fn cmiknn_parallel_equals_serial() {
    // a chain 0 -> 1 -> 2 -> 3 with a non-linear link, and a collider 0 -> 4 <- 3
    let n = 300;
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
    let mut x = Array2::<f64>::zeros((n, 5));
    for i in 0..n {
        let a = g();
        let b = (1.5 * a).sin() + 0.4 * g();
        let c = b + 0.5 * g();
        let d = 0.8 * c + 0.5 * g();
        let e = a + d + 0.5 * g();
        for (j, v) in [a, b, c, d, e].into_iter().enumerate() {
            x[[i, j]] = v;
        }
    }
    let ds = Dataset::from_array(x).unwrap();
    let names: Vec<String> = ds.variable_names().iter().map(|s| s.to_string()).collect();
    let params = CmiKnnParams::new()
        .knn(Knn::Fraction(0.1))
        .permutations(60)
        .seed(9);
    let test = CmiKnn::new(&ds, &params).unwrap();
    check_pc_and_fci(&test, &names, Some(2));
}
