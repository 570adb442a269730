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
    /// Coefficients chosen so that K_r(0.1) is about 0.10 for red (g-r = 0.8) and 0.04 for blue
    /// (g-r = 0.4) galaxies and K_g(0.1) about 0.35 / 0.15, as in the low-redshift SDSS k-corrections.
    fn default() -> Self {
        Self {
            intercept: [1.0, -0.5, -0.2, -0.1, -0.2],
            colour_slope: [2.0, 5.0, 1.5, 0.8, 0.5],
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
    fn wise_error_at_five_sigma() {
        let e = wise_mag_err(16.8, 16.8, 0.0);
        assert!((e - 0.217_147).abs() < 1e-5);
    }
}
