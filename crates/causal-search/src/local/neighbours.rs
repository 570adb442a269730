//! Exact Euclidean k-nearest-neighbour search over the training rows of the latent space.
//!
//! [`EuclideanKdTree`] is a kd-tree with a run-time dimension (no const generics, so any
//! latent size works without dispatch), median splits on the axis of largest spread, and
//! Arya-Mount incremental cell distances for pruning. Searches are exact: the result is the
//! `k` points with the smallest squared Euclidean distance, ties broken by the smaller point
//! index, so the answer does not depend on the tree layout or on the traversal order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::LocalTestError;

/// Number of points per leaf; leaves are scanned linearly.
const LEAF_SIZE: usize = 32;

/// A node of the tree: either an internal split or a leaf holding a range of points.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Split axis, or `u32::MAX` for a leaf.
    axis: u32,
    /// Split coordinate: the left child holds coordinates `<= split`, the right `>= split`.
    split: f64,
    /// Internal node: left child; leaf: first point (in tree order).
    a: u32,
    /// Internal node: right child; leaf: one past the last point (in tree order).
    b: u32,
}

/// One neighbour found by a search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Index of the point in the slice the tree was built from.
    pub index: usize,
    /// Squared Euclidean distance to the query.
    pub dist2: f64,
}

/// Candidate in the bounded max-heap; ordered by (distance, index).
#[derive(Debug, Clone, Copy)]
struct Cand {
    dist2: f64,
    index: u32,
}

impl PartialEq for Cand {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cand {
    fn cmp(&self, other: &Self) -> Ordering {
        self.dist2
            .total_cmp(&other.dist2)
            .then(self.index.cmp(&other.index))
    }
}

/// Reusable per-thread scratch space for searches (avoids allocating per query).
#[derive(Debug, Default)]
pub struct SearchScratch {
    heap: BinaryHeap<Cand>,
    off: Vec<f64>,
    /// Points whose distance the searches with this scratch have computed (a cost measure).
    scanned: usize,
}

impl SearchScratch {
    /// Empty scratch space.
    pub fn new() -> Self {
        Self::default()
    }

    /// Points whose distance the searches with this scratch have computed so far.
    pub fn points_scanned(&self) -> usize {
        self.scanned
    }
}

/// Exact Euclidean kd-tree over a fixed set of points with any number of dimensions.
#[derive(Debug, Clone)]
pub struct EuclideanKdTree {
    dim: usize,
    /// Point coordinates in tree order, row-major (`len = n * dim`).
    coords: Vec<f64>,
    /// Original index of each point in tree order.
    ids: Vec<u32>,
    nodes: Vec<Node>,
    /// Bounding box of each leaf (`lo` then `hi`, `2 * dim` values per node; unused for
    /// internal nodes).
    bbox: Vec<f64>,
}

impl EuclideanKdTree {
    /// Builds the tree from `n` points stored row-major in `coords` (`coords.len() == n * dim`).
    ///
    /// Errors: `dim == 0`, a length that is not a multiple of `dim`, a non-finite coordinate,
    /// or more than `u32::MAX` points.
    ///
    /// ```
    /// use causal_search::local::neighbours::{EuclideanKdTree, SearchScratch};
    /// let pts = [0.0, 0.0, 1.0, 0.0, 0.0, 2.0, 3.0, 3.0];
    /// let tree = EuclideanKdTree::new(&pts, 2).unwrap();
    /// let nn = tree.nearest(&[0.9, 0.1], 2, &mut SearchScratch::new()).unwrap();
    /// assert_eq!(nn.iter().map(|n| n.index).collect::<Vec<_>>(), vec![1, 0]);
    /// ```
    pub fn new(coords: &[f64], dim: usize) -> Result<Self, LocalTestError> {
        if dim == 0 {
            return Err(LocalTestError::EmptyLatent { rows: 0, cols: 0 });
        }
        if !coords.len().is_multiple_of(dim) {
            return Err(LocalTestError::LengthMismatch {
                name: "coords",
                got: coords.len(),
                expected: coords.len() / dim * dim,
            });
        }
        if let Some(pos) = coords.iter().position(|v| !v.is_finite()) {
            return Err(LocalTestError::NonFiniteLatent {
                row: pos / dim,
                col: pos % dim,
                value: coords[pos],
            });
        }
        let n = coords.len() / dim;
        if n > u32::MAX as usize {
            return Err(LocalTestError::TooManyRows {
                n,
                max: u32::MAX as usize,
            });
        }
        Ok(Self::build(coords, dim))
    }

