//! # galaxy-io
//!
//! FITS images and tables (read, tile-decompress, write), WCS, cutouts, catalogs, preprocessing and a mock SDSS-like survey with known causal truth.
//!
//! Part of the [mstar](https://github.com/mstar-project/mstar) workspace.
//!
//! ## Its own FITS parser, and fitsrs
//!
//! The project guide names [fitsrs](https://crates.io/crates/fitsrs) as the FITS reader.
//! galaxy-io reads FITS with its own pure-Rust parser ([`fits`]) instead, because fitsrs 0.4
//! cannot serve as the data layer of a project that must read what astropy reads, give the
//! same numbers and never return wrong pixels silently:
//!
//! - it decodes most tile-compressed images wrongly *without an error* (only row-tiled
//!   f32/i32 RICE/GZIP come out right; e.g. RICE with BYTEPIX other than 4 is decoded as
//!   if it were 4) and swallows decode errors; it has no HCOMPRESS_1 or PLIO_1;
//! - it returns raw stored values (no BSCALE/BZERO, no unsigned conventions, no BLANK);
//! - it does not parse ASCII tables (it gives their bytes), applies no TSCAL/TZERO/TNULL
//!   or TDIM to binary-table columns, and does not read whole-file `.bz2`;
//! - it cannot write FITS.
//!
//! galaxy-io adds all of these (every BITPIX with scaling and BLANK; tables of every TFORM;
//! RICE_1 / GZIP_1 / GZIP_2 / NOCOMPRESS / PLIO_1 / HCOMPRESS_1 tiles with dithered
//! quantization; typed errors naming file, HDU and what failed; writing), checked against
//! astropy 8 on every FITS file of astropy's test data (`scripts/compare_fits_astropy.py`),
//! and reads large files faster (plain files are read lazily, straight into the output
//! buffers, in parallel blocks). fitsrs is kept as a dev-dependency only: where it is
//! correct (uncompressed images of every BITPIX, raw values) `tests/fitsrs_crosscheck.rs`
//! checks that both readers agree bit for bit.
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
