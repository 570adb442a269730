//! CMIknn (Runge 2018): the Frenzel-Pompe k-nearest-neighbour estimate of the conditional mutual
//! information I(X;Y|Z) with a local permutation test.
//!
//! **Statistic.** With `eps_i` the Chebyshev (max-norm) distance from sample `i` to its k-th
//! nearest neighbour in the joint (X, Y, Z) space (itself excluded), and `n_xz`, `n_yz`, `n_z`
//! the numbers of other samples *strictly* within `eps_i` in the subspaces, in nats:
//! `I = psi(k) - mean_i [psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1)]`
//! (with an empty Z, `n_z + 1 = n`). X, Y and Z may be vector-valued (a group of columns).
//!
//! **Null distribution.** With a non-empty Z, X is shuffled *locally*: every sample draws the X
//! of one of its `shuffle_neighbors` nearest neighbours in Z (itself included), visiting the
//! samples in random order and preferring neighbours not yet drawn, which keeps the dependence of
//! X on Z while breaking any X-Y dependence given Z. With an empty Z the shuffle is a plain
//! permutation. The p-value is `(1 + #{null >= I}) / (1 + B)` over `B` permutations (or
//! `#{null >= I} / B`, tigramite's convention, with [`CmiKnnParams::plus_one`]`(false)`).
//!
//! **Transform.** By default every column is rank-transformed once, on construction (ties broken
//! at random with the seed), as tigramite does; standardisation or the raw values are options.
//! Columns with repeated values are jittered (seeded) under the non-rank transforms.
//!
//! **Determinism.** Each query's randomness derives from [`query_seed`]`(seed, x, y, z)` and the
//! permutation index, so results do not depend on call order or thread count.
//!
//! ```
//! use causal_search::ci::cmiknn::{CmiKnn, CmiKnnParams, Knn};
//! use causal_search::ci::CiTest;
//! use causal_search::data::Dataset;
//! use ndarray::Array2;
//!
//! // X = Z + noise, Y = Z + noise: dependent, but independent given Z.
//! let n = 300;
//! let mut v = Array2::<f64>::zeros((n, 3));
//! for i in 0..n {
//!     let z = ((i * 37) % 101) as f64 / 101.0;
//!     v[[i, 0]] = z + 0.1 * (((i * 13) % 17) as f64 / 17.0);
//!     v[[i, 1]] = z + 0.1 * (((i * 7) % 19) as f64 / 19.0);
//!     v[[i, 2]] = z;
//! }
//! let ds = Dataset::new(v, vec!["x".into(), "y".into(), "z".into()]).unwrap();
//! let test = CmiKnn::new(&ds, &CmiKnnParams::new().knn(Knn::Fraction(0.1)).permutations(99).seed(1)).unwrap();
//! let marginal = test.test(0, 1, &[]).unwrap();
//! assert!(marginal.p_value < 0.05);
//! ```

use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use knn_estimators::counts::{columns_with_ties, jitter_columns};
use knn_estimators::ksg::KsgParams;
use knn_estimators::{DigammaTable, JitterMode, KnnIndex, Metric};

use crate::ci::{CiResult, CiTest, check_query, query_seed};
use crate::data::Dataset;
use crate::error::{CausalError, Result};

/// Number of nearest neighbours in the joint space.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Knn {
    /// A fraction of the sample size: `k = max(1, floor(f * n))` (tigramite's `knn < 1`).
    Fraction(f64),
    /// An absolute number.
    Absolute(usize),
}

/// Per-column transform applied once, on construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transform {
    /// Ranks 0..n-1 (ties broken at random, seeded); tigramite's default.
    Ranks,
    /// Zero mean, unit variance.
    Standardize,
    /// The raw values.
    None,
}

/// How the estimator searches neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Backend {
    /// Exact O(n^2) scans over per-column arrays when `n <= 4096` or `k > n / 32`, kd-trees
    /// otherwise.
    Auto,
    /// Exact pairwise scans (fastest for small n or large k).
    BruteForce,
    /// Chebyshev kd-trees from `knn-estimators` (fastest for large n and small k).
    KdTree,
}

/// Unvalidated CMIknn parameters (builder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CmiKnnParams {
    knn: Knn,
    shuffle_neighbors: usize,
    permutations: usize,
    transform: Transform,
    seed: u64,
    plus_one: bool,
    backend: Backend,
}

impl Default for CmiKnnParams {
    fn default() -> Self {
        Self {
            knn: Knn::Fraction(0.2),
            shuffle_neighbors: 5,
            permutations: 200,
            transform: Transform::Ranks,
            seed: 0,
            plus_one: true,
            backend: Backend::Auto,
        }
    }
}

impl CmiKnnParams {
    /// Defaults: `knn = 0.2 n`, 5 shuffle neighbours, 200 permutations, rank transform, seed 0,
    /// p-value `(1 + #{null >= I}) / (1 + B)`, automatic backend.
    pub fn new() -> Self {
        Self::default()
    }
    /// Joint-space neighbours.
    pub fn knn(mut self, knn: Knn) -> Self {
        self.knn = knn;
        self
    }
    /// Neighbours in Z among which X is shuffled (the sample itself included).
    pub fn shuffle_neighbors(mut self, m: usize) -> Self {
        self.shuffle_neighbors = m;
        self
    }
    /// Number of permutations `B` of the null distribution.
    pub fn permutations(mut self, b: usize) -> Self {
        self.permutations = b;
        self
    }
    /// Column transform.
    pub fn transform(mut self, t: Transform) -> Self {
        self.transform = t;
        self
    }
    /// Base seed (rank tie-breaking, jitter, permutations).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// `true` (default): p = (1 + #{null >= I}) / (1 + B); `false`: #{null >= I} / B.
    pub fn plus_one(mut self, plus_one: bool) -> Self {
        self.plus_one = plus_one;
        self
    }
    /// Neighbour-search backend.
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    fn check(&self) -> Result<()> {
        match self.knn {
            Knn::Fraction(f) if !(f > 0.0 && f < 1.0) => {
                return Err(CausalError::param(
                    "knn",
                    format!("a fraction must lie in (0, 1), got {f}"),
                ));
            }
            Knn::Absolute(0) => return Err(CausalError::param("knn", "must be at least 1")),
            _ => {}
        }
        if self.shuffle_neighbors == 0 {
            return Err(CausalError::param(
                "shuffle_neighbors",
                "must be at least 1",
            ));
        }
        if self.permutations == 0 {
            return Err(CausalError::param("permutations", "must be at least 1"));
        }
        Ok(())
    }
}

