//! FITS writing: image HDUs of any BITPIX and any number of axes, and binary tables
//! (logical, bits, integers, reals, complex, strings, fixed arrays, variable-length
//! arrays). Files are written to a temporary file beside the target and renamed into
//! place by [`FitsWriter::finish`], so a reader never sees a half-written file.

use super::header::{Card, Header, Value};
use super::image::Pixels;
use super::table::{ColumnData, ElemType};
use crate::error::{Error, FitsErrorKind, Result};
use ndarray::ArrayViewD;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A pixel type that can be written to a FITS image.
pub trait FitsPixel: Copy {
    /// The BITPIX stored.
    const BITPIX: i64;
    /// The BZERO that the unsigned/signed-byte conventions require (None = no BZERO card).
    const BZERO: Option<f64>;
    /// Append the big-endian stored value.
    fn put(self, out: &mut Vec<u8>);
}

macro_rules! pixel {
    ($t:ty, $bp:expr, $bz:expr, |$v:ident| $conv:expr) => {
        impl FitsPixel for $t {
            const BITPIX: i64 = $bp;
            const BZERO: Option<f64> = $bz;
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                let $v = self;
                out.extend_from_slice(&$conv.to_be_bytes());
            }
        }
    };
}
pixel!(u8, 8, None, |v| v);
pixel!(i8, 8, Some(-128.0), |v| (v as u8) ^ 0x80);
pixel!(i16, 16, None, |v| v);
pixel!(u16, 16, Some(32768.0), |v| (v ^ 0x8000) as i16);
pixel!(i32, 32, None, |v| v);
pixel!(u32, 32, Some(2147483648.0), |v| (v ^ 0x8000_0000) as i32);
pixel!(i64, 64, None, |v| v);
pixel!(f32, -32, None, |v| v);
pixel!(f64, -64, None, |v| v);

impl FitsPixel for u64 {
    const BITPIX: i64 = 64;
    const BZERO: Option<f64> = Some(9_223_372_036_854_775_808.0);
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&((self ^ (1u64 << 63)) as i64).to_be_bytes());
    }
}

/// One binary-table column to write.
#[derive(Debug, Clone, PartialEq)]
pub struct TableColumn {
    /// TTYPE.
    pub name: String,
    /// Values (one row per table row).
    pub data: ColumnData,
    /// TUNIT.
    pub unit: Option<String>,
    /// Storage override: `I16`/`I32`/`U8` for integer columns, `F32` for real columns.
    pub storage: Option<ElemType>,
}

impl TableColumn {
    /// A column with default storage (K for integers, D for reals, M for complex).
    pub fn new(name: impl Into<String>, data: ColumnData) -> Self {
        TableColumn {
            name: name.into(),
            data,
            unit: None,
            storage: None,
        }
    }
    /// Set the unit.
    pub fn with_unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }
    /// Set the storage type (see [`TableColumn::storage`]).
    pub fn with_storage(mut self, e: ElemType) -> Self {
        self.storage = Some(e);
        self
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes HDUs one after the other into a temporary file, renamed on [`FitsWriter::finish`].
pub struct FitsWriter {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
    hdus: usize,
}

impl std::fmt::Debug for FitsWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FitsWriter")
            .field("path", &self.path)
            .field("hdus", &self.hdus)
            .finish()
    }
}

const STRUCTURAL: &[&str] = &[
    "SIMPLE", "BITPIX", "NAXIS", "EXTEND", "XTENSION", "PCOUNT", "GCOUNT", "TFIELDS", "THEAP",
    "END", "GROUPS",
];
const STRUCTURAL_PREFIX: &[&str] = &[
    "NAXIS", "TFORM", "TTYPE", "TUNIT", "TZERO", "TSCAL", "TNULL", "TDIM", "TBCOL",
];

fn werr(what: String) -> Error {
    Error::fits(None, FitsErrorKind::Write, what)
}

fn check_user_cards(cards: &[Card], unsigned: bool) -> Result<()> {
    for c in cards {
        let k = c.key.to_ascii_uppercase();
        let indexed = STRUCTURAL_PREFIX.iter().any(|p| {
            k.strip_prefix(p)
                .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
        });
        if STRUCTURAL.contains(&k.as_str()) || indexed {
            return Err(werr(format!(
                "keyword {k} is structural and written by the writer itself"
            )));
        }
        if unsigned && (k == "BZERO" || k == "BSCALE") {
            return Err(werr(format!(
                "keyword {k} conflicts with the unsigned-integer convention of the pixel type"
            )));
        }
    }
    Ok(())
}

