//! Exact nearest-neighbour search under the Chebyshev (max) or Euclidean norm.
//!
//! [`KnnIndex`] stores `n` points of dimension `d` and answers exact k-nearest-neighbour,
//! radius-count and radius-list queries. The backend is chosen from the dimension:
//!
//! - `d = 1`: a sorted array with binary search (`O(log n)` counts, `O(log n + k)` neighbours);
//! - Chebyshev, `d >= 2`: a bounding-box kd-tree of this crate (any dimension) that counts whole
//!   subtrees inside a max-norm ball without visiting their points (see `chebtree.rs` for why
//!   not kiddo here);
//! - Euclidean, `2 <= d <=` [`MAX_KD_DIM`]: a [kiddo](https://docs.rs/kiddo) immutable kd-tree;
//!   kiddo's dimension is a compile-time constant, so the index dispatches over every dimension
//!   in range;
//! - Euclidean, `d >` [`MAX_KD_DIM`]: exact brute force (linear scan per query).
//!
//! All backends return exactly the same answers (up to the order of neighbours at exactly equal
//! distance, which is broken by point index wherever the backend sees both candidates).
//!
//! Distances: Chebyshev `max_i |a_i - b_i|`; Euclidean `sqrt(sum_i (a_i - b_i)^2)`. Radius
//! queries are exact on these returned distances: a point is counted by a strict query exactly
//! when its reported distance is `< r`, by a closed one when it is `<= r`.

use std::num::NonZeroUsize;

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::error::KnnError;

/// Largest dimension of the Euclidean kd-trees; above it Euclidean search is brute force.
pub const MAX_KD_DIM: usize = 16;

/// The norm in which distances are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Maximum norm `max_i |a_i - b_i|` (the KSG estimators use it).
    Chebyshev,
    /// Euclidean norm `sqrt(sum_i (a_i - b_i)^2)`.
    Euclidean,
}

/// Whether a radius query counts points at exactly the radius.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Boundary {
    /// `distance < r` (KSG estimator 1, Frenzel-Pompe).
    Strict,
    /// `distance <= r` (KSG estimator 2).
    Closed,
}

/// The search structure an index uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Sorted values with binary search (dimension 1).
    Sorted1D,
    /// kd-tree: the crate's Chebyshev tree (any dimension >= 2) or kiddo (Euclidean,
    /// dimension 2..=[`MAX_KD_DIM`]).
    KdTree,
    /// Exact linear scan (Euclidean, dimension above [`MAX_KD_DIM`]).
    BruteForce,
}

/// One neighbour of a query point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Row index of the neighbour among the indexed points.
    pub index: usize,
    /// Its distance to the query in the index's metric.
    pub distance: f64,
}

fn by_distance_then_index(a: &Neighbour, b: &Neighbour) -> std::cmp::Ordering {
    a.distance
        .total_cmp(&b.distance)
        .then(a.index.cmp(&b.index))
}

/// Distance between two points in the given metric (the same arithmetic every backend uses).
#[inline]
pub fn distance(metric: Metric, a: &[f64], b: &[f64]) -> f64 {
    match metric {
        Metric::Chebyshev => chebyshev(a, b),
        Metric::Euclidean => squared_euclidean(a, b).sqrt(),
    }
}

#[inline]
pub(crate) fn chebyshev(a: &[f64], b: &[f64]) -> f64 {
    let mut m = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        let d = (x - y).abs();
        if d > m {
            m = d;
        }
    }
    m
}

#[inline]
fn squared_euclidean(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        let d = x - y;
        s += d * d;
    }
    s
}

