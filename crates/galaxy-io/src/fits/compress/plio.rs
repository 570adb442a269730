//! PLIO_1 decoding: IRAF's pixel-list "line list" encoding of integer masks, as used by the
//! FITS tiled image compression convention (the tile's COMPRESSED_DATA is an array of 16-bit
//! words).
//!
//! A line list starts with a header: the old format has 3 words (the list length in word 2,
//! instructions from word 3); the new format (word 2 negative, -100) has a variable-length
//! header whose length is word 1, with the list length in words 3 (low 15 bits) and 4 (high
//! bits). Each following word is an instruction: the opcode in bits 12..14 and a 12-bit
//! datum. The decoder keeps a current "high value" (initially 1) and an output position:
//!
//! | opcode | name | action |
//! |---|---|---|
//! | 0 | ZN | output `data` zeros |
//! | 1 | SH | set the high value to `(next word << 12) + data` (consumes the next word) |
//! | 2 | IH | add `data` to the high value |
//! | 3 | DH | subtract `data` from the high value |
//! | 4 | HN | output `data` pixels of the high value |
//! | 5 | PN | output `data - 1` zeros, then one pixel of the high value |
//! | 6 | IS | add `data` to the high value and output one pixel of it |
//! | 7 | DS | subtract `data` from the high value and output one pixel of it |
//!
//! Pixels not covered by the list are zero. Written from the description of the format in
//! IRAF's PLIO documentation and the FITS tiled-image-compression registry document; the
//! opcode numbers were checked against files written by astropy 8 (CFITSIO).

use crate::error::{Error, FitsErrorKind, Result};

fn dec(what: String) -> Error {
    Error::fits(None, FitsErrorKind::Decode, format!("PLIO_1: {what}"))
}

/// Decode one tile's line list (big-endian 16-bit words) into `npix` pixel values.
pub fn decode(bytes: &[u8], npix: usize) -> Result<Vec<i64>> {
    if !bytes.len().is_multiple_of(2) {
        return Err(dec(format!(
            "{} bytes is not a whole number of 16-bit words",
            bytes.len()
        )));
    }
    let ll: Vec<i16> = bytes
        .as_chunks::<2>()
        .0
        .iter()
        .map(|c| i16::from_be_bytes(*c))
        .collect();
    if ll.len() < 3 {
        return Err(dec(format!(
            "line list of {} words has no header",
            ll.len()
        )));
    }
    // (end of the list, exclusive; first instruction), as word indices
    let (end, first) = if ll[2] > 0 {
        (ll[2] as usize, 3usize)
    } else {
        if ll.len() < 5 || ll[1] < 5 || ll[3] < 0 || ll[4] < 0 {
            return Err(dec("malformed line-list header".into()));
        }
        (((ll[4] as usize) << 15) + ll[3] as usize, ll[1] as usize)
    };
    if end > ll.len() {
        return Err(dec(format!(
            "line list claims {end} words, tile holds {}",
            ll.len()
        )));
    }
    let mut out = vec![0i64; npix];
    let mut op = 0usize; // next output pixel
    let mut pv: i64 = 1; // current high value
    let mut ip = first;
    let overflow = || {
        dec(format!(
            "line list describes more than the tile's {npix} pixels"
        ))
    };
    while ip < end {
        let word = ll[ip];
        if word < 0 {
            return Err(dec(format!("invalid instruction word {word} at {ip}")));
        }
        let opcode = (word as u16) >> 12;
        let data = (word as u16 & 0x0fff) as i64;
        match opcode {
            0 | 4 | 5 => {
                let n = data as usize;
                let stop = op
                    .checked_add(n)
                    .filter(|&s| s <= npix)
                    .ok_or_else(overflow)?;
                if opcode == 4 {
                    out[op..stop].fill(pv);
                } else if opcode == 5 && n > 0 {
                    // zeros are already there; the last pixel takes the high value
                    out[stop - 1] = pv;
                }
                op = stop;
            }
            1 => {
                let next = *ll
                    .get(ip + 1)
                    .filter(|_| ip + 1 < end)
                    .ok_or_else(|| dec("SH instruction without its second word".into()))?;
                pv = ((next as i64) << 12) + data;
                ip += 1;
            }
            2 => pv += data,
            3 => pv -= data,
            6 | 7 => {
                pv += if opcode == 6 { data } else { -data };
                if op >= npix {
                    return Err(overflow());
                }
                out[op] = pv;
                op += 1;
            }
            _ => return Err(dec(format!("unknown opcode {opcode} at word {ip}"))),
        }
        ip += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[i16]) -> Vec<u8> {
        w.iter().flat_map(|x| x.to_be_bytes()).collect()
    }

    #[test]
    fn hand_encoded_list_decodes() {
        // new-format header (7 words, list length 13), then:
        // ZN 2; IS 4 (pv 5); HN 3; SH 1:7 (pv 4096 + 7); PN 2; DS 3 (pv 4100)
        let ll = [
            0, 7, -100, 13, 0, 0, 0, 2, 0x6004, 0x4003, 0x1007, 1, 0x5002, 0x7003,
        ];
        let v = decode(&words(&ll[..13]), 12).unwrap();
        assert_eq!(v, vec![0, 0, 5, 5, 5, 5, 0, 4103, 0, 0, 0, 0]);
        // a list longer than its words is corrupt
        let mut long = ll[..13].to_vec();
        long[3] = 20;
        assert!(decode(&words(&long), 12).is_err());
        let mut full = ll.to_vec();
        full[3] = 14;
        let v = decode(&words(&full), 10).unwrap();
        assert_eq!(v, vec![0, 0, 5, 5, 5, 5, 0, 4103, 4100, 0]);
        // old-format header: length in word 2, instructions from word 3
        let v = decode(&words(&[0, 0, 5, 0x4002, 0x6001]), 4).unwrap();
        assert_eq!(v, vec![1, 1, 2, 0]);
    }

    #[test]
    fn corrupt_lists_are_errors() {
        assert!(decode(&[1, 2, 3], 4).is_err());
        assert!(decode(&words(&[0, 7]), 4).is_err());
        // more pixels than the tile
        assert!(decode(&words(&[0, 0, 4, 0x4005]), 4).is_err());
        // SH without its second word
        assert!(decode(&words(&[0, 0, 4, 0x1001]), 4).is_err());
        // negative instruction word
        assert!(decode(&words(&[0, 0, 4, -5]), 4).is_err());
    }
}
