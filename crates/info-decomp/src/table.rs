//! Plain-text tables for the examples and scripts: CSV, or whitespace-separated columns, with a
//! header row of names; `#` lines are comments. Values must parse as numbers (`nan` parses and
//! is then rejected by the estimators with a typed error).
//!
//! ```
//! use info_decomp::table::Table;
//! let t = Table::parse("a,b,c\n1,2,3\n4,5,6\n", "inline").unwrap();
//! let x = t.select_list("c,a").unwrap();
//! assert_eq!(x[[1, 0]], 6.0);
//! assert_eq!(x[[1, 1]], 4.0);
//! ```

use std::path::Path;

use ndarray::Array2;

use crate::error::InfoError;

/// A numeric table with named columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    names: Vec<String>,
    columns: Vec<Vec<f64>>,
}

impl Table {
    /// Read a file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, InfoError> {
        let p = path.as_ref();
        let text = std::fs::read_to_string(p).map_err(|e| InfoError::Io {
            path: p.display().to_string(),
            message: e.to_string(),
        })?;
        Self::parse(&text, &p.display().to_string())
    }

    /// Parse text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Self, InfoError> {
        let perr = |line: usize, message: String| InfoError::Parse {
            path: source.to_string(),
            line,
            message,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        let (hline, header) = lines
            .next()
            .ok_or_else(|| perr(1, "no header row".into()))?;
        let csv = header.contains(',');
        let split = |l: &str| -> Vec<String> {
            if csv {
                let mut r = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .trim(csv::Trim::All)
                    .from_reader(l.as_bytes());
                r.records()
                    .next()
                    .and_then(|rec| rec.ok())
                    .map(|rec| rec.iter().map(str::to_string).collect())
                    .unwrap_or_default()
            } else {
                l.split_whitespace().map(str::to_string).collect()
            }
        };
        let names = split(header);
        if names.is_empty() || names.iter().any(|n| n.is_empty()) {
            return Err(perr(hline + 1, "empty column name in the header".into()));
        }
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                return Err(perr(hline + 1, format!("duplicate column name `{n}`")));
            }
        }
        let mut columns = vec![Vec::new(); names.len()];
        for (ln, l) in lines {
            let fields = split(l);
            if fields.len() != names.len() {
                return Err(perr(
                    ln + 1,
                    format!("{} fields, header has {}", fields.len(), names.len()),
                ));
            }
            for (j, f) in fields.iter().enumerate() {
                let v: f64 = f.parse().map_err(|_| {
                    perr(
                        ln + 1,
                        format!("`{f}` in column `{}` is not a number", names[j]),
                    )
                })?;
                columns[j].push(v);
            }
        }
        Ok(Self { names, columns })
    }

    /// Column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    /// One column by name.
    pub fn column(&self, name: &str) -> Result<&[f64], InfoError> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|j| self.columns[j].as_slice())
            .ok_or_else(|| InfoError::UnknownName {
                kind: "column",
                name: name.to_string(),
                expected: self.names.join(", "),
            })
    }

    /// The named columns as a samples x columns matrix.
    pub fn select(&self, names: &[&str]) -> Result<Array2<f64>, InfoError> {
        let cols = names
            .iter()
            .map(|n| self.column(n))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Array2::from_shape_fn(
            (self.nrows(), cols.len()),
            |(i, j)| cols[j][i],
        ))
    }

    /// [`select`](Self::select) from a comma-separated list (`"a,b,c"`).
    pub fn select_list(&self, list: &str) -> Result<Array2<f64>, InfoError> {
        let names: Vec<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if names.is_empty() {
            return Err(InfoError::InvalidParameter {
                name: "columns",
                reason: format!("empty column list `{list}`"),
            });
        }
        self.select(&names)
    }
}

/// Write named columns of equal length as CSV (one row per sample).
pub fn write_columns_csv(
    path: impl AsRef<Path>,
    columns: &[(&str, &[f64])],
) -> Result<(), InfoError> {
    let p = path.as_ref();
    let ioerr = |e: String| InfoError::Io {
        path: p.display().to_string(),
        message: e,
    };
    let n = columns.first().map_or(0, |c| c.1.len());
    if let Some(c) = columns.iter().find(|c| c.1.len() != n) {
        return Err(InfoError::LengthMismatch {
            left: columns[0].0.to_string(),
            left_len: n,
            right: c.0.to_string(),
            right_len: c.1.len(),
        });
    }
    let mut w = csv::Writer::from_path(p).map_err(|e| ioerr(e.to_string()))?;
    w.write_record(columns.iter().map(|c| c.0))
        .map_err(|e| ioerr(e.to_string()))?;
    for i in 0..n {
        w.write_record(columns.iter().map(|c| format!("{}", c.1[i])))
            .map_err(|e| ioerr(e.to_string()))?;
    }
    w.flush().map_err(|e| ioerr(e.to_string()))
}
