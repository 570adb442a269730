//! The survey directory: the one on-disk format for a sample, exchanged by the examples.
//!
//! ```text
//! DIR/manifest.json   format version, bands, pixel scale, image size, galaxy count, every catalog column
//!                     with its unit and missing-value rule, optional truth DAG and generator parameters
//! DIR/images.fits     one 4-D f32 image HDU: NAXIS1 = width, NAXIS2 = height, NAXIS3 = band, NAXIS4 = galaxy
//! DIR/catalog.fits    binary table, one row per galaxy in the image order
//! DIR/splits.json     {"train": [...], "validation": [...], "test": [...]} (row indices)
//! ```
//!
//! The directory is written into a temporary sibling and renamed into place, so readers never see a
//! half-written survey. Reading checks every file against the manifest.
//!
//! ```
//! use galaxy_io::mock::MockParams;
//! use galaxy_io::survey::{Splits, Survey};
//! let mock = MockParams::new(12).seed(3).image_size(16).check()?.generate()?;
//! let survey = Survey::from_mock(mock, Splits::random(12, (0.5, 0.25), 1)?)?;
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("mock");
//! survey.write(&path, false)?;
//! let back = Survey::read(&path)?;
//! assert_eq!(back.images, survey.images);
//! assert_eq!(back.catalog.f64("petroMag_r")?, survey.catalog.f64("petroMag_r")?);
//! # Ok::<(), galaxy_io::Error>(())
//! ```

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array4};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::catalog::{CatColumn, CatValues, Catalog};
use crate::error::{Error, Result};
use crate::fits::{Card, FitsFile, FitsWriter};
use crate::mock::{MockError, MockSurvey, TruthDag};

/// Version of the survey-directory format written by this crate.
pub const FORMAT_VERSION: u32 = 1;

/// How missing values of a column are marked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Missing {
    /// The column has no missing values.
    None,
    /// NaN (reals) or TNULL (integers) marks missing.
    Nan,
    /// An exact sentinel value (e.g. -9999).
    Sentinel {
        /// The sentinel.
        value: f64,
    },
    /// The study's magnitude rule: |v| >= threshold (9000) is missing.
    AbsAtLeast {
        /// The threshold.
        threshold: f64,
    },
}

/// One catalog column as declared in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSpec {
    /// Column name in `catalog.fits`.
    pub name: String,
    /// Unit (empty when dimensionless).
    pub unit: String,
    /// Missing-value rule.
    pub missing: Missing,
    /// Meaning.
    #[serde(default)]
    pub description: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Band names in cube order.
    pub bands: Vec<String>,
    /// Pixel scale, arcsec per pixel.
    pub pixel_scale: f64,
    /// Image height in pixels.
    pub image_height: usize,
    /// Image width in pixels.
    pub image_width: usize,
    /// Pixel unit of the images.
    pub image_unit: String,
    /// Number of galaxies.
    pub n_galaxies: usize,
    /// Every catalog column.
    pub columns: Vec<ColumnSpec>,
    /// Free-text provenance.
    #[serde(default)]
    pub description: String,
    /// The generating truth graph, for mock surveys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truth_dag: Option<TruthDag>,
    /// Generator parameters, for mock surveys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<serde_json::Value>,
}

/// `splits.json`: disjoint row-index lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Splits {
    /// Training rows.
    pub train: Vec<usize>,
    /// Validation rows.
    pub validation: Vec<usize>,
    /// Test rows.
    pub test: Vec<usize>,
}

impl Splits {
    /// A seeded random split of `n` rows with the given train and validation fractions (the rest is
    /// test); each list sorted.
    pub fn random(n: usize, fractions: (f64, f64), seed: u64) -> Result<Splits> {
        let (ft, fv) = fractions;
        if !(ft >= 0.0 && fv >= 0.0 && ft + fv <= 1.0 + 1e-12) {
            return Err(Error::InvalidParameter {
                name: "fractions".into(),
                reason: format!("need train, validation >= 0 with sum <= 1, got ({ft}, {fv})"),
            });
        }
        let mut idx: Vec<usize> = (0..n).collect();
        idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let nt = (ft * n as f64).round() as usize;
        let nv = ((fv * n as f64).round() as usize).min(n - nt.min(n));
        let nt = nt.min(n);
        let mut train = idx[..nt].to_vec();
        let mut validation = idx[nt..nt + nv].to_vec();
        let mut test = idx[nt + nv..].to_vec();
        train.sort_unstable();
        validation.sort_unstable();
        test.sort_unstable();
        Ok(Splits {
            train,
            validation,
            test,
        })
    }

