//! Tile-compressed images written by astropy 8.0.2 (`tests/data/compressed`, made by
//! `python3 scripts/compare_fits_astropy.py --write-fixtures`) decode to astropy's values:
//! RICE_1 (8/16-bit, 2-D tiles), GZIP_1/GZIP_2 (3-D tiles, lossless f64), NOCOMPRESS,
//! quantized floats with NO_DITHER / SUBTRACTIVE_DITHER_1 (NaN via ZBLANK) /
//! SUBTRACTIVE_DITHER_2 (exact zeros); HCOMPRESS_1 and PLIO_1 give a typed Unsupported error.

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

#[test]
fn hcompress_and_plio_are_typed_unsupported() {
    for name in ["hcompress_i16.fits", "plio_u8.fits"] {
        let f = FitsFile::open(fixture(name)).unwrap();
        let e = f.image(1).unwrap_err();
        assert_eq!(
            e.fits_kind(),
            Some(FitsErrorKind::Unsupported),
            "{name}: {e}"
        );
        let msg = e.to_string();
        assert!(msg.contains(name) && msg.contains("HDU 1"), "{msg}");
        let s = inspect(&f, false);
        assert_eq!(s.hdus[1].kind, "unsupported");
    }
}
