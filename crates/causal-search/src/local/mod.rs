//! The study's latent-space local tests (METHOD.md section 5).
//!
//! For every galaxy, its `k_max` nearest **training** galaxies in the latent space S are found
//! (exact Euclidean search; a training galaxy is its own first neighbour). Within the first `k`
//! of them whose values are not missing, the local statistics are computed:
//!
//! - the Pearson correlation rho(Y, X_q) and a baseline rho(perm(Y), X_q) with Y permuted once
//!   within the neighbourhood (seeded per galaxy);
//! - the predictive efficiency `PE = [Var(Y) - Var(Y - fit(X_q))] / Var(Y)` of the local
//!   least-squares quadratic `a0 + a1 x + a2 x^2`;
//! - the same three numbers after replacing Y and X_q by their residuals from a local
//!   quadratic fit on a conditioning variable X_c.
//!
//! The unconditional statistics use the first `k` neighbours with valid Y and X_q; the
//! conditional ones the first `k` with valid Y, X_q and X_c. Only the first `k_max` neighbours
//! are ever considered. Galaxies with fewer than `min_neighbours` usable neighbours get `None`.
//!
//! ```
//! use causal_search::local::{LocalTestData, LocalTestParams};
//! use ndarray::{Array1, Array2};
//!
//! // Y depends on X_q only through S: the local correlation vanishes.
//! let n = 400;
//! let s = Array2::from_shape_fn((n, 2), |(i, j)| ((i * (j + 3)) % 97) as f64 / 97.0);
//! let y: Array1<f64> = s.rows().into_iter().map(|r| r[0] + 2.0 * r[1]).collect();
//! let q: Array1<f64> = s.rows().into_iter().map(|r| r[0] * r[0] - r[1]).collect();
//! let train: Vec<usize> = (0..n).filter(|i| i % 4 != 0).collect();
//! let tests = LocalTestParams::new().k(30).k_max(100).seed(1).check().unwrap();
//! let out = tests
//!     .run(&LocalTestData { latent: s.view(), train: &train, y: y.view(), query: q.view(), cond: None })
//!     .unwrap();
//! assert_eq!(out.samples.len(), n);
//! assert_eq!(out.samples[0].n_used, 30);
//! ```

mod brute;
pub mod neighbours;
pub mod summary;
pub mod tests;

use ndarray::{ArrayView1, ArrayView2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use brute::{BruteKnn, BruteScratch};
use neighbours::{EuclideanKdTree, Neighbour, SearchScratch};
pub use summary::{Distribution, GroupSummary, NullComparison};
pub use tests::LocalStats;
use tests::StatScratch;

/// Errors of the local tests, naming the culprit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LocalTestError {
    /// A parameter is out of its valid range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// `k_max` is larger than the training set.
    #[error("k_max = {k_max} exceeds the number of training rows ({n_train})")]
    KMaxExceedsTraining {
        /// Requested `k_max`.
        k_max: usize,
        /// Number of training rows.
        n_train: usize,
    },
    /// An input has the wrong length.
    #[error("`{name}` has {got} values, expected {expected}")]
    LengthMismatch {
        /// Which input.
        name: &'static str,
        /// Its length.
        got: usize,
        /// The expected length.
        expected: usize,
    },
    /// The latent array has no rows or no columns.
    #[error("the latent array is empty ({rows} rows, {cols} columns)")]
    EmptyLatent {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },
    /// A latent coordinate is NaN or infinite.
    #[error("latent value at row {row}, column {col} is not finite ({value})")]
    NonFiniteLatent {
        /// Row.
        row: usize,
        /// Column.
        col: usize,
        /// The value.
        value: f64,
    },
    /// A training row index is out of range.
    #[error("training row index {index} is out of range (the latent array has {n_rows} rows)")]
    TrainIndexOutOfRange {
        /// The index.
        index: usize,
        /// Number of rows.
        n_rows: usize,
    },
    /// A training row index appears twice.
    #[error("training row {index} is listed more than once")]
    DuplicateTrainIndex {
        /// The index.
        index: usize,
    },
    /// No training row has valid values for the variables a statistic needs.
    #[error("no training row has valid (non-missing) values of {what}")]
    NoValidTrainingRows {
        /// The variables.
        what: &'static str,
    },
    /// Too many rows for the 32-bit indices of the neighbour search.
    #[error("{n} rows exceed the supported maximum of {max}")]
    TooManyRows {
        /// Rows given.
        n: usize,
        /// Maximum.
        max: usize,
    },
}

