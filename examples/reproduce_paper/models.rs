//! The study's input sets and models (METHOD.md section 2): which columns or images each model reads,
//! training (density and contrastive) and prediction on every galaxy.

use galaxy_estimator::candle_core::Device;
use galaxy_estimator::config::{InputSpec, Mode, ModelConfig, Preset, TrainConfig};
use galaxy_estimator::data::{Inputs, Splits};
use galaxy_estimator::infer::{PredictOptions, predict};
use galaxy_estimator::metrics::{PointMetrics, crps, point_metrics};
use galaxy_estimator::train::{TrainOptions, WarmStart, train};
use ndarray::{Array1, Array2, Axis};
use serde::Serialize;

use crate::data::{BANDS, Study, anyhow_like::Error, anyhow_like::Result};

/// Which image cube a model reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ImageKind {
    /// Raw images (nanomaggies).
    Raw,
    /// Flux-normalised images.
    Normalised,
}

/// A model's inputs: images or tabular main input, plus additional columns.
#[derive(Clone, Debug, Serialize)]
pub struct InputSet {
    /// Label (e.g. `Mopt`, `IoptMir`).
    pub label: String,
    /// Images read as the main input, if any.
    pub images: Option<ImageKind>,
    /// The image bands read (indices into u g r i z); `None` reads all five.
    pub bands: Option<Vec<usize>>,
    /// Tabular main-input columns (empty for image models).
    pub main: Vec<String>,
    /// Additional-input columns.
    pub additional: Vec<String>,
    /// Label of the density model this one starts from (warm start): a model of the same main
    /// input whose additional columns are the leading ones of this set's.
    pub warm_from: Option<String>,
}

fn cols(prefix: &str) -> Vec<String> {
    BANDS.iter().map(|b| format!("{prefix}{b}")).collect()
}

