//! Survey directory: round trip, atomic replacement, and typed errors for inconsistent directories.

use galaxy_io::mock::MockParams;
use galaxy_io::survey::{Missing, Splits, Survey};

fn small_survey() -> Survey {
    let mock = MockParams::new(10)
        .seed(4)
        .image_size(16)
        .check()
        .unwrap()
        .generate()
        .unwrap();
    Survey::from_mock(mock, Splits::random(10, (0.6, 0.2), 2).unwrap()).unwrap()
}

#[test]
fn round_trip_keeps_everything() {
    let s = small_survey();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s");
    s.write(&p, false).unwrap();
    let back = Survey::read(&p).unwrap();
    assert_eq!(back.images, s.images);
    assert_eq!(back.splits, s.splits);
    assert_eq!(back.manifest, s.manifest);
    assert_eq!(back.catalog.names(), s.catalog.names());
    for name in s.catalog.names() {
        if name == "class" || name == "id" {
            assert_eq!(
                back.catalog.i64(name).unwrap(),
                s.catalog.i64(name).unwrap()
            );
        } else {
            assert_eq!(
                back.catalog.f64(name).unwrap(),
                s.catalog.f64(name).unwrap(),
                "{name}"
            );
        }
    }
    assert!(back.manifest.truth_dag.is_some());
    // the writer refuses to replace without overwrite, and replaces with it
    assert!(s.write(&p, false).is_err());
    s.write(&p, true).unwrap();
    // no temporary directories are left behind
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn refuses_to_replace_a_non_survey_directory() {
    let s = small_survey();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
    assert!(s.write(dir.path(), true).is_err());
    assert!(dir.path().join("precious.txt").exists());
}

#[test]
fn inconsistent_directories_are_typed_errors() {
    let s = small_survey();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s");
    s.write(&p, false).unwrap();
    // manifest claims another galaxy count
    let m = std::fs::read_to_string(p.join("manifest.json")).unwrap();
    std::fs::write(
        p.join("manifest.json"),
        m.replace("\"n_galaxies\": 10", "\"n_galaxies\": 11"),
    )
    .unwrap();
    let err = Survey::read(&p).unwrap_err();
    assert!(err.to_string().contains("images"), "{err}");
    std::fs::write(p.join("manifest.json"), &m).unwrap();
    // splits out of range
    std::fs::write(
        p.join("splits.json"),
        r#"{"train": [0, 99], "validation": [], "test": []}"#,
    )
    .unwrap();
    assert!(
        Survey::read(&p)
            .unwrap_err()
            .to_string()
            .contains("out of range")
    );
    // garbage JSON
    std::fs::write(p.join("splits.json"), "{not json").unwrap();
    assert!(Survey::read(&p).is_err());
    // missing file
    std::fs::remove_file(p.join("images.fits")).unwrap();
    assert!(Survey::read(&p).is_err());
}

#[test]
fn manifest_sentinels_become_masks() {
    let mut s = small_survey();
    let spec = s
        .manifest
        .columns
        .iter_mut()
        .find(|c| c.name == "petroMag_u")
        .unwrap();
    spec.missing = Missing::AbsAtLeast { threshold: 19.0 };
    let faint = s
        .catalog
        .f64("petroMag_u")
        .unwrap()
        .iter()
        .filter(|v| v.abs() >= 19.0)
        .count();
    assert!(faint > 0);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s");
    s.write(&p, false).unwrap();
    let back = Survey::read(&p).unwrap();
    assert_eq!(
        back.catalog
            .missing("petroMag_u")
            .unwrap()
            .iter()
            .filter(|&&m| m)
            .count(),
        faint
    );
}
