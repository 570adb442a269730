//! Cross-check with fitsrs (the FITS reader named in the project guide) where fitsrs is
//! correct: uncompressed images of every BITPIX. fitsrs returns the raw stored values
//! (no BSCALE/BZERO), so the comparison is on galaxy-io's raw `Pixels`, which must be
//! identical, HDU by HDU. (galaxy-io has its own parser for everything else: see the
//! crate documentation.)

use fitsrs::{Fits, HDU, Pixels as RsPixels};
use galaxy_io::fits::{Card, FitsFile, FitsWriter, Pixels};
use ndarray::{ArrayD, IxDyn};
use std::io::BufReader;

#[test]
fn uncompressed_images_of_every_bitpix_match_fitsrs() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("every_bitpix.fits");
    let sh = IxDyn(&[13, 29]);
    let mut w = FitsWriter::create(&p).unwrap();
    let idx = |i: &IxDyn| (i[0] * 29 + i[1]) as i64;
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| (idx(&i) * 7 % 256) as u8).view(),
        &[],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| (idx(&i) * 301 - 30_000) as i16).view(),
        &[Card::new("BSCALE", 0.25, ""), Card::new("BZERO", 7.0, "")],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| (idx(&i) * 1_000_003 - 7) as i32).view(),
        &[],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| idx(&i) * 123_456_789_011 - (1 << 40)).view(),
        &[],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| idx(&i) as f32 * -0.37 + 1e-3).view(),
        &[],
    )
    .unwrap();
    w.write_image(
        ArrayD::from_shape_fn(sh.clone(), |i| (idx(&i) as f64).sqrt() * 1e100).view(),
        &[],
    )
    .unwrap();
    w.finish().unwrap();

    let ours = FitsFile::open(&p).unwrap();
    let mut fits = Fits::from_reader(BufReader::new(std::fs::File::open(&p).unwrap()));
    let mut k = 0;
    while let Some(hdu) = fits.next() {
        let hdu = hdu.unwrap();
        let img = match &hdu {
            HDU::Primary(h) | HDU::XImage(h) => fits.get_data(h),
            _ => panic!("HDU {k} is not an image"),
        };
        let mine = ours.image(k).unwrap().pixels;
        match (img.pixels(), mine) {
            (RsPixels::U8(it), Pixels::U8(v)) => assert_eq!(it.collect::<Vec<_>>(), v),
            (RsPixels::I16(it), Pixels::I16(v)) => assert_eq!(it.collect::<Vec<_>>(), v),
            (RsPixels::I32(it), Pixels::I32(v)) => assert_eq!(it.collect::<Vec<_>>(), v),
            (RsPixels::I64(it), Pixels::I64(v)) => assert_eq!(it.collect::<Vec<_>>(), v),
            (RsPixels::F32(it), Pixels::F32(v)) => {
                let a: Vec<u32> = it.map(f32::to_bits).collect();
                assert_eq!(a, v.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            }
            (RsPixels::F64(it), Pixels::F64(v)) => {
                let a: Vec<u64> = it.map(f64::to_bits).collect();
                assert_eq!(a, v.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            }
            (_, m) => panic!("HDU {k}: storage types differ (ours BITPIX {})", m.bitpix()),
        }
        k += 1;
    }
    assert_eq!(k, 6);
    assert_eq!(ours.len(), 6);
}