fn v(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn cat(parts: &[Vec<String>]) -> Vec<String> {
    parts.concat()
}

pub fn mags() -> Vec<String> {
    cols("petroMag_")
}
pub fn mag_errs() -> Vec<String> {
    cols("petroMagErr_")
}
pub fn mir() -> Vec<String> {
    v(&["w1mpro", "w2mpro", "w3mpro", "w1sigmpro", "w2sigmpro"])
}
pub fn morph() -> Vec<String> {
    let mut out = Vec::new();
    for b in BANDS {
        for p in ["Sersic_n_", "expAB_", "petroR50_", "petroR90_"] {
            out.push(format!("{p}{b}"));
        }
    }
    out
}
pub fn ebv() -> Vec<String> {
    v(&["EBV"])
}
fn z() -> Vec<String> {
    v(&["z"])
}

pub fn tab(label: &str, main: Vec<String>, additional: Vec<String>) -> InputSet {
    InputSet {
        label: label.into(),
        images: None,
        bands: None,
        main,
        additional,
        warm_from: None,
    }
}

pub fn img(label: &str, kind: ImageKind, additional: Vec<String>) -> InputSet {
    InputSet {
        label: label.into(),
        images: Some(kind),
        bands: None,
        main: vec![],
        additional,
        warm_from: None,
    }
}

/// The density models of the five decomposition cases, by label.
pub fn density_sets() -> Vec<InputSet> {
    vec![
        tab("Mopt", mags(), cat(&[ebv(), mag_errs()])),
        img("Inorm", ImageKind::Normalised, ebv()),
        img(
            "Inorm+Mopt",
            ImageKind::Normalised,
            cat(&[ebv(), mags(), mag_errs()]),
        )
        .warm_from("Inorm"),
        tab("Morph", morph(), ebv()),
        tab(
            "Mopt+Morph",
            cat(&[mags(), morph()]),
            cat(&[ebv(), mag_errs()]),
        ),
        tab("Mir", mir(), ebv()),
        tab(
            "Mopt+Mir",
            cat(&[mags(), mir()[..3].to_vec()]),
            cat(&[ebv(), mag_errs(), mir()[3..].to_vec()]),
        ),
        img("Iopt", ImageKind::Raw, ebv()),
        img("IoptMir", ImageKind::Raw, cat(&[ebv(), mir()])).warm_from("Iopt"),
        tab("Zspec", z(), ebv()),
        img("IoptMirZspec", ImageKind::Raw, cat(&[ebv(), mir(), z()])).warm_from("IoptMir"),
    ]
}

/// The five decomposition cases: (name, X1 label, X2 label, union label).
pub const CASES: [(&str, &str, &str, &str); 5] = [
    (
        "1: Mopt | images (normalised)",
        "Mopt",
        "Inorm",
        "Inorm+Mopt",
    ),
    ("2: Mopt | Morph", "Mopt", "Morph", "Mopt+Morph"),
    ("3: Mopt | Mir", "Mopt", "Mir", "Mopt+Mir"),
    ("4: Iopt | Mir", "Iopt", "Mir", "IoptMir"),
    ("5: IoptMir | Zspec", "IoptMir", "Zspec", "IoptMirZspec"),
];

/// The five input sets of the causal analysis (contrastive models).
pub fn contrastive_sets() -> Vec<InputSet> {
    vec![
        tab("Mopt", mags(), cat(&[ebv(), mag_errs()])),
        tab(
            "MoptMir",
            cat(&[mags(), mir()[..3].to_vec()]),
            cat(&[ebv(), mag_errs(), mir()[3..].to_vec()]),
        ),
        img("Iopt", ImageKind::Raw, ebv()),
        img("IoptMir", ImageKind::Raw, cat(&[ebv(), mir()])),
        img("IoptMirZspec", ImageKind::Raw, cat(&[ebv(), z(), mir()])),
    ]
}

impl InputSet {
    /// Starts this model from the trained density model `label` (see [`InputSet::warm_from`]).
    pub fn warm_from(mut self, label: &str) -> Self {
        self.warm_from = Some(label.to_string());
        self
    }

    /// Whether a model of `source` can warm-start one of this set: the same main input, and
    /// the source's additional columns leading this set's, in order.
    pub fn extends(&self, source: &InputSet) -> std::result::Result<(), String> {
        let same_main =
            self.images == source.images && self.bands == source.bands && self.main == source.main;
        let prefix = source.additional.len() <= self.additional.len()
            && self.additional[..source.additional.len()] == source.additional[..];
        if same_main && prefix {
            Ok(())
        } else {
            Err(format!(
                "{} cannot start from {}: it needs the same main input and {}'s additional \
                 columns ({}) first among its own ({})",
                self.label,
                source.label,
                source.label,
                source.additional.join(", "),
                self.additional.join(", ")
            ))
        }
    }

    /// Every column the set reads.
    pub fn columns(&self) -> Vec<String> {
        cat(&[self.main.clone(), self.additional.clone()])
    }

    /// Whether the study has what this set needs (the reason when not).
    pub fn available(&self, study: &Study) -> std::result::Result<(), String> {
        if !study.has("lgm_tot_p50") {
            return Err("the sample has no stellar-mass target lgm_tot_p50".into());
        }
        if let Some(b) = &self.bands
            && b.iter().any(|&k| k >= BANDS.len())
        {
            return Err(format!(
                "{} reads a band index outside u g r i z",
                self.label
            ));
        }
        if self.images.is_some()
            && study
                .images
                .as_ref()
                .is_some_and(|x| x.dim().1 != BANDS.len())
        {
            return Err(format!(
                "{} needs ugriz images; the sample's stamps have another band count",
                self.label
            ));
        }
        if let Some(kind) = self.images {
            let ok = match kind {
                ImageKind::Raw => study.images.is_some(),
                ImageKind::Normalised => study.images_norm.is_some(),
            };
            if !ok {
                return Err(format!(
                    "{} needs {:?} images, which the sample lacks",
                    self.label, kind
                ));
            }
        }
        let missing: Vec<String> = self
            .columns()
            .into_iter()
            .filter(|c| !study.has(c))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} needs columns {}",
                self.label,
                missing.join(", ")
            ))
        }
    }
}

