//! Summarise every HDU of a FITS file (plain, .gz or .bz2).
//!
//! `cargo run -p galaxy-io --example fits_inspect -- [--json] [--header] FILE`
//!
//! With `--json`, prints one JSON object `{"hdus": [...]}`; otherwise a human-readable
//! listing. Exit status is non-zero only when the file cannot be opened.

use clap::Parser;
use galaxy_io::fits::{FitsFile, inspect::inspect};
use std::io::Write;

#[derive(Parser)]
#[command(about = "Summarise every HDU of a FITS file")]
struct Args {
    /// Print one JSON object {"hdus": [...]}.
    #[arg(long)]
    json: bool,
    /// Include header cards.
    #[arg(long)]
    header: bool,
    /// The FITS file.
    file: std::path::PathBuf,
}

fn main() {
    let args = Args::parse();
    let f = match FitsFile::open(&args.file) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let summary = inspect(&f, args.header);
    // a closed pipe (e.g. `| head`) ends the listing quietly
    let _ = print(&f, &summary, args.json);
}

fn print(
    f: &FitsFile,
    summary: &galaxy_io::fits::inspect::FileSummary,
    json: bool,
) -> std::io::Result<()> {
    let out = std::io::stdout();
    let mut out = out.lock();
    if json {
        match serde_json::to_string(summary) {
            Ok(s) => writeln!(out, "{s}")?,
            Err(e) => eprintln!("error: JSON: {e}"),
        }
        return Ok(());
    }
    writeln!(out, "{}: {} HDU(s)", f.name(), summary.hdus.len())?;
    if let Some(e) = f.structure_error() {
        writeln!(out, "  note: {e}")?;
    }
    for h in &summary.hdus {
        write!(
            out,
            "HDU {} {} bitpix={} shape={:?}",
            h.index,
            h.kind,
            h.bitpix.map(|b| b.to_string()).unwrap_or("-".into()),
            h.shape
        )?;
        if h.compressed == Some(true) {
            write!(out, " (tile-compressed)")?;
        }
        writeln!(out)?;
        if let Some(s) = &h.stats {
            writeln!(
                out,
                "  count={} missing={} min={:?} max={:?} sum={:?}",
                s.count, s.missing, s.min, s.max, s.sum
            )?;
        }
        if let (Some(r), Some(cols)) = (h.rows, &h.columns) {
            writeln!(out, "  rows={r}")?;
            for c in cols {
                writeln!(
                    out,
                    "  {:<20} {:<10} count={} missing={} sum={:?}",
                    c.name, c.tform, c.count, c.missing, c.sum
                )?;
            }
        }
        if let Some(e) = &h.error {
            writeln!(out, "  error: {e}")?;
        }
        if let Some(cards) = &h.header {
            for c in cards {
                writeln!(out, "  {:<8} = {} / {}", c.key, c.value, c.comment)?;
            }
        }
    }
    Ok(())
}
