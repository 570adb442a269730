//! Adam (Kingma & Ba) with bias correction; its state can be saved and restored exactly.

use candle_core::{Tensor, Var, backprop::GradStore};

/// Adam moments of one parameter list.
#[derive(Debug)]
pub(crate) struct Adam {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// Number of updates done so far.
    pub t: usize,
    pub m: Vec<Tensor>,
    pub v: Vec<Tensor>,
}

impl Adam {
    pub fn new(vars: &[&Var], beta1: f64, beta2: f64, eps: f64) -> candle_core::Result<Self> {
        let m = vars
            .iter()
            .map(|v| v.zeros_like())
            .collect::<candle_core::Result<Vec<_>>>()?;
        let v = vars
            .iter()
            .map(|v| v.zeros_like())
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(Adam {
            beta1,
            beta2,
            eps,
            t: 0,
            m,
            v,
        })
    }

    /// theta <- theta - lr * mhat / (sqrt(vhat) + eps).
    pub fn step(&mut self, vars: &[&Var], grads: &GradStore, lr: f64) -> candle_core::Result<()> {
        self.t += 1;
        let bc1 = 1.0 - self.beta1.powi(self.t as i32);
        let bc2 = 1.0 - self.beta2.powi(self.t as i32);
        for (i, var) in vars.iter().enumerate() {
            let Some(g) = grads.get(var.as_tensor()) else {
                continue;
            };
            let m = ((&self.m[i] * self.beta1)? + (g * (1.0 - self.beta1))?)?;
            let v = ((&self.v[i] * self.beta2)? + (g.sqr()? * (1.0 - self.beta2))?)?;
            let denom = ((&v / bc2)?.sqrt()? + self.eps)?;
            let upd = ((&m / bc1)? / denom)?;
            var.set(&(var.as_tensor() - (upd * lr)?)?)?;
            self.m[i] = m;
            self.v[i] = v;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn first_steps_match_hand_computation() {
        // f(x) = x^2 from x = 1: g1 = 2, m1 = 0.2, v1 = 0.004, mhat = 2, vhat = 4 -> x -= lr * 2/(2+eps).
        let x = Var::new(&[1.0f64], &Device::Cpu).unwrap();
        let mut adam = Adam::new(&[&x], 0.9, 0.999, 1e-8).unwrap();
        let g = x
            .as_tensor()
            .sqr()
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        adam.step(&[&x], &g, 0.1).unwrap();
        let x1 = x.as_tensor().to_vec1::<f64>().unwrap()[0];
        assert!((x1 - (1.0 - 0.1 * 2.0 / (2.0 + 1e-8))).abs() < 1e-12);
        // second step: g2 = 2 x1; m2 = 0.9*0.2 + 0.1 g2; v2 = 0.999*0.004 + 0.001 g2^2.
        let g = x
            .as_tensor()
            .sqr()
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        adam.step(&[&x], &g, 0.1).unwrap();
        let g2 = 2.0 * x1;
        let m2 = 0.9 * 0.2 + 0.1 * g2;
        let v2 = 0.999 * 0.004 + 0.001 * g2 * g2;
        let want = x1 - 0.1 * (m2 / (1.0 - 0.81)) / ((v2 / (1.0 - 0.999f64.powi(2))).sqrt() + 1e-8);
        let x2 = x.as_tensor().to_vec1::<f64>().unwrap()[0];
        assert!((x2 - want).abs() < 1e-12, "{x2} vs {want}");
    }
}
