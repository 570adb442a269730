//! Cutouts: N x N stamps centred at sky positions, every band resampled onto the reference band's grid
//! (bilinear or Lanczos-3), with an edge policy, a missing-pixel mask and each stamp's own WCS;
//! assembled as galaxy x band x H x W `f32` cubes.
//!
//! With [`Centering::Exact`] (default) the stamp grid is the reference grid shifted by the sub-pixel
//! offset that puts the target at pixel ((N-1)/2, (N-1)/2), so every band (the reference included) is
//! interpolated; [`Centering::NearestPixel`] keeps the reference grid (the reference band is copied
//! exactly and the target lies within half a pixel of the centre).
//!
//! ```
//! use galaxy_io::cutout::{CutoutParams, Frame};
//! use galaxy_io::wcs::TanWcs;
//! use ndarray::Array2;
//! let wcs = TanWcs::new([50.5, 50.5], [150.0, 2.0], [[-1.1e-4, 0.0], [0.0, 1.1e-4]])?;
//! let frame = Frame::new("r", Array2::from_elem((100, 100), 1.0f32), wcs)?;
//! let set = CutoutParams::new(16).check()?.cut(&[frame], 0, &[(150.0, 2.0), (151.0, 2.0)])?;
//! assert_eq!(set.images.dim(), (1, 1, 16, 16)); // the second position is off the frame: rejected
//! assert_eq!(set.rejected.len(), 1);
//! let (x, y) = set.wcs[0].sky_to_pixel(150.0, 2.0)?;
//! assert!((x - 7.5).abs() < 1e-9 && (y - 7.5).abs() < 1e-9);
//! # Ok::<(), galaxy_io::cutout::CutoutError>(())
//! ```

use ndarray::{Array2, Array4, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::fits::FitsFile;
use crate::wcs::{TanWcs, WcsError};

/// Errors of cutout extraction.
#[derive(Debug, thiserror::Error)]
pub enum CutoutError {
    /// Reading a frame failed.
    #[error(transparent)]
    Fits(#[from] crate::Error),
    /// A frame's WCS is unusable.
    #[error("WCS of frame {frame}: {source}")]
    Wcs {
        /// The frame (band name or path).
        frame: String,
        /// The WCS error.
        #[source]
        source: WcsError,
    },
    /// A parameter is out of range.
    #[error("invalid cutout parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// A frame is not a 2-D image.
    #[error("frame {frame} is not a 2-D image (shape {shape:?})")]
    NotAnImage {
        /// The frame.
        frame: String,
        /// Its shape.
        shape: Vec<usize>,
    },
}

impl From<WcsError> for CutoutError {
    fn from(source: WcsError) -> Self {
        CutoutError::Wcs {
            frame: String::new(),
            source,
        }
    }
}

/// Interpolation kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resampling {
    /// Bilinear (2 x 2 taps).
    Bilinear,
    /// Lanczos with a = 3 (6 x 6 taps, weights normalised per axis).
    Lanczos3,
}

/// What to do when a stamp needs pixels outside a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EdgePolicy {
    /// Drop the galaxy (listed in [`CutoutSet::rejected`]).
    Reject,
    /// Keep it: such pixels are NaN and masked.
    PadMissing,
}

/// Placement of the stamp grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Centering {
    /// The target lands exactly on ((N-1)/2, (N-1)/2); every band is interpolated.
    Exact,
    /// The stamp is an integer-aligned sub-grid of the reference frame.
    NearestPixel,
}

/// Cutout parameters (builder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutoutParams {
    /// Stamp side in pixels.
    pub size: usize,
    /// Interpolation kernel.
    pub resampling: Resampling,
    /// Edge policy.
    pub edge: EdgePolicy,
    /// Grid placement.
    pub centering: Centering,
    /// Scale resampled values by the ratio of pixel areas (reference / band), so pixels stay fluxes.
    pub flux_conserving: bool,
}

impl CutoutParams {
    /// Stamps of `size` pixels, Lanczos-3, reject at edges, exact centring, flux-conserving.
    pub fn new(size: usize) -> Self {
        Self {
            size,
            resampling: Resampling::Lanczos3,
            edge: EdgePolicy::Reject,
            centering: Centering::Exact,
            flux_conserving: true,
        }
    }
    /// Sets the kernel.
    pub fn resampling(mut self, r: Resampling) -> Self {
        self.resampling = r;
        self
    }
    /// Sets the edge policy.
    pub fn edge(mut self, e: EdgePolicy) -> Self {
        self.edge = e;
        self
    }
    /// Sets the centring.
    pub fn centering(mut self, c: Centering) -> Self {
        self.centering = c;
        self
    }
    /// Validates.
    pub fn check(self) -> Result<CutoutConfig, CutoutError> {
        if self.size == 0 || self.size > 16384 {
            return Err(CutoutError::InvalidParameter {
                name: "size",
                reason: format!("must be 1..=16384, got {}", self.size),
            });
        }
        Ok(CutoutConfig { params: self })
    }
}

