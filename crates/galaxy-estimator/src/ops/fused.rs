//! Fused CPU layer: y = act(patches(x) W + b) as ONE autograd node, for stride-1 convolutions on
//! NHWC tensors and for dense layers.
//!
//! candle's backward pass adds every gradient into a freshly zeroed buffer, so each node of the
//! graph costs a few extra passes over its inputs. Composing a convolution from im2col, matmul and
//! bias+activation creates three nodes, one of them on the k*k times larger patch matrix. This op
//! keeps the patch matrix internal: forward = im2col + GEMM + bias + activation; backward =
//! activation derivative, column sums (bias), GEMM (weights), GEMM + col2im (input; skipped when
//! the input does not need a gradient). GEMMs call the `gemm` crate (candle's own kernels).

use super::kernels::{Elem, Geom, SpatialKind, im2col_sample};
use super::{Activation, act_fwd, act_grad_from_out, same_padding};
use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp3, DType, Layout, Shape, Storage, Tensor};
use rayon::prelude::*;

/// Element types with CPU storage access and GEMM.
pub(crate) trait GemmElem: Elem + candle_core::WithDType {
    fn slice(s: &CpuStorage) -> Option<&[Self]>;
    fn wrap(v: Vec<Self>) -> CpuStorage;
    fn unit() -> Self;
}

impl GemmElem for f32 {
    fn slice(s: &CpuStorage) -> Option<&[Self]> {
        match s {
            CpuStorage::F32(v) => Some(v),
            _ => None,
        }
    }
    fn wrap(v: Vec<Self>) -> CpuStorage {
        CpuStorage::F32(v)
    }
    fn unit() -> Self {
        1.0
    }
}

impl GemmElem for f64 {
    fn slice(s: &CpuStorage) -> Option<&[Self]> {
        match s {
            CpuStorage::F64(v) => Some(v),
            _ => None,
        }
    }
    fn wrap(v: Vec<Self>) -> CpuStorage {
        CpuStorage::F64(v)
    }
    fn unit() -> Self {
        1.0
    }
}

fn par() -> gemm::Parallelism {
    let n = rayon::current_num_threads();
    if n > 1 {
        gemm::Parallelism::Rayon(n)
    } else {
        gemm::Parallelism::None
    }
}

/// A new row-major m x n matrix A B, written by the GEMM without zero-initialising it first.
fn matmul_new<T: GemmElem>(
    m: usize,
    n: usize,
    k: usize,
    a: &[T],
    (a_rs, a_cs): (usize, usize),
    b: &[T],
    (b_rs, b_cs): (usize, usize),
) -> Vec<T> {
    if m == 0 || n == 0 || k == 0 {
        return vec![T::default(); m * n];
    }
    let mut v: Vec<T> = Vec::with_capacity(m * n);
    // SAFETY: gemm with read_dst = false writes all m x n elements of dst (row stride n,
    // column stride 1) through the raw pointer without reading them; only then is the length set.
    // The operands cover the index ranges implied by m, n, k and their strides.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            v.spare_capacity_mut().as_mut_ptr() as *mut T,
            1,
            n as isize,
            false,
            a.as_ptr(),
            a_cs as isize,
            a_rs as isize,
            b.as_ptr(),
            b_cs as isize,
            b_rs as isize,
            T::default(),
            T::unit(),
            false,
            false,
            false,
            par(),
        );
        v.set_len(m * n);
    }
    v
}

/// Geometry of the fused op.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fused {
    /// NHWC input geometry (None: dense input M x cin).
    pub g: Option<Geom>,
    pub cin: usize,
    pub cout: usize,
    pub k: usize,
    pub same: bool,
    pub act: Activation,
}

impl Fused {
    fn kdim(&self) -> usize {
        self.k * self.k * self.cin
    }

    fn im2col_kind(&self) -> Option<(SpatialKind, Geom, usize, usize)> {
        let g = self.g?;
        if self.k == 1 {
            return None;
        }
        let ((pt, pb), (pl, pr)) = if self.same {
            (same_padding(self.k), same_padding(self.k))
        } else {
            ((0, 0), (0, 0))
        };
        let oh = g.h + pt + pb + 1 - self.k;
        let ow = g.w + pl + pr + 1 - self.k;
        Some((
            SpatialKind::Im2Col {
                kh: self.k,
                kw: self.k,
                pad_t: pt,
                pad_l: pl,
                out_h: oh,
                out_w: ow,
            },
            g,
            oh,
            ow,
        ))
    }

