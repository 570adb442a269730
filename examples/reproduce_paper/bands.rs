//! The band-separation experiments (METHOD.md section 2; run with `--full`): which bands carry
//! redundant, unique or synergistic information about M*. Each experiment is a decomposition case
//! <X1, X2> whose union is all the bands of its kind:
//! - single-band images vs the other four bands (5 runs), adjacent band pairs (ug, gr, ri, iz) vs the
//!   other three (4 runs); raw images with EBV, the union is the image model `Iopt`;
//! - single-band magnitudes among u g r i z W1 W2 W3 vs the other seven (8 runs, each band with its
//!   own error, W3 without), adjacent magnitude pairs (ug ... W2W3) vs the other six (7 runs); EBV
//!   is an additional input of every model.

use galaxy_estimator::candle_core::Device;
use galaxy_estimator::config::Mode;
use info_decomp::network::Bins;
use serde::Serialize;

use crate::data::{BANDS, Study, anyhow_like::Result};
use crate::info::{CaseResult, decompose_case};
use crate::models::{ImageKind, InputSet, ModelResult, TrainPlan, ebv, img, run_model, tab};

/// One band-separation experiment's decomposition.
#[derive(Clone, Debug, Serialize)]
pub struct BandExperiment {
    /// The experiment family (e.g. `single-band images`).
    pub group: String,
    /// The decomposition of X1 = the named bands vs X2 = the rest.
    pub case: CaseResult,
}

/// The eight magnitude bands: name, magnitude column, error column (W3 has none).
const MAG_BANDS: [(&str, &str, Option<&str>); 8] = [
    ("u", "petroMag_u", Some("petroMagErr_u")),
    ("g", "petroMag_g", Some("petroMagErr_g")),
    ("r", "petroMag_r", Some("petroMagErr_r")),
    ("i", "petroMag_i", Some("petroMagErr_i")),
    ("z", "petroMag_z", Some("petroMagErr_z")),
    ("W1", "w1mpro", Some("w1sigmpro")),
    ("W2", "w2mpro", Some("w2sigmpro")),
    ("W3", "w3mpro", None),
];

/// Raw images of the given bands with EBV; all five bands is the study's `Iopt`.
fn image_set(bands: &[usize]) -> InputSet {
    if bands.len() == BANDS.len() {
        return img("Iopt", ImageKind::Raw, ebv());
    }
    let name: String = bands.iter().map(|&b| BANDS[b]).collect();
    let mut set = img(&format!("I[{name}]"), ImageKind::Raw, ebv());
    set.bands = Some(bands.to_vec());
    set
}

/// Magnitudes of the given bands, with their errors and EBV as additional inputs.
fn mag_set(bands: &[usize]) -> InputSet {
    let name: String = bands.iter().map(|&b| MAG_BANDS[b].0).collect();
    let main = bands.iter().map(|&b| MAG_BANDS[b].1.to_string()).collect();
    let mut additional = ebv();
    additional.extend(
        bands
            .iter()
            .filter_map(|&b| MAG_BANDS[b].2.map(str::to_string)),
    );
    tab(&format!("M[{name}]"), main, additional)
}

fn complement(n: usize, take: &[usize]) -> Vec<usize> {
    (0..n).filter(|b| !take.contains(b)).collect()
}

/// Every experiment: (group, X1, X2, union). Singles take one band, pairs two adjacent bands; X2 is
/// the rest of the bands of the same kind.
pub fn experiments() -> Vec<(&'static str, InputSet, InputSet, InputSet)> {
    let mut out = Vec::new();
    type Make = fn(&[usize]) -> InputSet;
    let kinds: [(&str, &str, usize, Make); 2] = [
        (
            "single-band images",
            "band-pair images",
            BANDS.len(),
            image_set,
        ),
        (
            "single-band magnitudes",
            "magnitude pairs",
            MAG_BANDS.len(),
            mag_set,
        ),
    ];
    for (single, pair, n, make) in kinds {
        let all: Vec<usize> = (0..n).collect();
        for width in [1, 2] {
            for b in 0..=n - width {
                let take: Vec<usize> = (b..b + width).collect();
                out.push((
                    if width == 1 { single } else { pair },
                    make(&take),
                    make(&complement(n, &take)),
                    make(&all),
                ));
            }
        }
    }
    out
}

