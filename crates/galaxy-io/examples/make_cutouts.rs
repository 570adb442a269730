//! Cuts N x N stamps at catalog positions from per-band SDSS frames and writes a survey directory.
//!
//! `cargo run -p galaxy-io --release --example make_cutouts -- --frames ../shared/data/sdss/field_3900_6_269
//!  --catalog ../shared/data/sdss/field_3900_6_269/photoObj-003900-6-0269.fits --size 64 --out /tmp/stamps`
//!
//! Frames are the files `frame-{band}-*.fits[.bz2|.gz]` in `--frames` (any of u g r i z); the reference
//! grid is `--reference` (default r, else the first band found). Catalog rows with OBJC_TYPE != 3 are
//! skipped unless `--all-objects`. The output catalog holds the kept rows and each stamp's WCS
//! (`STAMP_CRPIX1` ... `STAMP_CD2_2`); rejected positions are listed on stderr.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use galaxy_io::Catalog;
use galaxy_io::catalog::CatColumn;
use galaxy_io::cutout::{CutoutParams, EdgePolicy, Frame, Resampling};
use galaxy_io::survey::{Splits, Survey};
use ndarray::Array1;

#[derive(Clone, Copy, ValueEnum)]
enum Kernel {
    Bilinear,
    Lanczos3,
}

#[derive(Clone, Copy, ValueEnum)]
enum Edge {
    Reject,
    Pad,
}

#[derive(Parser)]
#[command(about = "Cut stamps at catalog positions from SDSS frames into a survey directory")]
struct Args {
    /// Directory with frame-{band}-*.fits[.bz2|.gz] files.
    #[arg(long)]
    frames: PathBuf,
    /// Catalog (FITS binary table or CSV) with RA and DEC columns in degrees.
    #[arg(long)]
    catalog: PathBuf,
    /// Stamp side in pixels.
    #[arg(long, default_value_t = 64)]
    size: usize,
    /// Output survey directory.
    #[arg(long)]
    out: PathBuf,
    /// Reference band.
    #[arg(long)]
    reference: Option<String>,
    /// RA column.
    #[arg(long, default_value = "RA")]
    ra_col: String,
    /// Dec column.
    #[arg(long, default_value = "DEC")]
    dec_col: String,
    /// Keep every catalog row, not only OBJC_TYPE == 3 (galaxies).
    #[arg(long)]
    all_objects: bool,
    /// Interpolation kernel.
    #[arg(long, value_enum, default_value = "lanczos3")]
    kernel: Kernel,
    /// Edge policy.
    #[arg(long, value_enum, default_value = "reject")]
    edge: Edge,
    /// Replace an existing output directory.
    #[arg(long)]
    overwrite: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = Args::parse();
    let mut frames = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&a.frames)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for band in ["u", "g", "r", "i", "z"] {
        let prefix = format!("frame-{band}-");
        if let Some(p) = entries.iter().find(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(&prefix)
                    && (n.ends_with(".fits") || n.ends_with(".fits.bz2") || n.ends_with(".fits.gz"))
            })
        }) {
            eprintln!("band {band}: {}", p.display());
            frames.push(Frame::from_fits(p, 0, band)?);
        }
    }
    if frames.is_empty() {
        return Err(format!("no frame-<band>-*.fits files in {}", a.frames.display()).into());
    }
    let reference = match &a.reference {
        Some(b) => frames
            .iter()
            .position(|f| &f.band == b)
            .ok_or(format!("no frame for reference band {b}"))?,
        None => frames.iter().position(|f| f.band == "r").unwrap_or(0),
    };
    let is_csv = a
        .catalog
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let cat = if is_csv {
        Catalog::from_csv(&a.catalog)?
    } else {
        Catalog::from_fits(&a.catalog, None)?
    };
    let ra = cat.f64(&a.ra_col)?;
    let dec = cat.f64(&a.dec_col)?;
    let rows: Vec<usize> = if a.all_objects || cat.column("OBJC_TYPE").is_err() {
        (0..cat.nrows()).collect()
    } else {
        let t = cat.f64("OBJC_TYPE")?;
        (0..cat.nrows()).filter(|&i| t[i] == 3.0).collect()
    };
    let positions: Vec<(f64, f64)> = rows.iter().map(|&i| (ra[i], dec[i])).collect();
    let params = CutoutParams::new(a.size)
        .resampling(match a.kernel {
            Kernel::Bilinear => Resampling::Bilinear,
            Kernel::Lanczos3 => Resampling::Lanczos3,
        })
        .edge(match a.edge {
            Edge::Reject => EdgePolicy::Reject,
            Edge::Pad => EdgePolicy::PadMissing,
        });
    let set = params.check()?.cut(&frames, reference, &positions)?;
    for r in &set.rejected {
        eprintln!("row {}: rejected: {}", rows[r.index], r.reason);
    }
    let kept_rows: Vec<usize> = set.indices.iter().map(|&k| rows[k]).collect();
    let mut out_cat = cat.take(&kept_rows)?;
    let wcs_col =
        |f: &dyn Fn(&galaxy_io::wcs::TanWcs) -> f64| Array1::from_iter(set.wcs.iter().map(f));
    for (name, col) in [
        ("STAMP_CRPIX1", wcs_col(&|w| w.crpix[0])),
        ("STAMP_CRPIX2", wcs_col(&|w| w.crpix[1])),
        ("STAMP_CRVAL1", wcs_col(&|w| w.crval[0])),
        ("STAMP_CRVAL2", wcs_col(&|w| w.crval[1])),
        ("STAMP_CD1_1", wcs_col(&|w| w.cd[0][0])),
        ("STAMP_CD1_2", wcs_col(&|w| w.cd[0][1])),
        ("STAMP_CD2_1", wcs_col(&|w| w.cd[1][0])),
        ("STAMP_CD2_2", wcs_col(&|w| w.cd[1][1])),
    ] {
        out_cat.add(CatColumn::f64(name, col))?;
    }
    out_cat.add(CatColumn::i64(
        "SOURCE_ROW",
        Array1::from_iter(kept_rows.iter().map(|&r| r as i64)),
    ))?;
    let n = kept_rows.len();
    let pixel_scale = frames[reference].wcs.pixel_scale_arcsec();
    let survey = Survey::new(
        set.images,
        out_cat,
        Splits {
            train: vec![],
            validation: vec![],
            test: (0..n).collect(),
        },
        set.bands.clone(),
        pixel_scale,
        format!(
            "make_cutouts: {} stamps from {} on the {} grid",
            n,
            a.frames.display(),
            frames[reference].band
        ),
    )?;
    survey.write(&a.out, a.overwrite)?;
    println!(
        "{}",
        serde_json::json!({"out": a.out.display().to_string(), "bands": set.bands, "reference": frames[reference].band,
            "candidates": positions.len(), "stamps": n, "rejected": set.rejected.len(), "size": a.size})
    );
    Ok(())
}