/// The CMIknn conditional-independence test over the variables of a [`Dataset`].
#[derive(Debug, Clone)]
pub struct CmiKnn {
    p: CmiKnnParams,
    n: usize,
    /// Transformed columns, each of length `n`.
    cols: Vec<Vec<f64>>,
    /// The rank-transformed columns as integers, when ranks fit in `u16` (`n < 65535`): the
    /// exact integer distances allow a faster brute-force path with identical results.
    ranks16: Option<Vec<Vec<u16>>>,
    /// Whether each original column is constant.
    constant: Vec<bool>,
    column_names: Vec<String>,
    /// Column indices of each variable.
    var_cols: Vec<Vec<usize>>,
    psi: DigammaTable,
}

/// The columns of one variable set, as floats or as integer ranks.
#[derive(Clone, Copy)]
enum ColSet<'a> {
    F(&'a [&'a [f64]]),
    #[allow(dead_code)]
    U(&'a [&'a [u16]]),
}

/// The statistic of one query with its null distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CmiKnnOutcome {
    /// Statistic and p-value.
    pub result: CiResult,
    /// Number of joint-space neighbours used.
    pub k: usize,
    /// The CMI of each permuted sample (nats), in permutation order.
    pub null: Vec<f64>,
}

impl CmiKnn {
    /// Prepares the test: validates the parameters, transforms every column once.
    pub fn new(dataset: &Dataset, params: &CmiKnnParams) -> Result<Self> {
        params.check()?;
        let values = dataset.values();
        let n = values.nrows();
        let k = resolve_k(params.knn, n);
        if n < k + 1 {
            return Err(CausalError::TooFewSamples {
                what: format!("CMIknn with k = {k}"),
                needed: k + 1,
                found: n,
            });
        }
        let constant: Vec<bool> = values
            .columns()
            .into_iter()
            .map(|c| c.iter().all(|&v| v == c[0]))
            .collect();
        let cols = transform_columns(values.view(), params.transform, params.seed);
        let ranks16 = (params.transform == Transform::Ranks && n < u16::MAX as usize).then(|| {
            cols.iter()
                .map(|c| c.iter().map(|&v| v as u16).collect())
                .collect()
        });
        Ok(Self {
            p: params.clone(),
            n,
            cols,
            ranks16,
            constant,
            column_names: dataset.column_names().to_vec(),
            var_cols: dataset
                .variables()
                .iter()
                .map(|v| v.columns.clone())
                .collect(),
            psi: DigammaTable::new(n + 1),
        })
    }

    /// Number of joint-space neighbours for this dataset.
    pub fn k(&self) -> usize {
        resolve_k(self.p.knn, self.n)
    }

    /// The parameters.
    pub fn params(&self) -> &CmiKnnParams {
        &self.p
    }

    fn columns_of(&self, vars: &[usize]) -> Result<Vec<usize>> {
        let mut out = Vec::new();
        for &v in vars {
            let cols = self.var_cols.get(v).ok_or(CausalError::IndexOutOfRange {
                index: v,
                n: self.var_cols.len(),
            })?;
            for &c in cols {
                if self.constant[c] {
                    return Err(CausalError::ConstantColumn {
                        name: self.column_names[c].clone(),
                        test: "CMIknn",
                    });
                }
            }
            out.extend_from_slice(cols);
        }
        Ok(out)
    }

    fn use_brute(&self, k: usize) -> bool {
        match self.p.backend {
            Backend::BruteForce => true,
            Backend::KdTree => false,
            Backend::Auto => self.n <= 4096 || k * 32 > self.n,
        }
    }

    /// The CMI estimate I(X;Y|Z) in nats (no permutations).
    pub fn statistic(&self, x: usize, y: usize, z: &[usize]) -> Result<f64> {
        check_query(self.var_cols.len(), x, y, z)?;
        let (xc, yc, zc) = (
            self.columns_of(&[x])?,
            self.columns_of(&[y])?,
            self.columns_of(z)?,
        );
        let k = self.k();
        if let (Some(r), true) = (&self.ranks16, self.use_brute(k)) {
            let pick = |cs: &[usize]| cs.iter().map(|&c| r[c].as_slice()).collect::<Vec<&[u16]>>();
            let (xs, ys, zs) = (pick(&xc), pick(&yc), pick(&zc));
            return Ok(self.estimate_brute_u16(&xs, &ys, &zs, k, true));
        }
        let pick = |cs: &[usize]| {
            cs.iter()
                .map(|&c| self.cols[c].as_slice())
                .collect::<Vec<&[f64]>>()
        };
        let (xs, ys, zs) = (pick(&xc), pick(&yc), pick(&zc));
        self.estimate(ColSet::F(&xs), ColSet::F(&ys), ColSet::F(&zs), true)
    }

