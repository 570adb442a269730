//! Reproduces the study end to end on the built-in mock survey (or on a survey directory made from
//! real data) and writes a report a scientist can read.
//!
//! ```sh
//! cargo run --release --example reproduce_paper                 # the default study, ~13 min on 2 cores
//! cargo run --release --example reproduce_paper -- --quick      # a smoke test (no scientific claims)
//! cargo run --release --example reproduce_paper -- --survey DIR # a survey directory from real data
//! ```
//!
//! Writes `report/` (or `--out DIR`): `report.md`, `results.json` and PNG figures.

mod bands;
mod causal;
mod data;
mod info;
mod models;
mod report;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use galaxy_estimator::config::Mode;
use indicatif::{ProgressBar, ProgressStyle};
use info_decomp::mi::Estimator;
use info_decomp::network::Bins;

use crate::data::anyhow_like::{Error, Result};
use crate::models::{CASES, ModelResult, TrainPlan, contrastive_sets, density_sets};

/// Reproduce the study: density and contrastive models, local tests in S, the information
/// decomposition, PC/FCI against the mock's truth, model-free cross-checks, and a report.
#[derive(Parser, Debug)]
#[command(version, about)]
pub struct Args {
    /// Smoke test: a small sample and few steps (for CI; no scientific claims).
    #[arg(long)]
    quick: bool,
    /// Also run the band-separation experiments (24 decompositions, 18 more image models: long).
    #[arg(long)]
    full: bool,
    /// Network preset: `small` (CPU) or `paper` (the study's networks; for a GPU).
    #[arg(long, default_value = "small")]
    preset: String,
    /// Run on a survey directory (manifest.json, images.fits, catalog.fits, splits.json) instead of the mock.
    #[arg(long)]
    survey: Option<PathBuf>,
    /// Output directory.
    #[arg(long, default_value = "report")]
    out: PathBuf,
    /// Seed of everything random.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
    /// Number of mock galaxies (after the flux limit); default by mode.
    #[arg(long)]
    n: Option<usize>,
    /// Training steps of the photometry density models (default by mode).
    #[arg(long)]
    steps_mlp: Option<usize>,
    /// Training steps of the image density models (default by mode).
    #[arg(long)]
    steps_cnn: Option<usize>,
    /// Bin the 64x64 stamps this many pixels a side before the networks (1, 2 or 4; default 4 with
    /// the `small` preset, 1 with `paper`).
    #[arg(long)]
    bin: Option<usize>,
    /// Train on CUDA device 0 (needs the `cuda` feature; falls back to the CPU with a message).
    #[arg(long)]
    gpu: bool,
}

/// Sizes of one run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunPlan {
    pub mode: String,
    pub n_galaxies: usize,
    pub n_unselected: usize,
    /// Binning factor of the 64x64 stamps (4: 16x16 images).
    pub image_bin: usize,
    pub train: TrainPlan,
    pub local_k: usize,
    pub local_k_max: usize,
    pub alpha: f64,
    pub bootstrap: usize,
}

fn plan(args: &Args) -> RunPlan {
    let paper = args.preset == "paper";
    let (mode, n, n_pc, mlp, cnn, cmlp, ccnn, k, kmax, boot) = if args.quick {
        ("quick", 600, 4000, 150, 60, 100, 20, 30, 200, 50)
    } else if paper {
        // the study's schedule (METHOD.md section 4), for a GPU
        (
            "paper", 10000, 50000, 180_000, 180_000, 180_000, 180_000, 100, 2000, 200,
        )
    } else {
        (
            "default", 40000, 50000, 1000, 3000, 600, 400, 100, 2000, 200,
        )
    };
    RunPlan {
        mode: mode.into(),
        n_galaxies: args.n.unwrap_or(n),
        n_unselected: n_pc,
        image_bin: args.bin.unwrap_or(if paper { 1 } else { 4 }),
        train: TrainPlan {
            preset: args.preset.clone(),
            density_steps_mlp: args.steps_mlp.unwrap_or(mlp),
            density_steps_cnn: args.steps_cnn.unwrap_or(cnn),
            contrastive_steps_mlp: cmlp,
            contrastive_steps_cnn: ccnn,
            density_batch_cnn: if paper { 128 } else { 64 },
            learning_rate: if paper { 1e-4 } else { 1e-3 },
            standardise: !paper,
            validations: if paper { 0 } else { 10 },
            keep_best: !paper,
            warm_start: !paper,
            seed: args.seed,
        },
        local_k: k,
        local_k_max: kmax,
        alpha: 0.01,
        bootstrap: boot,
    }
}

