//! Input validation, tie detection and the seeded tie-breaking jitter.
//!
//! The KSG and Frenzel-Pompe estimators assume continuous data: no two samples share a value.
//! Real catalogues break that (rounded magnitudes, clipped values), and a tie makes the k-th
//! neighbour distance and the strict counts ambiguous. The policy here:
//!
//! 1. [`columns_with_ties`] finds every column holding a repeated value (exact equality);
//! 2. under [`JitterMode::IfTies`] (the default of the estimators) only those columns receive
//!    uniform noise on `[-a, a]` with `a = scale * sd(column)` (at least 8 ulp of the column's
//!    largest magnitude, so the noise is never rounded away), drawn from a `ChaCha8Rng` seeded
//!    with the caller's seed, column by column, row by row;
//! 3. without ties nothing is touched and the estimate is exactly the textbook one.

use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::error::KnnError;

/// When to add the tie-breaking jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum JitterMode {
    /// Only columns with repeated values, and only when there are any (default).
    #[default]
    IfTies,
    /// Never: ties stay, and counts at equal distances follow the strict / closed rule as is.
    Never,
    /// Every column, always (NPEET's behaviour).
    Always,
}

/// Check that `data` (samples x columns of variable `name`) has columns and only finite values.
pub fn check_finite(name: &str, data: ArrayView2<'_, f64>) -> Result<(), KnnError> {
    if data.ncols() == 0 {
        return Err(KnnError::NoColumns {
            variable: name.to_string(),
        });
    }
    for ((row, column), &value) in data.indexed_iter() {
        if !value.is_finite() {
            return Err(KnnError::NonFinite {
                variable: name.to_string(),
                row,
                column,
                value,
            });
        }
    }
    Ok(())
}

/// Error on the first constant column of `data` (variable `name`).
pub fn check_not_constant(name: &str, data: ArrayView2<'_, f64>) -> Result<(), KnnError> {
    if data.nrows() < 2 {
        return Ok(());
    }
    for (column, col) in data.columns().into_iter().enumerate() {
        let first = col[0];
        if col.iter().all(|&v| v == first) {
            return Err(KnnError::ConstantColumn {
                variable: name.to_string(),
                column,
            });
        }
    }
    Ok(())
}

/// Indices of the columns of `data` that hold at least one repeated value.
pub fn columns_with_ties(data: ArrayView2<'_, f64>) -> Vec<usize> {
    let cols: Vec<Vec<f64>> = data.columns().into_iter().map(|c| c.to_vec()).collect();
    cols.into_par_iter()
        .enumerate()
        .filter_map(|(j, mut c)| {
            c.sort_unstable_by(f64::total_cmp);
            c.windows(2).any(|w| w[0] == w[1]).then_some(j)
        })
        .collect()
}

/// Add the documented uniform jitter to the listed columns of `data`, seeded by `seed`.
///
/// `scale` is relative to each column's standard deviation (see the module docs).
pub fn jitter_columns(data: &mut Array2<f64>, columns: &[usize], scale: f64, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = data.nrows();
    for &j in columns {
        if j >= data.ncols() || n == 0 {
            continue;
        }
        let col = data.column(j);
        let mean = col.sum() / n as f64;
        let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        let maxabs = col.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let a = (scale * var.sqrt())
            .max(8.0 * f64::EPSILON * maxabs)
            .max(f64::MIN_POSITIVE);
        let mut col = data.column_mut(j);
        for v in col.iter_mut() {
            *v += a * (2.0 * rng.random::<f64>() - 1.0);
        }
    }
}
