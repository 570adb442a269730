//! Tile-compressed images (FITS tiled image convention).
use super::{Hdu, Header, Image, Table};
use crate::error::{Error, FitsErrorKind, Result};

/// Decompress a tile-compressed image HDU.
pub fn decompress_image(_hdu: &Hdu, _t: &Table) -> Result<Image> {
    Err(Error::fits(
        None,
        FitsErrorKind::Unsupported,
        "tile compression not yet wired",
    ))
}

/// The image header reconstructed from a compressed HDU's header.
pub fn image_header(h: &Header) -> Header {
    h.clone()
}