    /// [`Self::new`] without validation: the caller guarantees finite coordinates, `dim > 0`,
    /// and at most `u32::MAX` points.
    pub(crate) fn build(coords: &[f64], dim: usize) -> Self {
        debug_assert!(dim > 0 && coords.len().is_multiple_of(dim));
        let n = coords.len() / dim;
        let mut perm: Vec<u32> = (0..n as u32).collect();
        let mut nodes = Vec::with_capacity(2 * n / LEAF_SIZE + 2);
        if n > 0 {
            build_rec(coords, dim, &mut perm, 0, &mut nodes);
        }
        let mut reordered = Vec::with_capacity(coords.len());
        for &p in &perm {
            let p = p as usize;
            reordered.extend_from_slice(&coords[p * dim..(p + 1) * dim]);
        }
        let mut bbox = vec![0.0; nodes.len() * 2 * dim];
        for (ni, nd) in nodes.iter().enumerate() {
            if nd.axis != u32::MAX {
                continue;
            }
            let (lo, hi) = bbox[ni * 2 * dim..(ni + 1) * 2 * dim].split_at_mut(dim);
            lo.fill(f64::INFINITY);
            hi.fill(f64::NEG_INFINITY);
            for p in reordered[nd.a as usize * dim..nd.b as usize * dim].chunks_exact(dim) {
                for c in 0..dim {
                    lo[c] = lo[c].min(p[c]);
                    hi[c] = hi[c].max(p[c]);
                }
            }
        }
        Self {
            dim,
            coords: reordered,
            ids: perm,
            nodes,
            bbox,
        }
    }

    /// Identifier of the leaf reached by descending the tree with `q` (a spatial sort key:
    /// queries sorted by it are processed with good cache locality).
    pub fn leaf_of(&self, q: &[f64]) -> usize {
        let mut node = 0;
        while let Some(nd) = self.nodes.get(node) {
            if nd.axis == u32::MAX {
                return node;
            }
            node = if q[nd.axis as usize] < nd.split {
                nd.a as usize
            } else {
                nd.b as usize
            };
        }
        0
    }

    /// Number of points in the tree.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the tree holds no points.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Dimension of the points.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The `k` nearest points to `query` (exact; sorted by distance, ties by index).
    ///
    /// Returns fewer than `k` neighbours only when the tree holds fewer than `k` points.
    /// Errors when `query.len()` differs from [`Self::dim`] or `query` is not finite.
    pub fn nearest(
        &self,
        query: &[f64],
        k: usize,
        scratch: &mut SearchScratch,
    ) -> Result<Vec<Neighbour>, LocalTestError> {
        if query.len() != self.dim {
            return Err(LocalTestError::LengthMismatch {
                name: "query",
                got: query.len(),
                expected: self.dim,
            });
        }
        if let Some(col) = query.iter().position(|v| !v.is_finite()) {
            return Err(LocalTestError::NonFiniteLatent {
                row: 0,
                col,
                value: query[col],
            });
        }
        let mut out = Vec::with_capacity(k.min(self.len()));
        self.nearest_into(query, k, scratch, &mut out);
        Ok(out)
    }

    /// Like [`Self::nearest`] without validation, writing into `out` (cleared first).
    pub(crate) fn nearest_into(
        &self,
        query: &[f64],
        k: usize,
        scratch: &mut SearchScratch,
        out: &mut Vec<Neighbour>,
    ) {
        debug_assert_eq!(query.len(), self.dim);
        out.clear();
        if k == 0 || self.is_empty() {
            return;
        }
        scratch.heap.clear();
        scratch.heap.reserve(k + 1);
        scratch.off.clear();
        scratch.off.resize(self.dim, 0.0);
        let mut off = std::mem::take(&mut scratch.off);
        self.search(
            0,
            query,
            0.0,
            &mut off,
            k,
            &mut scratch.heap,
            &mut scratch.scanned,
        );
        scratch.off = off;
        let mut v: Vec<Cand> = scratch.heap.drain().collect();
        v.sort_unstable();
        out.extend(v.into_iter().map(|c| Neighbour {
            index: c.index as usize,
            dist2: c.dist2,
        }));
    }