    /// The statistic, its p-value and the null distribution.
    pub fn test_with_null(&self, x: usize, y: usize, z: &[usize]) -> Result<CmiKnnOutcome> {
        check_query(self.var_cols.len(), x, y, z)?;
        let (xc, yc, zc) = (
            self.columns_of(&[x])?,
            self.columns_of(&[y])?,
            self.columns_of(z)?,
        );
        let k = self.k();
        let stat = self.statistic(x, y, z)?;
        let n = self.n;
        let m = self.p.shuffle_neighbors.min(n);
        let fz: Vec<&[f64]> = zc.iter().map(|&c| self.cols[c].as_slice()).collect();
        // Shuffle neighbourhoods in Z (empty for an empty Z: plain permutations).
        let neighbours: Vec<Vec<u32>> = if fz.is_empty() {
            Vec::new()
        } else {
            self.z_neighbours(&fz, m)?
        };
        let base = query_seed(self.p.seed, x, y, z);
        let ints = self.ranks16.as_ref().filter(|_| self.use_brute(k));
        let perm_of = |b: usize| -> Vec<u32> {
            let mut rng = ChaCha8Rng::seed_from_u64(base);
            rng.set_stream(b as u64 + 1);
            if neighbours.is_empty() {
                let mut p: Vec<u32> = (0..n as u32).collect();
                p.shuffle(&mut rng);
                p
            } else {
                restricted_permutation(&neighbours, &mut rng)
            }
        };
        // Integer ranks: all permutations in one sweep over the samples (the Y and Z distances
        // of a sample are computed once for every permutation), when the permuted X columns fit
        // in 64 MiB.
        if let Some(r) = ints
            && self.p.permutations * xc.len() * n * 2 <= 64 << 20
        {
            let xp: Vec<Vec<Vec<u16>>> = (0..self.p.permutations)
                .into_par_iter()
                .map(|b| {
                    let perm = perm_of(b);
                    xc.iter()
                        .map(|&c| perm.iter().map(|&j| r[c][j as usize]).collect())
                        .collect()
                })
                .collect();
            let pick = |cs: &[usize]| cs.iter().map(|&c| r[c].as_slice()).collect::<Vec<&[u16]>>();
            let (ys, zs) = (pick(&yc), pick(&zc));
            let null = self.null_batched_u16(&xp, &ys, &zs, k);
            return Ok(self.outcome(stat, k, null));
        }
        let null: Vec<f64> = (0..self.p.permutations)
            .into_par_iter()
            .map(|b| {
                let mut rng = ChaCha8Rng::seed_from_u64(base);
                rng.set_stream(b as u64 + 1);
                let perm = if neighbours.is_empty() {
                    let mut p: Vec<u32> = (0..n as u32).collect();
                    p.shuffle(&mut rng);
                    p
                } else {
                    restricted_permutation(&neighbours, &mut rng)
                };
                if let Some(r) = ints {
                    let xp: Vec<Vec<u16>> = xc
                        .iter()
                        .map(|&c| perm.iter().map(|&j| r[c][j as usize]).collect())
                        .collect();
                    let xs: Vec<&[u16]> = xp.iter().map(|c| c.as_slice()).collect();
                    let pick =
                        |cs: &[usize]| cs.iter().map(|&c| r[c].as_slice()).collect::<Vec<&[u16]>>();
                    let (ys, zs) = (pick(&yc), pick(&zc));
                    Ok(self.estimate_brute_u16(&xs, &ys, &zs, k, false))
                } else {
                    let xp: Vec<Vec<f64>> = xc
                        .iter()
                        .map(|&c| perm.iter().map(|&j| self.cols[c][j as usize]).collect())
                        .collect();
                    let xs: Vec<&[f64]> = xp.iter().map(|c| c.as_slice()).collect();
                    let ys: Vec<&[f64]> = yc.iter().map(|&c| self.cols[c].as_slice()).collect();
                    self.estimate(ColSet::F(&xs), ColSet::F(&ys), ColSet::F(&fz), false)
                }
            })
            .collect::<Result<Vec<f64>>>()?;
        Ok(self.outcome(stat, k, null))
    }

    fn outcome(&self, stat: f64, k: usize, null: Vec<f64>) -> CmiKnnOutcome {
        let exceed = null.iter().filter(|&&v| v >= stat).count();
        let p_value = if self.p.plus_one {
            (1 + exceed) as f64 / (1 + null.len()) as f64
        } else {
            exceed as f64 / null.len() as f64
        };
        CmiKnnOutcome {
            result: CiResult::new(stat, p_value),
            k,
            null,
        }
    }

    /// [`Self::null_batched_u16`] by full scans: for each sample and permutation, the X
    /// distances to all samples, a histogram of the joint distances for the k-th one, and the
    /// (X,Z) count; the Y and Z distances of each sample are computed once and the (Y,Z) and Z
    /// counts read from prefix counts. Faster than the bucket walk for vector-valued X, whose
    /// column-wise X distances vectorise over samples.
    fn null_scan_u16(
        &self,
        xp: &[Vec<Vec<u16>>],
        ys: &[&[u16]],
        zs: &[&[u16]],
        k: usize,
    ) -> Vec<f64> {
        let n = self.n;
        let nb = xp.len();
        let psi = &self.psi;
        let has_z = !zs.is_empty();
        struct W {
            dx: Vec<u16>,
            dz: Vec<u16>,
            dyz: Vec<u16>,
            hist: Vec<u32>,
            cum_yz: Vec<u32>,
            cum_z: Vec<u32>,
        }
        let xcols: Vec<Vec<&[u16]>> = xp
            .iter()
            .map(|xb| xb.iter().map(|c| c.as_slice()).collect())
            .collect();
        let per_sample: Vec<Vec<f64>> = (0..n)
            .into_par_iter()
            .with_min_len(16)
            .map_init(
                || W {
                    dx: vec![0; n],
                    dz: vec![0; n],
                    dyz: vec![0; n],
                    hist: vec![0; n + 1],
                    cum_yz: vec![0; n + 2],
                    cum_z: vec![0; n + 2],
                },
                |w, i| {
                    // Distances in Y and Z, the sample itself excluded (u16::MAX).
                    max_abs_diff_u16(ys, i, &mut w.dyz);
                    if has_z {
                        max_abs_diff_u16(zs, i, &mut w.dz);
                        for (o, &v) in w.dyz.iter_mut().zip(w.dz.iter()) {
                            *o = (*o).max(v);
                        }
                    }
                    w.dyz[i] = u16::MAX;
                    w.dz[i] = u16::MAX;
                    // cum[t] = #{j != i : d[j] < t} for t in 0..=n.
                    let prefix = |d: &[u16], cum: &mut [u32]| {
                        cum.fill(0);
                        for &v in d {
                            if (v as usize) < n {
                                cum[v as usize + 1] += 1;
                            }
                        }
                        for t in 1..cum.len() {
                            cum[t] += cum[t - 1];
                        }
                    };
                    prefix(&w.dyz, &mut w.cum_yz);
                    if has_z {
                        prefix(&w.dz, &mut w.cum_z);
                    }
                    let mut out = Vec::with_capacity(nb);
                    for cols in &xcols {
                        max_abs_diff_u16(cols, i, &mut w.dx);
                        w.dx[i] = u16::MAX;
                        // k-th smallest joint distance max(dx, dyz) by counting; the sample
                        // itself (u16::MAX) falls in the last bin, above every real distance.
                        let top = n;
                        for (&p, &q) in w.dx.iter().zip(w.dyz.iter()) {
                            w.hist[(p.max(q) as usize).min(top)] += 1;
                        }
                        let eps = kth_bin(&w.hist, k).unwrap_or(top);
                        w.hist.fill(0);
                        let e = eps.min(u16::MAX as usize) as u16;
                        let nxz = if has_z {
                            w.dx.iter()
                                .zip(w.dz.iter())
                                .map(|(&p, &r)| u32::from(p.max(r) < e))
                                .sum::<u32>()
                        } else {
                            w.dx.iter().map(|&p| u32::from(p < e)).sum::<u32>()
                        } as usize;
                        let nyz = w.cum_yz[eps.min(n + 1)] as usize;
                        let nz = if has_z {
                            w.cum_z[eps.min(n + 1)] as usize
                        } else {
                            n - 1
                        };
                        out.push(
                            psi.get(k) - psi.get(nxz + 1) - psi.get(nyz + 1) + psi.get(nz + 1),
                        );
                    }
                    out
                },
            )
            .collect();
        (0..nb)
            .map(|b| per_sample.iter().map(|v| v[b]).sum::<f64>() / n as f64)
            .collect()
    }