/// The largest internal distance (Chebyshev distance, or squared Euclidean distance) that lies
/// inside the ball of radius `r` under `b`, so that one closed comparison `d_internal <= t`
/// decides membership exactly as `distance < r` / `distance <= r` on the returned distances.
/// `None` when no distance qualifies (a strict ball of radius 0).
fn closed_internal_radius(metric: Metric, r: f64, b: Boundary) -> Option<f64> {
    let inside = |d: f64| match b {
        Boundary::Strict => d < r,
        Boundary::Closed => d <= r,
    };
    match metric {
        Metric::Chebyshev => match b {
            Boundary::Closed => Some(r),
            Boundary::Strict => (r > 0.0).then(|| r.next_down()),
        },
        Metric::Euclidean => {
            if !inside(0.0) {
                return None;
            }
            // sqrt is monotone and correctly rounded: walk from r * r to the exact threshold
            let mut t = r * r;
            while t > 0.0 && !inside(t.sqrt()) {
                t = t.next_down();
            }
            while t.next_up().is_finite() && inside(t.next_up().sqrt()) {
                t = t.next_up();
            }
            Some(t)
        }
    }
}

/// Internal search interface shared by the backends. `k <= n` is guaranteed by the caller.
trait Searcher: Send + Sync {
    /// A cache-friendly order of the indexed points for batch queries (None: row order).
    fn locality_order(&self) -> Option<&[u32]> {
        None
    }
    fn knn(&self, q: &[f64], k: usize) -> Vec<Neighbour>;
    fn count(&self, q: &[f64], r: f64, b: Boundary) -> usize;
    fn within(&self, q: &[f64], r: f64, b: Boundary) -> Vec<Neighbour>;
    /// Call `f(index, distance)` for every point within `r` of `q`, in unspecified order.
    fn visit_within(&self, q: &[f64], r: f64, b: Boundary, f: &mut dyn FnMut(usize, f64)) {
        for nb in self.within(q, r, b) {
            f(nb.index, nb.distance);
        }
    }
}

macro_rules! kd_searcher {
    ($name:ident, $dist:ty, $metric:expr, $from_internal:expr) => {
        struct $name<const K: usize> {
            tree: ImmutableKdTree<f64, K>,
        }

        impl<const K: usize> $name<K> {
            fn build(rows: &[f64]) -> Result<Self, KnnError> {
                let pts: Vec<[f64; K]> = rows
                    .chunks_exact(K)
                    .map(|c| {
                        let mut a = [0.0; K];
                        a.copy_from_slice(c);
                        a
                    })
                    .collect();
                let tree = ImmutableKdTree::<f64, K>::new_from_slice(&pts)
                    .map_err(|e| KnnError::Tree(e.to_string()))?;
                Ok(Self { tree })
            }

            #[inline]
            fn point(q: &[f64]) -> [f64; K] {
                let mut a = [0.0; K];
                a.copy_from_slice(q);
                a
            }
        }

        impl<const K: usize> Searcher for $name<K> {
            fn knn(&self, q: &[f64], k: usize) -> Vec<Neighbour> {
                let Some(k) = NonZeroUsize::new(k) else {
                    return Vec::new();
                };
                let p = Self::point(q);
                let res = self.tree.query(&p).nearest_n::<$dist>(k).execute();
                let conv: fn(f64) -> f64 = $from_internal;
                let mut out: Vec<Neighbour> = res
                    .into_iter()
                    .map(|r| Neighbour {
                        index: r.item as usize,
                        distance: conv(r.distance),
                    })
                    .collect();
                out.sort_by(by_distance_then_index);
                out
            }

            fn count(&self, q: &[f64], r: f64, b: Boundary) -> usize {
                let mut c = 0usize;
                self.visit(q, r, b, &mut |_, _| c += 1);
                c
            }

            fn within(&self, q: &[f64], r: f64, b: Boundary) -> Vec<Neighbour> {
                let conv: fn(f64) -> f64 = $from_internal;
                let mut out = Vec::new();
                self.visit(q, r, b, &mut |item, d| {
                    out.push(Neighbour {
                        index: item as usize,
                        distance: conv(d),
                    })
                });
                out.sort_by(by_distance_then_index);
                out
            }
        }

        impl<const K: usize> $name<K> {
            /// One closed-ball traversal serves both boundaries (see
            /// [`closed_internal_radius`]); a single monomorphisation per dimension keeps
            /// compile times down.
            fn visit(&self, q: &[f64], r: f64, b: Boundary, f: &mut dyn FnMut(u32, f64)) {
                let p = Self::point(q);
                let Some(ri) = closed_internal_radius($metric, r, b) else {
                    return;
                };
                self.tree
                    .query(&p)
                    .within::<$dist>(ri)
                    .unsorted()
                    .visit(|res| f(res.item, res.distance));
            }
        }
    };
}

