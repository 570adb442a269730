//! # causal-search
//!
//! PC and FCI causal discovery on petgraph with conditional-independence tests (Fisher-z, Gaussian
//! vector, chi-square, G-square, CMIknn, d-separation oracle), and latent-space local tests.
//!
//! The pieces:
//! - [`data`]: datasets with named, possibly vector-valued variables;
//! - [`ci`]: the [`CiTest`](ci::CiTest) trait, its result type and cache, and the tests;
//! - [`error`]: the crate's typed errors.
//!
//! ```
//! use causal_search::ci::{CachedTest, CiTest, CiResult};
//! use causal_search::data::Dataset;
//!
//! let ds = Dataset::parse_table("a,b\n1,2\n2,4.5\n3,5.5\n", "inline").unwrap();
//! assert_eq!(ds.n_samples(), 3);
//! assert_eq!(ds.index_of("b").unwrap(), 1);
//! ```
//!
//! Part of the [mstar](https://github.com/mstar-project/mstar) workspace.
#![warn(missing_docs)]

pub mod ci;
pub mod data;
pub mod error;

// Modules of the `local` branch (bootstrap, local) are declared directly below this comment.
pub mod local;

pub use error::{CausalError, Result};
