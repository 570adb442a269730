//! Criterion benches of galaxy-estimator on the CPU: a fused convolution (forward + backward),
//! training steps of the `small` image density model (32x32x5, batch 128) and inference.
//!
//! `cargo bench --bench galaxy_estimator` (register with `[[bench]] name = "galaxy_estimator",
//! harness = false`). Threads follow RAYON_NUM_THREADS.
use criterion::{Criterion, criterion_group, criterion_main};
use galaxy_estimator::candle_core::{self, Device, Tensor, Var};
use galaxy_estimator::config::{InputSpec, Mode, ModelConfig, Preset, TrainConfig};
use galaxy_estimator::data::{Inputs, Splits};
use galaxy_estimator::infer::{PredictOptions, predict};
use galaxy_estimator::ops::{Activation, conv2d};
use galaxy_estimator::train::{TrainOptions, train};
use ndarray::{Array1, Array2, Array4};
use std::hint::black_box;

fn data(n: usize, size: usize) -> (Array4<f32>, Array2<f32>, Array1<f64>) {
    let x = Array4::from_shape_fn((n, 5, size, size), |(i, c, p, q)| {
        ((i * 7 + c * 3 + p * q) % 13) as f32 * 0.1
    });
    let a = Array2::from_shape_fn((n, 1), |(i, _)| (i % 5) as f32);
    let y = Array1::from_shape_fn(n, |i| 8.0 + (i % 17) as f64 * 0.1);
    (x, a, y)
}

fn bench(c: &mut Criterion) {
    galaxy_estimator::alloc::tune_allocator();
    let mut g = c.benchmark_group("galaxy_estimator");
    g.sample_size(10);

    // one 5x5 'same' convolution 96 -> 96 channels on 16x16x96 (batch 32), forward + backward
    let dev = Device::Cpu;
    let x =
        Var::from_tensor(&Tensor::ones((32, 16, 16, 96), candle_core::DType::F32, &dev).unwrap())
            .unwrap();
    let w = Var::from_tensor(
        &(Tensor::ones((5 * 5 * 96, 96), candle_core::DType::F32, &dev).unwrap() * 0.01).unwrap(),
    )
    .unwrap();
    let b = Var::from_tensor(&Tensor::zeros(96, candle_core::DType::F32, &dev).unwrap()).unwrap();
    g.bench_function("conv5x5_96_16x16_b32_fwd_bwd", |bch| {
        bch.iter(|| {
            let y = conv2d(
                x.as_tensor(),
                w.as_tensor(),
                b.as_tensor(),
                5,
                true,
                Activation::Relu,
            )
            .unwrap();
            black_box(y.sum_all().unwrap().backward().unwrap());
        })
    });

    let n = 512;
    let (x, a, y) = data(n, 32);
    let inp = Inputs::images(x.view()).with_additional(a.view());
    let spec = InputSpec::Images {
        channels: 5,
        height: 32,
        width: 32,
    };
    let mc = ModelConfig::preset(Preset::Small, spec, 1, Mode::Density);
    let mut tc = TrainConfig::preset(Preset::Small, Mode::Density, true);
    tc.steps = 5;
    tc.progress = false;
    g.bench_function("small_images_density_train_5_steps_b128", |bch| {
        bch.iter(|| {
            black_box(
                train(
                    &mc,
                    &tc,
                    &inp,
                    y.view(),
                    &Splits::all_train(n),
                    &TrainOptions::default(),
                )
                .unwrap(),
            )
        })
    });
    let net = train(
        &mc,
        &tc,
        &inp,
        y.view(),
        &Splits::all_train(n),
        &TrainOptions::default(),
    )
    .unwrap()
    .network;
    let po = PredictOptions {
        batch_size: 256,
        keep_probabilities: false,
    };
    g.bench_function("small_images_predict_512", |bch| {
        bch.iter(|| black_box(predict(&net, &inp, None, &po).unwrap()))
    });
    let mcc = ModelConfig::preset(Preset::Small, spec, 1, Mode::Contrastive);
    let mut tcc = TrainConfig::preset(Preset::Small, Mode::Contrastive, true);
    tcc.steps = 5;
    tcc.progress = false;
    g.bench_function("small_images_contrastive_train_5_steps_b32x2", |bch| {
        bch.iter(|| {
            black_box(
                train(
                    &mcc,
                    &tcc,
                    &inp,
                    y.view(),
                    &Splits::all_train(n),
                    &TrainOptions::default(),
                )
                .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
