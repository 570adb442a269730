//! Tile-compressed images (the FITS tiled image compression convention): RICE_1, GZIP_1,
//! GZIP_2 and NOCOMPRESS with any tile shape and BYTEPIX; quantized floats with NO_DITHER,
//! SUBTRACTIVE_DITHER_1 and SUBTRACTIVE_DITHER_2 and ZBLANK; lossless fallback tiles in
//! GZIP_COMPRESSED_DATA / UNCOMPRESSED_DATA; PLIO_1 (see [`plio`]); HCOMPRESS_1 with
//! SMOOTH = 0 (see [`hcompress`]; other SMOOTH values give a typed `Unsupported` error).
//! Decoded values equal astropy 8's.

pub mod gzip;
pub mod hcompress;
pub mod plio;
pub mod quantize;
pub mod rice;

use super::image::Pixels;
use super::table::ElemType;
use super::{Card, Hdu, Header, Image, Table, Value};
use crate::error::{Error, FitsErrorKind, Result};
use rayon::prelude::*;

fn dec(what: String) -> Error {
    Error::fits(None, FitsErrorKind::Decode, what)
}

/// Keywords of the compressed table that do not belong to the image header.
fn is_table_keyword(k: &str) -> bool {
    const EXACT: &[&str] = &[
        "XTENSION", "BITPIX", "NAXIS", "PCOUNT", "GCOUNT", "TFIELDS", "THEAP", "ZIMAGE",
        "ZCMPTYPE", "ZBITPIX", "ZNAXIS", "ZSIMPLE", "ZEXTEND", "ZBLOCKED", "ZPCOUNT", "ZGCOUNT",
        "ZTENSION", "ZQUANTIZ", "ZDITHER0", "ZHECKSUM", "ZDATASUM", "CHECKSUM", "DATASUM",
        "ZBLANK",
    ];
    const PREFIX: &[&str] = &[
        "NAXIS", "ZNAXIS", "ZTILE", "ZNAME", "ZVAL", "TTYPE", "TFORM", "TUNIT", "TNULL", "TSCAL",
        "TZERO", "TDIM", "TDISP",
    ];
    EXACT.contains(&k)
        || PREFIX.iter().any(|p| {
            k.strip_prefix(p)
                .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// The image header reconstructed from a compressed HDU's header (as astropy shows it).
pub fn image_header(h: &Header) -> Header {
    let mut cards = Vec::new();
    if h.opt_bool("ZSIMPLE").ok().flatten() == Some(true) {
        cards.push(Card::new("SIMPLE", true, "conforms to FITS standard"));
    } else {
        let x = h
            .opt_str("ZTENSION")
            .ok()
            .flatten()
            .unwrap_or("IMAGE")
            .to_string();
        cards.push(Card::new("XTENSION", x, "Image extension"));
    }
    if let Some(v) = h.get("ZBITPIX") {
        cards.push(Card::new(
            "BITPIX",
            v.clone(),
            "data type of original image",
        ));
    }
    let n = h
        .opt_i64("ZNAXIS")
        .ok()
        .flatten()
        .unwrap_or(0)
        .clamp(0, 999);
    cards.push(Card::new("NAXIS", n, "dimension of original image"));
    for i in 1..=n {
        if let Some(v) = h.get(&format!("ZNAXIS{i}")) {
            cards.push(Card::new(
                format!("NAXIS{i}"),
                v.clone(),
                "length of original image axis",
            ));
        }
    }
    if h.contains("ZSIMPLE") {
        if let Some(v) = h.get("ZEXTEND") {
            cards.push(Card::new("EXTEND", v.clone(), ""));
        }
    } else {
        cards.push(Card::new(
            "PCOUNT",
            h.get("ZPCOUNT").cloned().unwrap_or(Value::Int(0)),
            "number of parameters",
        ));
        cards.push(Card::new(
            "GCOUNT",
            h.get("ZGCOUNT").cloned().unwrap_or(Value::Int(1)),
            "number of groups",
        ));
    }
    for c in h.cards() {
        if !c.is_commentary() && is_table_keyword(&c.key) {
            continue;
        }
        cards.push(c.clone());
    }
    if let Some(v) = h.get("ZHECKSUM") {
        cards.push(Card::new("CHECKSUM", v.clone(), ""));
    }
    if let Some(v) = h.get("ZDATASUM") {
        cards.push(Card::new("DATASUM", v.clone(), ""));
    }
    Header::from_cards(cards)
}

/// Dithering method of quantized floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dither {
    /// `NO_DITHER`: value = i * scale + zero.
    None,
    /// `SUBTRACTIVE_DITHER_1`.
    Subtractive1,
    /// `SUBTRACTIVE_DITHER_2` (zero-valued pixels preserved exactly).
    Subtractive2,
}

struct Params {
    cmp: String,
    zbitpix: i64,
    shape: Vec<usize>,
    tile: Vec<usize>,
    blocksize: usize,
    bytepix: usize,
    dither: Dither,
    dither_seed: i64,
}

fn compression_setting(h: &Header, name: &str) -> Result<Option<i64>> {
    for i in 1..=999 {
        match h.opt_str(&format!("ZNAME{i}"))? {
            Some(n) if n.trim().eq_ignore_ascii_case(name) => {
                return h.opt_i64(&format!("ZVAL{i}"));
            }
            Some(_) => {}
            None => break,
        }
    }
    Ok(None)
}

fn params(h: &Header) -> Result<Params> {
    let cmp = h.str("ZCMPTYPE")?.trim().to_ascii_uppercase();
    let zbitpix = h.i64("ZBITPIX")?;
    if ![8, 16, 32, 64, -32, -64].contains(&zbitpix) {
        return Err(Error::fits(
            None,
            FitsErrorKind::Inconsistent,
            format!("ZBITPIX = {zbitpix} invalid"),
        ));
    }
    let shape = super::axes(h, "ZNAXIS", "ZNAXIS")?;
    let mut tile = Vec::with_capacity(shape.len());
    for (i, &n) in shape.iter().enumerate() {
        let t = match h.opt_i64(&format!("ZTILE{}", i + 1))? {
            Some(t) if t <= 0 => {
                return Err(Error::fits(
                    None,
                    FitsErrorKind::Inconsistent,
                    format!("ZTILE{} = {t} must be positive", i + 1),
                ));
            }
            Some(t) => t as usize,
            None => {
                if i == 0 {
                    n.max(1)
                } else {
                    1
                }
            }
        };
        tile.push(t);
    }
    let blocksize = compression_setting(h, "BLOCKSIZE")?.unwrap_or(32);
    let bytepix = compression_setting(h, "BYTEPIX")?.unwrap_or(4);
    if blocksize <= 0 || !(1..=8).contains(&bytepix) {
        return Err(Error::fits(
            None,
            FitsErrorKind::Inconsistent,
            format!("BLOCKSIZE = {blocksize}, BYTEPIX = {bytepix} invalid"),
        ));
    }
    let dither = match h
        .opt_str("ZQUANTIZ")?
        .map(|s| s.trim().to_ascii_uppercase())
        .as_deref()
    {
        None | Some("NO_DITHER") | Some("NONE") => Dither::None,
        Some("SUBTRACTIVE_DITHER_1") => Dither::Subtractive1,
        Some("SUBTRACTIVE_DITHER_2") => Dither::Subtractive2,
        Some(other) => {
            return Err(Error::fits(
                None,
                FitsErrorKind::Unsupported,
                format!("ZQUANTIZ = '{other}'"),
            ));
        }
    };
    let dither_seed = h.opt_i64("ZDITHER0")?.unwrap_or(0);
    Ok(Params {
        cmp,
        zbitpix,
        shape,
        tile,
        blocksize: blocksize as usize,
        bytepix: bytepix as usize,
        dither,
        dither_seed,
    })
}

/// Integers decoded from one tile, or lossless floats.
enum TileData {
    Ints(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// Interpret uncompressed tile bytes as astropy does: the element size follows from the
/// byte count (2: i16; 4: i32, or f32 for lossless floats; 8: i64 / f64; else bytes).
fn bytes_to_tile(b: &[u8], npix: usize, zbitpix: i64, lossless: bool) -> TileData {
    let be4 = |c: &[u8]| [c[0], c[1], c[2], c[3]];
    let be8 = |c: &[u8]| {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        a
    };
    if npix > 0 && b.len() == npix * 2 {
        TileData::Ints(
            b.chunks_exact(2)
                .map(|c| i16::from_be_bytes([c[0], c[1]]) as i64)
                .collect(),
        )
    } else if npix > 0 && b.len() == npix * 4 {
        if zbitpix < 0 && lossless {
            TileData::F32(
                b.chunks_exact(4)
                    .map(|c| f32::from_be_bytes(be4(c)))
                    .collect(),
            )
        } else {
            TileData::Ints(
                b.chunks_exact(4)
                    .map(|c| i32::from_be_bytes(be4(c)) as i64)
                    .collect(),
            )
        }
    } else if npix > 0 && b.len() == npix * 8 {
        if zbitpix < 0 && lossless {
            TileData::F64(
                b.chunks_exact(8)
                    .map(|c| f64::from_be_bytes(be8(c)))
                    .collect(),
            )
        } else {
            TileData::Ints(
                b.chunks_exact(8)
                    .map(|c| i64::from_be_bytes(be8(c)))
                    .collect(),
            )
        }
    } else {
        TileData::Ints(b.iter().map(|&x| x as i64).collect())
    }
}

/// Decompress a tile-compressed image HDU (its table already described by `t`).
pub fn decompress_image(hdu: &Hdu, t: &Table) -> Result<Image> {
    let h = &hdu.header;
    let p = params(h)?;
    match p.cmp.as_str() {
        "RICE_1" | "RICE_ONE" | "GZIP_1" | "GZIP_2" | "NOCOMPRESS" | "PLIO_1" | "HCOMPRESS_1" => {}
        other => {
            return Err(Error::fits(
                None,
                FitsErrorKind::Unsupported,
                format!("unknown tile compression ZCMPTYPE = '{other}'"),
            ));
        }
    }
    let img_header = image_header(h);
    let smooth = compression_setting(h, "SMOOTH")?.unwrap_or(0);
    let ndim = p.shape.len();
    let npix_total = if ndim == 0 {
        0
    } else {
        super::checked_product(&p.shape, "image size")?
    };
    let ntiles_axis: Vec<usize> = p
        .shape
        .iter()
        .zip(&p.tile)
        .map(|(&n, &t)| n.div_ceil(t))
        .collect();
    let ntiles = if ndim == 0 {
        0
    } else {
        super::checked_product(&ntiles_axis, "tile count")?
    };
    if npix_total > 0 && t.rows != ntiles {
        return Err(Error::fits(
            None,
            FitsErrorKind::Inconsistent,
            format!(
                "image {:?} in tiles {:?} needs {ntiles} tiles, table has {} rows",
                p.shape, p.tile, t.rows
            ),
        ));
    }
    // A legitimate tile compresses at most ~1000:1 (gzip's limit; RICE is below 250:1), so a
    // header announcing far more pixels than the data unit can hold is corrupt: refuse it
    // before allocating.
    let out_bytes = (npix_total as u128) * (p.zbitpix.unsigned_abs() as u128 / 8);
    let limit = (hdu.data_len as u128 + 2880) * 1100;
    if out_bytes > limit {
        return Err(Error::fits(
            None,
            FitsErrorKind::Inconsistent,
            format!(
                "image {:?} ({out_bytes} bytes) cannot be stored in a {}-byte compressed data unit",
                p.shape, hdu.data_len
            ),
        ));
    }
    let cd = t.column_index("COMPRESSED_DATA")?;
    let gz = t.column_index("GZIP_COMPRESSED_DATA").ok();
    let unc = t.column_index("UNCOMPRESSED_DATA").ok();
    let quantized = t.column_index("ZSCALE").is_ok();
    let zscale = if quantized {
        Some(t.f64("ZSCALE")?)
    } else {
        None
    };
    let zzero = if t.column_index("ZZERO").is_ok() {
        Some(t.f64("ZZERO")?)
    } else {
        None
    };
    let zblank_col = if t.column_index("ZBLANK").is_ok() {
        Some(t.i64("ZBLANK")?.0)
    } else {
        None
    };
    for (name, ncols) in [
        ("ZSCALE", zscale.as_ref().map(|a| a.ncols())),
        ("ZZERO", zzero.as_ref().map(|a| a.ncols())),
        ("ZBLANK", zblank_col.as_ref().map(|a| a.ncols())),
    ] {
        if ncols == Some(0) {
            return Err(Error::fits(
                None,
                FitsErrorKind::Inconsistent,
                format!("column {name} has no elements"),
            ));
        }
    }
    let zblank_header = match h.opt_i64("ZBLANK")? {
        Some(z) => Some(z),
        None => img_header.opt_i64("BLANK").ok().flatten(),
    };

    // output buffers
    let float_out = p.zbitpix < 0;
    let mut out_i: Vec<i64> = if float_out {
        Vec::new()
    } else {
        vec![0; npix_total]
    };
    let mut out_f: Vec<f64> = if float_out {
        vec![0.0; npix_total]
    } else {
        Vec::new()
    };
    let rand = if quantized && p.dither != Dither::None {
        Some(quantize::random_table())
    } else {
        None
    };

    // tile origin and extent of tile `row` (tiles in FITS order, axis 1 fastest)
    let geometry = |row: usize| -> (Vec<usize>, Vec<usize>) {
        let mut rest = row;
        let tile_index: Vec<usize> = ntiles_axis
            .iter()
            .map(|&nt| {
                let i = rest % nt.max(1);
                rest /= nt.max(1);
                i
            })
            .collect();
        let start: Vec<usize> = tile_index
            .iter()
            .zip(&p.tile)
            .map(|(&i, &t)| i * t)
            .collect();
        let ext: Vec<usize> = start
            .iter()
            .zip(&p.tile)
            .zip(&p.shape)
            .map(|((&s, &t), &n)| t.min(n - s))
            .collect();
        (start, ext)
    };
    // decode one tile into its values (floats or integers), in tile order
    let decode_tile = |row: usize| -> Result<(Vec<f64>, Vec<i64>)> {
        let (_, ext) = geometry(row);
        let npix: usize = ext.iter().product();
        let tile_err = |e: Error| match e {
            Error::Fits {
                file,
                hdu,
                kind,
                what,
            } => Error::Fits {
                file,
                hdu,
                kind,
                what: format!("tile {} (row {}): {what}", row + 1, row + 1),
            },
            o => o,
        };
        let cbytes = t.var_bytes(cd, row)?;
        let (tile, lossless_tile): (TileData, bool) = if cbytes.is_empty() {
            if let Some(g) = gz {
                let raw = gzip::gunzip(t.var_bytes(g, row)?).map_err(tile_err)?;
                (bytes_to_tile(&raw, npix, p.zbitpix, true), true)
            } else if let Some(u) = unc {
                let info = &t.columns[u];
                let raw = t.var_bytes(u, row)?;
                let d = match info.elem {
                    ElemType::F32 => TileData::F32(
                        raw.chunks_exact(4)
                            .map(|c| f32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                            .collect(),
                    ),
                    ElemType::F64 => TileData::F64(
                        raw.chunks_exact(8)
                            .map(|c| {
                                let mut a = [0u8; 8];
                                a.copy_from_slice(c);
                                f64::from_be_bytes(a)
                            })
                            .collect(),
                    ),
                    _ => bytes_to_tile(raw, npix, p.zbitpix, false),
                };
                (d, true)
            } else if npix == 0 {
                (TileData::Ints(Vec::new()), false)
            } else {
                return Err(dec(format!(
                    "tile {}: COMPRESSED_DATA is empty and there is no GZIP_COMPRESSED_DATA or UNCOMPRESSED_DATA column",
                    row + 1
                )));
            }
        } else {
            let d = match p.cmp.as_str() {
                "RICE_1" | "RICE_ONE" => TileData::Ints(
                    rice::decode(cbytes, npix, p.bytepix, p.blocksize).map_err(tile_err)?,
                ),
                "PLIO_1" => TileData::Ints(plio::decode(cbytes, npix).map_err(tile_err)?),
                "HCOMPRESS_1" => {
                    TileData::Ints(hcompress::decode(cbytes, npix, smooth).map_err(tile_err)?)
                }
                "GZIP_1" => {
                    let raw = gzip::gunzip(cbytes).map_err(tile_err)?;
                    bytes_to_tile(&raw, npix, p.zbitpix, !quantized)
                }
                "GZIP_2" => {
                    let raw = gzip::gunzip(cbytes).map_err(tile_err)?;
                    let item = raw.len().checked_div(npix).unwrap_or(1);
                    let raw = gzip::unshuffle(&raw, item.max(1));
                    bytes_to_tile(&raw, npix, p.zbitpix, !quantized)
                }
                _ => bytes_to_tile(cbytes, npix, p.zbitpix, !quantized),
            };
            (d, false)
        };
        // values of this tile, in tile order
        let n_got = match &tile {
            TileData::Ints(v) => v.len(),
            TileData::F32(v) => v.len(),
            TileData::F64(v) => v.len(),
        };
        if n_got < npix {
            return Err(dec(format!(
                "tile {}: {n_got} values decoded, tile has {npix} pixels",
                row + 1
            )));
        }
        let zblank = match &zblank_col {
            Some(c) => Some(c[[row, 0]]),
            None => zblank_header,
        };
        let mut vals_f: Vec<f64> = Vec::new();
        let mut vals_i: Vec<i64> = Vec::new();
        match tile {
            TileData::F32(v) => vals_f = v[..npix].iter().map(|&x| x as f64).collect(),
            TileData::F64(v) => vals_f = v[..npix].to_vec(),
            TileData::Ints(v) => {
                let v = &v[..npix];
                if float_out && quantized && !lossless_tile {
                    let scale = zscale.as_ref().map(|z| z[[row, 0]]).unwrap_or(1.0);
                    let zero = zzero.as_ref().map(|z| z[[row, 0]]).unwrap_or(0.0);
                    vals_f = quantize::unquantize(
                        v,
                        scale,
                        zero,
                        p.dither,
                        row as i64 + p.dither_seed,
                        rand,
                        p.zbitpix == -32,
                    );
                    if let Some(zb) = zblank {
                        for (o, &q) in vals_f.iter_mut().zip(v) {
                            if q == zb {
                                *o = f64::NAN;
                            }
                        }
                    }
                } else if float_out {
                    // integer-valued tile of a float image (lossless): convert
                    vals_f = v.iter().map(|&x| x as f64).collect();
                    if p.zbitpix == -32 {
                        vals_f.iter_mut().for_each(|x| *x = *x as f32 as f64);
                    }
                } else {
                    vals_i = v.to_vec();
                    if let (Some(zb), Some(zh)) = (zblank, zblank_header) {
                        for x in vals_i.iter_mut() {
                            if *x == zb {
                                *x = zh;
                            }
                        }
                    }
                }
            }
        }
        Ok((vals_f, vals_i))
    };
    // tiles are decoded in parallel batches (each tile on its own) and scattered in order
    let batch = 256;
    let mut first = 0;
    while first < ntiles {
        let last = (first + batch).min(ntiles);
        let decoded: Vec<Result<(Vec<f64>, Vec<i64>)>> =
            (first..last).into_par_iter().map(decode_tile).collect();
        for (row, d) in (first..last).zip(decoded) {
            let (vals_f, vals_i) = d?;
            let (start, ext) = geometry(row);
            let npix: usize = ext.iter().product();
            // scatter into the image
            let mut stride = vec![1usize; ndim];
            for k in 1..ndim {
                stride[k] = stride[k - 1] * p.shape[k - 1];
            }
            let rows_in_tile = npix / ext[0].max(1);
            let mut sub = vec![0usize; ndim];
            for r in 0..rows_in_tile {
                let mut off = start[0];
                for k in 1..ndim {
                    off += (start[k] + sub[k]) * stride[k];
                }
                let src = r * ext[0];
                if float_out {
                    out_f[off..off + ext[0]].copy_from_slice(&vals_f[src..src + ext[0]]);
                } else {
                    out_i[off..off + ext[0]].copy_from_slice(&vals_i[src..src + ext[0]]);
                }
                for k in 1..ndim {
                    sub[k] += 1;
                    if sub[k] < ext[k] {
                        break;
                    }
                    sub[k] = 0;
                }
            }
        }
        first = last;
    }
    let pixels = match p.zbitpix {
        8 => Pixels::U8(out_i.iter().map(|&x| x as u8).collect()),
        16 => Pixels::I16(out_i.iter().map(|&x| x as i16).collect()),
        32 => Pixels::I32(out_i.iter().map(|&x| x as i32).collect()),
        64 => Pixels::I64(out_i),
        -32 => Pixels::F32(out_f.iter().map(|&x| x as f32).collect()),
        _ => Pixels::F64(out_f),
    };
    Image::with_scaling(p.shape, pixels, &img_header)
}
