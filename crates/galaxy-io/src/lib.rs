//! # galaxy-io
//!
//! FITS images and tables (read, tile-decompress, write), WCS, cutouts, catalogs, preprocessing and a mock SDSS-like survey with known causal truth.
//!
//! Part of the [mstar](https://github.com/mstar-project/mstar) workspace.
//!
//! ```
//! use galaxy_io::fits::{FitsFile, FitsWriter, Card};
//! use ndarray::Array4;
//! # fn main() -> Result<(), galaxy_io::Error> {
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("cube.fits");
//! // galaxy x band x height x width: NAXIS1 = width, ..., NAXIS4 = galaxy
//! let cube = Array4::<f32>::from_shape_fn((2, 5, 4, 3), |(g, b, y, x)| (g * 1000 + b * 100 + y * 10 + x) as f32);
//! let mut w = FitsWriter::create(&path)?;
//! w.write_image(cube.view().into_dyn(), &[Card::new("BUNIT", "nanomaggy", "flux unit")])?;
//! w.finish()?;
//! let f = FitsFile::open(&path)?;
//! assert_eq!(f.hdu(0)?.shape()?, vec![3, 4, 5, 2]);
//! let img = f.image(0)?.to_f32();
//! assert_eq!(img.shape(), &[2, 5, 4, 3]);
//! assert_eq!(img[[1, 2, 3, 1]], 1231.0);
//! assert_eq!(f.hdu(0)?.header.str("BUNIT")?, "nanomaggy");
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod catalog;
pub mod error;
pub mod fits;

pub use catalog::{CatColumn, CatValues, Catalog, SkyMatch};
pub use error::{Error, FitsErrorKind, Result};
pub use fits::{Card, FitsFile, FitsWriter, Header, Image, Table, Value};

pub mod cutout;
pub mod mock;
pub mod preprocess;
pub mod survey;
pub mod wcs;
