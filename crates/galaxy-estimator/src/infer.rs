//! Batched inference in bounded memory: bin probabilities, mean / mode / median, latent S and the
//! cross-entropy of the true bin, -ln(q(true bin) + 1e-20).

use crate::config::Binning;
use crate::data::{Inputs, identity_transforms, validate_targets};
use crate::error::{EstimatorError, Result};
use crate::nn::Network;
use candle_nn::ops::softmax_last_dim;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, s};
use serde::{Deserialize, Serialize};

/// Options of [`predict`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PredictOptions {
    /// Galaxies per forward pass (bounds the memory of activations).
    pub batch_size: usize,
    /// Keep the N x bins probability matrix (otherwise only summaries are kept).
    pub keep_probabilities: bool,
}

impl Default for PredictOptions {
    fn default() -> Self {
        PredictOptions {
            batch_size: 256,
            keep_probabilities: true,
        }
    }
}

/// The outputs of a model for a set of galaxies.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Prediction {
    /// Bin probabilities N x bins (when kept).
    pub prob: Option<Array2<f32>>,
    /// Mean of the density (dex).
    pub mean: Array1<f64>,
    /// Centre of the most probable bin.
    pub mode: Array1<f64>,
    /// Median of the density (linear within the bin where the CDF crosses 1/2).
    pub median: Array1<f64>,
    /// The latent S, N x s_dim.
    pub s: Array2<f32>,
    /// -ln(q(true bin) + 1e-20) in nats (when targets are given).
    pub ce: Option<Array1<f64>>,
}

/// Point summaries of one probability row: (mean, mode, median).
pub fn summarize(p: ArrayView1<f32>, bins: &Binning) -> (f64, f64, f64) {
    let total: f64 = p.iter().map(|&v| v as f64).sum();
    let total = if total > 0.0 { total } else { 1.0 };
    let mut mean = 0.0;
    let mut best = 0;
    for (k, &v) in p.iter().enumerate() {
        mean += v as f64 / total * bins.center(k);
        if v > p[best] {
            best = k;
        }
    }
    let w = bins.width();
    let mut cdf = 0.0;
    let mut median = bins.hi;
    for (k, &v) in p.iter().enumerate() {
        let q = v as f64 / total;
        if cdf + q >= 0.5 && q > 0.0 {
            median = bins.lo + w * (k as f64 + (0.5 - cdf) / q);
            break;
        }
        cdf += q;
    }
    (mean, bins.center(best), median)
}

/// Runs the model over `rows` of `inputs` in batches, calling `f(offset, probabilities, S)` per batch.
pub fn for_each_batch(
    net: &Network,
    inputs: &Inputs,
    rows: &[usize],
    batch_size: usize,
    mut f: impl FnMut(usize, ArrayView2<f32>, ArrayView2<f32>) -> Result<()>,
) -> Result<()> {
    if batch_size == 0 {
        return Err(EstimatorError::config("batch_size", "must be positive"));
    }
    let cfg = net.config();
    let nb = cfg.bins.n_bins;
    for (c, chunk) in rows.chunks(batch_size).enumerate() {
        let tr = identity_transforms(chunk.len());
        let (x, a) = inputs.batch(chunk, Some(&tr), cfg.sign_log, net.device())?;
        let z = net.encode(&x, a.as_ref())?;
        let p = softmax_last_dim(&net.estimate(&z)?)?;
        let pv = p.flatten_all()?.to_vec1::<f32>()?;
        let sv = net
            .s_of(&z)?
            .contiguous()?
            .flatten_all()?
            .to_vec1::<f32>()?;
        let pa = ArrayView2::from_shape((chunk.len(), nb), &pv)
            .map_err(|e| EstimatorError::Device(e.to_string()))?;
        let sa = ArrayView2::from_shape((chunk.len(), cfg.s_dim), &sv)
            .map_err(|e| EstimatorError::Device(e.to_string()))?;
        f(c * batch_size, pa, sa)?;
    }
    Ok(())
}

/// Predicts every galaxy of `inputs` (targets optional, for the cross-entropy).
pub fn predict(
    net: &Network,
    inputs: &Inputs,
    targets: Option<ArrayView1<f64>>,
    opts: &PredictOptions,
) -> Result<Prediction> {
    crate::alloc::tune_allocator();
    inputs.validate(net.config())?;
    let n = inputs.len();
    if let Some(t) = targets {
        validate_targets(t, n)?;
    }
    let bins = net.config().bins;
    let mut prob = opts
        .keep_probabilities
        .then(|| Array2::<f32>::zeros((n, bins.n_bins)));
    let mut mean = Array1::zeros(n);
    let mut mode = Array1::zeros(n);
    let mut median = Array1::zeros(n);
    let mut s = Array2::zeros((n, net.config().s_dim));
    let mut ce = targets.map(|_| Array1::zeros(n));
    let rows: Vec<usize> = (0..n).collect();
    for_each_batch(net, inputs, &rows, opts.batch_size, |off, p, sv| {
        let b = p.nrows();
        if let Some(pr) = prob.as_mut() {
            pr.slice_mut(s![off..off + b, ..]).assign(&p);
        }
        s.slice_mut(s![off..off + b, ..]).assign(&sv);
        for r in 0..b {
            let (m, mo, me) = summarize(p.row(r), &bins);
            mean[off + r] = m;
            mode[off + r] = mo;
            median[off + r] = me;
            if let (Some(c), Some(t)) = (ce.as_mut(), targets) {
                c[off + r] = -((p[(r, bins.index(t[off + r]))] as f64) + 1e-20).ln();
            }
        }
        Ok(())
    })?;
    Ok(Prediction {
        prob,
        mean,
        mode,
        median,
        s,
        ce,
    })
}

/// Mean of -ln(q(true bin) + 1e-20) over `rows` (validation monitoring).
pub fn mean_cross_entropy(
    net: &Network,
    inputs: &Inputs,
    targets: ArrayView1<f64>,
    rows: &[usize],
    opts: &PredictOptions,
) -> Result<f64> {
    let bins = net.config().bins;
    let mut sum = 0.0;
    for_each_batch(net, inputs, rows, opts.batch_size, |off, p, _| {
        for r in 0..p.nrows() {
            let t = targets[rows[off + r]];
            sum -= ((p[(r, bins.index(t))] as f64) + 1e-20).ln();
        }
        Ok(())
    })?;
    Ok(sum / rows.len().max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr1;

    #[test]
    fn summaries_hand_computed() {
        // 4 bins on [0, 4): centres 0.5 1.5 2.5 3.5
        let b = Binning {
            n_bins: 4,
            lo: 0.0,
            hi: 4.0,
        };
        let p = arr1(&[0.1f32, 0.2, 0.6, 0.1]);
        let (mean, mode, median) = summarize(p.view(), &b);
        assert!((mean - (0.05 + 0.3 + 1.5 + 0.35)).abs() < 1e-6);
        assert_eq!(mode, 2.5);
        // CDF before bin 2 = 0.3; median = 2 + (0.5 - 0.3) / 0.6
        assert!((median - (2.0 + 0.2 / 0.6)).abs() < 1e-6);
    }
}
