//! Builds a survey directory (the format `reproduce_paper --survey DIR` reads) from SDSS frames and a
//! photoObj catalog: 64x64 stamps at the galaxies' positions in every band found, and the photoObj
//! columns renamed to the study's (METHOD.md section 1).
//!
//! ```sh
//! cargo run --release --example sdss_frames_to_survey -- \
//!     --frames ../shared/data/sdss/field_3900_6_269 \
//!     --catalog ../shared/data/sdss/field_3900_6_269/photoObj-003900-6-0269.fits --out /tmp/sdss-survey
//! ```
//!
//! The reference field beside the workspace has the u band only, so there this is an I/O
//! demonstration: the stamps have one band, and columns the photoObj file lacks (WISE magnitudes,
//! spectroscopic redshift, MPA-JHU masses, Sersic indices) are absent; `reproduce_paper --survey`
//! lists the analyses it skips for that reason. With the five frames of a field and a catalog
//! joined to the WISE and MPA-JHU columns (see `docs/real-data.md`) the same command builds the
//! study's input.

use std::path::{Path, PathBuf};

use clap::Parser;
use galaxy_io::Catalog;
use galaxy_io::catalog::CatColumn;
use galaxy_io::cutout::{CutoutParams, EdgePolicy, Frame, Resampling};
use galaxy_io::survey::{Splits, Survey};

/// SDSS frames + photoObj -> a survey directory with the study's column names.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Directory holding `frame-{band}-*.fits[.bz2|.gz]`.
    #[arg(long)]
    frames: PathBuf,
    /// photoObj FITS table (RA, DEC, OBJC_TYPE, PETROMAG, ... as 5-element per-band arrays).
    #[arg(long)]
    catalog: PathBuf,
    /// Stamp size in pixels.
    #[arg(long, default_value_t = 64)]
    size: usize,
    /// Output survey directory.
    #[arg(long)]
    out: PathBuf,
    /// Seed of the train / validation / test split (70 / 15 / 15).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Replace an existing output directory.
    #[arg(long)]
    overwrite: bool,
}

const BANDS: [&str; 5] = ["u", "g", "r", "i", "z"];
/// photoObj array column -> study column prefix (one element per band).
const RENAMES: [(&str, &str); 6] = [
    ("PETROMAG", "petroMag_"),
    ("PETROMAGERR", "petroMagErr_"),
    ("PETROFLUX", "petroFlux_"),
    ("PETROTH50", "petroR50_"),
    ("PETROTH90", "petroR90_"),
    ("AB_EXP", "expAB_"),
];
/// SDSS r-band extinction per unit E(B-V) (A_r / E(B-V)).
const R_EXTINCTION_PER_EBV: f64 = 2.751;

fn frame_path(dir: &Path, band: &str) -> std::io::Result<Option<PathBuf>> {
    let prefix = format!("frame-{band}-");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(&prefix)
                    && [".fits", ".fits.bz2", ".fits.gz"]
                        .iter()
                        .any(|s| n.ends_with(s))
            })
        })
        .collect();
    found.sort();
    Ok(found.into_iter().next())
}

fn main() {
    if let Err(e) = run(&Args::parse()) {
        eprintln!("sdss_frames_to_survey: {e}");
        std::process::exit(1);
    }
}

fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut frames = Vec::new();
    for band in BANDS {
        if let Some(p) = frame_path(&a.frames, band)? {
            eprintln!("band {band}: {}", p.display());
            frames.push(Frame::from_fits(&p, 0, band)?);
        }
    }
    if frames.is_empty() {
        return Err(format!("no frame-<band>-*.fits files in {}", a.frames.display()).into());
    }
    let reference = frames.iter().position(|f| f.band == "r").unwrap_or(0);
    let cat = Catalog::from_fits(&a.catalog, None)?;
    let (ra, dec, kind) = (cat.f64("RA")?, cat.f64("DEC")?, cat.f64("OBJC_TYPE")?);
    let galaxies: Vec<usize> = (0..cat.nrows()).filter(|&i| kind[i] == 3.0).collect();
    let positions: Vec<(f64, f64)> = galaxies.iter().map(|&i| (ra[i], dec[i])).collect();
    let set = CutoutParams::new(a.size)
        .resampling(Resampling::Lanczos3)
        .edge(EdgePolicy::Reject)
        .check()?
        .cut(&frames, reference, &positions)?;
    let rows: Vec<usize> = set.indices.iter().map(|&k| galaxies[k]).collect();
    let kept = cat.take(&rows)?;
    // the study's columns
    let mut out = Catalog::new();
    out.add(CatColumn::strings("objID", kept.strings("OBJID")?))?;
    out.add(CatColumn::f64("ra", kept.f64("RA")?).with_unit("deg"))?;
    out.add(CatColumn::f64("dec", kept.f64("DEC")?).with_unit("deg"))?;
    for (src, dst) in RENAMES {
        for (k, b) in BANDS.iter().enumerate() {
            let unit = match src {
                "PETROMAG" | "PETROMAGERR" => "mag",
                "PETROFLUX" => "nanomaggies",
                "PETROTH50" | "PETROTH90" => "arcsec",
                _ => "",
            };
            out.add(
                CatColumn::f64(format!("{dst}{b}"), kept.f64(&format!("{src}[{k}]"))?)
                    .with_unit(unit),
            )?;
        }
    }
    let ebv = kept
        .f64("EXTINCTION[2]")?
        .mapv(|a_r| a_r / R_EXTINCTION_PER_EBV);
    out.add(CatColumn::f64("EBV", ebv).with_unit("mag"))?;
    let n = rows.len();
    let splits = Splits::random(n, (0.70, 0.15), a.seed)?;
    let survey = Survey::new(
        set.images,
        out,
        splits,
        set.bands.clone(),
        frames[reference].wcs.pixel_scale_arcsec(),
        format!(
            "SDSS stamps from {} ({} bands: {}) with photoObj columns renamed to the study's",
            a.frames.display(),
            set.bands.len(),
            set.bands.join("")
        ),
    )?;
    survey.write(&a.out, a.overwrite)?;
    eprintln!(
        "{n} galaxies of {} cut ({} rejected near the edges); survey directory written to {}",
        galaxies.len(),
        set.rejected.len(),
        a.out.display()
    );
    Ok(())
}
