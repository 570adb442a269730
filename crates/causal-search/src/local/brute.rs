//! Exact k-nearest-neighbour search for many queries at once by blocked brute force.
//!
//! In 16 dimensions a kd-tree prunes little when the points fill the space (an isotropic Gaussian
//! latent), and the search degrades to scanning most leaves one distance at a time. Here the
//! distances between a block of queries and a block of training points come from one matrix
//! product (faer GEMM), `|q|^2 + |p|^2 - 2 q.p`, which is fast but rounds differently from the
//! direct sum of squared differences. The product is only used to **screen**: every point whose
//! screened distance is within a proven error margin of the current k-th smallest is kept, the
//! direct distance [`sq_dist`] is computed for those, and the k smallest by (distance, index) are
//! returned. The result is therefore exactly the kd-tree's: same neighbours, same order, same ties.
//!
//! Margin: with unit roundoff `u` and dimension `d`, the screened value differs from the exact
//! squared distance by at most `(3d + 4) u (|q|^2 + |p|^2)` (dot product, norms and two
//! additions) and [`sq_dist`] by at most `2 (d + 1) u (|q|^2 + |p|^2)`; the margin used is four
//! times their sum. If `T` holds the `k` smallest screened values, every true neighbour `p`
//! satisfies `screened(p) <= max_T screened + 2 margin`, so no neighbour is dropped.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

use super::neighbours::{Neighbour, sq_dist};

/// Training points per block of the distance product.
const TRAIN_BLOCK: usize = 512;

/// Training points (row-major) with their squared norms, ready for blocked searches.
pub(crate) struct BruteKnn<'a> {
    coords: &'a [f64],
    dim: usize,
    /// Each point followed by its squared norm (`dim + 1` values per row), so that one product
    /// with the column `(-2 q, 1)` gives `|p|^2 - 2 q.p`.
    aug: Vec<f64>,
    max_norm: f64,
    n: usize,
}

/// Per-thread buffers of [`BruteKnn::search_block`].
#[derive(Default)]
pub(crate) struct BruteScratch {
    tile: Option<Mat<f64>>,
    qt: Vec<f64>,
    cands: Vec<Vec<(f64, u32)>>,
}

impl<'a> BruteKnn<'a> {
    /// `coords`: `n` points of dimension `dim`, row-major, finite.
    pub(crate) fn new(coords: &'a [f64], dim: usize) -> Self {
        let n = coords.len() / dim;
        let mut aug = Vec::with_capacity(n * (dim + 1));
        let mut max_norm = 0.0f64;
        for p in coords.chunks_exact(dim) {
            let norm: f64 = p.iter().map(|v| v * v).sum();
            max_norm = max_norm.max(norm);
            aug.extend_from_slice(p);
            aug.push(norm);
        }
        BruteKnn {
            coords,
            dim,
            aug,
            max_norm,
            n,
        }
    }

    fn len(&self) -> usize {
        self.n
    }

    /// The `k` nearest training points of each query in `queries` (row-major, `dim` columns),
    /// sorted by (squared distance, index); `out[i]` is cleared and filled for query `i`.
    pub(crate) fn search_block(
        &self,
        queries: &[f64],
        k: usize,
        scratch: &mut BruteScratch,
        out: &mut [Vec<Neighbour>],
    ) {
        let dim = self.dim;
        let nq = queries.len() / dim;
        debug_assert_eq!(out.len(), nq);
        let n = self.len();
        let k = k.min(n);
        for o in out.iter_mut() {
            o.clear();
        }
        if k == 0 || nq == 0 {
            return;
        }
        let u = f64::EPSILON / 2.0;
        let d = dim as f64;
        let qnorm: Vec<f64> = queries
            .chunks_exact(dim)
            .map(|q| q.iter().map(|v| v * v).sum())
            .collect();
        let margin2: Vec<f64> = qnorm
            .iter()
            .map(|&a| 2.0 * 4.0 * ((3.0 * d + 8.0) + 2.0 * (d + 1.0)) * u * (a + self.max_norm))
            .collect();
        let cap = 2 * k + 64;
        scratch.cands.resize_with(nq, Vec::new);
        for c in scratch.cands.iter_mut().take(nq) {
            c.clear();
        }
        let mut thresh = vec![f64::INFINITY; nq];
        let tile = scratch
            .tile
            .get_or_insert_with(|| Mat::zeros(TRAIN_BLOCK, nq));
        if tile.ncols() != nq {
            *tile = Mat::zeros(TRAIN_BLOCK, nq);
        }
        // the columns (-2 q, 1), as a (dim + 1) x nq column-major matrix
        scratch.qt.clear();
        for q in queries.chunks_exact(dim) {
            scratch.qt.extend(q.iter().map(|v| -2.0 * v));
            scratch.qt.push(1.0);
        }
        let qt = MatRef::from_column_major_slice(&scratch.qt, dim + 1, nq);
        let mut start = 0;
        while start < n {
            let end = (start + TRAIN_BLOCK).min(n);
            let rows = end - start;
            let p = MatRef::from_row_major_slice(
                &self.aug[start * (dim + 1)..end * (dim + 1)],
                rows,
                dim + 1,
            );
            let mut dst = tile.as_mut().subrows_mut(0, rows);
            matmul(dst.as_mut(), Accum::Replace, p, qt, 1.0, Par::Seq);
            for i in 0..nq {
                let col = dst.as_ref().col(i);
                let col = col
                    .try_as_col_major()
                    .expect("faer matrices are column-major")
                    .as_slice();
                thresh[i] = scan_column(
                    col,
                    qnorm[i],
                    thresh[i],
                    margin2[i],
                    start,
                    k,
                    cap,
                    &mut scratch.cands[i],
                );
            }
            start = end;
        }
        for i in 0..nq {
            let cands = &mut scratch.cands[i];
            if cands.len() > k {
                compact(cands, k, margin2[i]);
            }
            let q = &queries[i * dim..(i + 1) * dim];
            let o = &mut out[i];
            o.extend(cands.iter().map(|&(_, j)| {
                let j = j as usize;
                Neighbour {
                    index: j,
                    dist2: sq_dist(&self.coords[j * dim..(j + 1) * dim], q),
                }
            }));
            o.sort_unstable_by(|a, b| a.dist2.total_cmp(&b.dist2).then(a.index.cmp(&b.index)));
            o.truncate(k);
        }
    }
}

