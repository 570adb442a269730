//! Fast CPU operators with exact backward passes, and device-generic fallbacks.
//!
//! The networks keep activations in NHWC layout. On the CPU, patch extraction (im2col), average
//! pooling, bilinear upsampling and the fused bias + activation run as candle custom operators
//! written here (parallel over the batch with rayon, deterministic for a given thread count);
//! their backward passes are the exact adjoints. On other devices (CUDA) the same functions are
//! composed from candle's built-in operators, so one code path serves every device.
//! Convolutions are im2col + one matrix product (candle's GEMM), so their backward pass is two
//! matrix products and one col2im, instead of candle's slow direct transposed convolution.

mod fused;
mod kernels;

pub use kernels::SpatialKind;
use kernels::{Elem, Geom};

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, CustomOp2, DType, Layout, Shape, Tensor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Activation applied after a layer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Activation {
    /// Identity.
    Linear,
    /// max(0, x).
    Relu,
    /// x for x > 0, slope * x otherwise.
    LeakyRelu(f32),
    /// Hyperbolic tangent.
    Tanh,
}

fn bad_dtype(op: &'static str, dt: DType) -> candle_core::Error {
    candle_core::Error::Msg(format!(
        "{op}: unsupported dtype {dt:?} (f32/f64 only on the CPU)"
    ))
}

fn slice_of<'a, T>(v: &'a [T], l: &Layout, op: &'static str) -> candle_core::Result<&'a [T]> {
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&v[a..b]),
        None => Err(candle_core::Error::Msg(format!(
            "{op}: input must be contiguous"
        ))),
    }
}

/// A linear spatial operator (or its adjoint) as a candle custom op on NHWC tensors.
#[derive(Clone, Copy, Debug)]
struct Spatial {
    kind: SpatialKind,
    /// Geometry of the forward operator's input.
    g: Geom,
    adjoint: bool,
}

impl Spatial {
    fn in_len(&self) -> usize {
        self.g.h * self.g.w * self.g.c
    }
    fn out_len(&self) -> usize {
        let (a, b, c) = self.kind.out_dims(self.g);
        a * b * c
    }
    fn run<T: Elem>(&self, x: &[T]) -> Vec<T> {
        let (src, dst) = if self.adjoint {
            (self.out_len(), self.in_len())
        } else {
            (self.in_len(), self.out_len())
        };
        let mut y = vec![T::default(); self.g.n * dst];
        if src == 0 || dst == 0 {
            return y;
        }
        y.par_chunks_mut(dst)
            .zip(x.par_chunks(src))
            .for_each(|(yo, xi)| {
                if self.adjoint {
                    self.kind.adjoint(self.g, xi, yo)
                } else {
                    self.kind.forward(self.g, xi, yo)
                }
            });
        y
    }
    fn out_shape(&self) -> Shape {
        let g = self.g;
        if self.adjoint {
            Shape::from((g.n, g.h, g.w, g.c))
        } else {
            match self.kind {
                SpatialKind::Im2Col { .. } => {
                    let (a, b, c) = self.kind.out_dims(g);
                    Shape::from((g.n * a * b, c))
                }
                _ => {
                    let (a, b, c) = self.kind.out_dims(g);
                    Shape::from((g.n, a, b, c))
                }
            }
        }
    }
}

impl CustomOp1 for Spatial {
    fn name(&self) -> &'static str {
        match (self.kind, self.adjoint) {
            (SpatialKind::Im2Col { .. }, false) => "im2col",
            (SpatialKind::Im2Col { .. }, true) => "col2im",
            (SpatialKind::Pool2, false) => "avg-pool2",
            (SpatialKind::Pool2, true) => "avg-pool2-adjoint",
            (SpatialKind::PoolSame2, false) => "avg-pool-same2",
            (SpatialKind::PoolSame2, true) => "avg-pool-same2-adjoint",
            (SpatialKind::Upsample2, false) => "upsample2",
            (SpatialKind::Upsample2, true) => "upsample2-adjoint",
        }
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let expect = self.g.n
            * if self.adjoint {
                self.out_len()
            } else {
                self.in_len()
            };
        if l.shape().elem_count() != expect {
            return Err(candle_core::Error::Msg(format!(
                "{}: input has {} elements, expected {expect}",
                self.name(),
                l.shape().elem_count()
            )));
        }
        let out = match s {
            CpuStorage::F32(v) => CpuStorage::F32(self.run(slice_of(v, l, self.name())?)),
            CpuStorage::F64(v) => CpuStorage::F64(self.run(slice_of(v, l, self.name())?)),
            other => return Err(bad_dtype(self.name(), other.dtype())),
        };
        Ok((out, self.out_shape()))
    }

    fn bwd(
        &self,
        _arg: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        let adj = Spatial {
            adjoint: !self.adjoint,
            ..*self
        };
        Ok(Some(grad.contiguous()?.apply_op1(adj)?))
    }
}

