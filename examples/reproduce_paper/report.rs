//! The report: `results.json`, `report.md` and the PNG figures.

use std::collections::BTreeMap;
use std::path::Path;

use causal_search::graph::MixedGraph;
use mstar::figures::{
    BarPanel, BarSpec, GraphSpec, HistSpec, ScatterSpec, Series, StackSpec, atom_series, graph,
    histograms, scatter, signed_stacked_bars, stack_plot,
};
use mstar::report::{Markdown, fmt_num, write_json};
use serde::Serialize;

use crate::RunPlan;
use crate::bands::BandExperiment;
use crate::causal::{DiscoveryRun, LocalRun, drawn_edges, median_abs};
use crate::data::{Study, anyhow_like::Result};
use crate::info::{CaseResult, CrossCheck};
use crate::models::ModelResult;

/// Everything the run found.
#[derive(Serialize)]
pub struct Outputs {
    pub args: String,
    pub plan: RunPlan,
    pub source: String,
    pub n_galaxies: usize,
    pub splits: [usize; 3],
    pub density: Vec<ModelResult>,
    pub contrastive: Vec<ModelResult>,
    pub local: Vec<LocalRun>,
    pub cases: Vec<CaseResult>,
    /// Band-separation experiments (`--full`).
    pub bands: Vec<BandExperiment>,
    /// The extra density models they trained.
    pub band_models: Vec<ModelResult>,
    pub checks: Vec<CrossCheck>,
    pub pc_unselected: Option<DiscoveryRun>,
    pub pc_selected: Option<DiscoveryRun>,
    pub pc_with_s: Option<DiscoveryRun>,
    pub fci_unselected: Option<DiscoveryRun>,
    pub truth: Option<BTreeMap<String, Vec<String>>>,
    pub skipped: Vec<String>,
    pub seconds: f64,
    /// Wall-clock seconds of each stage before the report (data, models, analyses).
    pub stages: Vec<(String, f64)>,
}

/// A finding checked against the generator's truth.
#[derive(Serialize)]
struct Finding {
    claim: String,
    value: String,
    pass: bool,
}

/// Mean local MI of each density model on the test split, from the decomposition cases.
fn model_mean_mi(study: &Study, cases: &[CaseResult]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for c in cases {
        let test: Vec<usize> = c
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| study.splits.test.binary_search(r).is_ok())
            .map(|(k, _)| k)
            .collect();
        if test.is_empty() {
            continue;
        }
        let mean = |v: &[f64]| test.iter().map(|&k| v[k]).sum::<f64>() / test.len() as f64;
        out.entry(c.x1.clone()).or_insert_with(|| mean(&c.local.i1));
        out.entry(c.x2.clone()).or_insert_with(|| mean(&c.local.i2));
        out.entry(c.union.clone())
            .or_insert_with(|| mean(&c.local.total));
    }
    out
}

fn findings(study: &Study, o: &Outputs) -> Vec<Finding> {
    let mut f = Vec::new();
    if let Some(cmp) = o.pc_unselected.as_ref().and_then(|r| r.vs_truth.as_ref()) {
        let p = cmp.adjacency_precision.unwrap_or(f64::NAN);
        let r = cmp.adjacency_recall.unwrap_or(f64::NAN);
        f.push(Finding {
            claim: "PC skeleton on the unselected population recovers the truth DAG (adjacency precision and recall >= 0.8)".into(),
            value: format!("precision {}, recall {}", fmt_num(p, 3), fmt_num(r, 3)),
            pass: p >= 0.8 && r >= 0.8,
        });
    }
    let mi = model_mean_mi(study, &o.cases);
    if let (Some(img), Some(phot)) = (mi.get("Iopt"), mi.get("Mopt")) {
        f.push(Finding {
            claim: "the image model (Iopt) carries more information about M* than optical photometry (Mopt): mean local MI on the test split".into(),
            value: format!("Iopt {} nats, Mopt {} nats", fmt_num(*img, 3), fmt_num(*phot, 3)),
            pass: img > phot,
        });
    }
    for c in &o.cases {
        if let (Some(a), Some(b), Some(u)) = (mi.get(&c.x1), mi.get(&c.x2), mi.get(&c.union)) {
            f.push(Finding {
                claim: format!(
                    "case {}: the union model's mean local MI is at least max(single) - 0.02 nats",
                    c.case
                ),
                value: format!(
                    "{} {}, {} {}, union {}",
                    c.x1,
                    fmt_num(*a, 3),
                    c.x2,
                    fmt_num(*b, 3),
                    fmt_num(*u, 3)
                ),
                pass: *u >= a.max(*b) - 0.02,
            });
        }
    }
    f
}