/// Values compared per screening step.
const CHUNK: usize = 16;

/// Screens one column of `|p|^2 - 2 q.p` values (training points `start..`): keeps the points
/// whose screened distance `qn + v` is at most the threshold `t`, compacting (and tightening `t`)
/// whenever `cap` candidates have gathered. Returns the new threshold. Uses AVX2 when the CPU has
/// it (the same arithmetic either way: only the chunk test is vectorised).
#[allow(clippy::too_many_arguments)]
fn scan_column(
    col: &[f64],
    qn: f64,
    t: f64,
    margin2: f64,
    start: usize,
    k: usize,
    cap: usize,
    cands: &mut Vec<(f64, u32)>,
) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { scan_column_avx2(col, qn, t, margin2, start, k, cap, cands) };
        }
    }
    scan_column_body(col, qn, t, margin2, start, k, cap, cands)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
fn scan_column_avx2(
    col: &[f64],
    qn: f64,
    t: f64,
    margin2: f64,
    start: usize,
    k: usize,
    cap: usize,
    cands: &mut Vec<(f64, u32)>,
) -> f64 {
    scan_column_body(col, qn, t, margin2, start, k, cap, cands)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn scan_column_body(
    col: &[f64],
    qn: f64,
    mut t: f64,
    margin2: f64,
    start: usize,
    k: usize,
    cap: usize,
    cands: &mut Vec<(f64, u32)>,
) -> f64 {
    // chunk test against t - qn, widened by the margin so that rounding never skips a chunk
    // holding a value with qn + v <= t
    let mut tq = t - qn + margin2;
    for (c, chunk) in col.chunks(CHUNK).enumerate() {
        let mut hit = 0u64;
        for &v in chunk {
            hit |= (v <= tq) as u64;
        }
        if hit == 0 {
            continue;
        }
        for (l, &v) in chunk.iter().enumerate() {
            let a = qn + v;
            if a <= t {
                cands.push((a, (start + c * CHUNK + l) as u32));
                if cands.len() >= cap {
                    t = compact(cands, k, margin2);
                    tq = t - qn + margin2;
                }
            }
        }
    }
    t
}

/// Keeps the candidates whose screened value is within `margin2` of the k-th smallest; returns
/// the new threshold.
fn compact(cands: &mut Vec<(f64, u32)>, k: usize, margin2: f64) -> f64 {
    let (_, kth, _) = cands.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
    let t = kth.0 + margin2;
    cands.retain(|c| c.0 <= t);
    t
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::local::neighbours::{EuclideanKdTree, SearchScratch};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn equals_kd_tree_exactly() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for (n, dim, k, offset, grid) in [
            (3000, 16, 100, 0.0, false),
            (2500, 3, 40, 50.0, false),
            (2100, 8, 300, 0.0, true),
            (1500, 16, 1500, 1e3, false),
            (700, 5, 1, 0.0, true),
        ] {
            // grid: integer coordinates, so many exact distance ties
            let coords: Vec<f64> = (0..n * dim)
                .map(|_| {
                    if grid {
                        rng.random_range(0..4) as f64
                    } else {
                        offset + rng.random::<f64>() * 2.0 - 1.0
                    }
                })
                .collect();
            let queries: Vec<f64> = (0..37 * dim)
                .map(|i| {
                    if i < 10 * dim {
                        coords[i] // training points are their own neighbours
                    } else if grid {
                        rng.random_range(0..4) as f64
                    } else {
                        offset + rng.random::<f64>() * 2.0 - 1.0
                    }
                })
                .collect();
            let tree = EuclideanKdTree::new(&coords, dim).unwrap();
            let brute = BruteKnn::new(&coords, dim);
            let mut out = vec![Vec::new(); 37];
            brute.search_block(&queries, k, &mut BruteScratch::default(), &mut out);
            let mut s = SearchScratch::new();
            for (i, o) in out.iter().enumerate() {
                let want = tree
                    .nearest(&queries[i * dim..(i + 1) * dim], k, &mut s)
                    .unwrap();
                assert_eq!(o, &want, "n {n} dim {dim} k {k} query {i}");
            }
        }
    }
}
