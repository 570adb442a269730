//! Binary and ASCII tables: every TFORM type (L, X, B, I, J, K, A, E, D, C, M and P/Q
//! variable-length arrays), repeat counts and TDIM, TSCAL/TZERO (including the unsigned
//! conventions), TNULL, THEAP gaps, zero-width columns; ASCII tables (A, I, F, E, D).

use super::image::Number;
use super::source::DiskFile;
use super::{Hdu, HduKind, Header};
use crate::error::{Error, FitsErrorKind, Result};
use ndarray::{Array2, Array3};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};

/// The stored element type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ElemType {
    /// `L`: one byte, `T`/`F`/0 (null).
    Logical,
    /// `X`: bits, most significant first.
    Bit,
    /// `B`: unsigned byte.
    U8,
    /// `I`: 16-bit integer.
    I16,
    /// `J`: 32-bit integer.
    I32,
    /// `K`: 64-bit integer.
    I64,
    /// `A`: character.
    Char,
    /// `E`: 32-bit float.
    F32,
    /// `D`: 64-bit float.
    F64,
    /// `C`: pair of 32-bit floats.
    C64,
    /// `M`: pair of 64-bit floats.
    C128,
}

impl ElemType {
    fn from_code(c: char) -> Option<ElemType> {
        Some(match c {
            'L' => ElemType::Logical,
            'X' => ElemType::Bit,
            'B' => ElemType::U8,
            'I' => ElemType::I16,
            'J' => ElemType::I32,
            'K' => ElemType::I64,
            'A' => ElemType::Char,
            'E' => ElemType::F32,
            'D' => ElemType::F64,
            'C' => ElemType::C64,
            'M' => ElemType::C128,
            _ => return None,
        })
    }
    /// The TFORM letter.
    pub fn code(&self) -> char {
        match self {
            ElemType::Logical => 'L',
            ElemType::Bit => 'X',
            ElemType::U8 => 'B',
            ElemType::I16 => 'I',
            ElemType::I32 => 'J',
            ElemType::I64 => 'K',
            ElemType::Char => 'A',
            ElemType::F32 => 'E',
            ElemType::F64 => 'D',
            ElemType::C64 => 'C',
            ElemType::C128 => 'M',
        }
    }
    /// Bytes per element (bits count as 1/8, handled separately).
    pub fn size(&self) -> usize {
        match self {
            ElemType::Logical | ElemType::Bit | ElemType::U8 | ElemType::Char => 1,
            ElemType::I16 => 2,
            ElemType::I32 | ElemType::F32 => 4,
            ElemType::I64 | ElemType::F64 | ElemType::C64 => 8,
            ElemType::C128 => 16,
        }
    }
    fn is_int(&self) -> bool {
        matches!(
            self,
            ElemType::U8 | ElemType::I16 | ElemType::I32 | ElemType::I64
        )
    }
    fn byte_len(&self, n: usize) -> Option<usize> {
        if *self == ElemType::Bit {
            Some(n.div_ceil(8))
        } else {
            n.checked_mul(self.size())
        }
    }
}

/// A variable-length array descriptor type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VarKind {
    /// `P`: 32-bit count and offset.
    P,
    /// `Q`: 64-bit count and offset.
    Q,
}

/// ASCII-table field format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AsciiFormat {
    /// `Aw`.
    Char,
    /// `Iw`.
    Int,
    /// `Fw.d`, `Ew.d`, `Dw.d`.
    Real,
}

/// Description of one column, from the TFORMn/TTYPEn/... keywords.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// TTYPEn (empty if absent).
    pub name: String,
    /// TFORMn as written.
    pub tform: String,
    /// Element type (for P/Q: the type of the heap elements).
    pub elem: ElemType,
    /// Elements per row (fixed columns; for X the number of bits).
    pub repeat: usize,
    /// Set for variable-length (P/Q) columns.
    pub var: Option<VarKind>,
    /// Byte offset inside a row.
    pub offset: usize,
    /// Bytes per row.
    pub width: usize,
    /// TSCALn (1 if absent).
    pub tscal: f64,
    /// TZEROn (0 if absent).
    pub tzero: f64,
    /// TNULLn for integer binary columns.
    pub tnull: Option<i64>,
    /// TNULLn for ASCII table columns (the null string).
    pub tnull_str: Option<String>,
    /// TDIMn axes (FITS order), if present.
    pub tdim: Option<Vec<usize>>,
    /// TUNITn.
    pub unit: Option<String>,
    /// ASCII tables: the field format.
    pub ascii: Option<AsciiFormat>,
}

/// Decoded values of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// `L`: values and null mask (rows x repeat).
    Bool {
        /// Values (false where null).
        values: Array2<bool>,
        /// True where the stored byte was neither `T` nor `F`.
        null: Array2<bool>,
    },
    /// `X`: bits (rows x nbits).
    Bits(Array2<bool>),
    /// Integer columns with integral TSCAL/TZERO (unsigned 8/16/32-bit conventions included).
    Int {
        /// Values after TZERO (0 where null).
        values: Array2<i64>,
        /// True where the raw value equals TNULL (or the ASCII field is blank/TNULL).
        null: Array2<bool>,
    },
    /// `K` with TZERO = 2^63 (unsigned 64-bit convention).
    UInt64 {
        /// Values.
        values: Array2<u64>,
        /// True where the raw value equals TNULL.
        null: Array2<bool>,
    },
    /// Reals (D, E with TSCAL/TZERO, or integers with non-integral scaling); NaN = missing
    /// (TNULL included).
    Float(Array2<f64>),
    /// `E` columns without TSCAL/TZERO: the stored single-precision values (half the memory
    /// of [`ColumnData::Float`]); NaN = missing. [`ColumnData::to_f64`] widens them.
    Float32(Array2<f32>),
    /// Complex (C, M): rows x repeat x 2 (re, im).
    Complex(Array3<f64>),
    /// Strings (rows x strings per row; one per row unless TDIM splits them).
    Str(Array2<String>),
    /// Variable-length arrays: one single-row `ColumnData` per row.
    VarLen(Vec<ColumnData>),
}

/// A decoded column: its description and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Description.
    pub info: ColumnInfo,
    /// Values.
    pub data: ColumnData,
}

/// Summary of a column's values (see the `fits_inspect` example).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    /// Column name.
    pub name: String,
    /// TFORM as written.
    pub tform: String,
    /// Non-missing elements.
    pub count: u64,
    /// Missing elements (TNULL, NaN, null logicals).
    pub missing: u64,
    /// Sum of the non-missing elements (None for strings; `[re, im]` for complex).
    pub sum: Option<ColumnSum>,
}

/// A column sum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ColumnSum {
    /// Real or exact integer.
    Real(Number),
    /// Complex `[re, im]`.
    Complex([f64; 2]),
}

