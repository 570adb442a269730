//! Write -> read round trips of images (every BITPIX, unsigned conventions, 4-D cubes) and
//! binary tables (every column type), and catalog FITS/CSV round trips.

use galaxy_io::fits::image::Number;
use galaxy_io::fits::{Card, ColumnData, ElemType, FitsFile, FitsWriter, TableColumn};
use galaxy_io::{CatColumn, Catalog};
use ndarray::{Array1, Array2, Array3, Array4, ArrayD, IxDyn};

#[test]
fn images_every_bitpix_roundtrip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("imgs.fits");
    let mut w = FitsWriter::create(&p).unwrap();
    let shape = IxDyn(&[3, 4]);
    let u8s = ArrayD::from_shape_fn(shape.clone(), |i| (i[0] * 4 + i[1]) as u8 * 20);
    let i8s = ArrayD::from_shape_fn(shape.clone(), |i| (i[0] * 4 + i[1]) as i8 * 10 - 60);
    let i16s = ArrayD::from_shape_fn(shape.clone(), |i| (i[0] * 4 + i[1]) as i16 * -1000);
    let u16s = ArrayD::from_shape_fn(shape.clone(), |i| 65535 - (i[0] * 4 + i[1]) as u16);
    let i32s = ArrayD::from_shape_fn(shape.clone(), |i| (i[0] as i32 - 1) * 2_000_000_000 / 2);
    let u32s = ArrayD::from_shape_fn(shape.clone(), |i| 4_000_000_000u32 + i[1] as u32);
    let i64s = ArrayD::from_shape_fn(shape.clone(), |i| i64::MIN + (i[0] * 4 + i[1]) as i64);
    let u64s = ArrayD::from_shape_fn(shape.clone(), |i| u64::MAX - (i[0] * 4 + i[1]) as u64);
    let f32s = ArrayD::from_shape_fn(shape.clone(), |i| {
        if i[1] == 2 {
            f32::NAN
        } else {
            i[0] as f32 * 0.5
        }
    });
    let f64s = ArrayD::from_shape_fn(shape.clone(), |i| 1e300 * i[1] as f64);
    w.write_image(u8s.view(), &[]).unwrap();
    w.write_image(i8s.view(), &[]).unwrap();
    w.write_image(i16s.view(), &[Card::new("EXTNAME", "I16", "")])
        .unwrap();
    w.write_image(u16s.view(), &[]).unwrap();
    w.write_image(i32s.view(), &[]).unwrap();
    w.write_image(u32s.view(), &[]).unwrap();
    w.write_image(i64s.view(), &[]).unwrap();
    w.write_image(u64s.view(), &[]).unwrap();
    w.write_image(f32s.view(), &[]).unwrap();
    w.write_image(f64s.view(), &[]).unwrap();
    w.finish().unwrap();
    let f = FitsFile::open(&p).unwrap();
    assert_eq!(f.len(), 10);
    assert_eq!(f.index_of("i16").unwrap(), 2);
    let exact = |i: usize| f.image(i).unwrap().to_f64();
    assert_eq!(exact(0), u8s.mapv(|x| x as f64));
    assert_eq!(exact(1), i8s.mapv(|x| x as f64));
    assert_eq!(exact(2), i16s.mapv(|x| x as f64));
    assert_eq!(exact(3), u16s.mapv(|x| x as f64));
    assert_eq!(exact(4), i32s.mapv(|x| x as f64));
    assert_eq!(exact(5), u32s.mapv(|x| x as f64));
    // 64-bit: compare exact sums (f64 cannot hold every value)
    let s = f.image(6).unwrap().stats();
    assert_eq!(s.sum, Number::Int(i64s.iter().map(|&x| x as i128).sum()));
    let s = f.image(7).unwrap().stats();
    assert_eq!(s.sum, Number::Int(u64s.iter().map(|&x| x as i128).sum()));
    assert_eq!(s.max, Some(Number::Int(u64::MAX as i128)));
    let g = f.image(8).unwrap();
    let st = g.stats();
    assert_eq!((st.count, st.missing), (9, 3));
    assert_eq!(st.sum, Number::Float(3.0 * (0.0 + 0.5 + 1.0)));
    assert_eq!(exact(9), f64s);
}

