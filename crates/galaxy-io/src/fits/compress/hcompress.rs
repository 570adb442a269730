//! HCOMPRESS_1 decoding (R. White's H-transform compression, as in the FITS tiled image
//! compression convention), for SMOOTH = 0.
//!
//! A compressed tile is: the magic bytes `DD 99`; `nx`, `ny` and `scale` as big-endian
//! 32-bit integers; the sum of all pixels (the H-transform's first coefficient) as a 64-bit
//! integer; the number of bit planes of the three coefficient kinds (3 bytes); then the four
//! quadrants of the coefficient array (`nx x ny`, `ny` varying fastest), each coded bit
//! plane by bit plane from the most significant: a 4-bit code 0 says the plane is stored
//! directly (one 4-bit nybble per 2x2 block), 0xF that it is quadtree-coded (a Huffman-coded
//! 4-bit code for the top node, then, level by level, a code for every non-zero node, the
//! last level's codes giving the 2x2 blocks of bits); a 4-bit 0 ends the planes; then one
//! sign bit per non-zero coefficient from the next byte boundary. Decoding then multiplies
//! the coefficients by `scale` (when above 1) and inverts the H-transform level by level,
//! rounding each level's coefficients as the encoder did.
//!
//! Written from the published description of the algorithm (White 1992, "High-performance
//! compression of astronomical images") and the FITS tiled-image-compression registry
//! document; results are checked pixel by pixel against files written by astropy 8.

use crate::error::{Error, FitsErrorKind, Result};

fn dec(what: impl Into<String>) -> Error {
    Error::fits(
        None,
        FitsErrorKind::Decode,
        format!("HCOMPRESS_1: {}", what.into()),
    )
}

/// Bit reader over the compressed bytes (most significant bit first).
struct Bits<'a> {
    b: &'a [u8],
    pos: usize,
    buf: u32,
    left: u32,
}

impl<'a> Bits<'a> {
    fn new(b: &'a [u8], pos: usize) -> Self {
        Bits {
            b,
            pos,
            buf: 0,
            left: 0,
        }
    }
    /// Restart at the next byte boundary.
    fn align(&mut self) {
        self.left = 0;
    }
    fn byte(&mut self) -> Result<u32> {
        let v = *self
            .b
            .get(self.pos)
            .ok_or_else(|| dec("compressed data ends early"))?;
        self.pos += 1;
        Ok(v as u32)
    }
    fn bits(&mut self, n: u32) -> Result<u32> {
        if self.left < n {
            self.buf = (self.buf << 8) | self.byte()?;
            self.left += 8;
        }
        self.left -= n;
        Ok((self.buf >> self.left) & ((1 << n) - 1))
    }
    /// Fill `out` with consecutive 4-bit values.
    fn nybbles(&mut self, out: &mut [u8]) -> Result<()> {
        let mut k = 0;
        // realign to a byte boundary with single nybbles, then two per byte
        while k < out.len() && !self.left.is_multiple_of(8) {
            out[k] = self.nybble()? as u8;
            k += 1;
        }
        if self.left == 0 {
            let pairs = (out.len() - k) / 2;
            let bytes = self
                .b
                .get(self.pos..self.pos + pairs)
                .ok_or_else(|| dec("compressed data ends early"))?;
            for (o, &b) in out[k..k + 2 * pairs].chunks_exact_mut(2).zip(bytes) {
                o[0] = b >> 4;
                o[1] = b & 15;
            }
            self.pos += pairs;
            k += 2 * pairs;
        }
        while k < out.len() {
            out[k] = self.nybble()? as u8;
            k += 1;
        }
        Ok(())
    }

    fn bit(&mut self) -> Result<u32> {
        self.bits(1)
    }
    fn nybble(&mut self) -> Result<u32> {
        self.bits(4)
    }
    /// One Huffman-coded 4-bit value (a complete prefix code of 3 to 6 bits).
    fn huffman(&mut self) -> Result<u8> {
        let c = self.bits(3)?;
        if c < 4 {
            return Ok(1 << c);
        }
        let c = (c << 1) | self.bit()?;
        match c {
            8 => return Ok(3),
            9 => return Ok(5),
            10 => return Ok(10),
            11 => return Ok(12),
            12 => return Ok(15),
            _ => {}
        }
        let c = (c << 1) | self.bit()?;
        match c {
            26 => return Ok(6),
            27 => return Ok(7),
            28 => return Ok(9),
            29 => return Ok(11),
            30 => return Ok(13),
            _ => {}
        }
        let c = (c << 1) | self.bit()?;
        Ok(if c == 62 { 0 } else { 14 })
    }
}

