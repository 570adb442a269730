//! Binary and ASCII tables: every TFORM type (L, X, B, I, J, K, A, E, D, C, M and P/Q
//! variable-length arrays), repeat counts and TDIM, TSCAL/TZERO (including the unsigned
//! conventions), TNULL, THEAP gaps, zero-width columns; ASCII tables (A, I, F, E, D).

use super::image::Number;
use super::{Hdu, HduKind, Header};
use crate::error::{Error, FitsErrorKind, Result};
use ndarray::{Array2, Array3};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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
    /// Reals (E, D, or integers with non-integral scaling); NaN = missing (TNULL included).
    Float(Array2<f64>),
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
            ColumnData::Int { values, null } => {
                for (&v, &n) in values.iter().zip(null.iter()) {
                    if n {
                        acc.missing += 1;
                    } else {
                        acc.count += 1;
                        acc.isum += v as i128;
                    }
                }
            }
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
                for &x in v {
                    if x.is_nan() {
                        acc.missing += 1;
                    } else {
                        acc.count += 1;
                        acc.fsum += x;
                    }
                }
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
    bytes: Arc<Vec<u8>>,
    start: usize,
    heap_start: usize,
    heap_len: usize,
    file: String,
    hdu_index: usize,
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
        let start = hdu.data_offset;
        if start + hdu.data_len > bytes.len() {
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
            bytes,
            start,
            heap_start: start + theap,
            heap_len,
            file: file.to_string(),
            hdu_index: hdu.index,
        })
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
        let (count, off) = self.descriptor(info, kind, r);
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
        Ok(&self.bytes[s..s + nbytes as usize])
    }

    fn descriptor(&self, info: &ColumnInfo, kind: VarKind, r: usize) -> (u64, u64) {
        let b = self.row_bytes(r, info);
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

    fn row_bytes(&self, r: usize, c: &ColumnInfo) -> &[u8] {
        let o = self.start + r * self.row_len + c.offset;
        &self.bytes[o..o + c.width]
    }

    /// Decode the column at position `i`.
    fn column_at_raw(&self, i: usize) -> Result<Column> {
        let info = self.columns.get(i).ok_or_else(|| {
            bad(
                FitsErrorKind::NotFound,
                format!("no column number {i} (table has {})", self.columns.len()),
            )
        })?;
        let data = if self.ascii {
            self.decode_ascii(info)?
        } else if info.var.is_some() {
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
                    Some(k) => self.descriptor(info, k, r).0 as usize,
                    None => 0,
                };
                let mut single = info.clone();
                single.repeat = count;
                single.tdim = None;
                out.push(decode_fixed(&single, slice, count, 1)?);
            }
            ColumnData::VarLen(out)
        } else {
            if info.width == self.row_len {
                // a single-column layout: the rows are contiguous
                let s = self.start;
                decode_fixed(
                    info,
                    &self.bytes[s..s + self.row_len * self.rows],
                    info.repeat,
                    self.rows,
                )?
            } else {
                let mut buf = Vec::with_capacity(info.width * self.rows);
                for r in 0..self.rows {
                    buf.extend_from_slice(self.row_bytes(r, info));
                }
                decode_fixed(info, &buf, info.repeat, self.rows)?
            }
        };
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
    }

    fn decode_ascii(&self, info: &ColumnInfo) -> Result<ColumnData> {
        let fmt = info.ascii.unwrap_or(AsciiFormat::Char);
        let n = self.rows;
        let field = |r: usize| -> String {
            let b = self.row_bytes(r, info);
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

/// Decode `rows` rows of `per_row` elements stored contiguously in `b`.
fn decode_fixed(info: &ColumnInfo, b: &[u8], per_row: usize, rows: usize) -> Result<ColumnData> {
    let need = info
        .elem
        .byte_len(per_row)
        .and_then(|x| x.checked_mul(rows))
        .ok_or_else(|| bad(FitsErrorKind::Inconsistent, "column size overflows".into()))?;
    if b.len() < need {
        return Err(bad(
            FitsErrorKind::Truncated,
            format!(
                "column '{}': needs {need} bytes, has {}",
                info.name,
                b.len()
            ),
        ));
    }
    let shape = (rows, per_row);
    fn e<T>(
        shape: (usize, usize),
        v: Vec<T>,
    ) -> std::result::Result<Array2<T>, ndarray::ShapeError> {
        Array2::from_shape_vec(shape, v)
    }
    let ints = |raw: Vec<i64>| -> ColumnData {
        let null: Vec<bool> = raw.iter().map(|&x| Some(x) == info.tnull).collect();
        let null = Array2::from_shape_vec(shape, null).expect("shape checked");
        if info.tscal == 1.0 && info.tzero.fract() == 0.0 {
            if info.elem == ElemType::I64 && info.tzero == 9_223_372_036_854_775_808.0 {
                let v: Vec<u64> = raw.iter().map(|&x| (x as u64) ^ (1u64 << 63)).collect();
                return ColumnData::UInt64 {
                    values: Array2::from_shape_vec(shape, v).expect("shape checked"),
                    null,
                };
            }
            let z = info.tzero as i128;
            let mut ok = true;
            let v: Vec<i64> = raw
                .iter()
                .map(|&x| {
                    let y = x as i128 + z;
                    i64::try_from(y).unwrap_or_else(|_| {
                        ok = false;
                        0
                    })
                })
                .collect();
            if ok {
                return ColumnData::Int {
                    values: Array2::from_shape_vec(shape, v).expect("shape checked"),
                    null,
                };
            }
        }
        let v: Vec<f64> = raw
            .iter()
            .map(|&x| {
                if Some(x) == info.tnull {
                    f64::NAN
                } else {
                    x as f64 * info.tscal + info.tzero
                }
            })
            .collect();
        ColumnData::Float(Array2::from_shape_vec(shape, v).expect("shape checked"))
    };
    let map_err = |_| bad(FitsErrorKind::Decode, "column shape".into());
    Ok(match info.elem {
        ElemType::Logical => {
            let values: Vec<bool> = b[..need].iter().map(|&x| x == b'T').collect();
            let null: Vec<bool> = b[..need].iter().map(|&x| x != b'T' && x != b'F').collect();
            ColumnData::Bool {
                values: e(shape, values).map_err(map_err)?,
                null: e(shape, null).map_err(map_err)?,
            }
        }
        ElemType::Bit => {
            let bpr = per_row.div_ceil(8);
            let mut v = Vec::with_capacity(rows * per_row);
            for r in 0..rows {
                for k in 0..per_row {
                    let byte = b[r * bpr + k / 8];
                    v.push((byte >> (7 - (k % 8))) & 1 == 1);
                }
            }
            ColumnData::Bits(e(shape, v).map_err(map_err)?)
        }
        ElemType::U8 => ints(b[..need].iter().map(|&x| x as i64).collect()),
        ElemType::I16 => ints(
            b[..need]
                .as_chunks::<2>()
                .0
                .iter()
                .map(|c| i16::from_be_bytes(*c) as i64)
                .collect(),
        ),
        ElemType::I32 => ints(
            b[..need]
                .as_chunks::<4>()
                .0
                .iter()
                .map(|c| i32::from_be_bytes(*c) as i64)
                .collect(),
        ),
        ElemType::I64 => ints(
            b[..need]
                .as_chunks::<8>()
                .0
                .iter()
                .map(|c| i64::from_be_bytes(*c))
                .collect(),
        ),
        ElemType::F32 | ElemType::F64 => {
            let raw: Vec<f64> = if info.elem == ElemType::F32 {
                b[..need]
                    .as_chunks::<4>()
                    .0
                    .iter()
                    .map(|c| f32::from_be_bytes(*c) as f64)
                    .collect()
            } else {
                b[..need]
                    .as_chunks::<8>()
                    .0
                    .iter()
                    .map(|c| f64::from_be_bytes(*c))
                    .collect()
            };
            let v = if info.tscal != 1.0 || info.tzero != 0.0 {
                raw.into_iter()
                    .map(|x| x * info.tscal + info.tzero)
                    .collect()
            } else {
                raw
            };
            ColumnData::Float(e(shape, v).map_err(map_err)?)
        }
        ElemType::C64 | ElemType::C128 => {
            let raw: Vec<f64> = if info.elem == ElemType::C64 {
                b[..need]
                    .as_chunks::<4>()
                    .0
                    .iter()
                    .map(|c| f32::from_be_bytes(*c) as f64)
                    .collect()
            } else {
                b[..need]
                    .as_chunks::<8>()
                    .0
                    .iter()
                    .map(|c| f64::from_be_bytes(*c))
                    .collect()
            };
            ColumnData::Complex(Array3::from_shape_vec((rows, per_row, 2), raw).map_err(map_err)?)
        }
        ElemType::Char => {
            // TDIM (w, n, ...) splits a row into strings of w characters
            let w = match &info.tdim {
                Some(d) if !d.is_empty() && d[0] > 0 && per_row.is_multiple_of(d[0]) => d[0],
                _ => per_row.max(1),
            };
            let nstr = if per_row == 0 { 1 } else { per_row / w };
            let mut v = Vec::with_capacity(rows * nstr);
            for r in 0..rows {
                let row = &b[r * per_row..(r + 1) * per_row];
                if per_row == 0 {
                    v.push(String::new());
                    continue;
                }
                for k in 0..nstr {
                    let s = &row[k * w..(k + 1) * w];
                    let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
                    v.push(String::from_utf8_lossy(&s[..end]).trim_end().to_string());
                }
            }
            ColumnData::Str(Array2::from_shape_vec((rows, nstr), v).map_err(map_err)?)
        }
    })
}