/// The custom CPU kernels serve f32/f64 tensors on the CPU; everything else uses candle's operators.
fn fast_path(x: &Tensor) -> bool {
    x.device().is_cpu() && matches!(x.dtype(), DType::F32 | DType::F64)
}

fn geom(x: &Tensor) -> candle_core::Result<Geom> {
    let (n, h, w, c) = x.dims4()?;
    Ok(Geom { n, h, w, c })
}

/// TF 'same' padding for a kernel of size `k`, stride 1: (before, after), the extra pixel after.
pub fn same_padding(k: usize) -> (usize, usize) {
    let total = k - 1;
    (total / 2, total - total / 2)
}

/// Patch matrix of an NHWC tensor for a stride-1 `kh x kw` convolution: shape
/// (N * out_h * out_w, kh * kw * C), columns ordered (ky, kx, c). `same` selects TF 'same' padding
/// (output size = input size), otherwise 'valid' (output size = input - k + 1).
pub fn im2col(x: &Tensor, kh: usize, kw: usize, same: bool) -> candle_core::Result<Tensor> {
    let g = geom(x)?;
    let ((pt, pb), (pl, pr)) = if same {
        (same_padding(kh), same_padding(kw))
    } else {
        ((0, 0), (0, 0))
    };
    if g.h + pt + pb < kh || g.w + pl + pr < kw {
        return Err(candle_core::Error::Msg(format!(
            "im2col: {}x{} input too small for a {kh}x{kw} kernel",
            g.h, g.w
        )));
    }
    let out_h = g.h + pt + pb - kh + 1;
    let out_w = g.w + pl + pr - kw + 1;
    if fast_path(x) {
        let kind = SpatialKind::Im2Col {
            kh,
            kw,
            pad_t: pt,
            pad_l: pl,
            out_h,
            out_w,
        };
        x.contiguous()?.apply_op1(Spatial {
            kind,
            g,
            adjoint: false,
        })
    } else {
        im2col_generic(x, kh, kw, (pt, pb, pl, pr), (out_h, out_w))
    }
}

pub(crate) fn im2col_generic(
    x: &Tensor,
    kh: usize,
    kw: usize,
    (pt, pb, pl, pr): (usize, usize, usize, usize),
    (out_h, out_w): (usize, usize),
) -> candle_core::Result<Tensor> {
    let g = geom(x)?;
    let xp = x.pad_with_zeros(1, pt, pb)?.pad_with_zeros(2, pl, pr)?;
    let mut parts = Vec::with_capacity(kh * kw);
    for ky in 0..kh {
        for kx in 0..kw {
            parts.push(xp.narrow(1, ky, out_h)?.narrow(2, kx, out_w)?);
        }
    }
    Tensor::cat(&parts, 3)?.reshape((g.n * out_h * out_w, kh * kw * g.c))
}

/// Average pooling 2x2 with stride 2 ('valid', floor) on NHWC.
pub fn avg_pool2(x: &Tensor) -> candle_core::Result<Tensor> {
    let g = geom(x)?;
    if fast_path(x) {
        x.contiguous()?.apply_op1(Spatial {
            kind: SpatialKind::Pool2,
            g,
            adjoint: false,
        })
    } else {
        avg_pool2_generic(x)
    }
}

pub(crate) fn avg_pool2_generic(x: &Tensor) -> candle_core::Result<Tensor> {
    let g = geom(x)?;
    {
        let (oh, ow) = (g.h / 2, g.w / 2);
        x.narrow(1, 0, 2 * oh)?
            .narrow(2, 0, 2 * ow)?
            .reshape((g.n, oh, 2, ow, 2, g.c))?
            .sum(4)?
            .sum(2)?
            .affine(0.25, 0.0)
    }
}

