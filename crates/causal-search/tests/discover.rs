//! The `discover` example's behaviour, through the library function it calls
//! ([`causal_search::discover::discover`]).

mod common;

use std::io::Write;

use causal_search::CausalError;
use causal_search::ci::fisher_z::FisherZ;
use causal_search::data::Dataset;
use causal_search::discover::{DiscoverOptions, discover};
use causal_search::search::fci::{FciCompat, FciParams};

/// A small linear-Gaussian data file: a -> b -> c, d independent.
fn small_file() -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "a,b,c,d").unwrap();
    let mut s = 12345u64;
    let mut unif = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    for _ in 0..500 {
        let a = unif() + unif() + unif();
        let b = a + 0.5 * (unif() + unif());
        let c = b + 0.5 * (unif() + unif());
        let d = unif() + unif();
        writeln!(f, "{a},{b},{c},{d}").unwrap();
    }
    f.flush().unwrap();
    f
}

#[test]
fn pc_defaults_reproduce_causal_learn() {
    let Some(root) = common::data_dir("causal-learn") else {
        return;
    };
    let out = discover(&DiscoverOptions::new(
        root.join("TestData/data_linear_10.txt"),
    ))
    .unwrap();
    let stored = common::read(
        &root.join("TestData/benchmark_returned_results/linear_10_pc_fisherz_0.05_stable_0_2.txt"),
    );
    assert_eq!(common::int_matrix(&out.text), common::int_matrix(&stored));
    assert_eq!(out.n_possible_dsep_tests, None);
    assert!(out.n_skeleton_tests > 0);
}

#[test]
fn fci_compat_causal_learn_reproduces_causal_learn_with_the_file_names() {
    // `--fci-compat causal-learn` names the nodes after the file's header, as causal-learn's
    // fci(data, node_names=header) does; the stored matrix is causal-learn's with those names
    let Some(root) = common::data_dir("causal-learn") else {
        return;
    };
    let out = discover(&DiscoverOptions {
        alg: "fci".into(),
        fci_compat: FciCompat::CausalLearn,
        ..DiscoverOptions::new(root.join("fci-test-data/data-3.txt"))
    })
    .unwrap();
    let stored = common::read(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/causal_learn_fci/data-3_header_names.txt"),
    );
    assert_eq!(common::int_matrix(&out.text), common::int_matrix(&stored));
    assert!(out.n_possible_dsep_tests.unwrap() > 0);
    // a path-length limit is refused in that mode (causal-learn never applies one)
    let err = discover(&DiscoverOptions {
        alg: "fci".into(),
        fci_compat: FciCompat::CausalLearn,
        max_path_length: Some(2),
        ..DiscoverOptions::new(root.join("fci-test-data/data-3.txt"))
    })
    .unwrap_err();
    assert!(matches!(
        err,
        CausalError::InvalidParameter {
            name: "max_path_length",
            ..
        }
    ));
}

#[test]
fn fci_with_limits_equals_the_library_call() {
    let f = small_file();
    let opts = DiscoverOptions {
        alg: "fci".into(),
        depth: Some(2),
        max_path_length: Some(3),
        format: "json".into(),
        ..DiscoverOptions::new(f.path())
    };
    let out = discover(&opts).unwrap();
    let ds = Dataset::read_table(f.path()).unwrap();
    let names: Vec<String> = ds.variable_names().iter().map(|s| s.to_string()).collect();
    let direct = FciParams::new()
        .depth(Some(2))
        .max_path_length(Some(3))
        .check()
        .unwrap()
        .run(&FisherZ::new(&ds).unwrap(), &names)
        .unwrap();
    assert_eq!(out.graph, direct.graph);
    assert_eq!(
        out.n_possible_dsep_tests,
        Some(direct.n_possible_dsep_tests)
    );
    // the chain's skeleton: a - b - c, d alone
    let json: serde_json::Value = serde_json::from_str(&out.text).unwrap();
    assert_eq!(json["nodes"], serde_json::json!(["a", "b", "c", "d"]));
    assert_eq!(json["edges"].as_array().unwrap().len(), 2);
    // negative limits mean unlimited, as in causal-learn
    let unlimited = discover(&DiscoverOptions {
        depth: Some(-1),
        max_path_length: Some(-1),
        ..opts.clone()
    })
    .unwrap();
    let default = discover(&DiscoverOptions {
        depth: None,
        max_path_length: None,
        ..opts
    })
    .unwrap();
    assert_eq!(unlimited.graph, default.graph);
}

#[test]
fn bad_options_are_typed_errors_naming_the_culprit() {
    let f = small_file();
    let base = DiscoverOptions::new(f.path());
    let name_of = |opts: DiscoverOptions| match discover(&opts) {
        Err(CausalError::InvalidParameter { name, .. }) => name,
        other => panic!("expected an invalid-parameter error, got {other:?}"),
    };
    assert_eq!(
        name_of(DiscoverOptions {
            test: "kci".into(),
            ..base.clone()
        }),
        "test"
    );
    assert_eq!(
        name_of(DiscoverOptions {
            alg: "ges".into(),
            ..base.clone()
        }),
        "alg"
    );
    assert_eq!(
        name_of(DiscoverOptions {
            test: "cmiknn".into(),
            knn: 1.5,
            ..base.clone()
        }),
        "knn"
    );
    assert_eq!(
        name_of(DiscoverOptions {
            uc_priority: 7,
            ..base.clone()
        }),
        "uc_priority"
    );
    assert_eq!(
        name_of(DiscoverOptions {
            alpha: 1.5,
            ..base.clone()
        }),
        "alpha"
    );
    assert_eq!(
        name_of(DiscoverOptions {
            alg: "fci".into(),
            max_path_length: Some(0),
            ..base.clone()
        }),
        "max_path_length"
    );
    assert!(
        discover(&DiscoverOptions {
            format: "graphml".into(),
            ..base.clone()
        })
        .is_err()
    );
    assert!(discover(&DiscoverOptions::new("/nonexistent/data.txt")).is_err());
}