/// Settings of the training runs.
#[derive(Clone, Debug, Serialize)]
pub struct TrainPlan {
    /// Network preset.
    pub preset: String,
    /// Density-model steps, photometry MLPs.
    pub density_steps_mlp: usize,
    /// Density-model steps, image CNNs.
    pub density_steps_cnn: usize,
    /// Contrastive-model steps, photometry MLPs.
    pub contrastive_steps_mlp: usize,
    /// Contrastive-model steps, image CNNs.
    pub contrastive_steps_cnn: usize,
    /// Batch size of the image density models (the photometry models use the preset's 128).
    pub density_batch_cnn: usize,
    /// Learning rate (divided by 5 at two thirds of each run).
    pub learning_rate: f64,
    /// Standardise catalog inputs (main and additional) with the training rows' mean and standard
    /// deviation; the study feeds them raw, which needs far more steps than a CPU run has.
    pub standardise: bool,
    /// Validation passes per run, and whether to keep the weights of the best one (early
    /// stopping by selection) instead of the last step's.
    pub validations: usize,
    /// Keep the best validation pass's weights.
    pub keep_best: bool,
    /// Start union models from the trained model they extend (`InputSet::warm_from`).
    pub warm_start: bool,
    /// Base seed.
    pub seed: u64,
}

/// What a trained model gives the analyses.
#[derive(Clone, Debug, Serialize)]
pub struct ModelResult {
    /// Input-set label.
    pub label: String,
    /// Density or contrastive.
    pub mode: String,
    /// Rows the model was applied to (complete inputs and target); others are NaN below.
    pub n_used: usize,
    /// Steps trained.
    pub steps: usize,
    /// The step whose weights were kept (best validation cross-entropy), when selecting.
    pub best_step: Option<usize>,
    /// Training wall-clock seconds.
    pub seconds: f64,
    /// Point metrics of the mean estimate on the test split.
    pub test_metrics: Option<PointMetrics>,
    /// CRPS on the test split (dex).
    pub test_crps: Option<f64>,
    /// Per-galaxy cross-entropy of the true bin (nats); NaN where not applied.
    #[serde(skip)]
    pub ce: Array1<f64>,
    /// Per-galaxy mean estimate (dex); NaN where not applied.
    #[serde(skip)]
    pub mean: Array1<f64>,
    /// Per-galaxy latent S; NaN rows where not applied.
    #[serde(skip)]
    pub s: Array2<f64>,
    /// The model it started from (warm start), if any.
    pub warm_from: Option<String>,
    /// The trained weights (to warm-start the models that extend this one).
    #[serde(skip)]
    pub weights: Option<WarmStart>,
}

/// Centres and scales each column by the mean and standard deviation of the training rows
/// (a constant column is only centred).
fn standardise(m: &mut Array2<f64>, train: &[usize]) {
    for mut c in m.columns_mut() {
        let n = train.len().max(1) as f64;
        let mu = train.iter().map(|&i| c[i]).sum::<f64>() / n;
        let var = train.iter().map(|&i| (c[i] - mu).powi(2)).sum::<f64>() / n;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        c.mapv_inplace(|v| (v - mu) / sd);
    }
}

fn restrict(rows: &[usize], keep: &[bool], map: &[usize]) -> Vec<usize> {
    rows.iter().filter(|&&r| keep[r]).map(|&r| map[r]).collect()
}

