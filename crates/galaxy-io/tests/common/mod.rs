//! Helpers shared by the integration tests: comparison of `inspect` summaries with the
//! astropy summaries written by `scripts/compare_fits_astropy.py`.
#![allow(dead_code)]

use serde_json::Value;

/// Numbers equal to relative 1e-9 (integers exactly), arrays elementwise, nulls equal.
pub fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| close(p, q))
        }
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(i), Some(j)) = (x.as_i64(), y.as_i64()) {
                return i == j;
            }
            let (p, q) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (p - q).abs() <= 1e-9 * p.abs().max(q.abs()) || (p - q).abs() <= 1e-12
        }
        _ => false,
    }
}

/// Assert that our summary of a file agrees with astropy's; returns the number of values
/// compared. HDUs that astropy reports as HCOMPRESS_1/PLIO_1 may be `unsupported` on our side.
pub fn assert_matches(label: &str, ours: &Value, refs: &Value) -> usize {
    let mut n = 0;
    let oh = ours["hdus"].as_array().unwrap();
    let rh = refs["hdus"].as_array().unwrap();
    assert_eq!(oh.len(), rh.len(), "{label}: HDU count");
    for (o, r) in oh.iter().zip(rh) {
        let i = &r["index"];
        if r.get("astropy_error").is_some() {
            continue;
        }
        let z = r.get("zcmptype").and_then(Value::as_str).unwrap_or("");
        if (z == "HCOMPRESS_1" || z == "PLIO_1") && o["kind"] == "unsupported" {
            n += 1;
            continue;
        }
        assert_eq!(
            o["kind"], r["kind"],
            "{label} HDU {i}: kind ({})",
            o["error"]
        );
        assert_eq!(o["bitpix"], r["bitpix"], "{label} HDU {i}: bitpix");
        assert_eq!(o["shape"], r["shape"], "{label} HDU {i}: shape");
        if let Some(t) = r.get("stats") {
            let s = &o["stats"];
            for k in ["count", "missing"] {
                assert_eq!(s[k], t[k], "{label} HDU {i}: {k}");
            }
            for k in ["min", "max", "sum"] {
                assert!(
                    close(&s[k], &t[k]),
                    "{label} HDU {i}: {k} {} vs {}",
                    s[k],
                    t[k]
                );
                n += 1;
            }
        }
        if let Some(tc) = r.get("columns") {
            assert_eq!(o["rows"], r["rows"], "{label} HDU {i}: rows");
            let oc = o["columns"].as_array().unwrap();
            let tc = tc.as_array().unwrap();
            assert_eq!(oc.len(), tc.len(), "{label} HDU {i}: columns");
            for (a, b) in oc.iter().zip(tc) {
                assert_eq!(a["name"], b["name"]);
                assert_eq!(
                    a["count"], b["count"],
                    "{label} HDU {i} {}: count",
                    b["name"]
                );
                assert_eq!(
                    a["missing"], b["missing"],
                    "{label} HDU {i} {}: missing",
                    b["name"]
                );
                assert!(
                    close(&a["sum"], &b["sum"]),
                    "{label} HDU {i} {}: sum {} vs {}",
                    b["name"],
                    a["sum"],
                    b["sum"]
                );
                n += 1;
            }
        }
    }
    n
}