impl Default for CutoutParams {
    /// 64-pixel stamps.
    fn default() -> Self {
        Self::new(64)
    }
}

/// Validated cutout parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct CutoutConfig {
    params: CutoutParams,
}

/// One band's frame: pixels (rows = y = NAXIS2, columns = x = NAXIS1; NaN = missing) and WCS.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Band name.
    pub band: String,
    /// Pixels.
    pub data: Array2<f32>,
    /// Its WCS.
    pub wcs: TanWcs,
}

impl Frame {
    /// A frame from parts.
    pub fn new(
        band: impl Into<String>,
        data: Array2<f32>,
        wcs: TanWcs,
    ) -> Result<Frame, CutoutError> {
        let band = band.into();
        if data.is_empty() {
            return Err(CutoutError::NotAnImage {
                frame: band,
                shape: data.shape().to_vec(),
            });
        }
        Ok(Frame { band, data, wcs })
    }

    /// Reads HDU `hdu` of a FITS file (any compression the crate reads) as a frame of band `band`.
    pub fn from_fits(
        path: impl AsRef<std::path::Path>,
        hdu: usize,
        band: impl Into<String>,
    ) -> Result<Frame, CutoutError> {
        let path = path.as_ref();
        let f = FitsFile::open(path)?;
        let header = f.hdu(hdu)?.header.clone();
        let img = f.image(hdu)?.to_f32();
        let shape = img.shape().to_vec();
        let data =
            img.into_dimensionality::<ndarray::Ix2>()
                .map_err(|_| CutoutError::NotAnImage {
                    frame: path.display().to_string(),
                    shape,
                })?;
        let wcs = TanWcs::from_header(&header).map_err(|source| CutoutError::Wcs {
            frame: path.display().to_string(),
            source,
        })?;
        Frame::new(band, data, wcs)
    }
}

/// Why a position produced no stamp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// Index of the position in the input list.
    pub index: usize,
    /// The reason.
    pub reason: String,
}

/// The assembled stamps.
#[derive(Debug, Clone)]
pub struct CutoutSet {
    /// Band names in cube order.
    pub bands: Vec<String>,
    /// galaxy x band x size x size; missing pixels are NaN.
    pub images: Array4<f32>,
    /// Same shape; true = missing (outside a frame, or a missing source pixel under the kernel).
    pub mask: Array4<bool>,
    /// Each stamp's WCS (on the reference grid).
    pub wcs: Vec<TanWcs>,
    /// Input indices of the kept stamps, in cube order.
    pub indices: Vec<usize>,
    /// Positions without a stamp.
    pub rejected: Vec<Rejection>,
}

fn lanczos3(x: f64) -> f64 {
    let ax = x.abs();
    if ax < 1e-12 {
        1.0
    } else if ax >= 3.0 {
        0.0
    } else {
        let px = std::f64::consts::PI * x;
        3.0 * px.sin() * (px / 3.0).sin() / (px * px)
    }
}

/// Separable interpolation taps for a fractional offset `t` in [0, 1): weights for the pixels
/// floor(x) + start .. floor(x) + start + len (normalised to sum 1).
#[derive(Debug, Clone, Copy)]
struct Taps {
    w: [f64; 6],
    start: i64,
    len: usize,
}

fn taps(kernel: Resampling, t: f64) -> Taps {
    if t < 1e-12 {
        // on a grid position every kernel reduces to a copy
        let mut w = [0.0; 6];
        w[0] = 1.0;
        return Taps {
            w,
            start: 0,
            len: 1,
        };
    }
    match kernel {
        Resampling::Bilinear => {
            let mut w = [0.0; 6];
            w[0] = 1.0 - t;
            w[1] = t;
            Taps {
                w,
                start: 0,
                len: 2,
            }
        }
        Resampling::Lanczos3 => {
            let mut w = [0.0; 6];
            for (k, wk) in w.iter_mut().enumerate() {
                *wk = lanczos3(t - (k as f64 - 2.0));
            }
            let s: f64 = w.iter().sum();
            w.iter_mut().for_each(|v| *v /= s);
            Taps {
                w,
                start: -2,
                len: 6,
            }
        }
    }
}

