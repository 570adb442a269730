#!/usr/bin/env python3
"""Compare galaxy-io's FITS reader with astropy 8.0.2, HDU by HDU.

Installs astropy==8.0.2 from PyPI into a virtual environment under /tmp (first run only),
then for every FITS file in the wheel's test-data folders (astropy/**/tests/data/**) and
the SDSS reference files (../shared/data/sdss, or $MSTAR_REFERENCE_DATA/sdss) compares
`fits_inspect --json` (HDU kind, BITPIX, shape, image stats, table column sums) with
the same summary computed by astropy:

  * image values are scaled in f64 (raw * BSCALE + BZERO); BLANK and NaN are missing;
    integer data with integral scaling are summed exactly (Python integers);
  * table columns: every element after TSCAL/TZERO; TNULL and NaN missing; logicals and
    bits as 0/1 (astropy reads a null logical as False, so it counts as 0); complex sums
    as [re, im]; strings count elements and have no sum;
  * sums agree to relative 1e-9 (exactly for integers); counts exactly.

It also writes a matrix of tile-compressed images with astropy (every algorithm, BITPIX,
tile shape, quantize method, with NaNs and zeros) into a temporary folder and compares them.

HCOMPRESS_1 and PLIO_1 images are decoded and compared like the others (an `unsupported`
answer, e.g. HCOMPRESS with SMOOTH != 0, would also pass: never wrong data); random-groups
HDUs are `unsupported`.
Files (or HDUs) that astropy itself cannot read are listed and skipped.

Usage:
  python3 scripts/compare_fits_astropy.py                # compare everything
  python3 scripts/compare_fits_astropy.py --no-generated # skip the tile-compression matrix
  python3 scripts/compare_fits_astropy.py --write-expected
      # also (re)write crates/galaxy-io/tests/expected/sdss_astropy.json, the expected
      # values the Rust tests use for the SDSS files
  python3 scripts/compare_fits_astropy.py --write-fixtures
      # (re)write the small tile-compressed test files of crates/galaxy-io/tests/data/compressed
      # and astropy's summaries of them (tests/expected/compressed_astropy.json)
  python3 scripts/compare_fits_astropy.py --write-hp-fixtures
      # (re)write the HCOMPRESS_1 / PLIO_1 test files of tests/data/compressed and astropy's
      # decoded values of them (tests/expected/compressed_values.json)
  python3 scripts/compare_fits_astropy.py --bench        # read-throughput side by side
"""

import json
import math
import os
import subprocess
import sys
import time

VENV = "/tmp/mstar-astropy-8.0.2-venv"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([py, "-m", "pip", "install", "-q", "astropy==8.0.2"])
    os.execv(py, [py] + sys.argv)


ensure_venv()

import numpy as np  # noqa: E402
import astropy  # noqa: E402
from astropy.io import fits  # noqa: E402
import warnings  # noqa: E402

warnings.simplefilter("ignore")
assert astropy.__version__ == "8.0.2", astropy.__version__


def exact_int_sum(a):
    """Exact sum of an integer array as a Python int."""
    a = np.asarray(a).ravel()
    if a.size == 0:
        return 0
    if a.dtype == np.uint64:
        hi = (a >> np.uint64(32)).astype(np.int64)
        lo = (a & np.uint64(0xFFFFFFFF)).astype(np.int64)
    else:
        a = a.astype(np.int64)
        hi = a >> 32
        lo = a & 0xFFFFFFFF
    return int(hi.sum()) * (1 << 32) + int(lo.sum())


def num(x):
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    return x