impl ColumnData {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        match self {
            ColumnData::Bool { values, .. } => values.nrows(),
            ColumnData::Bits(v) => v.nrows(),
            ColumnData::Int { values, .. } => values.nrows(),
            ColumnData::UInt64 { values, .. } => values.nrows(),
            ColumnData::Float(v) => v.nrows(),
            ColumnData::Float32(v) => v.nrows(),
            ColumnData::Complex(v) => v.shape()[0],
            ColumnData::Str(v) => v.nrows(),
            ColumnData::VarLen(v) => v.len(),
        }
    }

    /// A short type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            ColumnData::Bool { .. } => "logical",
            ColumnData::Bits(_) => "bits",
            ColumnData::Int { .. } => "integer",
            ColumnData::UInt64 { .. } => "uint64",
            ColumnData::Float(_) => "real",
            ColumnData::Float32(_) => "real (single precision)",
            ColumnData::Complex(_) => "complex",
            ColumnData::Str(_) => "string",
            ColumnData::VarLen(_) => "variable-length",
        }
    }

    /// Values as f64 (rows x elements), missing as NaN; logicals/bits as 0/1.
    /// Fails for strings, complex and variable-length columns.
    pub fn to_f64(&self) -> Option<Array2<f64>> {
        Some(match self {
            ColumnData::Bool { values, null } => ndarray::Zip::from(values)
                .and(null)
                .map_collect(|&v, &n| if n { f64::NAN } else { v as u8 as f64 }),
            ColumnData::Bits(v) => v.mapv(|b| b as u8 as f64),
            ColumnData::Int { values, null } => ndarray::Zip::from(values)
                .and(null)
                .map_collect(|&v, &n| if n { f64::NAN } else { v as f64 }),
            ColumnData::UInt64 { values, null } => ndarray::Zip::from(values)
                .and(null)
                .map_collect(|&v, &n| if n { f64::NAN } else { v as f64 }),
            ColumnData::Float(v) => v.clone(),
            ColumnData::Float32(v) => v.mapv(|x| x as f64),
            _ => return None,
        })
    }

    fn accumulate(&self, acc: &mut StatAcc) {
        match self {
            ColumnData::Bool { values, .. } => {
                // a null logical counts as false (0), as astropy reads it
                for &v in values.iter() {
                    acc.count += 1;
                    acc.isum += v as i128;
                }
            }
            ColumnData::Bits(v) => {
                for &b in v {
                    acc.count += 1;
                    acc.isum += b as i128;
                }
            }
            ColumnData::Int { values, null } => match (values.as_slice(), null.as_slice()) {
                (Some(v), Some(n)) => {
                    let (count, sum) = int_sum(v, n);
                    acc.count += count;
                    acc.missing += v.len() as u64 - count;
                    acc.isum += sum;
                }
                _ => {
                    for (&v, &n) in values.iter().zip(null.iter()) {
                        acc.count += !n as u64;
                        acc.missing += n as u64;
                        acc.isum += if n { 0 } else { v as i128 };
                    }
                }
            },
            ColumnData::UInt64 { values, null } => {
                for (&v, &n) in values.iter().zip(null.iter()) {
                    if n {
                        acc.missing += 1;
                    } else {
                        acc.count += 1;
                        acc.isum += v as i128;
                    }
                }
            }
            ColumnData::Float(v) => {
                acc.float = true;
                let (count, sum) = match v.as_slice() {
                    Some(s) => nan_sum(s),
                    None => nan_sum(&v.iter().copied().collect::<Vec<_>>()),
                };
                acc.count += count;
                acc.missing += v.len() as u64 - count;
                acc.fsum += sum;
            }
            ColumnData::Float32(v) => {
                acc.float = true;
                let (count, sum) = match v.as_slice() {
                    Some(s) => nan_sum32(s),
                    None => nan_sum32(&v.iter().copied().collect::<Vec<_>>()),
                };
                acc.count += count;
                acc.missing += v.len() as u64 - count;
                acc.fsum += sum;
            }
            ColumnData::Complex(v) => {
                acc.complex = true;
                for pair in v.rows() {
                    if pair[0].is_nan() || pair[1].is_nan() {
                        acc.missing += 1;
                    } else {
                        acc.count += 1;
                        acc.csum[0] += pair[0];
                        acc.csum[1] += pair[1];
                    }
                }
            }
            ColumnData::Str(v) => {
                acc.string = true;
                acc.count += v.len() as u64;
            }
            ColumnData::VarLen(rows) => {
                for r in rows {
                    r.accumulate(acc);
                }
            }
        }
    }
}

/// Count and sum of the non-NaN values (eight interleaved lanes, combined in a fixed order).
fn nan_sum(v: &[f64]) -> (u64, f64) {
    const L: usize = 8;
    let mut count = [0u64; L];
    let mut sum = [0.0f64; L];
    let (chunks, rest) = v.as_chunks::<L>();
    for c in chunks {
        for k in 0..L {
            let ok = !c[k].is_nan();
            count[k] += ok as u64;
            sum[k] += if ok { c[k] } else { 0.0 };
        }
    }
    for (k, &x) in rest.iter().enumerate() {
        if !x.is_nan() {
            count[k] += 1;
            sum[k] += x;
        }
    }
    let s4 = [
        sum[0] + sum[4],
        sum[1] + sum[5],
        sum[2] + sum[6],
        sum[3] + sum[7],
    ];
    (count.iter().sum(), (s4[0] + s4[1]) + (s4[2] + s4[3]))
}

/// Count and sum (in f64) of the non-NaN single-precision values (as [`nan_sum`]).
fn nan_sum32(v: &[f32]) -> (u64, f64) {
    const L: usize = 8;
    let mut count = [0u64; L];
    let mut sum = [0.0f64; L];
    let (chunks, rest) = v.as_chunks::<L>();
    for c in chunks {
        for k in 0..L {
            let ok = !c[k].is_nan();
            count[k] += ok as u64;
            sum[k] += if ok { c[k] as f64 } else { 0.0 };
        }
    }
    for (k, &x) in rest.iter().enumerate() {
        if !x.is_nan() {
            count[k] += 1;
            sum[k] += x as f64;
        }
    }
    let s4 = [
        sum[0] + sum[4],
        sum[1] + sum[5],
        sum[2] + sum[6],
        sum[3] + sum[7],
    ];
    (count.iter().sum(), (s4[0] + s4[1]) + (s4[2] + s4[3]))
}

/// Count and exact sum of the values whose null flag is false.
fn int_sum(v: &[i64], null: &[bool]) -> (u64, i128) {
    let mut count = 0u64;
    let mut sum = 0i128;
    // blocks of 2^12 values: split each value into high and low 32-bit halves, which sum
    // without overflow in i64 lanes, then combine exactly in i128
    for (vb, nb) in v.chunks(1 << 12).zip(null.chunks(1 << 12)) {
        let mut hi = 0i64;
        let mut lo = 0i64;
        let mut c = 0u64;
        for (&x, &n) in vb.iter().zip(nb) {
            let y = if n { 0 } else { x };
            hi += y >> 32;
            lo += y & 0xFFFF_FFFF;
            c += !n as u64;
        }
        sum += ((hi as i128) << 32) + lo as i128;
        count += c;
    }
    (count, sum)
}