/// Average pooling 2x2, stride 1, TF 'same' padding, dividing by the number of valid pixels, on NHWC.
pub fn avg_pool_same2(x: &Tensor) -> candle_core::Result<Tensor> {
    let g = geom(x)?;
    if fast_path(x) {
        x.contiguous()?.apply_op1(Spatial {
            kind: SpatialKind::PoolSame2,
            g,
            adjoint: false,
        })
    } else {
        avg_pool_same2_generic(x)
    }
}

pub(crate) fn avg_pool_same2_generic(x: &Tensor) -> candle_core::Result<Tensor> {
    let g = geom(x)?;
    {
        let xp = x.pad_with_zeros(1, 0, 1)?.pad_with_zeros(2, 0, 1)?;
        let s = (xp.narrow(1, 0, g.h)?.narrow(2, 0, g.w)?
            + xp.narrow(1, 1, g.h)?.narrow(2, 0, g.w)?)?;
        let s = ((s + xp.narrow(1, 0, g.h)?.narrow(2, 1, g.w)?)?
            + xp.narrow(1, 1, g.h)?.narrow(2, 1, g.w)?)?;
        let mut inv = Vec::with_capacity(g.h * g.w);
        for y in 0..g.h {
            for xx in 0..g.w {
                let cnt = (1 + (y + 1 < g.h) as usize) * (1 + (xx + 1 < g.w) as usize);
                inv.push(1.0 / cnt as f32);
            }
        }
        let inv = Tensor::from_vec(inv, (1, g.h, g.w, 1), x.device())?.to_dtype(x.dtype())?;
        s.broadcast_mul(&inv)
    }
}

/// Bilinear upsampling x2 on NHWC with TensorFlow 1 conventions (output i reads input i/2).
pub fn upsample2(x: &Tensor) -> candle_core::Result<Tensor> {
    let g = geom(x)?;
    if fast_path(x) {
        x.contiguous()?.apply_op1(Spatial {
            kind: SpatialKind::Upsample2,
            g,
            adjoint: false,
        })
    } else {
        upsample2_generic(x)
    }
}

pub(crate) fn upsample2_generic(x: &Tensor) -> candle_core::Result<Tensor> {
    let g = geom(x)?;
    {
        let dev = x.device();
        let interp = |t: &Tensor, dim: usize, len: usize| -> candle_core::Result<Tensor> {
            let i0: Vec<u32> = (0..2 * len).map(|i| (i / 2) as u32).collect();
            let i1: Vec<u32> = (0..2 * len)
                .map(|i| ((i / 2 + 1).min(len - 1)) as u32)
                .collect();
            let f: Vec<f32> = (0..2 * len)
                .map(|i| if i % 2 == 1 { 0.5 } else { 0.0 })
                .collect();
            let a = t.index_select(&Tensor::new(i0, dev)?, dim)?;
            let b = t.index_select(&Tensor::new(i1, dev)?, dim)?;
            let mut shape = vec![1usize; 4];
            shape[dim] = 2 * len;
            let f = Tensor::from_vec(f, shape, dev)?.to_dtype(t.dtype())?;
            a.broadcast_add(&(b - &a)?.broadcast_mul(&f)?)
        };
        let y = interp(x, 1, g.h)?;
        interp(&y, 2, g.w)
    }
}

/// y = act(x + b), b broadcast along the last dimension, fused on the CPU.
#[derive(Clone, Copy, Debug)]
struct BiasAct(Activation);

fn act_fwd<T: Elem>(act: Activation, v: T) -> T {
    match act {
        Activation::Linear => v,
        Activation::Relu => {
            if v > T::default() {
                v
            } else {
                T::default()
            }
        }
        Activation::LeakyRelu(s) => {
            if v > T::default() {
                v
            } else {
                v * T::from_f64(s as f64)
            }
        }
        Activation::Tanh => v.tanh_(),
    }
}

