//! Summarise every HDU of a FITS file (plain, .gz or .bz2).
//!
//! `cargo run -p galaxy-io --example fits_inspect -- [--json] [--header] FILE`
//!
//! With `--json`, prints one JSON object `{"hdus": [...]}`; otherwise a human-readable
//! listing. Exit status is non-zero only when the file cannot be opened.

use clap::Parser;
use galaxy_io::fits::{FitsFile, inspect::inspect};

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
    if args.json {
        match serde_json::to_string(&summary) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: JSON: {e}");
                std::process::exit(2);
            }
        }
        return;
    }
    println!("{}: {} HDU(s)", f.name(), summary.hdus.len());
    if let Some(e) = f.structure_error() {
        println!("  note: {e}");
    }
    for h in &summary.hdus {
        print!(
            "HDU {} {} bitpix={} shape={:?}",
            h.index,
            h.kind,
            h.bitpix.map(|b| b.to_string()).unwrap_or("-".into()),
            h.shape
        );
        if h.compressed == Some(true) {
            print!(" (tile-compressed)");
        }
        println!();
        if let Some(s) = &h.stats {
            println!(
                "  count={} missing={} min={:?} max={:?} sum={:?}",
                s.count, s.missing, s.min, s.max, s.sum
            );
        }
        if let (Some(r), Some(cols)) = (h.rows, &h.columns) {
            println!("  rows={r}");
            for c in cols {
                println!(
                    "  {:<20} {:<10} count={} missing={} sum={:?}",
                    c.name, c.tform, c.count, c.missing, c.sum
                );
            }
        }
        if let Some(e) = &h.error {
            println!("  error: {e}");
        }
        if let Some(cards) = &h.header {
            for c in cards {
                println!("  {:<8} = {} / {}", c.key, c.value, c.comment);
            }
        }
    }
}
