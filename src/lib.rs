//! # mstar
//!
//! The composed pipelines of the mstar workspace. The four library crates
//! (`galaxy-io`, `galaxy-estimator`, `causal-search`, `info-decomp`) never depend on each other;
//! this package's `examples/` is where they meet. This library holds only what those examples
//! share: report writing (markdown, JSON written atomically) and figures (PNG, through plotters,
//! with an embedded font so that no system font is needed).
//!
//! ```
//! use mstar::figures::{scatter, ScatterSpec};
//! let dir = std::env::temp_dir().join(format!("mstar-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let x = [9.0, 10.0, 11.0];
//! let y = [9.1, 9.9, 11.2];
//! let path = dir.join("pred.png");
//! scatter(&path, &ScatterSpec {
//!     title: "Predicted vs true",
//!     x_label: "true log M* [dex]",
//!     y_label: "predicted log M* [dex]",
//!     x: &x,
//!     y: &y,
//!     diagonal: true,
//!     note: Some("sigma_MAD = 0.10 dex"),
//! })
//! .unwrap();
//! assert!(mstar::figures::is_png(&path).unwrap());
//! # std::fs::remove_dir_all(&dir).ok();
//! ```
#![warn(missing_docs)]

pub mod figures;
pub mod report;

/// Errors of the report and figure helpers.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be written or read.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file concerned.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A value could not be serialised to JSON.
    #[error("JSON serialisation of {what} failed: {source}")]
    Json {
        /// What was being written.
        what: String,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// A figure could not be drawn.
    #[error("figure {path}: {message}")]
    Figure {
        /// The figure's file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The data given to a figure or table is inconsistent.
    #[error("invalid input for {what}: {message}")]
    Input {
        /// The figure or table.
        what: String,
        /// What is wrong with the input.
        message: String,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, ReportError>;