/// Interpolates `data` with the pixel (ix, iy) as floor of the position. `None` when the taps need
/// pixels outside the frame; `Some(NaN)` when a source pixel under the kernel is missing.
fn sample_taps(data: &Array2<f32>, ix: i64, iy: i64, tx: &Taps, ty: &Taps) -> Option<f64> {
    let (h, w) = data.dim();
    let (x0, y0) = (ix + tx.start, iy + ty.start);
    if x0 < 0 || y0 < 0 || x0 + tx.len as i64 > w as i64 || y0 + ty.len as i64 > h as i64 {
        return None;
    }
    let mut acc = 0.0;
    for ky in 0..ty.len {
        let row = data.row((y0 + ky as i64) as usize);
        let mut r = 0.0;
        for kx in 0..tx.len {
            r += tx.w[kx] * row[(x0 + kx as i64) as usize] as f64;
        }
        acc += ty.w[ky] * r;
    }
    Some(acc)
}

/// Interpolates `data` at (x, y) (see [`sample_taps`]).
fn sample(data: &Array2<f32>, x: f64, y: f64, kernel: Resampling) -> Option<f64> {
    let (fx, fy) = (x.floor(), y.floor());
    sample_taps(
        data,
        fx as i64,
        fy as i64,
        &taps(kernel, x - fx),
        &taps(kernel, y - fy),
    )
}

impl CutoutConfig {
    /// The validated parameters.
    pub fn params(&self) -> &CutoutParams {
        &self.params
    }