#[derive(Default)]
struct StatAcc {
    count: u64,
    missing: u64,
    isum: i128,
    fsum: f64,
    csum: [f64; 2],
    float: bool,
    complex: bool,
    string: bool,
}

impl Column {
    /// Count, missing and sum over every element (see [`ColumnStats`]).
    pub fn stats(&self) -> ColumnStats {
        let mut acc = StatAcc::default();
        self.data.accumulate(&mut acc);
        let sum = if acc.string {
            None
        } else if acc.complex {
            Some(ColumnSum::Complex(acc.csum))
        } else if acc.float || self.info.elem == ElemType::F32 || self.info.elem == ElemType::F64 {
            Some(ColumnSum::Real(Number::Float(acc.fsum + acc.isum as f64)))
        } else {
            Some(ColumnSum::Real(Number::Int(acc.isum)))
        };
        ColumnStats {
            name: self.info.name.clone(),
            tform: self.info.tform.clone(),
            count: acc.count,
            missing: acc.missing,
            sum,
        }
    }
}

/// A binary or ASCII table; columns are decoded on request.
#[derive(Debug, Clone)]
pub struct Table {
    /// Number of rows (NAXIS2).
    pub rows: usize,
    /// Bytes per row (NAXIS1).
    pub row_len: usize,
    /// True for an ASCII (`TABLE`) extension.
    pub ascii: bool,
    /// Column descriptions in order.
    pub columns: Vec<ColumnInfo>,
    data: TableData,
    start: usize,
    heap_start: usize,
    heap_len: usize,
    file: String,
    hdu_index: usize,
}

/// Where a table's bytes are.
#[derive(Debug, Clone)]
enum TableData {
    /// In memory (the whole file, or the data unit alone).
    Memory(Arc<Vec<u8>>),
    /// On disk: the data unit at `offset`, `len` bytes. Reading every column together
    /// streams the rows from disk; other access loads the data unit into `loaded` once.
    Disk {
        disk: Arc<DiskFile>,
        offset: usize,
        len: usize,
        loaded: Arc<OnceLock<Arc<Vec<u8>>>>,
    },
}

fn bad(kind: FitsErrorKind, what: String) -> Error {
    Error::fits(None, kind, what)
}

/// Parse a binary TFORM: (repeat, type, var kind).
pub(crate) fn parse_tform(t: &str) -> Result<(usize, ElemType, Option<VarKind>)> {
    let t = t.trim();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    let rest = &t[digits.len()..];
    let repeat = if digits.is_empty() {
        1
    } else {
        digits.parse::<usize>().map_err(|_| {
            bad(
                FitsErrorKind::Header,
                format!("TFORM '{t}': repeat count too large"),
            )
        })?
    };
    let mut chars = rest.chars();
    let code = chars.next().ok_or_else(|| {
        bad(
            FitsErrorKind::Header,
            format!("TFORM '{t}' has no type letter"),
        )
    })?;
    if code == 'P' || code == 'Q' {
        let ecode = chars.next().ok_or_else(|| {
            bad(
                FitsErrorKind::Header,
                format!("TFORM '{t}': P/Q without element type"),
            )
        })?;
        let elem = ElemType::from_code(ecode).ok_or_else(|| {
            bad(
                FitsErrorKind::Header,
                format!("TFORM '{t}': unknown element type '{ecode}'"),
            )
        })?;
        if repeat > 1 {
            return Err(bad(
                FitsErrorKind::Header,
                format!("TFORM '{t}': variable-length repeat must be 0 or 1"),
            ));
        }
        let kind = if code == 'P' { VarKind::P } else { VarKind::Q };
        return Ok((repeat, elem, Some(kind)));
    }
    let elem = ElemType::from_code(code).ok_or_else(|| {
        bad(
            FitsErrorKind::Header,
            format!("TFORM '{t}': unknown type letter '{code}'"),
        )
    })?;
    Ok((repeat, elem, None))
}

fn parse_tdim(s: &str) -> Option<Vec<usize>> {
    let inner = s.trim().strip_prefix('(')?.strip_suffix(')')?;
    inner
        .split(',')
        .map(|x| x.trim().parse::<usize>().ok())
        .collect()
}

fn parse_ascii_tform(t: &str) -> Result<(AsciiFormat, usize)> {
    let t = t.trim();
    let mut chars = t.chars();
    let c = chars.next().unwrap_or(' ');
    let fmt = match c {
        'A' => AsciiFormat::Char,
        'I' => AsciiFormat::Int,
        'F' | 'E' | 'D' => AsciiFormat::Real,
        _ => {
            return Err(bad(
                FitsErrorKind::Header,
                format!("ASCII TFORM '{t}': unknown format"),
            ));
        }
    };
    let w: String = t[1..].chars().take_while(|c| c.is_ascii_digit()).collect();
    let width = w.parse::<usize>().map_err(|_| {
        bad(
            FitsErrorKind::Header,
            format!("ASCII TFORM '{t}': missing width"),
        )
    })?;
    Ok((fmt, width))
}

impl Table {
    /// Describe the table of an HDU; `bytes` is the whole (decompressed) file.
    pub fn from_hdu(hdu: &Hdu, bytes: Arc<Vec<u8>>, file: &str) -> Result<Table> {
        let len = bytes.len();
        Self::build(hdu, TableData::Memory(bytes), len, hdu.data_offset, file)
    }

    /// Describe the table of an HDU; `data` is its data unit alone (rows, gap and heap).
    pub fn from_data_unit(hdu: &Hdu, data: Arc<Vec<u8>>, file: &str) -> Result<Table> {
        let len = data.len();
        Self::build(hdu, TableData::Memory(data), len, 0, file)
    }

    /// Describe the table of an HDU of a plain file on disk (nothing is read yet).
    pub(crate) fn from_disk(hdu: &Hdu, disk: Arc<DiskFile>, file: &str) -> Result<Table> {
        let data = TableData::Disk {
            disk,
            offset: hdu.data_offset,
            len: hdu.data_len,
            loaded: Arc::new(OnceLock::new()),
        };
        Self::build(hdu, data, hdu.data_len, 0, file)
    }

