//! FITS files: opening (plain, `.gz`, `.bz2`), HDU structure, images, tables, writing.
//!
//! The parser is this crate's own (pure Rust). [`FitsFile::open`] reads the whole file into
//! memory (decompressing whole-file gzip/bzip2 detected by their magic bytes), walks every
//! header and checks each data unit's size against the file. Data are decoded on request:
//! [`FitsFile::image`] (plain or tile-compressed images) and [`FitsFile::table`] (binary
//! and ASCII tables).

pub mod compress;
pub mod header;
pub mod image;
pub mod inspect;
mod source;
pub mod table;
pub mod write;

use crate::error::{Error, FitsErrorKind, Result};
pub use header::{Card, Header, Value};
pub use image::{Image, ImageStats, Pixels};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
pub use table::{Column, ColumnData, ColumnInfo, ElemType, Table};
pub use write::{FitsPixel, FitsWriter, TableColumn};

/// The kind of an HDU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HduKind {
    /// Primary array or IMAGE extension (possibly with NAXIS = 0, see [`Hdu::is_empty`]).
    Image,
    /// BINTABLE extension.
    BinTable,
    /// ASCII TABLE extension.
    AsciiTable,
    /// Tile-compressed image (a BINTABLE with `ZIMAGE = T`).
    CompressedImage,
    /// Random-groups primary array (not supported for data access).
    RandomGroups,
    /// An extension type this crate does not know (the XTENSION value).
    Other(String),
}

/// One header-data unit: its header and where its data lie.
#[derive(Debug, Clone)]
pub struct Hdu {
    /// Position in the file (0 = primary).
    pub index: usize,
    /// The header as stored.
    pub header: Header,
    /// The kind of HDU.
    pub kind: HduKind,
    /// Byte offset of the data unit in the (decompressed) file.
    pub data_offset: usize,
    /// Size of the data unit in bytes as announced by the header (without padding).
    pub data_len: usize,
    /// Set when the file ends before the data unit does.
    pub truncated: bool,
}

impl Hdu {
    /// BITPIX of the HDU (ZBITPIX for compressed images).
    pub fn bitpix(&self) -> Option<i64> {
        if self.kind == HduKind::CompressedImage {
            return self.header.opt_i64("ZBITPIX").ok().flatten();
        }
        self.header.opt_i64("BITPIX").ok().flatten()
    }

    /// Axis lengths in FITS order (NAXIS1 first); the decompressed shape for compressed images.
    pub fn shape(&self) -> Result<Vec<usize>> {
        let (n, prefix) = if self.kind == HduKind::CompressedImage {
            ("ZNAXIS", "ZNAXIS")
        } else {
            ("NAXIS", "NAXIS")
        };
        axes(&self.header, n, prefix).map_err(|e| e.in_hdu(self.index))
    }

    /// True for an image HDU without data array (NAXIS = 0), as astropy's `data is None`.
    pub fn is_empty(&self) -> bool {
        self.kind == HduKind::Image && self.header.opt_i64("NAXIS").ok().flatten().unwrap_or(0) == 0
    }

    /// The EXTNAME keyword, if any.
    pub fn name(&self) -> Option<&str> {
        self.header.opt_str("EXTNAME").ok().flatten()
    }
}

pub(crate) fn axes(h: &Header, nkey: &str, prefix: &str) -> Result<Vec<usize>> {
    let n = h.i64(nkey)?;
    if !(0..=999).contains(&n) {
        return Err(Error::fits(
            None,
            FitsErrorKind::Inconsistent,
            format!("{nkey} = {n} out of range 0..999"),
        ));
    }
    (1..=n)
        .map(|i| {
            let k = format!("{prefix}{i}");
            let v = h.i64(&k)?;
            if v < 0 {
                return Err(Error::fits(
                    None,
                    FitsErrorKind::Inconsistent,
                    format!("{k} = {v} is negative"),
                ));
            }
            Ok(v as usize)
        })
        .collect()
}

pub(crate) fn checked_product(xs: &[usize], what: &str) -> Result<usize> {
    xs.iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .ok_or_else(|| {
            Error::fits(
                None,
                FitsErrorKind::Inconsistent,
                format!("{what}: size overflows"),
            )
        })
}

/// Where the bytes of a [`FitsFile`] live.
#[derive(Debug, Clone)]
enum Source {
    /// The whole (decompressed) file in memory: `.gz` / `.bz2` files and [`FitsFile::from_bytes`].
    Memory(Arc<Vec<u8>>),
    /// A plain file on disk: headers were read at open, data units are read on request
    /// (straight into the output buffers, in parallel blocks).
    Disk(Arc<source::DiskFile>),
}

impl Source {
    fn len(&self) -> usize {
        match self {
            Source::Memory(b) => b.len(),
            Source::Disk(d) => d.len(),
        }
    }

