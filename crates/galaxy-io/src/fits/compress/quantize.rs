//! Un-quantization of floating-point tiles (as cfitsio and astropy define it).
//!
//! Dithered values are `(i - r + 0.5) * scale + zero`, with `r` drawn from the fixed table
//! of 10 000 uniform numbers of the Park-Miller generator (a = 16807, m = 2^31 - 1,
//! seed 1, stored as f32); the first index of a tile is `(row - 1) mod 10000` where
//! `row = tile index (0-based) + ZDITHER0`, the offset into the table starts at
//! `floor(r[index] * 500)`, and advances by one per pixel (null pixels included).
//! SUBTRACTIVE_DITHER_2 stores exact zeros as -2147483646.

use super::Dither;
use std::sync::OnceLock;

/// Number of values in the dither table.
pub const N_RANDOM: usize = 10_000;
/// The stored value of an exactly-zero pixel under SUBTRACTIVE_DITHER_2.
pub const ZERO_VALUE: i64 = -2_147_483_646;

/// The dither table (computed once).
pub fn random_table() -> &'static [f32] {
    static T: OnceLock<Vec<f32>> = OnceLock::new();
    T.get_or_init(|| {
        let a = 16807.0f64;
        let m = 2147483647.0f64;
        let mut seed = 1.0f64;
        let mut v = Vec::with_capacity(N_RANDOM);
        for _ in 0..N_RANDOM {
            let temp = a * seed;
            seed = temp - m * ((temp / m) as i32 as f64);
            v.push((seed / m) as f32);
        }
        v
    })
}

/// Un-quantize one tile; `to_f32` rounds each value to f32 (ZBITPIX = -32).
pub fn unquantize(
    q: &[i64],
    scale: f64,
    zero: f64,
    dither: Dither,
    row: i64,
    rand: Option<&[f32]>,
    to_f32: bool,
) -> Vec<f64> {
    let round = |x: f64| if to_f32 { x as f32 as f64 } else { x };
    match (dither, rand) {
        (Dither::None, _) | (_, None) => {
            q.iter().map(|&i| round(i as f64 * scale + zero)).collect()
        }
        (d, Some(r)) => {
            let mut iseed = (row - 1).rem_euclid(N_RANDOM as i64) as usize;
            let mut next = (r[iseed] * 500.0) as usize;
            let mut out = Vec::with_capacity(q.len());
            for &i in q {
                let v = if d == Dither::Subtractive2 && i == ZERO_VALUE {
                    0.0
                } else {
                    round((i as f64 - r[next] as f64 + 0.5) * scale + zero)
                };
                out.push(v);
                next += 1;
                if next == N_RANDOM {
                    iseed += 1;
                    if iseed == N_RANDOM {
                        iseed = 0;
                    }
                    next = (r[iseed] * 500.0) as usize;
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_table_matches_the_published_check_value() {
        // the 10000th seed must be 1043618065 (cfitsio's documented check)
        let a = 16807.0f64;
        let m = 2147483647.0f64;
        let mut seed = 1.0f64;
        for _ in 0..N_RANDOM {
            let temp = a * seed;
            seed = temp - m * ((temp / m) as i32 as f64);
        }
        assert_eq!(seed as i64, 1043618065);
        let t = random_table();
        assert_eq!(t.len(), N_RANDOM);
        assert_eq!(t[0], (16807.0f64 / 2147483647.0) as f32);
    }

    #[test]
    fn dither_two_keeps_zeros_and_no_dither_is_linear() {
        let r = random_table();
        let q = [ZERO_VALUE, 10, -3];
        let v = unquantize(&q, 0.5, 1.0, Dither::Subtractive2, 1, Some(r), false);
        assert_eq!(v[0], 0.0);
        let next = (r[0] * 500.0) as usize;
        assert_eq!(v[1], (10.0 - r[next + 1] as f64 + 0.5) * 0.5 + 1.0);
        let v = unquantize(&q[1..], 0.5, 1.0, Dither::None, 1, None, false);
        assert_eq!(v, vec![6.0, -0.5]);
    }
}
