//! Image preprocessing of METHOD.md section 1: flux normalisation with per-band percentile clipping,
//! the sign(x) ln(1 + |x|) rescaling, and 2x2 binning.
//!
//! ```
//! use galaxy_io::preprocess::{FluxNormParams, sign_log, bin2x2, BinMode};
//! use ndarray::{Array2, Array4};
//! let mut images = Array4::<f32>::from_elem((3, 5, 4, 4), 2.0);
//! let flux = Array2::from_shape_fn((3, 5), |(g, _)| 10.0 * (g + 1) as f64);
//! let norm = FluxNormParams::default().check()?.fit(flux.view())?;
//! norm.apply(&mut images, flux.view())?;
//! assert!((images[[1, 0, 0, 0]] - 0.1).abs() < 1e-6); // divided by its own flux, 20
//! sign_log(&mut images);
//! let small = bin2x2(images.view(), BinMode::Mean)?;
//! assert_eq!(small.dim(), (3, 5, 2, 2));
//! # Ok::<(), galaxy_io::Error>(())
//! ```

use ndarray::{Array4, ArrayView2, ArrayView4, Axis, Zip};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Parameters of the flux normalisation (builder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FluxNormParams {
    /// Lower clipping percentile (0-100) per band, in band order. The study: 2 for u, 0.1 for g r i z.
    pub percentiles: Vec<f64>,
}

impl Default for FluxNormParams {
    /// The study's ugriz percentiles: 2, 0.1, 0.1, 0.1, 0.1.
    fn default() -> Self {
        Self {
            percentiles: vec![2.0, 0.1, 0.1, 0.1, 0.1],
        }
    }
}

impl FluxNormParams {
    /// Sets the per-band percentiles.
    pub fn percentiles(mut self, p: Vec<f64>) -> Self {
        self.percentiles = p;
        self
    }

    /// Validates: at least one band, every percentile finite in [0, 100].
    pub fn check(self) -> Result<FluxNormConfig> {
        if self.percentiles.is_empty() {
            return Err(Error::InvalidParameter {
                name: "percentiles".into(),
                reason: "no bands".into(),
            });
        }
        for (b, p) in self.percentiles.iter().enumerate() {
            if !(p.is_finite() && (0.0..=100.0).contains(p)) {
                return Err(Error::InvalidParameter {
                    name: format!("percentiles[{b}]"),
                    reason: format!("must lie in [0, 100], got {p}"),
                });
            }
        }
        Ok(FluxNormConfig { params: self })
    }
}

/// Validated flux-normalisation parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct FluxNormConfig {
    params: FluxNormParams,
}

/// Fitted per-band clipping range: divide band b by `clamp(flux, lower[b], upper[b])`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FluxNormalizer {
    /// The percentiles used.
    pub percentiles: Vec<f64>,
    /// P_b: the percentile of the band's flux over the catalog.
    pub lower: Vec<f64>,
    /// The band's largest flux.
    pub upper: Vec<f64>,
}

/// Percentile with linear interpolation between order statistics (numpy's default "linear" method)
/// of the finite values; `None` when there are none.
pub fn percentile(values: impl IntoIterator<Item = f64>, p: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let pos = p / 100.0 * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(v[lo] + (pos - lo as f64) * (v[hi] - v[lo]))
}

impl FluxNormConfig {
    /// Fits the clipping range on a galaxies x bands matrix of Petrosian fluxes. Non-finite fluxes
    /// (missing) are ignored; a band with no finite flux is an error.
    pub fn fit(&self, flux: ArrayView2<f64>) -> Result<FluxNormalizer> {
        let nb = self.params.percentiles.len();
        if flux.ncols() != nb {
            return Err(Error::LengthMismatch {
                what: "flux bands vs percentiles".into(),
                expected: nb,
                got: flux.ncols(),
            });
        }
        let mut lower = Vec::with_capacity(nb);
        let mut upper = Vec::with_capacity(nb);
        for (b, &p) in self.params.percentiles.iter().enumerate() {
            let col = flux.column(b);
            let lo = percentile(col.iter().copied(), p).ok_or_else(|| Error::InvalidParameter {
                name: format!("flux band {b}"),
                reason: "no finite flux to take a percentile of".into(),
            })?;
            let hi = col
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .fold(f64::NEG_INFINITY, f64::max);
            if lo <= 0.0 {
                return Err(Error::InvalidParameter {
                    name: format!("flux band {b}"),
                    reason: format!(
                        "the {p}th percentile of the flux is {lo} <= 0; cannot divide by it"
                    ),
                });
            }
            lower.push(lo);
            upper.push(hi);
        }
        Ok(FluxNormalizer {
            percentiles: self.params.percentiles.clone(),
            lower,
            upper,
        })
    }
}