/// Everything `run` needs besides the study.
pub struct BandSettings<'a> {
    pub plan: &'a TrainPlan,
    pub device: &'a Device,
    pub bins: Bins,
    pub seed: u64,
    pub bootstrap: usize,
}

/// Trains the models the experiments need (reusing `trained` density models with the same label,
/// such as `Iopt`) and decomposes each experiment. An experiment whose inputs the sample lacks is
/// listed in `skipped` with the reason.
pub fn run(
    study: &Study,
    trained: &[ModelResult],
    s: &BandSettings<'_>,
    skipped: &mut Vec<String>,
) -> Result<(Vec<BandExperiment>, Vec<ModelResult>)> {
    let exps = experiments();
    let mut pool: Vec<ModelResult> = Vec::new();
    // models trained here so far (the rest of `pool` are clones of `trained`)
    let mut k = 0u64;
    let mut out = Vec::new();
    let n_models = {
        let mut labels: Vec<&str> = exps
            .iter()
            .flat_map(|(_, a, b, u)| [a.label.as_str(), b.label.as_str(), u.label.as_str()])
            .filter(|l| !trained.iter().any(|m| m.label == *l))
            .collect();
        labels.sort_unstable();
        labels.dedup();
        labels.len()
    };
    for (group, x1, x2, union) in &exps {
        let name = format!("{} | {}", x1.label, x2.label);
        let mut ok = true;
        for set in [x1, x2, union] {
            if pool.iter().any(|m| m.label == set.label) {
                continue;
            }
            if let Some(m) = trained.iter().find(|m| m.label == set.label) {
                pool.push(m.clone());
                continue;
            }
            if let Err(why) = set.available(study) {
                skipped.push(format!("band separation {name}: {why}"));
                ok = false;
                break;
            }
            eprintln!(
                "training band-separation model {} ({}/{n_models})",
                set.label,
                k + 1
            );
            pool.push(run_model(
                study,
                set,
                Mode::Density,
                s.plan,
                s.device,
                300 + k,
                None,
            )?);
            k += 1;
        }
        if !ok {
            continue;
        }
        let case = decompose_case(
            study,
            &pool,
            (&name, &x1.label, &x2.label, &union.label),
            s.bins,
            s.seed,
            s.bootstrap,
        )?;
        out.push(BandExperiment {
            group: group.to_string(),
            case,
        });
    }
    let new_models = pool
        .into_iter()
        .filter(|m| !trained.iter().any(|t| t.label == m.label))
        .collect();
    Ok((out, new_models))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_experiments_are_the_methods_twenty_four() {
        let e = experiments();
        let count = |g: &str| e.iter().filter(|x| x.0 == g).count();
        assert_eq!(count("single-band images"), 5);
        assert_eq!(count("band-pair images"), 4);
        assert_eq!(count("single-band magnitudes"), 8);
        assert_eq!(count("magnitude pairs"), 7);
        // X1 and X2 split the union's bands
        for (_, a, b, u) in &e {
            let mut cols = a.columns();
            cols.extend(b.columns());
            cols.sort();
            cols.dedup();
            let mut uc = u.columns();
            uc.sort();
            assert_eq!(cols, uc, "{} | {}", a.label, b.label);
            if let (Some(ba), Some(bb)) = (&a.bands, &b.bands) {
                assert_eq!(ba.len() + bb.len(), BANDS.len());
            }
        }
        // W3 has no error column; the others bring their own
        let w3 = mag_set(&[7]);
        assert_eq!(w3.main, vec!["w3mpro".to_string()]);
        assert_eq!(w3.additional, ebv());
        assert_eq!(
            mag_set(&[0, 1]).additional,
            vec!["EBV", "petroMagErr_u", "petroMagErr_g"]
        );
        assert_eq!(image_set(&[0, 1, 2, 3, 4]).label, "Iopt");
        assert_eq!(image_set(&[1, 2]).label, "I[gr]");
    }
}
