//! # mstar
//!
//! The composed pipelines of the mstar workspace. The four library crates
//! (`galaxy-io`, `galaxy-estimator`, `causal-search`, `info-decomp`) never depend on each other;
//! this package's `examples/` is where they meet. This library holds only the report-writing
//! helpers those examples share (markdown, JSON and figures).
#![warn(missing_docs)]