def image_stats(raw, header):
    bscale = header.get("BSCALE", 1.0)
    bzero = header.get("BZERO", 0.0)
    raw = np.asarray(raw)
    if raw.dtype.kind in "iu":
        blank = header.get("BLANK")
        mask = (raw == blank) if isinstance(blank, int) else np.zeros(raw.shape, bool)
        good = raw[~mask]
        n = int(good.size)
        if bscale == 1 and float(bzero).is_integer():
            z = int(bzero)
            if n == 0:
                return dict(count=0, missing=int(mask.sum()), min=None, max=None, sum=0)
            return dict(count=n, missing=int(mask.sum()), min=int(good.min()) + z,
                        max=int(good.max()) + z, sum=exact_int_sum(good) + z * n)
        vals = good.astype(np.float64) * bscale + bzero
        miss = int(mask.sum()) + int(np.isnan(vals).sum())
        vals = vals[~np.isnan(vals)]
    else:
        vals = raw.astype(np.float64).ravel()
        if bscale != 1 or bzero != 0:
            vals = vals * bscale + bzero
        nanm = np.isnan(vals)
        miss = int(nanm.sum())
        vals = vals[~nanm]
    n = int(vals.size)
    if n == 0:
        return dict(count=0, missing=miss, min=None, max=None, sum=0.0)
    return dict(count=n, missing=miss, min=float(vals.min()), max=float(vals.max()),
                sum=float(vals.sum(dtype=np.float64)))


def column_summary(hdu, i, col):
    name = col.name
    tform = str(hdu.header.get(f"TFORM{i + 1}", col.format)).strip()
    field = hdu.data.field(i)
    fmt = tform.lstrip("0123456789")
    code = fmt[:1]
    is_var = code in ("P", "Q")
    etype = fmt[1:2] if is_var else code
    out = dict(name=name, tform=tform, count=0, missing=0, sum=None)
    ascii = isinstance(hdu, fits.TableHDU)
    if ascii:
        etype = {"A": "A", "I": "K", "F": "D", "E": "D", "D": "D"}[code]
    if etype == "A":
        if is_var:
            out["count"] = int(len(field))
        else:
            out["count"] = int(np.asarray(field).size)
        return out
    tnull = hdu.header.get(f"TNULL{i + 1}")
    tscal = hdu.header.get(f"TSCAL{i + 1}", 1.0)
    tzero = hdu.header.get(f"TZERO{i + 1}", 0.0)
    rows = list(field) if is_var else [field]
    if etype in ("C", "M"):
        re = im = 0.0
        cnt = miss = 0
        for r in rows:
            a = np.asarray(r).ravel()
            bad = np.isnan(a.real) | np.isnan(a.imag)
            miss += int(bad.sum())
            cnt += int((~bad).sum())
            re += float(a.real[~bad].sum())
            im += float(a.imag[~bad].sum())
        out.update(count=cnt, missing=miss, sum=[re, im])
        return out
    if etype in ("L", "X"):
        s = cnt = 0
        for r in rows:
            a = np.asarray(r).astype(bool).ravel()
            s += int(a.sum())
            cnt += int(a.size)
        out.update(count=cnt, missing=0, sum=s)
        return out
    if etype in ("B", "I", "J", "K"):
        integral = (tscal == 1 and float(tzero).is_integer())
        raw_rows = rows
        if not is_var and not ascii:
            raw_rows = [np.asarray(hdu.data.base.field(i))]
        s_int = 0
        s_f = 0.0
        cnt = miss = 0
        for r, raw in zip(rows, raw_rows):
            a = np.asarray(r).ravel()
            rw = np.asarray(raw).ravel()
            if ascii:
                # blank fields and the TNULL string are missing (astropy shows them as 0)
                strs = np.char.strip(np.asarray(hdu.data.base.field(i)).astype("U")).ravel()
                bad = (strs == "") | (strs == str(tnull).strip() if tnull is not None else False)
            else:
                bad = (rw == tnull) if isinstance(tnull, int) else np.zeros(a.shape, bool)
            miss += int(bad.sum())
            cnt += int((~bad).sum())
            if integral and a.dtype.kind in "iu":
                s_int += exact_int_sum(a[~bad])
            else:
                g = a[~bad].astype(np.float64)
                s_f += float(g.sum())
                integral = integral and a.dtype.kind in "iu"
        out.update(count=cnt, missing=miss, sum=s_int if integral else s_f + s_int)
        return out
    # E, D (and ASCII reals)
    s = 0.0
    cnt = miss = 0
    for r in rows:
        a = np.asarray(r, dtype=np.float64).ravel()
        bad = np.isnan(a)
        miss += int(bad.sum())
        cnt += int((~bad).sum())
        s += float(a[~bad].sum())
    out.update(count=cnt, missing=miss, sum=s)
    return out


