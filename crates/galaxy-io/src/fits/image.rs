//! Image data: raw pixels of every BITPIX, BSCALE/BZERO scaling (including the unsigned
//! integer conventions), BLANK and NaN as missing, conversion to `ndarray`, statistics.

use super::Hdu;
use super::source::DiskFile;
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
    /// Bitpix, shape, pixel count and byte count of a plain image HDU, checked against the
    /// `avail` bytes of its data unit.
    fn layout(hdu: &Hdu, avail: usize) -> Result<(i64, Vec<usize>, usize, usize)> {
        let bitpix = hdu.header.i64("BITPIX")?;
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
        if avail < need {
            return Err(Error::fits(
                None,
                FitsErrorKind::Truncated,
                format!("image needs {need} bytes ({n} pixels), data unit has {avail}"),
            ));
        }
        Ok((bitpix, shape, n, need))
    }

    /// Decode the data unit of a plain image HDU.
    pub fn from_hdu(hdu: &Hdu, data: &[u8]) -> Result<Image> {
        let (bitpix, shape, _, need) = Self::layout(hdu, data.len())?;
        let pixels = Pixels::from_be_bytes(bitpix, &data[..need])?;
        Self::with_scaling(shape, pixels, &hdu.header)
    }

    /// Read and decode the data unit of a plain image HDU from disk, straight into the
    /// pixel buffer (parallel blocks, see `source`).
    pub(crate) fn from_disk(hdu: &Hdu, d: &DiskFile) -> Result<Image> {
        let (bitpix, shape, n, _) = Self::layout(hdu, hdu.data_len)?;
        let o = hdu.data_offset;
        let pixels = match bitpix {
            8 => Pixels::U8(d.read_bytes(o, n)?),
            16 => Pixels::I16(d.read_be(o, n, i16::from_be_bytes)?),
            32 => Pixels::I32(d.read_be(o, n, i32::from_be_bytes)?),
            64 => Pixels::I64(d.read_be(o, n, i64::from_be_bytes)?),
            -32 => Pixels::F32(d.read_be(o, n, f32::from_be_bytes)?),
            -64 => Pixels::F64(d.read_be(o, n, f64::from_be_bytes)?),
            _ => {
                return Err(Error::fits(
                    None,
                    FitsErrorKind::Inconsistent,
                    format!("BITPIX = {bitpix} invalid"),
                ));
            }
        };
        Self::with_scaling(shape, pixels, &hdu.header)
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

    /// Scaled values (`raw * BSCALE + BZERO` in f64, missing as NaN) passed through `out`,
    /// one typed pass per storage type (parallel for large images; element-wise, so the
    /// result does not depend on the thread count).
    fn scaled_vec<U: Send>(&self, out: impl Fn(f64) -> U + Sync + Send + Copy) -> Vec<U> {
        let (s, z) = (self.bscale, self.bzero);
        let ident = s == 1.0 && z == 0.0;
        macro_rules! int {
            ($v:expr) => {{
                // a BLANK outside the storage type's range never matches
                let bl = blank_as($v, self.blank);
                match (bl, ident) {
                    (None, true) => map_par($v, move |x| out(x as f64)),
                    (None, false) => map_par($v, move |x| out(x as f64 * s + z)),
                    (Some(b), _) => map_par($v, move |x| {
                        out(if x == b { f64::NAN } else { x as f64 * s + z })
                    }),
                }
            }};
        }
        match &self.pixels {
            Pixels::U8(v) => int!(v),
            Pixels::I16(v) => int!(v),
            Pixels::I32(v) => int!(v),
            Pixels::I64(v) => int!(v),
            Pixels::F32(v) if ident => map_par(v, move |x| out(x as f64)),
            Pixels::F32(v) => map_par(v, move |x| out(x as f64 * s + z)),
            Pixels::F64(v) if ident => map_par(v, out),
            Pixels::F64(v) => map_par(v, move |x| out(x * s + z)),
        }
    }

    /// Scaled values as f64 with missing pixels as NaN, shape NAXISn x ... x NAXIS1.
    pub fn to_f64(&self) -> ArrayD<f64> {
        let v = self.scaled_vec(|x| x);
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
            _ => self.scaled_vec(|x| x as f32),
        };
        ArrayD::from_shape_vec(IxDyn(&self.ndarray_shape()), v)
            .expect("pixel count checked against shape at construction")
    }

    /// Count, missing, min, max and sum of the scaled values.
    ///
    /// Computed in fixed blocks of 2^16 pixels (in parallel for large images) whose partial
    /// results are combined in block order, so the result does not depend on the number of
    /// threads. Integer data with integral scaling are summed exactly.
    pub fn stats(&self) -> ImageStats {
        let n = self.len();
        if self.is_exact_integer() {
            let z = self.bzero as i128;
            let p = match &self.pixels {
                Pixels::U8(v) => int_stats(v, self.blank),
                Pixels::I16(v) => int_stats(v, self.blank),
                Pixels::I32(v) => int_stats(v, self.blank),
                Pixels::I64(v) => int_stats(v, self.blank),
                Pixels::F32(_) | Pixels::F64(_) => unreachable!("is_exact_integer: integer BITPIX"),
            };
            return ImageStats {
                count: p.count,
                missing: n as u64 - p.count,
                min: (p.count > 0).then_some(Number::Int(p.min as i128 + z)),
                max: (p.count > 0).then_some(Number::Int(p.max as i128 + z)),
                sum: Number::Int(p.sum + z * p.count as i128),
            };
        }
        let (s, z) = (self.bscale, self.bzero);
        let ident = s == 1.0 && z == 0.0;
        macro_rules! int {
            ($v:expr) => {{
                match blank_as($v, self.blank) {
                    None => float_stats($v, move |x| x as f64 * s + z, |_| false),
                    Some(b) => float_stats($v, move |x| x as f64 * s + z, move |x| x == b),
                }
            }};
        }
        let p = match &self.pixels {
            Pixels::F32(v) if ident => float_stats(v, |x| x as f64, |_| false),
            Pixels::F64(v) if ident => float_stats(v, |x| x, |_| false),
            Pixels::F32(v) => float_stats(v, move |x| x as f64 * s + z, |_| false),
            Pixels::F64(v) => float_stats(v, move |x| x * s + z, |_| false),
            Pixels::U8(v) => int!(v),
            Pixels::I16(v) => int!(v),
            Pixels::I32(v) => int!(v),
            Pixels::I64(v) => int!(v),
        };
        ImageStats {
            count: p.count,
            missing: n as u64 - p.count,
            min: (p.count > 0).then_some(Number::Float(p.min)),
            max: (p.count > 0).then_some(Number::Float(p.max)),
            sum: Number::Float(p.sum),
        }
    }
}