kd_searcher!(KdEuclidean, SquaredEuclidean<f64>, Metric::Euclidean, |d| d
    .sqrt());

fn build_kd<const K: usize>(rows: &[f64]) -> Result<Box<dyn Searcher>, KnnError> {
    Ok(Box::new(KdEuclidean::<K>::build(rows)?))
}

impl Searcher for crate::chebtree::ChebTree {
    fn locality_order(&self) -> Option<&[u32]> {
        Some(self.leaf_order())
    }
    fn knn(&self, q: &[f64], k: usize) -> Vec<Neighbour> {
        crate::chebtree::ChebTree::knn(self, q, k)
    }
    fn count(&self, q: &[f64], r: f64, b: Boundary) -> usize {
        crate::chebtree::ChebTree::count(self, q, r, b)
    }
    fn within(&self, q: &[f64], r: f64, b: Boundary) -> Vec<Neighbour> {
        crate::chebtree::ChebTree::within(self, q, r, b)
    }
    fn visit_within(&self, q: &[f64], r: f64, b: Boundary, f: &mut dyn FnMut(usize, f64)) {
        crate::chebtree::ChebTree::visit_within(self, q, r, b, f)
    }
}

macro_rules! dispatch_dim {
    ($dim:expr, $rows:expr; $($k:literal)*) => {
        match $dim {
            $($k => build_kd::<$k>($rows),)*
            other => Err(KnnError::InvalidParameter {
                name: "dim",
                reason: format!("no kd-tree for dimension {other}"),
            }),
        }
    };
}

/// Dimension-1 backend: values sorted with their row indices.
struct Sorted1D {
    values: Vec<f64>,
    rows: Vec<usize>,
}

impl Sorted1D {
    fn build(rows: &[f64]) -> Self {
        let mut pairs: Vec<(f64, usize)> = rows.iter().copied().zip(0..).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        Self {
            values: pairs.iter().map(|p| p.0).collect(),
            rows: pairs.iter().map(|p| p.1).collect(),
        }
    }

    /// Index range `[lo, hi)` of the sorted values within `r` of `q`.
    fn range(&self, q: f64, r: f64, b: Boundary) -> (usize, usize) {
        let inside = |v: f64| {
            let d = (v - q).abs();
            match b {
                Boundary::Strict => d < r,
                Boundary::Closed => d <= r,
            }
        };
        let lo = self.values.partition_point(|&v| v < q && !inside(v));
        let hi = self.values.partition_point(|&v| v < q || inside(v));
        (lo, hi.max(lo))
    }
}

impl Searcher for Sorted1D {
    fn knn(&self, q: &[f64], k: usize) -> Vec<Neighbour> {
        let q = q[0];
        let n = self.values.len();
        let mut right = self.values.partition_point(|&v| v < q);
        let mut left = right; // candidates: [.., left) on the left, [right, ..) on the right
        let mut out = Vec::with_capacity(k);
        while out.len() < k && (left > 0 || right < n) {
            let take_left = if left == 0 {
                false
            } else if right == n {
                true
            } else {
                let dl = (self.values[left - 1] - q).abs();
                let dr = (self.values[right] - q).abs();
                dl < dr || (dl == dr && self.rows[left - 1] < self.rows[right])
            };
            if take_left {
                left -= 1;
                out.push(Neighbour {
                    index: self.rows[left],
                    distance: (self.values[left] - q).abs(),
                });
            } else {
                out.push(Neighbour {
                    index: self.rows[right],
                    distance: (self.values[right] - q).abs(),
                });
                right += 1;
            }
        }
        // Among equal distances the two-pointer walk can interleave indices; finish with a sort.
        out.sort_by(by_distance_then_index);
        out
    }

