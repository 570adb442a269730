//! The crate's error type.
//!
//! Every fallible function returns [`Result<T>`](Result), whose error names the culprit: the variable,
//! the file and line, the parameter, or the matrix that failed.

use thiserror::Error;

/// Everything that can go wrong in causal-search.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CausalError {
    /// Two inputs that must agree in size do not.
    #[error("shape mismatch in {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was being checked.
        what: String,
        /// The size that was expected.
        expected: usize,
        /// The size that was found.
        found: usize,
    },
    /// A value is NaN or infinite.
    #[error("non-finite value in variable `{variable}` at row {row}")]
    NonFinite {
        /// The variable (or column) holding the value.
        variable: String,
        /// The row (sample index, 0-based).
        row: usize,
    },
    /// A column has zero variance where the test needs variation.
    #[error("column `{name}` is constant; the {test} test needs variation")]
    ConstantColumn {
        /// The column's name.
        name: String,
        /// The test that rejected it.
        test: &'static str,
    },
    /// A matrix that must be invertible (or positive definite) is not.
    #[error("singular matrix in {context}")]
    SingularMatrix {
        /// Where it happened (test and variables).
        context: String,
    },
    /// Not enough samples for the requested computation.
    #[error("{what} needs at least {needed} samples, found {found}")]
    TooFewSamples {
        /// What needs the samples.
        what: String,
        /// The minimum.
        needed: usize,
        /// The number available.
        found: usize,
    },
    /// A variable or node name that does not exist.
    #[error("unknown variable `{name}` in {context}")]
    UnknownVariable {
        /// The name that was not found.
        name: String,
        /// Where it was used.
        context: String,
    },
    /// A name used twice where names must be unique.
    #[error("duplicate name `{name}` in {context}")]
    DuplicateName {
        /// The repeated name.
        name: String,
        /// Where it was repeated.
        context: String,
    },
    /// A variable index out of range.
    #[error("variable index {index} out of range (there are {n} variables)")]
    IndexOutOfRange {
        /// The bad index.
        index: usize,
        /// The number of variables.
        n: usize,
    },
    /// A parameter with an invalid value.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A text input (file or string) that cannot be parsed.
    #[error("parse error in {source_name} line {line}: {message}")]
    Parse {
        /// The file name or a description of the text.
        source_name: String,
        /// 1-based line number (0 when not applicable).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A graph that violates what the operation needs (e.g. a cycle where a DAG is needed).
    #[error("invalid graph: {0}")]
    InvalidGraph(String),
    /// Background knowledge that contradicts itself or the data.
    #[error("inconsistent background knowledge: {0}")]
    Knowledge(String),
    /// A file could not be read or written.
    #[error("I/O error on `{path}`: {source}")]
    Io {
        /// The path.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// JSON (de)serialisation failed.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, CausalError>;

impl CausalError {
    /// Shorthand for an [`CausalError::InvalidParameter`].
    pub fn param(name: &'static str, reason: impl Into<String>) -> Self {
        CausalError::InvalidParameter {
            name,
            reason: reason.into(),
        }
    }

    /// Shorthand for a [`CausalError::Parse`].
    pub fn parse(source_name: impl Into<String>, line: usize, message: impl Into<String>) -> Self {
        CausalError::Parse {
            source_name: source_name.into(),
            line,
            message: message.into(),
        }
    }

    /// Shorthand for an [`CausalError::Io`].
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        CausalError::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}
