//! Catalogs: named columns (f64, i64, string; array columns with one value per element,
//! e.g. per band) with missing-value masks, element access like `PETROMAG[2]` or
//! `PETROMAG[r]`, select / filter / take, joins by ID or by sky position (nearest within a
//! radius, kd-tree on unit vectors), and FITS / CSV input and output.
//!
//! Missing values are tracked in a mask (true = missing) per element: TNULL and NaN from
//! FITS, empty fields and `nan` from CSV, and declared sentinels (e.g. -9999) via
//! [`Catalog::set_sentinel`].

use crate::error::{Error, FitsErrorKind, Result};
use crate::fits::{Card, ColumnData, FitsFile, FitsWriter, HduKind, Table, TableColumn};
use kiddo::{ImmutableKdTree, SquaredEuclidean};
use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Values of a catalog column: rows x elements (elements = 1 for scalar columns).
#[derive(Debug, Clone, PartialEq)]
pub enum CatValues {
    /// Reals (missing elements hold NaN).
    F64(Array2<f64>),
    /// Integers (missing elements hold 0 or the sentinel).
    I64(Array2<i64>),
    /// Strings, one per row.
    Str(Vec<String>),
}

impl CatValues {
    fn rows(&self) -> usize {
        match self {
            CatValues::F64(a) => a.nrows(),
            CatValues::I64(a) => a.nrows(),
            CatValues::Str(v) => v.len(),
        }
    }
    fn elems(&self) -> usize {
        match self {
            CatValues::F64(a) => a.ncols(),
            CatValues::I64(a) => a.ncols(),
            CatValues::Str(_) => 1,
        }
    }
    fn type_name(&self) -> &'static str {
        match self {
            CatValues::F64(_) => "f64",
            CatValues::I64(_) => "i64",
            CatValues::Str(_) => "string",
        }
    }
    fn select_rows(&self, idx: &[usize]) -> CatValues {
        match self {
            CatValues::F64(a) => CatValues::F64(a.select(Axis(0), idx)),
            CatValues::I64(a) => CatValues::I64(a.select(Axis(0), idx)),
            CatValues::Str(v) => CatValues::Str(idx.iter().map(|&i| v[i].clone()).collect()),
        }
    }
}

/// One catalog column.
#[derive(Debug, Clone, PartialEq)]
pub struct CatColumn {
    /// Name.
    pub name: String,
    /// Values.
    pub values: CatValues,
    /// Missing-value mask (rows x elements; true = missing).
    pub mask: Array2<bool>,
    /// Physical unit, if known.
    pub unit: Option<String>,
    /// Names of the elements of an array column (e.g. `["u","g","r","i","z"]`).
    pub elem_names: Option<Vec<String>>,
    /// The sentinel that marks missing values, if one was declared.
    pub sentinel: Option<f64>,
}