/// Derivative of the activation expressed through its output y.
fn act_grad_from_out<T: Elem>(act: Activation, y: T) -> T {
    match act {
        Activation::Linear => T::from_f64(1.0),
        Activation::Relu => {
            if y > T::default() {
                T::from_f64(1.0)
            } else {
                T::default()
            }
        }
        Activation::LeakyRelu(s) => {
            if y > T::default() {
                T::from_f64(1.0)
            } else {
                T::from_f64(s as f64)
            }
        }
        Activation::Tanh => T::from_f64(1.0) - y * y,
    }
}

fn bias_act_run<T: Elem>(act: Activation, x: &[T], b: &[T]) -> Vec<T> {
    let c = b.len();
    let mut y = vec![T::default(); x.len()];
    let rows_per = (16384 / c.max(1)).max(1);
    y.par_chunks_mut(rows_per * c)
        .zip(x.par_chunks(rows_per * c))
        .for_each(|(yo, xi)| {
            for (yr, xr) in yo.chunks_mut(c).zip(xi.chunks(c)) {
                for ((o, &v), &bb) in yr.iter_mut().zip(xr).zip(b) {
                    *o = act_fwd(act, v + bb);
                }
            }
        });
    y
}

impl CustomOp2 for BiasAct {
    fn name(&self) -> &'static str {
        "bias-act"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let c = l2.shape().elem_count();
        let last = *l1.dims().last().unwrap_or(&0);
        if last != c {
            return Err(candle_core::Error::Msg(format!(
                "bias-act: last dimension {last} != bias length {c}"
            )));
        }
        let out = match (s1, s2) {
            (CpuStorage::F32(x), CpuStorage::F32(b)) => CpuStorage::F32(bias_act_run(
                self.0,
                slice_of(x, l1, "bias-act")?,
                slice_of(b, l2, "bias-act")?,
            )),
            (CpuStorage::F64(x), CpuStorage::F64(b)) => CpuStorage::F64(bias_act_run(
                self.0,
                slice_of(x, l1, "bias-act")?,
                slice_of(b, l2, "bias-act")?,
            )),
            (a, _) => return Err(bad_dtype("bias-act", a.dtype())),
        };
        Ok((out, l1.shape().clone()))
    }
    fn bwd(
        &self,
        _x: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let gx = grad
            .contiguous()?
            .apply_op2_no_bwd(&res.contiguous()?, &ActGrad(self.0))?;
        let c = b.elem_count();
        let gb = gx.reshape(((), c))?.sum(0)?.reshape(b.shape())?;
        Ok((Some(gx), Some(gb)))
    }
}

/// grad_in = grad_out * act'(y), from the output y (no second derivative).
#[derive(Clone, Copy, Debug)]
struct ActGrad(Activation);

fn act_grad_run<T: Elem>(act: Activation, g: &[T], y: &[T]) -> Vec<T> {
    let mut o = vec![T::default(); g.len()];
    o.par_chunks_mut(16384)
        .zip(g.par_chunks(16384).zip(y.par_chunks(16384)))
        .for_each(|(oo, (gg, yy))| {
            for ((a, &gv), &yv) in oo.iter_mut().zip(gg).zip(yy) {
                *a = gv * act_grad_from_out(act, yv);
            }
        });
    o
}

impl CustomOp2 for ActGrad {
    fn name(&self) -> &'static str {
        "act-grad"
    }
    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let out = match (s1, s2) {
            (CpuStorage::F32(g), CpuStorage::F32(y)) => CpuStorage::F32(act_grad_run(
                self.0,
                slice_of(g, l1, "act-grad")?,
                slice_of(y, l2, "act-grad")?,
            )),
            (CpuStorage::F64(g), CpuStorage::F64(y)) => CpuStorage::F64(act_grad_run(
                self.0,
                slice_of(g, l1, "act-grad")?,
                slice_of(y, l2, "act-grad")?,
            )),
            (a, _) => return Err(bad_dtype("act-grad", a.dtype())),
        };
        Ok((out, l1.shape().clone()))
    }
}

/// Applies an activation with candle's built-in operators (any device).
pub fn activate(x: &Tensor, act: Activation) -> candle_core::Result<Tensor> {
    match act {
        Activation::Linear => Ok(x.clone()),
        Activation::Relu => x.relu(),
        Activation::LeakyRelu(s) => x.maximum(&x.affine(s as f64, 0.0)?),
        Activation::Tanh => x.tanh(),
    }
}

