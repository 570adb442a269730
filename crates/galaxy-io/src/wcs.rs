//! World coordinates: the gnomonic (TAN) projection with a CD matrix, or PC + CDELT (or CROTA2), and
//! SIP distortions when present (Calabretta & Greisen 2002; Shupe et al. 2005).
//!
//! Pixel coordinates here are **0-based** (the centre of the first pixel is (0, 0)), as astropy's
//! `pixel_to_world` / `all_pix2world(..., 0)`; x runs along NAXIS1 (columns). Sky coordinates are
//! (RA, Dec) in degrees. With SIP, sky -> pixel inverts the forward distortion iteratively to 1e-12 pixel
//! (as astropy's `all_world2pix`), starting from the AP/BP polynomials when present.
//!
//! Checked against astropy 8.0.2 on the SDSS frame of `../shared/data/sdss` and on SIP and PC+CDELT
//! headers (`tests/wcs_astropy.rs`, expected values from `scripts/wcs_expected.py`). The `wcs` crate 0.4.2
//! that fitsrs depends on was checked the same way on the SDSS u frame and missed astropy's pixel positions
//! by up to 1.2 pixel (sky positions by 0.5"), so this module does not use it.
//!
//! ```
//! use galaxy_io::wcs::TanWcs;
//! let w = TanWcs::new([26.0, 26.0], [5.0, 0.07], [[-1.1e-4, 0.0], [0.0, 1.1e-4]])?;
//! let (ra, dec) = w.pixel_to_sky(25.0, 25.0);
//! assert!((ra - 5.0).abs() < 1e-12 && (dec - 0.07).abs() < 1e-12);
//! let (x, y) = w.sky_to_pixel(ra + 1e-3, dec)?;
//! let (ra2, dec2) = w.pixel_to_sky(x, y);
//! assert!((ra2 - ra - 1e-3).abs() < 1e-12 && (dec2 - dec).abs() < 1e-12);
//! # Ok::<(), galaxy_io::wcs::WcsError>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::fits::{Card, Header};

const D2R: f64 = std::f64::consts::PI / 180.0;
const R2D: f64 = 180.0 / std::f64::consts::PI;

/// Errors of WCS construction and transformation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WcsError {
    /// A required keyword is missing or not numeric.
    #[error("WCS keyword {0} is missing or not a number")]
    MissingKeyword(String),
    /// A projection other than TAN (or TAN-SIP).
    #[error("unsupported WCS: {0}")]
    Unsupported(String),
    /// The linear transformation cannot be inverted, or values are not finite.
    #[error("invalid WCS: {0}")]
    Invalid(String),
    /// The sky position lies on the hemisphere opposite the tangent point (no TAN projection).
    #[error("sky position (ra {ra}, dec {dec}) is not on the projected hemisphere")]
    BehindTangentPlane {
        /// RA in degrees.
        ra: f64,
        /// Dec in degrees.
        dec: f64,
    },
    /// The iterative SIP inversion did not converge.
    #[error("SIP inversion did not converge at (ra {ra}, dec {dec})")]
    NoConvergence {
        /// RA in degrees.
        ra: f64,
        /// Dec in degrees.
        dec: f64,
    },
}

/// SIP polynomial coefficients: `a[p][q]` multiplies u^p v^q.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sip {
    /// A_p_q (order A_ORDER).
    pub a: Vec<Vec<f64>>,
    /// B_p_q (order B_ORDER).
    pub b: Vec<Vec<f64>>,
    /// AP_p_q, when present.
    pub ap: Option<Vec<Vec<f64>>>,
    /// BP_p_q, when present.
    pub bp: Option<Vec<Vec<f64>>>,
}

fn poly(c: &[Vec<f64>], u: f64, v: f64) -> f64 {
    let mut s = 0.0;
    let mut up = 1.0;
    for row in c {
        let mut vq = 1.0;
        for &k in row {
            s += k * up * vq;
            vq *= v;
        }
        up *= u;
    }
    s
}

fn poly_grad(c: &[Vec<f64>], u: f64, v: f64) -> (f64, f64) {
    let (mut du, mut dv) = (0.0, 0.0);
    for (p, row) in c.iter().enumerate() {
        for (q, &k) in row.iter().enumerate() {
            if k == 0.0 {
                continue;
            }
            if p > 0 {
                du += k * p as f64 * u.powi(p as i32 - 1) * v.powi(q as i32);
            }
            if q > 0 {
                dv += k * q as f64 * u.powi(p as i32) * v.powi(q as i32 - 1);
            }
        }
    }
    (du, dv)
}