    fn count(&self, q: &[f64], r: f64, b: Boundary) -> usize {
        let (lo, hi) = self.range(q[0], r, b);
        hi - lo
    }

    fn within(&self, q: &[f64], r: f64, b: Boundary) -> Vec<Neighbour> {
        let q = q[0];
        let (lo, hi) = self.range(q, r, b);
        let mut out: Vec<Neighbour> = (lo..hi)
            .map(|i| Neighbour {
                index: self.rows[i],
                distance: (self.values[i] - q).abs(),
            })
            .collect();
        out.sort_by(by_distance_then_index);
        out
    }
}

/// Exact linear-scan backend for high dimensions.
struct BruteForce {
    rows: Vec<f64>,
    dim: usize,
    metric: Metric,
}

impl BruteForce {
    #[inline]
    fn internal(&self, a: &[f64], b: &[f64]) -> f64 {
        match self.metric {
            Metric::Chebyshev => chebyshev(a, b),
            Metric::Euclidean => squared_euclidean(a, b),
        }
    }

    fn external(&self, d: f64) -> f64 {
        match self.metric {
            Metric::Chebyshev => d,
            Metric::Euclidean => d.sqrt(),
        }
    }
}

impl Searcher for BruteForce {
    fn knn(&self, q: &[f64], k: usize) -> Vec<Neighbour> {
        let mut all: Vec<Neighbour> = self
            .rows
            .chunks_exact(self.dim)
            .enumerate()
            .map(|(i, p)| Neighbour {
                index: i,
                distance: self.internal(p, q),
            })
            .collect();
        if k == 0 {
            return Vec::new();
        }
        if k < all.len() {
            all.select_nth_unstable_by(k - 1, by_distance_then_index);
            all.truncate(k);
        }
        all.sort_by(by_distance_then_index);
        for nb in &mut all {
            nb.distance = self.external(nb.distance);
        }
        all
    }

    fn count(&self, q: &[f64], r: f64, b: Boundary) -> usize {
        let Some(ri) = closed_internal_radius(self.metric, r, b) else {
            return 0;
        };
        self.rows
            .chunks_exact(self.dim)
            .filter(|p| self.internal(p, q) <= ri)
            .count()
    }

    fn within(&self, q: &[f64], r: f64, b: Boundary) -> Vec<Neighbour> {
        let Some(ri) = closed_internal_radius(self.metric, r, b) else {
            return Vec::new();
        };
        let mut out: Vec<Neighbour> = self
            .rows
            .chunks_exact(self.dim)
            .enumerate()
            .filter_map(|(i, p)| {
                let d = self.internal(p, q);
                (d <= ri).then(|| Neighbour {
                    index: i,
                    distance: self.external(d),
                })
            })
            .collect();
        out.sort_by(by_distance_then_index);
        out
    }
}

/// An exact nearest-neighbour index over `n` points of dimension `d`.
///
/// Build once, query many times; `Send + Sync`, so queries may run in parallel. The `*_all`
/// and `*_batch` methods run over points with rayon and return results in point order, so the
/// output does not depend on the number of threads.
///
/// ```
/// use knn_estimators::{Boundary, KnnIndex, Metric};
/// use ndarray::array;
///
/// let pts = array![[0.0, 0.0], [1.0, 0.5], [3.0, 3.0], [0.2, 0.1]];
/// let index = KnnIndex::new(pts.view(), Metric::Chebyshev).unwrap();
/// // nearest two neighbours of point 0, itself excluded
/// let nb = index.knn_of_point(0, 2).unwrap();
/// assert_eq!(nb[0].index, 3);
/// assert_eq!(nb[1].index, 1);
/// assert_eq!(nb[1].distance, 1.0);
/// // points strictly within 1.0 of point 0 (itself excluded): only point 3
/// assert_eq!(index.count_around_point(0, 1.0, Boundary::Strict).unwrap(), 1);
/// assert_eq!(index.count_around_point(0, 1.0, Boundary::Closed).unwrap(), 2);
/// ```
pub struct KnnIndex {
    n: usize,
    dim: usize,
    metric: Metric,
    backend: Backend,
    rows: Vec<f64>,
    searcher: Box<dyn Searcher>,
}

