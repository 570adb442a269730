//! Small dense linear algebra for the Gaussian tests (matrices of a few dozen rows at most).

/// Inverse of the `k x k` row-major matrix `a` by LU decomposition with partial pivoting, or `None`
/// when a pivot is below `tol` times the largest absolute entry (singular or numerically singular).
/// (The tests check [`inverse_leading_2x2`] against it.)
#[cfg(test)]
pub(crate) fn inverse(a: &[f64], k: usize, tol: f64) -> Option<Vec<f64>> {
    debug_assert_eq!(a.len(), k * k);
    let mut lu = a.to_vec();
    let mut perm: Vec<usize> = (0..k).collect();
    if !lu_in_place(&mut lu, &mut perm, k, tol) {
        return None;
    }
    let mut inv = vec![0.0; k * k];
    let mut col = vec![0.0; k];
    for j in 0..k {
        solve_unit_column(&lu, &perm, k, j, &mut col);
        for i in 0..k {
            inv[i * k + j] = col[i];
        }
    }
    Some(inv)
}

/// The entries `(0, 0)`, `(0, 1)` and `(1, 1)` of the inverse of the `k x k` row-major matrix `a`
/// (overwritten by its LU factors), or `None` as [`inverse`]: the same arithmetic as [`inverse`]
/// for these entries (bit for bit), solving for the first two columns only. `perm` and `col`
/// are scratch of length `k`.
pub(crate) fn inverse_leading_2x2(
    a: &mut [f64],
    k: usize,
    tol: f64,
    perm: &mut [usize],
    col: &mut [f64],
) -> Option<[f64; 3]> {
    debug_assert!(k >= 2 && a.len() == k * k && perm.len() == k && col.len() == k);
    for (i, p) in perm.iter_mut().enumerate() {
        *p = i;
    }
    if !lu_in_place(a, perm, k, tol) {
        return None;
    }
    solve_unit_column(a, perm, k, 0, col);
    let i00 = col[0];
    solve_unit_column(a, perm, k, 1, col);
    Some([i00, col[0], col[1]])
}

/// LU decomposition with partial pivoting in place (`perm` starts as the identity); `false` when a
/// pivot is below `tol` times the largest absolute entry of the input.
fn lu_in_place(lu: &mut [f64], perm: &mut [usize], k: usize, tol: f64) -> bool {
    let scale = lu.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if !scale.is_finite() || scale == 0.0 {
        return false;
    }
    for c in 0..k {
        // pivot
        let (mut p, mut best) = (c, lu[c * k + c].abs());
        for r in c + 1..k {
            let v = lu[r * k + c].abs();
            if v > best {
                best = v;
                p = r;
            }
        }
        if best <= tol * scale {
            return false;
        }
        if p != c {
            for j in 0..k {
                lu.swap(c * k + j, p * k + j);
            }
            perm.swap(c, p);
        }
        let (upper, lower) = lu.split_at_mut((c + 1) * k);
        let prow = &upper[c * k..];
        let piv = prow[c];
        for row in lower.chunks_exact_mut(k) {
            let f = row[c] / piv;
            row[c] = f;
            if f != 0.0 {
                for (v, &u) in row[c + 1..].iter_mut().zip(&prow[c + 1..]) {
                    *v -= f * u;
                }
            }
        }
    }
    true
}

/// Column `j` of the inverse from the LU factors: `col` = A^-1 e_j.
fn solve_unit_column(lu: &[f64], perm: &[usize], k: usize, j: usize, col: &mut [f64]) {
    for i in 0..k {
        col[i] = if perm[i] == j { 1.0 } else { 0.0 };
    }
    // Forward substitution from the unit entry on: the terms with the zeros above it would
    // subtract exact zeros (the factors are finite), which leaves every value unchanged.
    let first = perm.iter().position(|&p| p == j).unwrap_or(k);
    for i in first + 1..k {
        let r = &lu[i * k..i * k + i];
        let mut s = col[i];
        for m in first..i {
            s -= r[m] * col[m];
        }
        col[i] = s;
    }
    for i in (0..k).rev() {
        let mut s = col[i];
        for m in i + 1..k {
            s -= lu[i * k + m] * col[m];
        }
        col[i] = s / lu[i * k + i];
    }
}