fn be_u32(b: &[u8], at: usize) -> Result<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| dec("header ends early"))
}

/// Smallest `l` with `2^l >= n` (n >= 1).
fn log2_ceil(n: usize) -> u32 {
    usize::BITS - (n.max(1) - 1).leading_zeros()
}

/// Decode one tile into `npix` integers (row-major as stored, `ny` varying fastest).
/// `smooth` is the tile's SMOOTH parameter: only 0 is supported.
pub fn decode(b: &[u8], npix: usize, smooth: i64) -> Result<Vec<i64>> {
    if smooth != 0 {
        return Err(Error::fits(
            None,
            FitsErrorKind::Unsupported,
            format!("HCOMPRESS_1 with SMOOTH = {smooth} (only 0 is supported)"),
        ));
    }
    if b.len() < 2 || b[0] != 0xDD || b[1] != 0x99 {
        return Err(dec("bad magic bytes"));
    }
    let nx = be_u32(b, 2)? as usize;
    let ny = be_u32(b, 6)? as usize;
    let scale = be_u32(b, 10)? as i32;
    let sumall = b
        .get(14..22)
        .map(|s| {
            let mut a = [0u8; 8];
            a.copy_from_slice(s);
            i64::from_be_bytes(a)
        })
        .ok_or_else(|| dec("header ends early"))?;
    let planes = b.get(22..25).ok_or_else(|| dec("header ends early"))?;
    let nel = nx
        .checked_mul(ny)
        .ok_or_else(|| dec(format!("tile {nx} x {ny} overflows")))?;
    if nel != npix {
        return Err(dec(format!(
            "tile is {nx} x {ny} = {nel} pixels, the image tile has {npix}"
        )));
    }
    if nel == 0 {
        return Ok(Vec::new());
    }
    if planes.iter().any(|&p| p > 62) {
        return Err(dec(format!("bit plane counts {planes:?} out of range")));
    }
    let mut a = vec![0i64; nel];
    let mut r = Bits::new(b, 25);
    let (nx2, ny2) = (nx.div_ceil(2), ny.div_ceil(2));
    qtree_decode(&mut r, &mut a, 0, ny, nx2, ny2, planes[0] as u32)?;
    qtree_decode(&mut r, &mut a, ny2, ny, nx2, ny / 2, planes[1] as u32)?;
    qtree_decode(&mut r, &mut a, ny * nx2, ny, nx / 2, ny2, planes[1] as u32)?;
    qtree_decode(
        &mut r,
        &mut a,
        ny * nx2 + ny2,
        ny,
        nx / 2,
        ny / 2,
        planes[2] as u32,
    )?;
    if r.nybble()? != 0 {
        return Err(dec("bad bit plane terminator"));
    }
    r.align();
    for v in a.iter_mut() {
        if *v != 0 && r.bit()? != 0 {
            *v = -*v;
        }
    }
    a[0] = sumall;
    if scale > 1 {
        let s = scale as i64;
        for v in a.iter_mut() {
            *v = v
                .checked_mul(s)
                .ok_or_else(|| dec("coefficient overflows after scaling"))?;
        }
    }
    hinv(&mut a, nx, ny)?;
    Ok(a)
}