/// Which values of a variable count as missing. Non-finite values (NaN, +-inf) always do.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MissingValues {
    /// Exact sentinel values (e.g. -9999).
    pub sentinels: Vec<f64>,
    /// Values with `|v| >= abs_at_least` are missing (the study's rule uses 9000).
    pub abs_at_least: Option<f64>,
}

impl MissingValues {
    /// Only non-finite values are missing.
    pub fn non_finite() -> Self {
        Self::default()
    }

    /// Non-finite values and the given exact sentinels are missing.
    pub fn sentinels(values: &[f64]) -> Self {
        Self {
            sentinels: values.to_vec(),
            abs_at_least: None,
        }
    }

    /// The study's preset for magnitudes, errors, radii and redshift: `|v| >= 9000` is missing.
    pub fn study_preset() -> Self {
        Self {
            sentinels: Vec::new(),
            abs_at_least: Some(9000.0),
        }
    }

    /// Whether `v` is missing.
    pub fn is_missing(&self, v: f64) -> bool {
        !v.is_finite()
            || self.sentinels.contains(&v)
            || self.abs_at_least.is_some_and(|t| v.abs() >= t)
    }

    fn check(&self, name: &'static str) -> Result<(), LocalTestError> {
        if let Some(s) = self.sentinels.iter().find(|v| !v.is_finite()) {
            return Err(LocalTestError::InvalidParameter {
                name,
                reason: format!(
                    "sentinel {s} is not finite (non-finite values are always missing)"
                ),
            });
        }
        if let Some(t) = self.abs_at_least
            && !(t.is_finite() && t > 0.0)
        {
            return Err(LocalTestError::InvalidParameter {
                name,
                reason: format!("abs_at_least must be finite and positive, got {t}"),
            });
        }
        Ok(())
    }
}

/// Parameters of the local tests (builder). Defaults are the study's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalTestParams {
    k: usize,
    k_max: usize,
    seed: u64,
    min_neighbours: usize,
    degree: usize,
    missing_y: MissingValues,
    missing_query: MissingValues,
    missing_cond: MissingValues,
    #[serde(default)]
    search: NeighbourSearch,
}

/// How the exact nearest neighbours are found (all choices give identical results).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum NeighbourSearch {
    /// Blocked brute force when the latent has at least 8 dimensions and the kd-tree would
    /// compute the distances of more than a tenth of the training points per query (measured on
    /// 128 evenly spaced rows; a deterministic choice), else the kd-tree.
    #[default]
    Auto,
    /// The kd-tree ([`neighbours::EuclideanKdTree`]): fast when the latent has low intrinsic
    /// dimension.
    KdTree,
    /// Blocked brute force: the cost does not depend on the structure of the latent, which wins
    /// in many dimensions when the points fill them. (Latents whose squared norms overflow, with
    /// coordinates beyond about 1e154, use the kd-tree.)
    BruteForce,
}

/// Latent dimension from which [`NeighbourSearch::Auto`] uses brute force.
const AUTO_BRUTE_DIM: usize = 8;

/// [`NeighbourSearch::Auto`] uses brute force when the kd-tree computes the distances of more
/// than this fraction of the training points per query (measured on a sample of queries). From
/// timings in 16-D (docs/benchmarks.md): a distance costs the tree about 15 ns and the
/// blocked brute force about 1.5 ns, so brute force wins when the tree scans more than a tenth.
const AUTO_BRUTE_SCAN: f64 = 0.1;

