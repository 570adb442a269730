//! Rice decoding (the FITS `RICE_1` algorithm, as in the tiled image convention).
//!
//! A tile starts with the first pixel value stored raw in `bytepix` big-endian bytes; then
//! blocks of `blocksize` pixels, each with a `fsbits`-bit split parameter `fs + 1`: 0 means
//! all differences zero, the maximum means raw differences of `8 * bytepix` bits, else each
//! difference is a unary-coded high part followed by `fs` low bits. Differences are
//! zig-zag mapped and accumulate, wrapping in the pixel width.

use crate::error::{Error, FitsErrorKind, Result};

struct Bits<'a> {
    b: &'a [u8],
    pos: usize, // bit position
}

impl<'a> Bits<'a> {
    /// The next `n` bits (n <= 32), most significant first, from one 8-byte window.
    #[inline]
    fn bits(&mut self, n: u32) -> Option<u64> {
        if n == 0 {
            return Some(0);
        }
        let end = self.pos + n as usize;
        if end > self.b.len() * 8 {
            return None;
        }
        let byte = self.pos >> 3;
        let off = (self.pos & 7) as u32;
        let mut w = [0u8; 8];
        let avail = (self.b.len() - byte).min(8);
        w[..avail].copy_from_slice(&self.b[byte..byte + avail]);
        self.pos = end;
        Some((u64::from_be_bytes(w) << off) >> (64 - n))
    }
    /// Count zero bits before the next 1 bit (consumes the 1).
    #[inline]
    fn unary(&mut self) -> Option<u32> {
        let mut n = 0u32;
        loop {
            let byte_idx = self.pos >> 3;
            let byte = *self.b.get(byte_idx)?;
            let off = self.pos & 7;
            let rest = (byte << off) as u32 & 0xff;
            if rest == 0 {
                n += 8 - off as u32;
                self.pos += 8 - off;
                continue;
            }
            let lz = rest.leading_zeros() - 24;
            n += lz;
            self.pos += lz as usize + 1;
            return Some(n);
        }
    }
}

fn err(what: String) -> Error {
    Error::fits(None, FitsErrorKind::Decode, format!("RICE_1: {what}"))
}

