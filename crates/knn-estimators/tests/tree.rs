//! The index backends against a naive reference.
mod common;

use knn_estimators::{Backend, Boundary, KnnError, KnnIndex, Metric, distance};
use ndarray::Array2;
use rand::Rng;

fn naive_sorted(points: &Array2<f64>, q: &[f64], metric: Metric) -> Vec<(f64, usize)> {
    let mut d: Vec<(f64, usize)> = points
        .rows()
        .into_iter()
        .enumerate()
        .map(|(i, p)| (distance(metric, p.as_slice().unwrap(), q), i))
        .collect();
    d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    d
}

/// Points on a coarse grid so that many distances tie exactly, plus exact duplicates.
fn gridded(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut r = common::rng(seed);
    let mut a = Array2::from_shape_fn((n, d), |_| (r.random_range(0..7) as f64) * 0.25);
    for i in 0..5 {
        let row = a.row(0).to_owned();
        a.row_mut(n - 1 - i).assign(&row);
    }
    a
}

#[test]
fn backends_match_naive_search_in_every_dimension() {
    for &dim in &[1usize, 2, 3, 5, 8, 10, 16, 17, 20] {
        for metric in [Metric::Chebyshev, Metric::Euclidean] {
            for data in [
                common::normals(&mut common::rng(dim as u64), 300, dim),
                gridded(300, dim, 7),
            ] {
                let idx = KnnIndex::new(data.view(), metric).unwrap();
                let expected_backend = match (dim, metric) {
                    (1, _) => Backend::Sorted1D,
                    (_, Metric::Chebyshev) | (2..=16, _) => Backend::KdTree,
                    _ => Backend::BruteForce,
                };
                assert_eq!(idx.backend(), expected_backend);
                for i in (0..300).step_by(37) {
                    let q = data.row(i).to_vec();
                    let reference = naive_sorted(&data, &q, metric);
                    for k in [1usize, 4, 25] {
                        let nb = idx.knn(&q, k).unwrap();
                        assert_eq!(nb.len(), k);
                        for (j, b) in nb.iter().enumerate() {
                            assert_eq!(
                                b.distance, reference[j].0,
                                "dim {dim} {metric:?} k {k} rank {j}"
                            );
                            assert_eq!(
                                distance(metric, idx.point(b.index).unwrap(), &q),
                                b.distance
                            );
                        }
                        // excluding self: k-th distance is the (k+1)-th of the full list
                        let own = idx.knn_of_point(i, k).unwrap();
                        assert_eq!(own.len(), k);
                        assert_eq!(own[k - 1].distance, reference[k].0);
                        assert!(own.iter().all(|b| b.index != i) || reference[k].0 == 0.0);
                    }
                    // radii at exact neighbour distances exercise both boundaries
                    for r in [reference[3].0, reference[10].0, reference[50].0, 0.0] {
                        let strict = reference.iter().filter(|x| x.0 < r).count();
                        let closed = reference.iter().filter(|x| x.0 <= r).count();
                        assert_eq!(
                            idx.count_within(&q, r, Boundary::Strict).unwrap(),
                            strict,
                            "dim {dim} {metric:?} r {r}"
                        );
                        assert_eq!(
                            idx.count_within(&q, r, Boundary::Closed).unwrap(),
                            closed,
                            "dim {dim} {metric:?} r {r}"
                        );
                        let strict_self = strict - usize::from(r > 0.0);
                        assert_eq!(
                            idx.count_around_point(i, r, Boundary::Strict).unwrap(),
                            strict_self
                        );
                        assert_eq!(
                            idx.count_around_point(i, r, Boundary::Closed).unwrap(),
                            closed - 1
                        );
                        let list = idx.within(&q, r, Boundary::Closed).unwrap();
                        let ids: Vec<usize> = list.iter().map(|b| b.index).collect();
                        let ref_ids: Vec<usize> =
                            reference.iter().filter(|x| x.0 <= r).map(|x| x.1).collect();
                        assert_eq!(ids, ref_ids);
                    }
                }
            }
        }
    }
}

