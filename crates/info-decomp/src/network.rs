//! The network-based decomposition of the study (METHOD.md section 6).
//!
//! Inputs, per sample: the target value `y` (log M*) and, for each of the three density models
//! (trained on X1, on X2 and on X1 union X2), the cross-entropy of the true bin
//! `CE_k = -ln(q_k(b_n | x_n) + 1e-20)` (or the log-probability `ln q_k`, its negative).
//!
//! 1. Prior: the histogram of `y` over **all** samples given, in the same bins as the models
//!    ([`Bins`], by default 520 bins on [6.0, 12.5), values outside clipped to the end bins);
//!    `h_n = -ln p(b_n)`.
//! 2. Local mutual information `i_k(n) = h_n - CE_k(n)` (nats; negative = misinformation).
//! 3. Pointwise minimum decomposition: `Red = min(i1, i2)`, `Unq1 = i1 - Red`, `Unq2 = i2 - Red`,
//!    `Syn = i12 - max(i1, i2)`; the four parts sum to `i12` and at least one unique part is 0.
//!
//! Restricting to a split or grouping by class is done afterwards with [`crate::aggregate`],
//! so that the prior always uses every sample.
//!
//! ```
//! use info_decomp::network::{Bins, NetworkParams};
//! let bins = Bins::new(0.0, 4.0, 4).unwrap(); // bins [0,1) [1,2) [2,3) [3,4)
//! let net = NetworkParams::new().bins(bins).check().unwrap();
//! let y = [0.5, 0.5, 1.5, 2.5];                 // prior: 1/2, 1/4, 1/4, 0
//! let ln2 = std::f64::consts::LN_2;
//! let ce1 = [ln2, ln2, ln2, ln2];                // q1(true bin) = 1/2
//! let ce2 = [0.0, 0.0, 2.0 * ln2, 2.0 * ln2];    // q2 = 1, 1, 1/4, 1/4
//! let ce12 = [0.0; 4];
//! let d = net.decompose(&y, &ce1, &ce2, &ce12).unwrap();
//! // sample 2: h = ln 4, i1 = ln 2, i2 = 0, i12 = ln 4
//! assert!((d.local.redundancy[2] - 0.0).abs() < 1e-12);
//! assert!((d.local.unique1[2] - ln2).abs() < 1e-12);
//! assert!((d.local.synergy[2] - ln2).abs() < 1e-12);
//! ```

use serde::{Deserialize, Serialize};

use crate::error::InfoError;
use crate::pid::{Atoms, LocalAtoms};
use crate::validate::check_finite_slice;

/// Uniform bins on `[lo, hi)`; values outside are clipped to the first / last bin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bins {
    lo: f64,
    hi: f64,
    n: usize,
}

impl Bins {
    /// `n` uniform bins on `[lo, hi)`.
    pub fn new(lo: f64, hi: f64, n: usize) -> Result<Self, InfoError> {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) || n == 0 {
            return Err(InfoError::InvalidParameter {
                name: "bins",
                reason: format!("need finite lo < hi and n >= 1, got [{lo}, {hi}) with {n} bins"),
            });
        }
        Ok(Self { lo, hi, n })
    }

    /// The study's target binning: 520 bins on [6.0, 12.5) (0.0125 dex).
    pub fn paper() -> Self {
        Self {
            lo: 6.0,
            hi: 12.5,
            n: 520,
        }
    }

    /// Number of bins.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false (at least one bin).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Lower edge.
    pub fn lo(&self) -> f64 {
        self.lo
    }

    /// Upper edge.
    pub fn hi(&self) -> f64 {
        self.hi
    }

    /// Bin width.
    pub fn width(&self) -> f64 {
        (self.hi - self.lo) / self.n as f64
    }

    /// Bin of `v`, clipped to `0..n` (finite `v`).
    pub fn index_clipped(&self, v: f64) -> usize {
        let f = ((v - self.lo) / self.width()).floor();
        if f < 0.0 {
            0
        } else {
            (f as usize).min(self.n - 1)
        }
    }

    /// Bin of `v` if `lo <= v < hi`, else `None`.
    pub fn index(&self, v: f64) -> Option<usize> {
        if v >= self.lo && v < self.hi {
            Some(self.index_clipped(v))
        } else {
            None
        }
    }

    /// Edges `[lo, hi)` of bin `b`.
    pub fn edges(&self, b: usize) -> (f64, f64) {
        let w = self.width();
        (self.lo + b as f64 * w, self.lo + (b + 1) as f64 * w)
    }
}

/// The prior histogram of the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prior {
    /// Samples per bin.
    pub counts: Vec<usize>,
    /// Probability per bin (`counts / N`).
    pub probs: Vec<f64>,
    /// Bin of every sample.
    pub bin: Vec<usize>,
    /// `h_n = -ln p(b_n)` per sample (nats).
    pub surprisal: Vec<f64>,
}

