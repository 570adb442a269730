//! Galaxy properties, photometry and measurements of the mock survey, and its truth DAG.
//!
//! Every galaxy is drawn from its own random stream (the run seed and the candidate index), so results do
//! not depend on the number of threads or on batching. The generative equations are documented on
//! [`GalaxyModel`] and in `docs/mock-survey.md`; the graph they define is returned by [`truth_dag`].

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::MockError;
use super::cosmology::FlatLcdm;
use super::photometry::{
    KCorrection, R_BAND, SDSS_EXTINCTION, asinh_mag, asinh_mag_err, mag_to_nmgy, wise_measure,
};
use super::render::{
    ComponentShape, Profile, RadialGrid, component_gaussians, cumulative_profile,
    mixture_concentration, petrosian_in_aperture, petrosian_radius,
    sersic_index_from_concentration,
};

/// Star-formation class, derived from sSFR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GalaxyClass {
    /// sSFR above the star-forming threshold (catalog code 0).
    StarForming,
    /// sSFR below the passive threshold (catalog code 1).
    Passive,
    /// Between the two thresholds, the "green valley" (catalog code 2).
    Other,
}

impl GalaxyClass {
    /// The numeric code stored in the catalog column `class`.
    pub fn code(self) -> u8 {
        match self {
            GalaxyClass::StarForming => 0,
            GalaxyClass::Passive => 1,
            GalaxyClass::Other => 2,
        }
    }

    /// The class of a catalog code, if valid.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(GalaxyClass::StarForming),
            1 => Some(GalaxyClass::Passive),
            2 => Some(GalaxyClass::Other),
            _ => None,
        }
    }

    /// Lower-case name: `star-forming`, `passive`, `other`.
    pub fn name(self) -> &'static str {
        match self {
            GalaxyClass::StarForming => "star-forming",
            GalaxyClass::Passive => "passive",
            GalaxyClass::Other => "other",
        }
    }
}

