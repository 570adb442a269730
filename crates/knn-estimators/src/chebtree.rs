//! A bounding-box kd-tree specialised for the Chebyshev (max) norm, any dimension.
//!
//! Why not kiddo here: the KSG estimators need (a) exact k-th neighbour distances and
//! (b) *counts* of points in max-norm balls, which are axis-aligned boxes. With tight bounding
//! boxes per node, a box query counts whole subtrees that lie inside the ball without visiting
//! their points and discards disjoint ones, so a count costs about the number of boundary
//! leaves instead of the number of points counted (hundreds to thousands per query in the KSG
//! marginal spaces). kiddo offers no count-only query, and its Chebyshev pruning falls back to a
//! one-axis bound. Every comparison is made on `|p_j - q_j|` exactly as [`crate::distance`]
//! computes it (and box bounds are monotone in the same rounded differences), so answers are
//! bit-identical to a brute-force scan.
//!
//! Speed: the points are stored column-major in tree order (structure of arrays), so a leaf
//! scan computes the max-norm distances of all its points one coordinate at a time, without
//! branches, in SIMD registers. The traversals are iterative and, on x86-64 CPUs with AVX2
//! (detected at run time), compiled a second time with AVX2 enabled; both code paths perform
//! the same exact floating-point operations, so results do not depend on the CPU.

use rayon::prelude::*;

use crate::tree::{Boundary, Neighbour};

/// Largest number of points in a leaf (a leaf of identical points may hold more).
const LEAF: usize = 64;
/// Depth bound of the explicit traversal stacks (median splits: depth <= log2(n) + 1 <= 33).
const STACK: usize = 64;
/// Independent accumulators of the per-axis max reductions over a box.
const LANES: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Node {
    /// point range [start, end) in the permuted order
    start: u32,
    end: u32,
    /// children (0 = leaf; the root is never a child)
    left: u32,
    right: u32,
}

/// Chebyshev kd-tree over `n` points of dimension `dim`.
pub(crate) struct ChebTree {
    dim: usize,
    /// permuted points, blocked column-major: the slots of a leaf are cut into chunks of at
    /// most [`LEAF`] slots; the chunk of `len` slots starting at slot `s0` occupies
    /// `cols[s0 * dim..(s0 + len) * dim]`, coordinate `j` of slot `s0 + t` at
    /// `cols[s0 * dim + j * len + t]`: one leaf scan reads one contiguous block
    cols: Vec<f64>,
    /// dimension of the passenger coordinates (0: none)
    pdim: usize,
    /// passenger coordinates of every slot, in the blocked layout of `cols` (dimension `pdim`):
    /// carried along for joint distances, never used to split or prune
    pcols: Vec<f64>,
    /// original row index of each permuted point
    ids: Vec<u32>,
    nodes: Vec<Node>,
    /// per node: dim lower bounds then dim upper bounds
    boxes: Vec<f64>,
}

/// The closed threshold `t` with `d <= t  <=>  d inside the ball of radius r` for the
/// non-negative distances the tree computes; `None` for an empty (strict, r = 0) ball.
#[inline]
fn closed_threshold(r: f64, b: Boundary) -> Option<f64> {
    match b {
        Boundary::Closed => Some(r),
        Boundary::Strict => (r > 0.0).then(|| r.next_down()),
    }
}

#[inline(always)]
fn fmax(a: f64, b: f64) -> f64 {
    // the form that compiles to one `maxpd` (no NaN can occur: inputs are validated finite)
    if b > a { b } else { a }
}

/// Smallest value of a non-empty slice (vectorisable: no NaN can occur).
#[inline(always)]
fn fmin_all(v: &[f64]) -> f64 {
    let mut acc = [f64::INFINITY; 4];
    let mut it = v.chunks_exact(4);
    for c in &mut it {
        for t in 0..4 {
            acc[t] = if c[t] < acc[t] { c[t] } else { acc[t] };
        }
    }
    let mut m = acc[0].min(acc[1]).min(acc[2].min(acc[3]));
    for &x in it.remainder() {
        m = m.min(x);
    }
    m
}

