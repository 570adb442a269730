//! # causal-search
//!
//! PC and FCI causal discovery on petgraph with conditional-independence tests (Fisher-z, Gaussian
//! vector, chi-square, G-square, CMIknn, d-separation oracle), and latent-space local tests.
//!
//! The pieces:
//! - [`data`]: datasets with named, possibly vector-valued variables;
//! - [`ci`]: the [`CiTest`](ci::CiTest) trait, its result type and cache, and the tests;
//! - [`graph`]: mixed graphs with endpoint marks, d-separation, DAG -> CPDAG, comparison metrics;
//! - [`io`]: Tetrad, causal-learn, pcalg, DOT and JSON graph formats;
//! - [`search`]: PC and FCI (and their pieces: skeleton, colliders, Meek rules, knowledge);
//! - [`discover`]: the `discover` example as a function (data file in, formatted graph out);
//! - [`local`], [`bootstrap`]: the latent-space local tests and bootstrap stability;
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
pub mod discover;
pub mod error;
pub mod graph;
pub mod io;
pub mod search;

// Modules of the `local` branch (bootstrap, local) are declared directly below this comment.
pub mod bootstrap;
pub mod local;

pub use error::{CausalError, Result};
