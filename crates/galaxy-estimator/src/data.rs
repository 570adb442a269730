//! ndarray inputs, validation, splits, and assembly of batches as NHWC tensors.

use crate::augment::{ComposedD4, D4, sign_log};
use crate::config::{InputSpec, ModelConfig};
use crate::error::{EstimatorError, Result};
use candle_core::{Device, Tensor};
use ndarray::{ArrayView1, ArrayView2, ArrayView4, Axis};
use serde::{Deserialize, Serialize};

/// The main input of a set of galaxies.
#[derive(Clone, Copy, Debug)]
pub enum MainInput<'a> {
    /// Images N x C x H x W (already flux-normalised if wanted; the network applies sign-log).
    Images(ArrayView4<'a, f32>),
    /// Tabular inputs N x k, raw.
    Tabular(ArrayView2<'a, f32>),
}

/// Main input plus optional additional inputs N x m (fed unchanged beside the main input).
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// The main input.
    pub main: MainInput<'a>,
    /// Additional inputs N x m.
    pub additional: Option<ArrayView2<'a, f32>>,
}

fn first_non_finite<'a>(it: impl Iterator<Item = &'a f32>) -> Option<usize> {
    it.enumerate().find(|(_, v)| !v.is_finite()).map(|(i, _)| i)
}

impl<'a> Inputs<'a> {
    /// Images N x C x H x W.
    pub fn images(x: ArrayView4<'a, f32>) -> Self {
        Inputs {
            main: MainInput::Images(x),
            additional: None,
        }
    }
    /// Tabular N x k.
    pub fn tabular(x: ArrayView2<'a, f32>) -> Self {
        Inputs {
            main: MainInput::Tabular(x),
            additional: None,
        }
    }
    /// Adds the additional inputs N x m.
    pub fn with_additional(mut self, a: ArrayView2<'a, f32>) -> Self {
        self.additional = Some(a);
        self
    }
    /// Number of galaxies.
    pub fn len(&self) -> usize {
        match self.main {
            MainInput::Images(x) => x.len_of(Axis(0)),
            MainInput::Tabular(x) => x.len_of(Axis(0)),
        }
    }
    /// True when there are no galaxies.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The input description matching these arrays.
    pub fn spec(&self) -> InputSpec {
        match self.main {
            MainInput::Images(x) => {
                let (_, c, h, w) = x.dim();
                InputSpec::Images {
                    channels: c,
                    height: h,
                    width: w,
                }
            }
            MainInput::Tabular(x) => InputSpec::Tabular {
                features: x.ncols(),
            },
        }
    }
    /// Number of additional inputs.
    pub fn n_additional(&self) -> usize {
        self.additional.map_or(0, |a| a.ncols())
    }

    /// Checks shapes against a model configuration, row counts, and finiteness.
    pub fn validate(&self, cfg: &ModelConfig) -> Result<()> {
        let n = self.len();
        if n == 0 {
            return Err(EstimatorError::Shape {
                what: "main input",
                expected: "at least one row".into(),
                got: vec![0],
            });
        }
        if self.spec() != cfg.input {
            let got = match self.main {
                MainInput::Images(x) => x.shape().to_vec(),
                MainInput::Tabular(x) => x.shape().to_vec(),
            };
            let expected = match cfg.input {
                InputSpec::Images {
                    channels,
                    height,
                    width,
                } => format!("images N x {channels} x {height} x {width}"),
                InputSpec::Tabular { features } => format!("tabular N x {features}"),
            };
            return Err(EstimatorError::Shape {
                what: "main input",
                expected,
                got,
            });
        }
        match (self.additional, cfg.additional) {
            (None, 0) => {}
            (Some(a), m) if a.ncols() == m => {
                if a.nrows() != n {
                    return Err(EstimatorError::LengthMismatch {
                        what: "additional",
                        expected: n,
                        got: a.nrows(),
                    });
                }
                if let Some(i) = first_non_finite(a.iter()) {
                    return Err(EstimatorError::NonFinite {
                        what: "additional",
                        index: i,
                    });
                }
            }
            (a, m) => {
                return Err(EstimatorError::Shape {
                    what: "additional",
                    expected: format!("N x {m}"),
                    got: a.map_or(vec![], |a| a.shape().to_vec()),
                });
            }
        }
        let bad = match self.main {
            MainInput::Images(x) => first_non_finite(x.iter()),
            MainInput::Tabular(x) => first_non_finite(x.iter()),
        };
        if let Some(i) = bad {
            return Err(EstimatorError::NonFinite {
                what: "main input",
                index: i,
            });
        }
        Ok(())
    }