    /// Output shape for an input of `x_elems` elements.
    fn out_shape(&self, x_elems: usize) -> Shape {
        match (self.g, self.im2col_kind()) {
            (Some(g), Some((_, _, oh, ow))) => Shape::from((g.n, oh, ow, self.cout)),
            (Some(g), None) => Shape::from((g.n, g.h, g.w, self.cout)),
            (None, _) => Shape::from((x_elems / self.cin.max(1), self.cout)),
        }
    }

    fn cols<'a, T: GemmElem>(&self, x: &'a [T]) -> std::borrow::Cow<'a, [T]> {
        match self.im2col_kind() {
            None => std::borrow::Cow::Borrowed(x),
            Some((kind, g, oh, ow)) => {
                let SpatialKind::Im2Col { pad_t, pad_l, .. } = kind else {
                    unreachable!("im2col_kind returns Im2Col")
                };
                let per_in = g.h * g.w * g.c;
                let per_out = oh * ow * self.kdim();
                let total = g.n * per_out;
                let mut out: Vec<T> = Vec::with_capacity(total);
                if per_in > 0 && per_out > 0 {
                    out.spare_capacity_mut()[..total]
                        .par_chunks_mut(per_out)
                        .zip(x.par_chunks(per_in))
                        .for_each(|(o, i)| {
                            im2col_sample(g, self.k, self.k, pad_t, pad_l, oh, ow, i, o)
                        });
                    // SAFETY: im2col_sample wrote every element of every chunk.
                    unsafe { out.set_len(total) };
                } else {
                    out.resize(total, T::default());
                }
                std::borrow::Cow::Owned(out)
            }
        }
    }

    fn forward<T: GemmElem>(&self, x: &[T], w: &[T], b: &[T]) -> Vec<T> {
        let (cout, kdim) = (self.cout, self.kdim());
        let cols = self.cols(x);
        let m = cols.len() / kdim.max(1);
        let mut y = matmul_new(m, cout, kdim, &cols, (kdim, 1), w, (cout, 1));
        let act = self.act;
        if cout > 0 {
            y.par_chunks_mut(cout * 256).for_each(|ch| {
                for row in ch.chunks_mut(cout) {
                    for (v, &bb) in row.iter_mut().zip(b) {
                        *v = act_fwd(act, *v + bb);
                    }
                }
            });
        }
        y
    }

    /// (gx, gw, gb) from x, w, y and the output gradient g.
    fn backward<T: GemmElem>(
        &self,
        x: &[T],
        w: &[T],
        y: &[T],
        g: &[T],
        need_x: bool,
    ) -> (Option<Vec<T>>, Vec<T>, Vec<T>) {
        let (cout, kdim, act) = (self.cout, self.kdim(), self.act);
        let m = y.len() / cout.max(1);
        let mut gz = vec![T::default(); y.len()];
        gz.par_chunks_mut(16384)
            .zip(g.par_chunks(16384).zip(y.par_chunks(16384)))
            .for_each(|(o, (gg, yy))| {
                for ((a, &gv), &yv) in o.iter_mut().zip(gg).zip(yy) {
                    *a = gv * act_grad_from_out(act, yv);
                }
            });
        let mut gb = vec![T::default(); cout];
        if cout > 0 {
            for row in gz.chunks(cout) {
                for (s, &v) in gb.iter_mut().zip(row) {
                    *s += v;
                }
            }
        }
        let cols = self.cols(x);
        // gw = cols^T gz: cols^T element (i, j) = cols[j * kdim + i]
        let gw = matmul_new(kdim, cout, m, &cols, (1, kdim), &gz, (cout, 1));
        drop(cols);
        let gx = need_x.then(|| {
            // gcols = gz w^T: w^T element (i, j) = w[j * cout + i]
            let gcols = matmul_new(m, kdim, cout, &gz, (cout, 1), w, (1, cout));
            match self.im2col_kind() {
                None => gcols,
                Some((kind, g, oh, ow)) => {
                    let per_in = g.h * g.w * g.c;
                    let per_out = oh * ow * kdim;
                    let mut gx = vec![T::default(); g.n * per_in];
                    if per_in > 0 && per_out > 0 {
                        gx.par_chunks_mut(per_in)
                            .zip(gcols.par_chunks(per_out))
                            .for_each(|(o, i)| kind.adjoint(g, i, o));
                    }
                    gx
                }
            }
        });
        (gx, gw, gb)
    }

    fn check(&self, lx: &Layout, lw: &Layout, lb: &Layout) -> candle_core::Result<()> {
        let want_x = match self.g {
            Some(g) => g.n * g.h * g.w * g.c,
            None => lx.shape().elem_count(),
        };
        let ok = lx.shape().elem_count() == want_x
            && lx.shape().elem_count().is_multiple_of(self.cin.max(1))
            && lw.shape().elem_count() == self.kdim() * self.cout
            && lb.shape().elem_count() == self.cout;
        if ok {
            Ok(())
        } else {
            Err(candle_core::Error::Msg(format!(
                "fused-linear: shapes x {:?}, w {:?}, b {:?} do not fit {self:?}",
                lx.dims(),
                lw.dims(),
                lb.dims()
            )))
        }
    }
}

