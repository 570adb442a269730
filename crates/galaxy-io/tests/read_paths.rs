//! The fast read paths agree with each other and with the values written: plain files read
//! from disk (parallel positioned reads straight into the pixel buffer; table rows streamed
//! block by block for all columns at once) versus the same bytes held in memory
//! (`FitsFile::from_bytes`), all columns at once versus one column at a time, and image
//! statistics / scaled values versus a naive per-pixel computation. The sizes exceed the
//! parallel block sizes so that several blocks (and their edges) are exercised.

use galaxy_io::fits::image::Number;
use galaxy_io::fits::{Card, ColumnData, ElemType, FitsFile, FitsWriter, TableColumn};
use ndarray::{Array2, Array3, ArrayD, IxDyn};

/// Debug text of column data: NaN prints as NaN, so equal text = identical decode.
fn text(d: &ColumnData) -> String {
    format!("{d:?}")
}

#[test]
fn large_table_from_disk_memory_and_per_column_agree_with_written_values() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big_table.fits");
    // 70 000 rows of 140 bytes: about 100 row blocks, several parallel tasks
    let n = 70_000;
    let f64s = Array2::from_shape_fn((n, 5), |(r, k)| {
        if (r * 5 + k) % 97 == 3 {
            f64::NAN
        } else {
            r as f64 * 0.25 - k as f64 * 1e3
        }
    });
    let f32s = Array2::from_shape_fn((n, 1), |(r, _)| (r as f32 / 7.0) as f64);
    let i64v = Array2::from_shape_fn((n, 1), |(r, _)| r as i64 * 123_456_789_012 - 7);
    let i64null = Array2::from_shape_fn((n, 1), |(r, _)| r % 1000 == 4);
    let i32v = Array2::from_shape_fn((n, 3), |(r, k)| (r * 3 + k) as i64 - 90_000);
    let i16v = Array2::from_shape_fn((n, 1), |(r, _)| (r % 30_000) as i64 - 15_000);
    let i16null = Array2::from_shape_fn((n, 1), |(r, _)| r % 777 == 0);
    let u8v = Array2::from_shape_fn((n, 2), |(r, k)| ((r + k) % 256) as i64);
    let names = Array2::from_shape_fn((n, 1), |(r, _)| format!("g{}", r % 1234));
    let logic = Array2::from_shape_fn((n, 2), |(r, k)| (r + k) % 3 == 0);
    let bits = Array2::from_shape_fn((n, 10), |(r, k)| (r * k) % 3 == 1);
    let cplx = Array3::from_shape_fn((n, 1, 2), |(r, _, c)| {
        r as f64 * if c == 0 { 1.0 } else { -0.5 }
    });
    let f32n = Array2::from_shape_fn((n, 3), |(r, k)| {
        if (r + k) % 61 == 0 {
            f32::NAN
        } else {
            r as f32 * 1e-3 - k as f32
        }
    });
    let cols = vec![
        TableColumn::new("F64", ColumnData::Float(f64s.clone())),
        TableColumn::new("F32N", ColumnData::Float32(f32n.clone())),
        TableColumn::new("F32", ColumnData::Float(f32s.clone())).with_storage(ElemType::F32),
        TableColumn::new(
            "I64",
            ColumnData::Int {
                values: i64v.clone(),
                null: i64null.clone(),
            },
        ),
        TableColumn::new(
            "I32",
            ColumnData::Int {
                values: i32v.clone(),
                null: Array2::from_elem((n, 3), false),
            },
        )
        .with_storage(ElemType::I32),
        TableColumn::new(
            "I16",
            ColumnData::Int {
                values: i16v.clone(),
                null: i16null.clone(),
            },
        )
        .with_storage(ElemType::I16),
        TableColumn::new(
            "U8",
            ColumnData::Int {
                values: u8v.clone(),
                null: Array2::from_elem((n, 2), false),
            },
        )
        .with_storage(ElemType::U8),
        TableColumn::new("NAME", ColumnData::Str(names.clone())),
        TableColumn::new(
            "L",
            ColumnData::Bool {
                values: logic.clone(),
                null: Array2::from_elem((n, 2), false),
            },
        ),
        TableColumn::new("X", ColumnData::Bits(bits.clone())),
        TableColumn::new("C", ColumnData::Complex(cplx.clone())),
    ];
    let mut w = FitsWriter::create(&p).unwrap();
    w.write_table(&cols, &[]).unwrap();
    w.finish().unwrap();

    let disk = FitsFile::open(&p).unwrap();
    let mem = FitsFile::from_bytes(std::fs::read(&p).unwrap(), "mem").unwrap();
    let idx = disk.index_of("").unwrap_or(1);
    let streamed = disk.table(idx).unwrap().read_all_columns().unwrap();
    let in_memory = mem.table(idx).unwrap().read_all_columns().unwrap();
    let t = disk.table(idx).unwrap();
    assert_eq!(streamed.len(), cols.len());
    for (k, c) in streamed.iter().enumerate() {
        assert_eq!(
            text(&c.data),
            text(&in_memory[k].data),
            "column {}",
            c.info.name
        );
        let one = t.column_at(k).unwrap();
        assert_eq!(
            text(&c.data),
            text(&one.data),
            "column {} alone",
            c.info.name
        );
    }
    // a subset in another order decodes the same
    let sub = t.read_columns(&[9, 0, 4]).unwrap();
    assert!(text(&sub[0].data) == text(&streamed[9].data));
    assert!(text(&sub[1].data) == text(&streamed[0].data));
    assert!(text(&sub[2].data) == text(&streamed[4].data));

    // the values are those written
    let by = |name: &str| &streamed.iter().find(|c| c.info.name == name).unwrap().data;
    assert!(text(by("F64")) == text(&ColumnData::Float(f64s)));
    // E columns without scaling decode to single precision
    assert!(text(by("F32")) == text(&ColumnData::Float32(f32s.mapv(|x| x as f32))));
    assert!(text(by("F32N")) == text(&ColumnData::Float32(f32n)));
    let zero_nulls = |v: &Array2<i64>, m: &Array2<bool>| {
        ndarray::Zip::from(v)
            .and(m)
            .map_collect(|&x, &n| if n { 0 } else { x })
    };
    match by("I64") {
        ColumnData::Int { values, null } => {
            assert_eq!(null, &i64null);
            assert_eq!(zero_nulls(values, null), zero_nulls(&i64v, &i64null));
        }
        other => panic!("I64 decoded as {}", other.type_name()),
    }
    match by("I16") {
        ColumnData::Int { values, null } => {
            assert_eq!(null, &i16null);
            assert_eq!(zero_nulls(values, null), zero_nulls(&i16v, &i16null));
        }
        other => panic!("I16 decoded as {}", other.type_name()),
    }
    match by("I32") {
        ColumnData::Int { values, .. } => assert_eq!(values, &i32v),
        other => panic!("I32 decoded as {}", other.type_name()),
    }
    match by("U8") {
        ColumnData::Int { values, .. } => assert_eq!(values, &u8v),
        other => panic!("U8 decoded as {}", other.type_name()),
    }
    assert_eq!(by("NAME"), &ColumnData::Str(names));
    match by("L") {
        ColumnData::Bool { values, null } => {
            assert_eq!(values, &logic);
            assert!(null.iter().all(|&b| !b));
        }
        other => panic!("L decoded as {}", other.type_name()),
    }
    assert_eq!(by("X"), &ColumnData::Bits(bits));
    assert_eq!(by("C"), &ColumnData::Complex(cplx));
}

