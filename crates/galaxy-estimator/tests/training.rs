//! End-to-end training tests on synthetic galaxies.

mod common;

use galaxy_estimator::EstimatorError;
use galaxy_estimator::config::{InputSpec, Mode, ModelConfig, Preset, TrainConfig};
use galaxy_estimator::data::{Inputs, Splits};
use galaxy_estimator::infer::{PredictOptions, predict};
use galaxy_estimator::metrics::point_metrics;
use galaxy_estimator::train::checkpoint::load_model;
use galaxy_estimator::train::{TrainOptions, train};
use ndarray::{Array1, Axis};

/// The `small` design on 16x16 three-band images (two stages, one tail convolution).
fn tiny_images(mode: Mode) -> ModelConfig {
    let c = common::small_images(3, 1, mode);
    assert_eq!(c.image.stages, vec![1, 1]);
    assert_eq!(c.image_decoder.upsamplings, 2);
    c
}

fn quick_train(steps: usize) -> TrainConfig {
    common::quick_train(steps, 11)
}

fn weights(net: &galaxy_estimator::nn::Network) -> Vec<Vec<f32>> {
    net.params()
        .named()
        .map(|(_, v)| v.flatten_all().unwrap().to_vec1::<f32>().unwrap())
        .collect()
}

fn learn_mass(n: usize, steps: usize, batch: usize) -> (f64, f64) {
    let (x, a, y) = common::synthetic(n, 3, 16, 1);
    let n_train = n * 8 / 10;
    let n_val = n / 10;
    let splits = Splits {
        train: (0..n_train).collect(),
        validation: (n_train..n_train + n_val).collect(),
        test: (n_train + n_val..n).collect(),
    };
    let mut tc = quick_train(steps);
    tc.batch_size = batch;
    tc.validate_every = steps / 2;
    let inp = Inputs::images(x.view()).with_additional(a.view());
    let out = train(
        &tiny_images(Mode::Density),
        &tc,
        &inp,
        y.view(),
        &splits,
        &TrainOptions::default(),
    )
    .unwrap();
    assert!(out.report.final_val_ce.unwrap() < (520f64).ln());
    let xt = x.select(Axis(0), &splits.test);
    let at = a.select(Axis(0), &splits.test);
    let yt: Array1<f64> = y.select(Axis(0), &splits.test);
    let p = predict(
        &out.network,
        &Inputs::images(xt.view()).with_additional(at.view()),
        Some(yt.view()),
        &PredictOptions::default(),
    )
    .unwrap();
    let m = point_metrics(p.mean.view(), yt.view()).unwrap();
    let sd = common::std(&yt);
    eprintln!(
        "n={n} steps={steps}: sigma_MAD {:.4} vs std {:.4} (ratio {:.3}), {:.1}s",
        m.sigma_mad,
        sd,
        m.sigma_mad / sd,
        out.report.seconds
    );
    (m.sigma_mad, sd)
}

/// A `small` model on 1000 synthetic galaxies whose mass is a known function of the images
/// (7 + log10 amplitude + 0.5 colour) reaches sigma_MAD <= 0.3 std(targets) on held-out galaxies.
/// About 15 s on 2 cores (400 steps: 23 s, sigma_MAD / std = 0.038).
#[test]
fn small_model_learns_mass_from_images_1000_galaxies() {
    let (s, sd) = learn_mass(1000, 250, 64);
    assert!(s <= 0.3 * sd, "sigma_MAD {s} > 0.3 x std {sd}");
}