fn draw_graph(
    dir: &Path,
    file: &str,
    title: &str,
    run: &DiscoveryRun,
    truth: Option<&MixedGraph>,
) -> Result<()> {
    graph(
        &dir.join(file),
        &GraphSpec {
            title,
            nodes: &run.nodes,
            edges: &drawn_edges(&run.graph, truth),
            legend: if truth.is_some() {
                "red edges: adjacency absent from the truth DAG"
            } else {
                ""
            },
        },
    )?;
    Ok(())
}

pub fn write(
    dir: &Path,
    study: &Study,
    truth: Option<&MixedGraph>,
    truth_pag: Option<&MixedGraph>,
    o: &Outputs,
) -> Result<()> {
    let found = findings(study, o);
    #[derive(Serialize)]
    struct Json<'a> {
        #[serde(flatten)]
        outputs: &'a Outputs,
        findings: &'a [Finding],
    }
    write_json(
        &dir.join("results.json"),
        &Json {
            outputs: o,
            findings: &found,
        },
    )?;

    let mut figures: Vec<(String, String)> = Vec::new();
    // decomposition bars per class
    if !o.cases.is_empty() {
        let mut classes: Vec<String> = o
            .cases
            .iter()
            .flat_map(|c| c.per_class.iter().map(|g| g.group.clone()))
            .collect();
        classes.sort();
        classes.dedup();
        let cats: Vec<String> = o
            .cases
            .iter()
            .map(|c| format!("case {}", &c.case[..1]))
            .collect();
        let mut vals: Vec<[Vec<f64>; 4]> = Vec::new();
        for cl in &classes {
            let mut v: [Vec<f64>; 4] = Default::default();
            for c in &o.cases {
                let a = c
                    .per_class
                    .iter()
                    .find(|g| &g.group == cl)
                    .map(|g| g.summary.mean);
                push_atoms(&mut v, a.as_ref());
            }
            vals.push(v);
        }
        let series: Vec<Vec<Series<'_>>> = vals.iter().map(atom_series).collect();
        let panels: Vec<BarPanel<'_>> = classes
            .iter()
            .zip(&series)
            .map(|(cl, s)| BarPanel {
                title: cl,
                categories: &cats,
                series: s,
            })
            .collect();
        signed_stacked_bars(
            &dir.join("decomposition_by_class.png"),
            &BarSpec {
                title: "Mean local information atoms per class (test split)",
                x_label: "decomposition case",
                y_label: "information about log M* [nats]",
                panels: &panels,
            },
        )?;
        figures.push((
            "decomposition_by_class.png".into(),
            "Information atoms per class and case".into(),
        ));
    }
    // band separation bars, one panel per experiment family
    if !o.bands.is_empty() {
        let mut groups: Vec<&str> = Vec::new();
        for b in &o.bands {
            if !groups.contains(&b.group.as_str()) {
                groups.push(&b.group);
            }
        }
        let cats: Vec<Vec<String>> = groups
            .iter()
            .map(|g| {
                o.bands
                    .iter()
                    .filter(|b| b.group == *g)
                    .map(|b| {
                        // `I[gr]` -> `gr`: the panel title says images or magnitudes
                        let l = b.case.x1.as_str();
                        l.get(2..l.len().saturating_sub(1))
                            .filter(|_| l.ends_with(']'))
                            .unwrap_or(l)
                            .to_string()
                    })
                    .collect()
            })
            .collect();
        let vals: Vec<[Vec<f64>; 4]> = groups
            .iter()
            .map(|g| {
                let mut v: [Vec<f64>; 4] = Default::default();
                for b in o.bands.iter().filter(|b| b.group == *g) {
                    push_atoms(&mut v, Some(&b.case.test_atoms));
                }
                v
            })
            .collect();
        let series: Vec<Vec<Series<'_>>> = vals.iter().map(atom_series).collect();
        let panels: Vec<BarPanel<'_>> = groups
            .iter()
            .zip(&cats)
            .zip(&series)
            .map(|((g, c), s)| BarPanel {
                title: g,
                categories: c,
                series: s,
            })
            .collect();
        signed_stacked_bars(
            &dir.join("band_separation.png"),
            &BarSpec {
                title: "Band separation: atoms of X1 (named bands) vs the other bands (test split)",
                x_label: "X1: bands (X2: the other bands)",
                y_label: "information about log M* [nats]",
                panels: &panels,
            },
        )?;
        figures.push((
            "band_separation.png".into(),
            "Band separation: information atoms per experiment".into(),
        ));
    }
    // stack plots
    for (k, c) in o.cases.iter().enumerate() {
        for (what, bins, label) in [
            ("mass", &c.by_mass, "true log M* [dex]"),
            ("rmag", &c.by_rmag, "r Petrosian magnitude [mag]"),
        ] {
            let dense: Vec<_> = bins.iter().filter(|b| !b.sparse).collect();
            if dense.len() < 2 {
                continue;
            }
            let x: Vec<f64> = dense.iter().map(|b| b.center).collect();
            let get = |f: fn(&info_decomp::pid::Atoms) -> f64| -> Vec<f64> {
                dense.iter().map(|b| f(&b.summary.mean)).collect()
            };
            let (r, u1, u2, s) = (
                get(|a| a.redundancy),
                get(|a| a.unique1),
                get(|a| a.unique2),
                get(|a| a.synergy),
            );
            let file = format!("stack_{what}_case{}.png", k + 1);
            let title = format!("Case {}: atoms vs {what} (test split)", c.case);
            stack_plot(
                &dir.join(&file),
                &StackSpec {
                    title: &title,
                    x_label: label,
                    y_label: "mean local information [nats]",
                    x: &x,
                    series: &[
                        Series {
                            name: "redundancy",
                            values: &r,
                        },
                        Series {
                            name: &format!("unique {}", c.x1),
                            values: &u1,
                        },
                        Series {
                            name: &format!("unique {}", c.x2),
                            values: &u2,
                        },
                        Series {
                            name: "synergy",
                            values: &s,
                        },
                    ],
                },
            )?;
            figures.push((file, title));
        }
    }
    // local tests
    for run in &o.local {
        let file = format!("local_{}_{}.png", run.model, run.query);
        let title = format!(
            "Local tests in S of {}: {} (cond. {})",
            run.model, run.query, run.cond
        );
        histograms(
            &dir.join(&file),
            &HistSpec {
                title: &title,
                x_label: "local Pearson correlation with log M* (dimensionless)",
                series: &[
                    Series {
                        name: "corr",
                        values: &run.corr,
                    },
                    Series {
                        name: "permuted (null)",
                        values: &run.corr_perm,
                    },
                    Series {
                        name: "corr | z",
                        values: &run.corr_cond,
                    },
                    Series {
                        name: "permuted | z",
                        values: &run.corr_perm_cond,
                    },
                ],
                bins: 40,
            },
        )?;
        figures.push((file, title));
    }
    // graphs
    if let Some(truth) = truth {
        let truth_run = DiscoveryRun {
            label: "truth".into(),
            algorithm: "generator".into(),
            test: "-".into(),
            alpha: 0.0,
            n_samples: 0,
            nodes: truth.names().to_vec(),
            edges: vec![],
            vs_truth: None,
            graph: truth.clone(),
        };
        draw_graph(
            dir,
            "graph_truth.png",
            "Truth DAG of the mock generator",
            &truth_run,
            None,
        )?;
        figures.push(("graph_truth.png".into(), "Truth DAG".into()));
    }
    if let Some(r) = &o.pc_unselected {
        draw_graph(
            dir,
            "graph_pc_unselected.png",
            "PC (Fisher-z, alpha 0.01) on the unselected population",
            r,
            truth,
        )?;
        figures.push((
            "graph_pc_unselected.png".into(),
            "PC on the unselected population".into(),
        ));
    }
    if let Some(r) = &o.pc_selected {
        draw_graph(
            dir,
            "graph_pc_selected.png",
            "PC (Fisher-z, alpha 0.01) on the sample",
            r,
            truth,
        )?;
        figures.push(("graph_pc_selected.png".into(), "PC on the sample".into()));
    }
    if let Some(r) = &o.fci_unselected {
        draw_graph(
            dir,
            "graph_fci_unselected.png",
            "FCI (Fisher-z, alpha 0.01) over the observed nodes, unselected population",
            r,
            truth_pag,
        )?;
        figures.push((
            "graph_fci_unselected.png".into(),
            "FCI PAG over the observed nodes (red: adjacency absent from the true PAG)".into(),
        ));
    }
    if let Some(s) = &o.pc_with_s {
        draw_graph(
            dir,
            "graph_pc_with_s.png",
            "PC with S (Iopt) as a vector-valued node",
            s,
            None,
        )?;
        figures.push(("graph_pc_with_s.png".into(), "PC with S as a node".into()));
    }
    // predicted vs true
    let target = study.col("lgm_tot_p50").ok();
    for m in o
        .density
        .iter()
        .filter(|m| ["Mopt", "Iopt", "IoptMirZspec"].contains(&m.label.as_str()))
    {
        let (xs, ys): (Vec<f64>, Vec<f64>) = study
            .splits
            .test
            .iter()
            .filter(|&&r| m.mean[r].is_finite())
            .filter_map(|&r| target.map(|t| (t[r], m.mean[r])))
            .unzip();
        let note = m.test_metrics.as_ref().map(|t| {
            format!(
                "bias {} dex, sigma_MAD {} dex, outliers {}%, CRPS {} dex",
                fmt_num(t.bias, 3),
                fmt_num(t.sigma_mad, 3),
                fmt_num(100.0 * t.outlier_fraction, 1),
                fmt_num(m.test_crps.unwrap_or(f64::NAN), 3)
            )
        });
        let file = format!("pred_vs_true_{}.png", m.label);
        let title = format!(
            "Density model {}: mean estimate vs truth (test split)",
            m.label
        );
        scatter(
            &dir.join(&file),
            &ScatterSpec {
                title: &title,
                x_label: "true log M* [dex]",
                y_label: "predicted log M* (mean of the density) [dex]",
                x: &xs,
                y: &ys,
                diagonal: true,
                note: note.as_deref(),
            },
        )?;
        figures.push((file, title));
    }

    // report.md
    let mut md = Markdown::new();
    md.heading(1, "mstar: the study reproduced")
        .paragraph(&format!(
            "Data: {}. Splits (train / validation / test): {} / {} / {}. Run mode `{}` \
             (preset `{}`), seed {}, {:.0} s on this machine. Information is in nats, log M* in dex.",
            o.source,
            o.splits[0],
            o.splits[1],
            o.splits[2],
            o.plan.mode,
            o.plan.train.preset,
            o.plan.train.seed,
            o.seconds
        ));
    md.paragraph(&format!(
        "Time by stage: {}.",
        o.stages
            .iter()
            .map(|(n, t)| format!("{n} {t:.1} s"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if o.plan.mode == "quick" {
        md.paragraph("**This is a `--quick` smoke run: the sample is small and training short, so none of the numbers below are scientific claims.**");
    }
    md.heading(2, "Findings checked against the generator's truth");
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|f| {
            vec![
                f.claim.clone(),
                f.value.clone(),
                if f.pass { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    table(&mut md, &["claim", "measured", "holds"], &rows)?;

    let t = &o.plan.train;
    let side = 64 / o.plan.image_bin.max(1);
    let mut how = format!(
        "Density models trained {} steps (photometry MLPs, batch 128) and {} steps (image CNNs, \
         batch {}); contrastive models {} and {} steps; preset `{}`, Adam at a learning rate of {} \
         divided by 5 at two thirds of each run; batches drawn with replacement; images binned \
         {b}x{b} to {side}x{side} (raw images as block means, normalised images as block sums \
         over the Petrosian flux).",
        t.density_steps_mlp,
        t.density_steps_cnn,
        t.density_batch_cnn,
        t.contrastive_steps_mlp,
        t.contrastive_steps_cnn,
        t.preset,
        t.learning_rate,
        b = o.plan.image_bin,
    );
    if t.standardise {
        how.push_str(
            " Catalog inputs are standardised with the training rows' mean and standard deviation \
             (the study feeds them raw; a CPU-sized run cannot afford the steps that needs).",
        );
    }
    if t.keep_best {
        how.push_str(&format!(
            " Each model is validated {} times and keeps the weights of its lowest validation \
             cross-entropy (column `kept`; the study keeps the last step).",
            t.validations
        ));
    }
    let warm: Vec<String> = o
        .density
        .iter()
        .filter_map(|m| {
            m.warm_from
                .as_ref()
                .map(|w| format!("{} from {w}", m.label))
        })
        .collect();
    if !warm.is_empty() {
        how.push_str(&format!(
            " Union models that add catalog columns to a trained image model start from its \
             weights ({}; column `from`): the weights that read the added columns start at zero, \
             so training starts from the single model's function, and that starting point is \
             validated before the first step (step 0 in `kept` means no step improved on it). \
             Trained from random weights in the same number of steps, the IoptMir union fell \
             short of the image model (see docs/methods.md).",
            warm.join(", ")
        ));
    }
    md.heading(2, "Models").paragraph(&how);
    let rows: Vec<Vec<String>> = o
        .density
        .iter()
        .chain(&o.contrastive)
        .chain(&o.band_models)
        .map(|m| {
            let t = m.test_metrics.as_ref();
            vec![
                m.label.clone(),
                m.mode.clone(),
                m.n_used.to_string(),
                m.steps.to_string(),
                m.best_step.map_or("last".into(), |b| b.to_string()),
                m.warm_from.clone().unwrap_or_else(|| "-".into()),
                fmt_num(m.seconds, 0),
                fmt_num(t.map_or(f64::NAN, |t| t.bias), 3),
                fmt_num(t.map_or(f64::NAN, |t| t.sigma_mad), 3),
                fmt_num(t.map_or(f64::NAN, |t| t.outlier_fraction), 3),
                fmt_num(m.test_crps.unwrap_or(f64::NAN), 3),
            ]
        })
        .collect();
    table(
        &mut md,
        &[
            "model",
            "mode",
            "galaxies",
            "steps",
            "kept",
            "from",
            "train s",
            "bias",
            "sigma_MAD",
            "outliers",
            "CRPS",
        ],
        &rows,
    )?;

    md.heading(2, "Information decomposition (test split)")
        .paragraph("Pointwise minimum-MI decomposition of the density models' local MIs; the gap is each case's total minus the image-only (Iopt) model's mean local MI.");
    let mi = model_mean_mi(study, &o.cases);
    let iopt = mi.get("Iopt").copied().unwrap_or(f64::NAN);
    let rows: Vec<Vec<String>> = o
        .cases
        .iter()
        .map(|c| {
            let a = c.test_atoms;
            let mut row = vec![c.case.clone()];
            row.extend(atom_cells(&a));
            row.push(fmt_num(a.total - iopt, 3));
            row
        })
        .collect();
    table(
        &mut md,
        &[&["case"], &ATOM_HEADER[..], &["gap vs Iopt"]].concat(),
        &rows,
    )?;
    let mut rows = Vec::new();
    for c in &o.cases {
        for g in &c.per_class {
            let a = g.summary.mean;
            let ci = g
                .summary
                .ci
                .map(|ci| format!("[{}, {}]", fmt_num(ci.lo.total, 3), fmt_num(ci.hi.total, 3)));
            rows.push(vec![
                c.case.clone(),
                g.group.clone(),
                g.summary.n.to_string(),
                fmt_num(a.redundancy, 3),
                fmt_num(a.unique1, 3),
                fmt_num(a.unique2, 3),
                fmt_num(a.synergy, 3),
                format!("{} {}", fmt_num(a.total, 3), ci.unwrap_or_default()),
                fmt_num(a.total - iopt, 3),
            ]);
        }
    }
    md.paragraph("Per class (68% bootstrap interval of the total):");
    table(
        &mut md,
        &[
            "case", "class", "n", "Red", "Unq1", "Unq2", "Syn", "total", "gap",
        ],
        &rows,
    )?;

    if !o.bands.is_empty() {
        md.heading(2, "Band separation (`--full`, test split)").paragraph(
            "Which bands carry redundant, unique or synergistic information about M*: each row \
             decomposes X1 (the named bands) against X2 (the other bands of the same kind), with \
             the model on all of them as the union (raw images: `Iopt`; magnitudes: u g r i z W1 W2 \
             W3, each with its own error except W3). EBV is an additional input of every model. \
             Pointwise minimum-MI atoms of the density models' local MIs, in nats.",
        );
        let rows: Vec<Vec<String>> = o
            .bands
            .iter()
            .map(|b| {
                let mut row = vec![b.group.clone(), b.case.case.clone()];
                row.extend(atom_cells(&b.case.test_atoms));
                row
            })
            .collect();
        table(
            &mut md,
            &[&["experiment", "X1 | X2"], &ATOM_HEADER[..]].concat(),
            &rows,
        )?;
    }

    md.heading(2, "Model-free cross-check")
        .paragraph("The networks' mean local MIs are variational lower bounds; the model-free estimates (S of the Iopt contrastive model stands in for images) should lie at or above them within error. Compare atoms by sign and ranking, not value.");
    let rows: Vec<Vec<String>> = o
        .checks
        .iter()
        .map(|c| {
            vec![
                c.case.clone(),
                c.estimator.clone(),
                c.n.to_string(),
                format!(
                    "{} / {}",
                    fmt_num(c.model_free[0], 3),
                    fmt_num(c.network[0], 3)
                ),
                format!(
                    "{} / {}",
                    fmt_num(c.model_free[1], 3),
                    fmt_num(c.network[1], 3)
                ),
                format!(
                    "{} / {}",
                    fmt_num(c.model_free[2], 3),
                    fmt_num(c.network[2], 3)
                ),
            ]
        })
        .collect();
    table(
        &mut md,
        &[
            "case",
            "estimator",
            "n",
            "I(Y;X1) free / net",
            "I(Y;X2) free / net",
            "I(Y;X1X2) free / net",
        ],
        &rows,
    )?;

    md.heading(2, "Local tests in the latent space S")
        .paragraph(&format!(
            "For every galaxy, its {} nearest training galaxies in S (of {} searched); the median |local correlation| \
             between log M* and the query is compared with its within-neighbourhood permutation null. A median well above \
             the null means S has not absorbed the mass information the query carries.",
            o.plan.local_k, o.plan.local_k_max
        ));
    let rows: Vec<Vec<String>> = o
        .local
        .iter()
        .map(|r| {
            vec![
                r.model.clone(),
                r.query.clone(),
                fmt_num(median_abs(&r.corr), 3),
                fmt_num(median_abs(&r.corr_perm), 3),
                fmt_num(median_abs(&r.corr_cond), 3),
                fmt_num(median_abs(&r.corr_perm_cond), 3),
            ]
        })
        .collect();
    table(
        &mut md,
        &[
            "model",
            "query",
            "med |corr|",
            "null",
            "med |corr \\| z|",
            "null \\| z",
        ],
        &rows,
    )?;

    md.heading(2, "Causal discovery against the truth")
        .paragraph(if truth.is_some() {
            "PC-stable with Fisher-z at alpha 0.01 and background knowledge (z and EBV in the first tier) over the mock's documented nodes, scored against the CPDAG of the generator's truth DAG. FCI (same test, alpha and tiers; conditioning sets up to 3 nodes, Possible-D-SEP paths up to 3 edges) runs over the observed nodes only, with the generator's latent quantities (inclination, bulge light fraction, sSFR, disk colour and disk size) hidden, and is scored against the true PAG: FCI with the d-separation oracle of the truth DAG over the same nodes."
        } else {
            "PC-stable with Fisher-z at alpha 0.01 and background knowledge (z and EBV in the first tier) over the catalog quantities the sample has; there is no truth to score against."
        });
    let mut rows = Vec::new();
    for run in o
        .pc_unselected
        .iter()
        .chain(&o.pc_selected)
        .chain(&o.fci_unselected)
    {
        if let Some(c) = &run.vs_truth {
            rows.push(vec![
                format!("{}: {}", run.algorithm, run.label),
                run.n_samples.to_string(),
                run.edges.len().to_string(),
                fmt_num(c.adjacency_precision.unwrap_or(f64::NAN), 3),
                fmt_num(c.adjacency_recall.unwrap_or(f64::NAN), 3),
                fmt_num(c.arrowhead_precision.unwrap_or(f64::NAN), 3),
                fmt_num(c.arrowhead_recall.unwrap_or(f64::NAN), 3),
                c.shd.to_string(),
            ]);
        }
    }
    table(
        &mut md,
        &[
            "sample",
            "n",
            "edges",
            "adj. precision",
            "adj. recall",
            "arrow precision",
            "arrow recall",
            "SHD",
        ],
        &rows,
    )?;
    if let (Some(a), Some(b)) = (&o.pc_unselected, &o.pc_selected) {
        let diff = edge_changes(a, b);
        md.paragraph(&format!("What the flux cut changes (adjacencies): {diff}"));
    }
    if truth.is_none()
        && let Some(r) = &o.pc_selected
    {
        let e: Vec<String> = r.edges.iter().map(edge_symbol).collect();
        md.paragraph(&format!(
            "PC edges on the sample ({} galaxies): {}",
            r.n_samples,
            e.join("; ")
        ));
    }
    if let Some(s) = &o.pc_with_s {
        let adj: Vec<String> = s
            .edges
            .iter()
            .filter(|e| e.a == "S" || e.b == "S")
            .map(|e| if e.a == "S" { e.b.clone() } else { e.a.clone() })
            .collect();
        md.paragraph(&format!(
            "With S of the Iopt contrastive model as one vector-valued node in the last tier (Gaussian test on the \
             flux-limited sample, {} galaxies), S is adjacent to: {}. S is not scored: it is a function of the inputs, fitted to the mass.",
            s.n_samples,
            if adj.is_empty() { "nothing".into() } else { adj.join(", ") }
        ));
    }
    if !o.skipped.is_empty() {
        md.heading(2, "Skipped analyses").bullets(&o.skipped);
    }
    md.heading(2, "Figures");
    for (f, t) in &figures {
        md.image(t, f);
    }
    md.write(&dir.join("report.md"))?;
    Ok(())
}

/// A table, or a note when it has no rows (the analysis did not run).
/// I1, I2, I12, Red, Unq1, Unq2, Syn as table cells.
/// Column names of [`atom_cells`].
const ATOM_HEADER: [&str; 7] = ["I1", "I2", "I12", "Red", "Unq1", "Unq2", "Syn"];

fn atom_cells(a: &info_decomp::pid::Atoms) -> Vec<String> {
    [
        a.i1,
        a.i2,
        a.total,
        a.redundancy,
        a.unique1,
        a.unique2,
        a.synergy,
    ]
    .iter()
    .map(|&v| fmt_num(v, 3))
    .collect()
}

/// Appends redundancy, unique X1, unique X2 and synergy to the four bar series (NaN when absent).
fn push_atoms(v: &mut [Vec<f64>; 4], a: Option<&info_decomp::pid::Atoms>) {
    let vals = a.map_or([f64::NAN; 4], |a| {
        [a.redundancy, a.unique1, a.unique2, a.synergy]
    });
    for (s, x) in v.iter_mut().zip(vals) {
        s.push(x);
    }
}

fn table(md: &mut Markdown, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    if rows.is_empty() {
        md.paragraph("(not run on this sample: see the skipped analyses)");
    } else {
        md.table(header, rows)?;
    }
    Ok(())
}

fn edge_symbol(e: &crate::causal::NamedEdge) -> String {
    let left = match e.mark_a.as_str() {
        "arrow" => "<",
        "circle" => "o",
        _ => "-",
    };
    let right = match e.mark_b.as_str() {
        "arrow" => ">",
        "circle" => "o",
        _ => "-",
    };
    format!("{} {left}-{right} {}", e.a, e.b)
}

fn edge_changes(a: &DiscoveryRun, b: &DiscoveryRun) -> String {
    let set = |r: &DiscoveryRun| -> std::collections::BTreeSet<(String, String)> {
        r.edges
            .iter()
            .map(|e| {
                if e.a < e.b {
                    (e.a.clone(), e.b.clone())
                } else {
                    (e.b.clone(), e.a.clone())
                }
            })
            .collect()
    };
    let (sa, sb) = (set(a), set(b));
    let gained: Vec<String> = sb
        .difference(&sa)
        .map(|(x, y)| format!("{x}-{y}"))
        .collect();
    let lost: Vec<String> = sa
        .difference(&sb)
        .map(|(x, y)| format!("{x}-{y}"))
        .collect();
    format!(
        "gained {} ({}); lost {} ({})",
        gained.len(),
        if gained.is_empty() {
            "none".into()
        } else {
            gained.join(", ")
        },
        lost.len(),
        if lost.is_empty() {
            "none".into()
        } else {
            lost.join(", ")
        }
    )
}
