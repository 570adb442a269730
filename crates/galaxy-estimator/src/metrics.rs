//! Metrics of point estimates and densities: bias, sigma_MAD, outlier fraction, CRPS.

use crate::config::Binning;
use crate::error::{EstimatorError, Result};
use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

/// Metrics of Delta = estimate - truth.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointMetrics {
    /// Number of galaxies.
    pub n: usize,
    /// mean(Delta).
    pub bias: f64,
    /// 1.4826 x median |Delta - median(Delta)|.
    pub sigma_mad: f64,
    /// Share of galaxies with |Delta| > 3 sigma_MAD.
    pub outlier_fraction: f64,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn check_pair(est: ArrayView1<f64>, truth: ArrayView1<f64>) -> Result<()> {
    if est.len() != truth.len() {
        return Err(EstimatorError::LengthMismatch {
            what: "truth",
            expected: est.len(),
            got: truth.len(),
        });
    }
    if est.is_empty() {
        return Err(EstimatorError::Shape {
            what: "estimate",
            expected: "at least one value".into(),
            got: vec![0],
        });
    }
    for (what, a) in [("estimate", est), ("truth", truth)] {
        if let Some((i, _)) = a.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(EstimatorError::NonFinite { what, index: i });
        }
    }
    Ok(())
}

/// Bias, sigma_MAD and outlier fraction of point estimates against the truth.
pub fn point_metrics(estimate: ArrayView1<f64>, truth: ArrayView1<f64>) -> Result<PointMetrics> {
    check_pair(estimate, truth)?;
    let d: Vec<f64> = estimate.iter().zip(truth).map(|(e, t)| e - t).collect();
    let n = d.len();
    let bias = d.iter().sum::<f64>() / n as f64;
    let mut tmp = d.clone();
    let med = median(&mut tmp);
    let mut dev: Vec<f64> = d.iter().map(|x| (x - med).abs()).collect();
    let sigma_mad = 1.4826 * median(&mut dev);
    let outliers = d.iter().filter(|x| x.abs() > 3.0 * sigma_mad).count();
    Ok(PointMetrics {
        n,
        bias,
        sigma_mad,
        outlier_fraction: outliers as f64 / n as f64,
    })
}

/// CRPS = mean over galaxies of sum_k (CDF_pred,k - CDF_true,k)^2 x bin width, with the true CDF
/// a step at the true bin (truth clipped to the end bins).
pub fn crps(prob: ArrayView2<f32>, truth: ArrayView1<f64>, bins: &Binning) -> Result<f64> {
    if prob.ncols() != bins.n_bins {
        return Err(EstimatorError::Shape {
            what: "prob",
            expected: format!("N x {}", bins.n_bins),
            got: prob.shape().to_vec(),
        });
    }
    if prob.nrows() != truth.len() {
        return Err(EstimatorError::LengthMismatch {
            what: "truth",
            expected: prob.nrows(),
            got: truth.len(),
        });
    }
    if prob.nrows() == 0 {
        return Err(EstimatorError::Shape {
            what: "prob",
            expected: "at least one row".into(),
            got: vec![0, bins.n_bins],
        });
    }
    if let Some((i, _)) = truth.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(EstimatorError::NonFinite {
            what: "truth",
            index: i,
        });
    }
    let w = bins.width();
    let mut total = 0.0;
    for (row, &t) in prob.outer_iter().zip(truth) {
        let kt = bins.index(t);
        let mut cdf = 0.0f64;
        let mut s = 0.0;
        for (k, &p) in row.iter().enumerate() {
            cdf += p as f64;
            let step = if k >= kt { 1.0 } else { 0.0 };
            s += (cdf - step).powi(2);
        }
        total += s * w;
    }
    Ok(total / prob.nrows() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr1, arr2};

    #[test]
    fn point_metrics_hand_computed() {
        let truth = arr1(&[0.0, 0.0, 0.0, 0.0, 0.0]);
        let est = arr1(&[0.1, -0.1, 0.2, 0.0, 2.0]);
        let m = point_metrics(est.view(), truth.view()).unwrap();
        assert!((m.bias - 0.44).abs() < 1e-12);
        // median Delta = 0.1; |Delta - 0.1| = 0, 0.2, 0.1, 0.1, 1.9 -> median 0.1
        assert!((m.sigma_mad - 0.14826).abs() < 1e-12);
        // |Delta| > 0.44478: only 2.0
        assert!((m.outlier_fraction - 0.2).abs() < 1e-12);
        assert!(point_metrics(est.view(), arr1(&[0.0]).view()).is_err());
    }

    #[test]
    fn crps_hand_computed() {
        let b = Binning {
            n_bins: 4,
            lo: 0.0,
            hi: 4.0,
        };
        // truth in bin 1: true CDF [0, 1, 1, 1]; prediction all in bin 2: CDF [0, 0, 1, 1] -> 1 x width 1
        let p = arr2(&[[0.0f32, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0]]);
        let c = crps(p.view(), arr1(&[1.5, 1.5]).view(), &b).unwrap();
        assert!((c - 0.5).abs() < 1e-12);
        // uniform prediction, truth in bin 0: CDF .25 .5 .75 1 vs 1 1 1 1 -> .5625+.25+.0625 = .875
        let p = arr2(&[[0.25f32, 0.25, 0.25, 0.25]]);
        let c = crps(p.view(), arr1(&[0.2]).view(), &b).unwrap();
        assert!((c - 0.875).abs() < 1e-7);
    }
}
