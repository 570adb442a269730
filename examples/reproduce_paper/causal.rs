//! Causal analysis of the study: PC over the mock's documented nodes scored against its truth DAG
//! (unselected population, then the flux-limited sample), S as a vector-valued node, and the
//! latent-space local tests.

use std::collections::BTreeMap;

use causal_search::ci::fisher_z::FisherZ;
use causal_search::ci::gaussian_vector::GaussianVector;
use causal_search::ci::oracle::DSepOracle;
use causal_search::data::Dataset;
use causal_search::graph::cpdag::dag_to_cpdag;
use causal_search::graph::metrics::{Comparison, compare};
use causal_search::graph::{Mark, MixedGraph};
use causal_search::local::summary::GroupSummary;
use causal_search::local::{LocalTestData, LocalTestParams, MissingValues};
use causal_search::search::fci::FciParams;
use causal_search::search::knowledge::Knowledge;
use causal_search::search::pc::PcParams;
use galaxy_io::mock::TruthDag;
use mstar::figures::{DrawnEdge, EndMark};
use ndarray::{Array1, Array2, Axis};
use serde::Serialize;

use crate::data::{Study, anyhow_like::Error, anyhow_like::Result};

/// An edge as reported: names and marks.
#[derive(Clone, Debug, Serialize)]
pub struct NamedEdge {
    pub a: String,
    pub b: String,
    pub mark_a: String,
    pub mark_b: String,
}

fn mark_name(m: Mark) -> &'static str {
    match m {
        Mark::Tail => "tail",
        Mark::Arrow => "arrow",
        Mark::Circle => "circle",
    }
}

/// One run of a discovery algorithm.
#[derive(Clone, Debug, Serialize)]
pub struct DiscoveryRun {
    pub label: String,
    pub algorithm: String,
    pub test: String,
    pub alpha: f64,
    pub n_samples: usize,
    pub nodes: Vec<String>,
    pub edges: Vec<NamedEdge>,
    /// Against the truth CPDAG (absent when the run includes nodes the truth lacks, such as S).
    pub vs_truth: Option<Comparison>,
    #[serde(skip)]
    pub graph: MixedGraph,
}

pub fn truth_graph(dag: &TruthDag) -> Result<MixedGraph> {
    let names: Vec<String> = dag.node_names().iter().map(|s| s.to_string()).collect();
    let mut g = MixedGraph::new(names)?;
    for e in &dag.edges {
        let a = g.index_of(&e.from)?;
        let b = g.index_of(&e.to)?;
        g.add_directed(a, b)?;
    }
    Ok(g)
}

/// The background knowledge of the study: redshift and reddening first.
pub fn tiers(names: &[String], last: Option<&str>) -> Knowledge {
    let first: Vec<&str> = ["z", "EBV"]
        .into_iter()
        .filter(|n| names.iter().any(|m| m == n))
        .collect();
    let middle: Vec<&str> = names
        .iter()
        .map(|s| s.as_str())
        .filter(|n| !first.contains(n) && Some(*n) != last)
        .collect();
    let mut k = Knowledge::new()
        .add_tier(&first, false)
        .add_tier(&middle, false);
    if let Some(l) = last {
        k = k.add_tier(&[l], false);
    }
    k
}

fn named_edges(g: &MixedGraph) -> Vec<NamedEdge> {
    g.edges()
        .into_iter()
        .map(|e| NamedEdge {
            a: g.name(e.a).to_string(),
            b: g.name(e.b).to_string(),
            mark_a: mark_name(e.mark_a).into(),
            mark_b: mark_name(e.mark_b).into(),
        })
        .collect()
}

/// Drops rows with any non-finite value.
fn finite_rows(values: &Array2<f64>) -> Array2<f64> {
    let keep: Vec<usize> = values
        .rows()
        .into_iter()
        .enumerate()
        .filter(|(_, r)| r.iter().all(|v| v.is_finite()))
        .map(|(i, _)| i)
        .collect();
    values.select(Axis(0), &keep)
}

/// Which search a Fisher-z run uses.
#[derive(Clone, Copy, Debug)]
pub enum Search {
    /// PC-stable, scored against the CPDAG of the reference DAG.
    Pc,
    /// FCI with the depth and path-length limits below, scored against the reference PAG.
    Fci,
}

/// Depth and Possible-D-SEP path-length limits of the FCI runs.
pub const FCI_DEPTH: usize = 3;
pub const FCI_MAX_PATH: usize = 3;

