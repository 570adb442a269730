//! `.npy` / `.npz` helpers for the command-line examples and Python users.

use crate::error::{EstimatorError, Result};
use crate::infer::Prediction;
use ndarray::{Array, Array1, Dimension};
use ndarray_npy::{NpzWriter, ReadNpyExt, ReadableElement};
use std::path::Path;

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| EstimatorError::io(path, e))
}

fn read_typed<T: ReadableElement, D: Dimension>(
    path: &Path,
) -> std::result::Result<Array<T, D>, String> {
    let f = open(path).map_err(|e| e.to_string())?;
    Array::<T, D>::read_npy(f).map_err(|e| e.to_string())
}

/// Reads an `.npy` array of f32 (f64 is converted) with dimension `D`.
pub fn read_f32<D: Dimension>(path: &Path, what: &'static str) -> Result<Array<f32, D>> {
    open(path)?;
    match read_typed::<f32, D>(path) {
        Ok(a) => Ok(a),
        Err(e32) => match read_typed::<f64, D>(path) {
            Ok(a) => Ok(a.mapv(|v| v as f32)),
            Err(_) => Err(EstimatorError::Shape {
                what,
                expected: format!(
                    "an .npy array of f32/f64 with {} dimensions ({e32})",
                    D::NDIM.unwrap_or(0)
                ),
                got: vec![],
            }),
        },
    }
}

/// Reads a target vector (f64 or f32).
pub fn read_targets(path: &Path) -> Result<Array1<f64>> {
    open(path)?;
    match read_typed::<f64, ndarray::Ix1>(path) {
        Ok(a) => Ok(a),
        Err(e64) => match read_typed::<f32, ndarray::Ix1>(path) {
            Ok(a) => Ok(a.mapv(|v| v as f64)),
            Err(_) => Err(EstimatorError::Shape {
                what: "target",
                expected: format!("a 1-d .npy array of f64/f32 ({e64})"),
                got: vec![],
            }),
        },
    }
}

/// Writes `prob`, `mean`, `mode`, `median`, `s` and (if present) `ce` to an `.npz` file.
pub fn write_prediction_npz(p: &Prediction, path: &Path) -> Result<()> {
    let f = std::fs::File::create(path).map_err(|e| EstimatorError::io(path, e))?;
    let mut w = NpzWriter::new(f);
    let err = |e: ndarray_npy::WriteNpzError| {
        EstimatorError::io(path, std::io::Error::other(e.to_string()))
    };
    if let Some(prob) = &p.prob {
        w.add_array("prob", prob).map_err(err)?;
    }
    w.add_array("mean", &p.mean).map_err(err)?;
    w.add_array("mode", &p.mode).map_err(err)?;
    w.add_array("median", &p.median).map_err(err)?;
    w.add_array("s", &p.s).map_err(err)?;
    if let Some(ce) = &p.ce {
        w.add_array("ce", ce).map_err(err)?;
    }
    w.finish().map_err(err)?;
    Ok(())
}