/// Rows sampled to measure the kd-tree's cost for [`NeighbourSearch::Auto`].
const AUTO_SAMPLE: usize = 128;

/// The mean fraction of training points whose distance the kd-tree computes for a k-NN query, on
/// evenly spaced sample rows (deterministic).
fn tree_scan_fraction(tree: &EuclideanKdTree, data: &LocalTestData<'_>, k: usize) -> f64 {
    let n = data.latent.nrows();
    let step = (n / AUTO_SAMPLE).max(1);
    let mut scratch = SearchScratch::new();
    let mut out = Vec::new();
    let mut queries = 0usize;
    for i in (0..n).step_by(step) {
        let q: Vec<f64> = data.latent.row(i).to_vec();
        tree.nearest_into(&q, k, &mut scratch, &mut out);
        queries += 1;
    }
    scratch.points_scanned() as f64 / (queries as f64 * tree.len().max(1) as f64)
}

/// Queries per block of the brute-force search.
const QUERY_BLOCK: usize = 128;

impl Default for LocalTestParams {
    fn default() -> Self {
        Self {
            k: 100,
            k_max: 2000,
            seed: 0,
            min_neighbours: 10,
            degree: 2,
            missing_y: MissingValues::default(),
            missing_query: MissingValues::default(),
            missing_cond: MissingValues::default(),
            search: NeighbourSearch::Auto,
        }
    }
}

impl LocalTestParams {
    /// The study's defaults: `k = 100`, `k_max = 2000`, quadratic fits, seed 0,
    /// at least 10 valid neighbours, only non-finite values missing.
    pub fn new() -> Self {
        Self::default()
    }
    /// Neighbours used per galaxy after masking (default 100).
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }
    /// Neighbours searched per galaxy before masking (default 2000).
    pub fn k_max(mut self, k_max: usize) -> Self {
        self.k_max = k_max;
        self
    }
    /// Seed of the within-neighbourhood permutations (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Fewest valid neighbours for which statistics are computed (default 10).
    pub fn min_neighbours(mut self, m: usize) -> Self {
        self.min_neighbours = m;
        self
    }
    /// Degree of the local polynomial fits (default 2, the study's quadratic; 1..=3).
    pub fn degree(mut self, degree: usize) -> Self {
        self.degree = degree;
        self
    }
    /// Missing-value rule for Y.
    pub fn missing_y(mut self, m: MissingValues) -> Self {
        self.missing_y = m;
        self
    }
    /// Missing-value rule for the query variable X_q.
    pub fn missing_query(mut self, m: MissingValues) -> Self {
        self.missing_query = m;
        self
    }
    /// Missing-value rule for the conditioning variable X_c.
    pub fn missing_cond(mut self, m: MissingValues) -> Self {
        self.missing_cond = m;
        self
    }

    /// Neighbour search method (default [`NeighbourSearch::Auto`]; the results are identical).
    pub fn neighbour_search(mut self, search: NeighbourSearch) -> Self {
        self.search = search;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<LocalTests, LocalTestError> {
        let bad = |name, reason: String| Err(LocalTestError::InvalidParameter { name, reason });
        if !(1..=3).contains(&self.degree) {
            return bad("degree", format!("must be 1, 2 or 3, got {}", self.degree));
        }
        if self.min_neighbours < self.degree + 2 {
            return bad(
                "min_neighbours",
                format!(
                    "must be at least degree + 2 = {} (a fit needs residual degrees of freedom), got {}",
                    self.degree + 2,
                    self.min_neighbours
                ),
            );
        }
        if self.k < self.min_neighbours {
            return bad(
                "k",
                format!(
                    "must be at least min_neighbours = {}, got {}",
                    self.min_neighbours, self.k
                ),
            );
        }
        if self.k_max < self.k {
            return bad(
                "k_max",
                format!("must be at least k = {}, got {}", self.k, self.k_max),
            );
        }
        self.missing_y.check("missing_y")?;
        self.missing_query.check("missing_query")?;
        self.missing_cond.check("missing_cond")?;
        Ok(LocalTests { p: self.clone() })
    }
}