/// Decode the bit planes of one quadrant (`nqx x nqy` at `off` of `a`, row stride `n`).
fn qtree_decode(
    r: &mut Bits,
    a: &mut [i64],
    off: usize,
    n: usize,
    nqx: usize,
    nqy: usize,
    nbitplanes: u32,
) -> Result<()> {
    let nqmax = nqx.max(nqy);
    let log2n = log2_ceil(nqmax);
    let (nqx2, nqy2) = (nqx.div_ceil(2), nqy.div_ceil(2));
    let mut scratch = vec![0u8; nqx2 * nqy2];
    for bit in (0..nbitplanes).rev() {
        match r.nybble()? {
            0 => {
                // stored directly: one nybble per 2x2 block
                r.nybbles(&mut scratch)?;
            }
            0xF => {
                let mut cur = vec![r.huffman()?];
                let (mut nx, mut ny) = (1usize, 1usize);
                let (mut nfx, mut nfy) = (nqx, nqy);
                let mut c = 1usize << log2n;
                for _ in 1..log2n {
                    c >>= 1;
                    nx <<= 1;
                    ny <<= 1;
                    if nfx <= c {
                        nx -= 1;
                    } else {
                        nfx -= c;
                    }
                    if nfy <= c {
                        ny -= 1;
                    } else {
                        nfy -= c;
                    }
                    cur = qtree_expand(r, &cur, nx, ny)?;
                }
                if cur.len() != scratch.len() {
                    return Err(dec("quadtree levels do not reach the quadrant size"));
                }
                scratch.copy_from_slice(&cur);
            }
            code => return Err(dec(format!("bad bit plane code {code}"))),
        }
        bitins(&scratch, nqx, nqy, a, off, n, bit);
    }
    Ok(())
}

/// Call `f(i, j)` for every set bit of the 4-bit codes of `src` (one code per 2x2 block of an
/// `nx x ny` grid, `(ny+1)/2` codes per row): bit 3 is (2bi, 2bj), bit 2 (2bi, 2bj+1), bit 1
/// (2bi+1, 2bj), bit 0 (2bi+1, 2bj+1); bits falling outside the grid are ignored.
#[inline]
fn for_each_bit(src: &[u8], nx: usize, ny: usize, mut f: impl FnMut(usize, usize)) {
    let ny2 = ny.div_ceil(2);
    if ny2 == 0 {
        return;
    }
    for (bi, row) in src.chunks_exact(ny2).enumerate() {
        let i = 2 * bi;
        let lower = i + 1 < nx;
        for (bj, &code) in row.iter().enumerate() {
            if code == 0 {
                continue;
            }
            let j = 2 * bj;
            let right = j + 1 < ny;
            if code & 8 != 0 {
                f(i, j);
            }
            if code & 4 != 0 && right {
                f(i, j + 1);
            }
            if lower {
                if code & 2 != 0 {
                    f(i + 1, j);
                }
                if code & 1 != 0 && right {
                    f(i + 1, j + 1);
                }
            }
        }
    }
}

/// Expand the 4-bit codes of `src` (`(nx+1)/2 x (ny+1)/2`) into one bit per node of an
/// `nx x ny` level, then read a new Huffman code for every non-zero node (last to first).
fn qtree_expand(r: &mut Bits, src: &[u8], nx: usize, ny: usize) -> Result<Vec<u8>> {
    let mut b = vec![0u8; nx * ny];
    for_each_bit(src, nx, ny, |i, j| b[i * ny + j] = 1);
    for v in b.iter_mut().rev() {
        if *v != 0 {
            *v = r.huffman()?;
        }
    }
    Ok(b)
}

/// OR the bits of the 4-bit codes of `src` (one per 2x2 block of the `nqx x nqy` quadrant)
/// into bit plane `bit` of the quadrant at `off` of `a` (row stride `n`).
fn bitins(src: &[u8], nqx: usize, nqy: usize, a: &mut [i64], off: usize, n: usize, bit: u32) {
    let pv = 1i64 << bit;
    let ny2 = nqy.div_ceil(2);
    if ny2 == 0 || nqx == 0 {
        return;
    }
    let full = nqy / 2;
    // branch-free: bit b of code c gives the mask -((c >> b) & 1) & pv
    let m = |c: u8, b: u32| -(((c >> b) & 1) as i64) & pv;
    for (bi, codes) in src.chunks_exact(ny2).enumerate() {
        let r0 = off + 2 * bi * n;
        if 2 * bi + 1 < nqx {
            let (first, second) = a.split_at_mut(r0 + n);
            let top = &mut first[r0..r0 + nqy];
            let bot = &mut second[..nqy];
            for ((t, b), &c) in top
                .chunks_exact_mut(2)
                .zip(bot.chunks_exact_mut(2))
                .zip(&codes[..full])
            {
                t[0] |= m(c, 3);
                t[1] |= m(c, 2);
                b[0] |= m(c, 1);
                b[1] |= m(c, 0);
            }
            if nqy % 2 == 1 {
                let c = codes[full];
                top[nqy - 1] |= m(c, 3);
                bot[nqy - 1] |= m(c, 1);
            }
        } else {
            let top = &mut a[r0..r0 + nqy];
            for (t, &c) in top.chunks_exact_mut(2).zip(&codes[..full]) {
                t[0] |= m(c, 3);
                t[1] |= m(c, 2);
            }
            if nqy % 2 == 1 {
                top[nqy - 1] |= m(codes[full], 3);
            }
        }
    }
}

