//! Summaries of the per-galaxy local statistics by group (class, split, ...): distributions
//! and the comparison of the correlations with their permuted null.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::LocalTestError;
use super::tests::LocalStats;

/// Quantiles (linear interpolation between order statistics, numpy's default) and the mean
/// of the defined values of one statistic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Number of galaxies where the statistic is defined.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// 5th percentile.
    pub p05: f64,
    /// 16th percentile.
    pub p16: f64,
    /// Median.
    pub p50: f64,
    /// 84th percentile.
    pub p84: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// Quantile `q` in [0, 1] of sorted values (linear interpolation, numpy `method="linear"`).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

impl Distribution {
    /// Distribution of the given values; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let mut s = values.to_vec();
        s.sort_by(f64::total_cmp);
        let q = |p| quantile_sorted(&s, p).unwrap_or(f64::NAN);
        Some(Self {
            n: s.len(),
            mean: s.iter().sum::<f64>() / s.len() as f64,
            p05: q(0.05),
            p16: q(0.16),
            p50: q(0.5),
            p84: q(0.84),
            p95: q(0.95),
        })
    }
}

/// A correlation compared with its permuted null within a group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NullComparison {
    /// Median of |rho| over the group.
    pub median_abs: f64,
    /// Median of |rho_perm| over the group (the null).
    pub median_abs_null: f64,
    /// 95th percentile of |rho_perm| over the group.
    pub null_abs_p95: f64,
    /// Share of galaxies with |rho| above `null_abs_p95` (0.05 expected when S captures the link).
    pub share_beyond_null_p95: f64,
}

impl NullComparison {
    fn of(stat: &[f64], null: &[f64]) -> Option<Self> {
        if stat.is_empty() || null.is_empty() {
            return None;
        }
        let mut a: Vec<f64> = stat.iter().map(|v| v.abs()).collect();
        let mut b: Vec<f64> = null.iter().map(|v| v.abs()).collect();
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        let p95 = quantile_sorted(&b, 0.95)?;
        let beyond = a.iter().filter(|&&v| v > p95).count();
        Some(Self {
            median_abs: quantile_sorted(&a, 0.5)?,
            median_abs_null: quantile_sorted(&b, 0.5)?,
            null_abs_p95: p95,
            share_beyond_null_p95: beyond as f64 / a.len() as f64,
        })
    }
}

/// Summary of the six statistics over one group of galaxies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// Group label (`"all"` for the whole sample).
    pub group: String,
    /// Number of galaxies in the group.
    pub n_galaxies: usize,
    /// Distribution of `corr`.
    pub corr: Option<Distribution>,
    /// Distribution of `corr_perm`.
    pub corr_perm: Option<Distribution>,
    /// Distribution of `pe`.
    pub pe: Option<Distribution>,
    /// Distribution of `corr_cond`.
    pub corr_cond: Option<Distribution>,
    /// Distribution of `corr_perm_cond`.
    pub corr_perm_cond: Option<Distribution>,
    /// Distribution of `pe_cond`.
    pub pe_cond: Option<Distribution>,
    /// `corr` against its permuted null.
    pub corr_vs_null: Option<NullComparison>,
    /// `corr_cond` against its permuted null.
    pub corr_cond_vs_null: Option<NullComparison>,
}

fn collect(samples: &[&LocalStats], f: impl Fn(&LocalStats) -> Option<f64>) -> Vec<f64> {
    samples.iter().filter_map(|s| f(s)).collect()
}

/// Summary of one group of samples.
pub fn summarize_group(group: &str, samples: &[&LocalStats]) -> GroupSummary {
    let corr = collect(samples, |s| s.corr);
    let corr_perm = collect(samples, |s| s.corr_perm);
    let corr_cond = collect(samples, |s| s.corr_cond);
    let corr_perm_cond = collect(samples, |s| s.corr_perm_cond);
    GroupSummary {
        group: group.to_string(),
        n_galaxies: samples.len(),
        corr: Distribution::of(&corr),
        corr_perm: Distribution::of(&corr_perm),
        pe: Distribution::of(&collect(samples, |s| s.pe)),
        corr_cond: Distribution::of(&corr_cond),
        corr_perm_cond: Distribution::of(&corr_perm_cond),
        pe_cond: Distribution::of(&collect(samples, |s| s.pe_cond)),
        corr_vs_null: NullComparison::of(&corr, &corr_perm),
        corr_cond_vs_null: NullComparison::of(&corr_cond, &corr_perm_cond),
    }
}

/// Summaries per distinct label (sorted by label), preceded by the group `"all"`.
///
/// `labels[i]` is the group of sample `i` (e.g. `"test/star-forming"`).
pub fn summarize_by<L: AsRef<str>>(
    samples: &[LocalStats],
    labels: &[L],
) -> Result<Vec<GroupSummary>, LocalTestError> {
    if labels.len() != samples.len() {
        return Err(LocalTestError::LengthMismatch {
            name: "labels",
            got: labels.len(),
            expected: samples.len(),
        });
    }
    let mut groups: BTreeMap<&str, Vec<&LocalStats>> = BTreeMap::new();
    for (s, l) in samples.iter().zip(labels) {
        groups.entry(l.as_ref()).or_default().push(s);
    }
    let all: Vec<&LocalStats> = samples.iter().collect();
    let mut out = vec![summarize_group("all", &all)];
    out.extend(groups.iter().map(|(g, v)| summarize_group(g, v)));
    Ok(out)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.05, 0.16, 0.5, 0.84, 0.95]) =
        // [1.2, 1.64, 3.0, 6.16, 8.8]
        let d = Distribution::of(&[10.0, 2.0, 4.0, 1.0, 3.0]).unwrap();
        assert!((d.p05 - 1.2).abs() < 1e-12);
        assert!((d.p16 - 1.64).abs() < 1e-12);
        assert!((d.p50 - 3.0).abs() < 1e-12);
        assert!((d.p84 - 6.16).abs() < 1e-12);
        assert!((d.p95 - 8.8).abs() < 1e-12);
        assert!((d.mean - 4.0).abs() < 1e-12);
        assert!(Distribution::of(&[]).is_none());
    }

    #[test]
    fn groups_and_null_share() {
        let mk = |c: f64, p: f64| LocalStats {
            n_used: 10,
            corr: Some(c),
            corr_perm: Some(p),
            ..Default::default()
        };
        let samples: Vec<LocalStats> = (0..20)
            .map(|i| mk(if i < 10 { 0.9 } else { 0.01 }, (i as f64) / 100.0))
            .collect();
        let labels: Vec<String> = (0..20)
            .map(|i| if i < 10 { "b".into() } else { "a".into() })
            .collect();
        let s = summarize_by(&samples, &labels).unwrap();
        assert_eq!(
            s.iter().map(|g| g.group.as_str()).collect::<Vec<_>>(),
            vec!["all", "a", "b"]
        );
        let all = s[0].corr_vs_null.unwrap();
        // null |rho_perm| = 0.00..0.19: p95 = 0.1805; ten of twenty |rho| exceed it.
        assert!((all.null_abs_p95 - 0.1805).abs() < 1e-12);
        assert!((all.share_beyond_null_p95 - 0.5).abs() < 1e-12);
        assert_eq!(s[1].n_galaxies, 10);
        assert!(s[1].corr_cond.is_none());
        assert!(summarize_by(&samples, &labels[..3]).is_err());
    }
}
