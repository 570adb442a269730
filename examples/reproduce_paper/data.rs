//! The study's sample in memory: binned images, flux-normalised images, catalog columns (NaN for
//! missing), classes and splits; built from the mock survey or from a survey directory.

use std::collections::BTreeMap;

use galaxy_estimator::data::Splits;
use galaxy_io::mock::{GalaxyClass, MockCatalog, MockColumn, MockParams, MockSurvey};
use galaxy_io::preprocess::{BinMode, FluxNormParams, bin2x2};
use galaxy_io::survey::Survey;
use ndarray::{Array1, Array2, Array4};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

pub const BANDS: [&str; 5] = ["u", "g", "r", "i", "z"];

/// The sample the study runs on.
pub struct Study {
    /// Where the data came from (for the report).
    pub source: String,
    /// Raw images (nanomaggies per native pixel), galaxy x band x H x W, binned when asked.
    pub images: Option<Array4<f32>>,
    /// Flux-normalised images (METHOD.md section 1), same layout.
    pub images_norm: Option<Array4<f32>>,
    /// Catalog columns by name; NaN marks a missing value.
    pub columns: BTreeMap<String, Array1<f64>>,
    /// Class name per galaxy.
    pub classes: Vec<String>,
    /// Train / validation / test rows.
    pub splits: Splits,
}

impl Study {
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn has(&self, col: &str) -> bool {
        self.columns
            .get(col)
            .is_some_and(|c| c.iter().any(|v| v.is_finite()))
    }

    pub fn col(&self, name: &str) -> anyhow_like::Result<&Array1<f64>> {
        self.columns
            .get(name)
            .ok_or_else(|| anyhow_like::Error(format!("catalog has no column {name:?}")))
    }

    /// Columns as an N x k f64 matrix.
    pub fn matrix(&self, names: &[String]) -> anyhow_like::Result<Array2<f64>> {
        let cols: Vec<&Array1<f64>> = names
            .iter()
            .map(|n| self.col(n))
            .collect::<Result<_, _>>()?;
        Ok(Array2::from_shape_fn(
            (self.len(), names.len()),
            |(i, j)| cols[j][i],
        ))
    }

    /// Rows where every named column is finite.
    pub fn complete_rows(&self, names: &[String]) -> anyhow_like::Result<Vec<bool>> {
        let m = self.matrix(names)?;
        Ok(m.rows()
            .into_iter()
            .map(|r| r.iter().all(|v| v.is_finite()))
            .collect())
    }
}

/// Seeded 70 / 15 / 15 split of `n` rows.
pub fn random_splits(n: usize, seed: u64) -> Splits {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_5917));
    let n_train = n * 70 / 100;
    let n_val = n * 15 / 100;
    let mut train = idx[..n_train].to_vec();
    let mut validation = idx[n_train..n_train + n_val].to_vec();
    let mut test = idx[n_train + n_val..].to_vec();
    train.sort_unstable();
    validation.sort_unstable();
    test.sort_unstable();
    Splits {
        train,
        validation,
        test,
    }
}

/// Generates the mock survey and prepares it as the study's sample.
pub fn from_mock(n: usize, seed: u64, bin: usize) -> anyhow_like::Result<(Study, MockSurvey)> {
    let survey = MockParams::new(n)
        .seed(seed)
        .image_size(64)
        .check()?
        .generate()?;
    let study = study_from_parts(
        format!("mock survey: {n} galaxies after the r < 17.77 flux limit, seed {seed}"),
        &survey.images,
        survey
            .catalog
            .columns
            .iter()
            .map(|c| (c.name.clone(), Array1::from(c.values.clone())))
            .collect(),
        survey
            .catalog
            .classes()?
            .into_iter()
            .map(|c| c.name().to_string())
            .collect(),
        random_splits(n, seed),
        bin,
    )?;
    Ok((study, survey))
}