/// A celestial TAN (gnomonic) WCS, optionally with SIP distortion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TanWcs {
    /// CRPIX1, CRPIX2 (1-based, as in the header).
    pub crpix: [f64; 2],
    /// CRVAL1, CRVAL2 (degrees): the tangent point.
    pub crval: [f64; 2],
    /// The linear matrix in degrees per pixel (CD, or CDELT_i * PC_ij).
    pub cd: [[f64; 2]; 2],
    /// LONPOLE (degrees); 180 by default for TAN.
    pub lonpole: f64,
    /// SIP distortion, if any.
    pub sip: Option<Sip>,
    cd_inv: [[f64; 2]; 2],
}

fn invert(m: [[f64; 2]; 2]) -> Result<[[f64; 2]; 2], WcsError> {
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    if !(det.is_finite() && det != 0.0) {
        return Err(WcsError::Invalid(format!("singular linear matrix {m:?}")));
    }
    Ok([
        [m[1][1] / det, -m[0][1] / det],
        [-m[1][0] / det, m[0][0] / det],
    ])
}

impl TanWcs {
    /// A TAN WCS from CRPIX (1-based), CRVAL (deg) and CD (deg/pixel), LONPOLE 180, no SIP.
    pub fn new(crpix: [f64; 2], crval: [f64; 2], cd: [[f64; 2]; 2]) -> Result<TanWcs, WcsError> {
        if crpix
            .iter()
            .chain(&crval)
            .chain(cd.iter().flatten())
            .any(|v| !v.is_finite())
        {
            return Err(WcsError::Invalid("non-finite CRPIX, CRVAL or CD".into()));
        }
        if !(-90.0..=90.0).contains(&crval[1]) {
            return Err(WcsError::Invalid(format!(
                "CRVAL2 = {} is not a declination",
                crval[1]
            )));
        }
        Ok(TanWcs {
            crpix,
            crval,
            cd,
            lonpole: 180.0,
            sip: None,
            cd_inv: invert(cd)?,
        })
    }

    /// Reads the WCS of an image header: CTYPE `RA---TAN` / `DEC--TAN` (or `-SIP`), CRPIX, CRVAL, and CD_ij,
    /// or PC_ij with CDELT_i, or CDELT_i with CROTA2; LONPOLE; SIP A/B (AP/BP) coefficients.
    pub fn from_header(h: &Header) -> Result<TanWcs, WcsError> {
        let num = |k: &str| h.get(k).and_then(|v| v.as_f64());
        let req = |k: &str| num(k).ok_or_else(|| WcsError::MissingKeyword(k.into()));
        let ctype = |k: &str| {
            h.get(k)
                .and_then(|v| v.as_str().map(|s| s.trim().to_string()))
        };
        let (c1, c2) = (
            ctype("CTYPE1").unwrap_or_default(),
            ctype("CTYPE2").unwrap_or_default(),
        );
        let ok1 = c1 == "RA---TAN" || c1 == "RA---TAN-SIP";
        let ok2 = c2 == "DEC--TAN" || c2 == "DEC--TAN-SIP";
        if !(ok1 && ok2) {
            return Err(WcsError::Unsupported(format!(
                "CTYPE1 = '{c1}', CTYPE2 = '{c2}' (only RA---TAN / DEC--TAN[-SIP])"
            )));
        }
        for k in ["CUNIT1", "CUNIT2"] {
            if let Some(u) = ctype(k)
                && !(u.is_empty() || u.eq_ignore_ascii_case("deg"))
            {
                return Err(WcsError::Unsupported(format!("{k} = '{u}' (only degrees)")));
            }
        }
        let crpix = [req("CRPIX1")?, req("CRPIX2")?];
        let crval = [req("CRVAL1")?, req("CRVAL2")?];
        let has_cd = ["CD1_1", "CD1_2", "CD2_1", "CD2_2"]
            .iter()
            .any(|k| num(k).is_some());
        let cd = if has_cd {
            [
                [num("CD1_1").unwrap_or(0.0), num("CD1_2").unwrap_or(0.0)],
                [num("CD2_1").unwrap_or(0.0), num("CD2_2").unwrap_or(0.0)],
            ]
        } else {
            let cdelt = [req("CDELT1")?, req("CDELT2")?];
            let has_pc = ["PC1_1", "PC1_2", "PC2_1", "PC2_2"]
                .iter()
                .any(|k| num(k).is_some());
            let pc = if has_pc {
                [
                    [num("PC1_1").unwrap_or(1.0), num("PC1_2").unwrap_or(0.0)],
                    [num("PC2_1").unwrap_or(0.0), num("PC2_2").unwrap_or(1.0)],
                ]
            } else if let Some(rho) = num("CROTA2") {
                let (s, c) = (rho * D2R).sin_cos();
                [[c, -s * cdelt[1] / cdelt[0]], [s * cdelt[0] / cdelt[1], c]]
            } else {
                [[1.0, 0.0], [0.0, 1.0]]
            };
            [
                [cdelt[0] * pc[0][0], cdelt[0] * pc[0][1]],
                [cdelt[1] * pc[1][0], cdelt[1] * pc[1][1]],
            ]
        };
        let mut w = TanWcs::new(crpix, crval, cd)?;
        if let Some(lp) = num("LONPOLE") {
            w.lonpole = lp;
        }
        if c1.ends_with("-SIP") || c2.ends_with("-SIP") {
            let read = |name: &str, required: bool| -> Result<Option<Vec<Vec<f64>>>, WcsError> {
                let order = match num(&format!("{name}_ORDER")) {
                    Some(o) if (0.0..=20.0).contains(&o) => o as usize,
                    Some(o) => return Err(WcsError::Invalid(format!("{name}_ORDER = {o}"))),
                    None if required => {
                        return Err(WcsError::MissingKeyword(format!("{name}_ORDER")));
                    }
                    None => return Ok(None),
                };
                let mut c = vec![vec![0.0; order + 1]; order + 1];
                for (p, row) in c.iter_mut().enumerate() {
                    for (q, v) in row.iter_mut().enumerate() {
                        if p + q <= order {
                            *v = num(&format!("{name}_{p}_{q}")).unwrap_or(0.0);
                        }
                    }
                }
                Ok(Some(c))
            };
            w.sip = Some(Sip {
                a: read("A", true)?.unwrap_or_default(),
                b: read("B", true)?.unwrap_or_default(),
                ap: read("AP", false)?,
                bp: read("BP", false)?,
            });
        }
        Ok(w)
    }