def astropy_summary(path):
    hdus = []
    with fits.open(path, do_not_scale_image_data=True, memmap=False) as hdul:
        for idx, hdu in enumerate(hdul):
            h = hdu.header
            e = dict(index=idx, bitpix=h.get("BITPIX"))
            n = h.get("NAXIS", 0)
            e["shape"] = [h.get(f"NAXIS{k}") for k in range(1, n + 1)]
            try:
                if isinstance(hdu, fits.GroupsHDU):
                    e["kind"] = "unsupported"
                elif isinstance(hdu, fits.CompImageHDU):
                    e["kind"] = "image"
                    e["compressed"] = True
                    e["zcmptype"] = str(getattr(hdu, "compression_type", ""))
                    e["stats"] = image_stats(hdu.data, h)
                elif isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU)):
                    if hdu.data is None:
                        e["kind"] = "empty"
                    else:
                        e["kind"] = "image"
                        e["stats"] = image_stats(hdu.data, h)
                elif isinstance(hdu, (fits.BinTableHDU, fits.TableHDU)):
                    e["kind"] = "bintable" if isinstance(hdu, fits.BinTableHDU) else "asciitable"
                    e["rows"] = int(h.get("NAXIS2", 0))
                    e["columns"] = [column_summary(hdu, i, c) for i, c in enumerate(hdu.columns)]
                else:
                    e["kind"] = "unsupported"
            except Exception as ex:  # astropy itself cannot read this HDU
                e["astropy_error"] = f"{type(ex).__name__}: {ex}"
            hdus.append(e)
    return dict(hdus=hdus)


