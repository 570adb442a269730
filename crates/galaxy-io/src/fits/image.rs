//! Image data: raw pixels of every BITPIX, BSCALE/BZERO scaling (including the unsigned
//! integer conventions), BLANK and NaN as missing, conversion to `ndarray`, statistics.

use super::Hdu;
use crate::error::{Error, FitsErrorKind, Result};
use ndarray::{ArrayD, IxDyn};
use serde::{Deserialize, Serialize};

/// Raw (unscaled) pixel values in native byte order, NAXIS1 varying fastest.
#[derive(Debug, Clone, PartialEq)]
pub enum Pixels {
    /// BITPIX 8 (unsigned bytes).
    U8(Vec<u8>),
    /// BITPIX 16.
    I16(Vec<i16>),
    /// BITPIX 32.
    I32(Vec<i32>),
    /// BITPIX 64.
    I64(Vec<i64>),
    /// BITPIX -32.
    F32(Vec<f32>),
    /// BITPIX -64.
    F64(Vec<f64>),
}

impl Pixels {
    /// Number of pixels.
    pub fn len(&self) -> usize {
        match self {
            Pixels::U8(v) => v.len(),
            Pixels::I16(v) => v.len(),
            Pixels::I32(v) => v.len(),
            Pixels::I64(v) => v.len(),
            Pixels::F32(v) => v.len(),
            Pixels::F64(v) => v.len(),
        }
    }
    /// True when there are no pixels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The BITPIX this storage corresponds to.
    pub fn bitpix(&self) -> i64 {
        match self {
            Pixels::U8(_) => 8,
            Pixels::I16(_) => 16,
            Pixels::I32(_) => 32,
            Pixels::I64(_) => 64,
            Pixels::F32(_) => -32,
            Pixels::F64(_) => -64,
        }
    }

    /// Decode big-endian bytes of the given BITPIX.
    pub fn from_be_bytes(bitpix: i64, b: &[u8]) -> Result<Pixels> {
        fn conv<const N: usize, T: Send, F: Fn([u8; N]) -> T + Sync>(b: &[u8], f: F) -> Vec<T> {
            use rayon::prelude::*;
            let (chunks, _) = b.as_chunks::<N>();
            if chunks.len() >= 1 << 20 {
                // large images: convert blocks in parallel (same result as serial)
                chunks
                    .par_iter()
                    .with_min_len(1 << 16)
                    .map(|a| f(*a))
                    .collect()
            } else {
                chunks.iter().map(|a| f(*a)).collect()
            }
        }
        let width = (bitpix.unsigned_abs() / 8) as usize;
        if width == 0 || !b.len().is_multiple_of(width) {
            return Err(Error::fits(
                None,
                FitsErrorKind::Decode,
                format!(
                    "{} bytes is not a whole number of BITPIX {bitpix} pixels",
                    b.len()
                ),
            ));
        }
        Ok(match bitpix {
            8 => Pixels::U8(b.to_vec()),
            16 => Pixels::I16(conv(b, |a: [u8; 2]| i16::from_be_bytes(a))),
            32 => Pixels::I32(conv(b, |a: [u8; 4]| i32::from_be_bytes(a))),
            64 => Pixels::I64(conv(b, |a: [u8; 8]| i64::from_be_bytes(a))),
            -32 => Pixels::F32(conv(b, |a: [u8; 4]| f32::from_be_bytes(a))),
            -64 => Pixels::F64(conv(b, |a: [u8; 8]| f64::from_be_bytes(a))),
            _ => {
                return Err(Error::fits(
                    None,
                    FitsErrorKind::Inconsistent,
                    format!("BITPIX = {bitpix} invalid"),
                ));
            }
        })
    }