/// Every coefficient of the generative model. Defaults give an SDSS-main-sample-like population; all
/// logarithms are base 10, masses in solar masses, sizes in kpc, sSFR in 1/yr.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GalaxyModel {
    /// Lower end of the sampled log M* range.
    pub logm_min: f64,
    /// Upper end of the sampled log M* range.
    pub logm_max: f64,
    /// Schechter characteristic mass log M_c: dN/dlogM ∝ 10^((logM - logM_c)(1 + alpha)) exp(-10^(logM - logM_c)).
    pub schechter_logm_star: f64,
    /// Schechter faint-end slope alpha.
    pub schechter_alpha: f64,
    /// Median of the log-normal E(B-V) distribution (mag).
    pub ebv_median: f64,
    /// Standard deviation of ln E(B-V).
    pub ebv_sigma_ln: f64,
    /// Largest E(B-V) (values above are clipped).
    pub ebv_max: f64,
    /// log M* where the quenched fraction of galaxies with (r-band light) B/T = 0.5 is one half:
    /// f_q = logistic((logM - quench_logm) / quench_width + quench_bt (B/T - 0.5)).
    pub quench_logm: f64,
    /// Width of the quenched-fraction logistic (dex).
    pub quench_width: f64,
    /// Morphological quenching: change of the quenched-fraction logit per unit B/T.
    pub quench_bt: f64,
    /// Star-forming main sequence: log sSFR at log M* = 10.
    pub ms_ssfr_at_10: f64,
    /// Main-sequence slope d log sSFR / d log M*.
    pub ms_slope: f64,
    /// Main-sequence scatter (dex).
    pub ms_scatter: f64,
    /// Mean log sSFR of quenched galaxies.
    pub passive_ssfr: f64,
    /// Scatter of log sSFR of quenched galaxies (dex).
    pub passive_scatter: f64,
    /// Class threshold: log sSFR above this is star-forming.
    pub class_sf_min_ssfr: f64,
    /// Class threshold: log sSFR below this is passive (between the thresholds: other).
    pub class_passive_max_ssfr: f64,
    /// Bulge share of the r-band light B/T = logistic(bt_intercept + bt_logm (logM - 10.5) + bt_scatter N).
    pub bt_intercept: f64,
    /// See [`GalaxyModel::bt_intercept`].
    pub bt_logm: f64,
    /// See [`GalaxyModel::bt_intercept`].
    pub bt_scatter: f64,
    /// Bulge rest-frame g-r: one old population for every bulge (the mock omits the tilt and the
    /// scatter of the red sequence, so the bulge colour is a constant, not a DAG node).
    pub gr_bulge: f64,
    /// Disk rest-frame g-r = gr_disk_0 + gr_disk_ssfr (sSFR + 10) + gr_disk_scatter N.
    pub gr_disk_0: f64,
    /// See [`GalaxyModel::gr_disk_0`].
    pub gr_disk_ssfr: f64,
    /// See [`GalaxyModel::gr_disk_0`].
    pub gr_disk_scatter: f64,
    /// Disk rest-frame colours from its g-r = c: u-g = ug_0 + ug_slope (c - 0.4) + `colour_scatter[0]` N.
    pub ug_0: f64,
    /// See [`GalaxyModel::ug_0`].
    pub ug_slope: f64,
    /// r-i = ri_0 + ri_slope (c - 0.4) + `colour_scatter[1]` N.
    pub ri_0: f64,
    /// See [`GalaxyModel::ri_0`].
    pub ri_slope: f64,
    /// i-z = iz_0 + iz_slope (c - 0.4) + `colour_scatter[2]` N.
    pub iz_0: f64,
    /// See [`GalaxyModel::iz_0`].
    pub iz_slope: f64,
    /// Scatter of u-g, r-i, i-z around the colour sequence, per component (mag).
    pub colour_scatter: [f64; 3],
    /// Bulge rest-frame u-g, r-i, i-z (plus `colour_scatter` N): the metal-rich old bulge population
    /// sits off the disk sequence in r-i at its g-r, so the integrated r-i is not a function of the
    /// integrated g-r alone.
    pub bulge_colours: [f64; 3],
    /// r-band mass-to-light ratio log(M/L_r) = ml_intercept + ml_slope (g-r) + offset (Bell et al. 2003 form).
    pub ml_intercept: f64,
    /// See [`GalaxyModel::ml_intercept`].
    pub ml_slope: f64,
    /// Offset of log(M/L_r) of bulges at fixed colour (old, metal-rich populations).
    pub ml_bulge_offset: f64,
    /// Offset of log(M/L_r) of disks at fixed colour (young populations, dust).
    pub ml_disk_offset: f64,
    /// Scatter of the bulge log(M/L_r) at fixed colour (age-metallicity), dex: the scatter of the
    /// r-band luminosity at fixed mass, light fraction and colours.
    pub ml_bulge_scatter: f64,
    /// Absolute AB magnitude of the Sun in SDSS r.
    pub msun_r: f64,
    /// Disk half-light radius log R_e = re_disk_0 + re_disk_logm (logM - 10.5) + re_disk_scatter N (kpc).
    pub re_disk_0: f64,
    /// See [`GalaxyModel::re_disk_0`].
    pub re_disk_logm: f64,
    /// See [`GalaxyModel::re_disk_0`].
    pub re_disk_scatter: f64,
    /// Bulge size: log R_e,bulge = log R_e,disk + re_bulge_offset.
    pub re_bulge_offset: f64,
    /// Projected axis ratio of bulges.
    pub q_bulge: f64,
    /// Intrinsic disk thickness q0: b/a = sqrt(cos^2 i (1 - q0^2) + q0^2), cos i uniform.
    pub disk_thickness: f64,
    /// The k-correction.
    pub kcorr: KCorrection,
    /// A_band / E(B-V) for u g r i z.
    pub extinction: [f64; 5],
    /// Relative calibration error of Petrosian fluxes.
    pub calibration_error: f64,
    /// Measurement scatter of ln petroR50 and ln petroR90.
    pub radius_noise: f64,
    /// Measurement scatter of expAB.
    pub axis_ratio_noise: f64,
    /// Measurement scatter of ln Sersic n.
    pub sersic_noise: f64,
    /// Largest catalog Sersic index (fits are capped, as in NYU-VAGC).
    pub sersic_max: f64,
    /// W1 mass-to-light ratio log(M/L_W1) = w1_ml + w1_ml_scatter N (nearly constant in the near-IR).
    pub w1_ml: f64,
    /// See [`GalaxyModel::w1_ml`].
    pub w1_ml_scatter: f64,
    /// Absolute Vega magnitude of the Sun in W1.
    pub msun_w1: f64,
    /// W1 k-correction per unit redshift (mag).
    pub kcorr_w1: f64,
    /// W1-W2 = w1w2_0 + w1w2_ssfr (sSFR + 10.5) + w1w2_z z + w1w2_scatter N (Vega).
    pub w1w2_0: f64,
    /// See [`GalaxyModel::w1w2_0`].
    pub w1w2_ssfr: f64,
    /// See [`GalaxyModel::w1w2_0`].
    pub w1w2_z: f64,
    /// See [`GalaxyModel::w1w2_0`].
    pub w1w2_scatter: f64,
    /// W3 from star formation: W3 = msun_w1 - 2.5 (logM - w3_ml) + DM + kcorr_w3 z - (W1-W3), with
    /// W1-W3 = w13_floor + w13_slope log10(1 + 10^(sSFR - w13_pivot)) + w3_scatter N.
    pub w3_ml: f64,
    /// See [`GalaxyModel::w3_ml`].
    pub kcorr_w3: f64,
    /// See [`GalaxyModel::w3_ml`].
    pub w13_floor: f64,
    /// See [`GalaxyModel::w3_ml`].
    pub w13_slope: f64,
    /// See [`GalaxyModel::w3_ml`].
    pub w13_pivot: f64,
    /// See [`GalaxyModel::w3_ml`].
    pub w3_scatter: f64,
    /// WISE 5-sigma limits W1, W2, W3 (Vega mag).
    pub wise_5sigma: [f64; 3],
    /// WISE magnitude error floor.
    pub wise_error_floor: f64,
    /// Effective number of sky pixels in the error of a model (profile-fit) flux.
    pub model_flux_pixels: f64,
    /// Errors of the model colours u-g, g-r, r-i, i-z (mag): measured in a joint fit, independently of
    /// each other and of the r-band model magnitude.
    pub model_colour_error: [f64; 4],
}

