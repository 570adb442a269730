//! The information decomposition of the study (METHOD.md section 6) and its model-free cross-check
//! (section 7).

use info_decomp::aggregate::{BinSummary, GroupSummary};
use info_decomp::aggregate::{Bootstrap, by_bins, by_group};
use info_decomp::mi::copula::copnorm;
use info_decomp::mi::{Estimator, MiParams};
use info_decomp::network::{Bins, NetworkParams};
use info_decomp::pid::{Atoms, LocalAtoms};
use ndarray::{Array2, Axis};
use serde::Serialize;

use crate::data::{Study, anyhow_like::Error, anyhow_like::Result};
use crate::models::ModelResult;

/// One case's decomposition.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    pub case: String,
    pub x1: String,
    pub x2: String,
    pub union: String,
    /// Galaxies in the case (all three models applied).
    pub n: usize,
    /// Mean atoms on the test split.
    pub test_atoms: Atoms,
    /// Mean atoms per class on the test split (with bootstrap intervals).
    pub per_class: Vec<GroupSummary>,
    /// Test-split means in bins of log M*.
    pub by_mass: Vec<BinSummary>,
    /// Test-split means in bins of r magnitude.
    pub by_rmag: Vec<BinSummary>,
    #[serde(skip)]
    pub local: LocalAtoms,
    /// Rows of the study in the order of `local`.
    #[serde(skip)]
    pub rows: Vec<usize>,
}

fn find<'a>(models: &'a [ModelResult], label: &str) -> Result<&'a ModelResult> {
    models
        .iter()
        .find(|m| m.label == label)
        .ok_or_else(|| Error(format!("no trained model {label}")))
}

/// Decomposes one case from the three models' cross-entropies.
pub fn decompose_case(
    study: &Study,
    models: &[ModelResult],
    case: (&str, &str, &str, &str),
    bins: Bins,
    seed: u64,
    bootstrap: usize,
) -> Result<CaseResult> {
    let (name, l1, l2, l12) = case;
    let (m1, m2, m12) = (find(models, l1)?, find(models, l2)?, find(models, l12)?);
    let y_all = study.col("lgm_tot_p50")?;
    let rows: Vec<usize> = (0..study.len())
        .filter(|&i| {
            m1.ce[i].is_finite()
                && m2.ce[i].is_finite()
                && m12.ce[i].is_finite()
                && y_all[i].is_finite()
        })
        .collect();
    let pick = |v: &ndarray::Array1<f64>| -> Vec<f64> { rows.iter().map(|&r| v[r]).collect() };
    let y = pick(y_all);
    let dec = NetworkParams::new().bins(bins).check()?.decompose(
        &y,
        &pick(&m1.ce),
        &pick(&m2.ce),
        &pick(&m12.ce),
    )?;
    let test: Vec<bool> = rows
        .iter()
        .map(|r| study.splits.test.binary_search(r).is_ok())
        .collect();
    let classes: Vec<&str> = rows.iter().map(|&r| study.classes[r].as_str()).collect();
    let boot = Bootstrap::new(bootstrap, 0.68, seed)?;
    let per_class = by_group(&dec.local, &classes, Some(&test), Some(&boot))?;
    let all_test = by_group(&dec.local, &vec!["all"; rows.len()], Some(&test), None)?;
    let test_atoms = all_test
        .first()
        .map(|g| g.summary.mean)
        .ok_or_else(|| Error(format!("case {name}: the test split is empty")))?;
    let mass_bins = Bins::new(9.0, 12.0, 12)?;
    let by_mass = by_bins(&dec.local, &y, &mass_bins, Some(&test), 10, None)?;
    let by_rmag = if study.has("petroMag_r") {
        let r = pick(study.col("petroMag_r")?);
        let ok: Vec<bool> = test
            .iter()
            .zip(&r)
            .map(|(t, v)| *t && v.is_finite())
            .collect();
        let r_clean: Vec<f64> = r
            .iter()
            .map(|v| if v.is_finite() { *v } else { 0.0 })
            .collect();
        by_bins(
            &dec.local,
            &r_clean,
            &Bins::new(13.0, 18.0, 10)?,
            Some(&ok),
            10,
            None,
        )?
    } else {
        vec![]
    };
    Ok(CaseResult {
        case: name.into(),
        x1: l1.into(),
        x2: l2.into(),
        union: l12.into(),
        n: rows.len(),
        test_atoms,
        per_class,
        by_mass,
        by_rmag,
        local: dec.local,
        rows,
    })
}

/// Model-free estimates of I(Y; X1), I(Y; X2), I(Y; X1 X2) for one case, on the test split.
#[derive(Clone, Debug, Serialize)]
pub struct CrossCheck {
    pub case: String,
    pub estimator: String,
    pub n: usize,
    /// Model-free I(Y; X1), I(Y; X2), I(Y; X1 X2), nats.
    pub model_free: [f64; 3],
    /// The networks' mean local MIs on the same galaxies, nats (variational lower bounds).
    pub network: [f64; 3],
    /// Features used for X1 and X2 (S of a contrastive model stands in for images).
    pub x1_features: String,
    pub x2_features: String,
}