    /// Checks that the lists are disjoint and every index is below `n`.
    pub fn validate(&self, n: usize) -> Result<()> {
        let mut seen = vec![false; n];
        for (name, list) in [
            ("train", &self.train),
            ("validation", &self.validation),
            ("test", &self.test),
        ] {
            for &i in list {
                if i >= n {
                    return Err(Error::InvalidParameter {
                        name: format!("splits.{name}"),
                        reason: format!("row {i} is out of range for {n} galaxies"),
                    });
                }
                if seen[i] {
                    return Err(Error::InvalidParameter {
                        name: format!("splits.{name}"),
                        reason: format!("row {i} appears in more than one split"),
                    });
                }
                seen[i] = true;
            }
        }
        Ok(())
    }
}

/// A survey in memory: images, catalog, splits and their manifest.
#[derive(Debug, Clone)]
pub struct Survey {
    /// The manifest.
    pub manifest: Manifest,
    /// galaxy x band x H x W.
    pub images: Array4<f32>,
    /// One row per galaxy.
    pub catalog: Catalog,
    /// Row splits.
    pub splits: Splits,
}

impl From<MockError> for Error {
    fn from(e: MockError) -> Self {
        match e {
            MockError::InvalidParameter { name, reason } => Error::InvalidParameter {
                name: name.into(),
                reason,
            },
            MockError::UnknownName(name) => Error::UnknownColumn {
                name,
                available: String::new(),
            },
            other => Error::InvalidParameter {
                name: "mock".into(),
                reason: other.to_string(),
            },
        }
    }
}

fn json_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Json {
        path: path.display().to_string(),
        what: e.to_string(),
    }
}

impl Survey {
    /// Assembles a survey from parts, building the manifest's column list from the catalog (units from
    /// the columns; `Missing::Nan` for real columns with a NaN mask, `Missing::None` otherwise, or the
    /// declared sentinel).
    pub fn new(
        images: Array4<f32>,
        catalog: Catalog,
        splits: Splits,
        bands: Vec<String>,
        pixel_scale: f64,
        description: impl Into<String>,
    ) -> Result<Survey> {
        let (n, nb, h, w) = images.dim();
        let columns = catalog
            .columns()
            .iter()
            .map(|c| ColumnSpec {
                name: c.name.clone(),
                unit: c.unit.clone().unwrap_or_default(),
                missing: match (c.sentinel, &c.values) {
                    (Some(v), _) => Missing::Sentinel { value: v },
                    (None, CatValues::F64(_)) if c.mask.iter().any(|&m| m) => Missing::Nan,
                    _ => Missing::None,
                },
                description: String::new(),
            })
            .collect();
        let manifest = Manifest {
            format_version: FORMAT_VERSION,
            bands,
            pixel_scale,
            image_height: h,
            image_width: w,
            image_unit: "nanomaggy".into(),
            n_galaxies: n,
            columns,
            description: description.into(),
            truth_dag: None,
            generator: None,
        };
        if manifest.bands.len() != nb {
            return Err(Error::LengthMismatch {
                what: "band names vs image bands".into(),
                expected: nb,
                got: manifest.bands.len(),
            });
        }
        let s = Survey {
            manifest,
            images,
            catalog,
            splits,
        };
        s.check()?;
        Ok(s)
    }