    fn build(hdu: &Hdu, data: TableData, avail: usize, start: usize, file: &str) -> Result<Table> {
        let h: &Header = &hdu.header;
        let ascii = hdu.kind == HduKind::AsciiTable;
        let naxis = h.i64("NAXIS")?;
        if naxis != 2 {
            return Err(bad(
                FitsErrorKind::Inconsistent,
                format!("table has NAXIS = {naxis}, expected 2"),
            ));
        }
        let row_len = h.i64("NAXIS1")? as usize;
        let rows = h.i64("NAXIS2")? as usize;
        let tfields = h.i64("TFIELDS")?;
        if !(0..=999).contains(&tfields) {
            return Err(bad(
                FitsErrorKind::Inconsistent,
                format!("TFIELDS = {tfields} out of range 0..999"),
            ));
        }
        let main = row_len
            .checked_mul(rows)
            .ok_or_else(|| bad(FitsErrorKind::Inconsistent, "table size overflows".into()))?;
        if main > hdu.data_len {
            return Err(bad(
                FitsErrorKind::Inconsistent,
                format!(
                    "NAXIS1 x NAXIS2 = {main} exceeds the data unit ({} bytes)",
                    hdu.data_len
                ),
            ));
        }
        let pcount = h.opt_i64("PCOUNT")?.unwrap_or(0).max(0) as usize;
        let theap = match h.opt_i64("THEAP")? {
            Some(t) if t < 0 => {
                return Err(bad(
                    FitsErrorKind::Inconsistent,
                    format!("THEAP = {t} is negative"),
                ));
            }
            Some(t) => t as usize,
            None => main,
        };
        if theap < main || theap > main + pcount {
            return Err(bad(
                FitsErrorKind::Inconsistent,
                format!(
                    "THEAP = {theap} outside the data area [{main}, {}]",
                    main + pcount
                ),
            ));
        }
        let heap_len = main + pcount - theap;
        let mut columns = Vec::with_capacity(tfields as usize);
        let mut offset = 0usize;
        for i in 1..=tfields as usize {
            let tform = h.str(&format!("TFORM{i}"))?.trim().to_string();
            let name = h
                .opt_str(&format!("TTYPE{i}"))?
                .unwrap_or("")
                .trim()
                .to_string();
            let unit = h
                .opt_str(&format!("TUNIT{i}"))?
                .map(|s| s.trim().to_string());
            let tscal = h.opt_f64(&format!("TSCAL{i}"))?.unwrap_or(1.0);
            let tzero = h.opt_f64(&format!("TZERO{i}"))?.unwrap_or(0.0);
            let tdim = match h.opt_str(&format!("TDIM{i}"))? {
                Some(s) => Some(parse_tdim(s).ok_or_else(|| {
                    bad(
                        FitsErrorKind::Header,
                        format!("TDIM{i} = '{s}' is not of the form (a,b,...)"),
                    )
                })?),
                None => None,
            };
            if ascii {
                let (fmt, width) = parse_ascii_tform(&tform)?;
                let tbcol = h.i64(&format!("TBCOL{i}"))?;
                if tbcol < 1 || (tbcol as usize - 1).saturating_add(width) > row_len {
                    return Err(bad(
                        FitsErrorKind::Inconsistent,
                        format!(
                            "column {i} ('{name}'): TBCOL{i} = {tbcol} width {width} exceeds NAXIS1 = {row_len}"
                        ),
                    ));
                }
                let tnull_str = match h.get(&format!("TNULL{i}")) {
                    Some(super::Value::Str(s)) => Some(s.trim().to_string()),
                    Some(super::Value::Int(v)) => Some(v.to_string()),
                    Some(v) => v.as_f64().map(|f| f.to_string()),
                    None => None,
                };
                columns.push(ColumnInfo {
                    name,
                    tform,
                    elem: match fmt {
                        AsciiFormat::Char => ElemType::Char,
                        AsciiFormat::Int => ElemType::I64,
                        AsciiFormat::Real => ElemType::F64,
                    },
                    repeat: 1,
                    var: None,
                    offset: tbcol as usize - 1,
                    width,
                    tscal,
                    tzero,
                    tnull: None,
                    tnull_str,
                    tdim: None,
                    unit,
                    ascii: Some(fmt),
                });
                continue;
            }
            let (repeat, elem, var) = parse_tform(&tform).map_err(|e| match e {
                Error::Fits {
                    file,
                    hdu,
                    kind,
                    what,
                } => Error::Fits {
                    file,
                    hdu,
                    kind,
                    what: format!("column {i} ('{name}'): {what}"),
                },
                o => o,
            })?;
            let width = match var {
                Some(VarKind::P) => 8 * repeat,
                Some(VarKind::Q) => 16 * repeat,
                None => elem.byte_len(repeat).ok_or_else(|| {
                    bad(
                        FitsErrorKind::Inconsistent,
                        format!("column {i}: width overflows"),
                    )
                })?,
            };
            let tnull = if elem.is_int() {
                h.opt_i64(&format!("TNULL{i}")).ok().flatten()
            } else {
                None
            };
            if let Some(d) = &tdim {
                let p = d.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
                if var.is_none() && p != Some(repeat) && elem != ElemType::Char {
                    return Err(bad(
                        FitsErrorKind::Inconsistent,
                        format!("column {i} ('{name}'): TDIM {d:?} does not match repeat {repeat}"),
                    ));
                }
            }
            columns.push(ColumnInfo {
                name,
                tform,
                elem,
                repeat,
                var,
                offset,
                width,
                tscal,
                tzero,
                tnull,
                tnull_str: None,
                tdim,
                unit,
                ascii: None,
            });
            offset = offset
                .checked_add(width)
                .ok_or_else(|| bad(FitsErrorKind::Inconsistent, "row width overflows".into()))?;
        }
        if !ascii && offset > row_len {
            return Err(bad(
                FitsErrorKind::Inconsistent,
                format!("columns need {offset} bytes per row, NAXIS1 = {row_len}"),
            ));
        }
        if start.saturating_add(hdu.data_len) > avail {
            return Err(bad(
                FitsErrorKind::Truncated,
                format!("table data needs {} bytes", hdu.data_len),
            ));
        }
        Ok(Table {
            rows,
            row_len,
            ascii,
            columns,
            data,
            start,
            heap_start: start + theap,
            heap_len,
            file: file.to_string(),
            hdu_index: hdu.index,
        })
    }

    /// The bytes that `start` and `heap_start` index (loading a disk table's data unit once).
    fn buf(&self) -> Result<&[u8]> {
        match &self.data {
            TableData::Memory(b) => Ok(b),
            TableData::Disk {
                disk,
                offset,
                len,
                loaded,
            } => {
                if loaded.get().is_none() {
                    let v = disk.read_bytes(*offset, *len)?;
                    // another clone may have loaded it meanwhile: either copy is the same
                    let _ = loaded.set(Arc::new(v));
                }
                Ok(loaded.get().map(|b| b.as_slice()).unwrap_or(&[]))
            }
        }
    }

    fn ctx(&self, e: Error) -> Error {
        e.in_hdu(self.hdu_index).in_file(&self.file)
    }

    /// Index of a column by name (exact first, then case-insensitive).
    pub fn column_index(&self, name: &str) -> Result<usize> {
        self.column_index_raw(name).map_err(|e| self.ctx(e))
    }

    /// Decode a column by name.
    pub fn column(&self, name: &str) -> Result<Column> {
        self.column_raw(name).map_err(|e| self.ctx(e))
    }

    /// Decode the column at position `i`.
    pub fn column_at(&self, i: usize) -> Result<Column> {
        self.column_at_raw(i).map_err(|e| self.ctx(e))
    }

