//! Small dense linear algebra for the Gaussian tests (matrices of a few dozen rows at most).

/// Inverse of the `k x k` row-major matrix `a` by LU decomposition with partial pivoting, or `None`
/// when a pivot is below `tol` times the largest absolute entry (singular or numerically singular).
/// The reference of the Fisher-z test's partial correlations in the tests.
#[cfg(test)]
pub(crate) fn inverse(a: &[f64], k: usize, tol: f64) -> Option<Vec<f64>> {
    debug_assert_eq!(a.len(), k * k);
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if !scale.is_finite() || scale == 0.0 {
        return None;
    }
    let mut lu = a.to_vec();
    let mut perm: Vec<usize> = (0..k).collect();
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
            return None;
        }
        if p != c {
            for j in 0..k {
                lu.swap(c * k + j, p * k + j);
            }
            perm.swap(c, p);
        }
        let piv = lu[c * k + c];
        for r in c + 1..k {
            let f = lu[r * k + c] / piv;
            lu[r * k + c] = f;
            if f != 0.0 {
                for j in c + 1..k {
                    lu[r * k + j] -= f * lu[c * k + j];
                }
            }
        }
    }
    // solve for each column of the permuted identity
    let mut inv = vec![0.0; k * k];
    let mut col = vec![0.0; k];
    for j in 0..k {
        for i in 0..k {
            col[i] = if perm[i] == j { 1.0 } else { 0.0 };
        }
        for i in 0..k {
            let mut s = col[i];
            for m in 0..i {
                s -= lu[i * k + m] * col[m];
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
        for i in 0..k {
            inv[i * k + j] = col[i];
        }
    }
    Some(inv)
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
        assert!(log_det_spd(&sing, 2, 1e-12).is_none());
        // pivoting needed
        let p = [0.0, 1.0, 1.0, 0.0];
        assert_eq!(inverse(&p, 2, 1e-12).unwrap(), vec![0.0, 1.0, 1.0, 0.0]);
    }
}
