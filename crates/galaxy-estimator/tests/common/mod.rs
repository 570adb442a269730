//! Synthetic galaxies whose mass is a known function of the images.
#![allow(dead_code)]

use galaxy_estimator::config::{InputSpec, Mode, ModelConfig, Preset, TrainConfig};
use ndarray::{Array1, Array2, Array4};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` galaxies, `c` bands, `size` x `size` pixels: a Gaussian blob of log-uniform amplitude A,
/// radius r and colour k; mass = 7 + log10(A) + 0.5 k (+ nothing else), additional input = r.
pub fn synthetic(
    n: usize,
    c: usize,
    size: usize,
    seed: u64,
) -> (Array4<f32>, Array2<f32>, Array1<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Array4::<f32>::zeros((n, c, size, size));
    let mut add = Array2::<f32>::zeros((n, 1));
    let mut y = Array1::<f64>::zeros(n);
    let mid = (size as f64 - 1.0) / 2.0;
    for i in 0..n {
        let la: f64 = rng.random_range(0.0..2.0);
        let r: f64 = rng.random_range(1.5..4.0);
        let k: f64 = rng.random_range(-1.0..1.0);
        let (cx, cy): (f64, f64) = (
            mid + rng.random_range(-1.0..1.0),
            mid + rng.random_range(-1.0..1.0),
        );
        for b in 0..c {
            let scale = 10f64.powf(la) * (k * (b as f64 - (c as f64 - 1.0) / 2.0) * 0.4).exp();
            for p in 0..size {
                for q in 0..size {
                    let d2 = (p as f64 - cy).powi(2) + (q as f64 - cx).powi(2);
                    let v = scale * (-d2 / (2.0 * r * r)).exp() + rng.random_range(-0.05..0.05);
                    x[(i, b, p, q)] = v as f32;
                }
            }
        }
        add[(i, 0)] = r as f32;
        y[i] = 7.0 + la + 0.5 * k;
    }
    (x, add, y)
}

/// Standard deviation.
pub fn std(v: &Array1<f64>) -> f64 {
    let m = v.mean().unwrap();
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

/// The `small` design on `channels`-band 16x16 images with `additional` catalog inputs.
pub fn small_images(channels: usize, additional: usize, mode: Mode) -> ModelConfig {
    ModelConfig::preset(
        Preset::Small,
        InputSpec::Images {
            channels,
            height: 16,
            width: 16,
        },
        additional,
        mode,
    )
}

/// Short `small` density training of an image model: batch 32, no progress bar, the learning
/// rate divided at two thirds of the run.
pub fn quick_train(steps: usize, seed: u64) -> TrainConfig {
    let mut t = TrainConfig::preset(Preset::Small, Mode::Density, true);
    t.steps = steps;
    t.batch_size = 32;
    t.progress = false;
    t.seed = seed;
    t.lr_decay_steps = vec![steps * 2 / 3];
    t
}
