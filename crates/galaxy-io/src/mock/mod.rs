//! A mock SDSS-like survey with known causal truth (METHOD.md section 8).
//!
//! [`MockParams`] -> [`MockParams::check`] -> [`MockConfig`] -> [`MockConfig::generate`] gives a
//! [`MockSurvey`]: ugriz images (galaxy x band x H x W, nanomaggies), a catalog with the study's columns
//! plus the latent `true_*` columns, and the [`TruthDag`] of the generator.
//!
//! Galaxies are drawn as candidates, each from its own random stream (seed, candidate index); with the
//! flux limit on (default) candidates failing dereddened `petroMag_r < 17.77` are dropped and drawing
//! continues until `n_galaxies` pass. Images are rendered only for kept galaxies, in parallel (rayon),
//! identically for any thread count.
//!
//! ```
//! use galaxy_io::mock::MockParams;
//! let survey = MockParams::new(20).seed(7).image_size(32).check()?.generate()?;
//! assert_eq!(survey.images.dim(), (20, 5, 32, 32));
//! let r = survey.catalog.column("petroMag_r").unwrap();
//! let ebv = survey.catalog.column("EBV").unwrap();
//! assert!(r.iter().zip(ebv).all(|(m, e)| m - 2.751 * e < 17.77));
//! let values = survey.dag.node_values(&survey.catalog)?; // 20 x 16, for causal discovery
//! assert_eq!(values.ncols(), survey.dag.nodes.len());
//! # Ok::<(), galaxy_io::mock::MockError>(())
//! ```

pub mod cosmology;
pub mod generator;
pub mod photometry;
pub mod render;

use ndarray::{Array2, Array4};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use generator::{
    GalaxyClass, GalaxyModel, GalaxyRecord, GalaxyTruth, Instrument, NodeKind, NodeValue, TruthDag,
    TruthEdge, TruthNode, truth_dag,
};
pub use photometry::SDSS_BANDS;

use generator::{Engine, IMAGE_STREAM_KEY};
use render::{Gaussian2, add_gaussians, component_gaussians};

/// Errors of the mock generator.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// A parameter is out of range.
    #[error("invalid mock parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// Too few candidates pass the flux limit.
    #[error(
        "only {kept} of {wanted} galaxies passed the flux limit after {candidates} candidates; relax the limit or the model"
    )]
    SelectionTooStrict {
        /// Galaxies kept.
        kept: usize,
        /// Galaxies requested.
        wanted: usize,
        /// Candidates drawn.
        candidates: u64,
    },
    /// A column or node name that does not exist.
    #[error("unknown column or node `{0}`")]
    UnknownName(String),
}

/// Parameters of a mock survey (builder). Validate with [`MockParams::check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MockParams {
    /// Number of galaxies in the output (after the flux limit when it is on).
    pub n_galaxies: usize,
    /// Seed of every random draw.
    pub seed: u64,
    /// Dereddened r Petrosian limit; `None` turns the selection off.
    pub r_limit: Option<f64>,
    /// Image side in pixels.
    pub image_size: usize,
    /// Redshift range.
    pub z_range: (f64, f64),
    /// Hubble constant (km/s/Mpc).
    pub h0: f64,
    /// Omega_m (flat).
    pub omega_m: f64,
    /// Keep the noiseless images too (for tests).
    pub keep_noiseless: bool,
    /// Largest number of candidates drawn per requested galaxy before giving up.
    pub max_candidates_per_galaxy: u64,
    /// Physical model.
    pub model: GalaxyModel,
    /// Instrument.
    pub instrument: Instrument,
}