    #[inline]
    fn raw_int(&self, i: usize) -> Option<i64> {
        match self {
            Pixels::U8(v) => Some(v[i] as i64),
            Pixels::I16(v) => Some(v[i] as i64),
            Pixels::I32(v) => Some(v[i] as i64),
            Pixels::I64(v) => Some(v[i]),
            _ => None,
        }
    }
    #[inline]
    fn raw_f64(&self, i: usize) -> f64 {
        match self {
            Pixels::U8(v) => v[i] as f64,
            Pixels::I16(v) => v[i] as f64,
            Pixels::I32(v) => v[i] as f64,
            Pixels::I64(v) => v[i] as f64,
            Pixels::F32(v) => v[i] as f64,
            Pixels::F64(v) => v[i],
        }
    }
}

/// A decoded image: raw pixels plus the scaling that turns them into physical values.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Axis lengths in FITS order (NAXIS1 first).
    pub shape: Vec<usize>,
    /// Raw pixel values.
    pub pixels: Pixels,
    /// BSCALE (1 when absent).
    pub bscale: f64,
    /// BZERO (0 when absent).
    pub bzero: f64,
    /// BLANK (integer images only): raw value that marks a missing pixel.
    pub blank: Option<i64>,
}

/// One summary number: exact integer or real.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Number {
    /// Exact integer (integer data with integral scaling).
    Int(i128),
    /// Real value.
    Float(f64),
}

impl Number {
    /// As f64 (possibly rounded).
    pub fn as_f64(&self) -> f64 {
        match self {
            Number::Int(i) => *i as f64,
            Number::Float(f) => *f,
        }
    }
}

/// Summary statistics of an image (values scaled in f64).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageStats {
    /// Non-missing pixels.
    pub count: u64,
    /// Missing pixels (BLANK or NaN).
    pub missing: u64,
    /// Minimum of the non-missing values (None if count = 0).
    pub min: Option<Number>,
    /// Maximum of the non-missing values.
    pub max: Option<Number>,
    /// Sum of the non-missing values (exact for integer data with integral scaling).
    pub sum: Number,
}

impl Image {
    /// Decode the data unit of a plain image HDU.
    pub fn from_hdu(hdu: &Hdu, data: &[u8]) -> Result<Image> {
        let h = &hdu.header;
        let bitpix = h.i64("BITPIX")?;
        let shape = hdu.shape()?;
        let n = if shape.is_empty() {
            0
        } else {
            super::checked_product(&shape, "image size")?
        };
        let width = (bitpix.unsigned_abs() / 8) as usize;
        let need = n.checked_mul(width).ok_or_else(|| {
            Error::fits(None, FitsErrorKind::Inconsistent, "image size overflows")
        })?;
        if data.len() < need {
            return Err(Error::fits(
                None,
                FitsErrorKind::Truncated,
                format!(
                    "image needs {need} bytes ({n} pixels), data unit has {}",
                    data.len()
                ),
            ));
        }
        let pixels = Pixels::from_be_bytes(bitpix, &data[..need])?;
        Self::with_scaling(shape, pixels, h)
    }

    /// Build from raw pixels, taking BSCALE, BZERO and BLANK from a header.
    pub fn with_scaling(shape: Vec<usize>, pixels: Pixels, h: &super::Header) -> Result<Image> {
        let bscale = h.opt_f64("BSCALE")?.unwrap_or(1.0);
        let bzero = h.opt_f64("BZERO")?.unwrap_or(0.0);
        let blank = if pixels.bitpix() > 0 {
            h.opt_i64("BLANK").ok().flatten()
        } else {
            None
        };
        let n = if shape.is_empty() {
            0
        } else {
            super::checked_product(&shape, "image size")?
        };
        // ndarray requires the product of the non-zero axes to fit in isize
        let nonzero: Vec<usize> = shape.iter().copied().filter(|&x| x > 0).collect();
        let p = super::checked_product(&nonzero, "image shape")?;
        if p > isize::MAX as usize / 8 {
            return Err(Error::fits(
                None,
                FitsErrorKind::Inconsistent,
                format!("image shape {shape:?} is too large"),
            ));
        }
        if n != pixels.len() {
            return Err(Error::fits(
                None,
                FitsErrorKind::Decode,
                format!(
                    "{} pixels decoded, header shape {:?} needs {n}",
                    pixels.len(),
                    shape
                ),
            ));
        }
        Ok(Image {
            shape,
            pixels,
            bscale,
            bzero,
            blank,
        })
    }