    /// The CMI of every permuted X (`xp[b][column][sample]`) at once, on integer ranks: the same
    /// integers (k-th joint distance and strict counts) as [`Self::estimate_brute_u16`] per
    /// permutation, found without scanning all samples for every permutation.
    ///
    /// For each sample `i`, the distances in (Y,Z) and in Z do not depend on the permutation:
    /// they are computed once and the other samples are bucket-sorted by them. Per permutation:
    /// - the k-th joint distance `eps` is the k-th smallest `max(dx, dyz)`; only samples with
    ///   `dyz <= eps` can be among the k, so only the samples with `dyz` up to a bound are
    ///   visited (the largest `eps` of the previous permutations of this sample plus a margin; if
    ///   `eps` turns out larger, all samples), see [`Buckets::kth_joint`];
    /// - `n_xz = #{dx < eps, dz < eps} = #{max(dx, dyz) < eps} + #{dx < eps, dz < eps <= dyz}`:
    ///   the first term comes with `eps`, the second visits only the samples with `dz < eps` and
    ///   `dz < dyz` (the Y distance larger than the Z one), bucket-sorted by `dz`;
    /// - `n_yz` and `n_z` are prefix counts of the buckets.
    ///
    /// Vector-valued X goes to [`Self::null_scan_u16`] (same results): its X distances need
    /// every column of every visited sample, which a full column-wise scan does faster.
    fn null_batched_u16(
        &self,
        xp: &[Vec<Vec<u16>>],
        ys: &[&[u16]],
        zs: &[&[u16]],
        k: usize,
    ) -> Vec<f64> {
        if xp.first().is_some_and(|xb| xb.len() > 1) {
            return self.null_scan_u16(xp, ys, zs, k);
        }
        let n = self.n;
        let nb = xp.len();
        let psi = &self.psi;
        let has_z = !zs.is_empty();
        let xcols: Vec<Vec<&[u16]>> = xp
            .iter()
            .map(|xb| xb.iter().map(|c| c.as_slice()).collect())
            .collect();
        let per_sample: Vec<Vec<f64>> = (0..n)
            .into_par_iter()
            .with_min_len(16)
            .map_init(
                || NullWork::new(n),
                |w, i| {
                    w.prepare(ys, zs, i, k);
                    let mut bound = n - 1;
                    let mut out = Vec::with_capacity(nb);
                    for cols in &xcols {
                        let xc = cols[0];
                        let x0 = i32::from(xc[i]);
                        let (eps, nxz) =
                            w.eps_nxz(k, bound, has_z, |j| (i32::from(xc[j]) - x0).unsigned_abs());
                        bound = if bound == n - 1 { eps } else { bound.max(eps) };
                        let nyz = w.yz.count_below(eps);
                        let nz = if has_z { w.z.count_below(eps) } else { n - 1 };
                        out.push(
                            psi.get(k) - psi.get(nxz + 1) - psi.get(nyz + 1) + psi.get(nz + 1),
                        );
                    }
                    out
                },
            )
            .collect();
        (0..nb)
            .map(|b| per_sample.iter().map(|v| v[b]).sum::<f64>() / n as f64)
            .collect()
    }