impl MockParams {
    /// Defaults of METHOD.md section 8 for `n_galaxies` galaxies: seed 0, r < 17.77, 64x64 images,
    /// z in [0.01, 0.3], H0 = 70, Omega_m = 0.3.
    pub fn new(n_galaxies: usize) -> Self {
        Self {
            n_galaxies,
            seed: 0,
            r_limit: Some(17.77),
            image_size: 64,
            z_range: (0.01, 0.3),
            h0: 70.0,
            omega_m: 0.3,
            keep_noiseless: false,
            max_candidates_per_galaxy: 2000,
            model: GalaxyModel::default(),
            instrument: Instrument::default(),
        }
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Turns the flux limit on (at `Some(limit)`) or off (`None`).
    pub fn r_limit(mut self, limit: Option<f64>) -> Self {
        self.r_limit = limit;
        self
    }
    /// Sets the image side in pixels.
    pub fn image_size(mut self, size: usize) -> Self {
        self.image_size = size;
        self
    }
    /// Sets the redshift range.
    pub fn z_range(mut self, lo: f64, hi: f64) -> Self {
        self.z_range = (lo, hi);
        self
    }
    /// Keeps noiseless images.
    pub fn keep_noiseless(mut self, keep: bool) -> Self {
        self.keep_noiseless = keep;
        self
    }
    /// Replaces the physical model.
    pub fn model(mut self, model: GalaxyModel) -> Self {
        self.model = model;
        self
    }
    /// Replaces the instrument.
    pub fn instrument(mut self, instrument: Instrument) -> Self {
        self.instrument = instrument;
        self
    }

    /// Validates every parameter and precomputes the distance and sampling tables.
    pub fn check(self) -> Result<MockConfig, MockError> {
        let bad =
            |name: &'static str, reason: String| Err(MockError::InvalidParameter { name, reason });
        if self.n_galaxies == 0 {
            return bad("n_galaxies", "must be at least 1".into());
        }
        if self.image_size < 4 {
            return bad(
                "image_size",
                format!("must be at least 4, got {}", self.image_size),
            );
        }
        let (lo, hi) = self.z_range;
        if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
            return bad("z_range", format!("need 0 < lo < hi, got ({lo}, {hi})"));
        }
        if let Some(l) = self.r_limit
            && !l.is_finite()
        {
            return bad("r_limit", format!("must be finite, got {l}"));
        }
        if self.max_candidates_per_galaxy == 0 {
            return bad("max_candidates_per_galaxy", "must be at least 1".into());
        }
        self.model.validate()?;
        self.instrument.validate()?;
        let cosmo = cosmology::FlatLcdm::new(self.h0, self.omega_m, hi)?;
        let engine = Engine::new(
            self.model.clone(),
            self.instrument.clone(),
            cosmo,
            self.z_range,
            self.seed,
            self.r_limit,
        );
        Ok(MockConfig {
            params: self,
            engine,
        })
    }
}

/// Validated parameters, ready to generate.
#[derive(Debug, Clone)]
pub struct MockConfig {
    params: MockParams,
    engine: Engine,
}

/// A named catalog column with its unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MockColumn {
    /// Column name (METHOD.md section 1 names; `true_*` for latent truth).
    pub name: String,
    /// Unit (`mag`, `nanomaggies`, `arcsec`, `dex`, ... or empty).
    pub unit: String,
    /// Meaning.
    pub description: String,
    /// One value per galaxy.
    pub values: Vec<f64>,
}

/// The mock catalog: named f64 columns, one row per galaxy (no missing values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MockCatalog {
    /// Columns in a fixed order.
    pub columns: Vec<MockColumn>,
}

