//! Scalar kernels of the spatial operators, per sample, NHWC layout, generic over f32/f64.
//!
//! Every operator here is linear; each has a forward map and its exact adjoint (the transpose),
//! which is its gradient with respect to the input.

use serde::{Deserialize, Serialize};

/// Floating element type usable by the kernels (f32 and f64).
pub(crate) trait Elem:
    Copy
    + Send
    + Sync
    + Default
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::AddAssign
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + 'static
{
    fn from_f64(v: f64) -> Self;
    fn tanh_(self) -> Self;
}

impl Elem for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn tanh_(self) -> Self {
        self.tanh()
    }
}

impl Elem for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
    fn tanh_(self) -> Self {
        self.tanh()
    }
}

/// Which spatial operator (all stride-1 convolutions go through im2col).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SpatialKind {
    /// Patch extraction for a `kh x kw` convolution with top/left zero padding `pad_t`, `pad_l`
    /// and output size `out_h x out_w` (stride 1). Output rows (y, x), columns (ky, kx, c).
    Im2Col {
        /// Kernel height.
        kh: usize,
        /// Kernel width.
        kw: usize,
        /// Zero rows added on top.
        pad_t: usize,
        /// Zero columns added on the left.
        pad_l: usize,
        /// Output height.
        out_h: usize,
        /// Output width.
        out_w: usize,
    },
    /// Average pooling 2x2, stride 2, valid padding (floor).
    Pool2,
    /// Average pooling 2x2, stride 1, TF 'same' padding (one extra row/column at the bottom/right),
    /// averaging over the valid pixels only.
    PoolSame2,
    /// Bilinear upsampling x2 with TensorFlow 1 conventions: output pixel i reads input coordinate
    /// i / 2 (no half-pixel centres, no corner alignment), clamped at the border.
    Upsample2,
}

/// im2col of one sample into uninitialised memory, writing every element: rows (oy, ox), columns
/// (ky, kx, c); each kernel row is one contiguous copy of its valid pixels plus zero padding.
#[allow(clippy::too_many_arguments)]
pub(crate) fn im2col_sample<T: Elem>(
    g: Geom,
    kh: usize,
    kw: usize,
    pad_t: usize,
    pad_l: usize,
    out_h: usize,
    out_w: usize,
    x: &[T],
    y: &mut [std::mem::MaybeUninit<T>],
) {
    let (h, w, c) = (g.h as isize, g.w as isize, g.c);
    let row = kh * kw * c;
    let zero = T::default();
    for oy in 0..out_h {
        for ox in 0..out_w {
            let dst = &mut y[(oy * out_w + ox) * row..(oy * out_w + ox + 1) * row];
            let x0 = ox as isize - pad_l as isize;
            let lo = (-x0).clamp(0, kw as isize) as usize;
            let hi = (w - x0).clamp(lo as isize, kw as isize) as usize;
            for ky in 0..kh {
                let iy = oy as isize + ky as isize - pad_t as isize;
                let d = &mut dst[ky * kw * c..(ky + 1) * kw * c];
                if iy < 0 || iy >= h || lo >= hi {
                    for v in d.iter_mut() {
                        v.write(zero);
                    }
                    continue;
                }
                for v in d[..lo * c].iter_mut() {
                    v.write(zero);
                }
                let s0 = ((iy * w + x0 + lo as isize) as usize) * c;
                let src = &x[s0..s0 + (hi - lo) * c];
                for (v, &s) in d[lo * c..hi * c].iter_mut().zip(src) {
                    v.write(s);
                }
                for v in d[hi * c..].iter_mut() {
                    v.write(zero);
                }
            }
        }
    }
}

/// Input geometry of one operator application (NHWC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geom {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub c: usize,
}

impl SpatialKind {
    /// Output dims per sample (rows, cols, channels-or-columns) for input `g`.
    pub(crate) fn out_dims(&self, g: Geom) -> (usize, usize, usize) {
        match *self {
            SpatialKind::Im2Col {
                kh,
                kw,
                out_h,
                out_w,
                ..
            } => (out_h, out_w, kh * kw * g.c),
            SpatialKind::Pool2 => (g.h / 2, g.w / 2, g.c),
            SpatialKind::PoolSame2 => (g.h, g.w, g.c),
            SpatialKind::Upsample2 => (2 * g.h, 2 * g.w, g.c),
        }
    }