def close(a, b, rel=1e-9):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(
            close(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    a, b = float(a), float(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-300 or abs(a - b) <= 1e-12


def compare(ours, ref):
    """Return a list of differences (empty = agree)."""
    diffs = []
    oh = ours.get("hdus", [])
    rh = ref["hdus"]
    if len(oh) != len(rh):
        diffs.append(f"HDU count {len(oh)} != astropy {len(rh)}")
    for r, o in zip(rh, oh):
        i = r["index"]
        if "astropy_error" in r:
            continue
        lossy = r.get("zcmptype", "").strip() in ("HCOMPRESS_1", "PLIO_1") or r["kind"] == "unsupported"
        if lossy and o.get("kind") == "unsupported":
            continue
        if o.get("kind") != r["kind"]:
            diffs.append(f"HDU {i}: kind {o.get('kind')} != {r['kind']} ({o.get('error')})")
            continue
        if o.get("bitpix") != r["bitpix"]:
            diffs.append(f"HDU {i}: bitpix {o.get('bitpix')} != {r['bitpix']}")
        if o.get("shape") != r["shape"]:
            diffs.append(f"HDU {i}: shape {o.get('shape')} != {r['shape']}")
        if bool(o.get("compressed")) != bool(r.get("compressed")):
            diffs.append(f"HDU {i}: compressed flag differs")
        if "stats" in r:
            s, t = o.get("stats"), r["stats"]
            if s is None:
                diffs.append(f"HDU {i}: no stats ({o.get('error')})")
                continue
            for k in ("count", "missing"):
                if s[k] != t[k]:
                    diffs.append(f"HDU {i}: {k} {s[k]} != {t[k]}")
            for k in ("min", "max", "sum"):
                if not close(s[k], t[k]):
                    diffs.append(f"HDU {i}: {k} {s[k]!r} != {t[k]!r}")
        if "columns" in r:
            if o.get("rows") != r["rows"]:
                diffs.append(f"HDU {i}: rows {o.get('rows')} != {r['rows']}")
            oc = o.get("columns")
            if oc is None:
                diffs.append(f"HDU {i}: no columns ({o.get('error')})")
                continue
            if len(oc) != len(r["columns"]):
                diffs.append(f"HDU {i}: {len(oc)} columns != {len(r['columns'])}")
            for a, b in zip(oc, r["columns"]):
                for k in ("count", "missing"):
                    if a[k] != b[k]:
                        diffs.append(f"HDU {i} column {b['name']}: {k} {a[k]} != {b[k]}")
                if not close(a["sum"], b["sum"]):
                    diffs.append(f"HDU {i} column {b['name']}: sum {a['sum']!r} != {b['sum']!r}")
    return diffs


def is_fits(path):
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return False
    if head.startswith(b"SIMPLE  ="):
        return True
    if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:2] == b"\x1f\x9d":
        return any(path.endswith(s) for s in (".gz", ".bz2", ".Z", ".fz")) and (
            ".fit" in path or ".fts" in path or path.endswith(".fz"))
    return False


def astropy_files():
    base = os.path.dirname(astropy.__file__)
    out = []
    for d, _, files in os.walk(base):
        if f"{os.sep}tests{os.sep}data" not in d + os.sep:
            continue
        for f in files:
            p = os.path.join(d, f)
            if is_fits(p):
                out.append(p)
    return sorted(out)


def sdss_dir():
    env = os.environ.get("MSTAR_REFERENCE_DATA")
    d = os.path.join(env, "sdss") if env else os.path.join(ROOT, "..", "shared", "data", "sdss")
    return os.path.normpath(d)


def sdss_files():
    d = sdss_dir()
    out = []
    for dd, _, files in os.walk(d):
        for f in files:
            p = os.path.join(dd, f)
            if is_fits(p):
                out.append(p)
    return sorted(out)


def generated_files(tmp):
    """Tile-compressed images written by astropy: every algorithm, integer and float
    BITPIX, row / 2-D / 3-D tiles (edge tiles included), the three quantize methods with
    NaNs (ZBLANK) and exact zeros, lossless floats, BYTEPIX via BITPIX."""
    rng = np.random.default_rng(42)
    out = []
    shapes = {"2d": (37, 53), "3d": (6, 21, 19)}
    tiles = {"2d": [None, (7, 5), (37, 1), (10, 53)], "3d": [None, (2, 5, 4), (6, 21, 19)]}
    for dim, shape in shapes.items():
        base = rng.normal(100.0, 20.0, size=shape)
        for dtype in ("uint8", "int16", "uint16", "int32", "float32", "float64"):
            if dtype == "uint8":
                data = (base % 256).astype(np.uint8)
            elif dtype == "int16":
                data = (base * 50 - 5000).astype(np.int16)
            elif dtype == "uint16":
                data = (base * 300).astype(np.uint16)
            elif dtype == "int32":
                data = (base * 1e6).astype(np.int32)
            else:
                data = (base * 1.5).astype(dtype)
                flat = data.reshape(-1)
                flat[::17] = 0.0
                flat[5::23] = np.nan
            for cmp in ("RICE_1", "GZIP_1", "GZIP_2", "NOCOMPRESS", "HCOMPRESS_1", "PLIO_1"):
                if cmp == "PLIO_1" and dtype not in ("uint8", "int16", "int32"):
                    continue
                if cmp == "HCOMPRESS_1" and dim != "2d":
                    continue
                for ts in tiles[dim]:
                    if cmp == "HCOMPRESS_1" and ts is not None and min(ts) < 4:
                        continue
                    qms = [None]
                    if dtype.startswith("float") and cmp != "NOCOMPRESS":
                        qms = ["NO_DITHER", "SUBTRACTIVE_DITHER_1", "SUBTRACTIVE_DITHER_2"]
                        if cmp.startswith("GZIP"):
                            qms.append("LOSSLESS")
                    for qm in qms:
                        kw = dict(compression_type=cmp)
                        if ts is not None:
                            kw["tile_shape"] = ts[::-1]
                        if qm == "LOSSLESS":
                            kw["quantize_level"] = 0.0
                        elif qm is not None:
                            kw["quantize_method"] = {"NO_DITHER": -1, "SUBTRACTIVE_DITHER_1": 1,
                                                     "SUBTRACTIVE_DITHER_2": 2}[qm]
                            kw["dither_seed"] = int(rng.integers(1, 10000))
                        name = f"gen_{dim}_{dtype}_{cmp}_{'x'.join(map(str, ts)) if ts else 'row'}_{qm}.fits"
                        p = os.path.join(tmp, name)
                        try:
                            hdu = fits.CompImageHDU(data, **kw)
                            fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(p, overwrite=True)
                        except Exception as ex:
                            print(f"(astropy cannot write {name}: {type(ex).__name__}: {ex})")
                            continue
                        out.append(p)
    return out


FIXTURES = [
    # (file name, dtype, algorithm, FITS-order tile shape or None, quantize method)
    ("rice_i16_tiles7x5.fits", "int16", "RICE_1", (7, 5), None),
    ("rice_u8_rows.fits", "uint8", "RICE_1", None, None),
    ("gzip2_i32_3d_tiles2x5x4.fits", "int32", "GZIP_2", (4, 5, 2), None),
    ("rice_f32_dither1_nan.fits", "float32", "RICE_1", (10, 10), "SUBTRACTIVE_DITHER_1"),
    ("gzip1_f32_dither2_zeros.fits", "float32", "GZIP_1", None, "SUBTRACTIVE_DITHER_2"),
    ("gzip2_f64_lossless.fits", "float64", "GZIP_2", (16, 16), "LOSSLESS"),
    ("rice_f32_nodither.fits", "float32", "RICE_1", (53, 4), "NO_DITHER"),
    ("nocompress_u16.fits", "uint16", "NOCOMPRESS", (20, 20), None),
    ("hcompress_i16.fits", "int16", "HCOMPRESS_1", None, None),
    ("plio_u8.fits", "uint8", "PLIO_1", None, None),
]


def write_fixtures():
    """Small tile-compressed files written by astropy, and astropy's summaries of them,
    for the Rust tests (tests/data/compressed, tests/expected/compressed_astropy.json)."""
    rng = np.random.default_rng(7)
    outdir = os.path.join(ROOT, "crates", "galaxy-io", "tests", "data", "compressed")
    os.makedirs(outdir, exist_ok=True)
    summaries = {}
    for name, dtype, cmp, tile, qm in FIXTURES:
        shape = (6, 21, 19) if "3d" in name else (37, 53)
        base = rng.normal(100.0, 20.0, size=shape)
        if dtype == "uint8":
            data = (base % 256).astype(np.uint8)
        elif dtype == "int16":
            data = (base * 50 - 5000).astype(np.int16)
            if cmp == "HCOMPRESS_1":
                data = (base * 5).astype(np.int16)
        elif dtype == "uint16":
            data = (base * 300).astype(np.uint16)
        elif dtype == "int32":
            data = (base * 1e6).astype(np.int32)
        else:
            data = (base * 1.5).astype(dtype)
            flat = data.reshape(-1)
            flat[::17] = 0.0
            flat[5::23] = np.nan
        kw = dict(compression_type=cmp)
        if tile is not None:
            kw["tile_shape"] = tile[::-1]
        if qm == "LOSSLESS":
            kw["quantize_level"] = 0.0
        elif qm is not None:
            kw["quantize_method"] = {"NO_DITHER": -1, "SUBTRACTIVE_DITHER_1": 1,
                                     "SUBTRACTIVE_DITHER_2": 2}[qm]
            kw["dither_seed"] = 1234
        p = os.path.join(outdir, name)
        fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(data, **kw)]).writeto(p, overwrite=True)
        summaries[name] = astropy_summary(p)
    out = os.path.join(ROOT, "crates", "galaxy-io", "tests", "expected", "compressed_astropy.json")
    with open(out, "w") as f:
        json.dump(dict(astropy=astropy.__version__, files=summaries), f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(FIXTURES)} fixtures to {outdir} and {out}")


