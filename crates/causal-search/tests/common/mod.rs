//! Shared helpers for the integration tests: locating the reference data.
#![allow(dead_code)]

use std::path::PathBuf;

/// The reference-data folder (`MSTAR_REFERENCE_DATA`, else `../shared/data` beside the workspace),
/// or `None` (after printing why) when it is missing. Panics instead when
/// `MSTAR_REQUIRE_REFERENCE_DATA=1`.
pub fn data_dir(sub: &str) -> Option<PathBuf> {
    let base = match std::env::var_os("MSTAR_REFERENCE_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let dir = base.join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "reference data not found at {} (set MSTAR_REFERENCE_DATA)",
        dir.display()
    );
    if std::env::var("MSTAR_REQUIRE_REFERENCE_DATA").as_deref() == Ok("1") {
        panic!("{msg}");
    }
    eprintln!("SKIPPED: {msg}");
    None
}

/// Reads a whole file.
pub fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A causal-learn matrix printed as text (whitespace-separated numbers, one row per line) as
/// integer rows; blank lines are skipped.
pub fn int_matrix(text: &str) -> Vec<Vec<i64>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split_whitespace()
                .map(|v| v.parse::<f64>().unwrap() as i64)
                .collect()
        })
        .collect()
}

/// Draw `k` (from 0) of the SplitMix64 uniform stream of `scripts/compare_causal_search.py`
/// (`splitmix_uniforms`): `(splitmix64(seed + (k + 1) * GAMMA) >> 11) * 2^-53`, exact in binary64.
fn splitmix_uniform(seed: u64, k: u64) -> f64 {
    let mut z = seed.wrapping_add((k + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The random linear SEM of `scripts/compare_causal_search.py` (`simulate(p, n, seed)`), bit for
/// bit: the same draws, in the same order, with the same floating-point operations in the same
/// order (no fused multiply-add). Returns `n` rows of `p` values.
pub fn portable_sem(p: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut pos = 0u64;
    let mut draw = || {
        let u = splitmix_uniform(seed, pos);
        pos += 1;
        u
    };
    let mut order: Vec<usize> = (0..p).collect();
    for i in (1..p).rev() {
        let j = (draw() * (i + 1) as f64) as usize;
        order.swap(i, j);
    }
    let mut w = vec![vec![0.0f64; p]; p];
    let prob = 3.0 / (p - 1) as f64;
    for a in 0..p {
        for b in a + 1..p {
            if draw() < prob {
                let mag = 0.5 + 0.5 * draw();
                w[order[b]][order[a]] = if draw() < 0.5 { -mag } else { mag };
            }
        }
    }
    // noise: row-major (sample, variable), 12 draws each, summed left to right, minus 6
    let mut e = vec![vec![0.0f64; p]; n];
    for row in e.iter_mut() {
        for v in row.iter_mut() {
            let mut s = draw();
            for _ in 1..12 {
                s += draw();
            }
            *v = s - 6.0;
        }
    }
    let mut x = vec![vec![0.0f64; p]; n];
    for &v in &order {
        for r in 0..n {
            let mut acc = 0.0f64;
            for src in 0..p {
                if w[v][src] != 0.0 {
                    acc += w[v][src] * x[r][src];
                }
            }
            x[r][v] = acc + e[r][v];
        }
    }
    x
}