impl Default for GalaxyModel {
    fn default() -> Self {
        Self {
            logm_min: 8.5,
            logm_max: 12.0,
            schechter_logm_star: 10.72,
            schechter_alpha: -1.2,
            ebv_median: 0.03,
            ebv_sigma_ln: 0.7,
            ebv_max: 0.3,
            quench_logm: 10.6,
            quench_width: 0.35,
            quench_bt: 5.0,
            ms_ssfr_at_10: -10.0,
            ms_slope: -0.25,
            ms_scatter: 0.3,
            passive_ssfr: -11.8,
            passive_scatter: 0.35,
            class_sf_min_ssfr: -10.6,
            class_passive_max_ssfr: -11.4,
            bt_intercept: -0.9,
            bt_logm: 0.45,
            bt_scatter: 1.0,
            gr_bulge: 0.78,
            gr_disk_0: 0.45,
            gr_disk_ssfr: -0.15,
            gr_disk_scatter: 0.08,
            ug_0: 1.0,
            ug_slope: 2.3,
            ri_0: 0.2,
            ri_slope: 0.3,
            iz_0: 0.1,
            iz_slope: 0.5,
            colour_scatter: [0.05, 0.02, 0.02],
            bulge_colours: [1.87, 0.46, 0.29],
            ml_intercept: -0.306,
            ml_slope: 1.097,
            ml_bulge_offset: 0.5,
            ml_disk_offset: -0.25,
            ml_bulge_scatter: 0.05,
            msun_r: 4.65,
            re_disk_0: 0.68,
            re_disk_logm: 0.22,
            re_disk_scatter: 0.13,
            re_bulge_offset: -0.9,
            q_bulge: 0.8,
            disk_thickness: 0.2,
            kcorr: KCorrection::default(),
            extinction: SDSS_EXTINCTION,
            calibration_error: 0.01,
            radius_noise: 0.06,
            axis_ratio_noise: 0.04,
            sersic_noise: 0.25,
            sersic_max: 6.0,
            w1_ml: -0.25,
            w1_ml_scatter: 0.1,
            msun_w1: 3.24,
            kcorr_w1: -0.7,
            w1w2_0: -0.06,
            w1w2_ssfr: 0.05,
            w1w2_z: 0.4,
            w1w2_scatter: 0.04,
            w3_ml: -0.2,
            kcorr_w3: 1.0,
            w13_floor: 0.6,
            w13_slope: 1.3,
            w13_pivot: -12.0,
            w3_scatter: 0.15,
            wise_5sigma: [16.8, 15.6, 11.3],
            wise_error_floor: 0.02,
            model_flux_pixels: 100.0,
            model_colour_error: [0.08, 0.03, 0.03, 0.04],
        }
    }
}

impl GalaxyModel {
    /// Checks ranges and finiteness; names the first offending field.
    pub fn validate(&self) -> Result<(), MockError> {
        let bad =
            |name: &'static str, reason: String| Err(MockError::InvalidParameter { name, reason });
        let json = serde_json::to_value(self).map_err(|e| MockError::InvalidParameter {
            name: "model",
            reason: e.to_string(),
        })?;
        // every number must be finite (serde_json writes non-finite floats as null)
        if let Some(obj) = json.as_object() {
            for (k, v) in obj {
                let finite = match v {
                    serde_json::Value::Null => false,
                    serde_json::Value::Array(a) => a.iter().all(|x| !x.is_null()),
                    serde_json::Value::Object(o) => o.values().all(|x| {
                        !x.is_null() && x.as_array().is_none_or(|a| a.iter().all(|y| !y.is_null()))
                    }),
                    _ => true,
                };
                if !finite {
                    return Err(MockError::InvalidParameter {
                        name: "model",
                        reason: format!("field {k} is not finite"),
                    });
                }
            }
        }
        if self.logm_min >= self.logm_max {
            return bad(
                "logm_min",
                format!(
                    "must be < logm_max ({} >= {})",
                    self.logm_min, self.logm_max
                ),
            );
        }
        if self.ebv_median <= 0.0 || self.ebv_max <= 0.0 || self.ebv_sigma_ln < 0.0 {
            return bad(
                "ebv_median",
                "E(B-V) median and max must be > 0, sigma >= 0".into(),
            );
        }
        if self.quench_width <= 0.0 {
            return bad(
                "quench_width",
                format!("must be > 0, got {}", self.quench_width),
            );
        }
        if self.class_passive_max_ssfr > self.class_sf_min_ssfr {
            return bad(
                "class_passive_max_ssfr",
                "must not exceed class_sf_min_ssfr".into(),
            );
        }
        if !(self.q_bulge > 0.0 && self.q_bulge <= 1.0) {
            return bad(
                "q_bulge",
                format!("must lie in (0, 1], got {}", self.q_bulge),
            );
        }
        if !(self.disk_thickness > 0.0 && self.disk_thickness < 1.0) {
            return bad(
                "disk_thickness",
                format!("must lie in (0, 1), got {}", self.disk_thickness),
            );
        }
        for (name, v) in [
            ("ms_scatter", self.ms_scatter),
            ("passive_scatter", self.passive_scatter),
            ("bt_scatter", self.bt_scatter),
            ("ml_bulge_scatter", self.ml_bulge_scatter),
            ("w1_ml_scatter", self.w1_ml_scatter),
            ("model_flux_pixels", self.model_flux_pixels),
            ("gr_disk_scatter", self.gr_disk_scatter),
            ("re_disk_scatter", self.re_disk_scatter),
            ("calibration_error", self.calibration_error),
            ("radius_noise", self.radius_noise),
            ("axis_ratio_noise", self.axis_ratio_noise),
            ("sersic_noise", self.sersic_noise),
            ("w1w2_scatter", self.w1w2_scatter),
            ("w3_scatter", self.w3_scatter),
            ("wise_error_floor", self.wise_error_floor),
        ] {
            if v < 0.0 {
                return bad(name, format!("a scatter must be >= 0, got {v}"));
            }
        }
        if self
            .colour_scatter
            .iter()
            .chain(&self.model_colour_error)
            .any(|&v| v < 0.0)
        {
            return bad("colour_scatter", "scatters must be >= 0".into());
        }
        if self.sersic_max <= 0.5 {
            return bad(
                "sersic_max",
                format!("must be > 0.5, got {}", self.sersic_max),
            );
        }
        Ok(())
    }
}

