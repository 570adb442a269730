//! Photometric conventions of the mock: SDSS bands, asinh magnitudes, Galactic extinction,
//! the simple k-correction, and WISE magnitude errors.

use serde::{Deserialize, Serialize};

/// The five SDSS bands in catalog order.
pub const SDSS_BANDS: [&str; 5] = ["u", "g", "r", "i", "z"];

/// Index of the r band in [`SDSS_BANDS`].
pub const R_BAND: usize = 2;

/// SDSS asinh softening parameters b per band (Lupton, Gunn & Szalay 1999; SDSS DR7 values).
pub const ASINH_SOFTENING: [f64; 5] = [1.4e-10, 0.9e-10, 1.2e-10, 1.8e-10, 7.4e-10];

/// A_band / E(B-V) for the SDSS bands as used by the SDSS pipeline (Schlegel, Finkbeiner & Davis 1998
/// coefficients: 5.155, 3.793, 2.751, 2.086, 1.479).
pub const SDSS_EXTINCTION: [f64; 5] = [5.155, 3.793, 2.751, 2.086, 1.479];

/// Zero point of nanomaggies: m = 22.5 - 2.5 log10(f / 1 nmgy) for Pogson magnitudes.
pub const NMGY_ZERO_POINT: f64 = 22.5;

/// Pogson AB magnitude to flux in nanomaggies.
pub fn mag_to_nmgy(mag: f64) -> f64 {
    10f64.powf(-0.4 * (mag - NMGY_ZERO_POINT))
}

/// SDSS asinh magnitude of a flux in nanomaggies (defined for zero and negative flux too).
///
/// m = -(2.5 / ln 10) [asinh((f/f0) / (2b)) + ln b], with f/f0 = flux * 1e-9.
pub fn asinh_mag(flux_nmgy: f64, band: usize) -> f64 {
    let b = ASINH_SOFTENING[band];
    let x = flux_nmgy * 1e-9;
    -(2.5 / std::f64::consts::LN_10) * ((x / (2.0 * b)).asinh() + b.ln())
}

/// Error of [`asinh_mag`] for a flux error `sigma_nmgy`: (2.5 / ln 10) sigma / sqrt(f^2 + (2 b f0)^2).
pub fn asinh_mag_err(flux_nmgy: f64, sigma_nmgy: f64, band: usize) -> f64 {
    let soft = 2.0 * ASINH_SOFTENING[band] * 1e9;
    (2.5 / std::f64::consts::LN_10) * sigma_nmgy / (flux_nmgy * flux_nmgy + soft * soft).sqrt()
}

/// The simple k-correction of the mock, linear in redshift and rest-frame g-r colour:
/// K_b(z, c) = z (a_b + s_b c), applied per galaxy component.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KCorrection {
    /// a_b per SDSS band (mag per unit z).
    pub intercept: [f64; 5],
    /// s_b per SDSS band (mag per unit z per mag of g-r).
    pub colour_slope: [f64; 5],
}

impl Default for KCorrection {
    /// Coefficients chosen so that K_g(0.1) - K_r(0.1) is about 0.25 for red (g-r = 0.8) and 0.11
    /// for blue (g-r = 0.4) galaxies, as in the low-redshift SDSS k-corrections, with K_r(0.1) = 0.07
    /// for every colour: the r-band k-correction is taken colour-independent so that the observed
    /// r-band bulge light fraction equals the rest-frame one (the structural measurements then do not
    /// depend on redshift through it). The other bands keep the colour dependence of their k-corrections
    /// relative to r.
    fn default() -> Self {
        Self {
            intercept: [1.9, 0.4, 0.7, 0.8, 0.7],
            colour_slope: [0.5, 3.5, 0.0, -0.7, -1.0],
        }
    }
}

impl KCorrection {
    /// K-correction in band `band` for redshift `z` and rest-frame g-r colour `gr`.
    pub fn apply(&self, band: usize, z: f64, gr: f64) -> f64 {
        z * (self.intercept[band] + self.colour_slope[band] * gr)
    }
}

