#![allow(dead_code)]
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

pub fn normals(rng: &mut ChaCha8Rng, n: usize, d: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, d), |_| StandardNormal.sample(rng))
}

pub fn correlated(n: usize, rho: f64, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let mut r = rng(seed);
    let a = normals(&mut r, n, 1);
    let b = normals(&mut r, n, 1);
    let y = &a * rho + &b * (1.0 - rho * rho).sqrt();
    (a, y)
}

/// Y = B X + E, B = [[.5,.3,0],[0,.4,-.6]]: I = 0.5 ln det(I + B B^T) = 0.35214 nats
pub fn linear_system(n: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let mut r = rng(seed);
    let x = normals(&mut r, n, 3);
    let e = normals(&mut r, n, 2);
    let b = ndarray::array![[0.5, 0.3, 0.0], [0.0, 0.4, -0.6]];
    let y = x.dot(&b.t()) + e;
    (x, y)
}

pub const RHO06: f64 = 0.223_143_551_314_209_8;
pub fn linear_mi() -> f64 {
    0.5 * 2.0224f64.ln()
}