    /// `len` bytes at `pos` (the caller keeps `pos + len` within the file).
    fn read_at(&self, pos: usize, len: usize) -> Result<Cow<'_, [u8]>> {
        match self {
            Source::Memory(b) => Ok(Cow::Borrowed(&b[pos..pos + len])),
            Source::Disk(d) => d.read_bytes(pos, len).map(Cow::Owned),
        }
    }
}

/// A FITS file with every HDU located.
///
/// Plain files larger than 4 MiB are not read into memory at open: only the headers are,
/// and each data unit is read when an image or table is requested. Smaller files and
/// whole-file `.gz` / `.bz2` files are read (decompressed) into memory at open.
#[derive(Debug, Clone)]
pub struct FitsFile {
    name: String,
    source: Source,
    hdus: Vec<Hdu>,
    structure_error: Option<String>,
}

/// Decompress whole-file gzip or bzip2 (detected by magic bytes); other bytes pass through.
pub fn decompress_whole_file(bytes: Vec<u8>, name: &str) -> Result<Vec<u8>> {
    if bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b {
        let mut out = Vec::with_capacity(bytes.len() * 3);
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| {
                Error::fits(None, FitsErrorKind::Decode, format!("gzip: {e}")).in_file(name)
            })?;
        return Ok(out);
    }
    if bytes.len() >= 3 && &bytes[..3] == b"BZh" {
        let mut out = Vec::with_capacity(bytes.len() * 3);
        bzip2::read::MultiBzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| {
                Error::fits(None, FitsErrorKind::Decode, format!("bzip2: {e}")).in_file(name)
            })?;
        return Ok(out);
    }
    Ok(bytes)
}

/// Plain files up to this size are read whole at open.
const SMALL_FILE: usize = 4 << 20;

/// Byte length of the header starting at `b` (whole 2880-byte blocks up to and including
/// the one holding END), if `b` holds an END card.
fn header_len(b: &[u8]) -> Option<usize> {
    let mut pos = 0;
    while pos + 2880 <= b.len() {
        for card in b[pos..pos + 2880].chunks_exact(80) {
            if &card[..3] == b"END" && card[3..].iter().all(|&c| c == b' ') {
                return Some(pos + 2880);
            }
        }
        pos += 2880;
    }
    None
}