    /// Assembles rows `idx` as tensors: main input (images NHWC, optionally transformed per row and
    /// sign-log rescaled) and additional inputs.
    pub(crate) fn batch(
        &self,
        idx: &[usize],
        transforms: Option<&[ComposedD4]>,
        sign_log_images: bool,
        device: &Device,
    ) -> candle_core::Result<(Tensor, Option<Tensor>)> {
        let b = idx.len();
        let x = match self.main {
            MainInput::Images(x) => {
                let (_, c, h, w) = x.dim();
                let mut v = vec![0f32; b * h * w * c];
                let per = h * w * c;
                v.chunks_mut(per).enumerate().for_each(|(r, out)| {
                    let img = x.index_axis(Axis(0), idx[r]);
                    let t = transforms.map(|t| t[r]);
                    for i in 0..h {
                        for j in 0..w {
                            let (si, sj) = match t {
                                Some(t) => t.source(i, j, h),
                                None => (i, j),
                            };
                            let o = (i * w + j) * c;
                            for k in 0..c {
                                let val = img[(k, si, sj)];
                                out[o + k] = if sign_log_images { sign_log(val) } else { val };
                            }
                        }
                    }
                });
                Tensor::from_vec(v, (b, h, w, c), device)?
            }
            MainInput::Tabular(x) => {
                let k = x.ncols();
                let mut v = Vec::with_capacity(b * k);
                for &r in idx {
                    v.extend(x.row(r).iter().copied());
                }
                Tensor::from_vec(v, (b, k), device)?
            }
        };
        let a = match self.additional {
            Some(a) => {
                let m = a.ncols();
                let mut v = Vec::with_capacity(b * m);
                for &r in idx {
                    v.extend(a.row(r).iter().copied());
                }
                Some(Tensor::from_vec(v, (b, m), device)?)
            }
            None => None,
        };
        Ok((x, a))
    }
}

/// Identity transforms for a batch (no augmentation).
pub(crate) fn identity_transforms(n: usize) -> Vec<ComposedD4> {
    vec![D4::IDENTITY.after(D4::IDENTITY); n]
}

/// Checks a target vector: length and finiteness.
pub fn validate_targets(targets: ArrayView1<f64>, n: usize) -> Result<()> {
    if targets.len() != n {
        return Err(EstimatorError::LengthMismatch {
            what: "target",
            expected: n,
            got: targets.len(),
        });
    }
    if let Some((i, _)) = targets.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(EstimatorError::NonFinite {
            what: "target",
            index: i,
        });
    }
    Ok(())
}

/// Row indices of the train / validation / test sets (`{"train": [...], "validation": [...], "test": [...]}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Splits {
    /// Training rows.
    pub train: Vec<usize>,
    /// Validation rows (monitoring only).
    #[serde(default)]
    pub validation: Vec<usize>,
    /// Test rows (unused by training).
    #[serde(default)]
    pub test: Vec<usize>,
}