    /// The `m` nearest neighbours of every sample in Z (Chebyshev, itself included, ties by index).
    fn z_neighbours(&self, zs: &[&[f64]], m: usize) -> Result<Vec<Vec<u32>>> {
        let n = self.n;
        if n <= 4096 {
            Ok((0..n)
                .into_par_iter()
                .map_init(
                    || (vec![0.0; n], Vec::with_capacity(n)),
                    |(d, idx): &mut (Vec<f64>, Vec<u32>), i| {
                        d.fill(0.0);
                        for c in zs {
                            let ci = c[i];
                            for (dj, &v) in d.iter_mut().zip(c.iter()) {
                                *dj = dj.max((v - ci).abs());
                            }
                        }
                        idx.clear();
                        idx.extend(0..n as u32);
                        let cmp = |a: &u32, b: &u32| {
                            d[*a as usize].total_cmp(&d[*b as usize]).then(a.cmp(b))
                        };
                        if m < n {
                            idx.select_nth_unstable_by(m - 1, cmp);
                        }
                        let mut out = idx[..m].to_vec();
                        out.sort_by(cmp);
                        out
                    },
                )
                .collect())
        } else {
            let mut rows = Vec::with_capacity(n * zs.len());
            for i in 0..n {
                rows.extend(zs.iter().map(|c| c[i]));
            }
            let index =
                KnnIndex::from_rows(rows, n, zs.len(), Metric::Chebyshev).map_err(knn_err)?;
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let q: Vec<f64> = zs.iter().map(|c| c[i]).collect();
                    index
                        .knn(&q, m)
                        .map(|v| v.into_iter().map(|nb| nb.index as u32).collect())
                        .map_err(knn_err)
                })
                .collect()
        }
    }

    /// Frenzel-Pompe CMI of the given float columns.
    fn estimate(
        &self,
        xs: ColSet<'_>,
        ys: ColSet<'_>,
        zs: ColSet<'_>,
        parallel: bool,
    ) -> Result<f64> {
        let k = self.k();
        match (xs, ys, zs) {
            (ColSet::U(x), ColSet::U(y), ColSet::U(z)) => {
                Ok(self.estimate_brute_u16(x, y, z, k, parallel))
            }
            (ColSet::F(x), ColSet::F(y), ColSet::F(z)) => {
                if self.use_brute(k) {
                    Ok(self.estimate_brute(x, y, z, k, parallel))
                } else {
                    self.estimate_tree(x, y, z, k)
                }
            }
            _ => Err(CausalError::param(
                "cmiknn",
                "internal: mixed column representations",
            )),
        }
    }

    /// The brute-force estimator on integer ranks: the same arithmetic as
    /// [`Self::estimate_brute`] (distances between integers are exact in both), with `u16` lanes
    /// and a histogram selection of the k-th distance.
    fn estimate_brute_u16(
        &self,
        xs: &[&[u16]],
        ys: &[&[u16]],
        zs: &[&[u16]],
        k: usize,
        parallel: bool,
    ) -> f64 {
        let n = self.n;
        let psi = &self.psi;
        let local = |w: &mut IntWork, i: usize| -> f64 {
            let IntWork {
                dx,
                dy,
                dz,
                a,
                hist,
            } = w;
            max_abs_diff_u16(xs, i, dx);
            max_abs_diff_u16(ys, i, dy);
            let has_z = !zs.is_empty();
            if has_z {
                max_abs_diff_u16(zs, i, dz);
                for (((o, p), q), r) in a.iter_mut().zip(dx.iter()).zip(dy.iter()).zip(dz.iter()) {
                    *o = (*p).max(*q).max(*r);
                }
            } else {
                for ((o, p), q) in a.iter_mut().zip(dx.iter()).zip(dy.iter()) {
                    *o = (*p).max(*q);
                }
            }
            // The sample itself is excluded everywhere: u16::MAX exceeds every rank distance
            // (at most n - 2 < u16::MAX - 1), and in the selection it sits in the bin `n - 1`
            // above every real distance.
            a[i] = (n - 1) as u16;
            dx[i] = u16::MAX;
            dy[i] = u16::MAX;
            dz[i] = u16::MAX;
            // k-th smallest distance by counting, with four interleaved histograms so that
            // consecutive increments do not wait on each other.
            let (h0, rest) = hist.split_at_mut(n);
            let (h1, rest) = rest.split_at_mut(n);
            let (h2, h3) = rest.split_at_mut(n);
            let mut chunks = a.chunks_exact(4);
            for c in &mut chunks {
                h0[c[0] as usize] += 1;
                h1[c[1] as usize] += 1;
                h2[c[2] as usize] += 1;
                h3[c[3] as usize] += 1;
            }
            for &v in chunks.remainder() {
                h0[v as usize] += 1;
            }
            let mut cum = 0usize;
            let mut eps = n - 1;
            for d in 0..n {
                cum += (h0[d] + h1[d] + h2[d] + h3[d]) as usize;
                if cum >= k {
                    eps = d;
                    break;
                }
            }
            hist.fill(0);
            let eps = eps as u16;
            let (nxz, nyz, nz) = if has_z {
                let (mut nxz, mut nyz, mut nz) = (0u32, 0u32, 0u32);
                for ((p, q), r) in dx.iter().zip(dy.iter()).zip(dz.iter()) {
                    nxz += u32::from((*p).max(*r) < eps);
                    nyz += u32::from((*q).max(*r) < eps);
                    nz += u32::from(*r < eps);
                }
                (nxz as usize, nyz as usize, nz as usize)
            } else {
                let nx = dx.iter().map(|&v| u32::from(v < eps)).sum::<u32>() as usize;
                let ny = dy.iter().map(|&v| u32::from(v < eps)).sum::<u32>() as usize;
                (nx, ny, n - 1)
            };
            psi.get(k) - psi.get(nxz + 1) - psi.get(nyz + 1) + psi.get(nz + 1)
        };
        let locals: Vec<f64> = if parallel {
            (0..n)
                .into_par_iter()
                .with_min_len(64)
                .map_init(|| IntWork::new(n), |w, i| local(w, i))
                .collect()
        } else {
            let mut w = IntWork::new(n);
            (0..n).map(|i| local(&mut w, i)).collect()
        };
        locals.iter().sum::<f64>() / n as f64
    }

    fn estimate_tree(&self, xs: &[&[f64]], ys: &[&[f64]], zs: &[&[f64]], k: usize) -> Result<f64> {
        let n = self.n;
        let to_array = |cs: &[&[f64]]| Array2::from_shape_fn((n, cs.len()), |(i, j)| cs[j][i]);
        let (x, y, z) = (to_array(xs), to_array(ys), to_array(zs));
        let est = KsgParams::new()
            .k(k)
            .jitter(JitterMode::Never)
            .reject_constant(false)
            .check()
            .map_err(knn_err)?
            .cmi(x.view(), y.view(), z.view())
            .map_err(knn_err)?;
        Ok(est.estimate)
    }

    fn estimate_brute(
        &self,
        xs: &[&[f64]],
        ys: &[&[f64]],
        zs: &[&[f64]],
        k: usize,
        parallel: bool,
    ) -> f64 {
        let n = self.n;
        let psi = &self.psi;
        let local = |w: &mut BruteWork, i: usize| -> f64 {
            let BruteWork { dx, dy, dz, a } = w;
            max_abs_diff(xs, i, dx);
            max_abs_diff(ys, i, dy);
            let has_z = !zs.is_empty();
            if has_z {
                max_abs_diff(zs, i, dz);
            }
            a.clear();
            if has_z {
                a.extend(
                    dx.iter()
                        .zip(dy.iter())
                        .zip(dz.iter())
                        .map(|((p, q), r)| p.max(*q).max(*r)),
                );
            } else {
                a.extend(dx.iter().zip(dy.iter()).map(|(p, q)| p.max(*q)));
            }
            a[i] = f64::INFINITY;
            let (_, kth, _) = a.select_nth_unstable_by(k - 1, f64::total_cmp);
            let eps = *kth;
            // Exclude the sample itself from the strict counts.
            dx[i] = f64::INFINITY;
            dy[i] = f64::INFINITY;
            let (nxz, nyz, nz) = if has_z {
                dz[i] = f64::INFINITY;
                let mut nxz = 0usize;
                let mut nyz = 0usize;
                let mut nz = 0usize;
                for j in 0..n {
                    let zz = dz[j];
                    nxz += usize::from(dx[j].max(zz) < eps);
                    nyz += usize::from(dy[j].max(zz) < eps);
                    nz += usize::from(zz < eps);
                }
                (nxz, nyz, nz)
            } else {
                let nx = dx.iter().filter(|&&v| v < eps).count();
                let ny = dy.iter().filter(|&&v| v < eps).count();
                (nx, ny, n - 1)
            };
            psi.get(k) - psi.get(nxz + 1) - psi.get(nyz + 1) + psi.get(nz + 1)
        };
        let locals: Vec<f64> = if parallel {
            (0..n)
                .into_par_iter()
                .with_min_len(64)
                .map_init(|| BruteWork::new(n), |w, i| local(w, i))
                .collect()
        } else {
            let mut w = BruteWork::new(n);
            (0..n).map(|i| local(&mut w, i)).collect()
        };
        locals.iter().sum::<f64>() / n as f64
    }
}