/// Interleave in place: the first half of the `n` elements (stride `step`) goes to the
/// even positions, the second half to the odd ones.
fn unshuffle(a: &mut [i64], start: usize, n: usize, step: usize, tmp: &mut Vec<i64>) {
    tmp.clear();
    tmp.extend((0..n).map(|k| a[start + k * step]));
    let nhalf = n.div_ceil(2);
    for k in 0..n {
        let src = if k % 2 == 0 { k / 2 } else { nhalf + k / 2 };
        a[start + k * step] = tmp[src];
    }
}

/// Inverse H-transform of the `nx x ny` coefficients (SMOOTH = 0).
fn hinv(a: &mut [i64], nx: usize, ny: usize) -> Result<()> {
    let nmax = nx.max(ny);
    let log2n = log2_ceil(nmax);
    if log2n == 0 {
        // a single pixel: the transform is the identity
        return Ok(());
    }
    if log2n > 60 {
        return Err(dec(format!("tile {nx} x {ny} too large")));
    }
    let round =
        |v: i64, p: i64, m: i64, mask: i64| v.wrapping_add(if v >= 0 { p } else { m }) & mask;
    let mut shift = 1u32;
    let mut bit0: i64 = 1 << (log2n - 1);
    let mut bit1 = bit0 << 1;
    let bit2 = bit0 << 2;
    let mut mask0 = -bit0;
    let mut mask1 = mask0 << 1;
    let mask2 = mask0 << 2;
    let mut prnd0 = bit0 >> 1;
    let mut prnd1 = bit1 >> 1;
    let prnd2 = bit2 >> 1;
    let mut nrnd0 = prnd0 - 1;
    let mut nrnd1 = prnd1 - 1;
    let nrnd2 = prnd2 - 1;
    a[0] = round(a[0], prnd2, nrnd2, mask2);
    let (mut nxtop, mut nytop) = (1usize, 1usize);
    let (mut nxf, mut nyf) = (nx, ny);
    let mut c = 1usize << log2n;
    let mut tmp = Vec::with_capacity(nmax);
    for k in (0..log2n).rev() {
        c >>= 1;
        nxtop <<= 1;
        nytop <<= 1;
        if nxf <= c {
            nxtop -= 1;
        } else {
            nxf -= c;
        }
        if nyf <= c {
            nytop -= 1;
        } else {
            nyf -= c;
        }
        if k == 0 {
            nrnd0 = 0;
            shift = 2;
        }
        for i in 0..nxtop {
            unshuffle(a, ny * i, nytop, 1, &mut tmp);
        }
        for j in 0..nytop {
            unshuffle(a, j, nxtop, ny, &mut tmp);
        }
        let (oddx, oddy) = (nxtop % 2, nytop % 2);
        let mut i = 0;
        while i + oddx < nxtop {
            let mut s00 = ny * i;
            let mut s10 = s00 + ny;
            let mut j = 0;
            while j + oddy < nytop {
                let mut h0 = a[s00];
                let mut hx = round(a[s10], prnd1, nrnd1, mask1);
                let mut hy = round(a[s00 + 1], prnd1, nrnd1, mask1);
                let hc = round(a[s10 + 1], prnd0, nrnd0, mask0);
                // propagate bit 0 of hc to hx, hy
                let lowbit0 = hc & bit0;
                hx = if hx >= 0 {
                    hx.wrapping_sub(lowbit0)
                } else {
                    hx.wrapping_add(lowbit0)
                };
                hy = if hy >= 0 {
                    hy.wrapping_sub(lowbit0)
                } else {
                    hy.wrapping_add(lowbit0)
                };
                // propagate bits 0 and 1 of hc, hx, hy to h0
                let lowbit1 = (hc ^ hx ^ hy) & bit1;
                h0 = if h0 >= 0 {
                    h0.wrapping_add(lowbit0 - lowbit1)
                } else if lowbit0 == 0 {
                    h0.wrapping_add(lowbit1)
                } else {
                    h0.wrapping_add(lowbit0 - lowbit1)
                };
                // wrapping: corrupt coefficients give garbage, never a panic; valid tiles
                // stay far from the i64 range
                let (p, q) = (h0.wrapping_add(hx), h0.wrapping_sub(hx));
                let (r, t) = (hy.wrapping_add(hc), hy.wrapping_sub(hc));
                a[s10 + 1] = p.wrapping_add(r) >> shift;
                a[s10] = p.wrapping_sub(r) >> shift;
                a[s00 + 1] = q.wrapping_add(t) >> shift;
                a[s00] = q.wrapping_sub(t) >> shift;
                s00 += 2;
                s10 += 2;
                j += 2;
            }
            if oddy == 1 {
                // last element of an odd-length row
                let h0 = a[s00];
                let hx = round(a[s10], prnd1, nrnd1, mask1);
                let lowbit1 = hx & bit1;
                let h0 = if h0 >= 0 {
                    h0.wrapping_sub(lowbit1)
                } else {
                    h0.wrapping_add(lowbit1)
                };
                a[s10] = h0.wrapping_add(hx) >> shift;
                a[s00] = h0.wrapping_sub(hx) >> shift;
            }
            i += 2;
        }
        if oddx == 1 {
            // last row of an odd-length column
            let mut s00 = ny * i;
            let mut j = 0;
            while j + oddy < nytop {
                let h0 = a[s00];
                let hy = round(a[s00 + 1], prnd1, nrnd1, mask1);
                let lowbit1 = hy & bit1;
                let h0 = if h0 >= 0 {
                    h0.wrapping_sub(lowbit1)
                } else {
                    h0.wrapping_add(lowbit1)
                };
                a[s00 + 1] = h0.wrapping_add(hy) >> shift;
                a[s00] = h0.wrapping_sub(hy) >> shift;
                s00 += 2;
                j += 2;
            }
            if oddy == 1 {
                a[s00] >>= shift;
            }
        }
        // halve the masks and rounding values for the next level
        bit1 = bit0;
        bit0 >>= 1;
        mask1 = mask0;
        mask0 >>= 1;
        prnd1 = prnd0;
        prnd0 >>= 1;
        nrnd1 = nrnd0;
        nrnd0 = prnd0 - 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_ceil_values() {
        assert_eq!([1, 2, 3, 4, 5, 8, 9].map(log2_ceil), [0, 1, 2, 2, 3, 3, 4]);
    }

    #[test]
    fn huffman_code_is_complete() {
        // every 4-bit value has a code; decode the concatenation of all 16 codes
        let codes: [(u32, u32); 16] = [
            (0b111110, 6),
            (0b000, 3),
            (0b001, 3),
            (0b1000, 4),
            (0b010, 3),
            (0b1001, 4),
            (0b11010, 5),
            (0b11011, 5),
            (0b011, 3),
            (0b11100, 5),
            (0b1010, 4),
            (0b11101, 5),
            (0b1011, 4),
            (0b11110, 5),
            (0b111111, 6),
            (0b1100, 4),
        ];
        let mut acc: u128 = 0;
        let mut n = 0;
        for (c, l) in codes {
            acc = (acc << l) | c as u128;
            n += l;
        }
        let pad = (8 - n % 8) % 8;
        acc <<= pad;
        let bytes: Vec<u8> = (0..(n + pad) / 8)
            .rev()
            .map(|k| (acc >> (8 * k)) as u8)
            .collect();
        let mut r = Bits::new(&bytes, 0);
        for v in 0..16u8 {
            assert_eq!(r.huffman().unwrap(), v);
        }
    }

    #[test]
    fn corrupt_tiles_are_errors() {
        assert!(decode(&[0xDD], 4, 0).is_err());
        assert!(decode(&[0xDD, 0x98, 0, 0], 4, 0).is_err());
        let mut h = vec![0xDD, 0x99, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0];
        h.extend_from_slice(&[0; 8]);
        h.extend_from_slice(&[1, 1, 1]);
        // 2 x 2 tile but 5 pixels expected
        assert!(decode(&h, 5, 0).is_err());
        // data ends before the bit planes
        assert!(decode(&h, 4, 0).is_err());
        // SMOOTH != 0
        let e = decode(&h, 4, 1).unwrap_err();
        assert_eq!(e.fits_kind(), Some(FitsErrorKind::Unsupported));
    }
}
