//! GZIP_1 / GZIP_2 tiles: gzip (or zlib) streams; GZIP_2 shuffles bytes by significance.

use crate::error::{Error, FitsErrorKind, Result};
use std::io::Read;

/// Decompress a gzip stream (zlib streams are accepted too).
pub fn gunzip(b: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len() * 4);
    let r = if b.len() >= 2 && b[0] == 0x1f && b[1] == 0x8b {
        flate2::read::MultiGzDecoder::new(b).read_to_end(&mut out)
    } else {
        flate2::read::ZlibDecoder::new(b).read_to_end(&mut out)
    };
    r.map_err(|e| Error::fits(None, FitsErrorKind::Decode, format!("gzip tile: {e}")))?;
    Ok(out)
}

/// Undo GZIP_2 byte shuffling: the stream holds all first (most significant) bytes, then
/// all second bytes, ...; returns big-endian elements of `item` bytes.
pub fn unshuffle(b: &[u8], item: usize) -> Vec<u8> {
    if item <= 1 || !b.len().is_multiple_of(item) {
        return b.to_vec();
    }
    let n = b.len() / item;
    let mut out = vec![0u8; b.len()];
    for k in 0..item {
        let plane = &b[k * n..(k + 1) * n];
        for (i, &x) in plane.iter().enumerate() {
            out[i * item + k] = x;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unshuffle_inverts_shuffle() {
        let vals: Vec<u8> = (0u8..24).collect();
        // shuffle 4-byte items by hand
        let n = 6;
        let mut sh = vec![0u8; 24];
        for i in 0..n {
            for k in 0..4 {
                sh[k * n + i] = vals[i * 4 + k];
            }
        }
        assert_eq!(unshuffle(&sh, 4), vals);
        assert!(gunzip(&[1, 2, 3]).is_err());
    }
}