    #[allow(clippy::too_many_arguments)]
    fn search(
        &self,
        node: usize,
        q: &[f64],
        rd: f64,
        off: &mut [f64],
        k: usize,
        heap: &mut BinaryHeap<Cand>,
        scanned: &mut usize,
    ) {
        let nd = self.nodes[node];
        if nd.axis == u32::MAX {
            // The leaf's bounding box bounds its points more tightly than the split planes.
            if heap.len() >= k
                && let Some(w) = heap.peek()
                && self.leaf_box_d2(node, q) > w.dist2
            {
                return;
            }
            *scanned += (nd.b - nd.a) as usize;
            self.scan_leaf(nd.a as usize, nd.b as usize, q, k, heap);
            return;
        }
        let axis = nd.axis as usize;
        let diff = q[axis] - nd.split;
        let (near, far) = if diff < 0.0 {
            (nd.a as usize, nd.b as usize)
        } else {
            (nd.b as usize, nd.a as usize)
        };
        self.search(near, q, rd, off, k, heap, scanned);
        let old = off[axis];
        let rd_far = rd - old * old + diff * diff;
        // Prune only when strictly farther than the current k-th candidate: a point at an
        // equal distance with a smaller index must still be found.
        if heap.len() < k || heap.peek().is_some_and(|w| rd_far <= w.dist2) {
            off[axis] = diff;
            self.search(far, q, rd_far, off, k, heap, scanned);
            off[axis] = old;
        }
    }

    #[inline]
    fn leaf_box_d2(&self, node: usize, q: &[f64]) -> f64 {
        let dim = self.dim;
        let (lo, hi) = self.bbox[node * 2 * dim..(node + 1) * 2 * dim].split_at(dim);
        let mut d2 = 0.0;
        for c in 0..dim {
            let e = (lo[c] - q[c]).max(q[c] - hi[c]).max(0.0);
            d2 += e * e;
        }
        d2
    }

    #[inline]
    fn scan_leaf(
        &self,
        start: usize,
        end: usize,
        q: &[f64],
        k: usize,
        heap: &mut BinaryHeap<Cand>,
    ) {
        let dim = self.dim;
        let pts = &self.coords[start * dim..end * dim];
        for (j, p) in pts.chunks_exact(dim).enumerate() {
            let d2 = sq_dist(p, q);
            let index = self.ids[start + j];
            if heap.len() < k {
                heap.push(Cand { dist2: d2, index });
            } else if let Some(mut top) = heap.peek_mut() {
                let c = Cand { dist2: d2, index };
                if c < *top {
                    *top = c;
                }
            }
        }
    }
}

/// Squared Euclidean distance, written so that the compiler vectorises it.
#[inline]
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            let d = x[l] - y[l];
            acc[l] += d * d;
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        let d = x - y;
        s += d * d;
    }
    s
}

