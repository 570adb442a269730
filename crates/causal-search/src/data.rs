//! Datasets with named, possibly vector-valued variables.
//!
//! A [`Dataset`] holds an `n x c` matrix of samples (rows) by columns, the columns' names, and a
//! partition of the columns into **variables** (the nodes of a causal graph). By default every column is
//! its own scalar variable; [`Dataset::with_groups`] merges columns into vector-valued variables (for
//! example a 16-dimensional latent `S`). Conditional-independence tests and searches address variables by
//! their index in [`Dataset::variables`].
//!
//! ```
//! use causal_search::data::Dataset;
//! let text = "a b s1 s2\n1 2 3 4\n2 1 0 1\n3 5 2 2\n";
//! let ds = Dataset::parse_table(text, "inline").unwrap();
//! assert_eq!(ds.n_variables(), 4);
//! let ds = ds.with_groups(&[("S".to_string(), vec!["s1".into(), "s2".into()])]).unwrap();
//! assert_eq!(ds.variable_names(), vec!["a", "b", "S"]);
//! assert_eq!(ds.dim(2), 2);
//! ```

use std::collections::HashMap;
use std::path::Path;

use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{CausalError, Result};

/// One variable (graph node): a name and the data columns it spans.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variable {
    /// The variable's name (unique in its dataset).
    pub name: String,
    /// Indices of its columns in the data matrix (at least one; more for a vector-valued variable).
    pub columns: Vec<usize>,
}

/// Samples of named, possibly vector-valued variables. Every value is finite (checked on construction).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dataset {
    values: Array2<f64>,
    column_names: Vec<String>,
    variables: Vec<Variable>,
}

impl Dataset {
    /// Builds a dataset with one scalar variable per column.
    ///
    /// Errors: `column_names.len()` differs from the number of columns, a name is repeated or empty, no
    /// rows or no columns, or a value is NaN/infinite ([`CausalError::NonFinite`] names column and row).
    pub fn new(values: Array2<f64>, column_names: Vec<String>) -> Result<Self> {
        if column_names.len() != values.ncols() {
            return Err(CausalError::ShapeMismatch {
                what: "column names vs data columns".into(),
                expected: values.ncols(),
                found: column_names.len(),
            });
        }
        if values.ncols() == 0 {
            return Err(CausalError::param("values", "the data has no columns"));
        }
        if values.nrows() == 0 {
            return Err(CausalError::TooFewSamples {
                what: "a dataset".into(),
                needed: 1,
                found: 0,
            });
        }
        let mut seen = HashMap::new();
        for (j, name) in column_names.iter().enumerate() {
            if name.is_empty() {
                return Err(CausalError::param(
                    "column_names",
                    format!("column {j} has an empty name"),
                ));
            }
            if seen.insert(name.as_str(), j).is_some() {
                return Err(CausalError::DuplicateName {
                    name: name.clone(),
                    context: "data column names".into(),
                });
            }
        }
        for (j, col) in values.axis_iter(Axis(1)).enumerate() {
            if let Some(row) = col.iter().position(|v| !v.is_finite()) {
                return Err(CausalError::NonFinite {
                    variable: column_names[j].clone(),
                    row,
                });
            }
        }
        let variables = column_names
            .iter()
            .enumerate()
            .map(|(j, n)| Variable {
                name: n.clone(),
                columns: vec![j],
            })
            .collect();
        Ok(Dataset {
            values,
            column_names,
            variables,
        })
    }

    /// Builds a dataset whose columns are named `X1, X2, ...` (causal-learn's default node names).
    pub fn from_array(values: Array2<f64>) -> Result<Self> {
        let names = (1..=values.ncols()).map(|i| format!("X{i}")).collect();
        Self::new(values, names)
    }