/// Instrument and observing conditions (images and errors).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instrument {
    /// Pixel scale, arcsec per pixel.
    pub pixel_scale: f64,
    /// PSF full width at half maximum (Gaussian), arcsec.
    pub psf_fwhm: f64,
    /// Sky noise per pixel, nanomaggies, u g r i z.
    pub sky_sigma: [f64; 5],
    /// Detected electrons per nanomaggy (source Poisson noise), u g r i z.
    pub electrons_per_nmgy: [f64; 5],
    /// Petrosian ratio threshold eta.
    pub petro_eta: f64,
    /// Petrosian aperture in units of the Petrosian radius.
    pub petro_n: f64,
}

impl Default for Instrument {
    /// SDSS-like values: 0.396"/px, 1.4" seeing, and sky noise / gains of typical DR7 frames
    /// (r-band sky 20.9 mag/arcsec^2 with ~1040 e- per nanomaggy gives 0.026 nmgy per pixel).
    fn default() -> Self {
        Self {
            pixel_scale: 0.396,
            psf_fwhm: 1.4,
            sky_sigma: [0.045, 0.017, 0.026, 0.044, 0.18],
            electrons_per_nmgy: [180.0, 830.0, 1040.0, 630.0, 120.0],
            petro_eta: 0.2,
            petro_n: 2.0,
        }
    }
}

impl Instrument {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), MockError> {
        let bad =
            |name: &'static str, reason: String| Err(MockError::InvalidParameter { name, reason });
        if !(self.pixel_scale.is_finite() && self.pixel_scale > 0.0) {
            return bad(
                "pixel_scale",
                format!("must be > 0, got {}", self.pixel_scale),
            );
        }
        if !(self.psf_fwhm.is_finite() && self.psf_fwhm > 0.0) {
            return bad("psf_fwhm", format!("must be > 0, got {}", self.psf_fwhm));
        }
        if self.sky_sigma.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return bad("sky_sigma", "must be finite and >= 0".into());
        }
        if self
            .electrons_per_nmgy
            .iter()
            .any(|v| !(v.is_finite() && *v > 0.0))
        {
            return bad("electrons_per_nmgy", "must be finite and > 0".into());
        }
        if !(self.petro_eta > 0.0 && self.petro_eta < 1.0) {
            return bad(
                "petro_eta",
                format!("must lie in (0, 1), got {}", self.petro_eta),
            );
        }
        if !(self.petro_n.is_finite() && self.petro_n > 0.0) {
            return bad("petro_n", format!("must be > 0, got {}", self.petro_n));
        }
        Ok(())
    }

    /// PSF standard deviation in arcsec.
    pub fn psf_sigma(&self) -> f64 {
        self.psf_fwhm / (8.0 * std::f64::consts::LN_2).sqrt()
    }
}

/// The latent (true) properties of one galaxy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GalaxyTruth {
    /// Redshift.
    pub z: f64,
    /// Galactic E(B-V).
    pub ebv: f64,
    /// log10 stellar mass.
    pub logm: f64,
    /// log10 specific star-formation rate (1/yr).
    pub ssfr: f64,
    /// Bulge mass fraction.
    pub bt: f64,
    /// Bulge rest-frame g-r.
    pub gr_bulge: f64,
    /// Disk rest-frame g-r.
    pub gr_disk: f64,
    /// log10 disk half-light radius (kpc).
    pub log_re_disk: f64,
    /// Projected disk axis ratio.
    pub q_disk: f64,
    /// Position angle (radians, counter-clockwise from +x).
    pub pa: f64,
    /// Class derived from sSFR.
    pub class: GalaxyClass,
}

/// One generated galaxy: truth, measured catalog values and what is needed to render it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GalaxyRecord {
    /// Candidate index (the galaxy's random stream).
    pub index: u64,
    /// Latent properties.
    pub truth: GalaxyTruth,
    /// Bulge geometry on the sky.
    pub bulge: ComponentShape,
    /// Disk geometry on the sky.
    pub disk: ComponentShape,
    /// Total bulge flux per band (nanomaggies, extinguished).
    pub bulge_flux: [f64; 5],
    /// Total disk flux per band (nanomaggies, extinguished).
    pub disk_flux: [f64; 5],
    /// r-band Petrosian radius (arcsec) of the noiseless profile.
    pub petro_rad: f64,
    /// Noiseless Petrosian flux per band.
    pub petro_flux_true: [f64; 5],
    /// Catalog Petrosian flux per band (with noise).
    pub petro_flux: [f64; 5],
    /// Petrosian flux error per band.
    pub petro_flux_err: [f64; 5],
    /// Catalog asinh Petrosian magnitude per band.
    pub petro_mag: [f64; 5],
    /// Its error.
    pub petro_mag_err: [f64; 5],
    /// Catalog petroR50 per band (arcsec).
    pub petro_r50: [f64; 5],
    /// Catalog petroR90 per band (arcsec).
    pub petro_r90: [f64; 5],
    /// Catalog axis ratio per band.
    pub exp_ab: [f64; 5],
    /// Catalog Sersic index per band.
    pub sersic_n: [f64; 5],
    /// Model (profile-fit) magnitude per band: the r-band total flux with its own error, the other
    /// bands from it and the jointly measured model colours.
    pub model_mag: [f64; 5],
    /// Its error.
    pub model_mag_err: [f64; 5],
    /// WISE W1 W2 W3 (Vega, with noise).
    pub wise_mag: [f64; 3],
    /// WISE errors.
    pub wise_err: [f64; 3],
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample::<f64, _>(StandardNormal)
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Inverse-CDF sampler on a tabulated density.
#[derive(Debug, Clone)]
pub struct TabulatedSampler {
    x: Vec<f64>,
    cdf: Vec<f64>,
}

