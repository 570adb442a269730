//! Distances in a flat Lambda-CDM cosmology (radiation neglected).
//!
//! All distances in megaparsecs. The comoving distance is integrated numerically once on a fine grid
//! (composite Simpson rule) and interpolated, so per-galaxy look-ups are cheap.

use serde::{Deserialize, Serialize};

use super::MockError;

/// Speed of light in km/s.
pub const SPEED_OF_LIGHT_KM_S: f64 = 299_792.458;

/// A flat Lambda-CDM cosmology with tabulated comoving distance on `[0, z_max]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlatLcdm {
    /// Hubble constant in km/s/Mpc.
    pub h0: f64,
    /// Matter density parameter (Omega_Lambda = 1 - Omega_m).
    pub omega_m: f64,
    z_max: f64,
    step: f64,
    /// Comoving distance (Mpc) at z = i * step.
    dc: Vec<f64>,
}

impl FlatLcdm {
    /// Number of grid intervals of the comoving-distance table.
    const GRID: usize = 4096;

    /// Builds the cosmology and tabulates distances up to `z_max`.
    ///
    /// Errors when `h0 <= 0`, `omega_m` is outside `[0, 1]` or `z_max <= 0` (or any is not finite).
    pub fn new(h0: f64, omega_m: f64, z_max: f64) -> Result<Self, MockError> {
        if !(h0.is_finite() && h0 > 0.0) {
            return Err(MockError::InvalidParameter {
                name: "h0",
                reason: format!("must be > 0, got {h0}"),
            });
        }
        if !(omega_m.is_finite() && (0.0..=1.0).contains(&omega_m)) {
            return Err(MockError::InvalidParameter {
                name: "omega_m",
                reason: format!("must lie in [0, 1], got {omega_m}"),
            });
        }
        if !(z_max.is_finite() && z_max > 0.0) {
            return Err(MockError::InvalidParameter {
                name: "z_max",
                reason: format!("must be > 0, got {z_max}"),
            });
        }
        let step = z_max / Self::GRID as f64;
        let hubble_distance = SPEED_OF_LIGHT_KM_S / h0;
        let inv_e = |z: f64| 1.0 / (omega_m * (1.0 + z).powi(3) + (1.0 - omega_m)).sqrt();
        let mut dc = Vec::with_capacity(Self::GRID + 1);
        dc.push(0.0);
        let mut acc = 0.0;
        for i in 0..Self::GRID {
            let a = i as f64 * step;
            let b = a + step;
            // Simpson on each interval: exact to ~step^4 for this smooth integrand.
            acc += step / 6.0 * (inv_e(a) + 4.0 * inv_e(0.5 * (a + b)) + inv_e(b));
            dc.push(hubble_distance * acc);
        }
        Ok(Self {
            h0,
            omega_m,
            z_max,
            step,
            dc,
        })
    }

    /// The largest redshift of the table.
    pub fn z_max(&self) -> f64 {
        self.z_max
    }

    /// E(z) = H(z) / H0.
    pub fn e_of_z(&self, z: f64) -> f64 {
        (self.omega_m * (1.0 + z).powi(3) + (1.0 - self.omega_m)).sqrt()
    }

    /// Line-of-sight comoving distance in Mpc (linear interpolation in the table; `z` is clamped to
    /// `[0, z_max]`).
    pub fn comoving_distance(&self, z: f64) -> f64 {
        let t = (z.clamp(0.0, self.z_max)) / self.step;
        let i = (t.floor() as usize).min(Self::GRID - 1);
        let f = t - i as f64;
        self.dc[i] * (1.0 - f) + self.dc[i + 1] * f
    }

    /// Luminosity distance in Mpc, (1 + z) D_C.
    pub fn luminosity_distance(&self, z: f64) -> f64 {
        (1.0 + z) * self.comoving_distance(z)
    }

    /// Angular-diameter distance in Mpc, D_C / (1 + z).
    pub fn angular_diameter_distance(&self, z: f64) -> f64 {
        self.comoving_distance(z) / (1.0 + z)
    }

    /// Distance modulus 5 log10(D_L / 10 pc).
    pub fn distance_modulus(&self, z: f64) -> f64 {
        5.0 * (self.luminosity_distance(z) * 1e5).log10()
    }

    /// Proper kiloparsecs per arcsecond at redshift `z`.
    pub fn kpc_per_arcsec(&self, z: f64) -> f64 {
        self.angular_diameter_distance(z) * 1000.0 * std::f64::consts::PI / 648_000.0
    }

    /// Comoving volume element per unit redshift and steradian, dV_c/dz/dOmega, in Mpc^3.
    pub fn dvc_dz(&self, z: f64) -> f64 {
        let dc = self.comoving_distance(z);
        SPEED_OF_LIGHT_KM_S / self.h0 * dc * dc / self.e_of_z(z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from astropy 8.0.2 `FlatLambdaCDM(H0=70, Om0=0.3, Tcmb0=0)`, to 1e-6 relative.
    #[test]
    fn distances_match_astropy() {
        let c = FlatLcdm::new(70.0, 0.3, 0.5).unwrap();
        // Values printed by scripts/cosmology_reference.py.
        let close = |got: f64, want: f64| (got - want).abs() <= 1e-6 * want.abs();
        assert!(
            close(c.comoving_distance(0.1), 418.454_487_627_701_9),
            "{}",
            c.comoving_distance(0.1)
        );
        assert!(
            close(c.luminosity_distance(0.3), 1_552.715_930_629_795_8),
            "{}",
            c.luminosity_distance(0.3)
        );
        assert!((c.distance_modulus(0.05) - 36.734_590_394_512_54).abs() < 1e-6);
        assert!(close(c.angular_diameter_distance(0.2), 680.602_699_212_191));
        assert!(
            close(c.dvc_dz(0.2), 2_588_079_090.994_883),
            "{}",
            c.dvc_dz(0.2)
        );
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(FlatLcdm::new(-1.0, 0.3, 0.3).is_err());
        assert!(FlatLcdm::new(70.0, 1.3, 0.3).is_err());
        assert!(FlatLcdm::new(70.0, 0.3, f64::NAN).is_err());
    }
}
