//! # galaxy-io
//!
//! FITS images and tables (read, tile-decompress, write), WCS, cutouts, catalogs, preprocessing and a mock SDSS-like survey with known causal truth.
//!
//! Part of the [mstar](https://github.com/mstar-project/mstar) workspace.
#![warn(missing_docs)]

pub mod mock;