/// Validated local-test parameters; [`LocalTests::run`] runs the tests.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalTests {
    p: LocalTestParams,
}

/// Inputs of the local tests. All per-galaxy arrays have one entry per latent row.
#[derive(Debug, Clone, Copy)]
pub struct LocalTestData<'a> {
    /// Latent space S, one row per galaxy (N x d).
    pub latent: ArrayView2<'a, f64>,
    /// Rows of `latent` that are training galaxies (the neighbour pool).
    pub train: &'a [usize],
    /// Target Y (log M*).
    pub y: ArrayView1<'a, f64>,
    /// Query variable X_q.
    pub query: ArrayView1<'a, f64>,
    /// Optional conditioning variable X_c.
    pub cond: Option<ArrayView1<'a, f64>>,
}

/// Per-galaxy results of the local tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalTestResult {
    /// Neighbours used per galaxy.
    pub k: usize,
    /// Neighbours searched per galaxy.
    pub k_max: usize,
    /// Permutation seed.
    pub seed: u64,
    /// Degree of the local polynomial fits.
    pub degree: usize,
    /// One entry per latent row, in row order.
    pub samples: Vec<LocalStats>,
}

impl LocalTestResult {
    /// Summaries per group label (`labels[i]` belongs to galaxy `i`), after the group `"all"`.
    pub fn summarize_by<L: AsRef<str>>(
        &self,
        labels: &[L],
    ) -> Result<Vec<GroupSummary>, LocalTestError> {
        summary::summarize_by(&self.samples, labels)
    }
}

/// Per-thread working memory.
#[derive(Default)]
struct Work {
    search: SearchScratch,
    nbrs: Vec<Neighbour>,
    stats: StatScratch,
    y: Vec<f64>,
    x: Vec<f64>,
    c: Vec<f64>,
}

impl LocalTests {
    /// The validated parameters.
    pub fn params(&self) -> &LocalTestParams {
        &self.p
    }