impl TabulatedSampler {
    /// Tabulates `density` on `n` + 1 points of [lo, hi] (trapezoid CDF).
    pub fn new(lo: f64, hi: f64, n: usize, density: impl Fn(f64) -> f64) -> Self {
        let x: Vec<f64> = (0..=n)
            .map(|i| lo + (hi - lo) * i as f64 / n as f64)
            .collect();
        let d: Vec<f64> = x.iter().map(|&v| density(v).max(0.0)).collect();
        let mut cdf = vec![0.0; n + 1];
        for i in 1..=n {
            cdf[i] = cdf[i - 1] + 0.5 * (d[i] + d[i - 1]) * (x[i] - x[i - 1]);
        }
        let total = cdf[n];
        cdf.iter_mut().for_each(|c| *c /= total);
        Self { x, cdf }
    }

    /// The quantile at `u` in [0, 1) (linear within a table cell).
    pub fn quantile(&self, u: f64) -> f64 {
        let i = self
            .cdf
            .partition_point(|&c| c <= u)
            .clamp(1, self.cdf.len() - 1);
        let (c0, c1) = (self.cdf[i - 1], self.cdf[i]);
        let f = if c1 > c0 { (u - c0) / (c1 - c0) } else { 0.0 };
        self.x[i - 1] + f * (self.x[i] - self.x[i - 1])
    }
}

/// Everything precomputed for a run.
#[derive(Debug, Clone)]
pub(crate) struct Engine {
    pub model: GalaxyModel,
    pub instrument: Instrument,
    pub cosmo: FlatLcdm,
    pub z_sampler: TabulatedSampler,
    pub logm_sampler: TabulatedSampler,
    pub seed: u64,
    pub r_limit: Option<f64>,
}

/// Stream offset separating image-noise streams from property streams.
pub(crate) const IMAGE_STREAM_KEY: u64 = 0x9E37_79B9_7F4A_7C15;

impl Engine {
    pub(crate) fn new(
        model: GalaxyModel,
        instrument: Instrument,
        cosmo: FlatLcdm,
        z_range: (f64, f64),
        seed: u64,
        r_limit: Option<f64>,
    ) -> Self {
        let z_sampler = TabulatedSampler::new(z_range.0, z_range.1, 4000, |z| cosmo.dvc_dz(z));
        let (ms, a) = (model.schechter_logm_star, model.schechter_alpha);
        let logm_sampler = TabulatedSampler::new(model.logm_min, model.logm_max, 4000, |x| {
            let t = 10f64.powf(x - ms);
            t.powf(1.0 + a) * (-t).exp()
        });
        Self {
            model,
            instrument,
            cosmo,
            z_sampler,
            logm_sampler,
            seed,
            r_limit,
        }
    }