#[test]
fn large_images_from_disk_and_memory_agree_with_naive_scaling_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big_images.fits");
    // 1500 x 1500 i16 = 4.5 MB and 1100 x 1100 f32 = 4.8 MB: more than one 4 MiB read block
    let (h, wd) = (1500, 1500);
    let raw = ArrayD::from_shape_fn(IxDyn(&[h, wd]), |i| {
        let v = ((i[0] * 7919 + i[1] * 104_729) % 65_536) as i64 - 32_768;
        v as i16
    });
    let f = ArrayD::from_shape_fn(IxDyn(&[1100, 1100]), |i| {
        if (i[0] + i[1]) % 101 == 0 {
            f32::NAN
        } else {
            (i[0] as f32 - 550.0) * 0.37 + i[1] as f32 * 1e-3
        }
    });
    let ints = ArrayD::from_shape_fn(IxDyn(&[1100, 1000]), |i| {
        (i[0] as i32 - 500) * 1_000_000 + i[1] as i32
    });
    let mut w = FitsWriter::create(&p).unwrap();
    w.write_image(
        raw.view(),
        &[
            Card::new("BSCALE", 0.5, ""),
            Card::new("BZERO", 100.0, ""),
            Card::new("BLANK", -32768i64, ""),
        ],
    )
    .unwrap();
    w.write_image(f.view(), &[]).unwrap();
    w.write_image(ints.view(), &[]).unwrap();
    w.finish().unwrap();

    let disk = FitsFile::open(&p).unwrap();
    let mem = FitsFile::from_bytes(std::fs::read(&p).unwrap(), "mem").unwrap();
    for k in 0..3 {
        // Debug text: NaN equals NaN, so equal text = identical pixels and scaling
        let (a, b) = (disk.image(k).unwrap(), mem.image(k).unwrap());
        assert!(format!("{a:?}") == format!("{b:?}"), "HDU {k} differs");
    }

    // scaled i16 with BLANK: values and statistics against a per-pixel loop
    let img = disk.image(0).unwrap();
    let v = img.to_f64();
    let (mut count, mut sum, mut min, mut max) = (0u64, 0.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for (a, &r) in v.iter().zip(raw.iter()) {
        if r == -32768 {
            assert!(a.is_nan());
            continue;
        }
        let want = r as f64 * 0.5 + 100.0;
        assert_eq!(*a, want);
        count += 1;
        sum += want;
        min = min.min(want);
        max = max.max(want);
    }
    let s = img.stats();
    assert_eq!(s.count, count);
    assert_eq!(s.missing, (h * wd) as u64 - count);
    assert_eq!(s.min, Some(Number::Float(min)));
    assert_eq!(s.max, Some(Number::Float(max)));
    // every value is a multiple of 0.5 below 2^17: the f64 sums are exact in any order
    assert_eq!(s.sum, Number::Float(sum));
    let f32v = img.to_f32();
    for (a, b) in f32v.iter().zip(v.iter()) {
        assert!(a.is_nan() && b.is_nan() || *a == *b as f32);
    }

    // f32 with NaN
    let img = disk.image(1).unwrap();
    let s = img.stats();
    let good: Vec<f64> = f
        .iter()
        .filter(|x| !x.is_nan())
        .map(|&x| x as f64)
        .collect();
    assert_eq!(s.count, good.len() as u64);
    assert_eq!(s.missing, (1100 * 1100 - good.len()) as u64);
    let naive: f64 = good.iter().sum();
    assert!((s.sum.as_f64() - naive).abs() <= 1e-12 * good.iter().map(|x| x.abs()).sum::<f64>());
    let mn = good.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(s.min, Some(Number::Float(mn)));
    let back = img.into_f32();
    assert!(
        back.iter()
            .zip(f.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "f32 pixels differ from those written"
    );

    // i32: exact integer statistics
    let s = disk.image(2).unwrap().stats();
    let exact: i128 = ints.iter().map(|&x| x as i128).sum();
    assert_eq!(s.sum, Number::Int(exact));
    assert_eq!(s.count, 1_100_000);
    assert_eq!(s.min, Some(Number::Int(-500 * 1_000_000)));
    assert_eq!(s.max, Some(Number::Int(599 * 1_000_000 + 999)));
}