    /// Number of pixels.
    pub fn len(&self) -> usize {
        self.pixels.len()
    }

    /// True when the image has no pixels.
    pub fn is_empty(&self) -> bool {
        self.pixels.is_empty()
    }

    /// The shape in `ndarray` (C) order: NAXISn first, NAXIS1 last.
    ///
    /// An image without axes (NAXIS = 0) has no pixels and the shape `[0]`.
    pub fn ndarray_shape(&self) -> Vec<usize> {
        if self.shape.is_empty() {
            return vec![0];
        }
        self.shape.iter().rev().copied().collect()
    }

    /// True when physical values are integers computed exactly (integer BITPIX,
    /// BSCALE = 1 and integral BZERO).
    pub fn is_exact_integer(&self) -> bool {
        self.pixels.bitpix() > 0
            && self.bscale == 1.0
            && self.bzero.fract() == 0.0
            && self.bzero.abs() < 1.0e19
    }

    /// Scaled value of pixel `i` (flat index, NAXIS1 fastest); None when missing.
    #[inline]
    pub fn value(&self, i: usize) -> Option<f64> {
        if let Some(b) = self.blank
            && self.pixels.raw_int(i) == Some(b)
        {
            return None;
        }
        let v = self.pixels.raw_f64(i) * self.bscale + self.bzero;
        if v.is_nan() { None } else { Some(v) }
    }

    /// Scaled values as f64 with missing pixels as NaN, shape NAXISn x ... x NAXIS1.
    pub fn to_f64(&self) -> ArrayD<f64> {
        let v: Vec<f64> = match (&self.pixels, self.bscale, self.bzero, self.blank) {
            (Pixels::F32(p), s, z, _) if s == 1.0 && z == 0.0 => {
                p.iter().map(|&x| x as f64).collect()
            }
            (Pixels::F64(p), s, z, _) if s == 1.0 && z == 0.0 => p.clone(),
            _ => (0..self.len())
                .map(|i| self.value(i).unwrap_or(f64::NAN))
                .collect(),
        };
        ArrayD::from_shape_vec(IxDyn(&self.ndarray_shape()), v)
            .expect("pixel count checked against shape at construction")
    }

    /// Like [`Image::to_f32`], consuming the image (no copy for unscaled f32 data).
    pub fn into_f32(self) -> ArrayD<f32> {
        let shape = self.ndarray_shape();
        match self.pixels {
            Pixels::F32(p) if self.bscale == 1.0 && self.bzero == 0.0 => {
                ArrayD::from_shape_vec(IxDyn(&shape), p)
                    .expect("pixel count checked against shape at construction")
            }
            _ => self.to_f32(),
        }
    }

    /// Like [`Image::to_f64`], consuming the image (no copy for unscaled f64 data).
    pub fn into_f64(self) -> ArrayD<f64> {
        let shape = self.ndarray_shape();
        match self.pixels {
            Pixels::F64(p) if self.bscale == 1.0 && self.bzero == 0.0 => {
                ArrayD::from_shape_vec(IxDyn(&shape), p)
                    .expect("pixel count checked against shape at construction")
            }
            _ => self.to_f64(),
        }
    }

    /// Scaled values as f32 (computed in f64, then rounded), missing as NaN.
    pub fn to_f32(&self) -> ArrayD<f32> {
        let v: Vec<f32> = match (&self.pixels, self.bscale, self.bzero) {
            (Pixels::F32(p), s, z) if s == 1.0 && z == 0.0 => p.clone(),
            _ => (0..self.len())
                .map(|i| self.value(i).map(|x| x as f32).unwrap_or(f32::NAN))
                .collect(),
        };
        ArrayD::from_shape_vec(IxDyn(&self.ndarray_shape()), v)
            .expect("pixel count checked against shape at construction")
    }