/// log det of a symmetric positive-definite `k x k` matrix by Cholesky, or `None` when it is not
/// (numerically) positive definite: a pivot below `tol` times the largest diagonal entry.
pub(crate) fn log_det_spd(a: &[f64], k: usize, tol: f64) -> Option<f64> {
    if k == 0 {
        return Some(0.0);
    }
    let dmax = (0..k).fold(0.0f64, |m, i| m.max(a[i * k + i]));
    if !(dmax > 0.0 && dmax.is_finite()) {
        return None;
    }
    let mut l = vec![0.0; k * k];
    let mut logdet = 0.0;
    for j in 0..k {
        let mut d = a[j * k + j];
        for m in 0..j {
            d -= l[j * k + m] * l[j * k + m];
        }
        if d <= tol * dmax {
            return None;
        }
        let dj = d.sqrt();
        l[j * k + j] = dj;
        logdet += 2.0 * dj.ln();
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for m in 0..j {
                s -= l[i * k + m] * l[j * k + m];
            }
            l[i * k + j] = s / dj;
        }
    }
    Some(logdet)
}

/// Pearson correlation matrix of the columns of `x` (n x c), as numpy's `corrcoef`: covariance with
/// `n - 1`, divided by the product of standard deviations, clipped to [-1, 1]. Returns the index of
/// a constant column as the error.
pub(crate) fn correlation(x: &ndarray::Array2<f64>) -> Result<ndarray::Array2<f64>, usize> {
    let n = x.nrows();
    let mean = x
        .mean_axis(ndarray::Axis(0))
        .unwrap_or_else(|| ndarray::Array1::zeros(x.ncols()));
    let centered = x - &mean;
    let cov = centered.t().dot(&centered) / (n as f64 - 1.0);
    let c = cov.nrows();
    let d: Vec<f64> = (0..c).map(|i| cov[[i, i]].sqrt()).collect();
    if let Some(j) = d
        .iter()
        .position(|&v| v.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || !v.is_finite())
    {
        return Err(j);
    }
    let mut r = cov;
    for i in 0..c {
        for j in 0..c {
            r[[i, j]] = (r[[i, j]] / d[i] / d[j]).clamp(-1.0, 1.0);
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_and_logdet() {
        let a = [4.0, 2.0, 0.6, 2.0, 2.0, 0.5, 0.6, 0.5, 3.0];
        let inv = inverse(&a, 3, 1e-12).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|m| a[i * 3 + m] * inv[m * 3 + j]).sum();
                assert!((s - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        // det = 4*(6-0.25) - 2*(6-0.3) + 0.6*(1-1.2) = 23 - 11.4 - 0.12 = 11.48
        assert!((log_det_spd(&a, 3, 1e-12).unwrap() - 11.48f64.ln()).abs() < 1e-12);
        let sing = [1.0, 2.0, 2.0, 4.0];
        assert!(inverse(&sing, 2, 1e-12).is_none());
        let mut sc = sing;
        assert!(inverse_leading_2x2(&mut sc, 2, 1e-12, &mut [0; 2], &mut [0.0; 2]).is_none());
        assert!(log_det_spd(&sing, 2, 1e-12).is_none());
        // pivoting needed
        let p = [0.0, 1.0, 1.0, 0.0];
        assert_eq!(inverse(&p, 2, 1e-12).unwrap(), vec![0.0, 1.0, 1.0, 0.0]);
    }

    #[test]
    fn leading_2x2_is_bitwise_the_full_inverse() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for k in 2..14 {
            for _ in 0..20 {
                // a random correlation-like symmetric matrix: B B^T scaled to unit diagonal
                let b: Vec<f64> = (0..k * k).map(|_| rng.random::<f64>() - 0.5).collect();
                let mut a = vec![0.0; k * k];
                for i in 0..k {
                    for j in 0..k {
                        a[i * k + j] = (0..k).map(|m| b[i * k + m] * b[j * k + m]).sum::<f64>();
                    }
                }
                let d: Vec<f64> = (0..k).map(|i| a[i * k + i].sqrt()).collect();
                for i in 0..k {
                    for j in 0..k {
                        a[i * k + j] /= d[i] * d[j];
                    }
                }
                let full = inverse(&a, k, 1e-13);
                let mut lu = a.clone();
                let part =
                    inverse_leading_2x2(&mut lu, k, 1e-13, &mut vec![0; k], &mut vec![0.0; k]);
                match (full, part) {
                    (Some(f), Some(p)) => {
                        assert_eq!(p, [f[0], f[1], f[k + 1]], "k {k}");
                    }
                    (None, None) => {}
                    (f, p) => panic!("k {k}: full {f:?} vs leading {p:?}"),
                }
            }
        }
    }
}