    /// Cuts stamps at `positions` (RA, Dec in degrees) from `frames`, on the grid of
    /// `frames[reference]`. Deterministic and parallel over positions.
    pub fn cut(
        &self,
        frames: &[Frame],
        reference: usize,
        positions: &[(f64, f64)],
    ) -> Result<CutoutSet, CutoutError> {
        let p = &self.params;
        if frames.is_empty() {
            return Err(CutoutError::InvalidParameter {
                name: "frames",
                reason: "no frames".into(),
            });
        }
        if reference >= frames.len() {
            return Err(CutoutError::InvalidParameter {
                name: "reference",
                reason: format!("index {reference} but only {} frames", frames.len()),
            });
        }
        let n = p.size;
        let nb = frames.len();
        let refw = &frames[reference].wcs;
        let area = |w: &TanWcs| (w.cd[0][0] * w.cd[1][1] - w.cd[0][1] * w.cd[1][0]).abs();
        let scale: Vec<f64> = frames
            .iter()
            .map(|f| {
                if p.flux_conserving {
                    area(refw) / area(&f.wcs)
                } else {
                    1.0
                }
            })
            .collect();
        let c = (n as f64 - 1.0) / 2.0;
        type Stamp = (Array2<f32>, Array2<bool>, TanWcs);
        let results: Vec<(usize, Result<Vec<Stamp>, String>)> = positions
            .par_iter()
            .enumerate()
            .map(|(idx, &(ra, dec))| {
                let one = || -> Result<Vec<Stamp>, String> {
                    let (xc, yc) = refw.sky_to_pixel(ra, dec).map_err(|e| e.to_string())?;
                    let (x0, y0) = match p.centering {
                        Centering::Exact => (xc - c, yc - c),
                        Centering::NearestPixel => ((xc - c).round(), (yc - c).round()),
                    };
                    let stamp_wcs = refw.shifted(x0, y0);
                    let mut out = Vec::with_capacity(nb);
                    for (b, f) in frames.iter().enumerate() {
                        let mut img = Array2::<f32>::zeros((n, n));
                        let mut mask = Array2::<bool>::from_elem((n, n), false);
                        // on the reference grid every stamp pixel has the same fractional offset
                        let same_grid = b == reference || f.wcs == *refw;
                        let (fx0, fy0) = (x0.floor(), y0.floor());
                        let (tx0, ty0) =
                            (taps(p.resampling, x0 - fx0), taps(p.resampling, y0 - fy0));
                        for j in 0..n {
                            for i in 0..n {
                                let v = if same_grid {
                                    sample_taps(
                                        &f.data,
                                        fx0 as i64 + i as i64,
                                        fy0 as i64 + j as i64,
                                        &tx0,
                                        &ty0,
                                    )
                                } else {
                                    let (r, d) = refw.pixel_to_sky(x0 + i as f64, y0 + j as f64);
                                    let (sx, sy) =
                                        f.wcs.sky_to_pixel(r, d).unwrap_or((f64::NAN, f64::NAN));
                                    if sx.is_finite() && sy.is_finite() {
                                        sample(&f.data, sx, sy, p.resampling)
                                    } else {
                                        None
                                    }
                                };
                                match v {
                                    None => {
                                        if p.edge == EdgePolicy::Reject {
                                            return Err(format!(
                                                "stamp extends beyond the {} frame",
                                                f.band
                                            ));
                                        }
                                        img[[j, i]] = f32::NAN;
                                        mask[[j, i]] = true;
                                    }
                                    Some(v) if v.is_nan() => {
                                        img[[j, i]] = f32::NAN;
                                        mask[[j, i]] = true;
                                    }
                                    Some(v) => img[[j, i]] = (v * scale[b]) as f32,
                                }
                            }
                        }
                        out.push((img, mask, stamp_wcs.clone()));
                    }
                    Ok(out)
                };
                (idx, one())
            })
            .collect();
        let kept: Vec<usize> = results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(i, _)| *i)
            .collect();
        let mut images = Array4::<f32>::zeros((kept.len(), nb, n, n));
        let mut mask = Array4::<bool>::from_elem((kept.len(), nb, n, n), false);
        let mut wcs = Vec::with_capacity(kept.len());
        let mut rejected = Vec::new();
        let mut g = 0;
        for (idx, r) in results {
            match r {
                Err(reason) => rejected.push(Rejection { index: idx, reason }),
                Ok(bands) => {
                    for (b, (img, m, w)) in bands.into_iter().enumerate() {
                        images
                            .index_axis_mut(Axis(0), g)
                            .index_axis_mut(Axis(0), b)
                            .assign(&img);
                        mask.index_axis_mut(Axis(0), g)
                            .index_axis_mut(Axis(0), b)
                            .assign(&m);
                        if b == 0 {
                            wcs.push(w);
                        }
                    }
                    g += 1;
                }
            }
        }
        Ok(CutoutSet {
            bands: frames.iter().map(|f| f.band.clone()).collect(),
            images,
            mask,
            wcs,
            indices: kept,
            rejected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaussian_frame(
        band: &str,
        wcs: TanWcs,
        size: (usize, usize),
        ra: f64,
        dec: f64,
        sigma_px: f64,
        flux: f64,
    ) -> Frame {
        let (cx, cy) = wcs.sky_to_pixel(ra, dec).unwrap();
        let norm = flux / (2.0 * std::f64::consts::PI * sigma_px * sigma_px);
        let data = Array2::from_shape_fn(size, |(y, x)| {
            let r2 = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2);
            (norm * (-0.5 * r2 / (sigma_px * sigma_px)).exp()) as f32
        });
        Frame::new(band, data, wcs).unwrap()
    }

    #[test]
    fn lanczos_kernel_values() {
        assert_eq!(lanczos3(0.0), 1.0);
        assert!(lanczos3(1.0).abs() < 1e-15 && lanczos3(2.0).abs() < 1e-15 && lanczos3(3.0) == 0.0);
        // L(0.5) = 3 sin(pi/2) sin(pi/6) / (pi/2)^2 = 1.5 / 2.4674 = 0.607927
        assert!((lanczos3(0.5) - 0.607_927_1).abs() < 1e-6);
    }

    #[test]
    fn resampled_band_matches_the_analytic_image() {
        // reference grid, and a second band rotated by 7 degrees and shifted by a fraction of a pixel
        let (ra, dec) = (150.0, 2.0);
        let s = 0.396 / 3600.0;
        let refw = TanWcs::new([100.5, 100.5], [ra, dec], [[-s, 0.0], [0.0, s]]).unwrap();
        let t = 7f64.to_radians();
        let other = TanWcs::new(
            [99.7, 101.2],
            [ra, dec],
            [[-s * t.cos(), s * t.sin()], [s * t.sin(), s * t.cos()]],
        )
        .unwrap();
        let target = (ra + 2e-4, dec - 1e-4);
        let frames = vec![
            gaussian_frame(
                "r",
                refw.clone(),
                (200, 200),
                target.0,
                target.1,
                3.0,
                1000.0,
            ),
            gaussian_frame("g", other, (200, 200), target.0, target.1, 3.0, 1000.0),
        ];
        for (kernel, tol) in [(Resampling::Bilinear, 0.03), (Resampling::Lanczos3, 0.004)] {
            let set = CutoutParams::new(32)
                .resampling(kernel)
                .check()
                .unwrap()
                .cut(&frames, 0, &[target])
                .unwrap();
            assert_eq!(set.indices, vec![0]);
            let w = &set.wcs[0];
            let (cx, cy) = w.sky_to_pixel(target.0, target.1).unwrap();
            assert!((cx - 15.5).abs() < 1e-9 && (cy - 15.5).abs() < 1e-9);
            let peak = 1000.0 / (2.0 * std::f64::consts::PI * 9.0);
            for b in 0..2 {
                let mut worst: f64 = 0.0;
                for y in 0..32 {
                    for x in 0..32 {
                        let r2 = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2);
                        let truth = peak * (-r2 / 18.0).exp();
                        worst = worst.max((set.images[[0, b, y, x]] as f64 - truth).abs() / peak);
                    }
                }
                assert!(
                    worst < tol,
                    "{kernel:?} band {b}: max error {worst} of the peak"
                );
                let total: f64 = set
                    .images
                    .index_axis(Axis(0), 0)
                    .index_axis(Axis(0), b)
                    .iter()
                    .map(|&v| v as f64)
                    .sum();
                assert!(
                    (total - 1000.0).abs() < 2.0,
                    "{kernel:?} band {b}: flux {total}"
                );
            }
        }
    }