    /// Count, missing, min, max and sum of the scaled values.
    pub fn stats(&self) -> ImageStats {
        let n = self.len();
        if self.is_exact_integer() {
            let z = self.bzero as i128;
            let mut count = 0u64;
            let mut sum: i128 = 0;
            let mut min = i128::MAX;
            let mut max = i128::MIN;
            for i in 0..n {
                let r = self.pixels.raw_int(i).unwrap_or(0);
                if Some(r) == self.blank {
                    continue;
                }
                let v = r as i128 + z;
                count += 1;
                sum += v;
                min = min.min(v);
                max = max.max(v);
            }
            return ImageStats {
                count,
                missing: n as u64 - count,
                min: (count > 0).then_some(Number::Int(min)),
                max: (count > 0).then_some(Number::Int(max)),
                sum: Number::Int(sum),
            };
        }
        fn float_stats<T: Copy>(
            v: &[T],
            f: impl Fn(T) -> f64,
            blank: impl Fn(T) -> bool,
        ) -> (u64, f64, f64, f64) {
            // four interleaved lanes break the add dependency chain; the lane order is
            // fixed, so the result is deterministic
            let mut count = [0u64; 4];
            let mut sum = [0.0f64; 4];
            let mut min = [f64::INFINITY; 4];
            let mut max = [f64::NEG_INFINITY; 4];
            let (chunks, rest) = v.as_chunks::<4>();
            for c in chunks {
                for k in 0..4 {
                    let x = c[k];
                    let y = f(x);
                    let ok = !blank(x) && !y.is_nan();
                    let yy = if ok { y } else { 0.0 };
                    count[k] += ok as u64;
                    sum[k] += yy;
                    min[k] = if ok { min[k].min(y) } else { min[k] };
                    max[k] = if ok { max[k].max(y) } else { max[k] };
                }
            }
            for (k, &x) in rest.iter().enumerate() {
                let y = f(x);
                if !blank(x) && !y.is_nan() {
                    count[k] += 1;
                    sum[k] += y;
                    min[k] = min[k].min(y);
                    max[k] = max[k].max(y);
                }
            }
            let count = count.iter().sum();
            let sum = (sum[0] + sum[1]) + (sum[2] + sum[3]);
            let min = min.iter().copied().fold(f64::INFINITY, f64::min);
            let max = max.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (count, sum, min, max)
        }
        let (s, z) = (self.bscale, self.bzero);
        let b = self.blank;
        let (count, sum, min, max) = match &self.pixels {
            Pixels::F32(v) if s == 1.0 && z == 0.0 => float_stats(v, |x| x as f64, |_| false),
            Pixels::F64(v) if s == 1.0 && z == 0.0 => float_stats(v, |x| x, |_| false),
            Pixels::F32(v) => float_stats(v, |x| x as f64 * s + z, |_| false),
            Pixels::F64(v) => float_stats(v, |x| x * s + z, |_| false),
            Pixels::U8(v) => float_stats(v, |x| x as f64 * s + z, |x| Some(x as i64) == b),
            Pixels::I16(v) => float_stats(v, |x| x as f64 * s + z, |x| Some(x as i64) == b),
            Pixels::I32(v) => float_stats(v, |x| x as f64 * s + z, |x| Some(x as i64) == b),
            Pixels::I64(v) => float_stats(v, |x| x as f64 * s + z, |x| Some(x) == b),
        };
        ImageStats {
            count,
            missing: n as u64 - count,
            min: (count > 0).then_some(Number::Float(min)),
            max: (count > 0).then_some(Number::Float(max)),
            sum: Number::Float(sum),
        }
    }
}