impl FluxNormalizer {
    /// The divisor of galaxy flux `f` in band `b`: clamp(f, lower, upper); missing flux -> lower.
    pub fn divisor(&self, b: usize, f: f64) -> f64 {
        if f.is_finite() {
            f.clamp(self.lower[b], self.upper[b].max(self.lower[b]))
        } else {
            self.lower[b]
        }
    }

    /// Divides every band image (galaxy x band x H x W) by its clipped Petrosian flux (galaxy x band).
    pub fn apply(&self, images: &mut Array4<f32>, flux: ArrayView2<f64>) -> Result<()> {
        let (n, nb, _, _) = images.dim();
        if flux.dim() != (n, nb) {
            return Err(Error::LengthMismatch {
                what: "flux matrix (galaxies x bands) vs images".into(),
                expected: n * nb,
                got: flux.len(),
            });
        }
        if nb != self.lower.len() {
            return Err(Error::LengthMismatch {
                what: "image bands vs fitted bands".into(),
                expected: self.lower.len(),
                got: nb,
            });
        }
        for (g, mut gal) in images.axis_iter_mut(Axis(0)).enumerate() {
            for (b, mut band) in gal.axis_iter_mut(Axis(0)).enumerate() {
                let d = self.divisor(b, flux[[g, b]]) as f32;
                band.mapv_inplace(|x| x / d);
            }
        }
        Ok(())
    }
}

/// sign(x) ln(1 + |x|) of one value.
pub fn sign_log1p(x: f32) -> f32 {
    x.signum() * x.abs().ln_1p()
}

/// Inverse of [`sign_log1p`]: sign(y) (e^|y| - 1).
pub fn sign_log1p_inverse(y: f32) -> f32 {
    y.signum() * y.abs().exp_m1()
}

/// Applies sign(x) ln(1 + |x|) to every pixel in place (NaN stays NaN; 0 stays 0).
pub fn sign_log<D: ndarray::Dimension>(images: &mut ndarray::Array<f32, D>) {
    images.mapv_inplace(|x| if x == 0.0 { 0.0 } else { sign_log1p(x) });
}

/// How [`bin2x2`] combines 2x2 blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinMode {
    /// Sum (conserves flux: nanomaggies per pixel stay a flux).
    Sum,
    /// Mean (conserves surface brightness).
    Mean,
}

