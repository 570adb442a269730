//! Loss terms of METHOD.md section 4, on tensors (any device, differentiable).

use candle_core::{D, Result, Tensor};
use candle_nn::ops::{log_softmax, softmax_last_dim};

/// Mean softmax cross-entropy of `logits` (B x K) against class indices `labels` (B, u32).
pub fn cross_entropy(logits: &Tensor, labels: &Tensor) -> Result<Tensor> {
    let lp = log_softmax(logits, D::Minus1)?;
    lp.gather(&labels.unsqueeze(1)?, 1)?.mean_all()?.neg()
}

/// Mean over rows of -sum_k p_k log softmax(logits)_k, with `p` a probability matrix (B x K).
pub fn soft_cross_entropy(p: &Tensor, logits: &Tensor) -> Result<Tensor> {
    let lp = log_softmax(logits, D::Minus1)?;
    (p * lp)?.sum(1)?.mean_all()?.neg()
}

/// SymCE(a, b) = CE(stopgrad(softmax a), b) + CE(stopgrad(softmax b), a).
pub fn sym_ce(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let pa = softmax_last_dim(a)?.detach();
    let pb = softmax_last_dim(b)?.detach();
    soft_cross_entropy(&pa, b)? + soft_cross_entropy(&pb, a)?
}

/// Mean squared error over all elements.
pub fn mse(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    (x - y)?.sqr()?.mean_all()
}

/// Small constant inside the square root of the RMS distance, so that identical latents have a
/// finite gradient (d = sqrt(mean_j (u_j - v_j)^2 + RMS_EPS)).
pub const RMS_EPS: f64 = 1e-12;

/// Row-wise RMS distance d(u, v) = sqrt(mean_j (u_j - v_j)^2) of two B x S matrices -> (B).
pub fn rms_distance(u: &Tensor, v: &Tensor) -> Result<Tensor> {
    ((u - v)?.sqr()?.mean(1)? + RMS_EPS)?.sqrt()
}

/// softplus(x) = ln(1 + e^x), computed stably as max(x, 0) + ln(1 + e^{-|x|}).
pub fn softplus(x: &Tensor) -> Result<Tensor> {
    x.relu()? + (x.abs()?.neg()?.exp()? + 1.0)?.log()?
}

/// Latent contrast softplus(D_pos - D_neg): `positives` are pairs of S matrices whose rows are
/// positive pairs (all distances pooled into one mean), `negative` the pair (latent1_A, latent1_B).
pub fn latent_contrast(
    positives: &[(Tensor, Tensor)],
    negative: (&Tensor, &Tensor),
) -> Result<Tensor> {
    let d: Vec<Tensor> = positives
        .iter()
        .map(|(u, v)| rms_distance(u, v))
        .collect::<Result<_>>()?;
    let d_pos = Tensor::cat(&d, 0)?.mean_all()?;
    let d_neg = rms_distance(negative.0, negative.1)?.mean_all()?;
    softplus(&(d_pos - d_neg)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    fn t2(v: &[f64], r: usize, c: usize) -> Tensor {
        Tensor::from_vec(v.to_vec(), (r, c), &Device::Cpu).unwrap()
    }
    fn s(t: &Tensor) -> f64 {
        t.to_scalar::<f64>().unwrap()
    }

    #[test]
    fn cross_entropy_hand_computed() {
        // logits [0, ln 3] -> softmax [1/4, 3/4]; label 1 -> -ln(3/4); row 2: [0,0] label 0 -> ln 2.
        let l = t2(&[0.0, 3f64.ln(), 0.0, 0.0], 2, 2);
        let y = Tensor::new(&[1u32, 0], &Device::Cpu).unwrap();
        let want = (-(0.75f64).ln() + 2f64.ln()) / 2.0;
        assert!((s(&cross_entropy(&l, &y).unwrap()) - want).abs() < 1e-12);
        // soft version with one-hot p equals the hard one
        let p = t2(&[0.0, 1.0, 1.0, 0.0], 2, 2);
        assert!((s(&soft_cross_entropy(&p, &l).unwrap()) - want).abs() < 1e-12);
    }

    #[test]
    fn sym_ce_hand_computed_and_stops_gradients() {
        // a = [0, ln 3] -> pa = [1/4, 3/4]; b = [0, 0] -> pb = [1/2, 1/2].
        // CE(pa, b) = ln 2; CE(pb, a) = -(1/2 ln 1/4 + 1/2 ln 3/4).
        let a = Var::from_tensor(&t2(&[0.0, 3f64.ln()], 1, 2)).unwrap();
        let b = Var::from_tensor(&t2(&[0.0, 0.0], 1, 2)).unwrap();
        let v = sym_ce(a.as_tensor(), b.as_tensor()).unwrap();
        let want = 2f64.ln() - 0.5 * (0.25f64.ln() + 0.75f64.ln());
        assert!((s(&v) - want).abs() < 1e-12);
        // gradient w.r.t. a flows only through log_softmax(a) (target pb is constant):
        // d/da CE(pb, a) = softmax(a) - pb = [1/4 - 1/2, 3/4 - 1/2].
        let g = v.backward().unwrap();
        let ga = g
            .get(a.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        assert!(
            (ga[0] + 0.25).abs() < 1e-12 && (ga[1] - 0.25).abs() < 1e-12,
            "{ga:?}"
        );
        // and w.r.t. b: softmax(b) - pa = [1/2 - 1/4, 1/2 - 3/4]
        let gb = g
            .get(b.as_tensor())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        assert!(
            (gb[0] - 0.25).abs() < 1e-12 && (gb[1] + 0.25).abs() < 1e-12,
            "{gb:?}"
        );
    }

    #[test]
    fn mse_and_rms_distance_hand_computed() {
        let x = t2(&[1.0, 2.0, 3.0, 4.0], 2, 2);
        let y = t2(&[1.0, 0.0, 0.0, 4.0], 2, 2);
        // squared errors 0, 4, 9, 0 -> mean 13/4
        assert!((s(&mse(&x, &y).unwrap()) - 3.25).abs() < 1e-12);
        // rows: sqrt((0+4)/2) = sqrt 2, sqrt((9+0)/2) = sqrt 4.5
        let d = rms_distance(&x, &y).unwrap().to_vec1::<f64>().unwrap();
        assert!((d[0] - 2f64.sqrt()).abs() < 1e-9 && (d[1] - 4.5f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn latent_contrast_hand_computed() {
        // positives: two pairs of one row each, distances 1 and 3 -> D_pos = 2.
        // negative: distance 0.5 -> term = softplus(1.5) = ln(1 + e^1.5).
        let z = t2(&[0.0, 0.0], 1, 2);
        let p1 = t2(&[1.0, 1.0], 1, 2);
        let p2 = t2(&[3.0, -3.0], 1, 2);
        let n = t2(&[0.5, 0.5], 1, 2);
        let v = latent_contrast(&[(z.clone(), p1), (z.clone(), p2)], (&z, &n)).unwrap();
        assert!((s(&v) - (1.0 + 1.5f64.exp()).ln()).abs() < 1e-9);
        // softplus is stable for large arguments
        let big = t2(&[800.0, -800.0], 1, 2);
        let sp = softplus(&big)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        assert!((sp[0] - 800.0).abs() < 1e-9 && sp[1] >= 0.0 && sp[1] < 1e-300);
    }
}
