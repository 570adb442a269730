//! Cutouts on the real SDSS u frame at the photoObj galaxy positions: stamps are centred (the catalog
//! RA/Dec through the stamp's own WCS lands on ((N-1)/2, (N-1)/2)), their light is centred, and the
//! integer-aligned mode copies the frame pixels exactly.

use std::path::PathBuf;

use galaxy_io::Catalog;
use galaxy_io::cutout::{Centering, CutoutParams, Frame};

fn reference_data() -> Option<PathBuf> {
    let dir = std::env::var_os("MSTAR_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("MSTAR_REQUIRE_REFERENCE_DATA").as_deref() == Ok("1") {
        panic!(
            "reference data not found at {} (MSTAR_REQUIRE_REFERENCE_DATA=1)",
            dir.display()
        );
    }
    eprintln!(
        "skipping: reference data not found at {} (set MSTAR_REFERENCE_DATA)",
        dir.display()
    );
    None
}

#[test]
fn stamps_at_photoobj_galaxies_are_centred() {
    let Some(data) = reference_data() else { return };
    let field = data.join("sdss/field_3900_6_269");
    let frame = Frame::from_fits(field.join("frame-u-003900-6-0269.fits.bz2"), 0, "u").unwrap();
    assert_eq!(frame.data.dim(), (1489, 2048));
    let cat = Catalog::from_fits(field.join("photoObj-003900-6-0269.fits"), None).unwrap();
    let (ra, dec, kind) = (
        cat.f64("RA").unwrap(),
        cat.f64("DEC").unwrap(),
        cat.f64("OBJC_TYPE").unwrap(),
    );
    let umag = cat.f64("PETROMAG[0]").unwrap();
    let rows: Vec<usize> = (0..cat.nrows()).filter(|&i| kind[i] == 3.0).collect();
    let pos: Vec<(f64, f64)> = rows.iter().map(|&i| (ra[i], dec[i])).collect();
    let n = 64;
    let set = CutoutParams::new(n)
        .check()
        .unwrap()
        .cut(std::slice::from_ref(&frame), 0, &pos)
        .unwrap();
    // the data README: about 570 galaxies lie far enough inside the frame
    assert!(
        (540..=600).contains(&set.indices.len()),
        "{} stamps",
        set.indices.len()
    );
    assert_eq!(set.indices.len() + set.rejected.len(), pos.len());
    let c = (n as f64 - 1.0) / 2.0;
    let mut bright = 0;
    let mut offsets = Vec::new();
    for (g, &k) in set.indices.iter().enumerate() {
        let (ra, dec) = pos[k];
        let (x, y) = set.wcs[g].sky_to_pixel(ra, dec).unwrap();
        assert!(
            (x - c).abs() < 0.05 && (y - c).abs() < 0.05,
            "stamp {g}: ({x}, {y})"
        );
        // light centroid of the brighter galaxies (u < 20) within 3 px of the centre, background removed
        if umag[rows[k]] < 20.0 {
            let stamp = set.images.slice(ndarray::s![g, 0, .., ..]);
            let mut vals: Vec<f32> = stamp.iter().copied().collect();
            vals.sort_by(f32::total_cmp);
            let bg = vals[vals.len() / 2] as f64;
            let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
            for yy in 0..n {
                for xx in 0..n {
                    let (dx, dy) = (xx as f64 - c, yy as f64 - c);
                    if dx * dx + dy * dy <= 9.0 {
                        let w = (stamp[[yy, xx]] as f64 - bg).max(0.0);
                        sw += w;
                        sx += w * dx;
                        sy += w * dy;
                    }
                }
            }
            offsets.push((sx / sw).hypot(sy / sw));
            bright += 1;
        }
    }
    assert!(bright >= 20, "{bright} bright galaxies");
    offsets.sort_by(f64::total_cmp);
    let median = offsets[offsets.len() / 2];
    eprintln!(
        "centroid offsets: median {median}, 90% {} px ({bright} galaxies)",
        offsets[offsets.len() * 9 / 10]
    );
    assert!(
        median < 0.3,
        "median centroid offset {median} px over {bright} bright galaxies"
    );
}

#[test]
fn integer_aligned_stamps_copy_frame_pixels() {
    let Some(data) = reference_data() else { return };
    let field = data.join("sdss/field_3900_6_269");
    let frame = Frame::from_fits(field.join("frame-u-003900-6-0269.fits.bz2"), 0, "u").unwrap();
    let (ra, dec) = frame.wcs.pixel_to_sky(1000.3, 700.8);
    let set = CutoutParams::new(64)
        .centering(Centering::NearestPixel)
        .check()
        .unwrap()
        .cut(std::slice::from_ref(&frame), 0, &[(ra, dec)])
        .unwrap();
    // origin = round(1000.3 - 31.5), round(700.8 - 31.5) = 969, 669
    for (y, x) in [(0usize, 0usize), (10, 40), (63, 63)] {
        assert_eq!(set.images[[0, 0, y, x]], frame.data[[669 + y, 969 + x]]);
    }
    let (x, y) = set.wcs[0].sky_to_pixel(ra, dec).unwrap();
    assert!((x - 31.3).abs() < 1e-6 && (y - 31.8).abs() < 1e-6);
}