/// Bins the last two axes of a galaxy x band x H x W cube by 2x2 blocks; H and W must be even.
pub fn bin2x2(images: ArrayView4<f32>, mode: BinMode) -> Result<Array4<f32>> {
    let (n, nb, h, w) = images.dim();
    if h % 2 != 0 || w % 2 != 0 {
        return Err(Error::InvalidParameter {
            name: "images".into(),
            reason: format!("2x2 binning needs even height and width, got {h} x {w}"),
        });
    }
    let scale = match mode {
        BinMode::Sum => 1.0,
        BinMode::Mean => 0.25,
    };
    let mut out = Array4::<f32>::zeros((n, nb, h / 2, w / 2));
    Zip::indexed(&mut out).for_each(|(g, b, y, x), o| {
        let s = images[[g, b, 2 * y, 2 * x]]
            + images[[g, b, 2 * y, 2 * x + 1]]
            + images[[g, b, 2 * y + 1, 2 * x]]
            + images[[g, b, 2 * y + 1, 2 * x + 1]];
        *o = s * scale;
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn percentile_matches_numpy_linear() {
        // numpy.percentile([1, 2, 3, 4, 10], [0.1, 2, 50, 90]) = [1.004, 1.08, 3.0, 7.6]
        let v = [4.0, 1.0, 10.0, 3.0, 2.0];
        for (p, want) in [(0.1, 1.004), (2.0, 1.08), (50.0, 3.0), (90.0, 7.6)] {
            assert!((percentile(v, p).unwrap() - want).abs() < 1e-12, "p = {p}");
        }
        assert_eq!(percentile([f64::NAN], 50.0), None);
    }

    #[test]
    fn normalisation_clips_faint_galaxies_at_the_percentile() {
        // u fluxes 1..=100: the 2nd percentile is 2.98; g..z 0.1th percentile of 1..=100 is 1.099
        let flux = Array2::from_shape_fn((100, 5), |(g, _)| (g + 1) as f64);
        let norm = FluxNormParams::default()
            .check()
            .unwrap()
            .fit(flux.view())
            .unwrap();
        assert!((norm.lower[0] - 2.98).abs() < 1e-12);
        assert!((norm.lower[1] - 1.099).abs() < 1e-12);
        assert_eq!(norm.upper[0], 100.0);
        let mut images = Array4::<f32>::from_elem((100, 5, 2, 2), 6.0);
        norm.apply(&mut images, flux.view()).unwrap();
        // galaxy 0 (flux 1) is divided by the clipped value; galaxy 49 (flux 50) by its own flux
        assert!((images[[0, 0, 0, 0]] - (6.0 / 2.98) as f32).abs() < 1e-6);
        assert!((images[[0, 1, 1, 1]] - (6.0 / 1.099) as f32).abs() < 1e-5);
        assert!((images[[49, 3, 0, 1]] - 6.0 / 50.0).abs() < 1e-7);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(
            FluxNormParams::default()
                .percentiles(vec![101.0])
                .check()
                .is_err()
        );
        assert!(
            FluxNormParams::default()
                .percentiles(vec![])
                .check()
                .is_err()
        );
        let cfg = FluxNormParams::default().check().unwrap();
        assert!(cfg.fit(Array2::<f64>::zeros((4, 3)).view()).is_err());
        assert!(cfg.fit(Array2::from_elem((4, 5), f64::NAN).view()).is_err());
        assert!(cfg.fit(Array2::from_elem((4, 5), -1.0).view()).is_err());
        let norm = cfg.fit(Array2::from_elem((4, 5), 1.0).view()).unwrap();
        let mut img = Array4::<f32>::zeros((3, 5, 2, 2));
        assert!(
            norm.apply(&mut img, Array2::from_elem((4, 5), 1.0).view())
                .is_err()
        );
        assert!(bin2x2(Array4::<f32>::zeros((1, 1, 3, 4)).view(), BinMode::Sum).is_err());
    }

    #[test]
    fn sign_log_values_and_inverse() {
        let mut a = ndarray::arr1(&[0.0f32, 1.0, -1.0, (std::f32::consts::E - 1.0), 1e6]);
        sign_log(&mut a);
        assert_eq!(a[0], 0.0);
        assert!((a[1] - 2f32.ln()).abs() < 1e-7);
        assert!((a[2] + 2f32.ln()).abs() < 1e-7);
        assert!((a[3] - 1.0).abs() < 1e-6);
        assert!((sign_log1p_inverse(a[4]) - 1e6).abs() < 1.0);
    }

    #[test]
    fn binning_sums_and_means_blocks() {
        let img = Array4::from_shape_fn((1, 2, 4, 4), |(_, b, y, x)| (b * 100 + y * 4 + x) as f32);
        let s = bin2x2(img.view(), BinMode::Sum).unwrap();
        assert_eq!(s[[0, 0, 0, 0]], 0.0 + 1.0 + 4.0 + 5.0);
        assert_eq!(s[[0, 1, 1, 1]], 4.0 * 100.0 + 10.0 + 11.0 + 14.0 + 15.0);
        let m = bin2x2(img.view(), BinMode::Mean).unwrap();
        assert_eq!(m[[0, 0, 1, 0]], (8.0 + 9.0 + 12.0 + 13.0) / 4.0);
        assert_eq!(img.sum(), s.sum());
    }
}