/// WISE magnitude error model: sigma = sqrt(floor^2 + (1.0857 / SNR)^2), SNR = 5 * 10^(-0.4 (m - m_5sigma)).
pub fn wise_mag_err(mag: f64, m_5sigma: f64, floor: f64) -> f64 {
    let snr = 5.0 * 10f64.powf(-0.4 * (mag - m_5sigma));
    (floor * floor + (1.085_736 / snr).powi(2)).sqrt()
}

/// A WISE measurement with noise drawn in flux space: the true magnitude `mag`, the band's 5-sigma
/// limit and the relative error floor (in mag) give the flux f = 5 x 10^(-0.4 (m - m_5sigma)) in
/// units of the 1-sigma sky noise and its error sqrt(1 + (floor f / 1.0857)^2); `eps` is the
/// standard normal draw. Returns the asinh magnitude softened at the 1-sigma flux,
/// m = m_1sigma - 1.0857 asinh(f_obs / 2) (Pogson's for bright sources, bounded near m_1sigma for
/// non-detections, as SDSS magnitudes are), and its error 1.0857 sigma_f / sqrt(f_obs^2 + 4).
pub fn wise_measure(mag: f64, m_5sigma: f64, floor: f64, eps: f64) -> (f64, f64) {
    const K: f64 = 1.085_736_204_758_129_6; // 2.5 / ln 10
    let f = 5.0 * 10f64.powf(-0.4 * (mag - m_5sigma));
    let sigma = (1.0 + (floor * f / K).powi(2)).sqrt();
    let f_obs = f + sigma * eps;
    let m_1sigma = m_5sigma + 2.5 * 5f64.log10();
    (
        m_1sigma - K * (f_obs / 2.0).asinh(),
        K * sigma / (f_obs * f_obs + 4.0).sqrt(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asinh_mag_matches_pogson_for_bright_sources() {
        // 100 nmgy = 17.5 mag Pogson; the asinh form agrees to ~(b f0 / f)^2 mag (z band: 6e-5).
        for band in 0..5 {
            assert!((asinh_mag(100.0, band) - 17.5).abs() < 1e-4, "band {band}");
        }
        // Zero flux: m = -(2.5/ln10) ln b (u: 24.63 mag, the documented SDSS u-band zero-flux magnitude).
        assert!((asinh_mag(0.0, 0) - 24.63).abs() < 0.005);
        assert!(asinh_mag(-1.0, 2).is_finite());
    }

    #[test]
    fn asinh_error_is_pogson_error_when_bright() {
        let e = asinh_mag_err(100.0, 1.0, 2);
        assert!((e - 1.085_736_2 * 0.01).abs() < 1e-6);
    }

    #[test]
    fn wise_measurement_is_pogson_when_bright_and_bounded_when_faint() {
        // bright, no noise: the true magnitude, with the floor as error
        let (m, e) = wise_measure(10.0, 16.8, 0.02, 0.0);
        assert!((m - 10.0).abs() < 1e-6, "{m}");
        assert!((e - 0.02).abs() < 1e-4, "{e}");
        // at the 5-sigma limit the asinh form is 1.0857 (asinh 2.5 - ln 5) = 0.041 mag brighter than
        // Pogson's, with error 1.0857 / sqrt(29) (Pogson: 1.0857 / 5)
        let (m, e) = wise_measure(16.8, 16.8, 0.0, 0.0);
        let pogson_gap = 1.085_736 * (2.5f64.asinh() - 5f64.ln());
        assert!((m - (16.8 - pogson_gap)).abs() < 1e-5, "{m}");
        assert!((pogson_gap - 0.0413).abs() < 1e-3, "{pogson_gap}");
        assert!((e - 1.085_736 / 29f64.sqrt()).abs() < 1e-6, "{e}");
        // far below the limit a 3-sigma low draw stays within a few magnitudes of m_1sigma
        let m1 = 16.8 + 2.5 * 5f64.log10();
        let (m, _) = wise_measure(30.0, 16.8, 0.02, -3.0);
        assert!((m - (m1 + 1.085_736 * 1.5f64.asinh())).abs() < 1e-4, "{m}");
    }

    #[test]
    fn wise_error_at_five_sigma() {
        let e = wise_mag_err(16.8, 16.8, 0.0);
        assert!((e - 0.217_147).abs() < 1e-5);
    }
}
