//! Warm starts from a trained network that reads fewer additional inputs.

mod common;

use galaxy_estimator::EstimatorError;
use galaxy_estimator::config::{InputSpec, Mode, ModelConfig, Preset, TrainConfig};
use galaxy_estimator::data::{Inputs, Splits};
use galaxy_estimator::infer::{PredictOptions, mean_cross_entropy, predict};
use galaxy_estimator::nn::Network;
use galaxy_estimator::train::checkpoint::save_model;
use galaxy_estimator::train::{TrainOptions, WarmStart, train};
use ndarray::{Array2, concatenate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn images(channels: usize, additional: usize) -> ModelConfig {
    common::small_images(channels, additional, Mode::Density)
}

fn quick(steps: usize, seed: u64) -> TrainConfig {
    common::quick_train(steps, seed)
}

/// The synthetic galaxies' one additional column followed by `extra` random columns.
fn widened(a: &Array2<f32>, extra: usize, seed: u64) -> Array2<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = Array2::from_shape_fn((a.nrows(), extra), |_| rng.random_range(-3.0f32..3.0));
    concatenate![ndarray::Axis(1), a.view(), noise.view()]
}

#[test]
fn extending_the_additional_inputs_preserves_the_source_function() {
    let n = 96;
    let (x, a, y) = common::synthetic(n, 3, 16, 5);
    let splits = Splits::all_train(n);
    let src_cfg = images(3, 1);
    let src = train(
        &src_cfg,
        &quick(8, 3),
        &Inputs::images(x.view()).with_additional(a.view()),
        y.view(),
        &splits,
        &TrainOptions::default(),
    )
    .unwrap();
    let a4 = widened(&a, 3, 9);
    let dst_cfg = images(3, 4);
    let dst = Network::new(&dst_cfg, 77, &candle_core::Device::Cpu).unwrap();
    let report = WarmStart::from_network(&src.network)
        .unwrap()
        .apply(&dst)
        .unwrap();
    assert!(report.preserves_function(), "{report:?}");
    assert!(report.unused.is_empty());
    // exactly the two layers that read the additional inputs are widened from 1 to 4 rows
    let widened_names: Vec<&str> = report.extended.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(widened_names.len(), 2, "{report:?}");
    assert!(widened_names.contains(&"enc.add.w"), "{report:?}");
    assert!(report.extended.iter().all(|e| e.1 == 1 && e.2 == 4));
    assert_eq!(
        report.copied.len() + report.extended.len(),
        dst.params().named().count()
    );
    let opts = PredictOptions::default();
    let p_src = predict(
        &src.network,
        &Inputs::images(x.view()).with_additional(a.view()),
        Some(y.view()),
        &opts,
    )
    .unwrap();
    let p_dst = predict(
        &dst,
        &Inputs::images(x.view()).with_additional(a4.view()),
        Some(y.view()),
        &opts,
    )
    .unwrap();
    let (ce_s, ce_d) = (p_src.ce.unwrap(), p_dst.ce.unwrap());
    for i in 0..n {
        assert!(
            (ce_s[i] - ce_d[i]).abs() < 1e-5,
            "galaxy {i}: {} vs {}",
            ce_s[i],
            ce_d[i]
        );
        assert!((p_src.mean[i] - p_dst.mean[i]).abs() < 1e-5);
    }
    // and a randomly initialised network of the same shape does not compute it
    let fresh = Network::new(&dst_cfg, 77, &candle_core::Device::Cpu).unwrap();
    let p_fresh = predict(
        &fresh,
        &Inputs::images(x.view()).with_additional(a4.view()),
        Some(y.view()),
        &opts,
    )
    .unwrap();
    let diff = (&p_fresh.mean - &p_src.mean).mapv(f64::abs).sum() / n as f64;
    assert!(diff > 1e-3, "{diff}");
}