impl FitsWriter {
    /// Start writing `path` (through a temporary file in the same directory).
    pub fn create(path: impl AsRef<Path>) -> Result<FitsWriter> {
        let path = path.as_ref().to_path_buf();
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let fname = path
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "out.fits".into());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{fname}.tmp-{}-{n}", std::process::id()));
        let f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(FitsWriter {
            path,
            tmp,
            out: Some(BufWriter::with_capacity(1 << 20, f)),
            hdus: 0,
        })
    }

    /// Number of HDUs written so far.
    pub fn hdus_written(&self) -> usize {
        self.hdus
    }

    fn io(&mut self, bytes: &[u8]) -> Result<()> {
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| werr("writer already finished".into()))?;
        out.write_all(bytes).map_err(|e| Error::io(&self.tmp, e))
    }

    fn write_header(&mut self, cards: Vec<Card>) -> Result<()> {
        let h = Header::from_cards(cards);
        let b = h.to_bytes().map_err(|e| e.in_hdu(self.hdus))?;
        self.io(&b)
    }

    fn pad_data(&mut self, len: usize, fill: u8) -> Result<()> {
        let rem = len % 2880;
        if rem != 0 {
            let pad = vec![fill; 2880 - rem];
            self.io(&pad)?;
        }
        Ok(())
    }

    fn first_cards(&self, bitpix: i64, naxes: &[usize]) -> Vec<Card> {
        let mut c = Vec::new();
        if self.hdus == 0 {
            c.push(Card::new("SIMPLE", true, "conforms to FITS standard"));
        } else {
            c.push(Card::new("XTENSION", "IMAGE", "image extension"));
        }
        c.push(Card::new("BITPIX", bitpix, "bits per data value"));
        c.push(Card::new("NAXIS", naxes.len(), "number of axes"));
        for (i, &n) in naxes.iter().enumerate() {
            c.push(Card::new(format!("NAXIS{}", i + 1), n, ""));
        }
        if self.hdus == 0 {
            c.push(Card::new("EXTEND", true, "extensions may follow"));
        } else {
            c.push(Card::new("PCOUNT", 0i64, ""));
            c.push(Card::new("GCOUNT", 1i64, ""));
        }
        c
    }

    /// Write an empty primary HDU (NAXIS = 0) with extra cards; only as the first HDU.
    pub fn write_empty_primary(&mut self, cards: &[Card]) -> Result<()> {
        if self.hdus != 0 {
            return Err(werr(
                "an empty primary HDU can only be the first HDU".into(),
            ));
        }
        check_user_cards(cards, false)?;
        let mut c = self.first_cards(8, &[]);
        c.extend_from_slice(cards);
        self.write_header(c)?;
        self.hdus += 1;
        Ok(())
    }

    /// Write an image HDU (primary if first, else an IMAGE extension). The array's axes are
    /// in C order, so shape `[galaxy, band, height, width]` gives NAXIS1 = width, NAXIS2 =
    /// height, NAXIS3 = band, NAXIS4 = galaxy. Unsigned types and `i8` get the BZERO convention.
    pub fn write_image<T: FitsPixel>(
        &mut self,
        data: ArrayViewD<'_, T>,
        cards: &[Card],
    ) -> Result<()> {
        let unsigned = T::BZERO.is_some();
        check_user_cards(cards, unsigned)?;
        let naxes: Vec<usize> = data.shape().iter().rev().copied().collect();
        let mut c = self.first_cards(T::BITPIX, &naxes);
        if let Some(z) = T::BZERO {
            c.push(Card::new("BSCALE", 1i64, ""));
            // integral value: written without a fraction so it reads back exactly
            let v = if z.abs() < 9.0e18 {
                Value::Int(z as i64)
            } else {
                Value::Float(z)
            };
            c.push(Card::new(
                "BZERO",
                v,
                "offset for unsigned/signed convention",
            ));
        }
        c.extend_from_slice(cards);
        self.write_header(c)?;
        let mut buf = Vec::with_capacity(1 << 20);
        let mut total = 0usize;
        for &v in data.iter() {
            v.put(&mut buf);
            if buf.len() >= (1 << 20) {
                total += buf.len();
                self.io(&buf)?;
                buf.clear();
            }
        }
        total += buf.len();
        self.io(&buf)?;
        self.pad_data(total, 0)?;
        self.hdus += 1;
        Ok(())
    }

    /// Write raw pixels with a FITS-order shape (for round trips of [`super::Image`]);
    /// scaling cards (BSCALE, BZERO, BLANK) go in `cards`.
    pub fn write_pixels(&mut self, shape: &[usize], pixels: &Pixels, cards: &[Card]) -> Result<()> {
        check_user_cards(cards, false)?;
        let n = shape.iter().product::<usize>();
        if n != pixels.len() {
            return Err(werr(format!(
                "shape {shape:?} needs {n} pixels, got {}",
                pixels.len()
            )));
        }
        let mut c = self.first_cards(pixels.bitpix(), shape);
        c.extend_from_slice(cards);
        self.write_header(c)?;
        let mut buf = Vec::with_capacity(n * (pixels.bitpix().unsigned_abs() as usize / 8));
        match pixels {
            Pixels::U8(v) => buf.extend_from_slice(v),
            Pixels::I16(v) => v
                .iter()
                .for_each(|x| buf.extend_from_slice(&x.to_be_bytes())),
            Pixels::I32(v) => v
                .iter()
                .for_each(|x| buf.extend_from_slice(&x.to_be_bytes())),
            Pixels::I64(v) => v
                .iter()
                .for_each(|x| buf.extend_from_slice(&x.to_be_bytes())),
            Pixels::F32(v) => v
                .iter()
                .for_each(|x| buf.extend_from_slice(&x.to_be_bytes())),
            Pixels::F64(v) => v
                .iter()
                .for_each(|x| buf.extend_from_slice(&x.to_be_bytes())),
        }
        self.io(&buf)?;
        self.pad_data(buf.len(), 0)?;
        self.hdus += 1;
        Ok(())
    }

    /// Write a binary-table extension (an empty primary HDU is written first if needed).
    pub fn write_table(&mut self, columns: &[TableColumn], cards: &[Card]) -> Result<()> {
        if self.hdus == 0 {
            self.write_empty_primary(&[])?;
        }
        check_user_cards(cards, false)?;
        let rows = columns.first().map(|c| c.data.rows()).unwrap_or(0);
        let mut plans = Vec::with_capacity(columns.len());
        for c in columns {
            if c.data.rows() != rows {
                return Err(werr(format!(
                    "column '{}' has {} rows, the first column has {rows}",
                    c.name,
                    c.data.rows()
                )));
            }
            plans.push(plan_column(c)?);
        }
        // heap
        let mut heap: Vec<u8> = Vec::new();
        let row_len: usize = plans.iter().map(|p| p.width).sum();
        let mut table = Vec::with_capacity(row_len * rows);
        for r in 0..rows {
            for (c, p) in columns.iter().zip(&plans) {
                encode_cell(c, p, r, &mut table, &mut heap)?;
            }
        }
        let mut h = vec![
            Card::new("XTENSION", "BINTABLE", "binary table extension"),
            Card::new("BITPIX", 8i64, ""),
            Card::new("NAXIS", 2i64, ""),
            Card::new("NAXIS1", row_len, "bytes per row"),
            Card::new("NAXIS2", rows, "rows"),
            Card::new("PCOUNT", heap.len(), "heap size"),
            Card::new("GCOUNT", 1i64, ""),
            Card::new("TFIELDS", columns.len(), ""),
        ];
        for (i, (c, p)) in columns.iter().zip(&plans).enumerate() {
            let n = i + 1;
            h.push(Card::new(format!("TTYPE{n}"), c.name.as_str(), ""));
            h.push(Card::new(format!("TFORM{n}"), p.tform.as_str(), ""));
            if let Some(u) = &c.unit {
                h.push(Card::new(format!("TUNIT{n}"), u.as_str(), ""));
            }
            if let Some(z) = &p.tzero {
                h.push(Card::new(format!("TZERO{n}"), z.clone(), ""));
            }
            if let Some(t) = p.tnull {
                h.push(Card::new(format!("TNULL{n}"), t, ""));
            }
            if let Some(d) = &p.tdim {
                h.push(Card::new(format!("TDIM{n}"), d.as_str(), ""));
            }
        }
        h.extend_from_slice(cards);
        self.write_header(h)?;
        let total = table.len() + heap.len();
        self.io(&table)?;
        self.io(&heap)?;
        self.pad_data(total, 0)?;
        self.hdus += 1;
        Ok(())
    }

    /// Flush, sync and rename the temporary file onto the target path.
    pub fn finish(mut self) -> Result<()> {
        if self.hdus == 0 {
            return Err(werr("no HDU written".into()));
        }
        let out = self
            .out
            .take()
            .ok_or_else(|| werr("writer already finished".into()))?;
        let f = out
            .into_inner()
            .map_err(|e| Error::io(&self.tmp, e.into_error()))?;
        f.sync_all().map_err(|e| Error::io(&self.tmp, e))?;
        drop(f);
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))?;
        Ok(())
    }
}