    /// Runs the local tests for every latent row (in parallel on the current rayon pool; the
    /// result does not depend on the number of threads).
    pub fn run(&self, data: &LocalTestData<'_>) -> Result<LocalTestResult, LocalTestError> {
        let p = &self.p;
        let (n, dim) = data.latent.dim();
        if n == 0 || dim == 0 {
            return Err(LocalTestError::EmptyLatent { rows: n, cols: dim });
        }
        if n > u32::MAX as usize {
            return Err(LocalTestError::TooManyRows {
                n,
                max: u32::MAX as usize,
            });
        }
        for (name, len) in [("y", data.y.len()), ("query", data.query.len())]
            .into_iter()
            .chain(data.cond.map(|c| ("cond", c.len())))
        {
            if len != n {
                return Err(LocalTestError::LengthMismatch {
                    name,
                    got: len,
                    expected: n,
                });
            }
        }
        for ((row, col), &value) in data.latent.indexed_iter() {
            if !value.is_finite() {
                return Err(LocalTestError::NonFiniteLatent { row, col, value });
            }
        }
        let mut seen = vec![false; n];
        for &t in data.train {
            if t >= n {
                return Err(LocalTestError::TrainIndexOutOfRange {
                    index: t,
                    n_rows: n,
                });
            }
            if std::mem::replace(&mut seen[t], true) {
                return Err(LocalTestError::DuplicateTrainIndex { index: t });
            }
        }
        let n_train = data.train.len();
        if p.k_max > n_train {
            return Err(LocalTestError::KMaxExceedsTraining {
                k_max: p.k_max,
                n_train,
            });
        }

        // Validity masks.
        let valid_u: Vec<bool> = (0..n)
            .map(|i| {
                !p.missing_y.is_missing(data.y[i]) && !p.missing_query.is_missing(data.query[i])
            })
            .collect();
        let valid_c: Option<Vec<bool>> = data.cond.map(|c| {
            (0..n)
                .map(|i| valid_u[i] && !p.missing_cond.is_missing(c[i]))
                .collect()
        });
        let count_u = data.train.iter().filter(|&&t| valid_u[t]).count();
        if count_u == 0 {
            return Err(LocalTestError::NoValidTrainingRows { what: "Y and X_q" });
        }
        let count_min = match &valid_c {
            Some(vc) => {
                let c = data.train.iter().filter(|&&t| vc[t]).count();
                if c == 0 {
                    return Err(LocalTestError::NoValidTrainingRows {
                        what: "Y, X_q and X_c",
                    });
                }
                c
            }
            None => count_u,
        };

        // Tree over the training rows.
        let mut coords = Vec::with_capacity(n_train * dim);
        for &t in data.train {
            coords.extend(data.latent.row(t).iter().copied());
        }
        let tree = EuclideanKdTree::build(&coords, dim);

        // First search size: enough for k valid neighbours at the observed valid fraction, with
        // a margin; enlarged (doubling, up to k_max) for the galaxies where it falls short.
        let k_first = if count_min == n_train {
            p.k
        } else {
            let frac = count_min as f64 / n_train as f64;
            ((p.k as f64 / frac * 1.1).ceil() as usize + 8).clamp(p.k, p.k_max)
        };

        // the screening products need finite squared norms (|v| < ~1e154); beyond, the tree
        let norms_finite = data
            .latent
            .rows()
            .into_iter()
            .all(|r| r.iter().map(|v| v * v).sum::<f64>().is_finite());
        let use_brute = norms_finite
            && match p.search {
                NeighbourSearch::KdTree => false,
                NeighbourSearch::BruteForce => true,
                NeighbourSearch::Auto => {
                    dim >= AUTO_BRUTE_DIM
                        && tree_scan_fraction(&tree, data, k_first) > AUTO_BRUTE_SCAN
                }
            };
        let (order, computed): (Vec<(usize, usize)>, Vec<LocalStats>) = if use_brute {
            // Blocks of consecutive rows: the first k_first neighbours of a block come from one
            // blocked brute-force search; a galaxy that needs more (masking) extends with the tree.
            let brute = BruteKnn::new(&coords, dim);
            let starts: Vec<usize> = (0..n).step_by(QUERY_BLOCK).collect();
            let blocks: Vec<Vec<LocalStats>> = starts
                .par_iter()
                .map_init(
                    || {
                        (
                            Work::default(),
                            BruteScratch::default(),
                            Vec::new(),
                            Vec::new(),
                        )
                    },
                    |(w, bs, qbuf, outs): &mut (
                        Work,
                        BruteScratch,
                        Vec<f64>,
                        Vec<Vec<Neighbour>>,
                    ),
                     &b0| {
                        let b1 = (b0 + QUERY_BLOCK).min(n);
                        qbuf.clear();
                        for i in b0..b1 {
                            qbuf.extend(data.latent.row(i).iter().copied());
                        }
                        outs.resize_with(b1 - b0, Vec::new);
                        brute.search_block(qbuf, k_first, bs, &mut outs[..b1 - b0]);
                        (b0..b1)
                            .map(|i| {
                                std::mem::swap(&mut w.nbrs, &mut outs[i - b0]);
                                self.one(
                                    i,
                                    data,
                                    &tree,
                                    &valid_u,
                                    valid_c.as_deref(),
                                    k_first,
                                    true,
                                    w,
                                )
                            })
                            .collect()
                    },
                )
                .collect();
            (
                (0..n).map(|i| (0, i)).collect(),
                blocks.into_iter().flatten().collect(),
            )
        } else {
            // Galaxies are processed in the tree's spatial order (consecutive queries touch the
            // same leaves), and the results put back in row order.
            let mut order: Vec<(usize, usize)> = (0..n)
                .into_par_iter()
                .map(|i| {
                    let q: Vec<f64> = data.latent.row(i).to_vec();
                    (tree.leaf_of(&q), i)
                })
                .collect();
            order.par_sort_unstable();
            let computed = order
                .par_iter()
                .map_init(Work::default, |w, &(_, i)| {
                    self.one(
                        i,
                        data,
                        &tree,
                        &valid_u,
                        valid_c.as_deref(),
                        k_first,
                        false,
                        w,
                    )
                })
                .collect();
            (order, computed)
        };
        let mut samples = vec![LocalStats::default(); n];
        for (&(_, i), s) in order.iter().zip(computed) {
            samples[i] = s;
        }
        Ok(LocalTestResult {
            k: p.k,
            k_max: p.k_max,
            seed: p.seed,
            degree: p.degree,
            samples,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn one(
        &self,
        i: usize,
        data: &LocalTestData<'_>,
        tree: &EuclideanKdTree,
        valid_u: &[bool],
        valid_c: Option<&[bool]>,
        k_first: usize,
        have_first: bool,
        w: &mut Work,
    ) -> LocalStats {
        let p = &self.p;
        let q: Vec<f64> = data.latent.row(i).to_vec();
        let mut kt = k_first;
        let (mut nu, mut nc);
        // `have_first`: w.nbrs already holds the k_first nearest
        let mut search = !have_first;
        loop {
            if search {
                tree.nearest_into(&q, kt, &mut w.search, &mut w.nbrs);
            }
            search = true;
            nu = 0;
            nc = 0;
            for nb in &w.nbrs {
                let row = data.train[nb.index];
                if nu < p.k && valid_u[row] {
                    nu += 1;
                }
                if let Some(vc) = valid_c
                    && nc < p.k
                    && vc[row]
                {
                    nc += 1;
                }
            }
            let enough = nu == p.k && (valid_c.is_none() || nc == p.k);
            if enough || kt >= p.k_max {
                break;
            }
            kt = (kt * 2).min(p.k_max);
        }

        // One random stream per galaxy and statistic family: results do not depend on the
        // order in which galaxies are processed.
        let stream = |j: u64| {
            let mut r = ChaCha8Rng::seed_from_u64(p.seed);
            r.set_stream(2 * i as u64 + j);
            r
        };
        let mut out = LocalStats::default();

        // Unconditional.
        w.y.clear();
        w.x.clear();
        for nb in &w.nbrs {
            let row = data.train[nb.index];
            if valid_u[row] {
                w.y.push(data.y[row]);
                w.x.push(data.query[row]);
                if w.y.len() == p.k {
                    break;
                }
            }
        }
        out.n_used = w.y.len();
        if out.n_used >= p.min_neighbours {
            let (c, cp, pe) = tests::triple(&w.y, &w.x, p.degree, &mut stream(0), &mut w.stats);
            out.corr = c;
            out.corr_perm = cp;
            out.pe = pe;
        }

        // Conditional.
        if let (Some(vc), Some(cond)) = (valid_c, data.cond) {
            w.y.clear();
            w.x.clear();
            w.c.clear();
            for nb in &w.nbrs {
                let row = data.train[nb.index];
                if vc[row] {
                    w.y.push(data.y[row]);
                    w.x.push(data.query[row]);
                    w.c.push(cond[row]);
                    if w.y.len() == p.k {
                        break;
                    }
                }
            }
            out.n_used_cond = w.y.len();
            if out.n_used_cond >= p.min_neighbours {
                let (dy, dx) =
                    tests::residualize_on(&mut w.y, &mut w.x, &w.c, p.degree, &mut w.stats);
                let (c, cp, pe) = tests::triple(&w.y, &w.x, p.degree, &mut stream(1), &mut w.stats);
                if !(dy || dx) {
                    out.corr_cond = c;
                    out.corr_perm_cond = cp;
                    out.pe_cond = pe;
                }
            }
        }
        out
    }
}