#[test]
fn warm_started_training_validates_first_and_never_ends_worse() {
    let n = 160;
    let (x, a, y) = common::synthetic(n, 3, 16, 6);
    let splits = Splits {
        train: (0..120).collect(),
        validation: (120..160).collect(),
        test: vec![],
    };
    let src = train(
        &images(3, 1),
        &quick(30, 4),
        &Inputs::images(x.view()).with_additional(a.view()),
        y.view(),
        &splits,
        &TrainOptions::default(),
    )
    .unwrap();
    let a3 = widened(&a, 2, 10);
    let inp = Inputs::images(x.view()).with_additional(a3.view());
    // a high learning rate: training moves away from the warm start
    let mut tc = quick(12, 5);
    tc.learning_rate = 0.01;
    tc.validate_every = 4;
    tc.keep_best = true;
    let dir = tempfile::tempdir().unwrap();
    save_model(&src.network, None, dir.path()).unwrap();
    let opts = TrainOptions {
        warm_start: Some(WarmStart::from_dir(dir.path()).unwrap()),
        ..TrainOptions::default()
    };
    let out = train(&images(3, 3), &tc, &inp, y.view(), &splits, &opts).unwrap();
    let first = &out.report.history[0];
    assert_eq!(first.step, 0);
    let v0 = first.val_ce.expect("a validation record at step 0");
    let src_ce = mean_cross_entropy(
        &src.network,
        &Inputs::images(x.view()).with_additional(a.view()),
        y.view(),
        &splits.validation,
        &PredictOptions::default(),
    )
    .unwrap();
    assert!((v0 - src_ce).abs() < 1e-5, "{v0} vs {src_ce}");
    let (bstep, bval) = out.report.best.unwrap();
    assert!(bval <= v0);
    let vals: Vec<f64> = out.report.history.iter().filter_map(|r| r.val_ce).collect();
    assert_eq!(vals.len(), 4, "{vals:?}");
    assert_eq!(bval, vals.iter().copied().fold(f64::INFINITY, f64::min));
    let got = mean_cross_entropy(
        &out.network,
        &inp,
        y.view(),
        &splits.validation,
        &PredictOptions::default(),
    )
    .unwrap();
    assert!((got - bval).abs() < 1e-9, "step {bstep}: {got} vs {bval}");
    let ws = out.report.warm_start.expect("warm start report");
    assert_eq!(ws.extended.len(), 2);
    // without a warm start there is no step-0 pass
    let cold = train(
        &images(3, 3),
        &tc,
        &inp,
        y.view(),
        &splits,
        &TrainOptions::default(),
    )
    .unwrap();
    assert_eq!(
        cold.report
            .history
            .iter()
            .filter(|r| r.val_ce.is_some())
            .count(),
        3
    );
    assert!(cold.report.warm_start.is_none());
}

#[test]
fn incompatible_warm_starts_are_typed_errors_that_leave_the_network_untouched() {
    let dev = candle_core::Device::Cpu;
    let src = Network::new(&images(3, 4), 1, &dev).unwrap();
    let ws = WarmStart::from_network(&src).unwrap();
    let snapshot = |net: &Network| -> Vec<Vec<f32>> {
        net.params()
            .named()
            .map(|(_, v)| v.flatten_all().unwrap().to_vec1::<f32>().unwrap())
            .collect()
    };
    // fewer additional inputs than the source
    let fewer = Network::new(&images(3, 2), 2, &dev).unwrap();
    let before = snapshot(&fewer);
    match ws.apply(&fewer) {
        Err(EstimatorError::WarmStart { param, .. }) => assert_eq!(param, "enc.add.w"),
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot(&fewer), before);
    // another number of bands: the stem convolution does not fit
    let bands = Network::new(&images(4, 4), 3, &dev).unwrap();
    match ws.apply(&bands) {
        Err(EstimatorError::WarmStart { param, reason }) => {
            assert!(param.starts_with("enc.stem"), "{param}: {reason}");
        }
        other => panic!("{other:?}"),
    }
    // a photometry network shares no layer shapes with an image network's encoder
    let mut tab = ModelConfig::preset(
        Preset::Small,
        InputSpec::Tabular { features: 5 },
        4,
        Mode::Density,
    );
    tab.s_dim = 16;
    let tabnet = Network::new(&tab, 4, &dev).unwrap();
    let r = ws.apply(&tabnet);
    assert!(matches!(r, Err(EstimatorError::WarmStart { .. })), "{r:?}");
    // the same network: everything copied
    let same = Network::new(&images(3, 4), 5, &dev).unwrap();
    let rep = ws.apply(&same).unwrap();
    assert_eq!(rep.copied.len(), src.params().named().count());
    assert_eq!(snapshot(&same), snapshot(&src));
}

#[test]
fn a_photometry_network_gains_additional_columns_without_changing_its_output() {
    let dev = candle_core::Device::Cpu;
    let tab = |additional| {
        ModelConfig::preset(
            Preset::Small,
            InputSpec::Tabular { features: 5 },
            additional,
            Mode::Density,
        )
    };
    let src = Network::new(&tab(1), 8, &dev).unwrap();
    let dst = Network::new(&tab(3), 9, &dev).unwrap();
    assert_eq!(dst.input_weights(), vec!["enc.h0.w".to_string()]);
    let rep = WarmStart::from_network(&src).unwrap().apply(&dst).unwrap();
    assert_eq!(rep.extended, vec![("enc.h0.w".to_string(), 6, 8)]);
    assert!(rep.preserves_function());
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let main = Array2::from_shape_fn((40, 5), |_| rng.random_range(-2.0f32..2.0));
    let add = Array2::from_shape_fn((40, 1), |_| rng.random_range(-2.0f32..2.0));
    let add3 = widened(&add, 2, 13);
    let opts = PredictOptions::default();
    let p1 = predict(
        &src,
        &Inputs::tabular(main.view()).with_additional(add.view()),
        None,
        &opts,
    )
    .unwrap();
    let p2 = predict(
        &dst,
        &Inputs::tabular(main.view()).with_additional(add3.view()),
        None,
        &opts,
    )
    .unwrap();
    let worst = (&p1.mean - &p2.mean)
        .mapv(f64::abs)
        .fold(0.0f64, |a, &b| a.max(b));
    assert!(worst < 1e-5, "{worst}");
}