    /// Merges columns into vector-valued variables.
    ///
    /// Each group is `(variable name, column names)`. Columns in no group stay scalar variables named
    /// after the column. Variables are ordered by the position of their first column in the data.
    /// Errors: unknown column, a column in two groups, an empty group, or a duplicate variable name.
    pub fn with_groups(self, groups: &[(String, Vec<String>)]) -> Result<Self> {
        let col_index: HashMap<&str, usize> = self
            .column_names
            .iter()
            .enumerate()
            .map(|(j, n)| (n.as_str(), j))
            .collect();
        let mut owner: Vec<Option<usize>> = vec![None; self.column_names.len()];
        let mut group_cols: Vec<Vec<usize>> = Vec::with_capacity(groups.len());
        for (g, (gname, cols)) in groups.iter().enumerate() {
            if cols.is_empty() {
                return Err(CausalError::param(
                    "groups",
                    format!("group `{gname}` has no columns"),
                ));
            }
            let mut idx = Vec::with_capacity(cols.len());
            for c in cols {
                let j = *col_index
                    .get(c.as_str())
                    .ok_or_else(|| CausalError::UnknownVariable {
                        name: c.clone(),
                        context: format!("group `{gname}`"),
                    })?;
                if let Some(prev) = owner[j] {
                    return Err(CausalError::param(
                        "groups",
                        format!(
                            "column `{c}` is in both group `{}` and group `{gname}`",
                            groups[prev].0
                        ),
                    ));
                }
                owner[j] = Some(g);
                idx.push(j);
            }
            group_cols.push(idx);
        }
        let mut variables = Vec::new();
        let mut emitted = vec![false; groups.len()];
        for (j, o) in owner.iter().enumerate() {
            match o {
                None => variables.push(Variable {
                    name: self.column_names[j].clone(),
                    columns: vec![j],
                }),
                Some(g) if !emitted[*g] => {
                    emitted[*g] = true;
                    variables.push(Variable {
                        name: groups[*g].0.clone(),
                        columns: group_cols[*g].clone(),
                    });
                }
                Some(_) => {}
            }
        }
        let mut seen = HashMap::new();
        for v in &variables {
            if seen.insert(v.name.clone(), ()).is_some() {
                return Err(CausalError::DuplicateName {
                    name: v.name.clone(),
                    context: "variable names after grouping".into(),
                });
            }
        }
        Ok(Dataset { variables, ..self })
    }