impl Drop for FitsWriter {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Write a single-image FITS file atomically (convenience).
pub fn write_image_file<T: FitsPixel>(
    path: impl AsRef<Path>,
    data: ArrayViewD<'_, T>,
    cards: &[Card],
) -> Result<()> {
    let mut w = FitsWriter::create(path)?;
    w.write_image(data, cards)?;
    w.finish()
}

struct Plan {
    tform: String,
    width: usize,
    elem: ElemType,
    per_row: usize,
    tzero: Option<Value>,
    tnull: Option<i64>,
    tdim: Option<String>,
    var: bool,
}

fn int_range(e: ElemType) -> (i64, i64) {
    match e {
        ElemType::U8 => (0, 255),
        ElemType::I16 => (i16::MIN as i64, i16::MAX as i64),
        ElemType::I32 => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    }
}

fn plan_column(c: &TableColumn) -> Result<Plan> {
    let name = &c.name;
    let per_row = |n: usize| n;
    let mk = |elem: ElemType, n: usize| Plan {
        tform: format!("{n}{}", elem.code()),
        width: if elem == ElemType::Bit {
            n.div_ceil(8)
        } else {
            n * elem.size()
        },
        elem,
        per_row: per_row(n),
        tzero: None,
        tnull: None,
        tdim: None,
        var: false,
    };
    Ok(match &c.data {
        ColumnData::Bool { values, .. } => mk(ElemType::Logical, values.ncols()),
        ColumnData::Bits(v) => mk(ElemType::Bit, v.ncols()),
        ColumnData::Int { values, null } => {
            let e = c.storage.unwrap_or(ElemType::I64);
            if !matches!(
                e,
                ElemType::U8 | ElemType::I16 | ElemType::I32 | ElemType::I64
            ) {
                return Err(werr(format!(
                    "column '{name}': integer storage must be B, I, J or K"
                )));
            }
            let (lo, hi) = int_range(e);
            for (&v, &n) in values.iter().zip(null) {
                if !n && (v < lo || v > hi) {
                    return Err(werr(format!(
                        "column '{name}': value {v} does not fit storage {}",
                        e.code()
                    )));
                }
            }
            let mut p = mk(e, values.ncols());
            if null.iter().any(|&n| n) {
                // choose a TNULL not used by any value
                let cand = [lo, hi, lo + 1, hi - 1];
                let t = cand
                    .iter()
                    .copied()
                    .find(|t| !values.iter().zip(null).any(|(&v, &n)| !n && v == *t))
                    .ok_or_else(|| werr(format!("column '{name}': no free TNULL value")))?;
                p.tnull = Some(t);
            }
            p
        }
        ColumnData::UInt64 { values, null } => {
            if null.iter().any(|&n| n) {
                return Err(werr(format!(
                    "column '{name}': nulls in unsigned 64-bit columns are not supported"
                )));
            }
            let mut p = mk(ElemType::I64, values.ncols());
            p.tzero = Some(Value::Float(9_223_372_036_854_775_808.0));
            p
        }
        ColumnData::Float(v) => {
            let e = c.storage.unwrap_or(ElemType::F64);
            if !matches!(e, ElemType::F32 | ElemType::F64) {
                return Err(werr(format!(
                    "column '{name}': real storage must be E or D"
                )));
            }
            mk(e, v.ncols())
        }
        ColumnData::Float32(v) => {
            let e = c.storage.unwrap_or(ElemType::F32);
            if !matches!(e, ElemType::F32 | ElemType::F64) {
                return Err(werr(format!(
                    "column '{name}': real storage must be E or D"
                )));
            }
            mk(e, v.ncols())
        }
        ColumnData::Complex(v) => mk(ElemType::C128, v.shape()[1]),
        ColumnData::Str(v) => {
            let mut w = 1usize;
            for s in v {
                if !s.is_ascii() {
                    return Err(werr(format!("column '{name}': string '{s}' is not ASCII")));
                }
                w = w.max(s.len());
            }
            let n = v.ncols();
            let mut p = mk(ElemType::Char, w * n);
            if n > 1 {
                p.tdim = Some(format!("({w},{n})"));
            }
            p.per_row = w;
            p
        }
        ColumnData::VarLen(rows) => {
            let first = rows.iter().find(|r| r.rows() > 0);
            let elem = first.map(|r| r.data_kind()).unwrap_or(ElemType::F64);
            let elem = match (elem, c.storage) {
                (ElemType::I64, Some(s @ (ElemType::U8 | ElemType::I16 | ElemType::I32))) => s,
                (ElemType::F64, Some(ElemType::F32)) => ElemType::F32,
                (e, _) => e,
            };
            for r in rows {
                if elem_family(r.data_kind()) != elem_family(elem) && r.rows() > 0 {
                    return Err(werr(format!(
                        "column '{name}': variable-length rows of mixed types"
                    )));
                }
                if matches!(r, ColumnData::VarLen(_)) {
                    return Err(werr(format!(
                        "column '{name}': nested variable-length arrays"
                    )));
                }
            }
            let maxlen = rows.iter().map(ColumnData::elements).max().unwrap_or(0);
            Plan {
                tform: format!("1Q{}({maxlen})", elem.code()),
                width: 16,
                elem,
                per_row: 0,
                tzero: None,
                tnull: None,
                tdim: None,
                var: true,
            }
        }
    })
}

fn elem_family(e: ElemType) -> ElemType {
    match e {
        ElemType::U8 | ElemType::I16 | ElemType::I32 | ElemType::I64 => ElemType::I64,
        ElemType::F32 | ElemType::F64 => ElemType::F64,
        other => other,
    }
}

impl ColumnData {
    fn data_kind(&self) -> ElemType {
        match self {
            ColumnData::Bool { .. } => ElemType::Logical,
            ColumnData::Bits(_) => ElemType::Bit,
            ColumnData::Int { .. } | ColumnData::UInt64 { .. } => ElemType::I64,
            ColumnData::Float(_) => ElemType::F64,
            ColumnData::Float32(_) => ElemType::F32,
            ColumnData::Complex(_) => ElemType::C128,
            ColumnData::Str(_) => ElemType::Char,
            ColumnData::VarLen(_) => ElemType::F64,
        }
    }
    fn elements(&self) -> usize {
        match self {
            ColumnData::Bool { values, .. } => values.len(),
            ColumnData::Bits(v) => v.len(),
            ColumnData::Int { values, .. } => values.len(),
            ColumnData::UInt64 { values, .. } => values.len(),
            ColumnData::Float(v) => v.len(),
            ColumnData::Float32(v) => v.len(),
            ColumnData::Complex(v) => v.shape()[0] * v.shape()[1],
            ColumnData::Str(v) => v.iter().map(|s| s.len()).sum(),
            ColumnData::VarLen(v) => v.iter().map(|r| r.elements()).sum(),
        }
    }
}

fn put_int(e: ElemType, v: i64, out: &mut Vec<u8>) {
    match e {
        ElemType::U8 => out.push(v as u8),
        ElemType::I16 => out.extend_from_slice(&(v as i16).to_be_bytes()),
        ElemType::I32 => out.extend_from_slice(&(v as i32).to_be_bytes()),
        _ => out.extend_from_slice(&v.to_be_bytes()),
    }
}

/// Encode row `r` of `data` (all its elements) with element type `elem`.
fn encode_row(
    data: &ColumnData,
    elem: ElemType,
    r: usize,
    str_width: usize,
    tnull: Option<i64>,
    out: &mut Vec<u8>,
) {
    match data {
        ColumnData::Bool { values, null } => {
            for (&v, &n) in values.row(r).iter().zip(null.row(r)) {
                out.push(if n {
                    0
                } else if v {
                    b'T'
                } else {
                    b'F'
                });
            }
        }
        ColumnData::Bits(v) => {
            let row = v.row(r);
            let mut byte = 0u8;
            for (k, &b) in row.iter().enumerate() {
                if b {
                    byte |= 1 << (7 - (k % 8));
                }
                if k % 8 == 7 {
                    out.push(byte);
                    byte = 0;
                }
            }
            if row.len() % 8 != 0 {
                out.push(byte);
            }
        }
        ColumnData::Int { values, null } => {
            for (&v, &n) in values.row(r).iter().zip(null.row(r)) {
                put_int(elem, if n { tnull.unwrap_or(0) } else { v }, out);
            }
        }
        ColumnData::UInt64 { values, .. } => {
            for &v in values.row(r) {
                out.extend_from_slice(&((v ^ (1u64 << 63)) as i64).to_be_bytes());
            }
        }
        ColumnData::Float(v) => {
            for &x in v.row(r) {
                if elem == ElemType::F32 {
                    out.extend_from_slice(&(x as f32).to_be_bytes());
                } else {
                    out.extend_from_slice(&x.to_be_bytes());
                }
            }
        }
        ColumnData::Float32(v) => {
            for &x in v.row(r) {
                if elem == ElemType::F64 {
                    out.extend_from_slice(&(x as f64).to_be_bytes());
                } else {
                    out.extend_from_slice(&x.to_be_bytes());
                }
            }
        }
        ColumnData::Complex(v) => {
            for k in 0..v.shape()[1] {
                out.extend_from_slice(&v[[r, k, 0]].to_be_bytes());
                out.extend_from_slice(&v[[r, k, 1]].to_be_bytes());
            }
        }
        ColumnData::Str(v) => {
            for s in v.row(r) {
                let b = s.as_bytes();
                out.extend_from_slice(b);
                out.extend(std::iter::repeat_n(b' ', str_width.saturating_sub(b.len())));
            }
        }
        ColumnData::VarLen(_) => {}
    }
}

fn encode_cell(
    c: &TableColumn,
    p: &Plan,
    r: usize,
    table: &mut Vec<u8>,
    heap: &mut Vec<u8>,
) -> Result<()> {
    if p.var {
        let ColumnData::VarLen(rows) = &c.data else {
            return Err(werr(format!("column '{}': plan mismatch", c.name)));
        };
        let row = &rows[r];
        let off = heap.len() as u64;
        let count = match row {
            ColumnData::Str(v) => {
                let s: String = v.iter().cloned().collect::<Vec<_>>().join("");
                heap.extend_from_slice(s.as_bytes());
                s.len() as u64
            }
            other => {
                let mut n = 0u64;
                for rr in 0..other.rows() {
                    let before = heap.len();
                    encode_row(other, p.elem, rr, 0, None, heap);
                    let _ = before;
                    n += match other {
                        ColumnData::Complex(v) => v.shape()[1] as u64,
                        ColumnData::Bool { values, .. } => values.ncols() as u64,
                        ColumnData::Bits(v) => v.ncols() as u64,
                        ColumnData::Int { values, .. } => values.ncols() as u64,
                        ColumnData::UInt64 { values, .. } => values.ncols() as u64,
                        ColumnData::Float(v) => v.ncols() as u64,
                        ColumnData::Float32(v) => v.ncols() as u64,
                        _ => 0,
                    };
                }
                n
            }
        };
        table.extend_from_slice(&count.to_be_bytes());
        table.extend_from_slice(&off.to_be_bytes());
        return Ok(());
    }
    let before = table.len();
    encode_row(&c.data, p.elem, r, p.per_row, p.tnull, table);
    if table.len() - before != p.width {
        return Err(werr(format!(
            "column '{}', row {r}: encoded {} bytes, expected {}",
            c.name,
            table.len() - before,
            p.width
        )));
    }
    Ok(())
}