fn stage(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb.set_message(msg.to_string());
    pb
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("reproduce_paper: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<()> {
    let started = Instant::now();
    // wall-clock seconds of each stage, for the report
    let mut stages: Vec<(String, f64)> = Vec::new();
    let mut lap = Instant::now();
    let mut timed = |name: &str, stages: &mut Vec<(String, f64)>| {
        stages.push((name.to_string(), lap.elapsed().as_secs_f64()));
        lap = Instant::now();
    };
    let plan = plan(args);
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Error(format!("{}: {e}", args.out.display())))?;

    // 1. data
    let (study, truth_dag, is_mock) = match &args.survey {
        Some(dir) => {
            let pb = stage(&format!("reading the survey directory {}", dir.display()));
            let (study, survey) = data::from_survey_dir(dir, plan.image_bin)?;
            pb.finish_with_message(format!("survey: {} galaxies", study.len()));
            (study, survey.manifest.truth_dag.clone(), false)
        }
        None => {
            let pb = stage(&format!(
                "generating the mock survey ({} galaxies)",
                plan.n_galaxies
            ));
            let (study, survey) = data::from_mock(plan.n_galaxies, args.seed, plan.image_bin)?;
            pb.finish_with_message(format!("mock survey: {} galaxies", study.len()));
            (study, Some(survey.dag.clone()), true)
        }
    };

    timed("data", &mut stages);
    let mut skipped: Vec<String> = Vec::new();
    let (device, why) = galaxy_estimator::device::select_device(args.gpu);
    if let Some(why) = why {
        eprintln!("--gpu: {why}");
    }
    // 2. density models
    let mut density: Vec<ModelResult> = Vec::new();
    let sets = density_sets();
    for (i, set) in sets.iter().enumerate() {
        if let Err(why) = set.available(&study) {
            skipped.push(format!("density model {}: {why}", set.label));
            continue;
        }
        eprintln!(
            "training density model {} ({}/{})",
            set.label,
            i + 1,
            sets.len()
        );
        // a union model starts from the trained model it extends (see models::InputSet::warm_from)
        let mut warm = None;
        if let Some(src) = set.warm_from.as_ref().filter(|_| plan.train.warm_start) {
            match density.iter().find(|m| &m.label == src) {
                Some(m) => {
                    let source = sets
                        .iter()
                        .find(|s| &s.label == src)
                        .ok_or_else(|| Error(format!("no input set {src}")))?;
                    set.extends(source).map_err(Error)?;
                    warm = m.weights.as_ref().map(|w| (src.as_str(), w));
                }
                None => skipped.push(format!(
                    "warm start of {} from {src}: {src} was not trained (the model starts from \
                     random weights)",
                    set.label
                )),
            }
        }
        let trained = models::run_model(
            &study,
            set,
            Mode::Density,
            &plan.train,
            &device,
            100 + i as u64,
            warm,
        )?;
        density.push(trained);
    }
    timed("density models", &mut stages);
    // 3. contrastive models
    let mut contrastive: Vec<ModelResult> = Vec::new();
    for (i, set) in contrastive_sets().iter().enumerate() {
        if let Err(why) = set.available(&study) {
            skipped.push(format!("contrastive model {}: {why}", set.label));
            continue;
        }
        eprintln!("training contrastive model {} ({}/5)", set.label, i + 1);
        contrastive.push(models::run_model(
            &study,
            set,
            Mode::Contrastive,
            &plan.train,
            &device,
            200 + i as u64,
            None,
        )?);
    }

    timed("contrastive models", &mut stages);
    // 4. local tests in S
    let pb = stage("latent-space local tests");
    let queries: Vec<&str> = ["Sersic_n_r", "petroR50_r", "expAB_r"]
        .into_iter()
        .filter(|q| study.has(q))
        .collect();
    let mut local = Vec::new();
    if study.has("z") && !queries.is_empty() {
        for m in &contrastive {
            local.extend(causal::local_tests(
                &study,
                &m.label,
                &m.s,
                &queries,
                "z",
                causal::LocalSettings {
                    k: plan.local_k,
                    k_max: plan.local_k_max,
                    seed: args.seed,
                },
            )?);
        }
    } else {
        skipped.push("local tests: the sample lacks z or the morphology columns".into());
    }
    pb.finish_with_message("local tests done");
    timed("local tests", &mut stages);

    // 5. decomposition per case
    let pb = stage("information decomposition");
    let bins = Bins::paper();
    let mut cases = Vec::new();
    for case in CASES {
        let have = [case.1, case.2, case.3]
            .iter()
            .all(|l| density.iter().any(|m| &m.label == l));
        if !have {
            skipped.push(format!("decomposition case {}: a model is missing", case.0));
            continue;
        }
        cases.push(info::decompose_case(
            &study,
            &density,
            case,
            bins,
            args.seed,
            plan.bootstrap,
        )?);
    }
    pb.finish_with_message("decomposition done");
    timed("decomposition", &mut stages);

    // 5b. band separation (--full)
    let (band_runs, band_models) = if args.full {
        bands::run(
            &study,
            &density,
            &bands::BandSettings {
                plan: &plan.train,
                device: &device,
                bins,
                seed: args.seed,
                bootstrap: plan.bootstrap,
            },
            &mut skipped,
        )?
    } else {
        (Vec::new(), Vec::new())
    };

    if args.full {
        timed("band separation (--full)", &mut stages);
    }
    // 6. model-free cross-check (S of the contrastive image model stands in for images)
    let pb = stage("model-free cross-check");
    let s_img = contrastive.iter().find(|m| m.label == "Iopt");
    let mut checks = Vec::new();
    for c in &cases {
        let feats = |label: &str| -> Option<info::Features<'_>> {
            match density_sets().into_iter().find(|s| s.label == label) {
                Some(set) if set.images.is_none() => Some(info::Features::Columns(set.columns())),
                Some(_) => s_img.map(|m| info::Features::Latent(&m.s, m.label.clone())),
                None => None,
            }
        };
        if let (Some(f1), Some(f2)) = (feats(&c.x1), feats(&c.x2)) {
            for est in [Estimator::Gcmi, Estimator::Ksg1] {
                match info::cross_check(&study, c, &f1, &f2, est, args.seed) {
                    Ok(r) => checks.push(r),
                    Err(e) => skipped.push(format!(
                        "model-free cross-check of case {} with {}: {e}",
                        c.case,
                        est.name()
                    )),
                }
            }
        }
    }
    pb.finish_with_message("cross-check done");
    timed("model-free cross-check", &mut stages);

    // 7. causal discovery (against the truth when the sample has one)
    let pb = stage("PC and FCI over the catalog's nodes");
    let disc = causal::discovery(
        &study,
        truth_dag.as_ref(),
        is_mock.then_some((plan.n_unselected, args.seed.wrapping_add(7))),
        s_img.map(|m| &m.s),
        plan.alpha,
        &mut skipped,
    )?;
    pb.finish_with_message("PC and FCI done");
    timed("PC and FCI", &mut stages);

    // 8. report
    let pb = stage("writing the report");
    let out = report::Outputs {
        args: format!("{:?}", std::env::args().skip(1).collect::<Vec<_>>()),
        plan: plan.clone(),
        source: study.source.clone(),
        n_galaxies: study.len(),
        splits: [
            study.splits.train.len(),
            study.splits.validation.len(),
            study.splits.test.len(),
        ],
        density,
        contrastive,
        local,
        cases,
        bands: band_runs,
        band_models,
        checks,
        pc_unselected: disc.unselected,
        pc_selected: disc.selected,
        pc_with_s: disc.with_s,
        fci_unselected: disc.fci_unselected,
        truth: truth_dag.as_ref().map(causal::truth_table),
        skipped,
        seconds: started.elapsed().as_secs_f64(),
        stages,
    };
    report::write(
        &args.out,
        &study,
        disc.truth.as_ref(),
        disc.truth_pag.as_ref(),
        &out,
    )?;
    pb.finish_with_message(format!(
        "report written to {} ({:.0} s in all)",
        args.out.display(),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}