/// Features of an input for the model-free estimators: catalog columns, or the contrastive S of
/// the image model when the input holds images.
pub enum Features<'a> {
    Columns(Vec<String>),
    Latent(&'a Array2<f64>, String),
}

impl Features<'_> {
    fn describe(&self) -> String {
        match self {
            Features::Columns(c) => c.join(","),
            Features::Latent(s, m) => format!("S of {m} ({} dims)", s.ncols()),
        }
    }
    /// The feature matrix, without columns that repeat an earlier one exactly (the mock's
    /// per-band structural parameters can coincide, which would make covariances singular).
    fn matrix(&self, study: &Study) -> Result<Array2<f64>> {
        let m = match self {
            Features::Columns(c) => study.matrix(c)?,
            Features::Latent(s, _) => (*s).clone(),
        };
        let keep: Vec<usize> = (0..m.ncols())
            .filter(|&j| (0..j).all(|i| m.column(i) != m.column(j)))
            .collect();
        Ok(m.select(Axis(1), &keep))
    }
}

/// Gaussian-copula (and KSG) MI between the target and each input of a case, on the case's test
/// galaxies, next to the networks' mean local MIs.
pub fn cross_check(
    study: &Study,
    case: &CaseResult,
    f1: &Features<'_>,
    f2: &Features<'_>,
    estimator: Estimator,
    seed: u64,
) -> Result<CrossCheck> {
    let x1 = f1.matrix(study)?;
    let x2 = f2.matrix(study)?;
    let y = study.matrix(&["lgm_tot_p50".to_string()])?;
    // test galaxies of the case with finite features
    let rows: Vec<(usize, usize)> = case
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| study.splits.test.binary_search(r).is_ok())
        .filter(|(_, r)| {
            x1.row(**r)
                .iter()
                .chain(x2.row(**r).iter())
                .all(|v| v.is_finite())
        })
        .map(|(k, &r)| (k, r))
        .collect();
    if rows.len() < 20 {
        return Err(Error(format!(
            "case {}: only {} test galaxies for the cross-check",
            case.case,
            rows.len()
        )));
    }
    let idx: Vec<usize> = rows.iter().map(|p| p.1).collect();
    let x1s = x1.select(Axis(0), &idx);
    let x2s = x2.select(Axis(0), &idx);
    let x12 = ndarray::concatenate(Axis(1), &[x1s.view(), x2s.view()])
        .map_err(|e| Error(e.to_string()))?;
    let ys = y.select(Axis(0), &idx);
    // The Gaussian copula sees only normal scores of ranks: a column whose scores are a linear
    // function of the others' (e.g. the mock's magnitude errors, monotone in flux) makes the
    // covariance singular and carries no further copula information, so it is left out.
    let (x1s, x2s, x12) = if estimator == Estimator::Gcmi {
        let pick = |m: Array2<f64>| {
            let keep = copula_independent_columns(&m);
            m.select(Axis(1), &keep)
        };
        (pick(x1s), pick(x2s), pick(x12))
    } else {
        (x1s, x2s, x12)
    };
    let est = MiParams::new(estimator).k(3).seed(seed).check()?;
    let a = est.mi(x1s.view(), ys.view())?.mi;
    let b = est.mi(x2s.view(), ys.view())?.mi;
    let c = est.mi(x12.view(), ys.view())?.mi;
    let mean_of = |v: &[f64]| rows.iter().map(|p| v[p.0]).sum::<f64>() / rows.len() as f64;
    Ok(CrossCheck {
        case: case.case.clone(),
        estimator: estimator.name().into(),
        n: rows.len(),
        model_free: [a, b, c],
        network: [
            mean_of(&case.local.i1),
            mean_of(&case.local.i2),
            mean_of(&case.local.total),
        ],
        x1_features: f1.describe(),
        x2_features: f2.describe(),
    })
}

/// Columns of `m` whose copula normal scores (`copnorm`, what the Gaussian-copula estimator sees)
/// are linearly independent of the earlier kept columns' (greedy Gram-Schmidt on the centred
/// scores; relative residual variance above 1e-9).
fn copula_independent_columns(m: &Array2<f64>) -> Vec<usize> {
    let scores = copnorm(m.view());
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut basis: Vec<Vec<f64>> = Vec::new();
    let mut keep = Vec::new();
    for (j, col) in scores.columns().into_iter().enumerate() {
        let mean = col.mean().unwrap_or(0.0);
        let mut v: Vec<f64> = col.iter().map(|x| x - mean).collect();
        let norm0 = dot(&v, &v);
        if norm0 == 0.0 {
            continue;
        }
        for b in &basis {
            let c = dot(&v, b);
            v.iter_mut().zip(b).for_each(|(x, y)| *x -= c * y);
        }
        let norm = dot(&v, &v);
        if norm > 1e-9 * norm0 {
            let s = norm.sqrt();
            v.iter_mut().for_each(|x| *x /= s);
            basis.push(v);
            keep.push(j);
        }
    }
    keep
}