    /// Decode the columns at the given positions, in that order. Faster than one
    /// [`Table::column_at`] call per column: the table's rows are read once for all the
    /// fixed-width binary columns, block by block, in parallel for large tables.
    pub fn read_columns(&self, indices: &[usize]) -> Result<Vec<Column>> {
        self.read_columns_raw(indices).map_err(|e| self.ctx(e))
    }

    /// Decode every column (see [`Table::read_columns`]).
    pub fn read_all_columns(&self) -> Result<Vec<Column>> {
        let all: Vec<usize> = (0..self.columns.len()).collect();
        self.read_columns(&all)
    }

    /// A column as f64 (rows x elements), missing as NaN.
    pub fn f64(&self, name: &str) -> Result<Array2<f64>> {
        self.f64_raw(name).map_err(|e| self.ctx(e))
    }

    /// An integer column (rows x elements) with its null mask.
    pub fn i64(&self, name: &str) -> Result<(Array2<i64>, Array2<bool>)> {
        self.i64_raw(name).map_err(|e| self.ctx(e))
    }

    /// A string column, one string per row (the first string when TDIM splits a row).
    pub fn strings(&self, name: &str) -> Result<Vec<String>> {
        self.strings_raw(name).map_err(|e| self.ctx(e))
    }

    /// The raw heap bytes of a variable-length cell (column index `col`, row `r`), checked
    /// against the heap bounds.
    pub fn var_bytes(&self, col: usize, r: usize) -> Result<&[u8]> {
        self.var_bytes_raw(col, r).map_err(|e| self.ctx(e))
    }

    /// Column names in order.
    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// Index of a column by name (exact first, then case-insensitive).
    fn column_index_raw(&self, name: &str) -> Result<usize> {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .or_else(|| {
                self.columns
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| {
                bad(
                    FitsErrorKind::NotFound,
                    format!(
                        "no column '{name}' (columns: {})",
                        self.column_names().join(", ")
                    ),
                )
            })
    }

    /// Decode a column by name.
    fn column_raw(&self, name: &str) -> Result<Column> {
        let i = self.column_index_raw(name)?;
        self.column_at_raw(i)
    }

    /// A column as f64 (rows x elements), missing as NaN.
    fn f64_raw(&self, name: &str) -> Result<Array2<f64>> {
        let c = self.column_raw(name)?;
        c.data.to_f64().ok_or_else(|| {
            bad(
                FitsErrorKind::Type,
                format!("column '{name}' is {}, not numeric", c.data.type_name()),
            )
        })
    }

    /// An integer column (rows x elements) with its null mask.
    fn i64_raw(&self, name: &str) -> Result<(Array2<i64>, Array2<bool>)> {
        let c = self.column_raw(name)?;
        match c.data {
            ColumnData::Int { values, null } => Ok((values, null)),
            ColumnData::Bool { values, null } => Ok((values.mapv(|b| b as i64), null)),
            ColumnData::Bits(v) => {
                let null = Array2::from_elem(v.raw_dim(), false);
                Ok((v.mapv(|b| b as i64), null))
            }
            other => Err(bad(
                FitsErrorKind::Type,
                format!("column '{name}' is {}, not integer", other.type_name()),
            )),
        }
    }

    /// A string column, one string per row (the first string when TDIM splits a row).
    fn strings_raw(&self, name: &str) -> Result<Vec<String>> {
        let c = self.column_raw(name)?;
        match c.data {
            ColumnData::Str(v) => Ok(v.rows().into_iter().map(|r| r[0].clone()).collect()),
            other => Err(bad(
                FitsErrorKind::Type,
                format!("column '{name}' is {}, not string", other.type_name()),
            )),
        }
    }

    /// The raw heap bytes of a variable-length cell (column index `col`, row `r`), checked
    /// against the heap bounds.
    fn var_bytes_raw(&self, col: usize, r: usize) -> Result<&[u8]> {
        let info = self
            .columns
            .get(col)
            .ok_or_else(|| bad(FitsErrorKind::NotFound, format!("no column number {col}")))?;
        let kind = info.var.ok_or_else(|| {
            bad(
                FitsErrorKind::Type,
                format!("column '{}' is not variable-length", info.name),
            )
        })?;
        if r >= self.rows {
            return Err(bad(
                FitsErrorKind::NotFound,
                format!("row {r} >= {} rows", self.rows),
            ));
        }
        let buf = self.buf()?;
        let (count, off) = self.descriptor(buf, info, kind, r);
        let nbytes = info.elem.byte_len(count as usize).unwrap_or(usize::MAX) as u64;
        if off.saturating_add(nbytes) > self.heap_len as u64 {
            return Err(bad(
                FitsErrorKind::Decode,
                format!(
                    "column '{}', row {r}: variable-length array ({count} elements at heap offset {off}) lies outside the heap ({} bytes)",
                    info.name, self.heap_len
                ),
            ));
        }
        let s = self.heap_start + off as usize;
        Ok(&buf[s..s + nbytes as usize])
    }

    fn descriptor(&self, buf: &[u8], info: &ColumnInfo, kind: VarKind, r: usize) -> (u64, u64) {
        let b = self.row_bytes(buf, r, info);
        if info.repeat == 0 {
            return (0, 0);
        }
        if kind == VarKind::P {
            (
                u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64,
                u32::from_be_bytes([b[4], b[5], b[6], b[7]]) as u64,
            )
        } else {
            let mut c = [0u8; 8];
            c.copy_from_slice(&b[..8]);
            let mut o = [0u8; 8];
            o.copy_from_slice(&b[8..16]);
            (u64::from_be_bytes(c), u64::from_be_bytes(o))
        }
    }

    fn row_bytes<'a>(&self, buf: &'a [u8], r: usize, c: &ColumnInfo) -> &'a [u8] {
        let o = self.start + r * self.row_len + c.offset;
        &buf[o..o + c.width]
    }

    /// Decode the column at position `i`.
    fn column_at_raw(&self, i: usize) -> Result<Column> {
        let mut v = self.read_columns_raw(&[i])?;
        v.pop()
            .ok_or_else(|| bad(FitsErrorKind::Decode, format!("column {i} not decoded")))
    }

    /// Decode the columns at the given positions (in that order); fixed-width binary
    /// columns are decoded together, reading each block of rows once.
    fn read_columns_raw(&self, idx: &[usize]) -> Result<Vec<Column>> {
        let mut infos = Vec::with_capacity(idx.len());
        for &i in idx {
            infos.push(self.columns.get(i).ok_or_else(|| {
                bad(
                    FitsErrorKind::NotFound,
                    format!("no column number {i} (table has {})", self.columns.len()),
                )
            })?);
        }
        let mut data: Vec<Option<ColumnData>> = (0..idx.len()).map(|_| None).collect();
        // a disk table not yet in memory: stream the rows of the fixed-width columns
        let stream = match &self.data {
            TableData::Disk {
                disk,
                offset,
                loaded,
                ..
            } if loaded.get().is_none() => Some((disk.as_ref(), *offset)),
            _ => None,
        };
        let buf: &[u8] = if stream.is_some() { &[] } else { self.buf()? };
        let mut fixed = Vec::new();
        let mut fixed_pos = Vec::new();
        for (k, (&i, info)) in idx.iter().zip(&infos).enumerate() {
            if self.ascii {
                data[k] = Some(self.decode_ascii(info)?);
            } else if info.var.is_some() {
                data[k] = Some(self.decode_var(i, info)?);
            } else {
                let cells = Cells {
                    b: buf,
                    start: self.start + info.offset,
                    stride: self.row_len,
                    rows: self.rows,
                };
                fixed.push((*info, cells, info.repeat));
                fixed_pos.push(k);
            }
        }
        for (k, d) in
            fixed_pos
                .into_iter()
                .zip(decode_fixed_many(&fixed, self.rows, stream, self.row_len)?)
        {
            data[k] = Some(d);
        }
        infos
            .into_iter()
            .zip(data)
            .map(|(info, d)| {
                let data = d.ok_or_else(|| {
                    bad(
                        FitsErrorKind::Decode,
                        format!("column '{}' not decoded", info.name),
                    )
                })?;
                if data.rows() != self.rows {
                    return Err(bad(
                        FitsErrorKind::Decode,
                        format!(
                            "column '{}': decoded {} rows, NAXIS2 = {}",
                            info.name,
                            data.rows(),
                            self.rows
                        ),
                    ));
                }
                Ok(Column {
                    info: info.clone(),
                    data,
                })
            })
            .collect()
    }

    /// Decode a variable-length (P/Q) column: one single-row value per row.
    fn decode_var(&self, i: usize, info: &ColumnInfo) -> Result<ColumnData> {
        let mut out = Vec::with_capacity(self.rows);
        // Files written by astropy <= 7.2 store logical VLAs as 0x00/0x01 bytes: when a
        // logical heap holds only those bytes and at least one 0x01, read 0x01 as true
        // and 0x00 as false (as astropy does).
        let legacy_logical = info.elem == ElemType::Logical && {
            let mut only01 = true;
            let mut any1 = false;
            for r in 0..self.rows {
                for &b in self.var_bytes_raw(i, r)? {
                    only01 &= b <= 1;
                    any1 |= b == 1;
                }
            }
            only01 && any1
        };
        for r in 0..self.rows {
            if legacy_logical {
                let b = self.var_bytes_raw(i, r)?;
                let values =
                    Array2::from_shape_vec((1, b.len()), b.iter().map(|&x| x == 1).collect())
                        .expect("1 x n");
                let null = Array2::from_elem((1, b.len()), false);
                out.push(ColumnData::Bool { values, null });
                continue;
            }
            let slice = self.var_bytes_raw(i, r)?;
            let count = match info.var {
                Some(k) => self.descriptor(self.buf()?, info, k, r).0 as usize,
                None => 0,
            };
            let mut single = info.clone();
            single.repeat = count;
            single.tdim = None;
            out.push(decode_fixed(&single, Cells::single(slice), count, 1)?);
        }
        Ok(ColumnData::VarLen(out))
    }

    fn decode_ascii(&self, info: &ColumnInfo) -> Result<ColumnData> {
        let fmt = info.ascii.unwrap_or(AsciiFormat::Char);
        let n = self.rows;
        let buf = self.buf()?;
        let field = |r: usize| -> String {
            let b = self.row_bytes(buf, r, info);
            String::from_utf8_lossy(b).to_string()
        };
        match fmt {
            AsciiFormat::Char => {
                let v: Vec<String> = (0..n).map(|r| field(r).trim_end().to_string()).collect();
                Ok(ColumnData::Str(
                    Array2::from_shape_vec((n, 1), v).expect("n x 1 strings"),
                ))
            }
            AsciiFormat::Int | AsciiFormat::Real => {
                let is_null = |s: &str| s.is_empty() || info.tnull_str.as_deref() == Some(s);
                let integral =
                    fmt == AsciiFormat::Int && info.tscal == 1.0 && info.tzero.fract() == 0.0;
                if integral {
                    let mut values = Array2::zeros((n, 1));
                    let mut null = Array2::from_elem((n, 1), false);
                    for r in 0..n {
                        let f = field(r);
                        let s = f.trim();
                        if is_null(s) {
                            null[[r, 0]] = true;
                            continue;
                        }
                        let v: i64 = s.parse().map_err(|_| {
                            bad(
                                FitsErrorKind::Decode,
                                format!("column '{}', row {r}: '{s}' is not an integer", info.name),
                            )
                        })?;
                        values[[r, 0]] = v + info.tzero as i64;
                    }
                    return Ok(ColumnData::Int { values, null });
                }
                let mut values = Array2::zeros((n, 1));
                for r in 0..n {
                    let f = field(r);
                    let s = f.trim();
                    if is_null(s) {
                        values[[r, 0]] = f64::NAN;
                        continue;
                    }
                    let v: f64 = s.replace(['D', 'd'], "E").parse().map_err(|_| {
                        bad(
                            FitsErrorKind::Decode,
                            format!("column '{}', row {r}: '{s}' is not a number", info.name),
                        )
                    })?;
                    values[[r, 0]] = v * info.tscal + info.tzero;
                }
                Ok(ColumnData::Float(values))
            }
        }
    }
}