    /// Draws candidate `index`; `None` when it fails the flux limit (if any).
    pub(crate) fn draw(&self, index: u64) -> Option<GalaxyRecord> {
        let m = &self.model;
        let ins = &self.instrument;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(index);

        // --- roots
        let z = self.z_sampler.quantile(rng.random::<f64>());
        let ebv = (m.ebv_median.ln() + m.ebv_sigma_ln * normal(&mut rng))
            .exp()
            .min(m.ebv_max);
        let logm = self.logm_sampler.quantile(rng.random::<f64>());
        let cos_i: f64 = rng.random::<f64>();
        let q0 = m.disk_thickness;
        let q_disk = (cos_i * cos_i * (1.0 - q0 * q0) + q0 * q0).sqrt();
        let pa = std::f64::consts::PI * rng.random::<f64>();
        // --- structure and star formation
        let bt =
            logistic(m.bt_intercept + m.bt_logm * (logm - 10.5) + m.bt_scatter * normal(&mut rng));
        let quenched = rng.random::<f64>()
            < logistic((logm - m.quench_logm) / m.quench_width + m.quench_bt * (bt - 0.5));
        let eps_ssfr = normal(&mut rng);
        let ssfr = if quenched {
            m.passive_ssfr + m.passive_scatter * eps_ssfr
        } else {
            m.ms_ssfr_at_10 + m.ms_slope * (logm - 10.0) + m.ms_scatter * eps_ssfr
        };
        let class = if ssfr > m.class_sf_min_ssfr {
            GalaxyClass::StarForming
        } else if ssfr < m.class_passive_max_ssfr {
            GalaxyClass::Passive
        } else {
            GalaxyClass::Other
        };
        let gr_bulge = m.gr_bulge;
        let gr_disk =
            m.gr_disk_0 + m.gr_disk_ssfr * (ssfr + 10.0) + m.gr_disk_scatter * normal(&mut rng);
        let log_re_disk =
            m.re_disk_0 + m.re_disk_logm * (logm - 10.5) + m.re_disk_scatter * normal(&mut rng);
        let log_re_bulge = log_re_disk + m.re_bulge_offset;

        // --- component photometry: the r luminosity from the mass and the light-weighted mass-to-light
        // ratio (the bulge's with its own scatter), split by B/T; other bands from the component colours
        let dm = self.cosmo.distance_modulus(z);
        let ml_bulge = m.ml_intercept
            + m.ml_slope * gr_bulge
            + m.ml_bulge_offset
            + m.ml_bulge_scatter * normal(&mut rng);
        let ml_disk = m.ml_intercept + m.ml_slope * gr_disk + m.ml_disk_offset;
        let ml_bulge_lin = 10f64.powf(ml_bulge);
        let log_l_r = logm - (bt * ml_bulge_lin + (1.0 - bt) * 10f64.powf(ml_disk)).log10();
        let bt_mass = bt * ml_bulge_lin / (bt * ml_bulge_lin + (1.0 - bt) * 10f64.powf(ml_disk));
        let mut comp_flux = [[0.0f64; 5]; 2];
        for (k, (light_frac, c)) in [(bt, gr_bulge), (1.0 - bt, gr_disk)]
            .into_iter()
            .enumerate()
        {
            let [ug, ri, iz] = if k == 0 {
                m.bulge_colours
            } else {
                [
                    m.ug_0 + m.ug_slope * (c - 0.4),
                    m.ri_0 + m.ri_slope * (c - 0.4),
                    m.iz_0 + m.iz_slope * (c - 0.4),
                ]
            };
            let ug = ug + m.colour_scatter[0] * normal(&mut rng);
            let ri = ri + m.colour_scatter[1] * normal(&mut rng);
            let iz = iz + m.colour_scatter[2] * normal(&mut rng);
            let log_l = log_l_r + light_frac.max(1e-300).log10();
            let abs_r = m.msun_r - 2.5 * log_l;
            let abs = [
                abs_r + c + ug,
                abs_r + c,
                abs_r,
                abs_r - ri,
                abs_r - ri - iz,
            ];
            for b in 0..5 {
                let app = abs[b] + dm + m.kcorr.apply(b, z, c) + m.extinction[b] * ebv;
                comp_flux[k][b] = mag_to_nmgy(app);
            }
        }
        let [bulge_flux, disk_flux] = comp_flux;

        // model (profile-fit) photometry: the total r flux with its own error, colours measured jointly
        let total_flux: [f64; 5] = std::array::from_fn(|b| bulge_flux[b] + disk_flux[b]);
        let model_r_sigma = (m.model_flux_pixels * ins.sky_sigma[R_BAND].powi(2)
            + total_flux[R_BAND] / ins.electrons_per_nmgy[R_BAND]
            + (m.calibration_error * total_flux[R_BAND]).powi(2))
        .sqrt();
        let model_r_obs = total_flux[R_BAND] + model_r_sigma * normal(&mut rng);
        let model_r = asinh_mag(model_r_obs, R_BAND);
        let model_r_err = asinh_mag_err(model_r_obs, model_r_sigma, R_BAND);
        let mut model_colour = [0.0; 4];
        for (k, col) in model_colour.iter_mut().enumerate() {
            *col = -2.5 * (total_flux[k] / total_flux[k + 1]).log10()
                + m.model_colour_error[k] * normal(&mut rng);
        }
        let mut model_mag = [0.0; 5];
        model_mag[R_BAND] = model_r;
        model_mag[1] = model_r + model_colour[1];
        model_mag[0] = model_mag[1] + model_colour[0];
        model_mag[3] = model_r - model_colour[2];
        model_mag[4] = model_mag[3] - model_colour[3];
        let model_mag_err = [
            (model_r_err.powi(2)
                + (m.model_colour_error[0].powi(2) + m.model_colour_error[1].powi(2)))
            .sqrt(),
            (model_r_err.powi(2) + m.model_colour_error[1].powi(2)).sqrt(),
            model_r_err,
            (model_r_err.powi(2) + m.model_colour_error[2].powi(2)).sqrt(),
            (model_r_err.powi(2)
                + m.model_colour_error[2].powi(2)
                + m.model_colour_error[3].powi(2))
            .sqrt(),
        ];

        // WISE (independent of the optical measurement noise): W1 from a near-constant M/L
        let lw1 = logm - m.w1_ml + m.w1_ml_scatter * normal(&mut rng);
        let w1_true = m.msun_w1 - 2.5 * lw1 + dm + m.kcorr_w1 * z;
        let w1w2 = m.w1w2_0
            + m.w1w2_ssfr * (ssfr + 10.5)
            + m.w1w2_z * z
            + m.w1w2_scatter * normal(&mut rng);
        let w1w3 = m.w13_floor
            + m.w13_slope * (1.0 + 10f64.powf(ssfr - m.w13_pivot)).log10()
            + m.w3_scatter * normal(&mut rng);
        let w3_true = m.msun_w1 - 2.5 * (logm - m.w3_ml) + dm + m.kcorr_w3 * z - w1w3;
        let wise_true = [w1_true, w1_true - w1w2, w3_true];
        let mut wise_mag = [0.0; 3];
        let mut wise_err = [0.0; 3];
        for k in 0..3 {
            (wise_mag[k], wise_err[k]) = wise_measure(
                wise_true[k],
                m.wise_5sigma[k],
                m.wise_error_floor,
                normal(&mut rng),
            );
        }

        // optical measurement noise draws (drawn before the cut so the stream layout is fixed)
        let mut eps_flux = [0.0; 5];
        let mut eps_r50 = [0.0; 5];
        let mut eps_r90 = [0.0; 5];
        let mut eps_ab = [0.0; 5];
        let mut eps_n = [0.0; 5];
        for b in 0..5 {
            eps_flux[b] = normal(&mut rng);
            eps_r50[b] = normal(&mut rng);
            eps_r90[b] = normal(&mut rng);
            eps_ab[b] = normal(&mut rng);
            eps_n[b] = normal(&mut rng);
        }

        // pre-cut: the Petrosian flux never exceeds the total flux
        if let Some(limit) = self.r_limit {
            let total_r = bulge_flux[R_BAND] + disk_flux[R_BAND];
            let dered_total = 22.5 - 2.5 * total_r.log10() - m.extinction[R_BAND] * ebv;
            if dered_total > limit + 0.25 {
                return None;
            }
        }

        // --- geometry and Petrosian quantities on the noiseless PSF-convolved profile
        let kpc_per_arcsec = self.cosmo.kpc_per_arcsec(z);
        let disk = ComponentShape {
            profile: Profile::Exponential,
            re_arcsec: 10f64.powf(log_re_disk) / kpc_per_arcsec,
            q: q_disk,
            pa_rad: pa,
        };
        let bulge = ComponentShape {
            profile: Profile::DeVaucouleurs,
            re_arcsec: 10f64.powf(log_re_bulge) / kpc_per_arcsec,
            q: m.q_bulge,
            pa_rad: pa,
        };
        let psf = ins.psf_sigma();
        let gb = component_gaussians(&bulge, psf, 0.0);
        let gd = component_gaussians(&disk, psf, 0.0);
        let widest = gb
            .iter()
            .chain(&gd)
            .map(|g| g.eigenvalues().0)
            .fold(0.0, f64::max)
            .sqrt();
        let grid = RadialGrid::new(0.02, 8.0 * widest);
        let cb = cumulative_profile(&gb, &grid);
        let cd = cumulative_profile(&gd, &grid);
        let band_cum = |b: usize| -> Vec<f64> {
            cb.iter()
                .zip(&cd)
                .map(|(x, y)| bulge_flux[b] * x + disk_flux[b] * y)
                .collect()
        };
        let cum_r = band_cum(R_BAND);
        let petro_rad = petrosian_radius(&cum_r, &grid, ins.petro_eta);
        let aperture_px =
            std::f64::consts::PI * (ins.petro_n * petro_rad / ins.pixel_scale).powi(2);

        let mut rec = GalaxyRecord {
            index,
            truth: GalaxyTruth {
                z,
                ebv,
                logm,
                ssfr,
                bt: bt_mass,
                gr_bulge,
                gr_disk,
                log_re_disk,
                q_disk,
                pa,
                class,
            },
            bulge,
            disk,
            bulge_flux,
            disk_flux,
            petro_rad,
            petro_flux_true: [0.0; 5],
            petro_flux: [0.0; 5],
            petro_flux_err: [0.0; 5],
            petro_mag: [0.0; 5],
            petro_mag_err: [0.0; 5],
            petro_r50: [0.0; 5],
            petro_r90: [0.0; 5],
            exp_ab: [0.0; 5],
            sersic_n: [0.0; 5],
            model_mag,
            model_mag_err,
            wise_mag,
            wise_err,
        };
        for b in 0..5 {
            let cum = if b == R_BAND {
                cum_r.clone()
            } else {
                band_cum(b)
            };
            let p = petrosian_in_aperture(&cum, &grid, petro_rad, ins.petro_n);
            let sigma = (aperture_px * ins.sky_sigma[b].powi(2)
                + p.flux.max(0.0) / ins.electrons_per_nmgy[b]
                + (m.calibration_error * p.flux).powi(2))
            .sqrt();
            let obs = p.flux + sigma * eps_flux[b];
            rec.petro_flux_true[b] = p.flux;
            rec.petro_flux[b] = obs;
            rec.petro_flux_err[b] = sigma;
            rec.petro_mag[b] = asinh_mag(obs, b);
            rec.petro_mag_err[b] = asinh_mag_err(obs, sigma, b);
            rec.petro_r50[b] = p.r50 * (m.radius_noise * eps_r50[b]).exp();
            rec.petro_r90[b] = p.r90 * (m.radius_noise * eps_r90[b]).exp();
            let (fb, fd) = (bulge_flux[b], disk_flux[b]);
            let ab = (fb * m.q_bulge + fd * q_disk) / (fb + fd);
            rec.exp_ab[b] = (ab + m.axis_ratio_noise * eps_ab[b]).clamp(0.05, 1.0);
            // the Sersic fit measures the profile along the major axis
            let conc = mixture_concentration(&[
                (Profile::DeVaucouleurs, fb, bulge.re_arcsec),
                (Profile::Exponential, fd, disk.re_arcsec),
            ]);
            rec.sersic_n[b] = (sersic_index_from_concentration(conc)
                * (m.sersic_noise * eps_n[b]).exp())
            .clamp(0.3, m.sersic_max);
        }
        if let Some(limit) = self.r_limit
            && rec.petro_mag[R_BAND] - m.extinction[R_BAND] * ebv >= limit
        {
            return None;
        }
        Some(rec)
    }
}