/// The density training loop on photometry (fast): mass = 7 + 2 u + 0.5 v of two features
/// with one noise feature; a `small` MLP reaches sigma_MAD <= 0.3 std(targets) on held-out rows.
#[test]
fn small_mlp_learns_mass_from_photometry() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    let n = 1000;
    let x = ndarray::Array2::from_shape_fn((n, 3), |_| rng.random_range(-1.0f32..1.0));
    let y: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|r| 8.5 + 1.0 * r[0] as f64 + 0.5 * r[1] as f64)
        .collect();
    let splits = Splits {
        train: (0..800).collect(),
        validation: (800..900).collect(),
        test: (900..1000).collect(),
    };
    let cfg = ModelConfig::preset(
        Preset::Small,
        InputSpec::Tabular { features: 3 },
        0,
        Mode::Density,
    );
    let mut tc = TrainConfig::preset(Preset::Small, Mode::Density, false);
    tc.steps = 600;
    tc.lr_decay_steps = vec![400];
    tc.progress = false;
    let inp = Inputs::tabular(x.view());
    let out = train(&cfg, &tc, &inp, y.view(), &splits, &TrainOptions::default()).unwrap();
    let xt = x.select(Axis(0), &splits.test);
    let yt: Array1<f64> = y.select(Axis(0), &splits.test);
    let p = predict(
        &out.network,
        &Inputs::tabular(xt.view()),
        Some(yt.view()),
        &PredictOptions::default(),
    )
    .unwrap();
    let m = point_metrics(p.mean.view(), yt.view()).unwrap();
    let sd = common::std(&yt);
    eprintln!(
        "photometry: sigma_MAD {:.4} vs std {:.4}, {:.1}s",
        m.sigma_mad, sd, out.report.seconds
    );
    assert!(
        m.sigma_mad <= 0.3 * sd,
        "sigma_MAD {} > 0.3 x std {sd}",
        m.sigma_mad
    );
    // the median and mode agree with the mean to within a few bins for a unimodal density
    let dm = (&p.median - &p.mean).mapv(f64::abs);
    assert!(dm.mean().unwrap() < 0.1);
}