/// Builds a study from images (nanomaggies, galaxy x band x H x W), catalog columns, classes and
/// splits: bins the images `bin` x `bin` (1, 2, 4, ...) and flux-normalises them with the study's
/// percentiles. Raw images are block means, so that values keep the scale of the study's native
/// 0.396" pixels (nanomaggies per pixel), which the sign-log rescaling was designed for; normalised
/// images are block sums divided by the Petrosian flux, the fraction of the galaxy's light in each
/// (binned) pixel, so that a stamp sums to about 1 at any binning.
pub fn study_from_parts(
    source: String,
    images: &Array4<f32>,
    columns: BTreeMap<String, Array1<f64>>,
    classes: Vec<String>,
    splits: Splits,
    bin: usize,
) -> anyhow_like::Result<Study> {
    if !bin.is_power_of_two() {
        return Err(anyhow_like::Error(format!(
            "image binning factor {bin} is not a power of two"
        )));
    }
    let mut sums = images.clone();
    for _ in 0..bin.trailing_zeros() {
        sums = bin2x2(sums.view(), BinMode::Sum)?;
    }
    let pixels = (bin * bin) as f32;
    let mut study = Study {
        source,
        images: Some(sums.mapv(|v| v / pixels)),
        images_norm: None,
        columns,
        classes,
        splits,
    };
    let flux_names: Vec<String> = BANDS.iter().map(|b| format!("petroFlux_{b}")).collect();
    let n_bands = study.images.as_ref().map_or(0, |x| x.dim().1);
    if n_bands == BANDS.len() && flux_names.iter().all(|c| study.has(c)) {
        let flux = study.matrix(&flux_names)?;
        let norm = FluxNormParams::default().check()?.fit(flux.view())?;
        let mut x = sums;
        norm.apply(&mut x, flux.view())?;
        study.images_norm = Some(x);
    }
    Ok(study)
}

/// Reads a survey directory (e.g. made from real SDSS data) as the study's sample. Numeric catalog
/// columns become f64 with missing values as NaN; the `class` column may hold the mock's class codes
/// or names; without it every galaxy is in class `all`.
pub fn from_survey_dir(dir: &std::path::Path, bin: usize) -> anyhow_like::Result<(Study, Survey)> {
    let survey = Survey::read(dir)?;
    let n = survey.images.dim().0;
    let mut columns = BTreeMap::new();
    let mut classes = vec!["all".to_string(); n];
    for spec in &survey.manifest.columns {
        if spec.name == "class" {
            if let Ok(names) = survey.catalog.strings("class") {
                classes = names;
                continue;
            }
            if let Ok(codes) = survey.catalog.f64("class") {
                classes = codes
                    .iter()
                    .map(|&c| {
                        GalaxyClass::from_code(c as u8)
                            .filter(|_| c.is_finite())
                            .map_or_else(|| "unknown".to_string(), |k| k.name().to_string())
                    })
                    .collect();
            }
            continue;
        }
        if let Ok(v) = survey.catalog.f64(&spec.name) {
            columns.insert(spec.name.clone(), v);
        }
    }
    let splits = Splits {
        train: survey.splits.train.clone(),
        validation: survey.splits.validation.clone(),
        test: survey.splits.test.clone(),
    };
    let study = study_from_parts(
        format!("survey directory {} ({n} galaxies)", dir.display()),
        &survey.images,
        columns,
        classes,
        splits,
        bin,
    )?;
    Ok((study, survey))
}

impl Study {
    /// The study's numeric columns as a mock-style catalog (for evaluating truth-DAG node values).
    pub fn as_mock_catalog(&self) -> MockCatalog {
        MockCatalog {
            columns: self
                .columns
                .iter()
                .map(|(name, v)| MockColumn {
                    name: name.clone(),
                    unit: String::new(),
                    description: String::new(),
                    values: v.to_vec(),
                })
                .collect(),
        }
    }
}

/// A tiny error type for the example: every library error becomes its message.
pub mod anyhow_like {
    /// The example's error: a message.
    #[derive(Debug)]
    pub struct Error(pub String);
    impl std::fmt::Display for Error {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }
    impl<E: std::error::Error> From<E> for Error {
        fn from(e: E) -> Self {
            Error(e.to_string())
        }
    }
    pub type Result<T> = std::result::Result<T, Error>;
}