impl CatColumn {
    /// A scalar f64 column; NaN is missing.
    pub fn f64(name: impl Into<String>, v: Array1<f64>) -> Self {
        let n = v.len();
        Self::f64_array(name, v.into_shape_with_order((n, 1)).expect("n x 1"))
    }
    /// An array f64 column (rows x elements); NaN is missing.
    pub fn f64_array(name: impl Into<String>, v: Array2<f64>) -> Self {
        let mask = v.mapv(f64::is_nan);
        CatColumn {
            name: name.into(),
            values: CatValues::F64(v),
            mask,
            unit: None,
            elem_names: None,
            sentinel: None,
        }
    }
    /// A scalar i64 column with no missing values.
    pub fn i64(name: impl Into<String>, v: Array1<i64>) -> Self {
        let n = v.len();
        Self::i64_array(name, v.into_shape_with_order((n, 1)).expect("n x 1"))
    }
    /// An array i64 column with no missing values.
    pub fn i64_array(name: impl Into<String>, v: Array2<i64>) -> Self {
        let mask = Array2::from_elem(v.raw_dim(), false);
        CatColumn {
            name: name.into(),
            values: CatValues::I64(v),
            mask,
            unit: None,
            elem_names: None,
            sentinel: None,
        }
    }
    /// A string column.
    pub fn strings(name: impl Into<String>, v: Vec<String>) -> Self {
        let mask = Array2::from_elem((v.len(), 1), false);
        CatColumn {
            name: name.into(),
            values: CatValues::Str(v),
            mask,
            unit: None,
            elem_names: None,
            sentinel: None,
        }
    }
    /// Set the unit.
    pub fn with_unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }
    /// Set element names (their count must equal the number of elements).
    pub fn with_elem_names(mut self, names: &[&str]) -> Self {
        self.elem_names = Some(names.iter().map(|s| s.to_string()).collect());
        self
    }
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.values.rows()
    }
    /// Elements per row.
    pub fn elems(&self) -> usize {
        self.values.elems()
    }
    /// Type name ("f64", "i64", "string").
    pub fn type_name(&self) -> &'static str {
        self.values.type_name()
    }
    fn select_rows(&self, idx: &[usize]) -> CatColumn {
        CatColumn {
            name: self.name.clone(),
            values: self.values.select_rows(idx),
            mask: self.mask.select(Axis(0), idx),
            unit: self.unit.clone(),
            elem_names: self.elem_names.clone(),
            sentinel: self.sentinel,
        }
    }
    fn element(&self, e: usize, new_name: String) -> CatColumn {
        let values = match &self.values {
            CatValues::F64(a) => CatValues::F64(a.slice(ndarray::s![.., e..e + 1]).to_owned()),
            CatValues::I64(a) => CatValues::I64(a.slice(ndarray::s![.., e..e + 1]).to_owned()),
            CatValues::Str(v) => CatValues::Str(v.clone()),
        };
        CatColumn {
            name: new_name,
            values,
            mask: self.mask.slice(ndarray::s![.., e..e + 1]).to_owned(),
            unit: self.unit.clone(),
            elem_names: None,
            sentinel: self.sentinel,
        }
    }
}

/// A table of named columns with equal row counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    columns: Vec<CatColumn>,
    rows: usize,
    /// Columns of a FITS table that could not be represented (complex, variable-length), by name.
    pub skipped: Vec<String>,
}

/// One sky match: for a row of the left catalog, the nearest right row and the separation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SkyMatch {
    /// Row in the left catalog.
    pub left: usize,
    /// Row in the right catalog.
    pub right: usize,
    /// Angular separation in arcseconds.
    pub sep_arcsec: f64,
}

fn unknown(name: &str, cat: &Catalog) -> Error {
    let mut names: Vec<&str> = cat
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .take(20)
        .collect();
    if cat.columns.len() > 20 {
        names.push("...");
    }
    Error::UnknownColumn {
        name: name.to_string(),
        available: names.join(", "),
    }
}

/// Unit vector of (RA, Dec) in degrees.
pub fn unit_vector(ra_deg: f64, dec_deg: f64) -> [f64; 3] {
    let (ra, dec) = (ra_deg.to_radians(), dec_deg.to_radians());
    [dec.cos() * ra.cos(), dec.cos() * ra.sin(), dec.sin()]
}

