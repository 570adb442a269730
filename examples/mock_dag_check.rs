//! How well causal discovery recovers the mock survey's truth DAG: generates the unselected population
//! (flux limit off) for each seed, runs PC-stable (Fisher-z, tiers z and EBV first) exactly as
//! `reproduce_paper` does, and prints the adjacency precision and recall, the missed and the extra
//! adjacencies, and for every true edge the partial correlation of child and parent given the child's
//! other parents (and, for a missed edge, given the separating set PC found). `--fci` adds FCI over the
//! observed nodes scored against the true PAG; `--copula` runs the same on normal scores.
//!
//! ```text
//! cargo run --release --example mock_dag_check -- --n 50000 --seeds 2032,1,2 [--copula] [--fci]
//! ```

#[allow(dead_code)]
#[path = "reproduce_paper/data.rs"]
mod data;

#[allow(dead_code)]
#[path = "reproduce_paper/causal.rs"]
mod causal;

use causal_search::ci::fisher_z::FisherZ;
use causal_search::data::Dataset;
use causal_search::search::pc::PcParams;
use clap::Parser;
use galaxy_io::mock::{MockParams, NodeKind, truth_dag};
use info_decomp::mi::copula::copnorm;
use ndarray::Axis;

#[derive(Parser, Debug)]
#[command(about = "PC / FCI recovery of the mock survey's truth DAG on the unselected population")]
struct Args {
    /// Galaxies in the unselected population (reproduce_paper's default run uses 50 000).
    #[arg(long, default_value_t = 50_000)]
    n: usize,
    /// Seeds of the mock (comma-separated); 2032 is reproduce_paper's default (2025 + 7).
    #[arg(long, value_delimiter = ',', default_value = "2032,1,2")]
    seeds: Vec<u64>,
    /// Significance level of the CI tests.
    #[arg(long, default_value_t = 0.01)]
    alpha: f64,
    /// Normal scores (Gaussian copula) before the Fisher-z test.
    #[arg(long)]
    copula: bool,
    /// Also run FCI over the observed nodes against the true PAG.
    #[arg(long)]
    fci: bool,
    /// Lower end of the mass range of the population (default: the model's).
    #[arg(long)]
    logm_min: Option<f64>,
    /// Print the partial correlation of every true edge (default: only the weakest and the missed).
    #[arg(long)]
    all_edges: bool,
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{x:.3}"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let dag = truth_dag();
    let names: Vec<String> = dag.node_names().iter().map(|s| s.to_string()).collect();
    let truth = causal::truth_graph(&dag).map_err(|e| e.0)?;
    println!(
        "truth DAG: {} nodes, {} edges; n = {}, alpha = {}{}",
        names.len(),
        dag.edges.len(),
        args.n,
        args.alpha,
        if args.copula { ", normal scores" } else { "" }
    );
    for &seed in &args.seeds {
        let t0 = std::time::Instant::now();
        let mut model = galaxy_io::mock::GalaxyModel::default();
        if let Some(m) = args.logm_min {
            model.logm_min = m;
        }
        let cat = MockParams::new(args.n)
            .seed(seed)
            .model(model)
            .r_limit(None)
            .check()?
            .generate_catalog()?;
        let gen_s = t0.elapsed().as_secs_f64();
        let mut values = dag.node_values(&cat)?;
        if args.copula {
            values = copnorm(values.view());
        }
        let run = causal::fisher_z_run(
            causal::Search::Pc,
            "unselected",
            &values,
            &names,
            args.alpha,
            Some(&truth),
        )
        .map_err(|e| e.0)?;
        let cmp = run.vs_truth.as_ref().ok_or("no comparison")?;
        println!(
            "\nseed {seed}: generated in {gen_s:.1} s; PC adjacency precision {} recall {} (tp {}, fp {}, fn {}), arrowhead precision {} recall {}",
            pct(cmp.adjacency_precision),
            pct(cmp.adjacency_recall),
            cmp.adjacency_tp,
            cmp.adjacency_fp,
            cmp.adjacency_fn,
            pct(cmp.arrowhead_precision),
            pct(cmp.arrowhead_recall),
        );
        // the same PC run again for its separating sets
        let ds = Dataset::new(values.clone(), names.clone())?;
        let fz = FisherZ::new(&ds)?;
        let pc = PcParams::new()
            .alpha(args.alpha)
            .knowledge(Some(causal::tiers(&names, None)))
            .check()?
            .run(&fz, &names)?;
        let g = &run.graph;
        let idx = |s: &str| names.iter().position(|n| n == s).unwrap_or(usize::MAX);
        let mut rows = Vec::new();
        for e in &dag.edges {
            let (p, c) = (idx(&e.from), idx(&e.to));
            let others: Vec<usize> = dag
                .parents(&e.to)?
                .iter()
                .map(|s| idx(s))
                .filter(|&q| q != p)
                .collect();
            let r_par = fz.partial_correlation(p, c, &others)?;
            let r_marg = fz.partial_correlation(p, c, &[])?;
            let found = g.is_adjacent(p, c);
            let sep = if found {
                String::new()
            } else {
                match pc.sepsets.first(p, c) {
                    Some(s) => {
                        let r = fz.partial_correlation(p, c, s)?;
                        let sn: Vec<&str> = s.iter().map(|&k| names[k].as_str()).collect();
                        format!("sep {{{}}} r = {r:+.3}", sn.join(", "))
                    }
                    None => "no sepset".into(),
                }
            };
            rows.push((
                r_par.abs(),
                format!(
                    "  {:>10} -> {:<10} r|parents {r_par:+.3}  marginal {r_marg:+.3}  {} {sep}",
                    e.from,
                    e.to,
                    if found { "found" } else { "MISSED" }
                ),
                found,
            ));
        }
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (r, line, found) in &rows {
            if args.all_edges || !found || *r < 0.05 {
                println!("{line}");
            }
        }
        for e in g.edges() {
            let (a, b) = (g.name(e.a), g.name(e.b));
            let (ia, ib) = (idx(a), idx(b));
            if !truth.is_adjacent(ia, ib) {
                println!(
                    "  EXTRA {a} - {b}: marginal r {:+.3}",
                    fz.partial_correlation(ia, ib, &[])?
                );
            }
        }
        if args.fci {
            let observed: Vec<String> = dag
                .nodes
                .iter()
                .filter(|n| n.kind == NodeKind::Observed)
                .map(|n| n.name.clone())
                .collect();
            let obs_idx: Vec<usize> = observed.iter().map(|o| idx(o)).collect();
            let pag = causal::truth_pag(&truth, &observed).map_err(|e| e.0)?;
            let fci = causal::fisher_z_run(
                causal::Search::Fci,
                "observed",
                &values.select(Axis(1), &obs_idx),
                &observed,
                args.alpha,
                Some(&pag),
            )
            .map_err(|e| e.0)?;
            let c = fci.vs_truth.as_ref().ok_or("no comparison")?;
            println!(
                "  FCI (observed nodes vs true PAG): adjacency precision {} recall {}, arrowhead precision {} recall {}, SHD {}",
                pct(c.adjacency_precision),
                pct(c.adjacency_recall),
                pct(c.arrowhead_precision),
                pct(c.arrowhead_recall),
                c.shd
            );
        }
    }
    Ok(())
}