/// PC or FCI with Fisher-z and tiers over scalar nodes, compared with the reference graph when
/// given (the truth DAG for PC, whose CPDAG is the target; the true PAG for FCI).
pub fn fisher_z_run(
    search: Search,
    label: &str,
    values: &Array2<f64>,
    names: &[String],
    alpha: f64,
    reference: Option<&MixedGraph>,
) -> Result<DiscoveryRun> {
    let values = finite_rows(values);
    let ds = Dataset::new(values.clone(), names.to_vec())?;
    let test = FisherZ::new(&ds)?;
    let knowledge = Some(tiers(names, None));
    let (graph, algorithm, target) = match search {
        Search::Pc => {
            let pc = PcParams::new().alpha(alpha).knowledge(knowledge).check()?;
            let target = reference.map(dag_to_cpdag).transpose()?;
            (pc.run(&test, names)?.graph, "PC-stable".to_string(), target)
        }
        Search::Fci => {
            let fci = FciParams::new()
                .alpha(alpha)
                .depth(Some(FCI_DEPTH))
                .max_path_length(Some(FCI_MAX_PATH))
                .knowledge(knowledge)
                .check()?;
            (
                fci.run(&test, names)?.graph,
                format!("FCI (depth {FCI_DEPTH}, path length {FCI_MAX_PATH})"),
                reference.cloned(),
            )
        }
    };
    let vs_truth = target.map(|t| compare(&graph, &t)).transpose()?;
    Ok(DiscoveryRun {
        label: label.into(),
        algorithm,
        test: "Fisher-z".into(),
        alpha,
        n_samples: values.nrows(),
        nodes: names.to_vec(),
        edges: named_edges(&graph),
        vs_truth,
        graph,
    })
}

/// The true PAG over `observed` nodes of the truth DAG: FCI with the d-separation oracle (the
/// other nodes latent) and the same tiers.
pub fn truth_pag(dag: &MixedGraph, observed: &[String]) -> Result<MixedGraph> {
    let names: Vec<&str> = observed.iter().map(|s| s.as_str()).collect();
    let oracle = DSepOracle::with_observed_names(dag, &names)?;
    let fci = FciParams::new()
        .alpha(0.5)
        .knowledge(Some(tiers(observed, None)))
        .exhaustive(false)
        .cache(false)
        .check()?;
    Ok(fci.run(&oracle, observed)?.graph)
}

/// PC with the Gaussian vector test, with S (columns of `s`) as one vector-valued node in the last tier.
pub fn pc_with_s(
    label: &str,
    values: &Array2<f64>,
    names: &[String],
    s: &Array2<f64>,
    alpha: f64,
) -> Result<DiscoveryRun> {
    if values.nrows() != s.nrows() {
        return Err(Error(format!(
            "{} rows of node values vs {} rows of S",
            values.nrows(),
            s.nrows()
        )));
    }
    let joined = ndarray::concatenate(Axis(1), &[values.view(), s.view()])
        .map_err(|e| Error(e.to_string()))?;
    let joined = finite_rows(&joined);
    let s_cols: Vec<String> = (0..s.ncols()).map(|j| format!("S{j}")).collect();
    let mut columns = names.to_vec();
    columns.extend(s_cols.iter().cloned());
    let mut groups: Vec<(String, Vec<String>)> =
        names.iter().map(|n| (n.clone(), vec![n.clone()])).collect();
    groups.push(("S".into(), s_cols));
    let ds = Dataset::new(joined.clone(), columns)?.with_groups(&groups)?;
    let test = GaussianVector::new(&ds)?;
    let mut nodes = names.to_vec();
    nodes.push("S".into());
    let pc = PcParams::new()
        .alpha(alpha)
        .knowledge(Some(tiers(&nodes, Some("S"))))
        .check()?;
    let res = pc.run(&test, &nodes)?;
    Ok(DiscoveryRun {
        label: label.into(),
        algorithm: "PC-stable".into(),
        test: "Gaussian (vector-valued nodes)".into(),
        alpha,
        n_samples: joined.nrows(),
        nodes,
        edges: named_edges(&res.graph),
        vs_truth: None,
        graph: res.graph,
    })
}

/// Edges for the figure, highlighted where the truth (when given) lacks the adjacency.
pub fn drawn_edges(g: &MixedGraph, truth: Option<&MixedGraph>) -> Vec<DrawnEdge> {
    let conv = |m: Mark| match m {
        Mark::Tail => EndMark::Tail,
        Mark::Arrow => EndMark::Arrow,
        Mark::Circle => EndMark::Circle,
    };
    g.edges()
        .into_iter()
        .map(|e| {
            let highlight =
                truth.is_some_and(
                    |t| match (t.index_of(g.name(e.a)), t.index_of(g.name(e.b))) {
                        (Ok(a), Ok(b)) => !t.is_adjacent(a, b),
                        _ => false,
                    },
                );
            DrawnEdge {
                a: e.a,
                b: e.b,
                mark_a: conv(e.mark_a),
                mark_b: conv(e.mark_b),
                highlight,
            }
        })
        .collect()
}