struct BruteWork {
    dx: Vec<f64>,
    dy: Vec<f64>,
    dz: Vec<f64>,
    a: Vec<f64>,
}

impl BruteWork {
    fn new(n: usize) -> Self {
        Self {
            dx: vec![0.0; n],
            dy: vec![0.0; n],
            dz: vec![0.0; n],
            a: Vec::with_capacity(n),
        }
    }
}

struct IntWork {
    dx: Vec<u16>,
    dy: Vec<u16>,
    dz: Vec<u16>,
    a: Vec<u16>,
    hist: Vec<u32>,
}

impl IntWork {
    fn new(n: usize) -> Self {
        Self {
            dx: vec![0; n],
            dy: vec![0; n],
            dz: vec![0; n],
            a: vec![0; n],
            hist: vec![0; 4 * n],
        }
    }
}

/// Per-thread buffers of [`CmiKnn::null_batched_u16`], for one sample `i` at a time.
struct NullWork {
    dz: Vec<u16>,
    dyz: Vec<u16>,
    /// `dz` where `dz < dyz` and `dyz` is at least the k-th smallest `dyz`, else `u16::MAX`.
    dz_below_dyz: Vec<u16>,
    /// Zeroed histogram of [`Buckets::kth_joint`].
    hist: Vec<u32>,
    /// Scratch of [`Buckets::kth_joint`].
    low: Vec<u32>,
    /// The other samples by (Y,Z) distance, with the distances.
    yz: Buckets,
    /// The other samples' Z distances, counted (`start` only).
    z: Buckets,
    /// The other samples with `dz < dyz` by Z distance, with `dyz` as the extra value.
    zy: Buckets,
}

impl NullWork {
    fn new(n: usize) -> Self {
        Self {
            dz: vec![0; n],
            dyz: vec![0; n],
            dz_below_dyz: vec![0; n],
            hist: vec![0; n + 2],
            low: vec![0; n],
            yz: Buckets::new(n),
            z: Buckets::new(n),
            zy: Buckets::new(n),
        }
    }

    /// Distances of every sample to sample `i` in (Y,Z) and Z (the sample itself excluded as
    /// `u16::MAX`; with no Z every other sample is at distance 0 in Z), and their buckets.
    fn prepare(&mut self, ys: &[&[u16]], zs: &[&[u16]], i: usize, k: usize) {
        max_abs_diff_u16(ys, i, &mut self.dyz);
        if zs.is_empty() {
            self.dz.fill(0);
        } else {
            max_abs_diff_u16(zs, i, &mut self.dz);
        }
        for (o, &z) in self.dyz.iter_mut().zip(self.dz.iter()) {
            *o = (*o).max(z);
        }
        self.dyz[i] = u16::MAX;
        self.dz[i] = u16::MAX;
        self.yz.sort(&self.dyz, None);
        self.z.count(&self.dz);
        // Every permutation's eps is at least the k-th smallest (Y,Z) distance (fewer than k
        // samples are within any smaller radius), so the second term of n_xz (dz < eps <= dyz)
        // needs only the samples with dz < dyz and dyz at least that.
        let t0 = self.yz.vals[k - 1];
        for ((b, &z), &yz) in self
            .dz_below_dyz
            .iter_mut()
            .zip(self.dz.iter())
            .zip(self.dyz.iter())
        {
            *b = if z < yz && yz >= t0 { z } else { u16::MAX };
        }
        self.zy.sort(&self.dz_below_dyz, Some(&self.dyz));
    }

    /// `eps` (the k-th joint distance) and `n_xz` for one permutation, `dist(j)` being the X
    /// distance of sample `j` to sample `i`; `bound` is a guess of an upper bound of `eps`.
    #[inline]
    fn eps_nxz(
        &mut self,
        k: usize,
        bound: usize,
        has_z: bool,
        dist: impl Fn(usize) -> u32,
    ) -> (usize, usize) {
        let n = self.dz.len();
        let top = (bound + bound / 64 + 2).min(n - 1);
        let (eps, within) = self
            .yz
            .kth_joint(&mut self.hist, &mut self.low, k, top, &dist)
            .or_else(|| {
                self.yz
                    .kth_joint(&mut self.hist, &mut self.low, k, n - 1, &dist)
            })
            .unwrap_or((n, n - 1));
        let e = eps as u32;
        let nxz = if has_z {
            // #{dx < eps, dz < eps <= dyz}, among the samples with dz < min(eps, dyz).
            let m = self.zy.count_below(eps);
            let (o, extra) = (&self.zy.order[..m], &self.zy.extra[..m]);
            let rest = o
                .iter()
                .zip(extra)
                .map(|(&j, &yz)| u32::from((u32::from(yz) >= e) & (dist(j as usize) < e)))
                .sum::<u32>();
            within + rest as usize
        } else {
            // No Z: #{j != i : dx < eps} over all samples (dist(i) = 0).
            let all = (0..n).map(|j| u32::from(dist(j) < e)).sum::<u32>() as usize;
            all - usize::from(e > 0)
        };
        (eps, nxz)
    }
}

/// The other samples bucket-sorted by an integer distance `d < n` to one sample (entries with
/// `d >= n`, the sample itself, are left out).
struct Buckets {
    /// `start[t] = #{j : d[j] < t}` for `t` in `0..=n + 1`.
    start: Vec<u32>,
    /// Sample indices in increasing distance (by index within a distance).
    order: Vec<u16>,
    /// Their distances, `vals[r] = d[order[r]]`.
    vals: Vec<u16>,
    /// An extra value per sample, `extra[r] = aux[order[r]]`, when sorted with one.
    extra: Vec<u16>,
    /// Scratch cursors of the counting sort.
    cursor: Vec<u32>,
}

impl Buckets {
    fn new(n: usize) -> Self {
        Self {
            start: vec![0; n + 2],
            order: vec![0; n],
            vals: vec![0; n],
            extra: vec![0; n],
            cursor: vec![0; n + 1],
        }
    }

    /// Only the counts `start` of the samples by `d` (no order).
    fn count(&mut self, d: &[u16]) {
        let n = d.len();
        self.start.fill(0);
        for &v in d {
            if (v as usize) < n {
                self.start[v as usize + 1] += 1;
            }
        }
        for t in 1..self.start.len() {
            self.start[t] += self.start[t - 1];
        }
    }