/// Trains one model on the study and predicts every galaxy with complete inputs.
pub fn run_model(
    study: &Study,
    set: &InputSet,
    mode: Mode,
    plan: &TrainPlan,
    device: &Device,
    seed_offset: u64,
    warm: Option<(&str, &WarmStart)>,
) -> Result<ModelResult> {
    let target_name = "lgm_tot_p50".to_string();
    let mut needed = set.columns();
    needed.push(target_name.clone());
    let keep = study.complete_rows(&needed)?;
    let rows: Vec<usize> = (0..study.len()).filter(|&i| keep[i]).collect();
    if rows.len() < 50 {
        return Err(Error(format!(
            "{}: only {} galaxies have complete inputs",
            set.label,
            rows.len()
        )));
    }
    // position of each kept row in the compacted arrays
    let mut map = vec![usize::MAX; study.len()];
    for (k, &r) in rows.iter().enumerate() {
        map[r] = k;
    }
    let splits = Splits {
        train: restrict(&study.splits.train, &keep, &map),
        validation: restrict(&study.splits.validation, &keep, &map),
        test: restrict(&study.splits.test, &keep, &map),
    };
    let y_all = study.col(&target_name)?;
    let y: Array1<f64> = rows.iter().map(|&r| y_all[r]).collect();
    let to_f32 = |names: &[String]| -> Result<Array2<f32>> {
        let mut m = study.matrix(names)?.select(Axis(0), &rows);
        if plan.standardise {
            standardise(&mut m, &splits.train);
        }
        Ok(m.mapv(|v| v as f32))
    };
    let additional = if set.additional.is_empty() {
        None
    } else {
        Some(to_f32(&set.additional)?)
    };
    let images_owned;
    let tab_owned;
    let mut inputs = match set.images {
        Some(kind) => {
            let cube = match kind {
                ImageKind::Raw => study.images.as_ref(),
                ImageKind::Normalised => study.images_norm.as_ref(),
            }
            .ok_or_else(|| Error(format!("{}: images missing", set.label)))?;
            images_owned = match &set.bands {
                Some(b) => cube.select(Axis(0), &rows).select(Axis(1), b),
                None => cube.select(Axis(0), &rows),
            };
            Inputs::images(images_owned.view())
        }
        None => {
            tab_owned = to_f32(&set.main)?;
            Inputs::tabular(tab_owned.view())
        }
    };
    if let Some(a) = additional.as_ref() {
        inputs = inputs.with_additional(a.view());
    }
    let preset: Preset = plan
        .preset
        .parse()
        .map_err(|e: galaxy_estimator::EstimatorError| Error(e.to_string()))?;
    let spec: InputSpec = inputs.spec();
    let images = spec.is_images();
    let model = ModelConfig::preset(preset, spec, inputs.n_additional(), mode);
    let mut tc = TrainConfig::preset(preset, mode, images);
    if images && mode == Mode::Density {
        tc.batch_size = plan.density_batch_cnn;
    }
    tc.learning_rate = plan.learning_rate;
    tc.steps = match (mode, images) {
        (Mode::Density, false) => plan.density_steps_mlp,
        (Mode::Density, true) => plan.density_steps_cnn,
        (Mode::Contrastive, false) => plan.contrastive_steps_mlp,
        (Mode::Contrastive, true) => plan.contrastive_steps_cnn,
    };
    // keep the study's decay at two thirds of the run, as 60 000 of 180 000
    tc.lr_decay_steps = vec![tc.steps * 2 / 3];
    tc.seed = plan.seed.wrapping_add(seed_offset);
    tc.validate_every = if plan.validations > 0 && !splits.validation.is_empty() {
        (tc.steps / plan.validations).max(1)
    } else {
        0
    };
    tc.keep_best = plan.keep_best && tc.validate_every > 0;
    tc.progress = true;
    let trained = train(
        &model,
        &tc,
        &inputs,
        y.view(),
        &splits,
        &TrainOptions {
            device: device.clone(),
            warm_start: warm.map(|w| w.1.clone()),
            ..TrainOptions::default()
        },
    )?;
    let pred = predict(
        &trained.network,
        &inputs,
        Some(y.view()),
        &PredictOptions::default(),
    )?;
    let n = study.len();
    let mut ce = Array1::from_elem(n, f64::NAN);
    let mut mean = Array1::from_elem(n, f64::NAN);
    let mut s = Array2::from_elem((n, pred.s.ncols()), f64::NAN);
    let pce = pred
        .ce
        .as_ref()
        .ok_or_else(|| Error("prediction without cross-entropy".into()))?;
    for (k, &r) in rows.iter().enumerate() {
        ce[r] = pce[k];
        mean[r] = pred.mean[k];
        for j in 0..pred.s.ncols() {
            s[[r, j]] = pred.s[[k, j]] as f64;
        }
    }
    let (test_metrics, test_crps) = if splits.test.len() >= 5 {
        let est: Array1<f64> = splits.test.iter().map(|&k| pred.mean[k]).collect();
        let tru: Array1<f64> = splits.test.iter().map(|&k| y[k]).collect();
        let m = point_metrics(est.view(), tru.view())?;
        let c = match pred.prob.as_ref() {
            Some(p) => Some(crps(
                p.select(Axis(0), &splits.test).view(),
                tru.view(),
                &model.bins,
            )?),
            None => None,
        };
        (Some(m), c)
    } else {
        (None, None)
    };
    Ok(ModelResult {
        label: set.label.clone(),
        mode: format!("{mode:?}").to_lowercase(),
        n_used: rows.len(),
        steps: trained.report.steps,
        best_step: trained.report.best.map(|b| b.0),
        seconds: trained.report.seconds,
        test_metrics,
        test_crps,
        ce,
        mean,
        s,
        warm_from: warm.map(|w| w.0.to_string()),
        weights: Some(WarmStart::from_network(&trained.network)?),
    })
}