impl std::fmt::Debug for KnnIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnnIndex")
            .field("n", &self.n)
            .field("dim", &self.dim)
            .field("metric", &self.metric)
            .field("backend", &self.backend)
            .finish()
    }
}

impl KnnIndex {
    /// Index the rows of `points` (samples x dimensions).
    ///
    /// Errors: no rows or no columns, a non-finite value.
    pub fn new(points: ArrayView2<'_, f64>, metric: Metric) -> Result<Self, KnnError> {
        let (n, dim) = points.dim();
        let rows: Vec<f64> = points.iter().copied().collect(); // logical (row-major) order
        Self::from_rows(rows, n, dim, metric)
    }

    /// Index `n` points of dimension `dim` stored row-major in `rows` (`rows.len() == n * dim`).
    pub fn from_rows(
        rows: Vec<f64>,
        n: usize,
        dim: usize,
        metric: Metric,
    ) -> Result<Self, KnnError> {
        if dim == 0 {
            return Err(KnnError::NoColumns {
                variable: "points".into(),
            });
        }
        if n == 0 {
            return Err(KnnError::TooFewSamples { n, k: 0, needed: 1 });
        }
        if rows.len() != n * dim {
            return Err(KnnError::InvalidParameter {
                name: "rows",
                reason: format!("length {} is not n * dim = {} * {}", rows.len(), n, dim),
            });
        }
        if u32::try_from(n).is_err() {
            return Err(KnnError::InvalidParameter {
                name: "n",
                reason: format!("{n} points exceed the index capacity of 2^32 - 1"),
            });
        }
        if let Some(pos) = rows.iter().position(|v| !v.is_finite()) {
            return Err(KnnError::NonFinite {
                variable: "points".into(),
                row: pos / dim,
                column: pos % dim,
                value: rows[pos],
            });
        }
        let (backend, searcher): (Backend, Box<dyn Searcher>) = if dim == 1 {
            (Backend::Sorted1D, Box::new(Sorted1D::build(&rows)))
        } else if metric == Metric::Chebyshev {
            (
                Backend::KdTree,
                Box::new(crate::chebtree::ChebTree::build(&rows, dim)),
            )
        } else if dim <= MAX_KD_DIM {
            let s = dispatch_dim!(dim, &rows; 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)?;
            (Backend::KdTree, s)
        } else {
            (
                Backend::BruteForce,
                Box::new(BruteForce {
                    rows: rows.clone(),
                    dim,
                    metric,
                }),
            )
        };
        Ok(Self {
            n,
            dim,
            metric,
            backend,
            rows,
            searcher,
        })
    }

    /// Number of indexed points.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false: an index holds at least one point.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Dimension of the points.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The metric distances are measured in.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The search structure in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Coordinates of indexed point `i`.
    pub fn point(&self, i: usize) -> Result<&[f64], KnnError> {
        if i >= self.n {
            return Err(KnnError::IndexOutOfRange {
                index: i,
                n: self.n,
            });
        }
        Ok(&self.rows[i * self.dim..(i + 1) * self.dim])
    }

    #[inline]
    pub(crate) fn point_unchecked(&self, i: usize) -> &[f64] {
        &self.rows[i * self.dim..(i + 1) * self.dim]
    }