/// The cells of one column: `rows` cells, `stride` bytes apart, the first at `start` of `b`.
#[derive(Clone, Copy)]
struct Cells<'a> {
    b: &'a [u8],
    start: usize,
    stride: usize,
    rows: usize,
}

impl<'a> Cells<'a> {
    /// One contiguous cell.
    fn single(b: &'a [u8]) -> Cells<'a> {
        Cells {
            b,
            start: 0,
            stride: b.len(),
            rows: 1,
        }
    }

    /// The first `w` bytes of cell `r` (within bounds checked by [`decode_fixed_many`]).
    #[inline]
    fn cell(&self, r: usize, w: usize) -> &'a [u8] {
        let p = self.start + r * self.stride;
        &self.b[p..p + w]
    }
}

/// Convert `o.len() / per_row` cells starting at cell `r0`, `per_row` big-endian elements of
/// `N` bytes each, into `o` (row-major).
#[inline]
fn fill_cells<const N: usize, T>(
    c: &Cells,
    r0: usize,
    per_row: usize,
    o: &mut [T],
    f: impl Fn([u8; N]) -> T,
) {
    if per_row == 1 {
        for (k, d) in o.iter_mut().enumerate() {
            *d = f(c.cell(r0 + k, N).as_chunks::<N>().0[0]);
        }
    } else if per_row > 0 {
        let w = per_row * N;
        for (k, orow) in o.chunks_exact_mut(per_row).enumerate() {
            super::source::convert_be(c.cell(r0 + k, w), orow, &f);
        }
    }
}

/// Values of a fixed-width column before TNULL / TSCAL / TZERO are applied.
enum Raw {
    Bool {
        values: Vec<bool>,
        null: Vec<bool>,
    },
    Int(Vec<i64>),
    Float(Vec<f64>),
    Float32(Vec<f32>),
    Bits(Vec<bool>),
    /// Strings, `nstr` per row, each `w` characters wide.
    Str {
        v: Vec<String>,
        nstr: usize,
        w: usize,
    },
}

