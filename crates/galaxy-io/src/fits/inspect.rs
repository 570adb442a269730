//! A per-HDU summary of a FITS file (what the `fits_inspect` example prints): kind, BITPIX,
//! shape, image statistics, table column sums, or the error that stopped an HDU.

use super::image::ImageStats;
use super::table::{ColumnStats, Table};
use super::{FitsFile, HduKind};
use crate::error::FitsErrorKind;
use serde::{Deserialize, Serialize};

/// One header card in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardSummary {
    /// Keyword.
    pub key: String,
    /// Value as JSON (string, number, bool, `[re, im]`, null).
    pub value: serde_json::Value,
    /// Comment.
    pub comment: String,
}

/// Summary of one HDU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HduSummary {
    /// HDU index (0 = primary).
    pub index: usize,
    /// `image`, `bintable`, `asciitable`, `empty` or `unsupported`.
    pub kind: String,
    /// BITPIX (ZBITPIX for compressed images).
    pub bitpix: Option<i64>,
    /// Axis lengths, NAXIS1 first (the decompressed shape for compressed images).
    pub shape: Vec<usize>,
    /// True for tile-compressed images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compressed: Option<bool>,
    /// Image statistics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<ImageStats>,
    /// Table rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    /// Table column summaries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<ColumnStats>>,
    /// Why the HDU could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Header cards (with `--header`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<Vec<CardSummary>>,
}

/// Summary of a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    /// One entry per HDU.
    pub hdus: Vec<HduSummary>,
}

/// Summarise every HDU of an opened file; per-HDU failures go into `error`.
pub fn inspect(f: &FitsFile, with_header: bool) -> FileSummary {
    let mut hdus = Vec::with_capacity(f.len());
    for h in f.hdus() {
        let i = h.index;
        let mut s = HduSummary {
            index: i,
            kind: String::new(),
            bitpix: h.bitpix(),
            shape: h.shape().unwrap_or_default(),
            compressed: None,
            stats: None,
            rows: None,
            columns: None,
            error: None,
            header: None,
        };
        match &h.kind {
            HduKind::Image if h.is_empty() => s.kind = "empty".into(),
            HduKind::Image | HduKind::CompressedImage => {
                s.kind = "image".into();
                if h.kind == HduKind::CompressedImage {
                    s.compressed = Some(true);
                }
                match f.image(i) {
                    Ok(img) => s.stats = Some(img.stats()),
                    Err(e) => {
                        if e.fits_kind() == Some(FitsErrorKind::Unsupported) {
                            s.kind = "unsupported".into();
                        }
                        s.error = Some(e.to_string());
                    }
                }
            }
            HduKind::BinTable | HduKind::AsciiTable => {
                s.kind = if h.kind == HduKind::BinTable {
                    "bintable"
                } else {
                    "asciitable"
                }
                .into();
                match f.table(i) {
                    Ok(t) => {
                        s.rows = Some(t.rows);
                        match column_stats(&t) {
                            Ok(cols) => s.columns = Some(cols),
                            Err(e) => s.error = Some(e.in_hdu(i).in_file(f.name()).to_string()),
                        }
                    }
                    Err(e) => s.error = Some(e.to_string()),
                }
            }
            HduKind::RandomGroups => {
                s.kind = "unsupported".into();
                s.error = Some("random-groups arrays are not supported".into());
            }
            HduKind::Other(x) => {
                s.kind = "unsupported".into();
                s.error = Some(format!("extension type '{x}' is not supported"));
            }
        }
        if with_header {
            let hdr = f.image_header(i).unwrap_or_else(|_| h.header.clone());
            s.header = Some(
                hdr.cards()
                    .iter()
                    .map(|c| CardSummary {
                        key: c.key.clone(),
                        value: c.value.to_json(),
                        comment: c.comment.clone(),
                    })
                    .collect(),
            );
        }
        hdus.push(s);
    }
    FileSummary { hdus }
}

/// Decoded bytes per group of columns decoded together (bounds the memory of a summary).
const GROUP_BYTES: usize = 512 << 20;

/// Summaries of every column, decoded in groups of columns (rows read once per group),
/// each column summarised on its own (in parallel; the result does not depend on it).
fn column_stats(t: &Table) -> crate::Result<Vec<ColumnStats>> {
    use rayon::prelude::*;
    let mut out = Vec::with_capacity(t.columns.len());
    let mut group = Vec::new();
    let mut bytes = 0usize;
    let flush = |group: &mut Vec<usize>, out: &mut Vec<ColumnStats>| -> crate::Result<()> {
        if group.is_empty() {
            return Ok(());
        }
        let cols = t.read_columns(group)?;
        out.extend(cols.par_iter().map(|c| c.stats()).collect::<Vec<_>>());
        group.clear();
        Ok(())
    };
    for (k, c) in t.columns.iter().enumerate() {
        // decoded size: 8 bytes per element (16 for complex)
        let per_row = if c.var.is_some() { 1 } else { c.repeat.max(1) };
        let b = t.rows.saturating_mul(per_row).saturating_mul(16);
        if bytes.saturating_add(b) > GROUP_BYTES {
            flush(&mut group, &mut out)?;
            bytes = 0;
        }
        group.push(k);
        bytes = bytes.saturating_add(b);
    }
    flush(&mut group, &mut out)?;
    Ok(out)
}
