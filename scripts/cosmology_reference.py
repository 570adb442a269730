"""Reference distances for crates/galaxy-io/src/mock/cosmology.rs tests (astropy FlatLambdaCDM, no CMB)."""
from astropy.cosmology import FlatLambdaCDM

c = FlatLambdaCDM(H0=70, Om0=0.3, Tcmb0=0)
print("comoving_distance(0.1) =", c.comoving_distance(0.1))
print("luminosity_distance(0.3) =", c.luminosity_distance(0.3))
print("distmod(0.05) =", c.distmod(0.05))
print("angular_diameter_distance(0.2) =", c.angular_diameter_distance(0.2))
print("differential_comoving_volume(0.2) =", c.differential_comoving_volume(0.2))
