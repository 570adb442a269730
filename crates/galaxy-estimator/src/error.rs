//! Typed errors of the crate.

use std::path::PathBuf;

/// Everything that can go wrong in galaxy-estimator. Each variant names the culprit.
#[derive(Debug, thiserror::Error)]
pub enum EstimatorError {
    /// A configuration field has an invalid value.
    #[error("invalid configuration: `{field}` {reason}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// An input array has the wrong shape.
    #[error("`{what}` has shape {got:?}, expected {expected}")]
    Shape {
        /// Which input.
        what: &'static str,
        /// The expected shape, in words.
        expected: String,
        /// The shape that was given.
        got: Vec<usize>,
    },
    /// Two inputs that must have the same number of rows do not.
    #[error("`{what}` has {got} rows, expected {expected}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// Rows expected.
        expected: usize,
        /// Rows given.
        got: usize,
    },
    /// An input holds a NaN or infinite value.
    #[error("`{what}` holds a non-finite value at flat index {index}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// Flat (row-major) index of the first offending element.
        index: usize,
    },
    /// A row index (split) is out of range, or a split is empty when it must not be.
    #[error("split `{split}`: {reason}")]
    Split {
        /// Which split (train / validation / test).
        split: String,
        /// What is wrong.
        reason: String,
    },
    /// A checkpoint is missing, corrupt or does not match the configuration.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The checkpoint file or directory.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An input/output error on a file.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The requested device or precision is unavailable.
    #[error("device: {0}")]
    Device(String),
    /// Training diverged (the loss became non-finite).
    #[error("training diverged at step {step}: loss {loss}")]
    Diverged {
        /// The step.
        step: usize,
        /// The loss value.
        loss: f64,
    },
    /// A warm start's parameters do not fit the network.
    #[error("warm start: parameter `{param}`: {reason}")]
    WarmStart {
        /// The parameter's name.
        param: String,
        /// What does not fit.
        reason: String,
    },
    /// An error from the tensor library.
    #[error("tensor backend: {0}")]
    Candle(#[from] candle_core::Error),
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, EstimatorError>;

impl EstimatorError {
    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidConfig {
            field,
            reason: reason.into(),
        }
    }
    pub(crate) fn ckpt(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self::Checkpoint {
            path: path.into(),
            reason: reason.into(),
        }
    }
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