/// BLANK in the storage type of `v` (None when absent or out of the type's range, where it
/// can never match).
fn blank_as<T: TryFrom<i64>>(_v: &[T], blank: Option<i64>) -> Option<T> {
    blank.and_then(|b| T::try_from(b).ok())
}

/// Pixels per statistics block.
const STAT_BLOCK: usize = 1 << 16;

/// Map a slice element-wise, in parallel when it is large.
fn map_par<T: Copy + Sync, U: Send>(v: &[T], f: impl Fn(T) -> U + Sync + Send) -> Vec<U> {
    use rayon::prelude::*;
    if v.len() >= 1 << 18 {
        v.par_iter().with_min_len(1 << 15).map(|&x| f(x)).collect()
    } else {
        v.iter().map(|&x| f(x)).collect()
    }
}

/// Split `v` into fixed blocks, summarise each (in parallel when there are several) and
/// fold the block results in order.
fn blocked<T: Sync, P: Send>(
    v: &[T],
    block: impl Fn(&[T]) -> P + Sync + Send,
    init: P,
    fold: impl Fn(P, P) -> P,
) -> P {
    use rayon::prelude::*;
    if v.len() <= STAT_BLOCK {
        return fold(init, block(v));
    }
    let parts: Vec<P> = v.par_chunks(STAT_BLOCK).map(block).collect();
    parts.into_iter().fold(init, fold)
}

/// Integer pixel storage types.
trait IntPix: Copy + Ord + Into<i64> + TryFrom<i64> + Send + Sync {
    const MIN: Self;
    const MAX: Self;
    /// True when a block sum of `STAT_BLOCK` values may overflow i64.
    const WIDE: bool;
}
impl IntPix for u8 {
    const MIN: u8 = u8::MIN;
    const MAX: u8 = u8::MAX;
    const WIDE: bool = false;
}
impl IntPix for i16 {
    const MIN: i16 = i16::MIN;
    const MAX: i16 = i16::MAX;
    const WIDE: bool = false;
}
impl IntPix for i32 {
    const MIN: i32 = i32::MIN;
    const MAX: i32 = i32::MAX;
    const WIDE: bool = false;
}
impl IntPix for i64 {
    const MIN: i64 = i64::MIN;
    const MAX: i64 = i64::MAX;
    const WIDE: bool = true;
}