#[test]
fn four_d_cube_axis_order() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cube.fits");
    let cube = Array4::<f32>::from_shape_fn((3, 5, 8, 7), |(g, b, y, x)| {
        (g * 1000 + b * 100 + y * 10 + x) as f32
    });
    let mut w = FitsWriter::create(&p).unwrap();
    w.write_image(
        cube.view().into_dyn(),
        &[Card::new("PIXSCALE", 0.396, "arcsec")],
    )
    .unwrap();
    w.finish().unwrap();
    let f = FitsFile::open(&p).unwrap();
    let h = &f.hdu(0).unwrap().header;
    assert_eq!(h.i64("NAXIS1").unwrap(), 7);
    assert_eq!(h.i64("NAXIS2").unwrap(), 8);
    assert_eq!(h.i64("NAXIS3").unwrap(), 5);
    assert_eq!(h.i64("NAXIS4").unwrap(), 3);
    assert_eq!(h.f64("PIXSCALE").unwrap(), 0.396);
    let back = f.image(0).unwrap().to_f32();
    assert_eq!(back, cube.into_dyn());
    // no temp file left behind
    let n = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(n, 1);
}

#[test]
fn writer_rejects_structural_keywords_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.fits");
    let mut w = FitsWriter::create(&p).unwrap();
    let a = ArrayD::<f32>::zeros(IxDyn(&[2, 2]));
    assert!(
        w.write_image(a.view(), &[Card::new("NAXIS1", 5i64, "")])
            .is_err()
    );
    drop(w);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn binary_table_every_type_roundtrip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tab.fits");
    let n = 4;
    let f64s = Array2::from_shape_fn((n, 5), |(r, b)| {
        if r == 1 && b == 3 {
            f64::NAN
        } else {
            r as f64 + b as f64 / 10.0
        }
    });
    let ints = Array2::from_shape_fn((n, 1), |(r, _)| r as i64 * 1_000_000_000_000);
    let inull = Array2::from_shape_fn((n, 1), |(r, _)| r == 2);
    let i32s = Array2::from_shape_fn((n, 2), |(r, k)| (r * 2 + k) as i64 - 3);
    let strs = Array2::from_shape_fn((n, 1), |(r, _)| format!("gal{r}"));
    let bools = Array2::from_shape_fn((n, 1), |(r, _)| r % 2 == 0);
    let bnull = Array2::from_shape_fn((n, 1), |(r, _)| r == 3);
    let bits = Array2::from_shape_fn((n, 11), |(r, k)| (r + k) % 3 == 0);
    let cplx = Array3::from_shape_fn((n, 2, 2), |(r, k, c)| (r * 4 + k * 2 + c) as f64);
    let var: Vec<ColumnData> = (0..n)
        .map(|r| ColumnData::Float(Array2::from_shape_fn((1, r), |(_, k)| k as f64 + 0.25)))
        .collect();
    let u64s = Array2::from_shape_fn((n, 1), |(r, _)| u64::MAX - r as u64);
    let cols = vec![
        TableColumn::new("PETROMAG", ColumnData::Float(f64s.clone())).with_unit("mag"),
        TableColumn::new(
            "OBJID",
            ColumnData::Int {
                values: ints.clone(),
                null: inull.clone(),
            },
        ),
        TableColumn::new(
            "SMALL",
            ColumnData::Int {
                values: i32s.clone(),
                null: Array2::from_elem((n, 2), false),
            },
        )
        .with_storage(ElemType::I32),
        TableColumn::new("NAME", ColumnData::Str(strs.clone())),
        TableColumn::new(
            "FLAG",
            ColumnData::Bool {
                values: bools.clone(),
                null: bnull.clone(),
            },
        ),
        TableColumn::new("BITS", ColumnData::Bits(bits.clone())),
        TableColumn::new("CPLX", ColumnData::Complex(cplx.clone())),
        TableColumn::new("VAR", ColumnData::VarLen(var.clone())),
        TableColumn::new(
            "U64",
            ColumnData::UInt64 {
                values: u64s.clone(),
                null: Array2::from_elem((n, 1), false),
            },
        ),
        TableColumn::new("F32", ColumnData::Float(f64s.mapv(|x| x * 0.5)))
            .with_storage(ElemType::F32),
    ];
    let mut w = FitsWriter::create(&p).unwrap();
    w.write_table(&cols, &[Card::new("EXTNAME", "CAT", "")])
        .unwrap();
    w.finish().unwrap();
    let f = FitsFile::open(&p).unwrap();
    assert_eq!(f.len(), 2);
    let t = f.table(1).unwrap();
    assert_eq!(t.rows, n);
    let g = t.f64("PETROMAG").unwrap();
    assert_eq!(g.shape(), &[n, 5]);
    assert!(g[[1, 3]].is_nan());
    assert_eq!(g[[2, 4]], 2.4);
    let (iv, inl) = t.i64("OBJID").unwrap();
    assert_eq!(inl, inull);
    assert_eq!(iv[[3, 0]], 3_000_000_000_000);
    assert_eq!(t.column("SMALL").unwrap().info.tform, "2J");
    assert_eq!(t.i64("SMALL").unwrap().0, i32s);
    assert_eq!(
        t.strings("NAME").unwrap(),
        vec!["gal0", "gal1", "gal2", "gal3"]
    );
    match t.column("FLAG").unwrap().data {
        ColumnData::Bool { values, null } => {
            assert_eq!(null, bnull);
            assert!(values[[0, 0]]);
            assert!(!values[[1, 0]]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.column("BITS").unwrap().data, ColumnData::Bits(bits));
    assert_eq!(t.column("CPLX").unwrap().data, ColumnData::Complex(cplx));
    assert_eq!(t.column("VAR").unwrap().data, ColumnData::VarLen(var));
    match t.column("U64").unwrap().data {
        ColumnData::UInt64 { values, .. } => assert_eq!(values, u64s),
        other => panic!("{other:?}"),
    }
    let f32c = t.f64("F32").unwrap();
    assert_eq!(f32c[[3, 1]], ((3.1f64 * 0.5) as f32) as f64);
    assert!(t.column("NOPE").is_err());
}

#[test]
fn catalog_fits_and_csv_roundtrip_with_masks_and_elements() {
    let dir = tempfile::tempdir().unwrap();
    let n = 5;
    let mags = Array2::from_shape_fn((n, 5), |(r, b)| 15.0 + r as f64 + b as f64 * 0.1);
    let mut cat = Catalog::new()
        .with(CatColumn::i64(
            "OBJID",
            Array1::from_iter(100..100 + n as i64),
        ))
        .unwrap()
        .with(
            CatColumn::f64_array("PETROMAG", mags.clone())
                .with_unit("mag")
                .with_elem_names(&["u", "g", "r", "i", "z"]),
        )
        .unwrap()
        .with(CatColumn::f64(
            "Z",
            Array1::from(vec![0.1, -9999.0, 0.3, f64::NAN, 0.05]),
        ))
        .unwrap()
        .with(CatColumn::strings(
            "CLASS",
            (0..n).map(|i| format!("c{i}")).collect(),
        ))
        .unwrap();
    cat.set_sentinel("Z", -9999.0).unwrap();
    assert_eq!(cat.f64("PETROMAG[2]").unwrap()[1], 16.2);
    assert_eq!(cat.f64("PETROMAG[r]").unwrap()[1], 16.2);
    assert!(cat.f64("PETROMAG").is_err());
    assert!(cat.f64("PETROMAG[q]").is_err());
    assert!(cat.f64("NOPE").is_err());
    assert_eq!(
        cat.missing("Z").unwrap().to_vec(),
        vec![false, true, false, true, false]
    );
    assert_eq!(
        cat.valid(&["Z", "PETROMAG[u]"]).unwrap(),
        vec![true, false, true, false, true]
    );

    let pf = dir.path().join("cat.fits");
    cat.to_fits(&pf).unwrap();
    let back = Catalog::from_fits(&pf, None).unwrap();
    assert_eq!(back.names(), vec!["OBJID", "PETROMAG", "Z", "CLASS"]);
    assert_eq!(
        back.f64("PETROMAG[z]").unwrap(),
        cat.f64("PETROMAG[4]").unwrap()
    );
    assert_eq!(back.missing("Z").unwrap(), cat.missing("Z").unwrap());
    assert_eq!(
        back.column("PETROMAG").unwrap().unit.as_deref(),
        Some("mag")
    );
    assert_eq!(
        back.strings("CLASS").unwrap(),
        cat.strings("CLASS").unwrap()
    );

    let pc = dir.path().join("cat.csv");
    cat.to_csv(&pc).unwrap();
    let mut c2 = Catalog::from_csv(&pc).unwrap();
    c2.set_sentinel("Z", -9999.0).unwrap();
    assert_eq!(c2.names(), vec!["OBJID", "PETROMAG", "Z", "CLASS"]);
    assert_eq!(c2.column("PETROMAG").unwrap().elems(), 5);
    assert_eq!(
        c2.f64("PETROMAG[3]").unwrap(),
        cat.f64("PETROMAG[3]").unwrap()
    );
    assert_eq!(c2.missing("Z").unwrap(), cat.missing("Z").unwrap());
    assert_eq!(c2.i64("OBJID").unwrap().0, cat.i64("OBJID").unwrap().0);

    // select / filter / join
    let sel = cat.select(&["OBJID", "PETROMAG[r]"]).unwrap();
    assert_eq!(sel.names(), vec!["OBJID", "PETROMAG[r]"]);
    let keep = cat.valid(&["Z"]).unwrap();
    let fil = cat.filter(&keep).unwrap();
    assert_eq!(fil.nrows(), 3);
    assert_eq!(fil.i64("OBJID").unwrap().0.to_vec(), vec![100, 102, 104]);
    let other = Catalog::new()
        .with(CatColumn::i64("ID", Array1::from(vec![104, 100, 999])))
        .unwrap()
        .with(CatColumn::f64("MASS", Array1::from(vec![10.4, 10.0, 9.9])))
        .unwrap();
    let j = cat.join_by_id("OBJID", &other, "ID").unwrap();
    assert_eq!(j.nrows(), 2);
    assert_eq!(j.f64("MASS").unwrap().to_vec(), vec![10.0, 10.4]);
    assert!(j.column("ID").is_err());
}

#[test]
fn catalog_sky_match_nearest_within_radius() {
    let ra = Array1::from(vec![10.0, 10.0, 200.0, 359.9999]);
    let dec = Array1::from(vec![0.0, 1.0, -45.0, 0.0]);
    let left = Catalog::new()
        .with(CatColumn::f64("RA", ra))
        .unwrap()
        .with(CatColumn::f64("DEC", dec))
        .unwrap();
    // right: offsets of 1 arcsec, 5 arcsec, none, and across RA = 0
    let right = Catalog::new()
        .with(CatColumn::f64(
            "ra",
            Array1::from(vec![200.0, 10.0 + 1.0 / 3600.0, 10.0, 0.0001, 120.0]),
        ))
        .unwrap()
        .with(CatColumn::f64(
            "dec",
            Array1::from(vec![
                -45.0 + 5.0 / 3600.0,
                0.0,
                1.0 + 3.0 / 3600.0,
                0.0,
                0.0,
            ]),
        ))
        .unwrap()
        .with(CatColumn::i64("k", Array1::from(vec![0, 1, 2, 3, 4])))
        .unwrap();
    let m = left
        .match_sky("RA", "DEC", &right, "ra", "dec", 4.0)
        .unwrap();
    assert_eq!(m[0].unwrap().right, 1);
    assert!((m[0].unwrap().sep_arcsec - 1.0).abs() < 1e-6);
    assert_eq!(m[1].unwrap().right, 2);
    assert!((m[1].unwrap().sep_arcsec - 3.0).abs() < 1e-6);
    assert!(m[2].is_none()); // 5 arcsec > 4
    assert_eq!(m[3].unwrap().right, 3);
    assert!((m[3].unwrap().sep_arcsec - 0.72).abs() < 1e-6);
    let j = left
        .join_sky("RA", "DEC", &right, "ra", "dec", 4.0)
        .unwrap();
    assert_eq!(j.nrows(), 3);
    assert_eq!(j.i64("k").unwrap().0.to_vec(), vec![1, 2, 3]);
    assert!(
        left.match_sky("RA", "DEC", &right, "ra", "dec", -1.0)
            .is_err()
    );
}

/// Files written by this crate for the astropy comparison: with `MSTAR_FITS_WRITE_DIR` set,
/// `scripts/compare_fits_astropy.py` runs this test and checks that astropy reads every file
/// to the same summary as we do. Without it, the files go to a temporary folder and are read
/// back here.
#[test]
fn written_files_for_astropy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var("MSTAR_FITS_WRITE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    // every BITPIX and convention in one file, with header cards of every type
    let p = dir.join("written_images.fits");
    let mut w = FitsWriter::create(&p).unwrap();
    let sh = IxDyn(&[5, 7]);
    let cards = [
        Card::new("OBSERVER", "O'Neil", "quote inside"),
        Card::new("EXPTIME", 53.907456, "s"),
        Card::new("NCOMBINE", 17i64, ""),
        Card::new("FLAG", false, ""),
        Card::new("LONGSTR", "x".repeat(100).as_str(), "continued"),
        Card::new("ESO DET CHIP NAME", "ccd", "hierarch"),
        Card::comment("written by galaxy-io"),
        Card::history("test"),
    ];
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| (i[0] * 7 + i[1]) as u8).view(),
        &cards,
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| (i[0] * 7 + i[1]) as i8 - 20).view(),
        &[],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| (i[1] as i16 - 3) * 1000).view(),
        &[
            Card::new("BLANK", 0i64, ""),
            Card::new("BSCALE", 0.5, ""),
            Card::new("BZERO", 10.0, ""),
        ],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| 60000 + i[1] as u16).view(),
        &[],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| -2_000_000_000 + i[0] as i32).view(),
        &[],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| 4_000_000_000 + i[1] as u32).view(),
        &[],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| i64::MAX - i[1] as i64).view(),
        &[],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| u64::MAX - i[0] as u64).view(),
        &[],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| {
            if i[1] == 3 {
                f32::NAN
            } else {
                i[0] as f32 / 3.0
            }
        })
        .view(),
        &[],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| (i[0] as f64).sqrt() * 1e200).view(),
        &[],
    )
    .unwrap();
    w.write_image(
        Array4::<f32>::from_shape_fn((3, 5, 6, 4), |(g, b, y, x)| {
            (g * 1000 + b * 100 + y * 10 + x) as f32
        })
        .view()
        .into_dyn(),
        &[],
    )
    .unwrap();
    w.finish().unwrap();
    // a table of every writable type
    let n = 6;
    let cols = vec![
        TableColumn::new(
            "F64",
            ColumnData::Float(Array2::from_shape_fn((n, 5), |(r, k)| {
                if r == 2 && k == 1 {
                    f64::NAN
                } else {
                    r as f64 * 0.1 + k as f64
                }
            })),
        ),
        TableColumn::new(
            "F32",
            ColumnData::Float(Array2::from_shape_fn((n, 1), |(r, _)| r as f64 / 7.0)),
        )
        .with_storage(ElemType::F32),
        TableColumn::new(
            "I64",
            ColumnData::Int {
                values: Array2::from_shape_fn((n, 1), |(r, _)| r as i64 * 123_456_789_012),
                null: Array2::from_shape_fn((n, 1), |(r, _)| r == 4),
            },
        ),
        TableColumn::new(
            "I32",
            ColumnData::Int {
                values: Array2::from_shape_fn((n, 3), |(r, k)| (r * 3 + k) as i64 - 9),
                null: Array2::from_elem((n, 3), false),
            },
        )
        .with_storage(ElemType::I32),
        TableColumn::new(
            "I16",
            ColumnData::Int {
                values: Array2::from_shape_fn((n, 1), |(r, _)| r as i64 - 3),
                null: Array2::from_shape_fn((n, 1), |(r, _)| r == 0),
            },
        )
        .with_storage(ElemType::I16),
        TableColumn::new(
            "U8",
            ColumnData::Int {
                values: Array2::from_shape_fn((n, 1), |(r, _)| r as i64 * 40),
                null: Array2::from_elem((n, 1), false),
            },
        )
        .with_storage(ElemType::U8),
        TableColumn::new(
            "U64",
            ColumnData::UInt64 {
                values: Array2::from_shape_fn((n, 1), |(r, _)| u64::MAX - r as u64),
                null: Array2::from_elem((n, 1), false),
            },
        ),
        TableColumn::new(
            "NAME",
            ColumnData::Str(Array2::from_shape_fn((n, 1), |(r, _)| "g".repeat(r + 1))),
        ),
        TableColumn::new(
            "L",
            ColumnData::Bool {
                values: Array2::from_shape_fn((n, 2), |(r, k)| (r + k) % 2 == 0),
                null: Array2::from_elem((n, 2), false),
            },
        ),
        TableColumn::new(
            "X",
            ColumnData::Bits(Array2::from_shape_fn((n, 10), |(r, k)| (r * k) % 3 == 1)),
        ),
        TableColumn::new(
            "C",
            ColumnData::Complex(Array3::from_shape_fn((n, 2, 2), |(r, k, c)| {
                (r + k) as f64 * if c == 0 { 1.0 } else { -0.5 }
            })),
        ),
        TableColumn::new(
            "VD",
            ColumnData::VarLen(
                (0..n)
                    .map(|r| {
                        ColumnData::Float(Array2::from_shape_fn((1, r), |(_, k)| k as f64 * 1.5))
                    })
                    .collect(),
            ),
        ),
        TableColumn::new(
            "VJ",
            ColumnData::VarLen(
                (0..n)
                    .map(|r| ColumnData::Int {
                        values: Array2::from_shape_fn((1, r % 3), |(_, k)| k as i64 - 1),
                        null: Array2::from_elem((1, r % 3), false),
                    })
                    .collect(),
            ),
        )
        .with_storage(ElemType::I32),
    ];
    let p2 = dir.join("written_table.fits");
    let mut w = FitsWriter::create(&p2).unwrap();
    w.write_table(&cols, &[Card::new("EXTNAME", "EVERYTYPE", "")])
        .unwrap();
    w.finish().unwrap();
    // read back here too
    let f = FitsFile::open(&p).unwrap();
    assert_eq!(f.len(), 11);
    assert_eq!(f.hdu(0).unwrap().header.str("OBSERVER").unwrap(), "O'Neil");
    assert_eq!(
        f.hdu(0).unwrap().header.str("LONGSTR").unwrap(),
        "x".repeat(100)
    );
    assert_eq!(
        f.hdu(0).unwrap().header.str("ESO DET CHIP NAME").unwrap(),
        "ccd"
    );
    let s = f.image(2).unwrap().stats();
    assert_eq!(s.missing, 5);
    let t = FitsFile::open(&p2).unwrap().table(1).unwrap();
    assert_eq!(
        t.column("VJ").unwrap().stats().sum,
        Some(galaxy_io::fits::table::ColumnSum::Real(Number::Int(-4)))
    );
}