    fn check_query(&self, q: &[f64]) -> Result<(), KnnError> {
        if q.len() != self.dim {
            return Err(KnnError::DimensionMismatch {
                expected: self.dim,
                got: q.len(),
            });
        }
        if let Some(pos) = q.iter().position(|v| !v.is_finite()) {
            return Err(KnnError::NonFinite {
                variable: "query".into(),
                row: 0,
                column: pos,
                value: q[pos],
            });
        }
        Ok(())
    }

    fn check_radius(r: f64) -> Result<(), KnnError> {
        if r.is_nan() || r < 0.0 {
            return Err(KnnError::InvalidParameter {
                name: "radius",
                reason: format!("must be a non-negative number, got {r}"),
            });
        }
        Ok(())
    }

    /// The `k` nearest indexed points to `query` (all points included), sorted by distance then
    /// index. Needs `1 <= k <= len()`.
    pub fn knn(&self, query: &[f64], k: usize) -> Result<Vec<Neighbour>, KnnError> {
        self.check_query(query)?;
        if k == 0 || k > self.n {
            return Err(KnnError::TooFewSamples {
                n: self.n,
                k,
                needed: k.max(1),
            });
        }
        Ok(self.searcher.knn(query, k))
    }

    /// The `k` nearest neighbours of indexed point `i`, the point itself excluded (another point
    /// at distance zero counts as a neighbour). Needs `1 <= k < len()`.
    pub fn knn_of_point(&self, i: usize, k: usize) -> Result<Vec<Neighbour>, KnnError> {
        self.point(i)?;
        if k == 0 || k >= self.n {
            return Err(KnnError::TooFewSamples {
                n: self.n,
                k,
                needed: k + 1,
            });
        }
        Ok(self.knn_of_point_unchecked(i, k))
    }

    pub(crate) fn knn_of_point_unchecked(&self, i: usize, k: usize) -> Vec<Neighbour> {
        let q = &self.rows[i * self.dim..(i + 1) * self.dim];
        let mut nb = self.searcher.knn(q, k + 1);
        if let Some(pos) = nb.iter().position(|x| x.index == i) {
            nb.remove(pos);
        } else {
            // more than k + 1 points at distance zero and the query was not among those
            // returned: every returned point is at distance zero, drop the last
            nb.pop();
        }
        nb
    }

    /// Distance from indexed point `i` to its `k`-th nearest neighbour (itself excluded).
    pub fn kth_distance_of_point(&self, i: usize, k: usize) -> Result<f64, KnnError> {
        Ok(self.knn_of_point(i, k)?[k - 1].distance)
    }

    /// Number of indexed points within `radius` of `query` (all points included).
    pub fn count_within(
        &self,
        query: &[f64],
        radius: f64,
        boundary: Boundary,
    ) -> Result<usize, KnnError> {
        self.check_query(query)?;
        Self::check_radius(radius)?;
        Ok(self.searcher.count(query, radius, boundary))
    }

    /// Number of indexed points within `radius` of indexed point `i`, the point itself excluded.
    pub fn count_around_point(
        &self,
        i: usize,
        radius: f64,
        boundary: Boundary,
    ) -> Result<usize, KnnError> {
        self.point(i)?;
        Self::check_radius(radius)?;
        Ok(self.count_around_point_unchecked(i, radius, boundary))
    }

    pub(crate) fn count_around_point_unchecked(
        &self,
        i: usize,
        radius: f64,
        boundary: Boundary,
    ) -> usize {
        let q = &self.rows[i * self.dim..(i + 1) * self.dim];
        let c = self.searcher.count(q, radius, boundary);
        let self_counted = match boundary {
            Boundary::Strict => radius > 0.0,
            Boundary::Closed => true,
        };
        c - usize::from(self_counted)
    }

