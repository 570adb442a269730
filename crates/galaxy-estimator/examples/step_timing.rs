//! Times training steps and inference of a preset image model on synthetic data (profiling and
//! the side-by-side comparison with PyTorch in `scripts/compare_estimator_torch.py`).
//!
//! `RAYON_NUM_THREADS=2 cargo run --release -p galaxy-estimator --example step_timing -- small 32 density 20 [batch] [gpu]`
//! prints one JSON line.
use galaxy_estimator::config::{InputSpec, Mode, ModelConfig, Preset, TrainConfig};
use galaxy_estimator::data::{Inputs, Splits};
use galaxy_estimator::device::select_device;
use galaxy_estimator::infer::{PredictOptions, predict};
use galaxy_estimator::train::{TrainOptions, train};
use ndarray::{Array1, Array2, Array4};

fn main() {
    galaxy_estimator::alloc::tune_allocator();
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
    let batch: Option<usize> = args.get(5).map(|s| s.parse().expect("batch"));
    let gpu = args.get(6).is_some_and(|s| s == "gpu");
    let bf16 = args.get(7).is_some_and(|s| s == "bf16");
    let (device, why) = select_device(gpu);
    if let Some(w) = why {
        eprintln!("note: {w}");
    }
    // inference is timed on n images (256 for the paper network, whose CPU passes are slow)
    let n = if preset == Preset::Paper { 256 } else { 1024 };
    let x = Array4::<f32>::from_shape_fn((n, 5, size, size), |(i, c, p, q)| {
        ((i * 7 + c * 3 + p * q) % 13) as f32 * 0.1
    });
    let a = Array2::<f32>::from_shape_fn((n, 1), |(i, _)| (i % 5) as f32);
    let y = Array1::<f64>::from_shape_fn(n, |i| 8.0 + (i % 17) as f64 * 0.1);
    let input = InputSpec::Images {
        channels: 5,
        height: size,
        width: size,
    };
    let mc = ModelConfig::preset(preset, input, 1, mode);
    let mut tc = TrainConfig::preset(preset, mode, true);
    if let Some(b) = batch {
        tc.batch_size = b;
    }
    tc.progress = false;
    let inp = Inputs::images(x.view()).with_additional(a.view());
    let opts = TrainOptions {
        device,
        bf16,
        ..Default::default()
    };
    // warm-up run (allocator, thread pools), then the timed run
    tc.steps = if preset == Preset::Paper { 1 } else { 2 };
    train(&mc, &tc, &inp, y.view(), &Splits::all_train(n), &opts).expect("train");
    tc.steps = steps;
    let t0 = std::time::Instant::now();
    let out = train(&mc, &tc, &inp, y.view(), &Splits::all_train(n), &opts).expect("train");
    let dt = t0.elapsed().as_secs_f64();
    let po = PredictOptions {
        batch_size: 256,
        keep_probabilities: false,
    };
    if preset != Preset::Paper {
        predict(&out.network, &inp, None, &po).expect("predict");
    }
    let t1 = std::time::Instant::now();
    let reps = if preset == Preset::Paper { 1 } else { 2 };
    for _ in 0..reps {
        predict(&out.network, &inp, None, &po).expect("predict");
    }
    let di = t1.elapsed().as_secs_f64() / reps as f64;
    println!(
        "{}",
        serde_json::json!({
            "preset": format!("{preset:?}").to_lowercase(),
            "size": size,
            "mode": format!("{mode:?}").to_lowercase(),
            "params": out.network.num_params(),
            "batch": tc.batch_size,
            "steps": steps,
            "threads": rayon::current_num_threads(),
            "train_ms_per_step": 1000.0 * dt / steps as f64,
            "train_images_per_s": (steps * tc.batch_size) as f64 / dt,
            "infer_ms_per_256": 1000.0 * di * 256.0 / n as f64,
            "final_loss": out.report.final_loss,
        })
    );
}
