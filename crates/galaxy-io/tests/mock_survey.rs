//! Tests of the mock survey: determinism, selection, documented relations, image/catalog consistency
//! and the truth DAG's local Markov property.

use galaxy_io::mock::cosmology::FlatLcdm;
use galaxy_io::mock::{GalaxyModel, MockCatalog, MockParams, MockSurvey, truth_dag};

/// Ordinary least squares by normal equations with Cholesky (columns standardised); returns the
/// coefficients (first = intercept) and residuals.
fn ols(columns: &[Vec<f64>], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = y.len();
    let mut x: Vec<Vec<f64>> = vec![vec![1.0; n]];
    let mut scale = vec![(0.0, 1.0)];
    for c in columns {
        let m = c.iter().sum::<f64>() / n as f64;
        let s = (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64)
            .sqrt()
            .max(1e-300);
        x.push(c.iter().map(|v| (v - m) / s).collect());
        scale.push((m, s));
    }
    let p = x.len();
    let mut a = vec![vec![0.0; p]; p];
    let mut b = vec![0.0; p];
    for i in 0..p {
        for j in 0..=i {
            let v: f64 = x[i].iter().zip(&x[j]).map(|(u, w)| u * w).sum();
            a[i][j] = v;
            a[j][i] = v;
        }
        b[i] = x[i].iter().zip(y).map(|(u, w)| u * w).sum();
        a[i][i] *= 1.0 + 1e-10;
    }
    // Cholesky
    let mut l = vec![vec![0.0; p]; p];
    for i in 0..p {
        for j in 0..=i {
            let s: f64 = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            l[i][j] = if i == j {
                s.max(1e-300).sqrt()
            } else {
                s / l[j][j]
            };
        }
    }
    let mut zz = vec![0.0; p];
    for i in 0..p {
        zz[i] = (b[i] - (0..i).map(|k| l[i][k] * zz[k]).sum::<f64>()) / l[i][i];
    }
    let mut beta = vec![0.0; p];
    for i in (0..p).rev() {
        beta[i] = (zz[i] - ((i + 1)..p).map(|k| l[k][i] * beta[k]).sum::<f64>()) / l[i][i];
    }
    let resid: Vec<f64> = (0..n)
        .map(|r| y[r] - (0..p).map(|k| beta[k] * x[k][r]).sum::<f64>())
        .collect();
    // back to original units
    let mut coef = vec![beta[0]];
    for k in 1..p {
        coef.push(beta[k] / scale[k].1);
        coef[0] -= beta[k] * scale[k].0 / scale[k].1;
    }
    (coef, resid)
}

fn quadratic(cols: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut out = cols.to_vec();
    for i in 0..cols.len() {
        for j in i..cols.len() {
            out.push(cols[i].iter().zip(&cols[j]).map(|(a, b)| a * b).collect());
        }
    }
    out
}

fn sd(v: &[f64]) -> f64 {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

fn corr(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (
        a.iter().sum::<f64>() / a.len() as f64,
        b.iter().sum::<f64>() / b.len() as f64,
    );
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    cov / (a.iter().map(|x| (x - ma).powi(2)).sum::<f64>()
        * b.iter().map(|y| (y - mb).powi(2)).sum::<f64>())
    .sqrt()
}

fn col(cat: &MockCatalog, name: &str) -> Vec<f64> {
    cat.column(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .to_vec()
}

fn selected_catalog(n: usize, seed: u64) -> MockCatalog {
    MockParams::new(n)
        .seed(seed)
        .check()
        .unwrap()
        .generate_catalog()
        .unwrap()
}

#[test]
fn same_seed_same_output_for_any_thread_count() {
    let make = |threads: usize, seed: u64| -> MockSurvey {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            MockParams::new(40)
                .seed(seed)
                .image_size(32)
                .check()
                .unwrap()
                .generate()
                .unwrap()
        })
    };
    let a = make(1, 11);
    let b = make(2, 11);
    assert_eq!(a.images, b.images);
    assert_eq!(a.catalog, b.catalog);
    let c = make(2, 12);
    assert_ne!(
        a.catalog.column("petroMag_r"),
        c.catalog.column("petroMag_r")
    );
    assert_ne!(a.images, c.images);
}