    /// A survey directory's content from a generated mock (consumed: its image cube moves, not copied) (catalog columns with units and descriptions,
    /// `class` and `id` as integers, the truth DAG and generator parameters in the manifest).
    pub fn from_mock(mock: MockSurvey, splits: Splits) -> Result<Survey> {
        let mut catalog = Catalog::new();
        let mut specs = Vec::new();
        for c in &mock.catalog.columns {
            let col = if c.name == "class" || c.name == "id" {
                CatColumn::i64(
                    c.name.clone(),
                    Array1::from_iter(c.values.iter().map(|&v| v as i64)),
                )
            } else {
                CatColumn::f64(c.name.clone(), Array1::from_vec(c.values.clone()))
            };
            catalog.add(if c.unit.is_empty() {
                col
            } else {
                col.with_unit(c.unit.clone())
            })?;
            specs.push(ColumnSpec {
                name: c.name.clone(),
                unit: c.unit.clone(),
                missing: Missing::None,
                description: c.description.clone(),
            });
        }
        let generator = serde_json::to_value(&mock.params)
            .map_err(|e| json_err(Path::new("manifest.json"), e))?;
        let mut s = Survey::new(
            mock.images,
            catalog,
            splits,
            mock.bands,
            mock.pixel_scale,
            "galaxy-io mock survey (docs/mock-survey.md)",
        )?;
        s.manifest.columns = specs;
        s.manifest.truth_dag = Some(mock.dag);
        s.manifest.generator = Some(generator);
        Ok(s)
    }

    /// Checks that images, catalog, splits and manifest agree.
    pub fn check(&self) -> Result<()> {
        let m = &self.manifest;
        let (n, nb, h, w) = self.images.dim();
        let want = (m.n_galaxies, m.bands.len(), m.image_height, m.image_width);
        if (n, nb, h, w) != want {
            return Err(Error::InvalidParameter {
                name: "images".into(),
                reason: format!(
                    "shape {:?} does not match the manifest {:?}",
                    (n, nb, h, w),
                    want
                ),
            });
        }
        if self.catalog.nrows() != n {
            return Err(Error::LengthMismatch {
                what: "catalog rows vs galaxies".into(),
                expected: n,
                got: self.catalog.nrows(),
            });
        }
        for c in &m.columns {
            self.catalog.column(&c.name)?;
        }
        if m.columns.len() != self.catalog.ncols() {
            return Err(Error::LengthMismatch {
                what: "manifest columns vs catalog columns".into(),
                expected: self.catalog.ncols(),
                got: m.columns.len(),
            });
        }
        if !(m.pixel_scale.is_finite() && m.pixel_scale > 0.0) {
            return Err(Error::InvalidParameter {
                name: "pixel_scale".into(),
                reason: format!("{}", m.pixel_scale),
            });
        }
        self.splits.validate(n)
    }

