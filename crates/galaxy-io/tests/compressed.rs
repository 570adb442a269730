//! Tile-compressed images written by astropy 8.0.2 (`tests/data/compressed`, made by
//! `python3 scripts/compare_fits_astropy.py --write-fixtures`) decode to astropy's values:
//! RICE_1 (8/16-bit, 2-D tiles), GZIP_1/GZIP_2 (3-D tiles, lossless f64), NOCOMPRESS,
//! quantized floats with NO_DITHER / SUBTRACTIVE_DITHER_1 (NaN via ZBLANK) /
//! SUBTRACTIVE_DITHER_2 (exact zeros); PLIO_1 and HCOMPRESS_1 equal astropy's values pixel by
//! pixel.

mod common;

use galaxy_io::FitsErrorKind;
use galaxy_io::fits::FitsFile;
use galaxy_io::fits::inspect::inspect;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/compressed")
        .join(name)
}

#[test]
fn compressed_fixtures_match_astropy() {
    let expected: Value =
        serde_json::from_str(include_str!("expected/compressed_astropy.json")).unwrap();
    let files = expected["files"].as_object().unwrap();
    assert_eq!(files.len(), 10);
    let mut n = 0;
    for (name, refs) in files {
        let f = FitsFile::open(fixture(name)).unwrap();
        let ours = serde_json::to_value(inspect(&f, false)).unwrap();
        assert_eq!(ours["hdus"][1]["compressed"], Value::Bool(true), "{name}");
        n += common::assert_matches(name, &ours, refs);
    }
    assert!(n >= 24, "{n}");
}

#[test]
fn dithered_floats_keep_nan_and_zero() {
    let f = FitsFile::open(fixture("gzip1_f32_dither2_zeros.fits")).unwrap();
    let img = f.image(1).unwrap().to_f32();
    assert_eq!(img.shape(), &[37, 53]);
    let flat: Vec<f32> = img.iter().copied().collect();
    // the fixture set every 17th pixel to 0 and every 23rd from 5 to NaN
    for (i, v) in flat.iter().enumerate() {
        if (i >= 5) && (i - 5) % 23 == 0 {
            assert!(v.is_nan(), "pixel {i} = {v}");
        } else if i % 17 == 0 {
            assert_eq!(*v, 0.0, "pixel {i}");
        } else {
            assert!(v.is_finite() && *v != 0.0, "pixel {i} = {v}");
        }
    }
    let h = f.image_header(1).unwrap();
    assert_eq!(h.i64("BITPIX").unwrap(), -32);
    assert_eq!(h.i64("NAXIS1").unwrap(), 53);
    assert!(!h.contains("ZCMPTYPE"));
}

/// Decoded values of a fixture against astropy's (`tests/expected/compressed_values.json`,
/// made by `python3 scripts/compare_fits_astropy.py --write-hp-fixtures`): integers exactly,
/// floats bit for bit (as f32). Returns the number of pixels compared.
fn assert_values(name: &str, refs: &Value) -> usize {
    let f = FitsFile::open(fixture(name)).unwrap();
    let img = f.image(1).unwrap_or_else(|e| panic!("{name}: {e}"));
    let shape: Vec<usize> = refs["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(img.ndarray_shape(), shape, "{name}: shape");
    let want = refs["values"].as_array().unwrap();
    assert_eq!(want.len(), img.len(), "{name}: pixel count");
    match refs["kind"].as_str().unwrap() {
        "int" => {
            let v = img.to_f64();
            for (k, (a, b)) in v.iter().zip(want).enumerate() {
                assert_eq!(*a, b.as_i64().unwrap() as f64, "{name}: pixel {k}");
            }
        }
        _ => {
            let v = img.to_f32();
            for (k, (a, b)) in v.iter().zip(want).enumerate() {
                let b = f32::from_bits(b.as_u64().unwrap() as u32);
                assert!(
                    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                    "{name}: pixel {k}: {a} != {b}"
                );
            }
        }
    }
    want.len()
}

#[test]
fn plio_and_hcompress_decode_to_astropy_values() {
    let expected: Value =
        serde_json::from_str(include_str!("expected/compressed_values.json")).unwrap();
    let mut n = 0;
    for (name, refs) in expected["files"].as_object().unwrap() {
        n += assert_values(name, refs);
    }
    // 2 PLIO and 5 HCOMPRESS files (lossless integers, lossy SCALE = 4, quantized floats)
    assert_eq!(n, 7 * 37 * 53);
    // the fixtures of compressed_astropy.json decode (their summaries are compared above)
    for name in ["plio_u8.fits", "hcompress_i16.fits"] {
        let f = FitsFile::open(fixture(name)).unwrap();
        let s = inspect(&f, false);
        assert_eq!(s.hdus[1].kind, "image", "{name}");
        assert!(s.hdus[1].error.is_none(), "{name}");
    }
}

#[test]
fn hcompress_with_smoothing_is_typed_unsupported() {
    // the same file with SMOOTH = 1 in its header (astropy writes SMOOTH = 0)
    let mut b = std::fs::read(fixture("hcompress_u8_whole.fits")).unwrap();
    let key = b"ZNAME2  = 'SMOOTH  '";
    let at = b
        .windows(key.len())
        .position(|w| w == key)
        .expect("ZNAME2 = SMOOTH card");
    let val = at + 80; // ZVAL2 follows
    assert_eq!(&b[val..val + 8], b"ZVAL2   ");
    b[val + 29] = b'1';
    let f = FitsFile::from_bytes(b, "smooth.fits").unwrap();
    let e = f.image(1).unwrap_err();
    assert_eq!(e.fits_kind(), Some(FitsErrorKind::Unsupported), "{e}");
    assert!(e.to_string().contains("SMOOTH"), "{e}");
}