/// A block of rows of one [`Raw`] buffer.
enum Sink<'a> {
    Bool(&'a mut [bool], &'a mut [bool]),
    Int(&'a mut [i64]),
    Float(&'a mut [f64]),
    Float32(&'a mut [f32]),
    Bits(&'a mut [bool]),
    Str(&'a mut [String], usize, usize),
}

/// Decode the cells `r0..` of one column into a block of its raw buffer; `per_row` counts
/// reals for complex columns.
fn fill_sink(elem: ElemType, c: &Cells, r0: usize, per_row: usize, sink: Sink) {
    match sink {
        Sink::Bool(v, n) => {
            fill_cells(c, r0, per_row, v, |[x]: [u8; 1]| x == b'T');
            fill_cells(c, r0, per_row, n, |[x]: [u8; 1]| x != b'T' && x != b'F');
        }
        Sink::Int(o) => match elem {
            ElemType::U8 => fill_cells(c, r0, per_row, o, |[x]: [u8; 1]| x as i64),
            ElemType::I16 => fill_cells(c, r0, per_row, o, |a| i16::from_be_bytes(a) as i64),
            ElemType::I32 => fill_cells(c, r0, per_row, o, |a| i32::from_be_bytes(a) as i64),
            _ => fill_cells(c, r0, per_row, o, i64::from_be_bytes),
        },
        Sink::Float(o) => match elem {
            ElemType::F32 | ElemType::C64 => {
                fill_cells(c, r0, per_row, o, |a| f32::from_be_bytes(a) as f64)
            }
            _ => fill_cells(c, r0, per_row, o, f64::from_be_bytes),
        },
        Sink::Float32(o) => fill_cells(c, r0, per_row, o, f32::from_be_bytes),
        Sink::Bits(o) => {
            if per_row > 0 {
                let cell = per_row.div_ceil(8);
                for (k, orow) in o.chunks_exact_mut(per_row).enumerate() {
                    let row = c.cell(r0 + k, cell);
                    for (j, d) in orow.iter_mut().enumerate() {
                        *d = (row[j / 8] >> (7 - (j % 8))) & 1 == 1;
                    }
                }
            }
        }
        Sink::Str(o, nstr, w) => {
            for (k, orow) in o.chunks_exact_mut(nstr).enumerate() {
                if per_row == 0 {
                    continue;
                }
                let row = c.cell(r0 + k, per_row);
                for (j, d) in orow.iter_mut().enumerate() {
                    let s = &row[j * w..(j + 1) * w];
                    let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
                    *d = String::from_utf8_lossy(&s[..end]).trim_end().to_string();
                }
            }
        }
    }
}

/// Source bytes per row block when decoding columns together (below malloc's mmap
/// threshold, so a streamed block's buffer is recycled).
const ROW_BLOCK_BYTES: usize = 96 << 10;

/// Check that `rows` cells of `per_row` elements fit the bytes of `c`; the cell size.
fn check_cells(info: &ColumnInfo, c: &Cells, per_row: usize, rows: usize) -> Result<usize> {
    let cell = info
        .elem
        .byte_len(per_row)
        .ok_or_else(|| bad(FitsErrorKind::Inconsistent, "column size overflows".into()))?;
    let end = if rows == 0 {
        Some(0)
    } else {
        (rows - 1)
            .checked_mul(c.stride)
            .and_then(|x| x.checked_add(c.start))
            .and_then(|x| x.checked_add(cell))
    };
    if c.rows != rows || end.is_none_or(|e| e > c.b.len()) || (rows > 1 && c.stride < cell) {
        return Err(bad(
            FitsErrorKind::Truncated,
            format!(
                "column '{}': {rows} cells of {cell} bytes do not fit the {} bytes of table data",
                info.name,
                c.b.len()
            ),
        ));
    }
    Ok(cell)
}

/// Decode one column's `rows` cells of `per_row` elements (see [`Cells`]).
fn decode_fixed(info: &ColumnInfo, c: Cells, per_row: usize, rows: usize) -> Result<ColumnData> {
    let mut v = decode_fixed_many(&[(info, c, per_row)], rows, None, 0)?;
    v.pop()
        .ok_or_else(|| bad(FitsErrorKind::Decode, "no column decoded".into()))
}

/// Width and count of the strings of a character column (TDIM (w, n, ...) splits a row
/// into strings of w characters).
fn string_layout(info: &ColumnInfo, per_row: usize) -> (usize, usize) {
    let w = match &info.tdim {
        Some(d) if !d.is_empty() && d[0] > 0 && per_row.is_multiple_of(d[0]) => d[0],
        _ => per_row.max(1),
    };
    let nstr = if per_row == 0 { 1 } else { per_row / w };
    (w, nstr)
}

/// Decode several fixed-width columns of the same rows together.
///
/// The columns are converted in blocks of rows (each block's bytes are read once, while in
/// cache, for all the columns), blocks in parallel for large tables; each block fills its
/// own rows of every output, so the result does not depend on the thread count. With
/// `stream = Some((file, offset))` the rows (`row_len` bytes each, from `offset`) are read
/// from disk block by block instead of from the cells' bytes, and each cell's `start` is
/// its offset inside a row. TNULL, TSCAL and TZERO are applied afterwards, column by column.
fn decode_fixed_many(
    cols: &[(&ColumnInfo, Cells, usize)],
    rows: usize,
    stream: Option<(&DiskFile, usize)>,
    row_len: usize,
) -> Result<Vec<ColumnData>> {
    use rayon::prelude::*;
    let mut raws: Vec<Raw> = Vec::with_capacity(cols.len());
    let mut stride = 1;
    let mut elems = 0usize;
    for (info, c, per_row) in cols {
        let per_row = *per_row;
        if stream.is_some() {
            let cell = info.elem.byte_len(per_row).unwrap_or(usize::MAX);
            if c.start.saturating_add(cell) > row_len {
                return Err(bad(
                    FitsErrorKind::Inconsistent,
                    format!(
                        "column '{}' does not fit a row of {row_len} bytes",
                        info.name
                    ),
                ));
            }
        } else {
            check_cells(info, c, per_row, rows)?;
        }
        stride = stride.max(c.stride);
        let overflow = || bad(FitsErrorKind::Inconsistent, "column size overflows".into());
        let n = rows.checked_mul(per_row).ok_or_else(overflow)?;
        // zeroed allocations: their pages are first touched by the workers below
        raws.push(match info.elem {
            ElemType::Logical => Raw::Bool {
                values: vec![false; n],
                null: vec![false; n],
            },
            ElemType::U8 | ElemType::I16 | ElemType::I32 | ElemType::I64 => Raw::Int(vec![0; n]),
            ElemType::F32 if info.tscal == 1.0 && info.tzero == 0.0 => Raw::Float32(vec![0.0; n]),
            ElemType::F32 | ElemType::F64 => Raw::Float(vec![0.0; n]),
            ElemType::C64 | ElemType::C128 => {
                Raw::Float(vec![0.0; n.checked_mul(2).ok_or_else(overflow)?])
            }
            ElemType::Bit => Raw::Bits(vec![false; n]),
            ElemType::Char => {
                let (w, nstr) = string_layout(info, per_row);
                Raw::Str {
                    v: vec![String::new(); rows.checked_mul(nstr).ok_or_else(overflow)?],
                    nstr,
                    w,
                }
            }
        });
        elems = elems.saturating_add(n);
    }
    let rows_per_block = (ROW_BLOCK_BYTES / stride).max(16);
    let nblocks = rows.div_ceil(rows_per_block);
    // per block: the (column, sink) pairs of its rows
    let mut blocks: Vec<Vec<(usize, Sink)>> = (0..nblocks).map(|_| Vec::new()).collect();
    for (j, raw) in raws.iter_mut().enumerate() {
        let per = cols[j].2;
        let chunk = (rows_per_block * per).max(1);
        match raw {
            Raw::Bool { values, null } => {
                for (b, (v, n)) in values
                    .chunks_mut(chunk)
                    .zip(null.chunks_mut(chunk))
                    .enumerate()
                {
                    blocks[b].push((j, Sink::Bool(v, n)));
                }
            }
            Raw::Int(o) => {
                for (b, o) in o.chunks_mut(chunk).enumerate() {
                    blocks[b].push((j, Sink::Int(o)));
                }
            }
            Raw::Float(o) => {
                let chunk = if o.len() > rows * per {
                    2 * chunk
                } else {
                    chunk
                };
                for (b, o) in o.chunks_mut(chunk).enumerate() {
                    blocks[b].push((j, Sink::Float(o)));
                }
            }
            Raw::Float32(o) => {
                for (b, o) in o.chunks_mut(chunk).enumerate() {
                    blocks[b].push((j, Sink::Float32(o)));
                }
            }
            Raw::Bits(o) => {
                for (b, o) in o.chunks_mut(chunk).enumerate() {
                    blocks[b].push((j, Sink::Bits(o)));
                }
            }
            Raw::Str { v, nstr, w } => {
                for (b, o) in v.chunks_mut(rows_per_block * *nstr).enumerate() {
                    blocks[b].push((j, Sink::Str(o, *nstr, *w)));
                }
            }
        }
    }
    let run = |(b, sinks): (usize, Vec<(usize, Sink)>)| -> Result<()> {
        let r0 = b * rows_per_block;
        let local;
        let (base, row0) = match stream {
            Some((disk, offset)) => {
                let nb = rows_per_block.min(rows - r0);
                let mut buf = vec![0u8; nb * row_len];
                disk.read_exact_at(&mut buf, offset + r0 * row_len)?;
                local = buf;
                (Some((&local[..], nb)), 0)
            }
            None => (None, r0),
        };
        for (j, sink) in sinks {
            let (info, c, per_row) = &cols[j];
            let per = match info.elem {
                ElemType::C64 | ElemType::C128 => 2 * per_row,
                _ => *per_row,
            };
            let cells = match base {
                Some((b, nb)) => Cells {
                    b,
                    start: c.start,
                    stride: row_len,
                    rows: nb,
                },
                None => *c,
            };
            fill_sink(info.elem, &cells, row0, per, sink);
        }
        Ok(())
    };
    if elems >= 1 << 16 && nblocks > 1 {
        blocks.into_par_iter().enumerate().try_for_each(run)?;
    } else {
        blocks.into_iter().enumerate().try_for_each(run)?;
    }
    cols.iter()
        .zip(raws)
        .map(|((info, _, per_row), raw)| finish(info, *per_row, rows, raw))
        .collect()
}

/// Apply TNULL / TSCAL / TZERO to a raw buffer.
fn finish(info: &ColumnInfo, per_row: usize, rows: usize, raw: Raw) -> Result<ColumnData> {
    let shape = (rows, per_row);
    let map_err = |_| bad(FitsErrorKind::Decode, "column shape".into());
    Ok(match raw {
        Raw::Bool { values, null } => ColumnData::Bool {
            values: Array2::from_shape_vec(shape, values).map_err(map_err)?,
            null: Array2::from_shape_vec(shape, null).map_err(map_err)?,
        },
        Raw::Int(mut raw) => {
            let null: Vec<bool> = match info.tnull {
                Some(t) => raw.iter().map(|&x| x == t).collect(),
                None => vec![false; raw.len()],
            };
            let null = Array2::from_shape_vec(shape, null).map_err(map_err)?;
            if info.tscal == 1.0 && info.tzero.fract() == 0.0 {
                if info.elem == ElemType::I64 && info.tzero == 9_223_372_036_854_775_808.0 {
                    let v: Vec<u64> = raw.iter().map(|&x| (x as u64) ^ (1u64 << 63)).collect();
                    return Ok(ColumnData::UInt64 {
                        values: Array2::from_shape_vec(shape, v).map_err(map_err)?,
                        null,
                    });
                }
                // TZERO within i64 and no value overflowing: shift in place
                if info.tzero.abs() < 9.2e18 {
                    let z = info.tzero as i64;
                    if z == 0 || raw.iter().all(|&x| x.checked_add(z).is_some()) {
                        if z != 0 {
                            raw.iter_mut().for_each(|x| *x += z);
                        }
                        return Ok(ColumnData::Int {
                            values: Array2::from_shape_vec(shape, raw).map_err(map_err)?,
                            null,
                        });
                    }
                }
            }
            let (s, z, t) = (info.tscal, info.tzero, info.tnull);
            let v: Vec<f64> = raw
                .iter()
                .map(|&x| {
                    if Some(x) == t {
                        f64::NAN
                    } else {
                        x as f64 * s + z
                    }
                })
                .collect();
            ColumnData::Float(Array2::from_shape_vec(shape, v).map_err(map_err)?)
        }
        Raw::Float(mut v) => {
            if matches!(info.elem, ElemType::C64 | ElemType::C128) {
                return Ok(ColumnData::Complex(
                    Array3::from_shape_vec((rows, per_row, 2), v).map_err(map_err)?,
                ));
            }
            if info.tscal != 1.0 || info.tzero != 0.0 {
                let (s, z) = (info.tscal, info.tzero);
                v.iter_mut().for_each(|x| *x = *x * s + z);
            }
            ColumnData::Float(Array2::from_shape_vec(shape, v).map_err(map_err)?)
        }
        Raw::Float32(v) => ColumnData::Float32(Array2::from_shape_vec(shape, v).map_err(map_err)?),
        Raw::Bits(v) => ColumnData::Bits(Array2::from_shape_vec(shape, v).map_err(map_err)?),
        Raw::Str { v, nstr, .. } => {
            ColumnData::Str(Array2::from_shape_vec((rows, nstr), v).map_err(map_err)?)
        }
    })
}