#[test]
fn flux_limit_counts_after_the_cut_and_can_be_turned_off() {
    let sel = selected_catalog(400, 3);
    assert_eq!(sel.len(), 400);
    let r = col(&sel, "petroMag_r");
    let ebv = col(&sel, "EBV");
    assert!(r.iter().zip(&ebv).all(|(m, e)| m - 2.751 * e < 17.77));
    let all = MockParams::new(400)
        .seed(3)
        .r_limit(None)
        .check()
        .unwrap()
        .generate_catalog()
        .unwrap();
    assert_eq!(all.len(), 400);
    let faint = col(&all, "petroMag_r")
        .iter()
        .zip(col(&all, "EBV"))
        .filter(|(m, e)| *m - 2.751 * e >= 17.77)
        .count();
    // without the cut most of a volume-weighted sample is fainter than the main-sample limit
    assert!(faint > 300, "{faint} of 400 fainter than 17.77");
    // the unselected redshift distribution follows dV_c/dz: its median solves the volume CDF
    let mut z = col(&all, "z");
    z.sort_by(f64::total_cmp);
    let cosmo = FlatLcdm::new(70.0, 0.3, 0.3).unwrap();
    let dc = |z: f64| cosmo.comoving_distance(z).powi(3);
    let half = 0.5 * (dc(0.3) + dc(0.01));
    let median_z = z[200];
    // comoving volume within the median redshift is half of the shell's (sampling error ~0.01 in z)
    assert!(
        (dc(median_z) - half).abs() / (dc(0.3) - dc(0.01)) < 0.08,
        "median z {median_z}"
    );
}

#[test]
fn mass_size_relation_recovers_input_slope() {
    let model = GalaxyModel::default();
    let cat = selected_catalog(4000, 5);
    let logm: Vec<f64> = col(&cat, "lgm_tot_p50").iter().map(|m| m - 10.5).collect();
    // the latent relation
    let (c, _) = ols(std::slice::from_ref(&logm), &col(&cat, "true_log_re_disk"));
    assert!((c[1] - model.re_disk_logm).abs() < 0.015, "slope {}", c[1]);
    // the measured relation: physical petroR50 of disk-dominated galaxies
    let cosmo = FlatLcdm::new(70.0, 0.3, 0.3).unwrap();
    let z = col(&cat, "z");
    let r50 = col(&cat, "petroR50_r");
    let frac = col(&cat, "true_bulge_frac_r");
    let keep: Vec<usize> = (0..cat.len()).filter(|&i| frac[i] < 0.1).collect();
    assert!(keep.len() > 1000);
    let y: Vec<f64> = keep
        .iter()
        .map(|&i| (r50[i] * cosmo.kpc_per_arcsec(z[i])).log10())
        .collect();
    let (c, _) = ols(&[keep.iter().map(|&i| logm[i]).collect()], &y);
    // PSF blurring and circular apertures add only a small bias to the slope
    assert!(
        (c[1] - model.re_disk_logm).abs() < 0.03,
        "observed mass-size slope {}",
        c[1]
    );
}

#[test]
fn colour_relations_recover_input_slope() {
    let model = GalaxyModel::default();
    let cat = selected_catalog(4000, 6);
    // bulges share one old population colour; disk colours follow sSFR
    assert!(
        col(&cat, "true_gr_bulge")
            .iter()
            .all(|&c| c == model.gr_bulge)
    );
    let ssfr: Vec<f64> = col(&cat, "true_ssfr").iter().map(|s| s + 10.0).collect();
    let (c, _) = ols(&[ssfr], &col(&cat, "true_gr_disk"));
    assert!(
        (c[1] - model.gr_disk_ssfr).abs() < 0.01,
        "disk colour slope {}",
        c[1]
    );
    // measured: the dereddened, k-corrected model g-r follows the light-weighted mix of the
    // component colours (slope 1, offset 0, scatter near the 0.03 mag colour error)
    let (g, r, ebv, z) = (
        col(&cat, "modelMag_g"),
        col(&cat, "modelMag_r"),
        col(&cat, "EBV"),
        col(&cat, "z"),
    );
    let k = model.kcorr;
    let frac = col(&cat, "true_bulge_frac_r");
    let (grb, grd) = (col(&cat, "true_gr_bulge"), col(&cat, "true_gr_disk"));
    let rest: Vec<f64> = (0..cat.len())
        .map(|i| {
            let obs = g[i] - r[i] - (model.extinction[1] - model.extinction[2]) * ebv[i];
            // obs = c + z (a_g - a_r + (s_g - s_r) c)  =>  c
            (obs - z[i] * (k.intercept[1] - k.intercept[2]))
                / (1.0 + z[i] * (k.colour_slope[1] - k.colour_slope[2]))
        })
        .collect();
    let mixed: Vec<f64> = (0..cat.len())
        .map(|i| frac[i] * grb[i] + (1.0 - frac[i]) * grd[i])
        .collect();
    let (c, resid) = ols(std::slice::from_ref(&mixed), &rest);
    assert!((c[1] - 1.0).abs() < 0.05, "slope {}", c[1]);
    let mean_diff = rest.iter().zip(&mixed).map(|(a, b)| a - b).sum::<f64>() / rest.len() as f64;
    assert!(mean_diff.abs() < 0.02, "offset {mean_diff}");
    assert!(sd(&resid) < 0.05, "scatter {}", sd(&resid));
}