/// How a DAG node's value is read from the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeValue {
    /// The column as is.
    Column(String),
    /// log10 of the column (monotone; makes the relations close to linear).
    Log10(String),
    /// Difference of two columns (a colour).
    Difference(String, String),
}

/// Whether a node is observed in a real survey catalog or only known in the mock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeKind {
    /// A catalog measurement (what a real survey provides).
    Observed,
    /// A latent property, stored in the mock's `true_*` columns (z, EBV and log M* are both).
    Latent,
}

/// A continuous node of the truth DAG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthNode {
    /// Node name (e.g. `logM`, `g_r`).
    pub name: String,
    /// How to compute its value from the catalog.
    pub value: NodeValue,
    /// Observed or latent.
    pub kind: NodeKind,
    /// One-line meaning.
    pub description: String,
}

/// A directed edge `from -> to` of the truth DAG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthEdge {
    /// Parent node.
    pub from: String,
    /// Child node.
    pub to: String,
}

/// The generative graph of the mock over named continuous nodes. Every node's value is a function of its
/// listed parents and of noise independent of everything else (of the unselected population; the flux
/// limit conditions on a function of `rmag` and `EBV`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthDag {
    /// Nodes in a topological order.
    pub nodes: Vec<TruthNode>,
    /// Directed edges.
    pub edges: Vec<TruthEdge>,
}

