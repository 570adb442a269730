//! Shared input checks.

use ndarray::ArrayView2;

use crate::error::InfoError;

/// Check columns, finiteness and (optionally) constant columns of one variable.
pub(crate) fn check_var(
    name: &str,
    v: ArrayView2<'_, f64>,
    reject_constant: bool,
) -> Result<(), InfoError> {
    if v.ncols() == 0 {
        return Err(InfoError::NoColumns {
            variable: name.to_string(),
        });
    }
    for ((row, column), &value) in v.indexed_iter() {
        if !value.is_finite() {
            return Err(InfoError::NonFinite {
                variable: name.to_string(),
                row,
                column,
                value,
            });
        }
    }
    if reject_constant && v.nrows() >= 2 {
        for (column, col) in v.columns().into_iter().enumerate() {
            let first = col[0];
            if col.iter().all(|&x| x == first) {
                return Err(InfoError::ConstantColumn {
                    variable: name.to_string(),
                    column,
                });
            }
        }
    }
    Ok(())
}

/// Check that all variables have the same number of rows.
pub(crate) fn check_rows(vars: &[(&str, usize)]) -> Result<usize, InfoError> {
    let (n0, l0) = vars[0];
    for &(name, l) in &vars[1..] {
        if l != l0 {
            return Err(InfoError::LengthMismatch {
                left: n0.to_string(),
                left_len: l0,
                right: name.to_string(),
                right_len: l,
            });
        }
    }
    Ok(l0)
}

/// Check a 1-D slice for finiteness.
pub(crate) fn check_finite_slice(name: &str, v: &[f64]) -> Result<(), InfoError> {
    if let Some(row) = v.iter().position(|x| !x.is_finite()) {
        return Err(InfoError::NonFinite {
            variable: name.to_string(),
            row,
            column: 0,
            value: v[row],
        });
    }
    Ok(())
}