    /// Header cards describing this WCS (CD form; SIP coefficients when present).
    pub fn to_cards(&self) -> Vec<Card> {
        let sip = self.sip.is_some();
        let mut c = vec![
            Card::new(
                "CTYPE1",
                if sip { "RA---TAN-SIP" } else { "RA---TAN" },
                "gnomonic projection",
            ),
            Card::new(
                "CTYPE2",
                if sip { "DEC--TAN-SIP" } else { "DEC--TAN" },
                "gnomonic projection",
            ),
            Card::new("CUNIT1", "deg", ""),
            Card::new("CUNIT2", "deg", ""),
            Card::new("CRPIX1", self.crpix[0], "reference pixel x (1-based)"),
            Card::new("CRPIX2", self.crpix[1], "reference pixel y (1-based)"),
            Card::new("CRVAL1", self.crval[0], "RA of the reference pixel (deg)"),
            Card::new("CRVAL2", self.crval[1], "Dec of the reference pixel (deg)"),
            Card::new("CD1_1", self.cd[0][0], ""),
            Card::new("CD1_2", self.cd[0][1], ""),
            Card::new("CD2_1", self.cd[1][0], ""),
            Card::new("CD2_2", self.cd[1][1], ""),
            Card::new("LONPOLE", self.lonpole, ""),
        ];
        if let Some(s) = &self.sip {
            let mut push = |name: &str, m: &[Vec<f64>]| {
                let order = m.len().saturating_sub(1);
                c.push(Card::new(format!("{name}_ORDER"), order as i64, ""));
                for (p, row) in m.iter().enumerate() {
                    for (q, &v) in row.iter().enumerate() {
                        if p + q <= order && v != 0.0 {
                            c.push(Card::new(format!("{name}_{p}_{q}"), v, ""));
                        }
                    }
                }
            };
            push("A", &s.a);
            push("B", &s.b);
            if let Some(ap) = &s.ap {
                push("AP", ap);
            }
            if let Some(bp) = &s.bp {
                push("BP", bp);
            }
        }
        c
    }

    /// The same WCS for a sub-image whose pixel (0, 0) is this image's pixel (`x0`, `y0`) (fractional
    /// offsets allowed, e.g. for re-centred resampled stamps).
    pub fn shifted(&self, x0: f64, y0: f64) -> TanWcs {
        let mut w = self.clone();
        w.crpix = [self.crpix[0] - x0, self.crpix[1] - y0];
        w
    }

