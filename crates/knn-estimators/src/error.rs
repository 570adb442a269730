//! Typed errors of the crate.

use thiserror::Error;

/// Everything that can go wrong in neighbour search and the kNN estimators.
///
/// Every variant names the culprit (the variable, the row, the parameter).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum KnnError {
    /// A variable has no columns.
    #[error("variable `{variable}` has no columns")]
    NoColumns {
        /// Name of the variable.
        variable: String,
    },
    /// Too few samples for the requested number of neighbours.
    #[error("too few samples: {n} (need at least {needed} for k = {k})")]
    TooFewSamples {
        /// Number of samples given.
        n: usize,
        /// Number of neighbours requested.
        k: usize,
        /// Minimum number of samples needed.
        needed: usize,
    },
    /// Two inputs that must have the same number of rows do not.
    #[error("length mismatch: `{left}` has {left_len} rows but `{right}` has {right_len}")]
    LengthMismatch {
        /// Name of the first input.
        left: String,
        /// Its number of rows.
        left_len: usize,
        /// Name of the second input.
        right: String,
        /// Its number of rows.
        right_len: usize,
    },
    /// A value is NaN or infinite.
    #[error("variable `{variable}` has a non-finite value {value} at row {row}, column {column}")]
    NonFinite {
        /// Name of the variable.
        variable: String,
        /// Row (sample) index.
        row: usize,
        /// Column index within the variable.
        column: usize,
        /// The offending value.
        value: f64,
    },
    /// A column is constant, so it carries no information and breaks the estimator.
    #[error("variable `{variable}` has a constant column {column}")]
    ConstantColumn {
        /// Name of the variable.
        variable: String,
        /// Column index within the variable.
        column: usize,
    },
    /// A query point has the wrong dimension.
    #[error("query has dimension {got}, index has dimension {expected}")]
    DimensionMismatch {
        /// Dimension of the index.
        expected: usize,
        /// Dimension of the query.
        got: usize,
    },
    /// A parameter is out of its valid range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A point index is out of range.
    #[error("point index {index} out of range for {n} points")]
    IndexOutOfRange {
        /// The index given.
        index: usize,
        /// Number of points in the index.
        n: usize,
    },
    /// The kd-tree could not be built.
    #[error("kd-tree construction failed: {0}")]
    Tree(String),
}