fn contiguous<'a, T>(v: &'a [T], l: &Layout) -> candle_core::Result<&'a [T]> {
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&v[a..b]),
        None => Err(candle_core::Error::Msg(
            "fused-linear: input must be contiguous".into(),
        )),
    }
}

fn run_fwd<T: GemmElem>(
    f: &Fused,
    (s1, l1): (&CpuStorage, &Layout),
    (s2, l2): (&CpuStorage, &Layout),
    (s3, l3): (&CpuStorage, &Layout),
) -> candle_core::Result<CpuStorage> {
    let err = || candle_core::Error::Msg("fused-linear: x, w and b must share one dtype".into());
    let x = contiguous(T::slice(s1).ok_or_else(err)?, l1)?;
    let w = contiguous(T::slice(s2).ok_or_else(err)?, l2)?;
    let b = contiguous(T::slice(s3).ok_or_else(err)?, l3)?;
    Ok(T::wrap(f.forward(x, w, b)))
}

impl CustomOp3 for Fused {
    fn name(&self) -> &'static str {
        "fused-linear"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        self.check(l1, l2, l3)?;
        let out = match s1.dtype() {
            DType::F32 => run_fwd::<f32>(self, (s1, l1), (s2, l2), (s3, l3))?,
            DType::F64 => run_fwd::<f64>(self, (s1, l1), (s2, l2), (s3, l3))?,
            d => {
                return Err(candle_core::Error::Msg(format!(
                    "fused-linear: unsupported dtype {d:?}"
                )));
            }
        };
        Ok((out, self.out_shape(l1.shape().elem_count())))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        y: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let grad = grad.contiguous()?;
        let need_x = x.track_op();
        match x.dtype() {
            DType::F32 => self.bwd_typed::<f32>(x, w, b, y, &grad, need_x),
            DType::F64 => self.bwd_typed::<f64>(x, w, b, y, &grad, need_x),
            d => Err(candle_core::Error::Msg(format!(
                "fused-linear: unsupported dtype {d:?}"
            ))),
        }
    }
}

impl Fused {
    fn bwd_typed<T: GemmElem>(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        y: &Tensor,
        grad: &Tensor,
        need_x: bool,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (gx, gw, gb) = {
            let (sx, lx) = x.storage_and_layout();
            let (sw, lw) = w.storage_and_layout();
            let (sy, ly) = y.storage_and_layout();
            let (sg, lg) = grad.storage_and_layout();
            let xv = cpu_slice::<T>(&sx, lx)?;
            let wv = cpu_slice::<T>(&sw, lw)?;
            let yv = cpu_slice::<T>(&sy, ly)?;
            let gv = cpu_slice::<T>(&sg, lg)?;
            self.backward(xv, wv, yv, gv, need_x)
        };
        let dev = x.device();
        let gx = gx
            .map(|v| Tensor::from_vec(v, x.shape(), dev))
            .transpose()?;
        let gw = Tensor::from_vec(gw, w.shape(), dev)?;
        let gb = Tensor::from_vec(gb, b.shape(), dev)?;
        Ok((gx, Some(gw), Some(gb)))
    }
}

fn cpu_slice<'a, T: GemmElem>(s: &'a Storage, l: &Layout) -> candle_core::Result<&'a [T]> {
    match s {
        Storage::Cpu(c) => {
            let v = T::slice(c)
                .ok_or_else(|| candle_core::Error::Msg("fused-linear: dtype mismatch".into()))?;
            contiguous(v, l)
        }
        _ => Err(candle_core::Error::Msg(
            "fused-linear: CPU tensors only".into(),
        )),
    }
}
