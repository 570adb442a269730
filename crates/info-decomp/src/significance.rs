//! Permutation null distributions and p-values for mutual information and for every PID atom.
//!
//! The null permutes the rows of the target `y` (all dependence between target and sources is
//! destroyed, each marginal kept). Permutation `b` is drawn with a `ChaCha8Rng` seeded with the
//! caller's seed on stream `b`, so results do not depend on the thread count. The p-value is
//! one-sided (upper): `(1 + #{null >= observed}) / (B + 1)`. For a conditional MI the whole of
//! `y` is permuted, which tests I(X;Y|Z) = 0 only approximately (it also breaks Y-Z dependence);
//! the local permutation test of Runge (2018) belongs to causal-search's CMIknn.
//!
//! Bootstrap intervals of means of local values are in [`crate::aggregate`].

use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::InfoError;
use crate::mi::MiEstimator;
use crate::pid::{Atoms, Pid};

/// Permutation-test settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PermutationTest {
    /// Number of permutations (>= 1).
    pub permutations: usize,
    /// Seed.
    pub seed: u64,
}

impl PermutationTest {
    /// `permutations` permutations, seeded.
    pub fn new(permutations: usize, seed: u64) -> Result<Self, InfoError> {
        if permutations == 0 {
            return Err(InfoError::InvalidParameter {
                name: "permutations",
                reason: "need at least 1".into(),
            });
        }
        Ok(Self { permutations, seed })
    }

    fn permuted(&self, y: ArrayView2<'_, f64>, b: usize) -> Array2<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(b as u64);
        let mut idx: Vec<usize> = (0..y.nrows()).collect();
        idx.shuffle(&mut rng);
        y.select(ndarray::Axis(0), &idx)
    }
}

fn p_value(observed: f64, null: impl Iterator<Item = f64>, count: usize) -> f64 {
    let exceed = null.filter(|&v| v >= observed).count();
    (1 + exceed) as f64 / (count + 1) as f64
}

/// A mutual-information permutation test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MiSignificance {
    /// The observed estimate (nats).
    pub observed: f64,
    /// The null estimates, in permutation order.
    pub null: Vec<f64>,
    /// Upper one-sided p-value.
    pub p_value: f64,
}

/// Permutation test of I(X;Y) (or I(X;Y|Z) with `z`).
pub fn mi_permutation_test(
    est: &MiEstimator,
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    z: Option<ArrayView2<'_, f64>>,
    test: &PermutationTest,
) -> Result<MiSignificance, InfoError> {
    let run = |yy: ArrayView2<'_, f64>| match z {
        Some(z) => est.cmi(x, yy, z).map(|e| e.mi),
        None => est.mi(x, yy).map(|e| e.mi),
    };
    let observed = run(y)?;
    let null = (0..test.permutations)
        .into_par_iter()
        .map(|b| run(test.permuted(y, b).view()))
        .collect::<Result<Vec<f64>, InfoError>>()?;
    let p_value = p_value(observed, null.iter().copied(), null.len());
    Ok(MiSignificance {
        observed,
        null,
        p_value,
    })
}

/// A PID permutation test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PidSignificance {
    /// Observed atoms (nats).
    pub observed: Atoms,
    /// Null atoms, in permutation order.
    pub null: Vec<Atoms>,
    /// Upper one-sided p-value of every atom (and of i1, i2, total).
    pub p_values: Atoms,
}

/// Permutation test of every atom of a PID (the target is permuted).
pub fn pid_permutation_test(
    pid: &Pid,
    x1: ArrayView2<'_, f64>,
    x2: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    test: &PermutationTest,
) -> Result<PidSignificance, InfoError> {
    let observed = pid.decompose(x1, x2, y)?.atoms;
    let null = (0..test.permutations)
        .into_par_iter()
        .map(|b| {
            pid.decompose(x1, x2, test.permuted(y, b).view())
                .map(|r| r.atoms)
        })
        .collect::<Result<Vec<Atoms>, InfoError>>()?;
    let obs = observed.to_array();
    let mut p = [0.0; 7];
    for f in 0..7 {
        p[f] = p_value(obs[f], null.iter().map(|a| a.to_array()[f]), null.len());
    }
    Ok(PidSignificance {
        observed,
        null,
        p_values: Atoms::from_array(p),
    })
}
