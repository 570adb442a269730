//! Typed errors of the crate.

use knn_estimators::KnnError;
use thiserror::Error;

/// Everything that can go wrong in info-decomp. Every variant names its culprit.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum InfoError {
    /// An error from the kNN layer (neighbour search, KSG cores).
    #[error(transparent)]
    Knn(#[from] KnnError),
    /// Two inputs that must have the same number of rows do not.
    #[error("length mismatch: `{left}` has {left_len} rows but `{right}` has {right_len}")]
    LengthMismatch {
        /// First input.
        left: String,
        /// Its length.
        left_len: usize,
        /// Second input.
        right: String,
        /// Its length.
        right_len: usize,
    },
    /// A NaN or infinite value.
    #[error("`{variable}` has a non-finite value {value} at row {row}, column {column}")]
    NonFinite {
        /// Input name.
        variable: String,
        /// Row.
        row: usize,
        /// Column.
        column: usize,
        /// The value.
        value: f64,
    },
    /// Too few samples for the computation.
    #[error("too few samples for {what}: {n} (need at least {needed})")]
    TooFewSamples {
        /// What needed them.
        what: String,
        /// Samples given.
        n: usize,
        /// Samples needed.
        needed: usize,
    },
    /// A constant column.
    #[error("`{variable}` has a constant column {column}")]
    ConstantColumn {
        /// Input name.
        variable: String,
        /// Column index.
        column: usize,
    },
    /// A variable without columns.
    #[error("`{variable}` has no columns")]
    NoColumns {
        /// Input name.
        variable: String,
    },
    /// A covariance matrix is not positive definite.
    #[error("covariance of `{what}` is singular or not positive definite")]
    Singular {
        /// Which covariance.
        what: String,
    },
    /// I_sx needs sources of equal dimension.
    #[error("I_sx needs sources of equal dimension: x1 has {d1} columns, x2 has {d2}")]
    UnequalSourceDims {
        /// Columns of source 1.
        d1: usize,
        /// Columns of source 2.
        d2: usize,
    },
    /// A measure was combined with an estimator it cannot use.
    #[error("measure `{measure}` cannot use estimator `{estimator}` (allowed: {allowed})")]
    IncompatibleEstimator {
        /// The PID measure.
        measure: String,
        /// The estimator asked for.
        estimator: String,
        /// The estimators it accepts.
        allowed: String,
    },
    /// A parameter out of range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// An unknown name (estimator, measure, column).
    #[error("unknown {kind} `{name}` (expected one of: {expected})")]
    UnknownName {
        /// What kind of name.
        kind: &'static str,
        /// The name given.
        name: String,
        /// Valid names.
        expected: String,
    },
    /// An invalid probability table.
    #[error("invalid probability table: {0}")]
    InvalidDistribution(String),
    /// A file could not be read or written.
    #[error("I/O error on `{path}`: {message}")]
    Io {
        /// The file.
        path: String,
        /// The system's message.
        message: String,
    },
    /// A file is malformed.
    #[error("parse error in `{path}` at line {line}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}
