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

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::tree::{Boundary, Neighbour};

const LEAF: usize = 32;

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
    /// permuted points, row-major
    pts: Vec<f64>,
    /// original row index of each permuted point
    ids: Vec<u32>,
    nodes: Vec<Node>,
    /// per node: dim lower bounds then dim upper bounds
    boxes: Vec<f64>,
}

#[derive(PartialEq)]
struct HeapItem(f64, u32);
impl Eq for HeapItem {}
impl PartialOrd for HeapItem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for HeapItem {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

impl ChebTree {
    pub(crate) fn build(rows: &[f64], dim: usize) -> Self {
        let n = rows.len() / dim;
        let mut order: Vec<u32> = (0..n as u32).collect();
        let mut nodes = Vec::with_capacity(2 * n / LEAF + 2);
        let mut boxes = Vec::with_capacity((2 * n / LEAF + 2) * 2 * dim);
        Self::build_node(rows, dim, &mut order, 0, n, &mut nodes, &mut boxes);
        let mut pts = Vec::with_capacity(n * dim);
        for &i in &order {
            pts.extend_from_slice(&rows[i as usize * dim..(i as usize + 1) * dim]);
        }
        Self {
            dim,
            pts,
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

    #[inline]
    fn bounds(&self, node: usize) -> (&[f64], &[f64]) {
        let b = &self.boxes[node * 2 * self.dim..(node + 1) * 2 * self.dim];
        b.split_at(self.dim)
    }

    /// Smallest Chebyshev distance from `q` to the node's box (a lower bound for its points).
    #[inline]
    fn min_dist(&self, node: usize, q: &[f64]) -> f64 {
        let (lo, hi) = self.bounds(node);
        let mut m = 0.0f64;
        for j in 0..self.dim {
            let d = if q[j] < lo[j] {
                lo[j] - q[j]
            } else if q[j] > hi[j] {
                q[j] - hi[j]
            } else {
                0.0
            };
            if d > m {
                m = d;
            }
        }
        m
    }

    /// Original row indices in tree (leaf) order: queries issued in this order touch the same
    /// nodes one after the other, which keeps the caches warm.
    pub(crate) fn leaf_order(&self) -> &[u32] {
        &self.ids
    }

    #[inline]
    fn point(&self, slot: usize) -> &[f64] {
        &self.pts[slot * self.dim..(slot + 1) * self.dim]
    }

    pub(crate) fn knn(&self, q: &[f64], k: usize) -> Vec<Neighbour> {
        if k == 0 {
            return Vec::new();
        }
        let mut heap: BinaryHeap<HeapItem> = BinaryHeap::with_capacity(k + 1);
        self.knn_node(0, q, k, &mut heap);
        let mut out: Vec<Neighbour> = heap
            .into_iter()
            .map(|h| Neighbour {
                index: h.1 as usize,
                distance: h.0,
            })
            .collect();
        out.sort_by(|a, b| {
            a.distance
                .total_cmp(&b.distance)
                .then(a.index.cmp(&b.index))
        });
        out
    }

    fn knn_node(&self, node: usize, q: &[f64], k: usize, heap: &mut BinaryHeap<HeapItem>) {
        let nd = self.nodes[node];
        if nd.left == 0 {
            'points: for slot in nd.start as usize..nd.end as usize {
                let bound = if heap.len() == k {
                    heap.peek().map_or(f64::INFINITY, |t| t.0)
                } else {
                    f64::INFINITY
                };
                // Chebyshev distance with early exit once it exceeds the current k-th
                let p = self.point(slot);
                let mut d = 0.0f64;
                for j in 0..self.dim {
                    let c = (p[j] - q[j]).abs();
                    if c > d {
                        if c > bound {
                            continue 'points;
                        }
                        d = c;
                    }
                }
                let item = HeapItem(d, self.ids[slot]);
                if heap.len() < k {
                    heap.push(item);
                } else if heap.peek().is_some_and(|top| item < *top) {
                    heap.pop();
                    heap.push(item);
                }
            }
            return;
        }
        let (l, r) = (nd.left as usize, nd.right as usize);
        let (dl, dr) = (self.min_dist(l, q), self.min_dist(r, q));
        let (first, df, second, ds) = if dl <= dr {
            (l, dl, r, dr)
        } else {
            (r, dr, l, dl)
        };
        for (child, dmin) in [(first, df), (second, ds)] {
            if heap.len() == k && heap.peek().is_some_and(|t| dmin > t.0) {
                continue;
            }
            self.knn_node(child, q, k, heap);
        }
    }

    pub(crate) fn count(&self, q: &[f64], r: f64, b: Boundary) -> usize {
        self.count_node(0, q, r, b)
    }

    fn count_node(&self, node: usize, q: &[f64], r: f64, b: Boundary) -> usize {
        let inside = |d: f64| match b {
            Boundary::Strict => d < r,
            Boundary::Closed => d <= r,
        };
        // one pass over the box: leave as soon as one axis separates it from the ball; track
        // whether every axis keeps the whole box inside
        let (lo, hi) = self.bounds(node);
        let mut all_inside = true;
        for j in 0..self.dim {
            let below = q[j] - lo[j]; // >= 0 when q is above the lower face
            let above = hi[j] - q[j]; // >= 0 when q is below the upper face
            let dmin = if below < 0.0 {
                -below
            } else if above < 0.0 {
                -above
            } else {
                0.0
            };
            if !inside(dmin) {
                return 0;
            }
            if all_inside && !inside(below.abs().max(above.abs())) {
                all_inside = false;
            }
        }
        let nd = self.nodes[node];
        if all_inside {
            return (nd.end - nd.start) as usize;
        }
        if nd.left == 0 {
            // max_j |p_j - q_j| inside  <=>  every |p_j - q_j| inside (short-circuits)
            return (nd.start as usize..nd.end as usize)
                .filter(|&s| {
                    self.point(s)
                        .iter()
                        .zip(q)
                        .all(|(a, c)| inside((a - c).abs()))
                })
                .count();
        }
        self.count_node(nd.left as usize, q, r, b) + self.count_node(nd.right as usize, q, r, b)
    }

    pub(crate) fn within(&self, q: &[f64], r: f64, b: Boundary) -> Vec<Neighbour> {
        let mut out = Vec::new();
        self.within_node(0, q, r, b, &mut out);
        out.sort_by(|a, b| {
            a.distance
                .total_cmp(&b.distance)
                .then(a.index.cmp(&b.index))
        });
        out
    }

    fn within_node(&self, node: usize, q: &[f64], r: f64, b: Boundary, out: &mut Vec<Neighbour>) {
        let inside = |d: f64| match b {
            Boundary::Strict => d < r,
            Boundary::Closed => d <= r,
        };
        if !inside(self.min_dist(node, q)) {
            return;
        }
        let nd = self.nodes[node];
        if nd.left == 0 {
            for s in nd.start as usize..nd.end as usize {
                let d = crate::tree::chebyshev(self.point(s), q);
                if inside(d) {
                    out.push(Neighbour {
                        index: self.ids[s] as usize,
                        distance: d,
                    });
                }
            }
            return;
        }
        self.within_node(nd.left as usize, q, r, b, out);
        self.within_node(nd.right as usize, q, r, b, out);
    }
}