#[test]
fn images_agree_with_catalog_fluxes() {
    let size = 64usize;
    let s = MockParams::new(120)
        .seed(9)
        .image_size(size)
        .keep_noiseless(true)
        .check()
        .unwrap()
        .generate()
        .unwrap();
    let clean = s.noiseless.as_ref().unwrap();
    let ins = &s.params.instrument;
    let c = (size as f64 - 1.0) / 2.0;
    let rp = col(&s.catalog, "petroRad_r");
    let mut checked = 0;
    let mut pulls = Vec::new();
    for gal in 0..s.catalog.len() {
        let rad = ins.petro_n * rp[gal] / ins.pixel_scale;
        if rad > c - 1.0 {
            continue;
        }
        // fractional pixel coverage of the aperture, 10x10 sub-pixels
        let mut cover = vec![0.0f64; size * size];
        for y in 0..size {
            for x in 0..size {
                let d = ((x as f64 - c).powi(2) + (y as f64 - c).powi(2)).sqrt();
                if d > rad + 0.75 {
                    continue;
                }
                let mut inside = 0;
                for sy in 0..10 {
                    for sx in 0..10 {
                        let px = x as f64 - 0.45 + 0.1 * sx as f64 - c;
                        let py = y as f64 - 0.45 + 0.1 * sy as f64 - c;
                        inside += (px * px + py * py <= rad * rad) as usize;
                    }
                }
                cover[y * size + x] = inside as f64 / 100.0;
            }
        }
        for (b, band) in ["u", "g", "r", "i", "z"].iter().enumerate() {
            let truth = s.catalog.column(&format!("true_petroFlux_{band}")).unwrap()[gal];
            let (mut sum_clean, mut sum_noisy, mut var) = (0.0, 0.0, 0.0);
            for p in 0..size * size {
                let w = cover[p];
                if w > 0.0 {
                    let model = clean[[gal, b, p / size, p % size]] as f64;
                    sum_clean += w * model;
                    sum_noisy += w * s.images[[gal, b, p / size, p % size]] as f64;
                    var += w
                        * w
                        * (ins.sky_sigma[b].powi(2) + model.max(0.0) / ins.electrons_per_nmgy[b]);
                }
            }
            assert!(
                (sum_clean - truth).abs() < 0.01 * truth,
                "galaxy {gal} {band}: image {sum_clean} vs catalog {truth}"
            );
            let cat_flux = s.catalog.column(&format!("petroFlux_{band}")).unwrap()[gal];
            let cat_err = s.catalog.column(&format!("petroFluxErr_{band}")).unwrap()[gal];
            pulls.push((sum_noisy - cat_flux) / (var + cat_err * cat_err).sqrt());
        }
        checked += 1;
    }
    assert!(
        checked > 60,
        "only {checked} galaxies fit their aperture in the stamp"
    );
    let mean = pulls.iter().sum::<f64>() / pulls.len() as f64;
    let spread = sd(&pulls);
    // independent noise in image and catalog: pulls ~ N(0, <= 1) (catalog errors include calibration)
    assert!(mean.abs() < 0.15, "mean pull {mean}");
    assert!(spread > 0.6 && spread < 1.15, "pull spread {spread}");
}