#[test]
fn same_seed_same_weights_and_checkpoint_reload_is_identical() {
    let (x, a, y) = common::synthetic(64, 3, 16, 2);
    let inp = Inputs::images(x.view()).with_additional(a.view());
    let cfg = tiny_images(Mode::Density);
    let tc = quick_train(6);
    let dir = tempfile::tempdir().unwrap();
    let opts = TrainOptions {
        out_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let r1 = train(&cfg, &tc, &inp, y.view(), &Splits::all_train(64), &opts).unwrap();
    let r2 = train(
        &cfg,
        &tc,
        &inp,
        y.view(),
        &Splits::all_train(64),
        &TrainOptions::default(),
    )
    .unwrap();
    assert_eq!(weights(&r1.network), weights(&r2.network));
    let mut tc3 = tc.clone();
    tc3.seed = 12;
    let r3 = train(
        &cfg,
        &tc3,
        &inp,
        y.view(),
        &Splits::all_train(64),
        &TrainOptions::default(),
    )
    .unwrap();
    assert_ne!(weights(&r1.network), weights(&r3.network));
    // reload
    let loaded = load_model(dir.path(), &candle_core::Device::Cpu).unwrap();
    let o = PredictOptions::default();
    let p1 = predict(&r1.network, &inp, Some(y.view()), &o).unwrap();
    let p2 = predict(&loaded, &inp, Some(y.view()), &o).unwrap();
    assert_eq!(p1.prob, p2.prob);
    assert_eq!(p1.s, p2.s);
    assert_eq!(p1.ce, p2.ce);
    // the JSON-lines log holds one record per log interval
    let log = std::fs::read_to_string(dir.path().join("log.jsonl")).unwrap();
    assert!(log.lines().count() >= 1);
}

#[test]
fn interrupted_runs_resume_to_the_same_result() {
    for mode in [Mode::Density, Mode::Contrastive] {
        let (x, a, y) = common::synthetic(48, 3, 16, 3);
        let inp = Inputs::images(x.view()).with_additional(a.view());
        let cfg = tiny_images(mode);
        let mut tc = quick_train(6);
        tc.batch_size = 8;
        tc.log_every = 2;
        let straight = train(
            &cfg,
            &tc,
            &inp,
            y.view(),
            &Splits::all_train(48),
            &TrainOptions::default(),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut opts = TrainOptions {
            out_dir: Some(dir.path().to_path_buf()),
            stop_after: Some(3),
            ..Default::default()
        };
        let part1 = train(&cfg, &tc, &inp, y.view(), &Splits::all_train(48), &opts).unwrap();
        assert_eq!(part1.report.steps, 3);
        opts.stop_after = None;
        let part2 = train(&cfg, &tc, &inp, y.view(), &Splits::all_train(48), &opts).unwrap();
        assert_eq!(part2.report.resumed_from, 3);
        assert_eq!(
            weights(&straight.network),
            weights(&part2.network),
            "{mode:?}"
        );
        assert_eq!(straight.report.final_loss, part2.report.final_loss);
    }
}

#[test]
fn contrastive_photometry_trains_and_bad_input_is_typed() {
    let n = 64;
    let x =
        ndarray::Array2::from_shape_fn((n, 5), |(i, j)| 18.0 + ((i * 3 + j * 7) % 11) as f32 * 0.2);
    let add = ndarray::Array2::from_shape_fn((n, 2), |(i, j)| ((i + j) % 3) as f32 * 0.01);
    let y = Array1::from_shape_fn(n, |i| 9.0 + (i % 7) as f64 * 0.2);
    let cfg = ModelConfig::preset(
        Preset::Small,
        InputSpec::Tabular { features: 5 },
        2,
        Mode::Contrastive,
    );
    let mut tc = TrainConfig::preset(Preset::Small, Mode::Contrastive, false);
    tc.steps = 5;
    tc.progress = false;
    let inp = Inputs::tabular(x.view()).with_additional(add.view());
    let out = train(
        &cfg,
        &tc,
        &inp,
        y.view(),
        &Splits::all_train(n),
        &TrainOptions::default(),
    )
    .unwrap();
    let rec = out.report.history.last().unwrap();
    for k in ["ce", "recon", "symce", "contrast"] {
        assert!(rec.terms.get(k).is_some_and(|v| v.is_finite()), "{k}");
    }
    // NaN target
    let mut yb = y.clone();
    yb[3] = f64::NAN;
    assert!(matches!(
        train(
            &cfg,
            &tc,
            &inp,
            yb.view(),
            &Splits::all_train(n),
            &TrainOptions::default()
        ),
        Err(EstimatorError::NonFinite {
            what: "target",
            index: 3
        })
    ));
    // mismatched lengths
    let short = y.slice(ndarray::s![..10]).to_owned();
    assert!(matches!(
        train(
            &cfg,
            &tc,
            &inp,
            short.view(),
            &Splits::all_train(n),
            &TrainOptions::default()
        ),
        Err(EstimatorError::LengthMismatch { what: "target", .. })
    ));
    // contrastive needs two distinct galaxies
    let one = Splits {
        train: vec![2, 2],
        ..Default::default()
    };
    assert!(matches!(
        train(&cfg, &tc, &inp, y.view(), &one, &TrainOptions::default()),
        Err(EstimatorError::Split { .. })
    ));
}

#[test]
fn missing_and_corrupt_checkpoints_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let dev = candle_core::Device::Cpu;
    assert!(matches!(
        load_model(dir.path(), &dev),
        Err(EstimatorError::Checkpoint { .. })
    ));
    let cfg = tiny_images(Mode::Density);
    let net = galaxy_estimator::nn::Network::new(&cfg, 0, &dev).unwrap();
    galaxy_estimator::train::checkpoint::save_model(&net, None, dir.path()).unwrap();
    assert!(load_model(dir.path(), &dev).is_ok());
    // flip bytes in the weights
    let p = dir.path().join("model.safetensors");
    let mut b = std::fs::read(&p).unwrap();
    let k = b.len() - 10;
    b[k] ^= 0xff;
    std::fs::write(&p, &b).unwrap();
    assert!(matches!(
        load_model(dir.path(), &dev),
        Err(EstimatorError::Checkpoint { .. })
    ));
    // truncated
    std::fs::write(&p, &b[..100]).unwrap();
    assert!(matches!(
        load_model(dir.path(), &dev),
        Err(EstimatorError::Checkpoint { .. })
    ));
    // corrupt config
    std::fs::write(dir.path().join("config.json"), b"{not json").unwrap();
    assert!(matches!(
        load_model(dir.path(), &dev),
        Err(EstimatorError::Checkpoint { .. })
    ));
}

/// `keep_best` returns the weights of the validation pass with the lowest cross-entropy (checked by
/// recomputing it), writes them to `DIR/best/`, and an interrupted run selects the same weights.
#[test]
fn keep_best_returns_the_lowest_validation_weights_and_resumes() {
    use galaxy_estimator::train::BEST_DIR;
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    // few training rows and noisy targets: the validation CE rises again as the MLP overfits
    let n = 240;
    let x = ndarray::Array2::from_shape_fn((n, 3), |_| rng.random_range(-1.0f32..1.0));
    let y: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|r| 9.0 + 0.8 * r[0] as f64 + rng.random_range(-0.3..0.3))
        .collect();
    let splits = Splits {
        train: (0..80).collect(),
        validation: (80..240).collect(),
        test: vec![],
    };
    let cfg = ModelConfig::preset(
        Preset::Small,
        InputSpec::Tabular { features: 3 },
        0,
        Mode::Density,
    );
    let mut tc = TrainConfig::preset(Preset::Small, Mode::Density, false);
    tc.steps = 400;
    tc.lr_decay_steps = vec![];
    tc.validate_every = 25;
    tc.progress = false;
    tc.keep_best = true;
    let inp = Inputs::tabular(x.view());
    let out = train(&cfg, &tc, &inp, y.view(), &splits, &TrainOptions::default()).unwrap();
    let vals: Vec<(usize, f64)> = out
        .report
        .history
        .iter()
        .filter_map(|r| r.val_ce.map(|v| (r.step, v)))
        .collect();
    assert_eq!(vals.len(), 16);
    let (bstep, bval) = out.report.best.expect("a selection");
    let min = vals.iter().map(|v| v.1).fold(f64::INFINITY, f64::min);
    assert_eq!(bval, min);
    assert!(
        bstep < 400 && bval < vals.last().unwrap().1,
        "the run must overfit for this test to mean anything: {vals:?}"
    );
    // the returned network is the selected one
    let xv = x.select(Axis(0), &splits.validation);
    let yv: Array1<f64> = y.select(Axis(0), &splits.validation);
    let p = predict(
        &out.network,
        &Inputs::tabular(xv.view()),
        Some(yv.view()),
        &PredictOptions::default(),
    )
    .unwrap();
    let ce = p.ce.unwrap().mean().unwrap();
    assert!((ce - bval).abs() < 1e-9, "{ce} vs {bval}");
    // interrupted at step 210 and resumed: the same selection, also written to DIR/best
    let dir = tempfile::tempdir().unwrap();
    let mut opts = TrainOptions {
        out_dir: Some(dir.path().to_path_buf()),
        stop_after: Some(210),
        ..Default::default()
    };
    train(&cfg, &tc, &inp, y.view(), &splits, &opts).unwrap();
    opts.stop_after = None;
    let resumed = train(&cfg, &tc, &inp, y.view(), &splits, &opts).unwrap();
    assert_eq!(resumed.report.best, out.report.best);
    assert_eq!(weights(&resumed.network), weights(&out.network));
    let best = load_model(&dir.path().join(BEST_DIR), &candle_core::Device::Cpu).unwrap();
    assert_eq!(weights(&best), weights(&out.network));
    // keep_best without validation passes is a typed configuration error
    let mut bad = tc.clone();
    bad.validate_every = 0;
    assert!(matches!(
        train(
            &cfg,
            &bad,
            &inp,
            y.view(),
            &splits,
            &TrainOptions::default()
        ),
        Err(EstimatorError::InvalidConfig { .. })
    ));
}