impl Splits {
    /// Every row in the training set.
    pub fn all_train(n: usize) -> Self {
        Splits {
            train: (0..n).collect(),
            validation: vec![],
            test: vec![],
        }
    }
    /// Checks that indices are in range and that the training set can feed training.
    pub fn check(&self, n: usize, min_train: usize) -> Result<()> {
        for (name, v) in [
            ("train", &self.train),
            ("validation", &self.validation),
            ("test", &self.test),
        ] {
            if let Some(&bad) = v.iter().find(|&&i| i >= n) {
                return Err(EstimatorError::Split {
                    split: name.into(),
                    reason: format!("row index {bad} out of range for {n} rows"),
                });
            }
        }
        if self.train.len() < min_train {
            return Err(EstimatorError::Split {
                split: "train".into(),
                reason: format!("needs at least {min_train} rows, has {}", self.train.len()),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Mode, Preset};
    use ndarray::{Array2, Array4};

    #[test]
    fn validation_errors_name_the_culprit() {
        let cfg = ModelConfig::preset(
            Preset::Small,
            InputSpec::Tabular { features: 3 },
            2,
            Mode::Density,
        );
        let x = Array2::<f32>::zeros((4, 3));
        let a = Array2::<f32>::zeros((4, 2));
        assert!(
            Inputs::tabular(x.view())
                .with_additional(a.view())
                .validate(&cfg)
                .is_ok()
        );
        // missing additional inputs
        assert!(matches!(
            Inputs::tabular(x.view()).validate(&cfg),
            Err(EstimatorError::Shape {
                what: "additional",
                ..
            })
        ));
        // wrong width
        let x4 = Array2::<f32>::zeros((4, 4));
        assert!(matches!(
            Inputs::tabular(x4.view())
                .with_additional(a.view())
                .validate(&cfg),
            Err(EstimatorError::Shape {
                what: "main input",
                ..
            })
        ));
        // mismatched rows
        let a3 = Array2::<f32>::zeros((3, 2));
        assert!(matches!(
            Inputs::tabular(x.view())
                .with_additional(a3.view())
                .validate(&cfg),
            Err(EstimatorError::LengthMismatch {
                what: "additional",
                expected: 4,
                got: 3
            })
        ));
        // NaN
        let mut xn = x.clone();
        xn[(2, 1)] = f32::NAN;
        assert!(matches!(
            Inputs::tabular(xn.view())
                .with_additional(a.view())
                .validate(&cfg),
            Err(EstimatorError::NonFinite {
                what: "main input",
                index: 7
            })
        ));
        // images given to a tabular model
        let im = Array4::<f32>::zeros((4, 1, 8, 8));
        assert!(
            Inputs::images(im.view())
                .with_additional(a.view())
                .validate(&cfg)
                .is_err()
        );
        // targets
        let t = ndarray::arr1(&[1.0, f64::NAN]);
        assert!(matches!(
            validate_targets(t.view(), 2),
            Err(EstimatorError::NonFinite {
                what: "target",
                index: 1
            })
        ));
        assert!(matches!(
            validate_targets(t.view(), 3),
            Err(EstimatorError::LengthMismatch { .. })
        ));
        // splits
        let s = Splits {
            train: vec![0, 9],
            ..Default::default()
        };
        assert!(matches!(s.check(4, 1), Err(EstimatorError::Split { .. })));
    }

    #[test]
    fn batch_layout_is_nhwc_with_transform_and_sign_log() {
        // 1 galaxy, 2 channels, 2x2
        let x = Array4::from_shape_fn((1, 2, 2, 2), |(_, c, i, j)| (c * 4 + i * 2 + j) as f32);
        let inp = Inputs::images(x.view());
        let (t, _) = inp.batch(&[0], None, false, &Device::Cpu).unwrap();
        let v = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        // NHWC: pixel (0,0): c0=0, c1=4; (0,1): 1, 5; (1,0): 2, 6; (1,1): 3, 7
        assert_eq!(v, vec![0., 4., 1., 5., 2., 6., 3., 7.]);
        let tr = [D4 { rot: 0, flip: true }.after(D4::IDENTITY)];
        let (t, _) = inp.batch(&[0], Some(&tr), true, &Device::Cpu).unwrap();
        let v = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let want: Vec<f32> = [1., 5., 0., 4., 3., 7., 2., 6.]
            .iter()
            .map(|&x: &f32| x.ln_1p())
            .collect();
        for (a, b) in v.iter().zip(&want) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }
}