#[test]
fn mass_keeps_scatter_at_fixed_photometry_that_components_explain() {
    let cat = selected_catalog(4000, 8);
    let y = col(&cat, "lgm_tot_p50");
    let mut phot: Vec<Vec<f64>> = ["u", "g", "r", "i", "z"]
        .iter()
        .map(|b| col(&cat, &format!("petroMag_{b}")))
        .collect();
    phot.push(col(&cat, "EBV"));
    phot.push(col(&cat, "z").iter().map(|z| z.log10()).collect());
    let (_, r_phot) = ols(&quadratic(&phot), &y);
    let mut with = phot.clone();
    // what the images show: the bulge share of the light and the disk colour (the bulge colour is
    // one constant)
    with.extend([col(&cat, "true_bulge_frac_r"), col(&cat, "true_gr_disk")]);
    let (_, r_with) = ols(&quadratic(&with), &y);
    let (s0, s1) = (sd(&r_phot), sd(&r_with));
    println!(
        "log M* scatter at fixed ugriz + z: {s0:.3} dex; with B/T and disk colour: {s1:.3} dex"
    );
    assert!(s0 >= 0.1, "scatter at fixed ugriz + z only {s0}");
    assert!(
        s1 < 0.65 * s0,
        "B/T and component colours leave {s1} of {s0}"
    );
}

#[test]
fn truth_dag_has_required_nodes_in_topological_order() {
    let dag = truth_dag();
    for name in [
        "z", "EBV", "logM", "sSFR", "BT", "R50", "n", "ba", "rmag", "g_r", "r_i", "W1_W2", "W3",
    ] {
        assert!(dag.index_of(name).is_some(), "missing node {name}");
    }
    for e in &dag.edges {
        let (i, j) = (dag.index_of(&e.from).unwrap(), dag.index_of(&e.to).unwrap());
        assert!(
            i < j,
            "edge {} -> {} breaks the topological order",
            e.from,
            e.to
        );
    }
    assert!(dag.parents("z").unwrap().is_empty());
    assert_eq!(dag.parents("sSFR").unwrap(), vec!["logM", "BT"]);
    assert!(dag.parents("nope").is_err());
    let sub = dag.restrict(&["logM", "sSFR", "BT"]).unwrap();
    assert_eq!(sub.edges.len(), 3);
}

/// The local Markov property on the unselected population: each node, after a quadratic regression on
/// its parents, is uncorrelated with every non-descendant (|r| < 0.05 with 6000 galaxies, ~4 sigma).
#[test]
fn truth_dag_parents_screen_off_non_descendants() {
    let cat = MockParams::new(6000)
        .seed(21)
        .r_limit(None)
        .check()
        .unwrap()
        .generate_catalog()
        .unwrap();
    let dag = truth_dag();
    let values = dag.node_values(&cat).unwrap();
    assert!(values.iter().all(|v| v.is_finite()));
    let nodes = dag.node_names();
    let column = |j: usize| values.column(j).to_vec();
    let adj = dag.adjacency();
    let k = nodes.len();
    // descendants by transitive closure
    let mut reach = adj.mapv(|v| v != 0);
    for m in 0..k {
        for i in 0..k {
            for j in 0..k {
                if reach[[i, m]] && reach[[m, j]] {
                    reach[[i, j]] = true;
                }
            }
        }
    }
    for j in 0..k {
        let parents: Vec<usize> = (0..k).filter(|&i| adj[[i, j]] != 0).collect();
        let resid = if parents.is_empty() {
            column(j)
        } else {
            ols(
                &quadratic(&parents.iter().map(|&p| column(p)).collect::<Vec<_>>()),
                &column(j),
            )
            .1
        };
        for o in 0..k {
            if o == j || parents.contains(&o) || reach[[j, o]] {
                continue;
            }
            let r = corr(&resid, &column(o));
            assert!(
                r.abs() < 0.05,
                "{} not screened off from {} by its parents: r = {r}",
                nodes[j],
                nodes[o]
            );
        }
    }
}

#[test]
fn invalid_parameters_are_typed_errors() {
    assert!(MockParams::new(0).check().is_err());
    assert!(MockParams::new(10).image_size(2).check().is_err());
    assert!(MockParams::new(10).z_range(0.3, 0.1).check().is_err());
    let m = GalaxyModel {
        ms_scatter: f64::NAN,
        ..Default::default()
    };
    assert!(MockParams::new(10).model(m).check().is_err());
    let m = GalaxyModel {
        q_bulge: 0.0,
        ..Default::default()
    };
    let err = MockParams::new(10).model(m).check().unwrap_err();
    assert!(err.to_string().contains("q_bulge"), "{err}");
    // an impossible flux limit ends with an error, not a hang
    let mut p = MockParams::new(5).r_limit(Some(5.0));
    p.max_candidates_per_galaxy = 100;
    assert!(matches!(
        p.check().unwrap().generate(),
        Err(galaxy_io::mock::MockError::SelectionTooStrict { .. })
    ));
}