    /// Parses a table: a header row of names, then one row per sample; separated by commas (CSV) if
    /// the header contains a comma, else by whitespace (the causal-learn test files load as they are).
    /// Blank lines are skipped. `source_name` is used in error messages.
    pub fn parse_table(text: &str, source_name: &str) -> Result<Self> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines
            .next()
            .ok_or_else(|| CausalError::parse(source_name, 0, "empty file: no header row"))?;
        let csv = header.contains(',');
        let split = |l: &str| -> Vec<String> {
            if csv {
                l.split(',')
                    .map(|s| s.trim().trim_matches('"').to_string())
                    .collect()
            } else {
                l.split_whitespace().map(|s| s.to_string()).collect()
            }
        };
        let names = split(header);
        let p = names.len();
        let mut flat = Vec::new();
        let mut n = 0usize;
        // the fields of a line, borrowed (one buffer for all lines)
        let mut fields: Vec<&str> = Vec::with_capacity(p);
        for (i, line) in lines {
            fields.clear();
            if csv {
                fields.extend(line.split(',').map(|s| s.trim().trim_matches('"')));
            } else if line.is_ascii() {
                fields.extend(line.split_ascii_whitespace());
            } else {
                fields.extend(line.split_whitespace());
            }
            if fields.len() != p {
                return Err(CausalError::parse(
                    source_name,
                    i + 1,
                    format!("expected {p} fields, found {}", fields.len()),
                ));
            }
            for (j, f) in fields.iter().enumerate() {
                let v: f64 = f.parse().map_err(|_| {
                    CausalError::parse(
                        source_name,
                        i + 1,
                        format!("field {} (`{}`) is not a number: `{f}`", j + 1, names[j]),
                    )
                })?;
                flat.push(v);
            }
            n += 1;
        }
        let values = Array2::from_shape_vec((n, p), flat)
            .map_err(|e| CausalError::parse(source_name, 0, e.to_string()))?;
        Self::new(values, names)
    }

    /// Reads a table file (see [`Dataset::parse_table`]).
    pub fn read_table(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| CausalError::io(path, e))?;
        Self::parse_table(&text, &path.display().to_string())
    }

    /// Parses a groups specification: lines `node: col,col,...` (blank lines and `#` comments skipped).
    pub fn parse_groups(text: &str, source_name: &str) -> Result<Vec<(String, Vec<String>)>> {
        let mut out = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (name, cols) = line.split_once(':').ok_or_else(|| {
                CausalError::parse(source_name, i + 1, "expected `node: col,col,...`")
            })?;
            let name = name.trim();
            if name.is_empty() {
                return Err(CausalError::parse(source_name, i + 1, "empty node name"));
            }
            let cols: Vec<String> = cols
                .split([',', ' ', '\t'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            if cols.is_empty() {
                return Err(CausalError::parse(
                    source_name,
                    i + 1,
                    format!("node `{name}` lists no columns"),
                ));
            }
            out.push((name.to_string(), cols));
        }
        Ok(out)
    }

    /// Reads a groups file (see [`Dataset::parse_groups`]).
    pub fn read_groups(path: impl AsRef<Path>) -> Result<Vec<(String, Vec<String>)>> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| CausalError::io(path, e))?;
        Self::parse_groups(&text, &path.display().to_string())
    }

    /// Number of samples (rows).
    pub fn n_samples(&self) -> usize {
        self.values.nrows()
    }

    /// Number of variables (graph nodes).
    pub fn n_variables(&self) -> usize {
        self.variables.len()
    }

    /// Number of data columns.
    pub fn n_columns(&self) -> usize {
        self.values.ncols()
    }

    /// The whole `n x c` data matrix.
    pub fn values(&self) -> &Array2<f64> {
        &self.values
    }

    /// The column names.
    pub fn column_names(&self) -> &[String] {
        &self.column_names
    }

    /// The variables, in node order.
    pub fn variables(&self) -> &[Variable] {
        &self.variables
    }

    /// The variables' names, in node order.
    pub fn variable_names(&self) -> Vec<&str> {
        self.variables.iter().map(|v| v.name.as_str()).collect()
    }

    /// The variable with index `i`.
    pub fn variable(&self, i: usize) -> Result<&Variable> {
        self.variables.get(i).ok_or(CausalError::IndexOutOfRange {
            index: i,
            n: self.variables.len(),
        })
    }

    /// The index of the variable called `name`.
    pub fn index_of(&self, name: &str) -> Result<usize> {
        self.variables
            .iter()
            .position(|v| v.name == name)
            .ok_or_else(|| CausalError::UnknownVariable {
                name: name.to_string(),
                context: "dataset variables".into(),
            })
    }

    /// The number of columns of variable `i` (1 for a scalar). Panics if `i` is out of range; use
    /// [`Dataset::variable`] for a checked access.
    pub fn dim(&self, i: usize) -> usize {
        self.variables[i].columns.len()
    }

    /// True when every variable is a single column.
    pub fn all_scalar(&self) -> bool {
        self.variables.iter().all(|v| v.columns.len() == 1)
    }

    /// The data columns of the given variables, concatenated in order.
    pub fn columns_of(&self, vars: &[usize]) -> Result<Vec<usize>> {
        let mut out = Vec::new();
        for &v in vars {
            out.extend_from_slice(&self.variable(v)?.columns);
        }
        Ok(out)
    }

    /// The `n x (sum of dims)` matrix of the given variables' columns, in order.
    pub fn matrix_of(&self, vars: &[usize]) -> Result<Array2<f64>> {
        let cols = self.columns_of(vars)?;
        Ok(self.values.select(Axis(1), &cols))
    }

    /// A dataset with the given rows (repetitions allowed, e.g. a bootstrap resample), same variables.
    pub fn select_rows(&self, rows: &[usize]) -> Result<Self> {
        if let Some(&bad) = rows.iter().find(|&&r| r >= self.n_samples()) {
            return Err(CausalError::IndexOutOfRange {
                index: bad,
                n: self.n_samples(),
            });
        }
        if rows.is_empty() {
            return Err(CausalError::TooFewSamples {
                what: "a row selection".into(),
                needed: 1,
                found: 0,
            });
        }
        Ok(Dataset {
            values: self.values.select(Axis(0), rows),
            column_names: self.column_names.clone(),
            variables: self.variables.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn parse_whitespace_and_csv() {
        let a = Dataset::parse_table("X1 X2\n1 2\n3 4\n", "t").unwrap();
        let b = Dataset::parse_table("X1,X2\n1,2\n3,4\n", "t").unwrap();
        assert_eq!(a.values(), b.values());
        assert_eq!(a.values(), &array![[1.0, 2.0], [3.0, 4.0]]);
        assert_eq!(a.variable_names(), vec!["X1", "X2"]);
    }

    #[test]
    fn parse_errors_name_culprit() {
        let e = Dataset::parse_table("a b\n1 2\n3\n", "f.txt").unwrap_err();
        assert!(matches!(e, CausalError::Parse { line: 3, .. }), "{e}");
        let e = Dataset::parse_table("a b\n1 x\n", "f.txt").unwrap_err();
        assert!(e.to_string().contains("`b`"), "{e}");
        let e = Dataset::parse_table("a b\n1 nan\n", "f.txt").unwrap_err();
        assert!(
            matches!(e, CausalError::NonFinite { ref variable, row: 0 } if variable == "b"),
            "{e}"
        );
        let e = Dataset::parse_table("a a\n1 2\n", "f.txt").unwrap_err();
        assert!(matches!(e, CausalError::DuplicateName { .. }));
        assert!(Dataset::parse_table("", "f").is_err());
    }

    #[test]
    fn groups() {
        let ds = Dataset::parse_table("s1 a s2 b\n1 2 3 4\n5 6 7 8\n", "t").unwrap();
        let g = Dataset::parse_groups("# latent\nS: s1, s2\n", "g").unwrap();
        let ds = ds.with_groups(&g).unwrap();
        assert_eq!(ds.variable_names(), vec!["S", "a", "b"]);
        assert_eq!(ds.variable(0).unwrap().columns, vec![0, 2]);
        assert_eq!(ds.matrix_of(&[0]).unwrap(), array![[1.0, 3.0], [5.0, 7.0]]);
        assert_eq!(ds.index_of("b").unwrap(), 2);
        assert!(matches!(
            ds.index_of("zz"),
            Err(CausalError::UnknownVariable { .. })
        ));
        let ds = Dataset::parse_table("s1 a\n1 2\n", "t").unwrap();
        let bad = vec![("S".to_string(), vec!["nope".to_string()])];
        assert!(matches!(
            ds.clone().with_groups(&bad),
            Err(CausalError::UnknownVariable { .. })
        ));
        let dup = vec![
            ("S".to_string(), vec!["s1".to_string()]),
            ("T".to_string(), vec!["s1".to_string()]),
        ];
        assert!(ds.clone().with_groups(&dup).is_err());
        let clash = vec![("a".to_string(), vec!["s1".to_string()])];
        assert!(matches!(
            ds.with_groups(&clash),
            Err(CausalError::DuplicateName { .. })
        ));
        assert!(Dataset::parse_groups("S s1 s2", "g").is_err());
    }

    #[test]
    fn select_rows_checks() {
        let ds = Dataset::from_array(array![[1.0, 2.0], [3.0, 4.0]]).unwrap();
        let r = ds.select_rows(&[1, 1, 0]).unwrap();
        assert_eq!(r.n_samples(), 3);
        assert_eq!(r.values()[[0, 0]], 3.0);
        assert!(ds.select_rows(&[2]).is_err());
    }
}