# HCOMPRESS_1 / PLIO_1 fixtures with astropy's decoded values (exact comparison in the Rust
# tests): (file name, dtype, algorithm, FITS-order tile shape or None, extra CompImageHDU keywords)
HP_FIXTURES = [
    ("plio_i16_tiles16x8.fits", "int16", "PLIO_1", (16, 8), {}),
    ("plio_i32_rows_bigvalues.fits", "int32", "PLIO_1", None, {}),
    ("hcompress_i32_tiles53x10.fits", "int32", "HCOMPRESS_1", (53, 10), {}),
    ("hcompress_i16_tiles7x11.fits", "int16", "HCOMPRESS_1", (7, 11), {}),
    ("hcompress_u8_whole.fits", "uint8", "HCOMPRESS_1", (53, 37), {}),
    ("hcompress_f32_scale.fits", "float32", "HCOMPRESS_1", (53, 16),
     dict(hcomp_scale=2.5, quantize_method=1, dither_seed=99)),
    ("hcompress_i32_lossy_scale4.fits", "int32", "HCOMPRESS_1", (16, 16), dict(hcomp_scale=4)),
]


def hp_data(rng, dtype, cmp):
    """Test data: masks with runs for PLIO (values up to 2^24 - 1 for int32), smooth plus
    noisy images with negative values for HCOMPRESS."""
    shape = (37, 53)
    y, x = np.mgrid[0:shape[0], 0:shape[1]]
    if cmp == "PLIO_1":
        top = 30000 if dtype == "int16" else (1 << 24) - 1
        v = ((x // 5) * 977 + (y // 3) * 4099) % top
        v[(x + y) % 7 == 0] = 0
        v[5, :] = top
        return v.astype(dtype)
    base = 300.0 * np.exp(-((x - 26.0) ** 2 + (y - 18.0) ** 2) / 60.0) + rng.normal(0, 5, shape)
    if dtype == "uint8":
        return np.clip(base / 2 + 20, 0, 255).astype(np.uint8)
    if dtype == "int16":
        return (base * 20 - 1500).astype(np.int16)
    if dtype == "int32":
        return (base * 5000 - 200000).astype(np.int32)
    d = base.astype(np.float32)
    d.reshape(-1)[::29] = np.nan
    return d


def write_hp_fixtures():
    """Write HP_FIXTURES under tests/data/compressed and astropy's decoded values (integers,
    or float32 bit patterns) to tests/expected/compressed_values.json."""
    rng = np.random.default_rng(11)
    outdir = os.path.join(ROOT, "crates", "galaxy-io", "tests", "data", "compressed")
    values = {}
    for name, dtype, cmp, tile, extra in HP_FIXTURES:
        data = hp_data(rng, dtype, cmp)
        kw = dict(compression_type=cmp, **extra)
        if tile is not None:
            kw["tile_shape"] = tile[::-1]
        p = os.path.join(outdir, name)
        fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(data, **kw)]).writeto(p, overwrite=True)
        with fits.open(p) as h:
            d = np.asarray(h[1].data)
            if d.dtype.kind == "f":
                vals = d.astype(np.float32).ravel().view(np.uint32).tolist()
                kind = "f32_bits"
            else:
                vals = d.astype(np.int64).ravel().tolist()
                kind = "int"
            lossless = bool(np.array_equal(d, data)) if kind == "int" else False
        values[name] = dict(kind=kind, shape=list(d.shape), values=vals, equals_input=lossless)
    out = os.path.join(ROOT, "crates", "galaxy-io", "tests", "expected", "compressed_values.json")
    with open(out, "w") as f:
        json.dump(dict(astropy=astropy.__version__, files=values), f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(HP_FIXTURES)} fixtures to {outdir} and {out}")