    /// Call `f(j, distance)` for every other indexed point `j` within `radius` of indexed
    /// point `i` (the point itself excluded), in unspecified order, without allocating: e.g. to
    /// count points of a ball that also satisfy a condition in another space.
    pub fn for_each_around_point<F: FnMut(usize, f64)>(
        &self,
        i: usize,
        radius: f64,
        boundary: Boundary,
        mut f: F,
    ) -> Result<(), KnnError> {
        self.point(i)?;
        Self::check_radius(radius)?;
        let q = &self.rows[i * self.dim..(i + 1) * self.dim];
        self.searcher
            .visit_within(q, radius, boundary, &mut |j, d| {
                if j != i {
                    f(j, d)
                }
            });
        Ok(())
    }

    /// All indexed points within `radius` of `query`, sorted by distance then index.
    pub fn within(
        &self,
        query: &[f64],
        radius: f64,
        boundary: Boundary,
    ) -> Result<Vec<Neighbour>, KnnError> {
        self.check_query(query)?;
        Self::check_radius(radius)?;
        Ok(self.searcher.within(query, radius, boundary))
    }

    /// Evaluate `f(i)` for every indexed point `i` in parallel and return the results in point
    /// order. Points are visited in the index's locality order (tree-leaf order for kd-trees),
    /// which makes per-point queries against this or a related index cache-friendly; the
    /// output does not depend on that order or on the thread count.
    pub fn map_points<T, F>(&self, f: F) -> Vec<T>
    where
        T: Send,
        F: Fn(usize) -> T + Sync + Send,
    {
        match self.searcher.locality_order() {
            None => (0..self.n).into_par_iter().map(f).collect(),
            Some(order) => {
                let mut vals: Vec<(u32, T)> =
                    order.par_iter().map(|&i| (i, f(i as usize))).collect();
                vals.sort_unstable_by_key(|v| v.0);
                vals.into_iter().map(|v| v.1).collect()
            }
        }
    }

    /// [`knn`](Self::knn) for every row of `queries`, in parallel, in row order.
    pub fn knn_batch(
        &self,
        queries: ArrayView2<'_, f64>,
        k: usize,
    ) -> Result<Vec<Vec<Neighbour>>, KnnError> {
        if queries.ncols() != self.dim {
            return Err(KnnError::DimensionMismatch {
                expected: self.dim,
                got: queries.ncols(),
            });
        }
        let qs: Vec<Vec<f64>> = queries.rows().into_iter().map(|r| r.to_vec()).collect();
        qs.par_iter().map(|q| self.knn(q, k)).collect()
    }

    /// [`knn_of_point`](Self::knn_of_point) for every indexed point, in parallel, in point order.
    pub fn knn_of_all_points(&self, k: usize) -> Result<Vec<Vec<Neighbour>>, KnnError> {
        if k == 0 || k >= self.n {
            return Err(KnnError::TooFewSamples {
                n: self.n,
                k,
                needed: k + 1,
            });
        }
        Ok(self.map_points(|i| self.knn_of_point_unchecked(i, k)))
    }

    /// Distance of every indexed point to its `k`-th nearest neighbour (itself excluded).
    pub fn kth_distances(&self, k: usize) -> Result<Vec<f64>, KnnError> {
        if k == 0 || k >= self.n {
            return Err(KnnError::TooFewSamples {
                n: self.n,
                k,
                needed: k + 1,
            });
        }
        Ok(self.map_points(|i| self.knn_of_point_unchecked(i, k)[k - 1].distance))
    }

    /// For every indexed point `i`, the number of other points within `radii[i]` of it.
    pub fn counts_around_points(
        &self,
        radii: &[f64],
        boundary: Boundary,
    ) -> Result<Vec<usize>, KnnError> {
        if radii.len() != self.n {
            return Err(KnnError::LengthMismatch {
                left: "radii".into(),
                left_len: radii.len(),
                right: "points".into(),
                right_len: self.n,
            });
        }
        for &r in radii {
            Self::check_radius(r)?;
        }
        Ok(self.map_points(|i| self.count_around_point_unchecked(i, radii[i], boundary)))
    }
}