    /// Writes the directory atomically: into a temporary sibling, then renamed onto `dir`. An existing
    /// `dir` is replaced only when `overwrite` is set (it must then look like a survey directory).
    pub fn write(&self, dir: impl AsRef<Path>, overwrite: bool) -> Result<()> {
        self.check()?;
        let dir = dir.as_ref();
        if dir.exists() {
            if !overwrite {
                return Err(Error::InvalidParameter {
                    name: "out".into(),
                    reason: format!("{} exists (pass overwrite to replace it)", dir.display()),
                });
            }
            if !dir.join("manifest.json").exists() {
                return Err(Error::InvalidParameter {
                    name: "out".into(),
                    reason: format!(
                        "{} exists and is not a survey directory; refusing to replace it",
                        dir.display()
                    ),
                });
            }
        }
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let base = dir
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "survey".into());
        let tmp = parent.join(format!(".{base}.tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        }
        std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let result = self.write_files(&tmp).and_then(|()| {
            if dir.exists() {
                let old: PathBuf = parent.join(format!(".{base}.old-{}", std::process::id()));
                std::fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
                std::fs::rename(&tmp, dir).map_err(|e| Error::io(dir, e))?;
                std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))
            } else {
                std::fs::rename(&tmp, dir).map_err(|e| Error::io(dir, e))
            }
        });
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        result
    }

    fn write_files(&self, dir: &Path) -> Result<()> {
        let m = &self.manifest;
        let cards = vec![
            Card::new("BUNIT", m.image_unit.as_str(), "pixel unit"),
            Card::new("PIXSCALE", m.pixel_scale, "arcsec per pixel"),
            Card::new("BANDS", m.bands.join(",").as_str(), "NAXIS3 order"),
        ];
        let mut w = FitsWriter::create(dir.join("images.fits"))?;
        w.write_image(self.images.view().into_dyn(), &cards)?;
        w.finish()?;
        self.catalog.to_fits(dir.join("catalog.fits"))?;
        let write_json = |name: &str, v: &dyn erased::Json| -> Result<()> {
            let p = dir.join(name);
            let s = v.to_json().map_err(|e| json_err(&p, e))?;
            std::fs::write(&p, s).map_err(|e| Error::io(&p, e))
        };
        write_json("manifest.json", &self.manifest)?;
        write_json("splits.json", &self.splits)?;
        Ok(())
    }

    /// Reads and checks a survey directory; the manifest's missing-value rules are applied to the
    /// catalog's masks.
    pub fn read(dir: impl AsRef<Path>) -> Result<Survey> {
        let dir = dir.as_ref();
        let read_json = |name: &str| -> Result<String> {
            let p = dir.join(name);
            std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))
        };
        let mp = dir.join("manifest.json");
        let manifest: Manifest =
            serde_json::from_str(&read_json("manifest.json")?).map_err(|e| json_err(&mp, e))?;
        if manifest.format_version != FORMAT_VERSION {
            return Err(json_err(
                &mp,
                format!(
                    "format_version {} is not supported (this crate reads {FORMAT_VERSION})",
                    manifest.format_version
                ),
            ));
        }
        let sp = dir.join("splits.json");
        let splits: Splits =
            serde_json::from_str(&read_json("splits.json")?).map_err(|e| json_err(&sp, e))?;
        let ip = dir.join("images.fits");
        let f = FitsFile::open(&ip)?;
        let img = f.image(0)?.to_f32();
        let images =
            img.into_dimensionality::<ndarray::Ix4>()
                .map_err(|_| Error::InvalidParameter {
                    name: ip.display().to_string(),
                    reason: "the primary HDU is not a 4-D image".into(),
                })?;
        let mut catalog = Catalog::from_fits(dir.join("catalog.fits"), None)?;
        for c in &manifest.columns {
            match c.missing {
                Missing::Sentinel { value } => catalog.set_sentinel(&c.name, value)?,
                Missing::AbsAtLeast { threshold } => {
                    let col = catalog.column_mut(&c.name)?;
                    if let CatValues::F64(a) = &col.values {
                        ndarray::Zip::from(&mut col.mask)
                            .and(a)
                            .for_each(|m, &v| *m |= v.abs() >= threshold);
                    }
                }
                Missing::None | Missing::Nan => {}
            }
        }
        let s = Survey {
            manifest,
            images,
            catalog,
            splits,
        };
        s.check()?;
        Ok(s)
    }
}

mod erased {
    /// Object-safe JSON serialisation for the writer's helper.
    pub trait Json {
        fn to_json(&self) -> serde_json::Result<String>;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> serde_json::Result<String> {
            serde_json::to_string_pretty(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_splits_are_disjoint_and_seeded() {
        let s = Splits::random(101, (0.8, 0.1), 5).unwrap();
        assert_eq!(s.train.len() + s.validation.len() + s.test.len(), 101);
        assert_eq!(s.train.len(), 81);
        assert_eq!(s.validation.len(), 10);
        s.validate(101).unwrap();
        assert_eq!(s, Splits::random(101, (0.8, 0.1), 5).unwrap());
        assert_ne!(s, Splits::random(101, (0.8, 0.1), 6).unwrap());
        assert!(s.validate(50).is_err());
        let dup = Splits {
            train: vec![0, 1],
            validation: vec![1],
            test: vec![],
        };
        assert!(dup.validate(3).is_err());
        assert!(Splits::random(10, (0.9, 0.2), 0).is_err());
    }
}