/// Local tests of one contrastive model's S for one query variable.
#[derive(Clone, Debug, Serialize)]
pub struct LocalRun {
    pub model: String,
    pub query: String,
    pub cond: String,
    pub k: usize,
    pub k_max: usize,
    pub summaries: Vec<GroupSummary>,
    #[serde(skip)]
    pub corr: Vec<f64>,
    #[serde(skip)]
    pub corr_perm: Vec<f64>,
    #[serde(skip)]
    pub corr_cond: Vec<f64>,
    #[serde(skip)]
    pub corr_perm_cond: Vec<f64>,
}

/// Neighbourhood sizes and seed of the local tests.
#[derive(Clone, Copy, Debug)]
pub struct LocalSettings {
    pub k: usize,
    pub k_max: usize,
    pub seed: u64,
}

/// Runs the latent-space local tests (METHOD.md section 5) of `s` for each query variable.
pub fn local_tests(
    study: &Study,
    model: &str,
    s: &Array2<f64>,
    queries: &[&str],
    cond: &str,
    settings: LocalSettings,
) -> Result<Vec<LocalRun>> {
    let LocalSettings { k, k_max, seed } = settings;
    // rows whose S exists (the model saw complete inputs)
    let ok: Vec<usize> = (0..study.len())
        .filter(|&i| s.row(i).iter().all(|v| v.is_finite()))
        .collect();
    let mut pos = vec![usize::MAX; study.len()];
    for (k2, &r) in ok.iter().enumerate() {
        pos[r] = k2;
    }
    let latent = s.select(Axis(0), &ok);
    let train: Vec<usize> = study
        .splits
        .train
        .iter()
        .filter(|&&r| pos[r] != usize::MAX)
        .map(|&r| pos[r])
        .collect();
    let k_max = k_max.min(train.len());
    let k = k.min(k_max);
    let pick = |name: &str| -> Result<Array1<f64>> {
        let c = study.col(name)?;
        Ok(ok.iter().map(|&r| c[r]).collect())
    };
    let y = pick("lgm_tot_p50")?;
    let xc = pick(cond)?;
    let groups: Vec<String> = ok
        .iter()
        .map(|&r| {
            let split = if study.splits.test.binary_search(&r).is_ok() {
                "test"
            } else if study.splits.validation.binary_search(&r).is_ok() {
                "validation"
            } else {
                "train"
            };
            format!("{} / {split}", study.classes[r])
        })
        .collect();
    let tests = LocalTestParams::new()
        .k(k)
        .k_max(k_max)
        .seed(seed)
        .missing_y(MissingValues::non_finite())
        .missing_query(MissingValues::non_finite())
        .missing_cond(MissingValues::non_finite())
        .check()?;
    let mut out = Vec::new();
    for q in queries {
        let xq = pick(q)?;
        let res = tests.run(&LocalTestData {
            latent: latent.view(),
            train: &train,
            y: y.view(),
            query: xq.view(),
            cond: Some(xc.view()),
        })?;
        let summaries = res.summarize_by(&groups)?;
        let get =
            |f: &dyn Fn(&causal_search::local::tests::LocalStats) -> Option<f64>| -> Vec<f64> {
                res.samples
                    .iter()
                    .map(|st| f(st).unwrap_or(f64::NAN))
                    .collect()
            };
        out.push(LocalRun {
            model: model.into(),
            query: q.to_string(),
            cond: cond.into(),
            k,
            k_max,
            summaries,
            corr: get(&|s| s.corr),
            corr_perm: get(&|s| s.corr_perm),
            corr_cond: get(&|s| s.corr_cond),
            corr_perm_cond: get(&|s| s.corr_perm_cond),
        });
    }
    Ok(out)
}

/// Summary statistics of a finite sample: median of |x|.
pub fn median_abs(v: &[f64]) -> f64 {
    let mut a: Vec<f64> = v
        .iter()
        .filter(|x| x.is_finite())
        .map(|x| x.abs())
        .collect();
    if a.is_empty() {
        return f64::NAN;
    }
    a.sort_by(f64::total_cmp);
    let m = a.len() / 2;
    if a.len() % 2 == 1 {
        a[m]
    } else {
        0.5 * (a[m - 1] + a[m])
    }
}

/// The causal-discovery runs of the study.
pub struct Discovery {
    pub truth: Option<MixedGraph>,
    pub unselected: Option<DiscoveryRun>,
    pub selected: Option<DiscoveryRun>,
    pub with_s: Option<DiscoveryRun>,
    /// FCI over the observed nodes of the unselected population (latent nodes hidden).
    pub fci_unselected: Option<DiscoveryRun>,
    /// The true PAG it is scored against.
    pub truth_pag: Option<MixedGraph>,
}

