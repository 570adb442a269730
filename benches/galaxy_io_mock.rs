//! galaxy-io mock survey and cutout throughput.
//!
//! `cargo bench --bench galaxy_io_mock` (register with `[[bench]] name = "galaxy_io_mock", harness = false`).
//! The headline target (10 000 galaxies of 5 x 64 x 64 in under 30 s on 2 cores) is timed with the
//! `mock_survey` example; see docs/benchmarks-galaxy-io-survey.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use galaxy_io::cutout::{CutoutParams, Frame, Resampling};
use galaxy_io::mock::MockParams;
use galaxy_io::wcs::TanWcs;
use ndarray::Array2;
use std::hint::black_box;

fn mock(c: &mut Criterion) {
    let mut g = c.benchmark_group("mock");
    g.sample_size(10);
    let n = 500;
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("generate_500_galaxies_5x64x64", |b| {
        let cfg = MockParams::new(n).seed(1).check().unwrap();
        b.iter(|| black_box(cfg.generate().unwrap().images.len()))
    });
    g.bench_function("catalog_only_500_galaxies", |b| {
        let cfg = MockParams::new(n).seed(1).check().unwrap();
        b.iter(|| black_box(cfg.generate_catalog().unwrap().len()))
    });
    g.finish();
}

fn cutouts(c: &mut Criterion) {
    let s = 0.396 / 3600.0;
    let w = TanWcs::new([1024.5, 745.0], [164.42, 39.12], [[-s, 0.0], [0.0, s]]).unwrap();
    let data = Array2::from_shape_fn((1489, 2048), |(y, x)| ((x * 7 + y * 13) % 101) as f32);
    let reference = Frame::new("r", data.clone(), w.clone()).unwrap();
    let t = 0.5f64.to_radians();
    let rotated = TanWcs::new(
        [1023.7, 746.2],
        [164.42, 39.12],
        [[-s * t.cos(), s * t.sin()], [s * t.sin(), s * t.cos()]],
    )
    .unwrap();
    let other = Frame::new("g", data, rotated).unwrap();
    let frames = [reference, other];
    let positions: Vec<(f64, f64)> = (0..200)
        .map(|i| {
            w.pixel_to_sky(
                100.0 + (i % 20) as f64 * 90.3,
                100.0 + (i / 20) as f64 * 120.7,
            )
        })
        .collect();
    let mut g = c.benchmark_group("cutout");
    g.sample_size(10);
    g.throughput(Throughput::Elements(positions.len() as u64));
    for (name, kernel) in [
        ("lanczos3", Resampling::Lanczos3),
        ("bilinear", Resampling::Bilinear),
    ] {
        let cfg = CutoutParams::new(64).resampling(kernel).check().unwrap();
        g.bench_function(format!("200_stamps_2_bands_64px_{name}"), |b| {
            b.iter(|| black_box(cfg.cut(&frames, 0, &positions).unwrap().indices.len()))
        });
    }
    g.finish();
}

criterion_group!(benches, mock, cutouts);
criterion_main!(benches);