/// Decode `npix` values of `bytepix` bytes (1, 2 or 4) into i64 (signed for 2 and 4 bytes,
/// unsigned for 1 byte, as cfitsio does).
pub fn decode(input: &[u8], npix: usize, bytepix: usize, blocksize: usize) -> Result<Vec<i64>> {
    let (fsbits, fsmax, bbits, mask): (u32, i64, u32, u64) = match bytepix {
        1 => (3, 6, 8, 0xff),
        2 => (4, 14, 16, 0xffff),
        4 => (5, 25, 32, 0xffff_ffff),
        _ => {
            return Err(Error::fits(
                None,
                FitsErrorKind::Unsupported,
                format!("RICE_1 with BYTEPIX = {bytepix}"),
            ));
        }
    };
    if blocksize == 0 {
        return Err(err("BLOCKSIZE = 0".into()));
    }
    if input.len() < bytepix {
        return Err(err(format!(
            "tile of {} bytes is shorter than its first pixel",
            input.len()
        )));
    }
    // reinterpret in the pixel width (signed for 2 and 4 bytes)
    let conv = |v: u64| -> i64 {
        match bytepix {
            1 => v as i64,
            2 => v as u16 as i16 as i64,
            _ => v as u32 as i32 as i64,
        }
    };
    let mut out: Vec<i64> = Vec::with_capacity(npix);
    let mut last: u64 = 0;
    for &b in &input[..bytepix] {
        last = (last << 8) | b as u64;
    }
    let mut bits = Bits {
        b: &input[bytepix..],
        pos: 0,
    };
    let short = || {
        err(format!(
            "compressed tile ends early ({npix} pixels expected)"
        ))
    };
    while out.len() < npix {
        let fs = bits.bits(fsbits).ok_or_else(short)? as i64 - 1;
        let n = blocksize.min(npix - out.len());
        if fs < 0 {
            out.extend(std::iter::repeat_n(conv(last), n));
        } else if fs == fsmax {
            for _ in 0..n {
                let diff = bits.bits(bbits).ok_or_else(short)?;
                let d = if diff & 1 == 0 {
                    diff >> 1
                } else {
                    !(diff >> 1) & mask
                };
                last = last.wrapping_add(d) & mask;
                out.push(conv(last));
            }
        } else {
            for _ in 0..n {
                let hi = bits.unary().ok_or_else(short)? as u64;
                let lo = bits.bits(fs as u32).ok_or_else(short)?;
                let diff = (hi << fs) | lo;
                let d = if diff & 1 == 0 {
                    diff >> 1
                } else {
                    !(diff >> 1) & mask
                };
                last = last.wrapping_add(d) & mask;
                out.push(conv(last));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A straightforward Rice encoder (test-only) to check the decoder on known values.
    fn encode(vals: &[i64], bytepix: usize, blocksize: usize) -> Vec<u8> {
        let (fsbits, fsmax, bbits) = match bytepix {
            1 => (3u32, 6i64, 8u32),
            2 => (4, 14, 16),
            _ => (5, 25, 32),
        };
        let mask: u64 = if bbits == 32 {
            0xffff_ffff
        } else {
            (1u64 << bbits) - 1
        };
        let mut bitsv: Vec<u8> = Vec::new();
        let push = |v: u64, n: u32, bitsv: &mut Vec<u8>| {
            for i in (0..n).rev() {
                bitsv.push(((v >> i) & 1) as u8);
            }
        };
        let mut out = Vec::new();
        let first = vals[0] as u64 & mask;
        for i in (0..bytepix).rev() {
            out.push((first >> (8 * i)) as u8);
        }
        let mut last = first;
        for chunk in vals.chunks(blocksize) {
            let diffs: Vec<u64> = chunk
                .iter()
                .map(|&v| {
                    let v = v as u64 & mask;
                    let d = v.wrapping_sub(last) & mask;
                    last = v;
                    // signed diff in width
                    let sd = match bbits {
                        8 => d as u8 as i8 as i64,
                        16 => d as u16 as i16 as i64,
                        _ => d as u32 as i32 as i64,
                    };
                    (if sd >= 0 {
                        (sd as u64) << 1
                    } else {
                        ((!sd as u64) << 1) | 1
                    }) & mask
                })
                .collect();
            let sum: f64 = diffs.iter().map(|&d| d as f64).sum();
            let mean = sum / diffs.len() as f64;
            let mut fs = 0i64;
            let mut m = mean;
            while m >= 1.0 && fs < fsmax {
                m /= 2.0;
                fs += 1;
            }
            if diffs.iter().all(|&d| d == 0) {
                push(0, fsbits, &mut bitsv);
            } else if fs >= fsmax {
                push((fsmax + 1) as u64, fsbits, &mut bitsv);
                for &d in &diffs {
                    push(d, bbits, &mut bitsv);
                }
            } else {
                push((fs + 1) as u64, fsbits, &mut bitsv);
                for &d in &diffs {
                    let hi = d >> fs;
                    bitsv.extend(std::iter::repeat_n(0, hi as usize));
                    bitsv.push(1);
                    push(d & ((1u64 << fs) - 1), fs as u32, &mut bitsv);
                }
            }
        }
        for ch in bitsv.chunks(8) {
            let mut b = 0u8;
            for (i, &x) in ch.iter().enumerate() {
                b |= x << (7 - i);
            }
            out.push(b);
        }
        out
    }

    #[test]
    fn decodes_what_the_reference_encoder_writes() {
        let vals32: Vec<i64> = (0..1000)
            .map(|i| ((i * 7919) % 1013) as i64 - 500 + if i % 97 == 0 { 2_000_000_000 } else { 0 })
            .collect();
        let enc = encode(&vals32, 4, 32);
        assert_eq!(decode(&enc, vals32.len(), 4, 32).unwrap(), vals32);
        let vals16: Vec<i64> = (0..777)
            .map(|i| ((i * 31) % 200) as i64 - 100)
            .chain([i16::MIN as i64, i16::MAX as i64, 0, 0, 0])
            .collect();
        let enc = encode(&vals16, 2, 16);
        assert_eq!(decode(&enc, vals16.len(), 2, 16).unwrap(), vals16);
        let vals8: Vec<i64> = (0..300).map(|i| ((i * 13) % 256) as i64).collect();
        let enc = encode(&vals8, 1, 32);
        assert_eq!(decode(&enc, vals8.len(), 1, 32).unwrap(), vals8);
        let zeros = vec![5i64; 100];
        let enc = encode(&zeros, 4, 32);
        assert_eq!(decode(&enc, 100, 4, 32).unwrap(), zeros);
    }

    #[test]
    fn truncated_input_is_an_error() {
        let vals: Vec<i64> = (0..200).map(|i| (i * i) as i64 % 5000).collect();
        let enc = encode(&vals, 4, 32);
        for cut in [0, 3, 5, enc.len() / 2] {
            assert!(decode(&enc[..cut], vals.len(), 4, 32).is_err());
        }
        assert!(decode(&enc, vals.len(), 8, 32).is_err());
    }
}
