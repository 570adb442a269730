use super::*;
use candle_core::{Device, Var};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn rand_t(shape: &[usize], seed: u64) -> Tensor {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|_| r.random_range(-1.0..1.0)).collect();
    Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
}

fn flat(t: &Tensor) -> Vec<f64> {
    t.flatten_all().unwrap().to_vec1::<f64>().unwrap()
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Central finite-difference check of d/dx sum(f(x) * r) against autograd, in f64.
fn grad_check(f: &dyn Fn(&Tensor) -> Tensor, x0: &Tensor, seed: u64, tol: f64) {
    let x = Var::from_tensor(x0).unwrap();
    let y = f(x.as_tensor());
    let r = rand_t(y.dims(), seed);
    let loss = (y * &r).unwrap().sum_all().unwrap();
    let g = loss.backward().unwrap();
    let gx = flat(g.get(x.as_tensor()).unwrap());
    let base = flat(x0);
    let h = 1e-6;
    let eval = |v: &[f64]| {
        let t = Tensor::from_vec(v.to_vec(), x0.dims(), &Device::Cpu).unwrap();
        (f(&t) * &r)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    };
    for i in 0..base.len() {
        let mut p = base.clone();
        p[i] += h;
        let mut m = base.clone();
        m[i] -= h;
        let fd = (eval(&p) - eval(&m)) / (2.0 * h);
        assert!(
            (fd - gx[i]).abs() <= tol * (1.0 + fd.abs()),
            "element {i}: finite difference {fd}, autograd {}",
            gx[i]
        );
    }
}

#[test]
fn pool_same_hand_computed() {
    // 2x2 image, one channel: [[1,2],[3,4]]. TF same 2x2/1 pooling over valid pixels:
    // (1+2+3+4)/4, (2+4)/2, (3+4)/2, 4/1.
    let x = Tensor::from_vec(vec![1f64, 2., 3., 4.], (1, 2, 2, 1), &Device::Cpu).unwrap();
    assert_eq!(flat(&avg_pool_same2(&x).unwrap()), vec![2.5, 3.0, 3.5, 4.0]);
    assert_eq!(
        flat(&avg_pool_same2_generic(&x).unwrap()),
        vec![2.5, 3.0, 3.5, 4.0]
    );
    assert_eq!(flat(&avg_pool2(&x).unwrap()), vec![2.5]);
}

#[test]
fn upsample_tf1_hand_computed() {
    // 1x2 row [1, 3] -> output x reads input x/2: [1, 2, 3, 3]; rows likewise.
    let x = Tensor::from_vec(vec![1f64, 3., 5., 7.], (1, 2, 2, 1), &Device::Cpu).unwrap();
    let want = vec![
        1., 2., 3., 3., //
        3., 4., 5., 5., //
        5., 6., 7., 7., //
        5., 6., 7., 7.,
    ];
    assert_eq!(flat(&upsample2(&x).unwrap()), want);
    assert_eq!(flat(&upsample2_generic(&x).unwrap()), want);
}

#[test]
fn same_padding_puts_extra_pixel_after() {
    assert_eq!(same_padding(5), (2, 2));
    assert_eq!(same_padding(3), (1, 1));
    assert_eq!(same_padding(2), (0, 1));
    assert_eq!(same_padding(4), (1, 2));
}

#[test]
fn custom_ops_match_generic_composition() {
    let x = rand_t(&[3, 7, 6, 4], 1);
    for &(k, same) in &[(5, true), (3, true), (3, false), (2, true), (4, true)] {
        let a = im2col(&x, k, k, same).unwrap();
        let ((pt, pb), (pl, pr)) = if same {
            (same_padding(k), same_padding(k))
        } else {
            ((0, 0), (0, 0))
        };
        let (oh, ow) = (7 + pt + pb + 1 - k, 6 + pl + pr + 1 - k);
        let b = im2col_generic(&x, k, k, (pt, pb, pl, pr), (oh, ow)).unwrap();
        assert_eq!(a.dims(), b.dims());
        assert!(
            max_abs_diff(&flat(&a), &flat(&b)) < 1e-15,
            "k={k} same={same}"
        );
    }
    type Op = fn(&Tensor) -> candle_core::Result<Tensor>;
    let pairs: [(Op, Op); 3] = [
        (avg_pool2, avg_pool2_generic),
        (avg_pool_same2, avg_pool_same2_generic),
        (upsample2, upsample2_generic),
    ];
    for (fast, slow) in pairs {
        let a = fast(&x).unwrap();
        let b = slow(&x).unwrap();
        assert_eq!(a.dims(), b.dims());
        assert!(max_abs_diff(&flat(&a), &flat(&b)) < 1e-14);
    }
}

#[test]
fn spatial_op_gradients_match_finite_differences() {
    let x = rand_t(&[2, 5, 4, 3], 2);
    grad_check(&|t| im2col(t, 3, 3, true).unwrap(), &x, 10, 1e-7);
    grad_check(&|t| im2col(t, 5, 5, true).unwrap(), &x, 11, 1e-7);
    grad_check(&|t| im2col(t, 3, 3, false).unwrap(), &x, 12, 1e-7);
    grad_check(&|t| avg_pool2(t).unwrap(), &x, 13, 1e-7);
    grad_check(&|t| avg_pool_same2(t).unwrap(), &x, 14, 1e-7);
    grad_check(&|t| upsample2(t).unwrap(), &x, 15, 1e-7);
}

#[test]
fn bias_act_gradients_match_finite_differences() {
    // Values kept away from the kinks of ReLU / LeakyReLU (|x + b| >= 0.05).
    let mut r = ChaCha8Rng::seed_from_u64(3);
    let v: Vec<f64> = (0..24)
        .map(|_| {
            let s: f64 = r.random_range(0.05..1.0);
            if r.random_bool(0.5) { s } else { -s }
        })
        .collect();
    let x = Tensor::from_vec(v, (6, 4), &Device::Cpu).unwrap();
    let b0 = Tensor::zeros(4, DType::F64, &Device::Cpu).unwrap();
    for act in [
        Activation::Linear,
        Activation::Relu,
        Activation::LeakyRelu(0.2),
        Activation::Tanh,
    ] {
        grad_check(&|t| bias_act(t, &b0, act).unwrap(), &x, 20, 1e-6);
        // gradient with respect to the bias
        let xs = x.clone();
        let bb = Tensor::from_vec(vec![0.01f64, -0.02, 0.03, 0.0], 4, &Device::Cpu).unwrap();
        grad_check(&|t| bias_act(&xs, t, act).unwrap(), &bb, 21, 1e-6);
        // fused matches composition
        let a = bias_act(&x, &bb, act).unwrap();
        let c = activate(&x.broadcast_add(&bb).unwrap(), act).unwrap();
        assert!(max_abs_diff(&flat(&a), &flat(&c)) < 1e-15);
    }
}

#[test]
fn conv2d_matches_direct_convolution() {
    // NHWC input 1x4x5x2, kernel 3x3, 2 -> 3 channels, TF same padding.
    let x = rand_t(&[1, 4, 5, 2], 4);
    let w = rand_t(&[3 * 3 * 2, 3], 5);
    let b = Tensor::from_vec(vec![0.1f64, -0.2, 0.3], 3, &Device::Cpu).unwrap();
    let y = flat(&conv2d(&x, &w, &b, 3, true, Activation::Linear).unwrap());
    let xv = flat(&x);
    let wv = flat(&w);
    let (h, wd, c, co) = (4usize, 5usize, 2usize, 3usize);
    for oy in 0..h {
        for ox in 0..wd {
            for o in 0..co {
                let mut s = [0.1, -0.2, 0.3][o];
                for ky in 0..3 {
                    for kx in 0..3 {
                        let iy = oy as isize + ky as isize - 1;
                        let ix = ox as isize + kx as isize - 1;
                        if iy < 0 || ix < 0 || iy >= h as isize || ix >= wd as isize {
                            continue;
                        }
                        for ci in 0..c {
                            s += xv[((iy as usize) * wd + ix as usize) * c + ci]
                                * wv[((ky * 3 + kx) * c + ci) * co + o];
                        }
                    }
                }
                let got = y[(oy * wd + ox) * co + o];
                assert!((got - s).abs() < 1e-12, "({oy},{ox},{o}): {got} vs {s}");
            }
        }
    }
    // gradient of the whole convolution with respect to its input and kernel
    let bs = b.clone();
    let ws = w.clone();
    grad_check(
        &|t| conv2d(t, &ws, &bs, 3, true, Activation::Tanh).unwrap(),
        &x,
        30,
        1e-6,
    );
    let xs = x.clone();
    grad_check(
        &|t| conv2d(&xs, t, &bs, 3, false, Activation::Tanh).unwrap(),
        &w,
        31,
        1e-6,
    );
}

#[test]
fn fused_linear_matches_composition_and_finite_differences() {
    // dense
    let x = rand_t(&[5, 4], 40);
    let w = rand_t(&[4, 3], 41);
    let b = rand_t(&[3], 42);
    for act in [
        Activation::Linear,
        Activation::Tanh,
        Activation::LeakyRelu(0.2),
    ] {
        let a = linear(&x, &w, &b, act).unwrap();
        let c = activate(&x.matmul(&w).unwrap().broadcast_add(&b).unwrap(), act).unwrap();
        assert!(max_abs_diff(&flat(&a), &flat(&c)) < 1e-12);
        let (ws, bs, xs) = (w.clone(), b.clone(), x.clone());
        grad_check(&|t| linear(t, &ws, &bs, act).unwrap(), &x, 43, 1e-6);
        grad_check(&|t| linear(&xs, t, &bs, act).unwrap(), &w, 44, 1e-6);
        grad_check(&|t| linear(&xs, &ws, t, act).unwrap(), &b, 45, 1e-6);
    }
    // convolutions: 1x1, 5x5 same, 3x3 valid; kernel and bias gradients too
    let x = rand_t(&[2, 5, 6, 3], 46);
    for &(k, same) in &[(1, true), (5, true), (3, false), (2, true)] {
        let w = rand_t(&[k * k * 3, 4], 47);
        let b = rand_t(&[4], 48);
        let act = Activation::Tanh;
        let fast = conv2d(&x, &w, &b, k, same, act).unwrap();
        let ((pt, pb), (pl, pr)) = if same {
            (same_padding(k), same_padding(k))
        } else {
            ((0, 0), (0, 0))
        };
        let (oh, ow) = (5 + pt + pb + 1 - k, 6 + pl + pr + 1 - k);
        let cols = im2col_generic(&x, k, k, (pt, pb, pl, pr), (oh, ow)).unwrap();
        let slow = activate(&cols.matmul(&w).unwrap().broadcast_add(&b).unwrap(), act)
            .unwrap()
            .reshape((2, oh, ow, 4))
            .unwrap();
        assert_eq!(fast.dims(), slow.dims());
        assert!(max_abs_diff(&flat(&fast), &flat(&slow)) < 1e-12, "k={k}");
        // the device-generic path (used on CUDA) computes the same
        let generic = conv2d_generic(&x, &w, &b, k, same, act).unwrap();
        assert!(
            max_abs_diff(&flat(&fast), &flat(&generic)) < 1e-12,
            "generic k={k}"
        );
        let (ws, bs) = (w.clone(), b.clone());
        grad_check(
            &|t| conv2d_generic(t, &ws, &bs, k, same, act).unwrap(),
            &x,
            52,
            1e-6,
        );
        let (ws, bs, xs) = (w.clone(), b.clone(), x.clone());
        grad_check(
            &|t| conv2d(t, &ws, &bs, k, same, act).unwrap(),
            &x,
            49,
            1e-6,
        );
        grad_check(
            &|t| conv2d(&xs, t, &bs, k, same, act).unwrap(),
            &w,
            50,
            1e-6,
        );
        grad_check(
            &|t| conv2d(&xs, &ws, t, k, same, act).unwrap(),
            &b,
            51,
            1e-6,
        );
    }
}
