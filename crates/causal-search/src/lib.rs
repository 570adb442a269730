//! # causal-search
//!
//! PC and FCI causal discovery on petgraph with conditional-independence tests (Fisher-z, Gaussian vector, chi-square, G-square, CMIknn, d-separation oracle), and latent-space local tests.
//!
//! Part of the [mstar](https://github.com/mstar-project/mstar) workspace.
#![warn(missing_docs)]
pub mod local;