def our_binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    subprocess.check_call(["cargo", "build", "--release", "-q", "-p", "galaxy-io",
                           "--example", "fits_inspect"], cwd=ROOT)
    return os.path.join(target, "release", "examples", "fits_inspect")


def run_ours(binary, path):
    p = subprocess.run([binary, "--json", path], capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip()
    return json.loads(p.stdout), None


def main():
    write_expected = "--write-expected" in sys.argv
    if "--bench" in sys.argv:
        return bench()
    if "--write-fixtures" in sys.argv:
        return write_fixtures()
    if "--write-hp-fixtures" in sys.argv:
        return write_hp_fixtures()
    binary = our_binary()
    files = [(p, "astropy") for p in astropy_files()] + [(p, "sdss") for p in sdss_files()]
    import tempfile
    if "--no-generated" not in sys.argv:
        gen_dir = tempfile.mkdtemp(prefix="mstar-fits-gen-")
        files += [(p, "generated") for p in generated_files(gen_dir)]
    # files written by galaxy-io (every BITPIX, unsigned conventions, a 4-D cube, header
    # cards of every type, a table of every writable column type): astropy must read them
    # to the same summary
    wdir = tempfile.mkdtemp(prefix="mstar-fits-written-")
    subprocess.check_call(["cargo", "test", "--release", "-q", "-p", "galaxy-io", "--test",
                           "fits_roundtrip", "written_files_for_astropy"], cwd=ROOT,
                          env=dict(os.environ, MSTAR_FITS_WRITE_DIR=wdir),
                          stdout=subprocess.DEVNULL)
    files += [(os.path.join(wdir, f), "written") for f in sorted(os.listdir(wdir))]
    n_ok = n_bad = n_skip = 0
    expected = {}
    for path, origin in files:
        try:
            ref = astropy_summary(path)
        except Exception as ex:
            print(f"SKIP (astropy cannot read) {path}: {type(ex).__name__}: {ex}")
            n_skip += 1
            ours, err = run_ours(binary, path)
            if ours is not None:
                print(f"      we read it: {[h.get('kind') for h in ours['hdus']]}")
            continue
        ours, err = run_ours(binary, path)
        if ours is None:
            print(f"FAIL {path}: we cannot open it: {err}")
            n_bad += 1
            continue
        diffs = compare(ours, ref)
        skipped = [h["index"] for h in ref["hdus"] if "astropy_error" in h]
        rel = {"astropy": lambda: os.path.relpath(path, os.path.dirname(astropy.__file__)),
               "sdss": lambda: os.path.relpath(path, sdss_dir()),
               "generated": lambda: os.path.basename(path),
               "written": lambda: os.path.basename(path)}[origin]()
        if origin == "sdss":
            expected[rel] = ref
        if diffs:
            n_bad += 1
            print(f"FAIL {origin}:{rel}")
            for d in diffs[:12]:
                print(f"      {d}")
            if len(diffs) > 12:
                print(f"      ... {len(diffs) - 12} more")
        else:
            n_ok += 1
            note = f" (astropy could not read HDUs {skipped})" if skipped else ""
            print(f"ok   {origin}:{rel}{note}")
    print(f"\n{n_ok} files agree, {n_bad} differ, {n_skip} skipped (astropy cannot read them)")
    if write_expected:
        out = os.path.join(ROOT, "crates", "galaxy-io", "tests", "expected", "sdss_astropy.json")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            json.dump(dict(astropy=astropy.__version__, files=expected), f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"wrote {out}")
    return 1 if n_bad else 0


def bench():
    """Side-by-side read throughput: open a file, decode every image and table column and
    summarise it (the fits_inspect summary) -- astropy in this process, galaxy-io through
    `fits_inspect --json` in a child process. Reports the best of 5 wall-clock times and
    the CPU time (user + system; robust when the machine is shared)."""
    import resource
    import tempfile
    binary = our_binary()
    d = sdss_dir()
    tmp = tempfile.mkdtemp(prefix="mstar-fits-bench-")
    rng = np.random.default_rng(1)
    big = os.path.join(tmp, "image_4096x4096_f32.fits")
    fits.PrimaryHDU(rng.normal(size=(4096, 4096)).astype(np.float32)).writeto(big)
    bigi = os.path.join(tmp, "image_4096x4096_i16_scaled.fits")
    h = fits.PrimaryHDU(rng.integers(-32768, 32767, size=(4096, 4096), dtype=np.int16))
    h.header["BSCALE"] = 0.5
    h.header["BZERO"] = 100.0
    h.header["BLANK"] = -32768
    h.writeto(bigi)
    bigt = os.path.join(tmp, "table_200k_rows.fits")
    n = 200000
    cols = [fits.Column(name=f"m{k}", format="5E", array=rng.normal(size=(n, 5)).astype(np.float32))
            for k in range(4)]
    cols += [fits.Column(name="id", format="K", array=np.arange(n)),
             fits.Column(name="z", format="D", array=rng.random(n))]
    fits.BinTableHDU.from_columns(cols).writeto(bigt)
    # 1e6 rows x 20 columns (176 bytes per row): array columns, every numeric type, TNULL
    wide = os.path.join(tmp, "table_1M_rows_20_columns.fits")
    n = 1_000_000
    cols = [fits.Column(name=f"mag{k}", format="5E", array=rng.normal(size=(n, 5)).astype(np.float32))
            for k in range(4)]
    cols += [fits.Column(name=f"f{k}", format="E", array=rng.normal(size=n).astype(np.float32))
             for k in range(4)]
    cols += [fits.Column(name=f"d{k}", format="D", array=rng.normal(size=n)) for k in range(4)]
    cols += [fits.Column(name=f"j{k}", format="J",
                         array=rng.integers(-10**9, 10**9, size=n).astype(np.int32)) for k in range(3)]
    cols += [fits.Column(name="id", format="K", array=np.arange(n)),
             fits.Column(name="flag", format="I", array=rng.integers(0, 100, size=n).astype(np.int16),
                         null=99),
             fits.Column(name="b", format="B", array=rng.integers(0, 255, size=n).astype(np.uint8)),
             fits.Column(name="ok", format="L", array=rng.random(n) > 0.5),
             fits.Column(name="arr", format="3D", array=rng.normal(size=(n, 3)))]
    fits.BinTableHDU.from_columns(cols).writeto(wide)
    rice = os.path.join(tmp, "image_2048x2048_f32_rice.fits")
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(
        rng.normal(100, 10, size=(2048, 2048)).astype(np.float32), compression_type="RICE_1")]).writeto(rice)
    hcomp = os.path.join(tmp, "image_2048x2048_i16_hcompress.fits")
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(
        rng.normal(1000, 30, size=(2048, 2048)).astype(np.int16), compression_type="HCOMPRESS_1",
        tile_shape=(64, 2048))]).writeto(hcomp)
    cases = {
        "image 4096x4096 f32": big,
        "image 4096x4096 i16, BSCALE/BZERO/BLANK": bigi,
        "table 200k rows (4 x 5E, K, D)": bigt,
        "table 1M rows x 20 columns (4 x 5E, 4 E, 4 D, 3 J, K, I+TNULL, B, L, 3D)": wide,
        "RICE_1 2048x2048 f32 (quantized)": rice,
        "HCOMPRESS_1 2048x2048 i16": hcomp,
        "SDSS frame-u .fits.bz2": os.path.join(d, "field_3900_6_269", "frame-u-003900-6-0269.fits.bz2"),
        "SDSS photoObj (981 x 139)": os.path.join(d, "field_3900_6_269", "photoObj-003900-6-0269.fits"),
    }
    print(f"(load average before: {os.getloadavg()})")
    print("| case | astropy wall (ms) | galaxy-io wall (ms) | astropy CPU (ms) | galaxy-io CPU (ms) | CPU speed-up |")
    print("|---|---|---|---|---|---|")
    for name, p in cases.items():
        if not os.path.exists(p):
            continue
        aw = ac = ow = oc = 1e18
        for _ in range(5):
            t0, c0 = time.perf_counter(), time.process_time()
            astropy_summary(p)
            aw = min(aw, time.perf_counter() - t0)
            ac = min(ac, time.process_time() - c0)
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([binary, "--json", p], check=True, capture_output=True)
            ow = min(ow, time.perf_counter() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            oc = min(oc, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
        print(f"| {name} | {aw * 1e3:.0f} | {ow * 1e3:.0f} | {ac * 1e3:.0f} | {oc * 1e3:.0f} | {ac / oc:.1f}x |")
    print(f"\n(temporary files in {tmp}; {os.cpu_count()} CPUs; load average {os.getloadavg()})")


if __name__ == "__main__":
    sys.exit(main())
