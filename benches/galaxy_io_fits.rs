//! FITS read throughput of galaxy-io (compare with astropy: `python3
//! scripts/compare_fits_astropy.py --bench`, which times astropy on the same kinds of
//! files). Each case opens the file and decodes every image / table column into native
//! `ndarray` arrays.
//!
//! `cargo bench --bench galaxy_io_fits`
//!
//! Cases: a 4096 x 4096 f32 image; a 4096 x 4096 i16 image with BSCALE/BZERO/BLANK
//! (decoded to scaled f32); a 200 000-row table (4 x 5E array columns, K, D), all columns
//! decoded together (`Table::read_all_columns`); the SDSS bz2 u-band frame and the photoObj
//! catalog (when the reference data exist).

use criterion::{Criterion, criterion_group, criterion_main};
use galaxy_io::fits::{Card, ColumnData, FitsFile, FitsWriter, TableColumn};
use ndarray::{Array2, ArrayD, IxDyn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn read_all(p: &Path) -> usize {
    let f = FitsFile::open(p).expect("open");
    let mut n = 0;
    for h in f.hdus() {
        match h.kind {
            galaxy_io::fits::HduKind::Image if !h.is_empty() => {
                n += f.image(h.index).expect("image").into_f32().len();
            }
            galaxy_io::fits::HduKind::BinTable => {
                let t = f.table(h.index).expect("table");
                for c in t.read_all_columns().expect("columns") {
                    n += c.data.rows();
                }
            }
            _ => {}
        }
    }
    n
}

fn reference_dir() -> Option<PathBuf> {
    let d = match std::env::var("MSTAR_REFERENCE_DATA") {
        Ok(p) => PathBuf::from(p),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    };
    let d = d.join("sdss/field_3900_6_269");
    d.is_dir().then_some(d)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let img = dir.path().join("image_4096x4096_f32.fits");
    let a = ArrayD::from_shape_fn(IxDyn(&[4096, 4096]), |_| rng.random::<f32>());
    let mut w = FitsWriter::create(&img).expect("create");
    w.write_image(a.view(), &[]).expect("write");
    w.finish().expect("finish");
    let img16 = dir.path().join("image_4096x4096_i16_scaled.fits");
    let a = ArrayD::from_shape_fn(IxDyn(&[4096, 4096]), |_| rng.random::<i16>());
    let mut w = FitsWriter::create(&img16).expect("create");
    let cards = [
        Card::new("BSCALE", 0.5, ""),
        Card::new("BZERO", 100.0, ""),
        Card::new("BLANK", -32768i64, ""),
    ];
    w.write_image(a.view(), &cards).expect("write");
    w.finish().expect("finish");
    let tab = dir.path().join("table_200k_rows.fits");
    let n = 200_000;
    let mut cols: Vec<TableColumn> = (0..4)
        .map(|k| {
            TableColumn::new(
                format!("m{k}"),
                ColumnData::Float(Array2::from_shape_fn((n, 5), |_| {
                    rng.random::<f32>() as f64
                })),
            )
            .with_storage(galaxy_io::fits::ElemType::F32)
        })
        .collect();
    cols.push(TableColumn::new(
        "id",
        ColumnData::Int {
            values: Array2::from_shape_fn((n, 1), |(r, _)| r as i64),
            null: Array2::from_elem((n, 1), false),
        },
    ));
    cols.push(TableColumn::new(
        "z",
        ColumnData::Float(Array2::from_shape_fn((n, 1), |_| rng.random::<f64>())),
    ));
    let mut w = FitsWriter::create(&tab).expect("create");
    w.write_table(&cols, &[]).expect("write");
    w.finish().expect("finish");

    let mut g = c.benchmark_group("fits_read");
    g.sample_size(10);
    g.bench_function("image_4096x4096_f32", |b| {
        b.iter(|| black_box(read_all(&img)))
    });
    g.bench_function("image_4096x4096_i16_scaled", |b| {
        b.iter(|| black_box(read_all(&img16)))
    });
    g.bench_function("table_200k_rows", |b| b.iter(|| black_box(read_all(&tab))));
    if let Some(d) = reference_dir() {
        let frame = d.join("frame-u-003900-6-0269.fits.bz2");
        let phot = d.join("photoObj-003900-6-0269.fits");
        g.bench_function("frame_u_bz2", |b| b.iter(|| black_box(read_all(&frame))));
        g.bench_function("photoObj", |b| b.iter(|| black_box(read_all(&phot))));
    } else {
        eprintln!("reference data not found: skipping the SDSS cases");
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
