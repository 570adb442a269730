//! Permutation tests and the table reader.
mod common;

use common::*;
use info_decomp::significance::{PermutationTest, mi_permutation_test, pid_permutation_test};
use info_decomp::table::{Table, write_columns_csv};
use info_decomp::{Estimator, InfoError, Measure, MiParams, PidParams};

#[test]
fn permutation_test_separates_dependence_from_independence() {
    let (x, y) = correlated(400, 0.5, 2);
    let test = PermutationTest::new(99, 7).unwrap();
    for e in [Estimator::Gcmi, Estimator::Ksg1] {
        let est = MiParams::new(e).check().unwrap();
        let dep = mi_permutation_test(&est, x.view(), y.view(), None, &test).unwrap();
        assert_eq!(
            dep.p_value, 0.01,
            "{e}: dependent data beat every permutation"
        );
        let mut r = rng(4);
        let yi = normals(&mut r, 400, 1);
        let ind = mi_permutation_test(&est, x.view(), yi.view(), None, &test).unwrap();
        assert!(ind.p_value > 0.05, "{e}: {}", ind.p_value);
        let again = mi_permutation_test(&est, x.view(), yi.view(), None, &test).unwrap();
        assert_eq!(ind, again, "seeded");
        // null estimates centre near zero
        let m = ind.null.iter().sum::<f64>() / 99.0;
        assert!(m.abs() < 0.03, "{e}: null mean {m}");
    }
    assert!(PermutationTest::new(0, 1).is_err());
}

#[test]
fn pid_permutation_p_values() {
    let mut r = rng(9);
    let n = 500;
    let x1 = normals(&mut r, n, 1);
    let x2 = normals(&mut r, n, 1);
    let y = &x1 + &(normals(&mut r, n, 1) * 0.5);
    let pid = PidParams::new(Measure::Mmi, Estimator::Gauss)
        .check()
        .unwrap();
    let s = pid_permutation_test(
        &pid,
        x1.view(),
        x2.view(),
        y.view(),
        &PermutationTest::new(49, 3).unwrap(),
    )
    .unwrap();
    assert_eq!(s.null.len(), 49);
    assert_eq!(s.p_values.unique1, 0.02); // unique information of x1 is significant
    assert_eq!(s.p_values.total, 0.02);
    assert!(s.p_values.unique2 > 0.05); // x2 carries nothing
}

#[test]
fn tables_parse_and_fail_with_typed_errors() {
    let t = Table::parse("# comment\na b  c\n1 2 3\n4 5 6\n", "ws").unwrap();
    assert_eq!(t.names(), &["a", "b", "c"]);
    assert_eq!(t.nrows(), 2);
    assert_eq!(t.column("b").unwrap(), &[2.0, 5.0]);
    let c = Table::parse("x, y\n1.5, nan\n", "csv").unwrap();
    assert!(c.column("y").unwrap()[0].is_nan());
    assert!(matches!(t.column("d"), Err(InfoError::UnknownName { .. })));
    assert!(matches!(
        Table::parse("a,b\n1,2\n3\n", "r"),
        Err(InfoError::Parse { line: 3, .. })
    ));
    assert!(matches!(
        Table::parse("a,b\n1,x\n", "r"),
        Err(InfoError::Parse { line: 2, .. })
    ));
    assert!(matches!(
        Table::parse("a,a\n1,2\n", "r"),
        Err(InfoError::Parse { .. })
    ));
    assert!(matches!(
        Table::parse("", "r"),
        Err(InfoError::Parse { .. })
    ));
    assert!(matches!(
        Table::read("/nonexistent/file.csv"),
        Err(InfoError::Io { .. })
    ));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("local.csv");
    write_columns_csv(&p, &[("a", &[1.0, 2.0]), ("b", &[3.0, 4.5])]).unwrap();
    let back = Table::read(&p).unwrap();
    assert_eq!(back.column("b").unwrap(), &[3.0, 4.5]);
    assert!(matches!(
        write_columns_csv(&p, &[("a", &[1.0]), ("b", &[3.0, 4.5])]),
        Err(InfoError::LengthMismatch { .. })
    ));
}