/// Angular separation in arcseconds between two (RA, Dec) positions in degrees (haversine).
pub fn separation_arcsec(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    let (p1, p2) = (dec1.to_radians(), dec2.to_radians());
    let dp = p2 - p1;
    let dl = (ra2 - ra1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * a.sqrt().min(1.0).asin().to_degrees() * 3600.0
}

impl Catalog {
    /// An empty catalog (its row count is set by the first column).
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.columns.len()
    }

    /// Column names in order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// All columns.
    pub fn columns(&self) -> &[CatColumn] {
        &self.columns
    }

    /// Add a column (its row count must match; its name must be new).
    pub fn add(&mut self, col: CatColumn) -> Result<()> {
        if self.columns.iter().any(|c| c.name == col.name) {
            return Err(Error::InvalidParameter {
                name: "column".into(),
                reason: format!("a column named '{}' already exists", col.name),
            });
        }
        if col.mask.nrows() != col.rows() || col.mask.ncols() != col.elems() {
            return Err(Error::LengthMismatch {
                what: format!("mask of column '{}'", col.name),
                expected: col.rows() * col.elems(),
                got: col.mask.len(),
            });
        }
        if let Some(n) = &col.elem_names
            && n.len() != col.elems()
        {
            return Err(Error::LengthMismatch {
                what: format!("element names of column '{}'", col.name),
                expected: col.elems(),
                got: n.len(),
            });
        }
        if self.columns.is_empty() {
            self.rows = col.rows();
        } else if col.rows() != self.rows {
            return Err(Error::LengthMismatch {
                what: format!("rows of column '{}'", col.name),
                expected: self.rows,
                got: col.rows(),
            });
        }
        self.columns.push(col);
        Ok(())
    }

    /// Builder-style [`Catalog::add`].
    pub fn with(mut self, col: CatColumn) -> Result<Self> {
        self.add(col)?;
        Ok(self)
    }

    /// Remove a column by name, returning it.
    pub fn remove(&mut self, name: &str) -> Result<CatColumn> {
        let i = self.index(name)?;
        Ok(self.columns.remove(i))
    }

    fn index(&self, name: &str) -> Result<usize> {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .or_else(|| {
                self.columns
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| unknown(name, self))
    }

    /// A whole column by name (exact, then case-insensitive).
    pub fn column(&self, name: &str) -> Result<&CatColumn> {
        Ok(&self.columns[self.index(name)?])
    }

    /// Mutable access to a column.
    pub fn column_mut(&mut self, name: &str) -> Result<&mut CatColumn> {
        let i = self.index(name)?;
        Ok(&mut self.columns[i])
    }

    /// Resolve `NAME`, `NAME[k]` (0-based element) or `NAME[band]` (element name) into
    /// (column index, element). Scalar columns give element 0.
    pub fn resolve(&self, spec: &str) -> Result<(usize, usize)> {
        let spec = spec.trim();
        if let Some(open) = spec.find('[')
            && spec.ends_with(']')
        {
            let base = &spec[..open];
            let inner = spec[open + 1..spec.len() - 1].trim();
            let ci = self.index(base)?;
            let c = &self.columns[ci];
            let e = match inner.parse::<usize>() {
                Ok(k) => k,
                Err(_) => c
                    .elem_names
                    .as_ref()
                    .and_then(|n| n.iter().position(|x| x.eq_ignore_ascii_case(inner)))
                    .ok_or_else(|| Error::UnknownColumn {
                        name: spec.to_string(),
                        available: c
                            .elem_names
                            .as_ref()
                            .map(|n| format!("elements of {base}: {}", n.join(", ")))
                            .unwrap_or_else(|| format!("{base} has no element names")),
                    })?,
            };
            if e >= c.elems() {
                return Err(Error::UnknownColumn {
                    name: spec.to_string(),
                    available: format!("{base} has {} elements", c.elems()),
                });
            }
            return Ok((ci, e));
        }
        let ci = self.index(spec)?;
        let c = &self.columns[ci];
        if c.elems() != 1 {
            return Err(Error::InvalidParameter {
                name: spec.to_string(),
                reason: format!(
                    "array column with {} elements: use {spec}[k] or {spec}[name]",
                    c.elems()
                ),
            });
        }
        Ok((ci, 0))
    }

    /// Values of a scalar column or one element of an array column as f64 (integers convert),
    /// missing as NaN.
    pub fn f64(&self, spec: &str) -> Result<Array1<f64>> {
        let (ci, e) = self.resolve(spec)?;
        let c = &self.columns[ci];
        let m = c.mask.column(e);
        match &c.values {
            CatValues::F64(a) => Ok(ndarray::Zip::from(a.column(e))
                .and(m)
                .map_collect(|&v, &mm| if mm { f64::NAN } else { v })),
            CatValues::I64(a) => Ok(ndarray::Zip::from(a.column(e))
                .and(m)
                .map_collect(|&v, &mm| if mm { f64::NAN } else { v as f64 })),
            CatValues::Str(_) => Err(Error::ColumnType {
                name: spec.to_string(),
                expected: "numeric".into(),
                actual: "string".into(),
            }),
        }
    }

    /// Integer values (0 where missing) and the missing mask.
    pub fn i64(&self, spec: &str) -> Result<(Array1<i64>, Array1<bool>)> {
        let (ci, e) = self.resolve(spec)?;
        let c = &self.columns[ci];
        match &c.values {
            CatValues::I64(a) => {
                let m = c.mask.column(e).to_owned();
                let v = ndarray::Zip::from(a.column(e))
                    .and(&m)
                    .map_collect(|&v, &mm| if mm { 0 } else { v });
                Ok((v, m))
            }
            other => Err(Error::ColumnType {
                name: spec.to_string(),
                expected: "i64".into(),
                actual: other.type_name().into(),
            }),
        }
    }

    /// String values.
    pub fn strings(&self, spec: &str) -> Result<Vec<String>> {
        let (ci, _) = self.resolve(spec)?;
        match &self.columns[ci].values {
            CatValues::Str(v) => Ok(v.clone()),
            other => Err(Error::ColumnType {
                name: spec.to_string(),
                expected: "string".into(),
                actual: other.type_name().into(),
            }),
        }
    }

    /// Missing mask of a column element (true = missing).
    pub fn missing(&self, spec: &str) -> Result<Array1<bool>> {
        let (ci, e) = self.resolve(spec)?;
        Ok(self.columns[ci].mask.column(e).to_owned())
    }

    /// Rows where none of the given column elements is missing.
    pub fn valid(&self, specs: &[&str]) -> Result<Vec<bool>> {
        let mut ok = vec![true; self.rows];
        for s in specs {
            let m = self.missing(s)?;
            for (o, &x) in ok.iter_mut().zip(m.iter()) {
                *o &= !x;
            }
        }
        Ok(ok)
    }

    /// Declare a sentinel (e.g. -9999) for a numeric column: matching elements become missing.
    pub fn set_sentinel(&mut self, name: &str, sentinel: f64) -> Result<()> {
        let i = self.index(name)?;
        let c = &mut self.columns[i];
        match &c.values {
            CatValues::F64(a) => {
                ndarray::Zip::from(&mut c.mask)
                    .and(a)
                    .for_each(|m, &v| *m |= v == sentinel);
            }
            CatValues::I64(a) => {
                ndarray::Zip::from(&mut c.mask)
                    .and(a)
                    .for_each(|m, &v| *m |= v as f64 == sentinel);
            }
            CatValues::Str(_) => {
                return Err(Error::ColumnType {
                    name: name.into(),
                    expected: "numeric".into(),
                    actual: "string".into(),
                });
            }
        }
        c.sentinel = Some(sentinel);
        Ok(())
    }

    /// Name the elements of an array column (e.g. bands `u g r i z`).
    pub fn set_elem_names(&mut self, name: &str, names: &[&str]) -> Result<()> {
        let i = self.index(name)?;
        let c = &mut self.columns[i];
        if names.len() != c.elems() {
            return Err(Error::LengthMismatch {
                what: format!("element names of column '{name}'"),
                expected: c.elems(),
                got: names.len(),
            });
        }
        c.elem_names = Some(names.iter().map(|s| s.to_string()).collect());
        Ok(())
    }

    /// A catalog of the given columns; `NAME[k]` specs give scalar columns named as the spec.
    pub fn select(&self, specs: &[&str]) -> Result<Catalog> {
        let mut out = Catalog::new();
        for s in specs {
            if s.contains('[') {
                let (ci, e) = self.resolve(s)?;
                out.add(self.columns[ci].element(e, s.to_string()))?;
            } else {
                out.add(self.column(s)?.clone())?;
            }
        }
        if specs.is_empty() {
            out.rows = self.rows;
        }
        Ok(out)
    }

    /// Rows where `keep` is true.
    pub fn filter(&self, keep: &[bool]) -> Result<Catalog> {
        if keep.len() != self.rows {
            return Err(Error::LengthMismatch {
                what: "filter mask".into(),
                expected: self.rows,
                got: keep.len(),
            });
        }
        let idx: Vec<usize> = (0..self.rows).filter(|&i| keep[i]).collect();
        self.take(&idx)
    }

    /// Rows by index (any order, repeats allowed).
    pub fn take(&self, idx: &[usize]) -> Result<Catalog> {
        if let Some(&bad) = idx.iter().find(|&&i| i >= self.rows) {
            return Err(Error::InvalidParameter {
                name: "row index".into(),
                reason: format!("{bad} >= {} rows", self.rows),
            });
        }
        Ok(Catalog {
            columns: self.columns.iter().map(|c| c.select_rows(idx)).collect(),
            rows: idx.len(),
            skipped: self.skipped.clone(),
        })
    }

    fn keys(&self, spec: &str) -> Result<Vec<Option<String>>> {
        let (ci, e) = self.resolve(spec)?;
        let c = &self.columns[ci];
        Ok(match &c.values {
            CatValues::I64(a) => (0..self.rows)
                .map(|r| (!c.mask[[r, e]]).then(|| a[[r, e]].to_string()))
                .collect(),
            CatValues::Str(v) => v.iter().map(|s| Some(s.trim().to_string())).collect(),
            CatValues::F64(_) => {
                return Err(Error::ColumnType {
                    name: spec.into(),
                    expected: "i64 or string (an ID)".into(),
                    actual: "f64".into(),
                });
            }
        })
    }

    /// For each row, the row of `other` with the same ID (None when absent or the ID is missing).
    /// Fails when `other` has duplicate IDs.
    pub fn match_ids(
        &self,
        key: &str,
        other: &Catalog,
        other_key: &str,
    ) -> Result<Vec<Option<usize>>> {
        let left = self.keys(key)?;
        let right = other.keys(other_key)?;
        let mut map: HashMap<String, usize> = HashMap::with_capacity(right.len());
        for (i, k) in right.into_iter().enumerate() {
            if let Some(k) = k
                && let Some(prev) = map.insert(k.clone(), i)
            {
                return Err(Error::InvalidParameter {
                    name: other_key.into(),
                    reason: format!("duplicate ID {k} in rows {prev} and {i}"),
                });
            }
        }
        Ok(left
            .into_iter()
            .map(|k| k.and_then(|k| map.get(&k).copied()))
            .collect())
    }

    /// Inner join by ID: rows of `self` with a match in `other`, with `other`'s columns
    /// appended (except its key; clashing names get the suffix `_2`).
    pub fn join_by_id(&self, key: &str, other: &Catalog, other_key: &str) -> Result<Catalog> {
        let m = self.match_ids(key, other, other_key)?;
        let pairs: Vec<(usize, usize)> = m
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (i, r)))
            .collect();
        self.join_pairs(&pairs, other, Some(other_key))
    }

    fn join_pairs(
        &self,
        pairs: &[(usize, usize)],
        other: &Catalog,
        drop: Option<&str>,
    ) -> Result<Catalog> {
        let li: Vec<usize> = pairs.iter().map(|p| p.0).collect();
        let ri: Vec<usize> = pairs.iter().map(|p| p.1).collect();
        let mut out = self.take(&li)?;
        let right = other.take(&ri)?;
        let drop_idx = match drop {
            Some(d) => Some(other.resolve(d)?.0),
            None => None,
        };
        for (j, mut c) in right.columns.into_iter().enumerate() {
            if Some(j) == drop_idx {
                continue;
            }
            while out.columns.iter().any(|x| x.name == c.name) {
                c.name.push_str("_2");
            }
            out.add(c)?;
        }
        out.rows = pairs.len();
        Ok(out)
    }

    /// For each row of `self`, the nearest row of `other` within `radius_arcsec`
    /// (kd-tree on unit vectors). Rows with missing positions get no match.
    pub fn match_sky(
        &self,
        ra: &str,
        dec: &str,
        other: &Catalog,
        other_ra: &str,
        other_dec: &str,
        radius_arcsec: f64,
    ) -> Result<Vec<Option<SkyMatch>>> {
        if !(radius_arcsec > 0.0 && radius_arcsec.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "radius_arcsec".into(),
                reason: format!("{radius_arcsec} must be positive and finite"),
            });
        }
        let (lra, ldec) = (self.f64(ra)?, self.f64(dec)?);
        let (rra, rdec) = (other.f64(other_ra)?, other.f64(other_dec)?);
        let mut pts = Vec::new();
        let mut ids = Vec::new();
        for i in 0..other.rows {
            if rra[i].is_finite() && rdec[i].is_finite() {
                pts.push(unit_vector(rra[i], rdec[i]));
                ids.push(i);
            }
        }
        let mut out = vec![None; self.rows];
        if pts.is_empty() {
            return Ok(out);
        }
        let tree: ImmutableKdTree<f64, 3> =
            ImmutableKdTree::new_from_slice(&pts).map_err(|e| Error::InvalidParameter {
                name: "sky positions".into(),
                reason: format!("kd-tree construction failed: {e:?}"),
            })?;
        for (i, o) in out.iter_mut().enumerate() {
            if !(lra[i].is_finite() && ldec[i].is_finite()) {
                continue;
            }
            let q = unit_vector(lra[i], ldec[i]);
            let nn = tree
                .query(&q)
                .nearest_one::<SquaredEuclidean<f64>>()
                .execute();
            let j = ids[nn.item as usize];
            let sep = separation_arcsec(lra[i], ldec[i], rra[j], rdec[j]);
            if sep <= radius_arcsec {
                *o = Some(SkyMatch {
                    left: i,
                    right: j,
                    sep_arcsec: sep,
                });
            }
        }
        Ok(out)
    }

    /// Inner join by sky position (nearest within the radius); adds a `sep_arcsec` column.
    pub fn join_sky(
        &self,
        ra: &str,
        dec: &str,
        other: &Catalog,
        other_ra: &str,
        other_dec: &str,
        radius_arcsec: f64,
    ) -> Result<Catalog> {
        let m = self.match_sky(ra, dec, other, other_ra, other_dec, radius_arcsec)?;
        let hits: Vec<SkyMatch> = m.into_iter().flatten().collect();
        let pairs: Vec<(usize, usize)> = hits.iter().map(|h| (h.left, h.right)).collect();
        let mut out = self.join_pairs(&pairs, other, None)?;
        let mut name = "sep_arcsec".to_string();
        while out.columns.iter().any(|c| c.name == name) {
            name.push_str("_2");
        }
        out.add(
            CatColumn::f64(name, hits.iter().map(|h| h.sep_arcsec).collect()).with_unit("arcsec"),
        )?;
        Ok(out)
    }

    /// Build from a decoded FITS table. Logicals become 0/1 integers; complex and
    /// variable-length columns are listed in [`Catalog::skipped`].
    pub fn from_table(t: &Table) -> Result<Catalog> {
        let mut cat = Catalog::new();
        // every column at once: the table's rows are read a single time
        for col in t.read_all_columns()? {
            let name = col.info.name.clone();
            let unit = col.info.unit.clone().filter(|u| !u.is_empty());
            let cc = match col.data {
                ColumnData::Float(a) => CatColumn::f64_array(name, a),
                ColumnData::Float32(a) => CatColumn::f64_array(name, a.mapv(|x| x as f64)),
                ColumnData::Int { values, null } => {
                    let mut c = CatColumn::i64_array(name, values);
                    c.mask = null;
                    c
                }
                ColumnData::UInt64 { values, null } => {
                    if values.iter().all(|&v| v <= i64::MAX as u64) {
                        let mut c = CatColumn::i64_array(name, values.mapv(|v| v as i64));
                        c.mask = null;
                        c
                    } else {
                        let mut c = CatColumn::f64_array(name, values.mapv(|v| v as f64));
                        c.mask = null;
                        c
                    }
                }
                ColumnData::Bool { values, null } => {
                    let mut c = CatColumn::i64_array(name, values.mapv(|b| b as i64));
                    c.mask = null;
                    c
                }
                ColumnData::Bits(v) => CatColumn::i64_array(name, v.mapv(|b| b as i64)),
                ColumnData::Str(v) => CatColumn::strings(
                    name,
                    v.rows()
                        .into_iter()
                        .map(|r| r.iter().cloned().collect::<Vec<_>>().join(","))
                        .collect(),
                ),
                ColumnData::Complex(_) | ColumnData::VarLen(_) => {
                    cat.skipped.push(name);
                    continue;
                }
            };
            let cc = match unit {
                Some(u) => cc.with_unit(u),
                None => cc,
            };
            if cat.columns.iter().any(|c| c.name == cc.name) {
                cat.skipped.push(cc.name);
                continue;
            }
            cat.add(cc)?;
        }
        if cat.columns.is_empty() {
            cat.rows = t.rows;
        }
        Ok(cat)
    }

    /// Read a FITS table: HDU `hdu`, or the first table HDU when None. Element names stored
    /// by [`Catalog::to_fits`] (`TELEMn` cards) and sentinels (`TSENTn`) are restored.
    pub fn from_fits(path: impl AsRef<Path>, hdu: Option<usize>) -> Result<Catalog> {
        let f = FitsFile::open(path.as_ref())?;
        let idx = match hdu {
            Some(i) => i,
            None => f
                .hdus()
                .iter()
                .position(|h| matches!(h.kind, HduKind::BinTable | HduKind::AsciiTable))
                .ok_or_else(|| {
                    Error::fits(None, FitsErrorKind::NotFound, "no table HDU").in_file(f.name())
                })?,
        };
        let t = f.table(idx)?;
        let mut cat = Self::from_table(&t)?;
        let h = &f.hdu(idx)?.header;
        for (i, info) in t.columns.iter().enumerate() {
            let n = i + 1;
            if cat.index(&info.name).is_err() {
                continue;
            }
            if let Some(s) = h.opt_str(&format!("TELEM{n}")).ok().flatten() {
                let names: Vec<&str> = s.split(',').map(str::trim).collect();
                let _ = cat.set_elem_names(&info.name, &names);
            }
            if let Some(s) = h.opt_f64(&format!("TSENT{n}")).ok().flatten() {
                cat.set_sentinel(&info.name, s)?;
            }
        }
        Ok(cat)
    }

    fn table_columns(&self) -> Vec<TableColumn> {
        self.columns
            .iter()
            .map(|c| {
                let data = match &c.values {
                    CatValues::F64(a) => ColumnData::Float(
                        ndarray::Zip::from(a).and(&c.mask).map_collect(|&v, &m| {
                            if m && c.sentinel.is_none() {
                                f64::NAN
                            } else {
                                v
                            }
                        }),
                    ),
                    CatValues::I64(a) => ColumnData::Int {
                        values: a.clone(),
                        null: if c.sentinel.is_some() {
                            Array2::from_elem(a.raw_dim(), false)
                        } else {
                            c.mask.clone()
                        },
                    },
                    CatValues::Str(v) => ColumnData::Str(
                        Array2::from_shape_vec((v.len(), 1), v.clone()).expect("n x 1"),
                    ),
                };
                let t = TableColumn::new(c.name.clone(), data);
                match &c.unit {
                    Some(u) => t.with_unit(u.clone()),
                    None => t,
                }
            })
            .collect()
    }

    fn extra_cards(&self) -> Vec<Card> {
        let mut cards = Vec::new();
        for (i, c) in self.columns.iter().enumerate() {
            if let Some(n) = &c.elem_names {
                cards.push(Card::new(
                    format!("TELEM{}", i + 1),
                    n.join(","),
                    "element names",
                ));
            }
            if let Some(s) = c.sentinel {
                cards.push(Card::new(
                    format!("TSENT{}", i + 1),
                    s,
                    "missing-value sentinel",
                ));
            }
        }
        cards
    }

    /// Write as a FITS binary table (atomically). Masked reals are written as NaN and masked
    /// integers with TNULL, unless the column has a sentinel (then values are kept as stored).
    pub fn to_fits(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut w = FitsWriter::create(path.as_ref())?;
        self.write_to(&mut w, &[])?;
        w.finish()
    }

    /// Append this catalog as a binary-table HDU to an open writer, with extra header cards.
    pub fn write_to(&self, w: &mut FitsWriter, cards: &[Card]) -> Result<()> {
        let mut all = self.extra_cards();
        all.extend_from_slice(cards);
        w.write_table(&self.table_columns(), &all)
    }

    /// Write CSV: array columns as `NAME[0]`, `NAME[1]`, ...; missing as empty fields
    /// (or the sentinel, when one is declared). Written atomically.
    pub fn to_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let tmp = path.with_extension(format!("csv.tmp-{}", std::process::id()));
        let cerr = |e: csv::Error| Error::Csv {
            path: path.display().to_string(),
            what: e.to_string(),
        };
        {
            let mut w = csv::Writer::from_path(&tmp).map_err(cerr)?;
            let mut head = Vec::new();
            for c in &self.columns {
                if c.elems() == 1 {
                    head.push(c.name.clone());
                    continue;
                }
                for e in 0..c.elems() {
                    head.push(format!("{}[{e}]", c.name));
                }
            }
            w.write_record(&head).map_err(cerr)?;
            let mut rec: Vec<String> = Vec::with_capacity(head.len());
            for r in 0..self.rows {
                rec.clear();
                for c in &self.columns {
                    for e in 0..c.elems() {
                        let missing = c.mask[[r, e]];
                        let s = match &c.values {
                            CatValues::F64(a) => {
                                if missing {
                                    c.sentinel.map(|s| format!("{s:?}")).unwrap_or_default()
                                } else {
                                    format!("{:?}", a[[r, e]])
                                }
                            }
                            CatValues::I64(a) => {
                                if missing {
                                    c.sentinel
                                        .map(|s| format!("{}", s as i64))
                                        .unwrap_or_default()
                                } else {
                                    a[[r, e]].to_string()
                                }
                            }
                            CatValues::Str(v) => v[r].clone(),
                        };
                        rec.push(s);
                    }
                }
                w.write_record(&rec).map_err(cerr)?;
            }
            w.flush().map_err(|e| Error::io(&tmp, e))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    }

    /// Read CSV with a header row. Columns whose fields all parse as integers become i64,
    /// as numbers f64, else strings; empty fields and `nan` are missing; headers `NAME[k]`
    /// with consecutive k = 0, 1, ... are regrouped into array columns.
    pub fn from_csv(path: impl AsRef<Path>) -> Result<Catalog> {
        let path = path.as_ref();
        let pstr = path.display().to_string();
        let mut rdr = csv::Reader::from_path(path).map_err(|e| Error::Csv {
            path: pstr.clone(),
            what: e.to_string(),
        })?;
        let head: Vec<String> = rdr
            .headers()
            .map_err(|e| Error::Csv {
                path: pstr.clone(),
                what: e.to_string(),
            })?
            .iter()
            .map(|s| s.trim().to_string())
            .collect();
        let mut cols: Vec<Vec<String>> = vec![Vec::new(); head.len()];
        for (ri, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| Error::Csv {
                path: pstr.clone(),
                what: format!("row {}: {e}", ri + 1),
            })?;
            if rec.len() != head.len() {
                return Err(Error::Csv {
                    path: pstr,
                    what: format!(
                        "row {} has {} fields, header has {}",
                        ri + 1,
                        rec.len(),
                        head.len()
                    ),
                });
            }
            for (c, f) in cols.iter_mut().zip(rec.iter()) {
                c.push(f.trim().to_string());
            }
        }
        let rows = cols.first().map(|c| c.len()).unwrap_or(0);
        let is_missing = |s: &str| s.is_empty() || s.eq_ignore_ascii_case("nan");
        // group NAME[k]
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, h) in head.iter().enumerate() {
            if let Some(open) = h.find('[')
                && h.ends_with(']')
                && let Ok(k) = h[open + 1..h.len() - 1].parse::<usize>()
            {
                let base = h[..open].to_string();
                if let Some(last) = groups.last_mut()
                    && last.0 == base
                    && last.1.len() == k
                {
                    last.1.push(i);
                    continue;
                }
                if k == 0 {
                    groups.push((base, vec![i]));
                    continue;
                }
            }
            groups.push((h.clone(), vec![i]));
        }
        let mut cat = Catalog::new();
        for (name, idx) in groups {
            let all_int = idx.iter().all(|&i| {
                cols[i]
                    .iter()
                    .all(|s| is_missing(s) || s.parse::<i64>().is_ok())
            }) && idx.iter().any(|&i| cols[i].iter().any(|s| !is_missing(s)));
            let all_num = idx.iter().all(|&i| {
                cols[i]
                    .iter()
                    .all(|s| is_missing(s) || s.parse::<f64>().is_ok())
            });
            let n = idx.len();
            let col = if all_int {
                let mut v = Array2::zeros((rows, n));
                let mut m = Array2::from_elem((rows, n), false);
                for (e, &i) in idx.iter().enumerate() {
                    for r in 0..rows {
                        let s = &cols[i][r];
                        if is_missing(s) {
                            m[[r, e]] = true;
                        } else {
                            v[[r, e]] = s.parse::<i64>().unwrap_or(0);
                        }
                    }
                }
                let mut c = CatColumn::i64_array(name, v);
                c.mask = m;
                c
            } else if all_num {
                let mut v = Array2::from_elem((rows, n), f64::NAN);
                for (e, &i) in idx.iter().enumerate() {
                    for r in 0..rows {
                        let s = &cols[i][r];
                        if !is_missing(s) {
                            v[[r, e]] = s.parse::<f64>().unwrap_or(f64::NAN);
                        }
                    }
                }
                CatColumn::f64_array(name, v)
            } else if n == 1 {
                CatColumn::strings(name, cols[idx[0]].clone())
            } else {
                // non-numeric array group: keep as separate string columns
                for (e, &i) in idx.iter().enumerate() {
                    cat.add(CatColumn::strings(format!("{name}[{e}]"), cols[i].clone()))?;
                }
                continue;
            };
            cat.add(col)?;
        }
        cat.rows = rows;
        Ok(cat)
    }
}
