//! D4 augmentation (rotations by k x 90 degrees, flips), the morphological augmentation of
//! contrastive positives, and the sign-log rescaling x -> sign(x) ln(1 + |x|).

use candle_core::Tensor;
use ndarray::{Array3, ArrayView3};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// An element of the dihedral group D4 acting on square images: first a counter-clockwise
/// rotation by `rot` x 90 degrees (numpy `rot90` convention), then, if `flip`, a left-right flip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct D4 {
    /// Quarter turns, 0..=3.
    pub rot: u8,
    /// Left-right flip after the rotation.
    pub flip: bool,
}

impl D4 {
    /// The identity.
    pub const IDENTITY: D4 = D4 {
        rot: 0,
        flip: false,
    };

    /// Training-time augmentation: k uniform in 0..=3, then a flip with probability 1/2.
    pub fn random<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let rot = rng.random_range(0..4u8);
        let flip = rng.random_bool(0.5);
        D4 { rot, flip }
    }

    /// Morphological augmentation, never the identity: rotation by 90/180/270 each with
    /// probability 1/4; without rotation a forced flip, otherwise a flip with probability 1/2.
    pub fn random_non_identity<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let rot = rng.random_range(0..4u8);
        let flip = if rot == 0 { true } else { rng.random_bool(0.5) };
        D4 { rot, flip }
    }

    /// The source pixel (row, column) that output pixel (i, j) of an n x n image reads.
    #[inline]
    pub fn source(&self, i: usize, j: usize, n: usize) -> (usize, usize) {
        let (mut i, mut j) = (i, if self.flip { n - 1 - j } else { j });
        // rot90 (counter-clockwise): out[i][j] = in[j][n - 1 - i]
        for _ in 0..self.rot {
            let t = i;
            i = j;
            j = n - 1 - t;
        }
        (i, j)
    }

    /// `self` applied after `first`.
    pub fn after(&self, first: D4) -> ComposedD4 {
        ComposedD4 {
            first,
            second: *self,
        }
    }

    /// Applies the transform to one C x H x W image (H must equal W unless the transform is
    /// the identity or a half turn without flip... any non-square image is rejected).
    pub fn apply(&self, img: ArrayView3<f32>) -> Option<Array3<f32>> {
        let (c, h, w) = img.dim();
        if h != w {
            return None;
        }
        Some(Array3::from_shape_fn((c, h, w), |(k, i, j)| {
            let (si, sj) = self.source(i, j, h);
            img[(k, si, sj)]
        }))
    }
}

/// Two D4 transforms applied in sequence (as used for morphologically augmented positives).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComposedD4 {
    /// Applied first.
    pub first: D4,
    /// Applied second.
    pub second: D4,
}

impl ComposedD4 {
    /// Source pixel of output pixel (i, j).
    #[inline]
    pub fn source(&self, i: usize, j: usize, n: usize) -> (usize, usize) {
        let (a, b) = self.second.source(i, j, n);
        self.first.source(a, b, n)
    }
}

/// x -> sign(x) ln(1 + |x|) on one value.
#[inline]
pub fn sign_log(x: f32) -> f32 {
    x.signum() * x.abs().ln_1p()
}

/// x -> sign(x) ln(1 + |x|) on a tensor (any device, differentiable).
pub fn sign_log_tensor(x: &Tensor) -> candle_core::Result<Tensor> {
    x.sign()?.mul(&(x.abs()? + 1.0)?.log()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;
    use ndarray::Array3;
    use rand::SeedableRng;

    fn img() -> Array3<f32> {
        // 1 x 3 x 3: values 0..9 row-major
        Array3::from_shape_fn((1, 3, 3), |(_, i, j)| (3 * i + j) as f32)
    }

    #[test]
    fn rot90_matches_numpy_convention() {
        // np.rot90([[0,1,2],[3,4,5],[6,7,8]]) = [[2,5,8],[1,4,7],[0,3,6]]
        let r = D4 {
            rot: 1,
            flip: false,
        }
        .apply(img().view())
        .unwrap();
        assert_eq!(
            r.iter().copied().collect::<Vec<_>>(),
            vec![2., 5., 8., 1., 4., 7., 0., 3., 6.]
        );
        // then a left-right flip: [[8,5,2],[7,4,1],[6,3,0]]
        let r = D4 { rot: 1, flip: true }.apply(img().view()).unwrap();
        assert_eq!(
            r.iter().copied().collect::<Vec<_>>(),
            vec![8., 5., 2., 7., 4., 1., 6., 3., 0.]
        );
    }

    #[test]
    fn the_eight_elements_are_distinct_and_composition_works() {
        let mut seen = std::collections::HashSet::new();
        for rot in 0..4 {
            for flip in [false, true] {
                let t = D4 { rot, flip };
                let out = t.apply(img().view()).unwrap();
                seen.insert(out.iter().map(|v| *v as i32).collect::<Vec<_>>());
                // composition = applying twice
                let u = D4 { rot: 3, flip: true };
                let twice = u.apply(out.view()).unwrap();
                let comp = u.after(t);
                let direct = Array3::from_shape_fn((1, 3, 3), |(_, i, j)| {
                    let (a, b) = comp.source(i, j, 3);
                    img()[(0, a, b)]
                });
                assert_eq!(twice, direct);
            }
        }
        assert_eq!(seen.len(), 8);
    }

    #[test]
    fn morphological_augmentation_is_never_identity_and_has_stated_probabilities() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let n = 40_000;
        let mut counts = [0usize; 8];
        for _ in 0..n {
            let t = D4::random_non_identity(&mut rng);
            assert_ne!(t, D4::IDENTITY);
            counts[(t.rot as usize) * 2 + t.flip as usize] += 1;
        }
        // rot 0: always flipped (p = 1/4); rot 1..3: flip each with p = 1/8.
        let p = |c: usize| c as f64 / n as f64;
        assert_eq!(counts[0], 0);
        assert!((p(counts[1]) - 0.25).abs() < 0.01);
        for (k, &c) in counts.iter().enumerate().skip(2) {
            assert!((p(c) - 0.125).abs() < 0.01, "{k}: {}", p(c));
        }
    }

    #[test]
    fn sign_log_values() {
        assert_eq!(sign_log(0.0), 0.0);
        assert!((sign_log(std::f32::consts::E - 1.0) - 1.0).abs() < 1e-6);
        assert!((sign_log(-(std::f32::consts::E - 1.0)) + 1.0).abs() < 1e-6);
        let t = Tensor::new(&[-3.0f32, 0.0, 3.0], &Device::Cpu).unwrap();
        let v = sign_log_tensor(&t).unwrap().to_vec1::<f32>().unwrap();
        assert!((v[0] + 4f32.ln()).abs() < 1e-6 && v[1] == 0.0 && (v[2] - 4f32.ln()).abs() < 1e-6);
    }
}
