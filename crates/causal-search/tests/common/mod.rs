//! Shared helpers for the integration tests: locating the reference data.
#![allow(dead_code)]

use std::path::PathBuf;

/// The reference-data folder (`MSTAR_REFERENCE_DATA`, else `../shared/data` beside the workspace),
/// or `None` (after printing why) when it is missing. Panics instead when
/// `MSTAR_REQUIRE_REFERENCE_DATA=1`.
pub fn data_dir(sub: &str) -> Option<PathBuf> {
    let base = match std::env::var_os("MSTAR_REFERENCE_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let dir = base.join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "reference data not found at {} (set MSTAR_REFERENCE_DATA)",
        dir.display()
    );
    if std::env::var("MSTAR_REQUIRE_REFERENCE_DATA").as_deref() == Ok("1") {
        panic!("{msg}");
    }
    eprintln!("SKIPPED: {msg}");
    None
}

/// Reads a whole file.
pub fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A causal-learn matrix printed as text (whitespace-separated numbers, one row per line) as
/// integer rows; blank lines are skipped.
pub fn int_matrix(text: &str) -> Vec<Vec<i64>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split_whitespace()
                .map(|v| v.parse::<f64>().unwrap() as i64)
                .collect()
        })
        .collect()
}