fn build_rec(
    coords: &[f64],
    dim: usize,
    perm: &mut [u32],
    offset: usize,
    nodes: &mut Vec<Node>,
) -> usize {
    let me = nodes.len();
    let n = perm.len();
    if n <= LEAF_SIZE {
        nodes.push(Node {
            axis: u32::MAX,
            split: 0.0,
            a: offset as u32,
            b: (offset + n) as u32,
        });
        return me;
    }
    // Axis of largest spread.
    let mut lo = vec![f64::INFINITY; dim];
    let mut hi = vec![f64::NEG_INFINITY; dim];
    for &p in perm.iter() {
        let row = &coords[p as usize * dim..(p as usize + 1) * dim];
        for (c, &v) in row.iter().enumerate() {
            lo[c] = lo[c].min(v);
            hi[c] = hi[c].max(v);
        }
    }
    let mut axis = 0;
    let mut best = -1.0;
    for c in 0..dim {
        let s = hi[c] - lo[c];
        if s > best {
            best = s;
            axis = c;
        }
    }
    if best <= 0.0 {
        // All points identical: one leaf, however large.
        nodes.push(Node {
            axis: u32::MAX,
            split: 0.0,
            a: offset as u32,
            b: (offset + n) as u32,
        });
        return me;
    }
    let mid = n / 2;
    let key = |p: &u32| coords[*p as usize * dim + axis];
    perm.select_nth_unstable_by(mid, |a, b| key(a).total_cmp(&key(b)).then(a.cmp(b)));
    let split = key(&perm[mid]);
    nodes.push(Node {
        axis: axis as u32,
        split,
        a: 0,
        b: 0,
    });
    let (left, right) = perm.split_at_mut(mid);
    let l = build_rec(coords, dim, left, offset, nodes);
    let r = build_rec(coords, dim, right, offset + mid, nodes);
    nodes[me].a = l as u32;
    nodes[me].b = r as u32;
    me
}

#[cfg(test)]
mod unit {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn brute(coords: &[f64], dim: usize, q: &[f64], k: usize) -> Vec<Neighbour> {
        let mut all: Vec<Neighbour> = coords
            .chunks_exact(dim)
            .enumerate()
            .map(|(index, p)| Neighbour {
                index,
                dist2: sq_dist(p, q),
            })
            .collect();
        all.sort_by(|a, b| a.dist2.total_cmp(&b.dist2).then(a.index.cmp(&b.index)));
        all.truncate(k);
        all
    }

    #[test]
    fn matches_brute_force_various_dims() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for &dim in &[1usize, 2, 3, 5, 16, 33] {
            let n = 700;
            let coords: Vec<f64> = (0..n * dim).map(|_| rng.random::<f64>()).collect();
            let tree = EuclideanKdTree::build(&coords, dim);
            let mut scratch = SearchScratch::new();
            for _ in 0..20 {
                let q: Vec<f64> = (0..dim).map(|_| rng.random::<f64>() * 1.2 - 0.1).collect();
                for &k in &[1usize, 7, 100, 700, 900] {
                    let got = tree.nearest(&q, k, &mut scratch).unwrap();
                    let want = brute(&coords, dim, &q, k);
                    assert_eq!(got, want, "dim {dim} k {k}");
                }
            }
        }
    }

    #[test]
    fn ties_broken_by_index() {
        // A lattice with many equal distances and duplicated points.
        let mut coords = Vec::new();
        for i in 0..10 {
            for j in 0..10 {
                coords.extend_from_slice(&[i as f64, j as f64]);
                coords.extend_from_slice(&[i as f64, j as f64]);
            }
        }
        let tree = EuclideanKdTree::build(&coords, 2);
        let mut scratch = SearchScratch::new();
        for k in [1usize, 5, 9, 13, 50] {
            let q = [4.0, 5.0];
            assert_eq!(
                tree.nearest(&q, k, &mut scratch).unwrap(),
                brute(&coords, 2, &q, k)
            );
            let q = [4.5, 5.5];
            assert_eq!(
                tree.nearest(&q, k, &mut scratch).unwrap(),
                brute(&coords, 2, &q, k)
            );
        }
    }

    #[test]
    fn identical_points_and_empty() {
        let coords = vec![1.0; 3 * 100];
        let tree = EuclideanKdTree::build(&coords, 3);
        let mut s = SearchScratch::new();
        let r = tree.nearest(&[1.0, 1.0, 1.0], 5, &mut s).unwrap();
        assert_eq!(
            r.iter().map(|n| n.index).collect::<Vec<_>>(),
            vec![0, 1, 2, 3, 4]
        );
        let empty = EuclideanKdTree::build(&[], 3);
        assert!(empty.nearest(&[0.0; 3], 3, &mut s).unwrap().is_empty());
        assert!(empty.nearest(&[0.0; 2], 3, &mut s).is_err());
        assert!(EuclideanKdTree::new(&[1.0, f64::NAN], 1).is_err());
        assert!(EuclideanKdTree::new(&[1.0, 2.0, 3.0], 2).is_err());
    }
}
