//! Aggregation of local atoms by group (class, split) and in bins of any variable (the data
//! behind the study's stack plots), with seeded percentile-bootstrap confidence intervals.
//!
//! The bootstrap resamples the samples of a group (or bin) with replacement and recomputes the
//! mean of every atom; replicate `b` draws from a `ChaCha8Rng` seeded with the caller's seed on
//! stream `b`, so results do not depend on thread count.
//!
//! ```
//! use info_decomp::aggregate::{Bootstrap, by_group};
//! use info_decomp::pid::LocalAtoms;
//! let local = LocalAtoms::from_redundancy(vec![1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], &[2.0, 2.0, 4.0], &[3.0, 3.0, 5.0]);
//! let g = by_group(&local, &["a", "b", "a"], None, None).unwrap();
//! assert_eq!(g[0].group, "a");
//! assert_eq!(g[0].summary.n, 2);
//! assert_eq!(g[0].summary.mean.redundancy, 2.0);
//! ```

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::InfoError;
use crate::network::Bins;
use crate::pid::{Atoms, LocalAtoms};

/// Percentile-bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bootstrap {
    /// Number of replicates (>= 10).
    pub replicates: usize,
    /// Confidence level in (0, 1), e.g. 0.95.
    pub level: f64,
    /// Seed.
    pub seed: u64,
}

impl Bootstrap {
    /// `replicates` replicates at `level`, seeded.
    pub fn new(replicates: usize, level: f64, seed: u64) -> Result<Self, InfoError> {
        if replicates < 10 {
            return Err(InfoError::InvalidParameter {
                name: "replicates",
                reason: format!("need at least 10, got {replicates}"),
            });
        }
        if !(level > 0.0 && level < 1.0) {
            return Err(InfoError::InvalidParameter {
                name: "level",
                reason: format!("must lie in (0, 1), got {level}"),
            });
        }
        Ok(Self {
            replicates,
            level,
            seed,
        })
    }
}

/// A confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// Intervals for every atom.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AtomsInterval {
    /// Lower bounds.
    pub lo: Atoms,
    /// Upper bounds.
    pub hi: Atoms,
}

/// Mean atoms of a set of samples, with an optional bootstrap interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtomsSummary {
    /// Number of samples.
    pub n: usize,
    /// Mean atoms.
    pub mean: Atoms,
    /// Bootstrap interval, when asked for.
    pub ci: Option<AtomsInterval>,
}

/// One group's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// Group label.
    pub group: String,
    /// Its summary.
    pub summary: AtomsSummary,
}

/// One bin's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinSummary {
    /// Lower edge.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Centre.
    pub center: f64,
    /// Fewer samples than the `min_count` asked for (a sparse tail the plots leave out).
    pub sparse: bool,
    /// Its summary.
    pub summary: AtomsSummary,
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    let f = pos - i as f64;
    sorted[i] * (1.0 - f) + sorted[j] * f
}