/// Whether the CPU supports AVX2 (cached by the standard library after the first call).
#[inline]
fn use_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Fold the coordinates `axes` of a blocked leaf chunk (`block[j * len + t]` = coordinate `j`
/// of its slot `t`, `len = out.len()`) into the partial max-norm distances `out` (`fresh`:
/// start from 0).
///
/// Eight points at a time, all their axes in registers, one plain store per block: the naive
/// axis-outer loop `out[s] = max(out[s], d)` compiles to masked stores (LLVM turns the select
/// into a conditional store), several times slower.
#[inline(always)]
fn fold_block(
    block: &[f64],
    q: &[f64],
    axes: std::ops::Range<usize>,
    out: &mut [f64],
    fresh: bool,
) {
    const W: usize = 8;
    let len = out.len();
    let mut blocks = out.chunks_exact_mut(W);
    let mut s = 0;
    for o in &mut blocks {
        let mut acc = [0.0f64; W];
        if !fresh {
            acc.copy_from_slice(o);
        }
        for j in axes.clone() {
            let qj = q[j];
            let c = &block[j * len + s..j * len + s + W];
            for t in 0..W {
                acc[t] = fmax(acc[t], (c[t] - qj).abs());
            }
        }
        o.copy_from_slice(&acc);
        s += W;
    }
    let rest = blocks.into_remainder();
    for (t, o) in rest.iter_mut().enumerate() {
        let mut acc = if fresh { 0.0 } else { *o };
        for j in axes.clone() {
            acc = fmax(acc, (block[j * len + s + t] - q[j]).abs());
        }
        *o = acc;
    }
}

impl ChebTree {
    pub(crate) fn build(rows: &[f64], dim: usize) -> Self {
        Self::build_with_passengers(rows, dim, &[], 0)
    }

    /// A tree over `rows` (dimension `dim`) whose leaves also carry each point's `pdim`
    /// passenger coordinates `prows` (row-major, same points): see
    /// [`kth_joint_and_count`](Self::kth_joint_and_count).
    pub(crate) fn build_with_passengers(
        rows: &[f64],
        dim: usize,
        prows: &[f64],
        pdim: usize,
    ) -> Self {
        let n = rows.len() / dim;
        let mut order: Vec<u32> = (0..n as u32).collect();
        let mut nodes = Vec::with_capacity(2 * n / LEAF + 2);
        let mut boxes = Vec::with_capacity((2 * n / LEAF + 2) * 2 * dim);
        Self::build_node(rows, dim, &mut order, 0, n, &mut nodes, &mut boxes);
        let blocked = |rows: &[f64], dim: usize| {
            let mut cols = vec![0.0; n * dim];
            for nd in nodes.iter().filter(|nd| nd.left == 0) {
                let (mut s0, end) = (nd.start as usize, nd.end as usize);
                while s0 < end {
                    let len = (end - s0).min(LEAF);
                    for (t, &i) in order[s0..s0 + len].iter().enumerate() {
                        for j in 0..dim {
                            cols[s0 * dim + j * len + t] = rows[i as usize * dim + j];
                        }
                    }
                    s0 += len;
                }
            }
            cols
        };
        let cols = blocked(rows, dim);
        let pcols = blocked(prows, pdim);
        Self {
            dim,
            cols,
            pdim,
            pcols,
            ids: order,
            nodes,
            boxes,
        }
    }

    fn build_node(
        rows: &[f64],
        dim: usize,
        order: &mut [u32],
        start: usize,
        end: usize,
        nodes: &mut Vec<Node>,
        boxes: &mut Vec<f64>,
    ) -> u32 {
        let id = nodes.len();
        nodes.push(Node {
            start: start as u32,
            end: end as u32,
            left: 0,
            right: 0,
        });
        let mut lo = vec![f64::INFINITY; dim];
        let mut hi = vec![f64::NEG_INFINITY; dim];
        for &i in &order[start..end] {
            let p = &rows[i as usize * dim..(i as usize + 1) * dim];
            for j in 0..dim {
                lo[j] = lo[j].min(p[j]);
                hi[j] = hi[j].max(p[j]);
            }
        }
        boxes.extend_from_slice(&lo);
        boxes.extend_from_slice(&hi);
        if end - start > LEAF {
            let (mut split, mut spread) = (0, -1.0);
            for j in 0..dim {
                if hi[j] - lo[j] > spread {
                    spread = hi[j] - lo[j];
                    split = j;
                }
            }
            if spread > 0.0 {
                let mid = (start + end) / 2;
                order[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
                    rows[a as usize * dim + split].total_cmp(&rows[b as usize * dim + split])
                });
                let l = Self::build_node(rows, dim, order, start, mid, nodes, boxes);
                let r = Self::build_node(rows, dim, order, mid, end, nodes, boxes);
                nodes[id].left = l;
                nodes[id].right = r;
            }
        }
        id as u32
    }

    #[inline(always)]
    fn bounds(&self, node: usize) -> (&[f64], &[f64]) {
        let b = &self.boxes[node * 2 * self.dim..(node + 1) * 2 * self.dim];
        b.split_at(self.dim)
    }

    /// Smallest Chebyshev distance from `q` to the node's box (a lower bound for its points).
    #[inline(always)]
    fn min_dist(&self, node: usize, q: &[f64]) -> f64 {
        self.box_dists(node, q).0
    }

    /// The children of an inner node with their box distances to `q`, farther first: pushed in
    /// this order, the nearer child is searched first (ties keep the left child nearer).
    #[inline(always)]
    fn children_far_first(&self, nd: Node, q: &[f64]) -> [(u32, f64); 2] {
        let (l, r) = (nd.left, nd.right);
        let (dl, dr) = (self.min_dist(l as usize, q), self.min_dist(r as usize, q));
        if dl <= dr {
            [(r, dr), (l, dl)]
        } else {
            [(l, dl), (r, dr)]
        }
    }

    /// `(near, far)`: the smallest and the largest Chebyshev distance from `q` to the node's
    /// box. Axes are reduced in [`LANES`] independent accumulators, so the max chain does not
    /// serialise on the latency of one register (the max is exact in any order).
    #[inline(always)]
    fn box_dists(&self, node: usize, q: &[f64]) -> (f64, f64) {
        let (lo, hi) = self.bounds(node);
        let mut near = [0.0f64; LANES];
        let mut far = [0.0f64; LANES];
        let (mut l4, mut h4, mut q4) = (
            lo.chunks_exact(LANES),
            hi.chunks_exact(LANES),
            q.chunks_exact(LANES),
        );
        for ((l, h), x) in (&mut l4).zip(&mut h4).zip(&mut q4) {
            for t in 0..LANES {
                // l - x > 0 below the box, x - h > 0 above it, both <= 0 inside (branch-free)
                let (below, above) = (l[t] - x[t], x[t] - h[t]);
                near[t] = fmax(near[t], fmax(below, above));
                far[t] = fmax(far[t], fmax(below.abs(), above.abs()));
            }
        }
        let rest = l4
            .remainder()
            .iter()
            .zip(h4.remainder())
            .zip(q4.remainder());
        for (t, ((&l, &h), &x)) in rest.enumerate() {
            let (below, above) = (l - x, x - h);
            near[t] = fmax(near[t], fmax(below, above));
            far[t] = fmax(far[t], fmax(below.abs(), above.abs()));
        }
        (
            fmax(fmax(near[0], near[1]), fmax(near[2], near[3])),
            fmax(fmax(far[0], far[1]), fmax(far[2], far[3])),
        )
    }

    /// Original row indices in tree (leaf) order: queries issued in this order touch the same
    /// nodes one after the other, which keeps the caches warm.
    pub(crate) fn leaf_order(&self) -> &[u32] {
        &self.ids
    }

    /// Fold the coordinates `axes` of the leaf chunk `start..start + out.len()` (as cut in
    /// `cols`) into the partial max-norm distances `out` (`fresh`: `out` holds nothing yet,
    /// start from 0).
    #[inline(always)]
    fn fold_axes(
        &self,
        start: usize,
        q: &[f64],
        axes: std::ops::Range<usize>,
        out: &mut [f64],
        fresh: bool,
    ) {
        let len = out.len();
        let block = &self.cols[start * self.dim..(start + len) * self.dim];
        fold_block(block, q, axes, out, fresh);
    }

    /// Max-norm distances from `q` of the slots `start..start + out.len()`, into `out`.
    #[inline(always)]
    fn leaf_dists(&self, start: usize, q: &[f64], out: &mut [f64]) {
        self.fold_axes(start, q, 0..q.len(), out, true);
    }

    /// [`leaf_dists`](Self::leaf_dists) that gives up (returns false) as soon as every partial
    /// distance (a lower bound of the full one) exceeds `bound`, checked every two axes; true
    /// when `out` holds the complete distances and at least one is `<= bound`.
    #[inline(always)]
    fn leaf_dists_within(&self, start: usize, q: &[f64], out: &mut [f64], bound: f64) -> bool {
        let dim = q.len();
        let mut j = 0;
        while j < dim {
            let next = (j + 2).min(dim);
            self.fold_axes(start, q, j..next, out, j == 0);
            if fmin_all(out) > bound {
                return false;
            }
            j = next;
        }
        true
    }

    pub(crate) fn knn(&self, q: &[f64], k: usize) -> Vec<Neighbour> {
        if k == 0 {
            return Vec::new();
        }
        #[cfg(target_arch = "x86_64")]
        if use_avx2() {
            // SAFETY: AVX2 support was just detected.
            return unsafe { self.knn_avx2(q, k) };
        }
        self.knn_impl(q, k)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn knn_avx2(&self, q: &[f64], k: usize) -> Vec<Neighbour> {
        self.knn_impl(q, k)
    }

    /// Exact k nearest neighbours, sorted by (distance, index): the best list holds the k
    /// smallest (distance, index) pairs seen; a subtree is skipped only when its box lies
    /// strictly farther than the current k-th distance.
    #[inline(always)]
    fn knn_impl(&self, q: &[f64], k: usize) -> Vec<Neighbour> {
        let mut best: Vec<(f64, u32)> = Vec::with_capacity(k + 1);
        let mut dist = [0.0f64; LEAF];
        let mut stack: [(u32, f64); STACK] = [(0, 0.0); STACK];
        let mut top = 1usize;
        stack[0] = (0, 0.0);
        while top > 0 {
            top -= 1;
            let (node, dmin) = stack[top];
            let bound = if best.len() == k {
                best[k - 1].0
            } else {
                f64::INFINITY
            };
            if dmin > bound {
                continue;
            }
            let nd = self.nodes[node as usize];
            if nd.left == 0 {
                let mut s = nd.start as usize;
                let end = nd.end as usize;
                while s < end {
                    let len = (end - s).min(LEAF);
                    let out = &mut dist[..len];
                    let bound = if best.len() == k {
                        best[k - 1].0
                    } else {
                        f64::INFINITY
                    };
                    if !self.leaf_dists_within(s, q, out, bound) {
                        s += len;
                        continue;
                    }
                    for (o, &d) in out.iter().enumerate() {
                        let full = best.len() == k;
                        if full && d > best[k - 1].0 {
                            continue;
                        }
                        let id = self.ids[s + o];
                        let item = (d, id);
                        // insertion position by (distance, index)
                        let pos = best.partition_point(|b| b.0 < d || (b.0 == d && b.1 < id));
                        if full {
                            if pos == k {
                                continue;
                            }
                            best.pop();
                        }
                        best.insert(pos, item);
                    }
                    s += len;
                }
                continue;
            }
            let [far, near] = self.children_far_first(nd, q);
            stack[top] = far;
            stack[top + 1] = near;
            top += 2;
        }
        best.into_iter()
            .map(|(d, i)| Neighbour {
                index: i as usize,
                distance: d,
            })
            .collect()
    }

    /// For every indexed point (row `i`, in row order): the distance `eps_i` to its `k`-th
    /// nearest other point under the joint max norm `max(d_main, d_passenger)`, and the number
    /// of other points strictly within `eps_i` in the main coordinates alone: the joint radius
    /// and one marginal count of KSG estimator 1 in one traversal per point. `rows`, `prows`:
    /// the row-major main and passenger coordinates the tree was built from; `1 <= k < n`.
    /// Parallel over points (rayon) in leaf order; the output does not depend on either.
    pub(crate) fn joint_radii_and_counts(
        &self,
        rows: &[f64],
        prows: &[f64],
        k: usize,
    ) -> Vec<(f64, usize)> {
        let (dim, pdim) = (self.dim, self.pdim);
        let mut out: Vec<(u32, (f64, usize))> = self
            .ids
            .par_iter()
            .map_init(
                || Vec::with_capacity(4096),
                |rec, &i| {
                    let iu = i as usize;
                    let q = &rows[iu * dim..(iu + 1) * dim];
                    let qp = &prows[iu * pdim..(iu + 1) * pdim];
                    (i, self.kth_joint_and_count(i, q, qp, k, rec))
                },
            )
            .collect();
        out.sort_unstable_by_key(|v| v.0);
        out.into_iter().map(|v| v.1).collect()
    }

    /// One point of [`joint_radii_and_counts`](Self::joint_radii_and_counts): row index `id`,
    /// main coordinates `q`, passenger coordinates `qp`; `rec` is scratch.
    ///
    /// Exact: a subtree is pruned only when its main-coordinate box lies strictly farther than
    /// the current k-th joint distance (a lower bound of every joint distance inside), so the
    /// k-th joint distance is exact; every point with `d_main < eps` lies in a box that is never
    /// pruned, and its main distance is recorded when it is visited (the bound only shrinks, so
    /// it was at least `eps` then).
    fn kth_joint_and_count(
        &self,
        id: u32,
        q: &[f64],
        qp: &[f64],
        k: usize,
        rec: &mut Vec<f64>,
    ) -> (f64, usize) {
        #[cfg(target_arch = "x86_64")]
        if use_avx2() {
            // SAFETY: AVX2 support was just detected.
            return unsafe { self.kth_joint_avx2(id, q, qp, k, rec) };
        }
        self.kth_joint_impl(id, q, qp, k, rec)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn kth_joint_avx2(
        &self,
        id: u32,
        q: &[f64],
        qp: &[f64],
        k: usize,
        rec: &mut Vec<f64>,
    ) -> (f64, usize) {
        self.kth_joint_impl(id, q, qp, k, rec)
    }

    #[inline(always)]
    fn kth_joint_impl(
        &self,
        id: u32,
        q: &[f64],
        qp: &[f64],
        k: usize,
        rec: &mut Vec<f64>,
    ) -> (f64, usize) {
        rec.clear();
        // the k smallest joint distances seen, ascending (values only: ties cannot change
        // the k-th value)
        let mut best: Vec<f64> = Vec::with_capacity(k + 1);
        let mut dist = [0.0f64; LEAF];
        let mut pdist = [0.0f64; LEAF];
        let mut stack: [(u32, f64); STACK] = [(0, 0.0); STACK];
        let mut top = 1usize;
        let pdim = self.pdim;
        while top > 0 {
            top -= 1;
            let (node, dmin) = stack[top];
            let bound = if best.len() == k {
                best[k - 1]
            } else {
                f64::INFINITY
            };
            if dmin > bound {
                continue;
            }
            let nd = self.nodes[node as usize];
            if nd.left == 0 {
                let mut s = nd.start as usize;
                let end = nd.end as usize;
                while s < end {
                    let len = (end - s).min(LEAF);
                    let out = &mut dist[..len];
                    let bound = if best.len() == k {
                        best[k - 1]
                    } else {
                        f64::INFINITY
                    };
                    if !self.leaf_dists_within(s, q, out, bound) {
                        s += len;
                        continue;
                    }
                    let pout = &mut pdist[..len];
                    fold_block(
                        &self.pcols[s * pdim..(s + len) * pdim],
                        qp,
                        0..pdim,
                        pout,
                        true,
                    );
                    for (o, (&dm, &dp)) in out.iter().zip(pout.iter()).enumerate() {
                        if self.ids[s + o] == id {
                            continue;
                        }
                        if dm <= bound {
                            rec.push(dm);
                        }
                        let dj = fmax(dm, dp);
                        if best.len() == k {
                            if dj >= best[k - 1] {
                                continue;
                            }
                            best.pop();
                        }
                        let pos = best.partition_point(|&b| b <= dj);
                        best.insert(pos, dj);
                    }
                    s += len;
                }
                continue;
            }
            let [far, near] = self.children_far_first(nd, q);
            stack[top] = far;
            stack[top + 1] = near;
            top += 2;
        }
        let eps = best[k - 1];
        (eps, rec.iter().filter(|&&d| d < eps).count())
    }

    pub(crate) fn count(&self, q: &[f64], r: f64, b: Boundary) -> usize {
        let Some(t) = closed_threshold(r, b) else {
            return 0;
        };
        #[cfg(target_arch = "x86_64")]
        if use_avx2() {
            // SAFETY: AVX2 support was just detected.
            return unsafe { self.count_avx2(q, t) };
        }
        self.count_impl(q, t)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn count_avx2(&self, q: &[f64], t: f64) -> usize {
        self.count_impl(q, t)
    }

    /// Number of points with max-norm distance `<= t` from `q`.
    #[inline(always)]
    fn count_impl(&self, q: &[f64], t: f64) -> usize {
        let mut dist = [0.0f64; LEAF];
        let mut stack = [0u32; STACK];
        let mut top = 1usize;
        let mut total = 0usize;
        while top > 0 {
            top -= 1;
            let node = stack[top] as usize;
            // nearest and farthest box distance: skip a box outside the ball, count one inside
            let (near, far) = self.box_dists(node, q);
            if near > t {
                continue;
            }
            let nd = self.nodes[node];
            if far <= t {
                total += (nd.end - nd.start) as usize;
                continue;
            }
            if nd.left == 0 {
                let mut s = nd.start as usize;
                let end = nd.end as usize;
                while s < end {
                    let len = (end - s).min(LEAF);
                    let out = &mut dist[..len];
                    self.leaf_dists(s, q, out);
                    total += out.iter().map(|&d| usize::from(d <= t)).sum::<usize>();
                    s += len;
                }
                continue;
            }
            stack[top] = nd.right;
            stack[top + 1] = nd.left;
            top += 2;
        }
        total
    }

    pub(crate) fn within(&self, q: &[f64], r: f64, b: Boundary) -> Vec<Neighbour> {
        let mut out = Vec::new();
        self.visit_within(q, r, b, &mut |index, distance| {
            out.push(Neighbour { index, distance })
        });
        out.sort_by(|a, b| {
            a.distance
                .total_cmp(&b.distance)
                .then(a.index.cmp(&b.index))
        });
        out
    }

    /// Call `f(row index, distance)` for every point within the ball, in tree order.
    pub(crate) fn visit_within(
        &self,
        q: &[f64],
        r: f64,
        b: Boundary,
        f: &mut dyn FnMut(usize, f64),
    ) {
        let Some(t) = closed_threshold(r, b) else {
            return;
        };
        let mut dist = [0.0f64; LEAF];
        let mut stack = [0u32; STACK];
        let mut top = 1usize;
        while top > 0 {
            top -= 1;
            let node = stack[top] as usize;
            if self.min_dist(node, q) > t {
                continue;
            }
            let nd = self.nodes[node];
            if nd.left == 0 {
                let mut s = nd.start as usize;
                let end = nd.end as usize;
                while s < end {
                    let len = (end - s).min(LEAF);
                    let d = &mut dist[..len];
                    self.leaf_dists(s, q, d);
                    for (o, &dd) in d.iter().enumerate() {
                        if dd <= t {
                            f(self.ids[s + o] as usize, dd);
                        }
                    }
                    s += len;
                }
                continue;
            }
            stack[top] = nd.right;
            stack[top + 1] = nd.left;
            top += 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn naive_cheb(rows: &[f64], dim: usize, q: &[f64]) -> Vec<(f64, usize)> {
        let mut v: Vec<(f64, usize)> = rows
            .chunks_exact(dim)
            .enumerate()
            .map(|(i, p)| (crate::tree::chebyshev(p, q), i))
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        v
    }

    /// A deep tree (many leaves, some runs of identical points): both code paths (portable and,
    /// where the CPU has it, AVX2) agree exactly with a brute-force scan.
    #[test]
    fn deep_tree_matches_brute_force_on_both_code_paths() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for dim in [2usize, 5, 10] {
            let n = 6000;
            let mut rows: Vec<f64> = (0..n * dim)
                .map(|_| (rng.random_range(0..40) as f64) * 0.1 + rng.random::<f64>() * 0.01)
                .collect();
            // a block of 100 identical points (a leaf that cannot split)
            for i in 1..100 {
                for j in 0..dim {
                    rows[i * dim + j] = rows[j];
                }
            }
            let tree = ChebTree::build(&rows, dim);
            for qi in (0..n).step_by(397).chain([0, 1]) {
                let q = rows[qi * dim..(qi + 1) * dim].to_vec();
                let reference = naive_cheb(&rows, dim, &q);
                for k in [1usize, 3, 120] {
                    let portable = tree.knn_impl(&q, k);
                    let got: Vec<(f64, usize)> =
                        portable.iter().map(|b| (b.distance, b.index)).collect();
                    assert_eq!(got, reference[..k].to_vec(), "dim {dim} k {k}");
                    assert_eq!(tree.knn(&q, k), portable);
                }
                for r in [reference[3].0, reference[200].0, 0.0, 0.35] {
                    for b in [Boundary::Strict, Boundary::Closed] {
                        let expected = reference
                            .iter()
                            .filter(|x| match b {
                                Boundary::Strict => x.0 < r,
                                Boundary::Closed => x.0 <= r,
                            })
                            .count();
                        let portable = closed_threshold(r, b).map_or(0, |t| tree.count_impl(&q, t));
                        assert_eq!(portable, expected, "dim {dim} r {r} {b:?}");
                        assert_eq!(tree.count(&q, r, b), expected);
                        assert_eq!(tree.within(&q, r, b).len(), expected);
                    }
                }
            }
        }
    }
}