    /// Forward map for one sample: `x` is h*w*c, `y` (zeroed) is the output of one sample.
    pub(crate) fn forward<T: Elem>(&self, g: Geom, x: &[T], y: &mut [T]) {
        let (h, w, c) = (g.h, g.w, g.c);
        match *self {
            SpatialKind::Im2Col {
                kh,
                kw,
                pad_t,
                pad_l,
                out_h,
                out_w,
            } => {
                let row = kh * kw * c;
                for oy in 0..out_h {
                    for ox in 0..out_w {
                        let dst = &mut y[(oy * out_w + ox) * row..(oy * out_w + ox + 1) * row];
                        for ky in 0..kh {
                            let iy = oy + ky;
                            if iy < pad_t || iy - pad_t >= h {
                                continue;
                            }
                            let iy = iy - pad_t;
                            for kx in 0..kw {
                                let ix = ox + kx;
                                if ix < pad_l || ix - pad_l >= w {
                                    continue;
                                }
                                let ix = ix - pad_l;
                                let s = (iy * w + ix) * c;
                                let d = (ky * kw + kx) * c;
                                dst[d..d + c].copy_from_slice(&x[s..s + c]);
                            }
                        }
                    }
                }
            }
            SpatialKind::Pool2 => {
                let (oh, ow) = (h / 2, w / 2);
                let q = T::from_f64(0.25);
                for oy in 0..oh {
                    for ox in 0..ow {
                        let d = (oy * ow + ox) * c;
                        let a = ((2 * oy) * w + 2 * ox) * c;
                        let b = a + c;
                        let e = a + w * c;
                        let f = e + c;
                        for k in 0..c {
                            y[d + k] = (x[a + k] + x[b + k] + x[e + k] + x[f + k]) * q;
                        }
                    }
                }
            }
            SpatialKind::PoolSame2 => {
                for oy in 0..h {
                    for ox in 0..w {
                        let d = (oy * w + ox) * c;
                        let down = oy + 1 < h;
                        let right = ox + 1 < w;
                        let cnt = (1 + down as usize) * (1 + right as usize);
                        let inv = T::from_f64(1.0 / cnt as f64);
                        let a = d;
                        for k in 0..c {
                            let mut s = x[a + k];
                            if right {
                                s += x[a + c + k];
                            }
                            if down {
                                s += x[a + w * c + k];
                                if right {
                                    s += x[a + w * c + c + k];
                                }
                            }
                            y[d + k] = s * inv;
                        }
                    }
                }
            }
            SpatialKind::Upsample2 => {
                let (oh, ow) = (2 * h, 2 * w);
                let half = T::from_f64(0.5);
                let quarter = T::from_f64(0.25);
                for oy in 0..oh {
                    let y0 = oy / 2;
                    let y1 = (y0 + 1).min(h - 1);
                    let fy = oy % 2 == 1;
                    for ox in 0..ow {
                        let x0 = ox / 2;
                        let x1 = (x0 + 1).min(w - 1);
                        let fx = ox % 2 == 1;
                        let d = (oy * ow + ox) * c;
                        let p00 = (y0 * w + x0) * c;
                        let p01 = (y0 * w + x1) * c;
                        let p10 = (y1 * w + x0) * c;
                        let p11 = (y1 * w + x1) * c;
                        match (fy, fx) {
                            (false, false) => y[d..d + c].copy_from_slice(&x[p00..p00 + c]),
                            (false, true) => {
                                for k in 0..c {
                                    y[d + k] = (x[p00 + k] + x[p01 + k]) * half;
                                }
                            }
                            (true, false) => {
                                for k in 0..c {
                                    y[d + k] = (x[p00 + k] + x[p10 + k]) * half;
                                }
                            }
                            (true, true) => {
                                for k in 0..c {
                                    y[d + k] = (x[p00 + k] + x[p01 + k] + x[p10 + k] + x[p11 + k])
                                        * quarter;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adjoint map for one sample: `gy` is the output-sized gradient, `gx` (zeroed) the input-sized one.
    pub(crate) fn adjoint<T: Elem>(&self, g: Geom, gy: &[T], gx: &mut [T]) {
        let (h, w, c) = (g.h, g.w, g.c);
        match *self {
            SpatialKind::Im2Col {
                kh,
                kw,
                pad_t,
                pad_l,
                out_h,
                out_w,
            } => {
                let row = kh * kw * c;
                for oy in 0..out_h {
                    for ox in 0..out_w {
                        let src = &gy[(oy * out_w + ox) * row..(oy * out_w + ox + 1) * row];
                        for ky in 0..kh {
                            let iy = oy + ky;
                            if iy < pad_t || iy - pad_t >= h {
                                continue;
                            }
                            let iy = iy - pad_t;
                            for kx in 0..kw {
                                let ix = ox + kx;
                                if ix < pad_l || ix - pad_l >= w {
                                    continue;
                                }
                                let ix = ix - pad_l;
                                let d = (iy * w + ix) * c;
                                let s = (ky * kw + kx) * c;
                                for (a, b) in gx[d..d + c].iter_mut().zip(&src[s..s + c]) {
                                    *a += *b;
                                }
                            }
                        }
                    }
                }
            }
            SpatialKind::Pool2 => {
                let (oh, ow) = (h / 2, w / 2);
                let q = T::from_f64(0.25);
                for oy in 0..oh {
                    for ox in 0..ow {
                        let s = (oy * ow + ox) * c;
                        let a = ((2 * oy) * w + 2 * ox) * c;
                        for k in 0..c {
                            let v = gy[s + k] * q;
                            gx[a + k] = v;
                            gx[a + c + k] = v;
                            gx[a + w * c + k] = v;
                            gx[a + w * c + c + k] = v;
                        }
                    }
                }
            }
            SpatialKind::PoolSame2 => {
                for oy in 0..h {
                    for ox in 0..w {
                        let s = (oy * w + ox) * c;
                        let down = oy + 1 < h;
                        let right = ox + 1 < w;
                        let cnt = (1 + down as usize) * (1 + right as usize);
                        let inv = T::from_f64(1.0 / cnt as f64);
                        for k in 0..c {
                            let v = gy[s + k] * inv;
                            gx[s + k] += v;
                            if right {
                                gx[s + c + k] += v;
                            }
                            if down {
                                gx[s + w * c + k] += v;
                                if right {
                                    gx[s + w * c + c + k] += v;
                                }
                            }
                        }
                    }
                }
            }
            SpatialKind::Upsample2 => {
                let (oh, ow) = (2 * h, 2 * w);
                let half = T::from_f64(0.5);
                let quarter = T::from_f64(0.25);
                for oy in 0..oh {
                    let y0 = oy / 2;
                    let y1 = (y0 + 1).min(h - 1);
                    let fy = oy % 2 == 1;
                    for ox in 0..ow {
                        let x0 = ox / 2;
                        let x1 = (x0 + 1).min(w - 1);
                        let fx = ox % 2 == 1;
                        let s = (oy * ow + ox) * c;
                        let p00 = (y0 * w + x0) * c;
                        let p01 = (y0 * w + x1) * c;
                        let p10 = (y1 * w + x0) * c;
                        let p11 = (y1 * w + x1) * c;
                        match (fy, fx) {
                            (false, false) => {
                                for k in 0..c {
                                    gx[p00 + k] += gy[s + k];
                                }
                            }
                            (false, true) => {
                                for k in 0..c {
                                    let v = gy[s + k] * half;
                                    gx[p00 + k] += v;
                                    gx[p01 + k] += v;
                                }
                            }
                            (true, false) => {
                                for k in 0..c {
                                    let v = gy[s + k] * half;
                                    gx[p00 + k] += v;
                                    gx[p10 + k] += v;
                                }
                            }
                            (true, true) => {
                                for k in 0..c {
                                    let v = gy[s + k] * quarter;
                                    gx[p00 + k] += v;
                                    gx[p01 + k] += v;
                                    gx[p10 + k] += v;
                                    gx[p11 + k] += v;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