    /// Counting sort of the samples by `d`, carrying `aux` along if given.
    fn sort(&mut self, d: &[u16], aux: Option<&[u16]>) {
        let n = d.len();
        self.start.fill(0);
        for &v in d {
            if (v as usize) < n {
                self.start[v as usize + 1] += 1;
            }
        }
        for t in 1..self.start.len() {
            self.start[t] += self.start[t - 1];
        }
        self.cursor.copy_from_slice(&self.start[..n + 1]);
        for (j, &v) in d.iter().enumerate() {
            if (v as usize) < n {
                let c = &mut self.cursor[v as usize];
                self.order[*c as usize] = j as u16;
                self.vals[*c as usize] = v;
                if let Some(a) = aux {
                    self.extra[*c as usize] = a[j];
                }
                *c += 1;
            }
        }
    }

    /// `#{j : d[j] < t}`.
    #[inline]
    fn count_below(&self, t: usize) -> usize {
        self.start[t.min(self.start.len() - 1)] as usize
    }

    /// The k-th smallest of `max(dist(j), d[j])` over the bucketed samples, if it is at most
    /// `top`, with the number of samples strictly below it; only the samples with `d[j] <= top`
    /// are visited. `hist` (length at least `top + 2`) is all zero on entry and on return; `low`
    /// (length `n`) is scratch.
    ///
    /// A sample with `dist(j) <= d[j]` counts from threshold `d[j]` on: as the samples come in
    /// increasing `d`, the number of them among the first `r` is a running count `low[r - 1]`,
    /// read at the bucket boundaries. The other samples count from `dist(j)` on and go to
    /// `hist[dist(j)]`. (Putting every sample in `hist[max(dist, d)]` would make runs of
    /// increments of the same bin, which wait on each other.)
    #[inline]
    fn kth_joint(
        &self,
        hist: &mut [u32],
        low: &mut [u32],
        k: usize,
        top: usize,
        dist: impl Fn(usize) -> u32,
    ) -> Option<(usize, usize)> {
        let m = self.count_below(top + 1);
        let cap = (top + 1) as u32;
        let mut acc = 0u32;
        for ((&j, &v), l) in self.order[..m]
            .iter()
            .zip(&self.vals[..m])
            .zip(low[..m].iter_mut())
        {
            let dj = dist(j as usize);
            let a = u32::from(dj <= u32::from(v));
            acc += a;
            *l = acc;
            hist[dj.min(cap) as usize] += 1 - a;
        }
        // count(t) = low[start[t + 1] - 1] + hist[0..=t].sum() is non-decreasing in t: find the
        // first block of 32 thresholds whose last one reaches k, then walk inside it.
        let low_at = |t: usize| -> usize {
            let e = self.start[t + 1] as usize;
            if e == 0 { 0 } else { low[e - 1] as usize }
        };
        const B: usize = 32;
        let mut cum = 0usize;
        let mut found = None;
        for (bi, block) in hist[..=top].chunks(B).enumerate() {
            let s = block.iter().sum::<u32>() as usize;
            let last = bi * B + block.len() - 1;
            if low_at(last) + cum + s >= k {
                let mut before = if bi == 0 { 0 } else { low_at(bi * B - 1) + cum };
                for (o, &h) in block.iter().enumerate() {
                    cum += h as usize;
                    let here = low_at(bi * B + o) + cum;
                    if here >= k {
                        found = Some((bi * B + o, before));
                        break;
                    }
                    before = here;
                }
                break;
            }
            cum += s;
        }
        hist[..top + 2].fill(0);
        found
    }
}

/// The first bin `d` of the histogram `hist` at which the cumulative count reaches `k`, or `None`.
/// Sums blocks of bins first (vectorised) and walks bin by bin only inside the block that crosses.
fn kth_bin(hist: &[u32], k: usize) -> Option<usize> {
    const B: usize = 32;
    let mut cum = 0usize;
    for (bi, block) in hist.chunks(B).enumerate() {
        let s = block.iter().sum::<u32>() as usize;
        if cum + s >= k {
            for (o, &h) in block.iter().enumerate() {
                cum += h as usize;
                if cum >= k {
                    return Some(bi * B + o);
                }
            }
        }
        cum += s;
    }
    None
}

/// Integer version of [`max_abs_diff`].
#[inline]
fn max_abs_diff_u16(cols: &[&[u16]], i: usize, out: &mut [u16]) {
    let mut first = true;
    for c in cols {
        let ci = c[i];
        if first {
            for (o, &v) in out.iter_mut().zip(c.iter()) {
                *o = v.abs_diff(ci);
            }
            first = false;
        } else {
            for (o, &v) in out.iter_mut().zip(c.iter()) {
                *o = (*o).max(v.abs_diff(ci));
            }
        }
    }
}

/// `out[j] = max_c |cols[c][j] - cols[c][i]|` (Chebyshev distance of every sample to sample `i`).
#[inline]
fn max_abs_diff(cols: &[&[f64]], i: usize, out: &mut [f64]) {
    let mut first = true;
    for c in cols {
        let ci = c[i];
        if first {
            for (o, &v) in out.iter_mut().zip(c.iter()) {
                *o = (v - ci).abs();
            }
            first = false;
        } else {
            for (o, &v) in out.iter_mut().zip(c.iter()) {
                *o = o.max((v - ci).abs());
            }
        }
    }
}

/// Runge's restricted permutation: visit samples in random order; each takes the first of its
/// (shuffled) Z-neighbours not yet taken, or the last one if all are taken.
fn restricted_permutation<R: Rng>(neighbours: &[Vec<u32>], rng: &mut R) -> Vec<u32> {
    let n = neighbours.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.shuffle(rng);
    let mut used = vec![false; n];
    let mut perm = vec![0u32; n];
    let mut list: Vec<u32> = Vec::new();
    for &i in &order {
        list.clear();
        list.extend_from_slice(&neighbours[i as usize]);
        list.shuffle(rng);
        let pick = list
            .iter()
            .copied()
            .find(|&j| !used[j as usize])
            .unwrap_or(list[list.len() - 1]);
        used[pick as usize] = true;
        perm[i as usize] = pick;
    }
    perm
}

fn resolve_k(knn: Knn, n: usize) -> usize {
    match knn {
        Knn::Fraction(f) => ((f * n as f64).floor() as usize).max(1),
        Knn::Absolute(k) => k,
    }
}

fn knn_err(e: knn_estimators::KnnError) -> CausalError {
    CausalError::param("cmiknn", e.to_string())
}

