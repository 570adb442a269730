//! CI tests against causal-learn's p-values (`tests/data/ci_reference.json`, made by
//! `tests/data/gen_ci_reference.py` with causal-learn 0.1.4.8 from PyPI on causal-learn's test data).

mod common;

use std::collections::HashMap;

use causal_search::ci::CiTest;
use causal_search::ci::discrete::{Discrete, DiscreteStatistic};
use causal_search::ci::fisher_z::FisherZ;
use causal_search::data::Dataset;

#[derive(serde::Deserialize)]
struct Query {
    data: String,
    test: String,
    x: usize,
    y: usize,
    z: Vec<usize>,
    p: f64,
}

#[test]
fn p_values_match_causal_learn() {
    let Some(dir) = common::data_dir("causal-learn/TestData") else {
        return;
    };
    let text = common::read(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ci_reference.json"),
    );
    let queries: Vec<Query> = serde_json::from_str(&text).unwrap();
    assert_eq!(queries.len(), 230);
    let mut sets: HashMap<String, Dataset> = HashMap::new();
    let mut worst = 0.0f64;
    let mut nontrivial = 0;
    for q in &queries {
        let ds = sets
            .entry(q.data.clone())
            .or_insert_with(|| Dataset::read_table(dir.join(&q.data)).unwrap());
        let test: Box<dyn CiTest> = match q.test.as_str() {
            "fisherz" => Box::new(FisherZ::new(ds).unwrap()),
            "chisq" => Box::new(Discrete::new(ds, DiscreteStatistic::ChiSquare).unwrap()),
            "gsq" => Box::new(Discrete::new(ds, DiscreteStatistic::GSquare).unwrap()),
            other => panic!("unknown test {other}"),
        };
        let p = test.test(q.x, q.y, &q.z).unwrap().p_value;
        let d = (p - q.p).abs();
        worst = worst.max(d);
        if q.p > 1e-6 && q.p < 1.0 {
            nontrivial += 1;
        }
        assert!(
            d <= 1e-10,
            "{} {} x{} y{} z{:?}: ours {p:e}, causal-learn {:e}",
            q.data,
            q.test,
            q.x,
            q.y,
            q.z,
            q.p
        );
    }
    assert!(
        nontrivial >= 100,
        "only {nontrivial} p-values away from 0 and 1"
    );
    eprintln!("largest |p - p_causal_learn| = {worst:e}");
}
