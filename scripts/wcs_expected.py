"""Expected WCS values from astropy for crates/galaxy-io/tests/wcs_astropy.rs.

Run from the repository root with astropy 8.0.2 in a venv:
    python3 -m venv /tmp/v && /tmp/v/bin/pip install astropy==8.0.2
    /tmp/v/bin/python scripts/wcs_expected.py ../shared/data > crates/galaxy-io/tests/data/wcs_expected.json
Pixel coordinates are 0-based (origin = 0). Sky -> pixel uses all_world2pix with tolerance 1e-12.
"""
import json
import sys
import warnings

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning

warnings.simplefilter("ignore", FITSFixedWarning)
data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"


def values(w, pix, sky):
    pix = np.asarray(pix, dtype=float)
    ra, dec = w.all_pix2world(pix[:, 0], pix[:, 1], 0)
    p2w = [[float(x), float(y), float(r), float(d)] for (x, y), r, d in zip(pix, ra, dec)]
    sky = np.asarray(sky, dtype=float)
    x, y = w.all_world2pix(sky[:, 0], sky[:, 1], 0, tolerance=1e-12, maxiter=100)
    w2p = [[float(r), float(d), float(a), float(b)] for (r, d), a, b in zip(sky, x, y)]
    return p2w, w2p


cases = []

# 1. the SDSS u frame (TAN + CD), sky positions from its photoObj catalog
frame = f"{data}/sdss/field_3900_6_269/frame-u-003900-6-0269.fits.bz2"
hdr = fits.getheader(frame, 0)
w = WCS(hdr)
xs = [0.0, 511.3, 1024.0, 1500.7, 2047.0]
ys = [0.0, 372.2, 744.0, 1100.9, 1488.0]
pix = [[x, y] for x in xs for y in ys]
cat = fits.getdata(f"{data}/sdss/field_3900_6_269/photoObj-003900-6-0269.fits", 1)
sky = [[float(r), float(d)] for r, d in zip(cat["RA"][::20], cat["DEC"][::20])]
p2w, w2p = values(w, pix, sky)
cases.append({"name": "sdss_frame_u", "file": "sdss/field_3900_6_269/frame-u-003900-6-0269.fits.bz2", "hdu": 0,
              "pix2world": p2w, "world2pix": w2p})

# 2. a Celeste stamp epoch (TAN + CD, HDU 2 = third epoch image)
stamp = f"{data}/sdss/celeste_stamps/stamp-r-5.0073-0.0739.fits"
w = WCS(fits.getheader(stamp, 2))
pix = [[0, 0], [25, 25], [50, 0], [12.5, 40.25]]
sky = [[5.0073, 0.0739], [5.0060, 0.0750]]
p2w, w2p = values(w, pix, sky)
cases.append({"name": "celeste_stamp_r_hdu2", "file": "sdss/celeste_stamps/stamp-r-5.0073-0.0739.fits", "hdu": 2,
              "pix2world": p2w, "world2pix": w2p})


def synthetic(name, cards, pix, sky):
    h = fits.Header()
    for k, v in cards:
        h[k] = v
    w = WCS(h)
    p2w, w2p = values(w, pix, sky)
    cases.append({"name": name, "cards": cards, "pix2world": p2w, "world2pix": w2p})


grid = [[x, y] for x in (0.0, 300.5, 999.0) for y in (0.0, 511.0, 1023.0)]
# 3. TAN-SIP, third order, no AP/BP
sip = [["CTYPE1", "RA---TAN-SIP"], ["CTYPE2", "DEC--TAN-SIP"], ["CRPIX1", 500.5], ["CRPIX2", 512.0],
       ["CRVAL1", 202.4821], ["CRVAL2", 47.2315], ["CD1_1", -7.3e-5], ["CD1_2", 1.2e-6], ["CD2_1", -1.1e-6],
       ["CD2_2", 7.31e-5], ["A_ORDER", 3], ["B_ORDER", 3], ["A_2_0", 2.1e-6], ["A_1_1", -1.3e-6], ["A_0_2", 8e-7],
       ["A_3_0", 1.1e-9], ["A_1_2", -4e-10], ["B_2_0", -6e-7], ["B_1_1", 1.7e-6], ["B_0_2", -2.2e-6],
       ["B_0_3", 9e-10], ["B_2_1", 3e-10]]
sky = [[202.4821, 47.2315], [202.50, 47.25], [202.46, 47.21], [202.52, 47.20]]
synthetic("tan_sip_order3", sip, grid, sky)
# 4. the same with AP/BP (first-order inverse approximations; the inversion still iterates to exactness)
apbp = sip + [["AP_ORDER", 2], ["BP_ORDER", 2], ["AP_2_0", -2.1e-6], ["AP_1_1", 1.3e-6], ["AP_0_2", -8e-7],
              ["BP_2_0", 6e-7], ["BP_1_1", -1.7e-6], ["BP_0_2", 2.2e-6]]
synthetic("tan_sip_order3_apbp", apbp, grid, sky)
# 5. PC + CDELT with rotation and unequal scales near the pole
pc = [["CTYPE1", "RA---TAN"], ["CTYPE2", "DEC--TAN"], ["CRPIX1", 100.0], ["CRPIX2", -20.5], ["CRVAL1", 33.3],
      ["CRVAL2", 82.5], ["CDELT1", -2.0e-4], ["CDELT2", 3.0e-4], ["PC1_1", 0.866], ["PC1_2", -0.5],
      ["PC2_1", 0.5], ["PC2_2", 0.866]]
synthetic("tan_pc_cdelt_near_pole", pc, grid, [[33.3, 82.5], [30.0, 82.6], [36.0, 82.4], [33.0, 82.3]])
# 6. CDELT + CROTA2 and a LONPOLE
cr = [["CTYPE1", "RA---TAN"], ["CTYPE2", "DEC--TAN"], ["CRPIX1", 51.0], ["CRPIX2", 49.0], ["CRVAL1", 359.99],
      ["CRVAL2", -12.0], ["CDELT1", -1.1e-4], ["CDELT2", 1.1e-4], ["CROTA2", 23.0], ["LONPOLE", 170.0]]
synthetic("tan_crota2_lonpole_wrap", cr, [[0, 0], [50, 48], [99, 99], [10.5, 80.5]],
          [[359.99, -12.0], [0.004, -11.998], [359.985, -12.003]])

json.dump({"astropy": __import__("astropy").__version__, "cases": cases}, sys.stdout, indent=1)
print()