/// Transforms each column; returns column-major vectors.
fn transform_columns(values: ArrayView2<'_, f64>, t: Transform, seed: u64) -> Vec<Vec<f64>> {
    let n = values.nrows();
    match t {
        Transform::Ranks => values
            .columns()
            .into_iter()
            .enumerate()
            .map(|(j, c)| {
                // Ties are broken by a seeded random key, so tied values get distinct ranks in
                // random order.
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(j as u64);
                let keys: Vec<u64> = (0..n).map(|_| rng.random()).collect();
                let mut idx: Vec<usize> = (0..n).collect();
                idx.sort_by(|&a, &b| c[a].total_cmp(&c[b]).then(keys[a].cmp(&keys[b])));
                let mut r = vec![0.0; n];
                for (rank, &i) in idx.iter().enumerate() {
                    r[i] = rank as f64;
                }
                r
            })
            .collect(),
        Transform::Standardize | Transform::None => {
            let mut a = values.to_owned();
            if t == Transform::Standardize {
                for mut c in a.columns_mut() {
                    let m = c.sum() / n as f64;
                    let sd = (c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64).sqrt();
                    let s = if sd > 0.0 { sd } else { 1.0 };
                    c.mapv_inplace(|v| (v - m) / s);
                }
            }
            let ties = columns_with_ties(a.view());
            if !ties.is_empty() {
                jitter_columns(&mut a, &ties, 1e-6, seed);
            }
            a.columns().into_iter().map(|c| c.to_vec()).collect()
        }
    }
}

impl CiTest for CmiKnn {
    fn name(&self) -> &str {
        "cmiknn"
    }

    fn n_variables(&self) -> usize {
        self.var_cols.len()
    }

    fn test(&self, x: usize, y: usize, z: &[usize]) -> Result<CiResult> {
        Ok(self.test_with_null(x, y, z)?.result)
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn restricted_permutation_is_mostly_a_permutation_within_neighbourhoods() {
        // Neighbourhoods: blocks of 5 consecutive samples (each sample's neighbours are its block).
        let n = 100;
        let nb: Vec<Vec<u32>> = (0..n)
            .map(|i| ((i / 5) * 5..(i / 5) * 5 + 5).map(|j| j as u32).collect())
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let p = restricted_permutation(&nb, &mut rng);
        // Within a closed block every sample can always find an unused neighbour: a permutation.
        let mut s = p.clone();
        s.sort_unstable();
        assert_eq!(s, (0..n as u32).collect::<Vec<_>>());
        for (i, &j) in p.iter().enumerate() {
            assert_eq!(i / 5, j as usize / 5);
        }
    }

    #[test]
    fn batched_null_equals_one_brute_force_estimate_per_permutation() {
        // Random rank data; X of 1 and 3 columns; Z of 0, 1 and 2 columns; small and large k;
        // restricted permutations (with repeated samples) and plain ones.
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let n = 157;
        let p = 7;
        let v = Array2::from_shape_fn((n, p), |(i, j)| {
            let common = (i % 13) as f64;
            common * (j % 2) as f64 + rng.random::<f64>() * 10.0
        });
        let names: Vec<String> = (0..p).map(|j| format!("v{j}")).collect();
        let ds = Dataset::new(v, names).unwrap();
        for k in [1usize, 5, 40, 150] {
            let t = CmiKnn::new(&ds, &CmiKnnParams::new().knn(Knn::Absolute(k))).unwrap();
            let r = t.ranks16.as_ref().unwrap();
            let xsets: [&[usize]; 2] = [&[0], &[0, 5, 6]];
            let zsets: [&[usize]; 3] = [&[], &[2], &[2, 3]];
            for xc in xsets {
                for zc in zsets {
                    let nbrs: Vec<Vec<u32>> = if zc.is_empty() {
                        Vec::new()
                    } else {
                        let fz: Vec<&[f64]> = zc.iter().map(|&c| t.cols[c].as_slice()).collect();
                        t.z_neighbours(&fz, 4).unwrap()
                    };
                    let xp: Vec<Vec<Vec<u16>>> = (0..6)
                        .map(|_| {
                            let perm = if nbrs.is_empty() {
                                let mut q: Vec<u32> = (0..n as u32).collect();
                                q.shuffle(&mut rng);
                                q
                            } else {
                                restricted_permutation(&nbrs, &mut rng)
                            };
                            xc.iter()
                                .map(|&c| perm.iter().map(|&j| r[c][j as usize]).collect())
                                .collect()
                        })
                        .collect();
                    let pick =
                        |cs: &[usize]| cs.iter().map(|&c| r[c].as_slice()).collect::<Vec<_>>();
                    let (ys, zs) = (pick(&[1]), pick(zc));
                    let batched = t.null_batched_u16(&xp, &ys, &zs, k);
                    for (b, xb) in xp.iter().enumerate() {
                        let xs: Vec<&[u16]> = xb.iter().map(|c| c.as_slice()).collect();
                        let want = t.estimate_brute_u16(&xs, &ys, &zs, k, false);
                        assert_eq!(batched[b], want, "k {k} x {xc:?} z {zc:?} perm {b}");
                    }
                }
            }
        }
    }

    #[test]
    fn kth_bin_equals_a_plain_cumulative_scan() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for len in [1usize, 5, 31, 32, 33, 64, 100, 2001] {
            let hist: Vec<u32> = (0..len).map(|_| rng.random_range(0..4)).collect();
            let total: usize = hist.iter().map(|&h| h as usize).sum();
            for k in 1..=total + 1 {
                let mut cum = 0usize;
                let want = hist.iter().position(|&h| {
                    cum += h as usize;
                    cum >= k
                });
                assert_eq!(kth_bin(&hist, k), want, "len {len} k {k}");
            }
        }
    }

    #[test]
    fn ranks_break_ties_randomly_but_reproducibly() {
        let v = Array2::from_shape_vec((6, 1), vec![3.0, 1.0, 3.0, 2.0, 3.0, 0.5]).unwrap();
        let a = transform_columns(v.view(), Transform::Ranks, 7);
        let b = transform_columns(v.view(), Transform::Ranks, 7);
        assert_eq!(a, b);
        assert_eq!((a[0][5], a[0][1], a[0][3]), (0.0, 1.0, 2.0));
        let mut tied: Vec<f64> = vec![a[0][0], a[0][2], a[0][4]];
        tied.sort_by(f64::total_cmp);
        assert_eq!(tied, vec![3.0, 4.0, 5.0]);
    }
}