impl MockCatalog {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }
    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Column names in order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }
    /// A column's values by name.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.values.as_slice())
    }
    /// Selected columns as a rows x columns matrix; error naming the first unknown column.
    pub fn to_array2(&self, names: &[&str]) -> Result<Array2<f64>, MockError> {
        let cols: Vec<&[f64]> = names
            .iter()
            .map(|n| {
                self.column(n)
                    .ok_or_else(|| MockError::UnknownName(n.to_string()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Array2::from_shape_fn(
            (self.len(), names.len()),
            |(i, j)| cols[j][i],
        ))
    }
    /// Galaxy classes decoded from the `class` column.
    pub fn classes(&self) -> Result<Vec<GalaxyClass>, MockError> {
        let c = self
            .column("class")
            .ok_or_else(|| MockError::UnknownName("class".into()))?;
        c.iter()
            .map(|&v| {
                GalaxyClass::from_code(v as u8)
                    .ok_or_else(|| MockError::UnknownName(format!("class code {v}")))
            })
            .collect()
    }
}

impl TruthDag {
    /// Node values (rows = galaxies, columns = nodes in order) computed from a catalog.
    pub fn node_values(&self, catalog: &MockCatalog) -> Result<Array2<f64>, MockError> {
        let get = |n: &str| {
            catalog
                .column(n)
                .ok_or_else(|| MockError::UnknownName(n.to_string()))
        };
        let mut out = Array2::zeros((catalog.len(), self.nodes.len()));
        for (j, node) in self.nodes.iter().enumerate() {
            match &node.value {
                NodeValue::Column(c) => {
                    for (i, v) in get(c)?.iter().enumerate() {
                        out[[i, j]] = *v;
                    }
                }
                NodeValue::Log10(c) => {
                    for (i, v) in get(c)?.iter().enumerate() {
                        out[[i, j]] = v.log10();
                    }
                }
                NodeValue::Difference(a, b) => {
                    for (i, (x, y)) in get(a)?.iter().zip(get(b)?).enumerate() {
                        out[[i, j]] = x - y;
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A generated mock survey.
#[derive(Debug, Clone)]
pub struct MockSurvey {
    /// The parameters that generated it.
    pub params: MockParams,
    /// Band names (u g r i z).
    pub bands: Vec<String>,
    /// Pixel scale, arcsec.
    pub pixel_scale: f64,
    /// Images, galaxy x band x H x W, nanomaggies per pixel, sky noise and source Poisson noise included.
    pub images: Array4<f32>,
    /// Noiseless images (same layout) when `keep_noiseless` was set.
    pub noiseless: Option<Array4<f32>>,
    /// The catalog (study columns and `true_*` truth columns).
    pub catalog: MockCatalog,
    /// Per-galaxy records (truth, component fluxes and shapes).
    pub records: Vec<GalaxyRecord>,
    /// The truth DAG.
    pub dag: TruthDag,
}

impl MockConfig {
    /// The validated parameters.
    pub fn params(&self) -> &MockParams {
        &self.params
    }

    /// Draws galaxy properties and catalog values (no images). Candidates are drawn in chunks until
    /// `n_galaxies` pass the flux limit; the result does not depend on chunking or threads.
    pub fn draw_records(&self) -> Result<Vec<GalaxyRecord>, MockError> {
        let want = self.params.n_galaxies;
        let max_candidates = self
            .params
            .max_candidates_per_galaxy
            .saturating_mul(want as u64);
        let mut kept: Vec<GalaxyRecord> = Vec::with_capacity(want);
        let mut next: u64 = 0;
        let mut chunk: u64 = (want as u64).max(256);
        while kept.len() < want {
            if next >= max_candidates {
                return Err(MockError::SelectionTooStrict {
                    kept: kept.len(),
                    wanted: want,
                    candidates: next,
                });
            }
            let end = (next + chunk).min(max_candidates);
            let batch: Vec<GalaxyRecord> = (next..end)
                .into_par_iter()
                .filter_map(|i| self.engine.draw(i))
                .collect();
            kept.extend(batch.into_iter().take(want - kept.len()));
            // grow the chunk from the observed pass rate
            let rate = (kept.len() as f64 / end as f64).max(1e-4);
            let missing = (want - kept.len()) as f64;
            chunk = ((missing / rate * 1.2) as u64).clamp(256, 4_000_000);
            next = end;
        }
        Ok(kept)
    }

    /// Generates the catalog only (no images): fast, for large samples in causal-discovery checks.
    pub fn generate_catalog(&self) -> Result<MockCatalog, MockError> {
        Ok(build_catalog(&self.draw_records()?))
    }

    /// Generates the whole survey: records, catalog and images.
    pub fn generate(&self) -> Result<MockSurvey, MockError> {
        let records = self.draw_records()?;
        let size = self.params.image_size;
        let n = records.len();
        let mut images = Array4::<f32>::zeros((n, 5, size, size));
        let mut noiseless = self
            .params
            .keep_noiseless
            .then(|| Array4::<f32>::zeros((n, 5, size, size)));
        let ins = &self.params.instrument;
        let seed = self.params.seed;
        let render_one = |rec: &GalaxyRecord, out: &mut [f32], clean: Option<&mut [f32]>| {
            let px2 = ins.pixel_scale * ins.pixel_scale;
            let to_px = |g: Gaussian2| Gaussian2 {
                amp: g.amp,
                xx: g.xx / px2,
                xy: g.xy / px2,
                yy: g.yy / px2,
            };
            let psf = ins.psf_sigma();
            let gb: Vec<Gaussian2> = component_gaussians(&rec.bulge, psf, px2 / 12.0)
                .into_iter()
                .map(to_px)
                .collect();
            let gd: Vec<Gaussian2> = component_gaussians(&rec.disk, psf, px2 / 12.0)
                .into_iter()
                .map(to_px)
                .collect();
            let c = (size as f64 - 1.0) / 2.0;
            let mut bulge_img = vec![0.0f64; size * size];
            let mut disk_img = vec![0.0f64; size * size];
            add_gaussians(&mut bulge_img, size, c, c, &gb, 1.0);
            add_gaussians(&mut disk_img, size, c, c, &gd, 1.0);
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ IMAGE_STREAM_KEY);
            rng.set_stream(rec.index);
            let plane = size * size;
            let mut clean = clean;
            for b in 0..5 {
                let (fb, fd) = (rec.bulge_flux[b], rec.disk_flux[b]);
                for p in 0..plane {
                    let model = fb * bulge_img[p] + fd * disk_img[p];
                    let var = ins.sky_sigma[b].powi(2) + model.max(0.0) / ins.electrons_per_nmgy[b];
                    let eps: f64 = StandardNormal.sample(&mut rng);
                    out[b * plane + p] = (model + var.sqrt() * eps) as f32;
                    if let Some(cl) = clean.as_deref_mut() {
                        cl[b * plane + p] = model as f32;
                    }
                }
            }
        };
        let per = 5 * size * size;
        let img_slice = images.as_slice_mut().expect("fresh array is contiguous");
        match noiseless.as_mut() {
            Some(nl) => {
                let nl_slice = nl.as_slice_mut().expect("fresh array is contiguous");
                img_slice
                    .par_chunks_mut(per)
                    .zip(nl_slice.par_chunks_mut(per))
                    .zip(records.par_iter())
                    .for_each(|((o, c), r)| render_one(r, o, Some(c)));
            }
            None => {
                img_slice
                    .par_chunks_mut(per)
                    .zip(records.par_iter())
                    .for_each(|(o, r)| render_one(r, o, None));
            }
        }
        let catalog = build_catalog(&records);
        Ok(MockSurvey {
            params: self.params.clone(),
            bands: SDSS_BANDS.iter().map(|s| s.to_string()).collect(),
            pixel_scale: ins.pixel_scale,
            images,
            noiseless,
            catalog,
            records,
            dag: truth_dag(),
        })
    }
}

fn build_catalog(records: &[GalaxyRecord]) -> MockCatalog {
    let mut columns = Vec::new();
    let mut push = |name: String, unit: &str, description: String, values: Vec<f64>| {
        columns.push(MockColumn {
            name,
            unit: unit.into(),
            description,
            values,
        })
    };
    let col = |f: &dyn Fn(&GalaxyRecord) -> f64| records.iter().map(f).collect::<Vec<f64>>();
    push(
        "id".into(),
        "",
        "candidate index (random stream) of the galaxy".into(),
        col(&|r| r.index as f64),
    );
    for (b, band) in SDSS_BANDS.iter().enumerate() {
        push(
            format!("petroMag_{band}"),
            "mag",
            format!("{band} Petrosian asinh magnitude, not dereddened"),
            col(&|r| r.petro_mag[b]),
        );
        push(
            format!("petroMagErr_{band}"),
            "mag",
            format!("error of petroMag_{band}"),
            col(&|r| r.petro_mag_err[b]),
        );
        push(
            format!("petroFlux_{band}"),
            "nanomaggies",
            format!("{band} Petrosian flux"),
            col(&|r| r.petro_flux[b]),
        );
        push(
            format!("petroFluxErr_{band}"),
            "nanomaggies",
            format!("error of petroFlux_{band}"),
            col(&|r| r.petro_flux_err[b]),
        );
        push(
            format!("petroR50_{band}"),
            "arcsec",
            format!("{band} radius holding 50% of the Petrosian flux"),
            col(&|r| r.petro_r50[b]),
        );
        push(
            format!("petroR90_{band}"),
            "arcsec",
            format!("{band} radius holding 90% of the Petrosian flux"),
            col(&|r| r.petro_r90[b]),
        );
        push(
            format!("expAB_{band}"),
            "",
            format!("{band} axis ratio b/a"),
            col(&|r| r.exp_ab[b]),
        );
        push(
            format!("Sersic_n_{band}"),
            "",
            format!("{band} Sersic index"),
            col(&|r| r.sersic_n[b]),
        );
    }
    for (b, band) in SDSS_BANDS.iter().enumerate() {
        push(
            format!("modelMag_{band}"),
            "mag",
            format!("{band} model (total, profile-fit) asinh magnitude, not dereddened"),
            col(&|r| r.model_mag[b]),
        );
        push(
            format!("modelMagErr_{band}"),
            "mag",
            format!("error of modelMag_{band}"),
            col(&|r| r.model_mag_err[b]),
        );
    }
    for (k, w) in ["w1", "w2", "w3"].iter().enumerate() {
        push(
            format!("{w}mpro"),
            "mag",
            format!("WISE {} Vega magnitude", w.to_uppercase()),
            col(&|r| r.wise_mag[k]),
        );
        push(
            format!("{w}sigmpro"),
            "mag",
            format!("error of {w}mpro"),
            col(&|r| r.wise_err[k]),
        );
    }
    push(
        "EBV".into(),
        "mag",
        "Galactic E(B-V)".into(),
        col(&|r| r.truth.ebv),
    );
    push(
        "z".into(),
        "",
        "spectroscopic redshift".into(),
        col(&|r| r.truth.z),
    );
    push(
        "lgm_tot_p50".into(),
        "dex",
        "log10 stellar mass (solar masses), the target".into(),
        col(&|r| r.truth.logm),
    );
    push(
        "class".into(),
        "",
        "0 star-forming, 1 passive, 2 other (from sSFR)".into(),
        col(&|r| r.truth.class.code() as f64),
    );
    push(
        "petroRad_r".into(),
        "arcsec",
        "r-band Petrosian radius of the noiseless profile".into(),
        col(&|r| r.petro_rad),
    );
    push(
        "true_ssfr".into(),
        "dex",
        "log10 sSFR (1/yr)".into(),
        col(&|r| r.truth.ssfr),
    );
    push(
        "true_bt".into(),
        "",
        "bulge-to-total stellar mass ratio".into(),
        col(&|r| r.truth.bt),
    );
    push(
        "true_gr_bulge".into(),
        "mag",
        "bulge rest-frame g-r".into(),
        col(&|r| r.truth.gr_bulge),
    );
    push(
        "true_gr_disk".into(),
        "mag",
        "disk rest-frame g-r".into(),
        col(&|r| r.truth.gr_disk),
    );
    push(
        "true_log_re_disk".into(),
        "dex",
        "log10 disk half-light radius (kpc)".into(),
        col(&|r| r.truth.log_re_disk),
    );
    push(
        "true_q_disk".into(),
        "",
        "projected disk axis ratio".into(),
        col(&|r| r.truth.q_disk),
    );
    push(
        "true_pa".into(),
        "deg",
        "position angle, counter-clockwise from +x (image columns)".into(),
        col(&|r| r.truth.pa.to_degrees()),
    );
    push(
        "true_re_bulge_arcsec".into(),
        "arcsec",
        "bulge half-light radius (major axis)".into(),
        col(&|r| r.bulge.re_arcsec),
    );
    push(
        "true_re_disk_arcsec".into(),
        "arcsec",
        "disk half-light radius (major axis)".into(),
        col(&|r| r.disk.re_arcsec),
    );
    for (b, band) in SDSS_BANDS.iter().enumerate() {
        push(
            format!("true_petroFlux_{band}"),
            "nanomaggies",
            format!("noiseless {band} Petrosian flux"),
            col(&|r| r.petro_flux_true[b]),
        );
        push(
            format!("true_flux_{band}"),
            "nanomaggies",
            format!("total {band} flux (bulge + disk)"),
            col(&|r| r.bulge_flux[b] + r.disk_flux[b]),
        );
        push(
            format!("true_bulge_frac_{band}"),
            "",
            format!("bulge share of the {band} light"),
            col(&|r| r.bulge_flux[b] / (r.bulge_flux[b] + r.disk_flux[b])),
        );
    }
    MockCatalog { columns }
}