impl TruthDag {
    /// Node names in order.
    pub fn node_names(&self) -> Vec<&str> {
        self.nodes.iter().map(|n| n.name.as_str()).collect()
    }

    /// Index of a node by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Parents of `name` (empty for roots); error for unknown names.
    pub fn parents(&self, name: &str) -> Result<Vec<&str>, MockError> {
        if self.index_of(name).is_none() {
            return Err(MockError::UnknownName(name.to_string()));
        }
        Ok(self
            .edges
            .iter()
            .filter(|e| e.to == name)
            .map(|e| e.from.as_str())
            .collect())
    }

    /// Adjacency matrix: `a[[i, j]] = 1` when node i -> node j.
    pub fn adjacency(&self) -> ndarray::Array2<u8> {
        let n = self.nodes.len();
        let mut a = ndarray::Array2::zeros((n, n));
        for e in &self.edges {
            if let (Some(i), Some(j)) = (self.index_of(&e.from), self.index_of(&e.to)) {
                a[[i, j]] = 1;
            }
        }
        a
    }

    /// The sub-DAG induced on `names` (edges among them only; no marginalisation of latent paths).
    pub fn restrict(&self, names: &[&str]) -> Result<TruthDag, MockError> {
        for n in names {
            if self.index_of(n).is_none() {
                return Err(MockError::UnknownName(n.to_string()));
            }
        }
        Ok(TruthDag {
            nodes: self
                .nodes
                .iter()
                .filter(|n| names.contains(&n.name.as_str()))
                .cloned()
                .collect(),
            edges: self
                .edges
                .iter()
                .filter(|e| names.contains(&e.from.as_str()) && names.contains(&e.to.as_str()))
                .cloned()
                .collect(),
        })
    }
}

/// The truth DAG of the generator (see `docs/mock-survey.md` for the equations behind every edge).
pub fn truth_dag() -> TruthDag {
    use NodeKind::{Latent, Observed};
    use NodeValue::{Column, Difference, Log10};
    let node = |name: &str, value: NodeValue, kind: NodeKind, d: &str| TruthNode {
        name: name.into(),
        value,
        kind,
        description: d.into(),
    };
    let c = |s: &str| s.to_string();
    let nodes = vec![
        node(
            "z",
            Log10(c("z")),
            Observed,
            "redshift (node value log10 z), from dV_c/dz",
        ),
        node(
            "EBV",
            Column(c("EBV")),
            Observed,
            "Galactic reddening E(B-V)",
        ),
        node(
            "logM",
            Column(c("lgm_tot_p50")),
            Observed,
            "log10 stellar mass, Schechter-like",
        ),
        node(
            "q_disk",
            Column(c("true_q_disk")),
            Latent,
            "projected disk axis ratio (random inclination)",
        ),
        node(
            "BT",
            Column(c("true_bulge_frac_r")),
            Latent,
            "bulge-to-total ratio of the r-band light",
        ),
        node(
            "sSFR",
            Column(c("true_ssfr")),
            Latent,
            "log10 specific star-formation rate",
        ),
        node(
            "gr_disk",
            Column(c("true_gr_disk")),
            Latent,
            "disk rest-frame g-r",
        ),
        node(
            "logRe_disk",
            Column(c("true_log_re_disk")),
            Latent,
            "log10 disk half-light radius (kpc)",
        ),
        node(
            "rmag",
            Column(c("modelMag_r")),
            Observed,
            "r model (total) magnitude (not dereddened)",
        ),
        node(
            "g_r",
            Difference(c("modelMag_g"), c("modelMag_r")),
            Observed,
            "model g-r colour",
        ),
        node(
            "r_i",
            Difference(c("modelMag_r"), c("modelMag_i")),
            Observed,
            "model r-i colour",
        ),
        node(
            "R50",
            Log10(c("petroR50_r")),
            Observed,
            "r-band Petrosian half-light radius (node value log10 arcsec)",
        ),
        node(
            "n",
            Log10(c("Sersic_n_r")),
            Observed,
            "r-band Sersic index (node value log10 n)",
        ),
        node("ba", Column(c("expAB_r")), Observed, "r-band axis ratio"),
        node(
            "W1_W2",
            Difference(c("w1mpro"), c("w2mpro")),
            Observed,
            "WISE W1-W2 colour",
        ),
        node(
            "W3",
            Column(c("w3mpro")),
            Observed,
            "WISE W3 magnitude (star formation)",
        ),
    ];
    let colour = vec!["z", "EBV", "BT", "gr_disk"];
    let parents: Vec<(&str, Vec<&str>)> = vec![
        ("BT", vec!["logM"]),
        ("sSFR", vec!["logM", "BT"]),
        ("gr_disk", vec!["sSFR"]),
        ("logRe_disk", vec!["logM"]),
        ("rmag", vec!["z", "EBV", "logM", "BT", "gr_disk"]),
        ("g_r", colour.clone()),
        ("r_i", colour),
        ("R50", vec!["z", "q_disk", "logRe_disk", "BT"]),
        ("n", vec!["BT"]),
        ("ba", vec!["q_disk", "BT"]),
        ("W1_W2", vec!["z", "logM", "sSFR"]),
        ("W3", vec!["z", "logM", "sSFR"]),
    ];
    let edges = parents
        .into_iter()
        .flat_map(|(child, ps)| {
            ps.into_iter().map(move |p| TruthEdge {
                from: p.into(),
                to: child.into(),
            })
        })
        .collect();
    TruthDag { nodes, edges }
}