    fn sip_forward(&self, u: f64, v: f64) -> (f64, f64) {
        match &self.sip {
            Some(s) => (u + poly(&s.a, u, v), v + poly(&s.b, u, v)),
            None => (u, v),
        }
    }

    /// Sky position (RA, Dec in degrees) of the 0-based pixel (`x`, `y`).
    pub fn pixel_to_sky(&self, x: f64, y: f64) -> (f64, f64) {
        let (u, v) = self.sip_forward(x + 1.0 - self.crpix[0], y + 1.0 - self.crpix[1]);
        let xi = self.cd[0][0] * u + self.cd[0][1] * v;
        let eta = self.cd[1][0] * u + self.cd[1][1] * v;
        self.intermediate_to_sky(xi, eta)
    }

    /// Intermediate world coordinates (degrees) -> sky.
    fn intermediate_to_sky(&self, xi: f64, eta: f64) -> (f64, f64) {
        let r = (xi * xi + eta * eta).sqrt();
        let phi = if r == 0.0 { 0.0 } else { xi.atan2(-eta) };
        let theta = R2D.atan2(r);
        let (sp, cp) = (phi - self.lonpole * D2R).sin_cos();
        let (st, ct) = theta.sin_cos();
        let (sd, cd) = (self.crval[1] * D2R).sin_cos();
        // components of the unit vector: cos(dec) sin(dra), cos(dec) cos(dra), sin(dec); atan2 forms keep
        // full precision near the tangent point and near the poles
        let (cs, cc) = (-ct * sp, st * cd - ct * sd * cp);
        let ra = self.crval[0] * D2R + cs.atan2(cc);
        let dec = (st * sd + ct * cd * cp).atan2(cs.hypot(cc));
        ((ra * R2D).rem_euclid(360.0), dec * R2D)
    }

    /// Sky -> intermediate world coordinates (degrees).
    fn sky_to_intermediate(&self, ra: f64, dec: f64) -> Result<(f64, f64), WcsError> {
        if !(ra.is_finite() && dec.is_finite()) {
            return Err(WcsError::Invalid(format!(
                "non-finite sky position ({ra}, {dec})"
            )));
        }
        let (sa, ca) = ((ra - self.crval[0]) * D2R).sin_cos();
        let (sdl, cdl) = (dec * D2R).sin_cos();
        let (sd, cd) = (self.crval[1] * D2R).sin_cos();
        // native spherical coordinates; cos(theta) from the components (not sqrt(1 - sin^2), which loses
        // all precision within arcseconds of the tangent point)
        let (a, b) = (-cdl * sa, sdl * cd - cdl * sd * ca);
        let phi = self.lonpole * D2R + a.atan2(b);
        let st = sdl * sd + cdl * cd * ca; // sin(theta)
        if st <= 0.0 {
            return Err(WcsError::BehindTangentPlane { ra, dec });
        }
        let ct = a.hypot(b);
        let r = R2D * ct / st;
        Ok((r * phi.sin(), -r * phi.cos()))
    }

    /// 0-based pixel position of a sky position (RA, Dec in degrees).
    pub fn sky_to_pixel(&self, ra: f64, dec: f64) -> Result<(f64, f64), WcsError> {
        let (xi, eta) = self.sky_to_intermediate(ra, dec)?;
        let up = self.cd_inv[0][0] * xi + self.cd_inv[0][1] * eta;
        let vp = self.cd_inv[1][0] * xi + self.cd_inv[1][1] * eta;
        let (u, v) = match &self.sip {
            None => (up, vp),
            Some(s) => {
                // starting point: AP/BP if given, else the undistorted position
                let (mut u, mut v) = match (&s.ap, &s.bp) {
                    (Some(ap), Some(bp)) => (up + poly(ap, up, vp), vp + poly(bp, up, vp)),
                    _ => (up, vp),
                };
                let mut converged = false;
                for _ in 0..50 {
                    let (fu, fv) = self.sip_forward(u, v);
                    let (ru, rv) = (fu - up, fv - vp);
                    if ru.abs() < 1e-12 && rv.abs() < 1e-12 {
                        converged = true;
                        break;
                    }
                    let (au, av) = poly_grad(&s.a, u, v);
                    let (bu, bv) = poly_grad(&s.b, u, v);
                    let (j00, j01, j10, j11) = (1.0 + au, av, bu, 1.0 + bv);
                    let det = j00 * j11 - j01 * j10;
                    if !(det.is_finite() && det.abs() > 1e-12) {
                        break;
                    }
                    u -= (j11 * ru - j01 * rv) / det;
                    v -= (-j10 * ru + j00 * rv) / det;
                }
                if !converged {
                    return Err(WcsError::NoConvergence { ra, dec });
                }
                (u, v)
            }
        };
        Ok((u + self.crpix[0] - 1.0, v + self.crpix[1] - 1.0))
    }