    #[test]
    fn edge_policies() {
        let s = 1e-4;
        let w = TanWcs::new([25.5, 25.5], [10.0, 0.0], [[-s, 0.0], [0.0, s]]).unwrap();
        let frame = Frame::new("u", Array2::from_elem((50, 50), 2.0f32), w.clone()).unwrap();
        // a position 20 pixels from the centre: a 16-pixel stamp crosses the edge
        let (ra, dec) = w.pixel_to_sky(44.0, 24.5);
        let reject = CutoutParams::new(16)
            .check()
            .unwrap()
            .cut(std::slice::from_ref(&frame), 0, &[(ra, dec)])
            .unwrap();
        assert_eq!(reject.images.dim().0, 0);
        assert!(reject.rejected[0].reason.contains("beyond"));
        let pad = CutoutParams::new(16)
            .edge(EdgePolicy::PadMissing)
            .check()
            .unwrap()
            .cut(&[frame], 0, &[(ra, dec)])
            .unwrap();
        assert_eq!(pad.images.dim(), (1, 1, 16, 16));
        let masked = pad.mask.iter().filter(|&&m| m).count();
        assert!(masked > 0 && masked < 16 * 16 / 2, "{masked}");
        for (v, m) in pad.images.iter().zip(pad.mask.iter()) {
            if *m {
                assert!(v.is_nan());
            } else {
                assert!((v - 2.0).abs() < 1e-5, "{v}");
            }
        }
    }

    #[test]
    fn nearest_pixel_centering_copies_the_reference_band() {
        let s = 1e-4;
        let w = TanWcs::new([25.5, 25.5], [10.0, 0.0], [[-s, 0.0], [0.0, s]]).unwrap();
        let data = Array2::from_shape_fn((50, 50), |(y, x)| (y * 100 + x) as f32);
        let frame = Frame::new("u", data.clone(), w.clone()).unwrap();
        let (ra, dec) = w.pixel_to_sky(20.3, 30.4);
        let set = CutoutParams::new(8)
            .centering(Centering::NearestPixel)
            .check()
            .unwrap()
            .cut(&[frame], 0, &[(ra, dec)])
            .unwrap();
        // centre 3.5 -> origin round(20.3 - 3.5) = 17, round(30.4 - 3.5) = 27
        assert_eq!(set.images[[0, 0, 0, 0]], data[[27, 17]]);
        assert_eq!(set.images[[0, 0, 7, 7]], data[[34, 24]]);
        let (x, y) = set.wcs[0].sky_to_pixel(ra, dec).unwrap();
        assert!((x - 3.3).abs() < 1e-7 && (y - 3.4).abs() < 1e-7);
    }

    #[test]
    fn missing_source_pixels_are_masked() {
        let s = 1e-4;
        let w = TanWcs::new([25.5, 25.5], [10.0, 0.0], [[-s, 0.0], [0.0, s]]).unwrap();
        let mut data = Array2::from_elem((50, 50), 1.0f32);
        data[[25, 25]] = f32::NAN;
        let frame = Frame::new("u", data, w.clone()).unwrap();
        let (ra, dec) = w.pixel_to_sky(24.7, 24.2);
        let set = CutoutParams::new(8)
            .check()
            .unwrap()
            .cut(&[frame], 0, &[(ra, dec)])
            .unwrap();
        let masked = set.mask.iter().filter(|&&m| m).count();
        // Lanczos-3 spreads one missing pixel over a 6 x 6 block of stamp pixels
        assert_eq!(masked, 36);
        assert!(CutoutParams::new(0).check().is_err());
    }
}
