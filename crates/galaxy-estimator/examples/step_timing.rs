//! Times training steps of a preset on synthetic data (profiling helper).
//!
//! `cargo run --release -p galaxy-estimator --example step_timing -- small 32 density 20`
use galaxy_estimator::config::{InputSpec, Mode, ModelConfig, Preset, TrainConfig};
use galaxy_estimator::data::{Inputs, Splits};
use galaxy_estimator::train::{TrainOptions, train};
use ndarray::{Array1, Array2, Array4};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let preset: Preset = args
        .get(1)
        .map_or("small", |s| s.as_str())
        .parse()
        .expect("preset");
    let size: usize = args.get(2).map_or(32, |s| s.parse().expect("size"));
    let mode: Mode = args
        .get(3)
        .map_or("density", |s| s.as_str())
        .parse()
        .expect("mode");
    let steps: usize = args.get(4).map_or(20, |s| s.parse().expect("steps"));
    let n = 512;
    let x = Array4::<f32>::from_shape_fn((n, 5, size, size), |(i, c, p, q)| {
        ((i * 7 + c * 3 + p * q) % 13) as f32 * 0.1
    });
    let a = Array2::<f32>::from_shape_fn((n, 1), |(i, _)| (i % 5) as f32);
    let y = Array1::<f64>::from_shape_fn(n, |i| 8.0 + (i % 17) as f64 * 0.1);
    let mc = ModelConfig::preset(
        preset,
        InputSpec::Images {
            channels: 5,
            height: size,
            width: size,
        },
        1,
        mode,
    );
    let mut tc = TrainConfig::preset(preset, mode, true);
    tc.steps = steps;
    tc.progress = false;
    let inp = Inputs::images(x.view()).with_additional(a.view());
    let t0 = std::time::Instant::now();
    let out = train(
        &mc,
        &tc,
        &inp,
        y.view(),
        &Splits::all_train(n),
        &TrainOptions::default(),
    )
    .expect("train");
    let dt = t0.elapsed().as_secs_f64();
    println!(
        "{preset:?} {size}x{size} {mode:?}: {} params, {steps} steps of batch {} in {dt:.2}s = {:.1} ms/step, loss {:.3}",
        out.network.num_params(),
        tc.batch_size,
        1000.0 * dt / steps as f64,
        out.report.final_loss
    );
}