    /// Local pixel scale (arcsec per pixel, geometric mean of the two axes) at the reference pixel.
    pub fn pixel_scale_arcsec(&self) -> f64 {
        let det = (self.cd[0][0] * self.cd[1][1] - self.cd[0][1] * self.cd[1][0]).abs();
        det.sqrt() * 3600.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_pixel_maps_to_crval_and_back() {
        let w = TanWcs::new(
            [1025.0, 745.0],
            [164.42, 39.12],
            [[-2.48e-5, 1.07e-4], [1.07e-4, 2.49e-5]],
        )
        .unwrap();
        let (ra, dec) = w.pixel_to_sky(1024.0, 744.0);
        assert!((ra - 164.42).abs() < 1e-12 && (dec - 39.12).abs() < 1e-12);
        for (x, y) in [(0.0, 0.0), (2047.0, 1488.0), (13.5, 900.25)] {
            let (ra, dec) = w.pixel_to_sky(x, y);
            let (x2, y2) = w.sky_to_pixel(ra, dec).unwrap();
            // RA near 164 deg in f64 resolves ~2e-14 deg = 2e-10 px; trigonometry costs a little more
            assert!(
                (x - x2).abs() < 1e-7 && (y - y2).abs() < 1e-7,
                "{x} {y} -> {x2} {y2}"
            );
        }
        assert!((w.pixel_scale_arcsec() - 0.3955).abs() < 1e-3);
    }

    #[test]
    fn gnomonic_distance_is_the_tangent_of_the_angle() {
        // 1 degree east of a tangent point on the equator: xi = tan(1 deg) in radians -> degrees
        let w = TanWcs::new(
            [1.0, 1.0],
            [10.0, 0.0],
            [[-1.0 / 3600.0, 0.0], [0.0, 1.0 / 3600.0]],
        )
        .unwrap();
        let (x, y) = w.sky_to_pixel(11.0, 0.0).unwrap();
        let expect = (1.0f64.to_radians().tan()).to_degrees() * 3600.0;
        assert!((x + expect).abs() < 1e-8, "{x} vs {}", -expect);
        assert!(y.abs() < 1e-9);
        assert!(matches!(
            w.sky_to_pixel(190.0, 0.0),
            Err(WcsError::BehindTangentPlane { .. })
        ));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(TanWcs::new([1.0, 1.0], [0.0, 0.0], [[0.0, 0.0], [0.0, 0.0]]).is_err());
        assert!(TanWcs::new([f64::NAN, 1.0], [0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]]).is_err());
        assert!(TanWcs::new([1.0, 1.0], [0.0, 95.0], [[1.0, 0.0], [0.0, 1.0]]).is_err());
        let h = Header::from_cards(vec![
            Card::new("CTYPE1", "RA---SIN", ""),
            Card::new("CTYPE2", "DEC--SIN", ""),
        ]);
        assert!(matches!(
            TanWcs::from_header(&h),
            Err(WcsError::Unsupported(_))
        ));
        let h = Header::from_cards(vec![
            Card::new("CTYPE1", "RA---TAN", ""),
            Card::new("CTYPE2", "DEC--TAN", ""),
        ]);
        assert!(matches!(
            TanWcs::from_header(&h),
            Err(WcsError::MissingKeyword(_))
        ));
    }

    #[test]
    fn cards_round_trip() {
        let mut w =
            TanWcs::new([10.5, 20.25], [150.0, -30.0], [[1e-4, 2e-5], [-2e-5, 1e-4]]).unwrap();
        w.sip = Some(Sip {
            a: vec![
                vec![0.0, 0.0, 1e-6],
                vec![0.0, 2e-6, 0.0],
                vec![3e-6, 0.0, 0.0],
            ],
            b: vec![
                vec![0.0, 0.0, 4e-6],
                vec![0.0, 0.0, 0.0],
                vec![-1e-6, 0.0, 0.0],
            ],
            ap: None,
            bp: None,
        });
        let back = TanWcs::from_header(&Header::from_cards(w.to_cards())).unwrap();
        assert_eq!(back, w);
    }
}
