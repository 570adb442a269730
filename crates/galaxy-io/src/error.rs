//! Typed errors of the crate.
//!
//! Every FITS error names the file, the HDU (0-based, as astropy counts) and what failed.

use std::path::PathBuf;

/// What kind of FITS problem occurred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FitsErrorKind {
    /// The file ends before a header or data unit that the header announces.
    Truncated,
    /// A header card or a required keyword is missing or malformed.
    Header,
    /// The header is self-inconsistent (NAXIS, TFORM, counts, offsets ...).
    Inconsistent,
    /// Data could not be decoded (decompression failure, wrong element counts ...).
    Decode,
    /// A valid FITS feature that this crate does not implement.
    Unsupported,
    /// A name (column, HDU, keyword) that does not exist.
    NotFound,
    /// A value of the wrong type was requested (for example a string keyword as a number).
    Type,
    /// The caller asked for something invalid while writing.
    Write,
}

impl std::fmt::Display for FitsErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            FitsErrorKind::Truncated => "truncated",
            FitsErrorKind::Header => "bad header",
            FitsErrorKind::Inconsistent => "inconsistent",
            FitsErrorKind::Decode => "decode failure",
            FitsErrorKind::Unsupported => "unsupported",
            FitsErrorKind::NotFound => "not found",
            FitsErrorKind::Type => "wrong type",
            FitsErrorKind::Write => "write error",
        };
        f.write_str(s)
    }
}

/// Errors of `galaxy-io`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An I/O error on a named path.
    #[error("{path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A FITS problem, naming file, HDU and what failed.
    #[error("{file}{}: {kind}: {what}", hdu.map(|h| format!(", HDU {h}")).unwrap_or_default())]
    Fits {
        /// The file (or the name given to an in-memory buffer).
        file: String,
        /// The HDU index (0 = primary), if the problem belongs to one HDU.
        hdu: Option<usize>,
        /// The kind of problem.
        kind: FitsErrorKind,
        /// What failed, in words.
        what: String,
    },
    /// A catalog column that does not exist.
    #[error("unknown column '{name}'{}", if available.is_empty() { String::new() } else { format!(" (available: {available})") })]
    UnknownColumn {
        /// The requested name.
        name: String,
        /// Some available names, comma separated (may be empty).
        available: String,
    },
    /// Arrays or columns whose lengths must agree do not.
    #[error("length mismatch in {what}: expected {expected}, got {got}")]
    LengthMismatch {
        /// What was being combined.
        what: String,
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// A parameter outside its valid range.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A column of the wrong type for the requested operation.
    #[error("column '{name}' has type {actual}, expected {expected}")]
    ColumnType {
        /// Column name.
        name: String,
        /// Expected type.
        expected: String,
        /// Actual type.
        actual: String,
    },
    /// A CSV parsing/writing problem.
    #[error("CSV {path}: {what}")]
    Csv {
        /// The file.
        path: String,
        /// What failed.
        what: String,
    },
    /// A JSON problem.
    #[error("JSON {path}: {what}")]
    Json {
        /// The file.
        path: String,
        /// What failed.
        what: String,
    },
}

/// Result alias of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Build a FITS error without a file name (filled in later by [`Error::in_file`]).
    pub fn fits(hdu: Option<usize>, kind: FitsErrorKind, what: impl Into<String>) -> Self {
        Error::Fits {
            file: String::new(),
            hdu,
            kind,
            what: what.into(),
        }
    }

    /// Attach a file name to a FITS error that has none yet.
    pub fn in_file(self, name: &str) -> Self {
        match self {
            Error::Fits {
                file,
                hdu,
                kind,
                what,
            } if file.is_empty() => Error::Fits {
                file: name.to_string(),
                hdu,
                kind,
                what,
            },
            other => other,
        }
    }

    /// Attach an HDU index to a FITS error that has none yet.
    pub fn in_hdu(self, index: usize) -> Self {
        match self {
            Error::Fits {
                file,
                hdu: None,
                kind,
                what,
            } => Error::Fits {
                file,
                hdu: Some(index),
                kind,
                what,
            },
            other => other,
        }
    }

    /// The FITS error kind, if this is a FITS error.
    pub fn fits_kind(&self) -> Option<FitsErrorKind> {
        match self {
            Error::Fits { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