/// act(x + b) with `b` broadcast along the last dimension of `x` (fused on the CPU).
pub fn bias_act(x: &Tensor, b: &Tensor, act: Activation) -> candle_core::Result<Tensor> {
    if fast_path(x) {
        x.contiguous()?.apply_op2(&b.contiguous()?, BiasAct(act))
    } else {
        activate(&x.broadcast_add(b)?, act)
    }
}

/// Stride-1 convolution on NHWC: `w` is (kh * kw * C_in, C_out) with rows ordered (ky, kx, c),
/// `b` is (C_out). Returns act(conv(x) + b) as NHWC. On the CPU this is one fused autograd node.
pub fn conv2d(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    k: usize,
    same: bool,
    act: Activation,
) -> candle_core::Result<Tensor> {
    let (n, h, wd, c) = x.dims4()?;
    let cout = w.dim(1)?;
    if w.dim(0)? != k * k * c || b.elem_count() != cout {
        return Err(candle_core::Error::Msg(format!(
            "conv2d: kernel {:?} / bias {:?} do not fit {k}x{k}, {c} input channels",
            w.dims(),
            b.dims()
        )));
    }
    if !same && (h < k || wd < k) {
        return Err(candle_core::Error::Msg(format!(
            "conv2d: {h}x{wd} input too small for a valid {k}x{k} kernel"
        )));
    }
    if fast_path(x) && x.dtype() == w.dtype() && x.dtype() == b.dtype() {
        let f = fused::Fused {
            g: Some(Geom { n, h, w: wd, c }),
            cin: c,
            cout,
            k,
            same,
            act,
        };
        return x
            .contiguous()?
            .apply_op3(&w.contiguous()?, &b.contiguous()?, f);
    }
    conv2d_generic(x, w, b, k, same, act)
}

/// Device-generic convolution: candle's NCHW `conv2d` (im2col + GEMM on CUDA) for odd kernels,
/// whose TF 'same' padding is symmetric; im2col from candle operators otherwise.
pub(crate) fn conv2d_generic(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    k: usize,
    same: bool,
    act: Activation,
) -> candle_core::Result<Tensor> {
    let (n, h, wd, c) = x.dims4()?;
    let cout = w.dim(1)?;
    if k % 2 == 1 {
        let pad = if same { k / 2 } else { 0 };
        let xc = x.permute((0, 3, 1, 2))?.contiguous()?;
        let kern = w
            .reshape((k, k, c, cout))?
            .permute((3, 2, 0, 1))?
            .contiguous()?;
        let y = xc.conv2d(&kern, pad, 1, 1, 1)?.permute((0, 2, 3, 1))?;
        return bias_act(&y.contiguous()?, b, act);
    }
    let (cols, oh, ow) = {
        let cols = im2col(x, k, k, same)?;
        let (oh, ow) = if same {
            (h, wd)
        } else {
            (h + 1 - k, wd + 1 - k)
        };
        (cols, oh, ow)
    };
    let y = cols.matmul(w)?;
    bias_act(&y, b, act)?.reshape((n, oh, ow, cout))
}

/// Dense layer act(x W + b) for x (M x C_in), W (C_in x C_out). On the CPU one fused node.
pub fn linear(x: &Tensor, w: &Tensor, b: &Tensor, act: Activation) -> candle_core::Result<Tensor> {
    let (_, cin) = x.dims2()?;
    let cout = w.dim(1)?;
    if w.dim(0)? != cin || b.elem_count() != cout {
        return Err(candle_core::Error::Msg(format!(
            "linear: weight {:?} / bias {:?} do not fit {cin} inputs",
            w.dims(),
            b.dims()
        )));
    }
    if fast_path(x) && x.dtype() == w.dtype() && x.dtype() == b.dtype() {
        let f = fused::Fused {
            g: None,
            cin,
            cout,
            k: 1,
            same: true,
            act,
        };
        return x
            .contiguous()?
            .apply_op3(&w.contiguous()?, &b.contiguous()?, f);
    }
    bias_act(&x.matmul(w)?, b, act)
}

#[cfg(test)]
mod tests;