/// Percentile-bootstrap interval of the mean of `values`.
pub fn mean_interval(values: &[f64], boot: &Bootstrap) -> Result<Interval, InfoError> {
    let m = vector_means_interval(values.len(), boot, |i| {
        [values[i], 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    })?;
    Ok(Interval {
        lo: m.lo.redundancy,
        hi: m.hi.redundancy,
    })
}

/// Bootstrap of the 7 means of `get(i)` over `n` samples.
fn vector_means_interval(
    n: usize,
    boot: &Bootstrap,
    get: impl Fn(usize) -> [f64; 7] + Sync,
) -> Result<AtomsInterval, InfoError> {
    if n == 0 {
        return Err(InfoError::TooFewSamples {
            what: "a bootstrap interval".into(),
            n,
            needed: 1,
        });
    }
    let reps: Vec<[f64; 7]> = (0..boot.replicates)
        .into_par_iter()
        .map(|b| {
            let mut rng = ChaCha8Rng::seed_from_u64(boot.seed);
            rng.set_stream(b as u64);
            let mut acc = [0.0f64; 7];
            for _ in 0..n {
                let v = get(rng.random_range(0..n));
                for (a, x) in acc.iter_mut().zip(v) {
                    *a += x;
                }
            }
            acc.map(|a| a / n as f64)
        })
        .collect();
    let alpha = (1.0 - boot.level) / 2.0;
    let mut lo = [0.0; 7];
    let mut hi = [0.0; 7];
    for f in 0..7 {
        let mut col: Vec<f64> = reps.iter().map(|r| r[f]).collect();
        col.sort_by(f64::total_cmp);
        lo[f] = percentile(&col, alpha);
        hi[f] = percentile(&col, 1.0 - alpha);
    }
    Ok(AtomsInterval {
        lo: Atoms::from_array(lo),
        hi: Atoms::from_array(hi),
    })
}

/// Mean atoms over `indices` with an optional bootstrap interval.
pub fn summarize(
    local: &LocalAtoms,
    indices: &[usize],
    boot: Option<&Bootstrap>,
) -> Result<AtomsSummary, InfoError> {
    if let Some(&bad) = indices.iter().find(|&&i| i >= local.len()) {
        return Err(InfoError::InvalidParameter {
            name: "indices",
            reason: format!("index {bad} out of range for {} samples", local.len()),
        });
    }
    let ci = match boot {
        Some(b) if !indices.is_empty() => Some(vector_means_interval(indices.len(), b, |i| {
            local.get(indices[i]).to_array()
        })?),
        _ => None,
    };
    Ok(AtomsSummary {
        n: indices.len(),
        mean: local.mean_over(indices),
        ci,
    })
}

fn check_len(name: &str, len: usize, local: &LocalAtoms) -> Result<(), InfoError> {
    if len != local.len() {
        return Err(InfoError::LengthMismatch {
            left: "local atoms".into(),
            left_len: local.len(),
            right: name.into(),
            right_len: len,
        });
    }
    Ok(())
}

/// Mean atoms per group label (groups sorted by label), over the samples where `mask` is true
/// (all when `None`).
pub fn by_group<S: AsRef<str>>(
    local: &LocalAtoms,
    groups: &[S],
    mask: Option<&[bool]>,
    boot: Option<&Bootstrap>,
) -> Result<Vec<GroupSummary>, InfoError> {
    check_len("groups", groups.len(), local)?;
    if let Some(m) = mask {
        check_len("mask", m.len(), local)?;
    }
    let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        if mask.is_none_or(|m| m[i]) {
            members.entry(g.as_ref().to_string()).or_default().push(i);
        }
    }
    members
        .into_iter()
        .map(|(group, idx)| {
            Ok(GroupSummary {
                group,
                summary: summarize(local, &idx, boot)?,
            })
        })
        .collect()
}

/// Mean atoms in the bins of `x` (samples with `x` outside the bins, or masked out, are left
/// out; empty bins are omitted; bins with fewer than `min_count` samples are flagged `sparse`).
pub fn by_bins(
    local: &LocalAtoms,
    x: &[f64],
    bins: &Bins,
    mask: Option<&[bool]>,
    min_count: usize,
    boot: Option<&Bootstrap>,
) -> Result<Vec<BinSummary>, InfoError> {
    check_len("x", x.len(), local)?;
    if let Some(m) = mask {
        check_len("mask", m.len(), local)?;
    }
    crate::validate::check_finite_slice("x", x)?;
    let mut members = vec![Vec::new(); bins.len()];
    for (i, &v) in x.iter().enumerate() {
        if let (true, Some(b)) = (mask.is_none_or(|m| m[i]), bins.index(v)) {
            members[b].push(i);
        }
    }
    members
        .into_iter()
        .enumerate()
        .filter(|(_, idx)| !idx.is_empty())
        .map(|(b, idx)| {
            let (lo, hi) = bins.edges(b);
            Ok(BinSummary {
                lo,
                hi,
                center: 0.5 * (lo + hi),
                sparse: idx.len() < min_count,
                summary: summarize(local, &idx, boot)?,
            })
        })
        .collect()
}