/// Catalog quantities used as nodes when the sample has no truth DAG (real data), in tier order.
const REAL_NODES: [(&str, &str, &str); 10] = [
    ("z", "z", ""),
    ("EBV", "EBV", ""),
    ("logM", "lgm_tot_p50", ""),
    ("rmag", "petroMag_r", ""),
    ("g_r", "petroMag_g", "petroMag_r"),
    ("r_i", "petroMag_r", "petroMag_i"),
    ("R50", "petroR50_r", ""),
    ("n", "Sersic_n_r", ""),
    ("ba", "expAB_r", ""),
    ("W1_W2", "w1mpro", "w2mpro"),
];

/// PC on the unselected mock population (when `unselected` gives its size and seed) and on the
/// sample, scored against the truth DAG when there is one; then PC with S as a vector node.
pub fn discovery(
    study: &Study,
    dag: Option<&TruthDag>,
    unselected: Option<(usize, u64)>,
    s: Option<&Array2<f64>>,
    alpha: f64,
    skipped: &mut Vec<String>,
) -> Result<Discovery> {
    let (names, values, truth, observed): (
        Vec<String>,
        Array2<f64>,
        Option<MixedGraph>,
        Vec<String>,
    ) = match dag {
        Some(dag) => {
            let names: Vec<String> = dag.node_names().iter().map(|s| s.to_string()).collect();
            let values = dag.node_values(&study.as_mock_catalog())?;
            let observed = dag
                .nodes
                .iter()
                .filter(|n| n.kind == galaxy_io::mock::NodeKind::Observed)
                .map(|n| n.name.clone())
                .collect();
            (names, values, Some(truth_graph(dag)?), observed)
        }
        None => {
            let avail: Vec<&(&str, &str, &str)> = REAL_NODES
                .iter()
                .filter(|(_, a, b)| study.has(a) && (b.is_empty() || study.has(b)))
                .collect();
            let mut values = Array2::zeros((study.len(), avail.len()));
            for (j, (_, a, b)) in avail.iter().enumerate() {
                let ca = study.col(a)?;
                for i in 0..study.len() {
                    values[[i, j]] = if b.is_empty() {
                        ca[i]
                    } else {
                        ca[i] - study.col(b)?[i]
                    };
                }
            }
            let names: Vec<String> = avail.iter().map(|(n, _, _)| n.to_string()).collect();
            skipped.push("scoring against a truth DAG: the sample has none (real data)".into());
            (names.clone(), values, None, names)
        }
    };
    let obs_idx: Vec<usize> = observed
        .iter()
        .filter_map(|o| names.iter().position(|n| n == o))
        .collect();
    let (unselected_run, fci_unselected, pag) = match (dag, unselected, truth.as_ref()) {
        (Some(dag), Some((n, seed)), Some(truth)) => {
            let cat = galaxy_io::mock::MockParams::new(n)
                .seed(seed)
                .r_limit(None)
                .check()?
                .generate_catalog()?;
            let all = dag.node_values(&cat)?;
            let pc = fisher_z_run(
                Search::Pc,
                "unselected population",
                &all,
                &names,
                alpha,
                Some(truth),
            )?;
            let pag = truth_pag(truth, &observed)?;
            let fci = fisher_z_run(
                Search::Fci,
                "unselected population, observed nodes",
                &all.select(Axis(1), &obs_idx),
                &observed,
                alpha,
                Some(&pag),
            )?;
            (Some(pc), Some(fci), Some(pag))
        }
        _ => {
            skipped.push("PC and FCI on the unselected population: only the mock has one".into());
            (None, None, None)
        }
    };
    let selected = fisher_z_run(
        Search::Pc,
        "flux-limited sample (r < 17.77)",
        &values,
        &names,
        alpha,
        truth.as_ref(),
    )?;
    let with_s = match s {
        Some(s) => Some(pc_with_s(
            "sample with S of the Iopt contrastive model",
            &values.select(Axis(1), &obs_idx),
            &observed,
            s,
            alpha,
        )?),
        None => None,
    };
    Ok(Discovery {
        truth,
        unselected: unselected_run,
        selected: Some(selected),
        with_s,
        fci_unselected,
        truth_pag: pag,
    })
}

/// Per-node parent lists of the truth DAG, for the report.
pub fn truth_table(dag: &TruthDag) -> BTreeMap<String, Vec<String>> {
    let mut m = BTreeMap::new();
    for n in &dag.nodes {
        let parents = dag
            .parents(&n.name)
            .map(|p| p.into_iter().map(String::from).collect())
            .unwrap_or_default();
        m.insert(n.name.clone(), parents);
    }
    m
}
