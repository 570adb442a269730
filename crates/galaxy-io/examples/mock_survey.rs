//! Generates a mock survey and writes it as a survey directory.
//!
//! `cargo run -p galaxy-io --release --example mock_survey -- --n 1000 --seed 1 --out /tmp/mock`
//! (`--no-selection` turns the r < 17.77 flux limit off; `--size` sets the image side).

use clap::Parser;
use galaxy_io::mock::MockParams;
use galaxy_io::survey::{Splits, Survey};

#[derive(Parser)]
#[command(about = "Write a mock SDSS-like survey directory (images, catalog, splits, truth DAG)")]
struct Args {
    /// Number of galaxies (after the flux limit).
    #[arg(long)]
    n: usize,
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Do not apply the dereddened r_petro < 17.77 selection.
    #[arg(long)]
    no_selection: bool,
    /// Image side in pixels.
    #[arg(long, default_value_t = 64)]
    size: usize,
    /// Training fraction.
    #[arg(long, default_value_t = 0.8)]
    train: f64,
    /// Validation fraction (the rest is test).
    #[arg(long, default_value_t = 0.1)]
    validation: f64,
    /// Replace an existing survey directory.
    #[arg(long)]
    overwrite: bool,
    /// Output directory.
    #[arg(long)]
    out: std::path::PathBuf,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = Args::parse();
    let start = std::time::Instant::now();
    let params = MockParams::new(a.n)
        .seed(a.seed)
        .image_size(a.size)
        .r_limit(if a.no_selection { None } else { Some(17.77) });
    let mock = params.check()?.generate()?;
    let splits = Splits::random(a.n, (a.train, a.validation), a.seed)?;
    let survey = Survey::from_mock(mock, splits)?;
    survey.write(&a.out, a.overwrite)?;
    println!(
        "{}",
        serde_json::json!({
            "out": a.out.display().to_string(),
            "n_galaxies": a.n,
            "bands": survey.manifest.bands,
            "image_size": a.size,
            "selection": !a.no_selection,
            "train": survey.splits.train.len(),
            "validation": survey.splits.validation.len(),
            "test": survey.splits.test.len(),
            "seconds": start.elapsed().as_secs_f64(),
        })
    );
    Ok(())
}
