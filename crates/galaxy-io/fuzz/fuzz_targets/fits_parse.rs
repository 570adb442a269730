//! Fuzz the FITS parser: any bytes (also as whole-file gzip/bzip2) must give a file or a
//! typed error, and every HDU of a parsed file must decode or give a typed error; never a
//! panic, hang or unbounded allocation.
//!
//! Run (nightly + cargo-fuzz): `cd crates/galaxy-io/fuzz && cargo +nightly fuzz run fits_parse`
//! Seeds: `crates/galaxy-io/tests/data/compressed/*.fits` make a good starting corpus:
//! `cargo +nightly fuzz run fits_parse ../tests/data/compressed`.
#![no_main]

use galaxy_io::fits::inspect::inspect;
use galaxy_io::fits::{FitsFile, decompress_whole_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(bytes) = decompress_whole_file(data.to_vec(), "fuzz") else {
        return;
    };
    if let Ok(f) = FitsFile::from_bytes(bytes, "fuzz") {
        let _ = inspect(&f, true);
        for h in f.hdus() {
            if let Ok(img) = f.image(h.index) {
                let _ = img.to_f32();
            }
            if let Ok(t) = f.table(h.index) {
                let _ = galaxy_io::Catalog::from_table(&t);
            }
        }
    }
});