impl FitsFile {
    /// Open a FITS file (plain, or whole-file gzip / bzip2 compressed).
    ///
    /// Fails only if the file cannot be read or its primary header is unusable; problems in
    /// later HDUs are reported by [`FitsFile::structure_error`] and by the per-HDU readers.
    /// A plain file larger than 4 MiB is not read into memory: its headers are, and the data
    /// units are read on request (the file stays open while the `FitsFile` or a [`Table`]
    /// of it lives). Smaller files are read whole and closed.
    pub fn open(path: impl AsRef<Path>) -> Result<FitsFile> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let disk = source::DiskFile::open(path)?;
        let head = disk.read_bytes(0, disk.len().min(3))?;
        let compressed = head.starts_with(&[0x1f, 0x8b]) || head.starts_with(b"BZh");
        if compressed || disk.len() <= SMALL_FILE {
            // read whole (and close the file): one read, no handle kept open
            let bytes = disk.read_bytes(0, disk.len())?;
            drop(disk);
            let bytes = decompress_whole_file(bytes, &name)?;
            return Self::from_bytes(bytes, &name);
        }
        Self::from_source(Source::Disk(Arc::new(disk)), &name)
    }

    /// Parse a FITS file from bytes (already decompressed); `name` labels errors.
    pub fn from_bytes(bytes: Vec<u8>, name: &str) -> Result<FitsFile> {
        Self::from_source(Source::Memory(Arc::new(bytes)), name)
    }

    fn from_source(source: Source, name: &str) -> Result<FitsFile> {
        let total = source.len();
        let mut hdus = Vec::new();
        let mut pos = 0usize;
        let mut structure_error = None;
        while pos < total {
            let index = hdus.len();
            if index > 0 {
                let head = source
                    .read_at(pos, (total - pos).min(8))
                    .map_err(|e| e.in_file(name))?;
                if !head.starts_with(b"XTENSION") {
                    // astropy ignores trailing bytes that are not an extension; so do we, noting it.
                    let rest = source
                        .read_at(pos, total - pos)
                        .map_err(|e| e.in_file(name))?;
                    if rest.iter().any(|&b| b != 0 && b != b' ') {
                        structure_error = Some(format!(
                            "{} bytes after HDU {} are not a FITS extension (ignored)",
                            rest.len(),
                            index - 1
                        ));
                    }
                    break;
                }
            }
            match Self::parse_hdu(&source, pos, index) {
                Ok((hdu, next)) => {
                    let truncated = hdu.truncated;
                    hdus.push(hdu);
                    if truncated {
                        structure_error = Some(format!("HDU {index}: data unit truncated"));
                        break;
                    }
                    pos = next;
                }
                Err(e) => {
                    let e = e.in_hdu(index).in_file(name);
                    if index == 0 {
                        return Err(e);
                    }
                    structure_error = Some(e.to_string());
                    break;
                }
            }
        }
        if hdus.is_empty() {
            return Err(
                Error::fits(Some(0), FitsErrorKind::Truncated, "file is empty").in_file(name),
            );
        }
        Ok(FitsFile {
            name: name.to_string(),
            source,
            hdus,
            structure_error,
        })
    }

    /// Read the header at `pos`: whole blocks until the END card (or the end of the file).
    fn read_header(source: &Source, pos: usize) -> Result<(Header, usize)> {
        let total = source.len();
        match source {
            Source::Memory(b) => Header::parse(&b[pos..]),
            Source::Disk(_) => {
                // read a growing number of blocks until END appears (most headers: one read)
                let mut want = 2880 * 4;
                loop {
                    let n = want.min(total - pos);
                    let b = source.read_at(pos, n)?;
                    if let Some(h) = header_len(&b) {
                        return Header::parse(&b[..h]);
                    }
                    if n == total - pos {
                        // no END: let the parser report it
                        return Header::parse(&b);
                    }
                    want = want.saturating_mul(4);
                }
            }
        }
    }

    fn parse_hdu(source: &Source, pos: usize, index: usize) -> Result<(Hdu, usize)> {
        let total = source.len();
        if index == 0 {
            let head = source.read_at(pos, (total - pos).min(9))?;
            if !head.starts_with(b"SIMPLE  =") {
                return Err(Error::fits(
                    None,
                    FitsErrorKind::Header,
                    "not a FITS file (first card is not SIMPLE)",
                ));
            }
        }
        let (header, hlen) = Self::read_header(source, pos)?;
        let bitpix = header.i64("BITPIX")?;
        if ![8, 16, 32, 64, -32, -64].contains(&bitpix) {
            return Err(Error::fits(
                None,
                FitsErrorKind::Inconsistent,
                format!("BITPIX = {bitpix} is not one of 8, 16, 32, 64, -32, -64"),
            ));
        }
        let naxes = axes(&header, "NAXIS", "NAXIS")?;
        let (kind, groups) = if index == 0 {
            // astropy: GROUPS = T makes a random-groups HDU; SIMPLE = F is non-standard
            let groups = header.get("GROUPS") == Some(&Value::Bool(true));
            let simple = header.get("SIMPLE") == Some(&Value::Bool(true));
            (
                if groups {
                    HduKind::RandomGroups
                } else if !simple {
                    HduKind::Other("SIMPLE = F".into())
                } else {
                    HduKind::Image
                },
                groups && naxes.first().copied() == Some(0),
            )
        } else {
            let x = header.str("XTENSION")?.trim().to_string();
            let k = match x.as_str() {
                "IMAGE" | "IUEIMAGE" => HduKind::Image,
                "BINTABLE" | "A3DTABLE" => {
                    if header.opt_bool("ZIMAGE").ok().flatten() == Some(true) {
                        HduKind::CompressedImage
                    } else {
                        HduKind::BinTable
                    }
                }
                "TABLE" => HduKind::AsciiTable,
                _ => HduKind::Other(x),
            };
            (k, false)
        };
        let pcount = header.opt_i64("PCOUNT")?.unwrap_or(0);
        let gcount = header.opt_i64("GCOUNT")?.unwrap_or(1);
        if pcount < 0 || gcount < 0 {
            return Err(Error::fits(
                None,
                FitsErrorKind::Inconsistent,
                format!("PCOUNT = {pcount}, GCOUNT = {gcount} must be non-negative"),
            ));
        }
        let elems = if naxes.is_empty() {
            0
        } else if groups {
            checked_product(&naxes[1..], "data size")?
        } else {
            checked_product(&naxes, "data size")?
        };
        let bytes_per = (bitpix.unsigned_abs() / 8) as usize;
        let data_len = if naxes.is_empty() {
            0
        } else {
            elems
                .checked_add(pcount as usize)
                .and_then(|x| x.checked_mul(gcount as usize))
                .and_then(|x| x.checked_mul(bytes_per))
                .ok_or_else(|| {
                    Error::fits(None, FitsErrorKind::Inconsistent, "data size overflows")
                })?
        };
        let data_offset = pos + hlen;
        let padded = data_len.div_ceil(2880).saturating_mul(2880);
        let truncated = data_offset.saturating_add(data_len) > total;
        let next = data_offset.saturating_add(padded);
        Ok((
            Hdu {
                index,
                header,
                kind,
                data_offset,
                data_len,
                truncated,
            },
            next,
        ))
    }

    /// The name used in errors (the path, or the name given to [`FitsFile::from_bytes`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// All HDUs found.
    pub fn hdus(&self) -> &[Hdu] {
        &self.hdus
    }

    /// Number of HDUs found.
    pub fn len(&self) -> usize {
        self.hdus.len()
    }

    /// True when no HDU was found (never, for an opened file).
    pub fn is_empty(&self) -> bool {
        self.hdus.is_empty()
    }

    /// A problem found while walking the HDUs after the primary (truncation, bad header, trailing bytes).
    pub fn structure_error(&self) -> Option<&str> {
        self.structure_error.as_deref()
    }

    /// One HDU by index.
    pub fn hdu(&self, index: usize) -> Result<&Hdu> {
        self.hdus.get(index).ok_or_else(|| {
            Error::fits(
                Some(index),
                FitsErrorKind::NotFound,
                format!("no such HDU (file has {})", self.hdus.len()),
            )
            .in_file(&self.name)
        })
    }

    /// The index of the first HDU with this EXTNAME (case-insensitive).
    pub fn index_of(&self, extname: &str) -> Result<usize> {
        self.hdus
            .iter()
            .position(|h| {
                h.name()
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case(extname))
            })
            .ok_or_else(|| {
                Error::fits(
                    None,
                    FitsErrorKind::NotFound,
                    format!("no HDU with EXTNAME '{extname}'"),
                )
                .in_file(&self.name)
            })
    }

    /// The HDU, checked to have its whole data unit in the file.
    fn with_data(&self, index: usize) -> Result<&Hdu> {
        let h = self.hdu(index)?;
        if h.truncated {
            return Err(Error::fits(
                Some(index),
                FitsErrorKind::Truncated,
                format!(
                    "data unit needs {} bytes at offset {}, file has {}",
                    h.data_len,
                    h.data_offset,
                    self.source.len()
                ),
            )
            .in_file(&self.name));
        }
        Ok(h)
    }

    /// The data unit bytes of an HDU (checked against the file length): borrowed for files
    /// held in memory, read from disk for plain files.
    pub fn data_bytes(&self, index: usize) -> Result<Cow<'_, [u8]>> {
        let h = self.with_data(index)?;
        self.source
            .read_at(h.data_offset, h.data_len)
            .map_err(|e| e.in_hdu(index).in_file(&self.name))
    }

    /// Read the image of an HDU (plain or tile-compressed).
    pub fn image(&self, index: usize) -> Result<Image> {
        let h = self.hdu(index)?;
        let r = match &h.kind {
            HduKind::Image => {
                let h = self.with_data(index)?;
                match &self.source {
                    Source::Memory(b) => {
                        Image::from_hdu(h, &b[h.data_offset..h.data_offset + h.data_len])
                    }
                    Source::Disk(d) => Image::from_disk(h, d),
                }
            }
            HduKind::CompressedImage => {
                let t = self.table(index)?;
                compress::decompress_image(h, &t)
            }
            HduKind::RandomGroups => Err(Error::fits(
                None,
                FitsErrorKind::Unsupported,
                "random-groups arrays are not supported",
            )),
            other => Err(Error::fits(
                None,
                FitsErrorKind::Type,
                format!("HDU is {other:?}, not an image"),
            )),
        };
        r.map_err(|e| e.in_hdu(index).in_file(&self.name))
    }

    /// Read the table of an HDU (binary or ASCII; compressed images give their raw tile table).
    ///
    /// For a plain file on disk nothing is read yet: [`Table::read_all_columns`] streams the
    /// rows from disk, other access reads the data unit (rows and heap) into memory once.
    pub fn table(&self, index: usize) -> Result<Table> {
        let h = self.hdu(index)?;
        let r = match &h.kind {
            HduKind::BinTable | HduKind::CompressedImage | HduKind::AsciiTable => {
                let h = self.with_data(index)?;
                match &self.source {
                    Source::Memory(b) => Table::from_hdu(h, b.clone(), &self.name),
                    Source::Disk(d) => Table::from_disk(h, d.clone(), &self.name),
                }
            }
            other => Err(Error::fits(
                None,
                FitsErrorKind::Type,
                format!("HDU is {other:?}, not a table"),
            )),
        };
        r.map_err(|e| e.in_hdu(index).in_file(&self.name))
    }

    /// The header that describes an HDU's image: for compressed images the reconstructed
    /// image header (ZBITPIX -> BITPIX, ZNAXISn -> NAXISn, table keywords dropped), else the header.
    pub fn image_header(&self, index: usize) -> Result<Header> {
        let h = self.hdu(index)?;
        if h.kind == HduKind::CompressedImage {
            Ok(compress::image_header(&h.header))
        } else {
            Ok(h.header.clone())
        }
    }
}