/// Parameters of the network-based decomposition (builder).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NetworkParams {
    bins: Option<Bins>,
}

impl NetworkParams {
    /// Defaults: [`Bins::paper`].
    pub fn new() -> Self {
        Self::default()
    }
    /// The target bins (must be the models' bins).
    pub fn bins(mut self, bins: Bins) -> Self {
        self.bins = Some(bins);
        self
    }
    /// Validate.
    pub fn check(&self) -> Result<NetworkDecomposer, InfoError> {
        let bins = self.bins.unwrap_or_else(Bins::paper);
        Bins::new(bins.lo, bins.hi, bins.n)?;
        Ok(NetworkDecomposer { bins })
    }
}

/// The validated decomposer.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkDecomposer {
    bins: Bins,
}

/// The decomposition of every sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkDecomposition {
    /// The prior over all samples.
    pub prior: Prior,
    /// Local atoms and local MIs (`i1`, `i2`, `total` = `i12`), nats.
    pub local: LocalAtoms,
    /// Their means over all samples (use [`crate::aggregate`] for splits and groups).
    pub atoms: Atoms,
}

impl NetworkDecomposer {
    /// The bins.
    pub fn bins(&self) -> Bins {
        self.bins
    }

    /// Prior histogram of `y` over all samples.
    pub fn prior(&self, y: &[f64]) -> Result<Prior, InfoError> {
        if y.is_empty() {
            return Err(InfoError::TooFewSamples {
                what: "the prior histogram".into(),
                n: 0,
                needed: 1,
            });
        }
        check_finite_slice("y", y)?;
        let mut counts = vec![0usize; self.bins.n];
        let bin: Vec<usize> = y.iter().map(|&v| self.bins.index_clipped(v)).collect();
        for &b in &bin {
            counts[b] += 1;
        }
        let n = y.len() as f64;
        let probs: Vec<f64> = counts.iter().map(|&c| c as f64 / n).collect();
        let surprisal = bin.iter().map(|&b| -probs[b].ln()).collect();
        Ok(Prior {
            counts,
            probs,
            bin,
            surprisal,
        })
    }

    /// Decompose from the cross-entropies `-ln(q_k(true bin) + 1e-20)` of the three models.
    ///
    /// Errors: mismatched lengths, non-finite values, a negative cross-entropy (below -1e-9).
    pub fn decompose(
        &self,
        y: &[f64],
        ce1: &[f64],
        ce2: &[f64],
        ce12: &[f64],
    ) -> Result<NetworkDecomposition, InfoError> {
        for (name, v) in [("ce1", ce1), ("ce2", ce2), ("ce12", ce12)] {
            if v.len() != y.len() {
                return Err(InfoError::LengthMismatch {
                    left: "y".into(),
                    left_len: y.len(),
                    right: name.into(),
                    right_len: v.len(),
                });
            }
            check_finite_slice(name, v)?;
            if let Some(row) = v.iter().position(|&c| c < -1e-9) {
                return Err(InfoError::InvalidParameter {
                    name: "cross_entropy",
                    reason: format!(
                        "`{name}` is negative ({}) at row {row}: not -ln of a probability",
                        v[row]
                    ),
                });
            }
        }
        let prior = self.prior(y)?;
        let n = y.len();
        let (mut i1, mut i2, mut i12) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut red, mut u1, mut u2, mut syn) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for s in 0..n {
            let h = prior.surprisal[s];
            let (a, b, c) = (h - ce1[s], h - ce2[s], h - ce12[s]);
            let r = a.min(b);
            i1.push(a);
            i2.push(b);
            i12.push(c);
            red.push(r);
            u1.push(a - r);
            u2.push(b - r);
            syn.push(c - a.max(b));
        }
        let local = LocalAtoms {
            redundancy: red,
            unique1: u1,
            unique2: u2,
            synergy: syn,
            i1,
            i2,
            total: i12,
        };
        let atoms = local.mean();
        Ok(NetworkDecomposition {
            prior,
            local,
            atoms,
        })
    }

    /// Decompose from the log-probabilities `ln q_k(true bin)` (the negatives of the
    /// cross-entropies).
    pub fn decompose_log_probs(
        &self,
        y: &[f64],
        lp1: &[f64],
        lp2: &[f64],
        lp12: &[f64],
    ) -> Result<NetworkDecomposition, InfoError> {
        let neg = |v: &[f64]| v.iter().map(|x| -x).collect::<Vec<f64>>();
        self.decompose(y, &neg(lp1), &neg(lp2), &neg(lp12))
    }
}