#[test]
fn batch_methods_equal_single_queries_and_thread_count() {
    let data = common::normals(&mut common::rng(3), 2000, 4);
    let idx = KnnIndex::new(data.view(), Metric::Chebyshev).unwrap();
    let kth = idx.kth_distances(5).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let kth1 = one.install(|| idx.kth_distances(5).unwrap());
    assert_eq!(kth, kth1);
    let counts = idx.counts_around_points(&kth, Boundary::Strict).unwrap();
    for i in (0..2000).step_by(97) {
        assert_eq!(kth[i], idx.kth_distance_of_point(i, 5).unwrap());
        assert_eq!(
            counts[i],
            idx.count_around_point(i, kth[i], Boundary::Strict).unwrap()
        );
        // strictly inside the k-th distance: at most k - 1 others (exactly, without ties)
        assert_eq!(counts[i], 4);
    }
    let batch = idx.knn_batch(data.view(), 3).unwrap();
    assert_eq!(
        batch[10],
        idx.knn(data.row(10).as_slice().unwrap(), 3).unwrap()
    );
    let all = idx.knn_of_all_points(3).unwrap();
    assert_eq!(all[10], idx.knn_of_point(10, 3).unwrap());
}

#[test]
fn bad_input_gives_typed_errors() {
    let mut data = common::normals(&mut common::rng(1), 10, 3);
    let idx = KnnIndex::new(data.view(), Metric::Euclidean).unwrap();
    assert!(matches!(
        idx.knn(&[0.0, 0.0], 1),
        Err(KnnError::DimensionMismatch {
            expected: 3,
            got: 2
        })
    ));
    assert!(matches!(
        idx.knn(&[0.0, f64::NAN, 0.0], 1),
        Err(KnnError::NonFinite { .. })
    ));
    assert!(matches!(
        idx.knn(&[0.0; 3], 11),
        Err(KnnError::TooFewSamples { .. })
    ));
    assert!(matches!(
        idx.knn_of_point(0, 10),
        Err(KnnError::TooFewSamples { .. })
    ));
    assert!(matches!(
        idx.knn_of_point(10, 1),
        Err(KnnError::IndexOutOfRange { .. })
    ));
    assert!(matches!(
        idx.count_within(&[0.0; 3], -1.0, Boundary::Strict),
        Err(KnnError::InvalidParameter { .. })
    ));
    assert!(matches!(
        idx.counts_around_points(&[1.0], Boundary::Strict),
        Err(KnnError::LengthMismatch { .. })
    ));
    data[[4, 2]] = f64::INFINITY;
    assert!(matches!(
        KnnIndex::new(data.view(), Metric::Chebyshev),
        Err(KnnError::NonFinite {
            row: 4,
            column: 2,
            ..
        })
    ));
    assert!(matches!(
        KnnIndex::new(Array2::<f64>::zeros((5, 0)).view(), Metric::Chebyshev),
        Err(KnnError::NoColumns { .. })
    ));
    assert!(matches!(
        KnnIndex::new(Array2::<f64>::zeros((0, 2)).view(), Metric::Chebyshev),
        Err(KnnError::TooFewSamples { .. })
    ));
}

#[test]
fn many_duplicates_do_not_break_the_tree() {
    // 500 identical points and a few others: knn of a duplicate is all zeros
    let mut data = Array2::<f64>::zeros((520, 3));
    for i in 500..520 {
        data.row_mut(i).fill(i as f64);
    }
    let idx = KnnIndex::new(data.view(), Metric::Chebyshev).unwrap();
    let nb = idx.knn_of_point(0, 10).unwrap();
    assert!(nb.iter().all(|b| b.distance == 0.0 && b.index != 0));
    assert_eq!(
        idx.count_around_point(0, 0.5, Boundary::Strict).unwrap(),
        499
    );
    assert_eq!(
        idx.count_around_point(0, 0.0, Boundary::Closed).unwrap(),
        499
    );
    assert_eq!(idx.count_around_point(0, 0.0, Boundary::Strict).unwrap(), 0);
}