struct IntPart {
    count: u64,
    sum: i128,
    min: i64,
    max: i64,
}

/// Exact count / sum / min / max of raw integers, skipping `blank`.
fn int_stats<T: IntPix>(v: &[T], blank: Option<i64>) -> IntPart {
    let blank: Option<T> = blank.and_then(|b| T::try_from(b).ok());
    let block = |v: &[T]| -> IntPart {
        let (mut mn, mut mx) = (T::MAX, T::MIN);
        let mut count = 0u64;
        let sum: i128 = match blank {
            None => {
                count = v.len() as u64;
                for &x in v {
                    mn = mn.min(x);
                    mx = mx.max(x);
                }
                if T::WIDE {
                    v.iter().map(|&x| x.into() as i128).sum()
                } else {
                    // at most 2^16 values below 2^31 in magnitude: no i64 overflow
                    v.iter().map(|&x| x.into()).sum::<i64>() as i128
                }
            }
            Some(b) => {
                let mut s64 = 0i64;
                let mut s128 = 0i128;
                for &x in v {
                    let ok = x != b;
                    count += ok as u64;
                    mn = if ok { mn.min(x) } else { mn };
                    mx = if ok { mx.max(x) } else { mx };
                    let y: i64 = if ok { x.into() } else { 0 };
                    if T::WIDE {
                        s128 += y as i128;
                    } else {
                        s64 += y;
                    }
                }
                s128 + s64 as i128
            }
        };
        IntPart {
            count,
            sum,
            min: mn.into(),
            max: mx.into(),
        }
    };
    let init = IntPart {
        count: 0,
        sum: 0,
        min: i64::MAX,
        max: i64::MIN,
    };
    blocked(v, block, init, |a, b| IntPart {
        count: a.count + b.count,
        sum: a.sum + b.sum,
        min: if b.count > 0 { a.min.min(b.min) } else { a.min },
        max: if b.count > 0 { a.max.max(b.max) } else { a.max },
    })
}

struct FloatPart {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

/// Count / sum / min / max of `f(x)` over the elements that are not `blank` and whose
/// value is not NaN.
fn float_stats<T: Copy + Sync>(
    v: &[T],
    f: impl Fn(T) -> f64 + Sync + Send,
    blank: impl Fn(T) -> bool + Sync + Send,
) -> FloatPart {
    let block = |v: &[T]| -> FloatPart {
        // eight interleaved lanes break the dependency chains and let the compiler use
        // SIMD; comparisons with NaN are false, so NaN never becomes a min or max
        const L: usize = 8;
        let mut count = [0u64; L];
        let mut sum = [0.0f64; L];
        let mut min = [f64::INFINITY; L];
        let mut max = [f64::NEG_INFINITY; L];
        let (chunks, rest) = v.as_chunks::<L>();
        for c in chunks {
            for k in 0..L {
                let x = c[k];
                let y = if blank(x) { f64::NAN } else { f(x) };
                let ok = !y.is_nan();
                count[k] += ok as u64;
                sum[k] += if ok { y } else { 0.0 };
                min[k] = if y < min[k] { y } else { min[k] };
                max[k] = if y > max[k] { y } else { max[k] };
            }
        }
        for (k, &x) in rest.iter().enumerate() {
            let y = if blank(x) { f64::NAN } else { f(x) };
            if !y.is_nan() {
                count[k] += 1;
                sum[k] += y;
                min[k] = min[k].min(y);
                max[k] = max[k].max(y);
            }
        }
        let s4 = [
            sum[0] + sum[4],
            sum[1] + sum[5],
            sum[2] + sum[6],
            sum[3] + sum[7],
        ];
        FloatPart {
            count: count.iter().sum(),
            sum: (s4[0] + s4[1]) + (s4[2] + s4[3]),
            min: min.iter().copied().fold(f64::INFINITY, f64::min),
            max: max.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    };
    let init = FloatPart {
        count: 0,
        sum: 0.0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
    };
    blocked(v, block, init, |a, b| FloatPart {
        count: a.count + b.count,
        sum: a.sum + b.sum,
        min: a.min.min(b.min),
        max: a.max.max(b.max),
    })
}
