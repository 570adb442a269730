//! Causal discovery and model-free information decomposition on a real catalog: the SDSS DR13 MaNGA
//! summary table (`drpall-v1_5_4.fits`), with NASA-Sloan Atlas stellar masses, redshifts, Sersic fits
//! and photometry.
//!
//! ```sh
//! cargo run --release --example manga_catalog -- [--data FILE] [--out DIR] [--alpha 0.01] [--seed S]
//! ```
//!
//! Without `--data`, the file is looked up in `MSTAR_REFERENCE_DATA`, else `../shared/data` beside the
//! workspace (`sdss/manga_drpall_dr13/drpall-v1_5_4.fits`). Rows are deduplicated on `nsa_nsaid`
//! (first occurrence kept; -9999 means no NSA match). Masses are the NSA's, in solar masses for
//! h = 1 (M h^-2): log10 M* here is offset by +2 log10(h^-1) ~ +0.31 dex for h = 0.7 from the usual
//! convention, which shifts every value and changes no dependence. All galaxies are one class.
//!
//! Writes `report.md`, `results.json`, `graph_pc.png` and `pid.png` to `--out` (default
//! `report-manga`).

use std::path::{Path, PathBuf};

use causal_search::ci::fisher_z::FisherZ;
use causal_search::data::Dataset;
use causal_search::graph::Mark;
use causal_search::search::knowledge::Knowledge;
use causal_search::search::pc::PcParams;
use clap::Parser;
use galaxy_io::Catalog;
use info_decomp::{Estimator, Measure, PidParams};
use mstar::figures::{
    BarPanel, BarSpec, DrawnEdge, EndMark, GraphSpec, Series, atom_series, graph,
    signed_stacked_bars,
};
use mstar::report::{Markdown, fmt_num, write_json};
use ndarray::{Array1, Array2, Axis};

/// PC and model-free PIDs on the real MaNGA DR13 summary table.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The drpall FITS file (default: the reference data beside the workspace).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Output directory.
    #[arg(long, default_value = "report-manga")]
    out: PathBuf,
    /// Significance level of the CI tests.
    #[arg(long, default_value_t = 0.01)]
    alpha: f64,
    /// Seed of the kNN estimators' tie jitter.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Debug)]
struct Error(String);
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl<E: std::error::Error> From<E> for Error {
    fn from(e: E) -> Self {
        Error(e.to_string())
    }
}

fn default_data() -> PathBuf {
    let base = std::env::var_os("MSTAR_REFERENCE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    base.join("sdss/manga_drpall_dr13/drpall-v1_5_4.fits")
}

/// The variables derived from the table (name, meaning, values with NaN for missing).
/// The derived variables: (name, meaning), the complete rows, and the row counts.
struct Derived {
    vars: Vec<(String, String)>,
    values: Array2<f64>,
    n_unique: usize,
    n_rows: usize,
}

fn variables(cat: &Catalog) -> Result<Derived, Error> {
    let nsaid = cat.f64("nsa_nsaid")?;
    // deduplicate on nsa_nsaid, keeping the first row of each; -9999 = no NSA match
    let mut seen = std::collections::HashSet::new();
    let keep: Vec<usize> = (0..cat.nrows())
        .filter(|&i| nsaid[i].is_finite() && nsaid[i] != -9999.0 && seen.insert(nsaid[i] as i64))
        .collect();
    let clean = |v: Array1<f64>| {
        v.mapv(|x| {
            if x == -9999.0 || !x.is_finite() {
                f64::NAN
            } else {
                x
            }
        })
    };
    let log_pos = |v: Array1<f64>| v.mapv(|x| if x > 0.0 { x.log10() } else { f64::NAN });
    let absmag = |k: usize| -> Result<Array1<f64>, Error> {
        Ok(clean(cat.f64(&format!("nsa_elpetro_absmag[{k}]"))?))
    };
    let cols: Vec<(&str, &str, Array1<f64>)> = vec![
        ("z", "NSA redshift", clean(cat.f64("nsa_z")?)),
        ("EBV", "Galactic E(B-V)", clean(cat.f64("ebvgal")?)),
        (
            "logM",
            "log10 NSA elliptical-Petrosian stellar mass [dex, h = 1]",
            log_pos(clean(cat.f64("nsa_elpetro_mass")?)),
        ),
        (
            "Mr",
            "r absolute magnitude (elliptical Petrosian) [mag]",
            absmag(4)?,
        ),
        ("u_r", "u - r colour [mag]", absmag(2)? - absmag(4)?),
        ("g_r", "g - r colour [mag]", absmag(3)? - absmag(4)?),
        ("n", "Sersic index", clean(cat.f64("nsa_sersic_n")?)),
        (
            "ba",
            "Sersic axis ratio b/a",
            clean(cat.f64("nsa_sersic_ba")?),
        ),
        (
            "logR50",
            "log10 Sersic half-light radius [arcsec]",
            log_pos(clean(cat.f64("nsa_sersic_th50")?)),
        ),
    ];
    let names: Vec<(String, String)> = cols
        .iter()
        .map(|(n, d, _)| (n.to_string(), d.to_string()))
        .collect();
    let full = Array2::from_shape_fn((cat.nrows(), cols.len()), |(i, j)| cols[j].2[i]);
    let dedup = full.select(Axis(0), &keep);
    let complete: Vec<usize> = (0..dedup.nrows())
        .filter(|&i| dedup.row(i).iter().all(|v| v.is_finite()))
        .collect();
    Ok(Derived {
        vars: names,
        values: dedup.select(Axis(0), &complete),
        n_unique: keep.len(),
        n_rows: cat.nrows(),
    })
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("manga_catalog: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), Error> {
    let path = args.data.clone().unwrap_or_else(default_data);
    if !path.exists() {
        return Err(Error(format!(
            "{} not found: pass --data or set MSTAR_REFERENCE_DATA",
            path.display()
        )));
    }
    let cat = Catalog::from_fits(&path, Some(1))?;
    let Derived {
        vars,
        values,
        n_unique,
        n_rows,
    } = variables(&cat)?;
    let names: Vec<String> = vars.iter().map(|v| v.0.clone()).collect();
    eprintln!(
        "{n_rows} rows, {n_unique} unique NSA galaxies, {} complete",
        values.nrows()
    );

    // PC with tiers: z and EBV cannot be caused by the galaxy's properties
    let ds = Dataset::new(values.clone(), names.clone())?;
    let test = FisherZ::new(&ds)?;
    let middle: Vec<&str> = names
        .iter()
        .map(|s| s.as_str())
        .filter(|n| *n != "z" && *n != "EBV")
        .collect();
    let knowledge = Knowledge::new()
        .add_tier(&["z", "EBV"], false)
        .add_tier(&middle, false);
    let pc = PcParams::new()
        .alpha(args.alpha)
        .knowledge(Some(knowledge))
        .check()?
        .run(&test, &names)?;
    let mark = |m: Mark| match m {
        Mark::Tail => ("-", EndMark::Tail),
        Mark::Arrow => (">", EndMark::Arrow),
        Mark::Circle => ("o", EndMark::Circle),
    };
    let edges = pc.graph.edges();
    let edge_text: Vec<String> = edges
        .iter()
        .map(|e| {
            let a = if mark(e.mark_a).0 == ">" {
                "<"
            } else {
                mark(e.mark_a).0
            };
            format!("{} {}-{} {}", names[e.a], a, mark(e.mark_b).0, names[e.b])
        })
        .collect();
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Error(format!("{}: {e}", args.out.display())))?;
    let drawn: Vec<DrawnEdge> = edges
        .iter()
        .map(|e| DrawnEdge {
            a: e.a,
            b: e.b,
            mark_a: mark(e.mark_a).1,
            mark_b: mark(e.mark_b).1,
            highlight: false,
        })
        .collect();
    graph(
        &args.out.join("graph_pc.png"),
        &GraphSpec {
            title: "MaNGA DR13 (NSA): PC-stable, Fisher-z",
            nodes: &names,
            edges: &drawn,
            legend: "tiers: z, EBV first",
        },
    )
    .map_err(|e| Error(e.to_string()))?;

    // model-free PIDs of log M* from pairs of sources
    let col = |n: &str| -> Array2<f64> {
        let j = names.iter().position(|m| m == n).unwrap_or(0);
        values.column(j).to_owned().insert_axis(Axis(1))
    };
    let y = col("logM");
    let pairs = [("Mr", "g_r"), ("Mr", "z"), ("n", "logR50"), ("g_r", "n")];
    let measures = [
        (Measure::Mmi, Estimator::Gcmi),
        (Measure::Iccs, Estimator::Gcmi),
        (Measure::Isx, Estimator::Ksg1),
    ];
    #[derive(serde::Serialize)]
    struct PidRow {
        x1: String,
        x2: String,
        measure: String,
        estimator: String,
        atoms: info_decomp::pid::Atoms,
    }
    let mut rows = Vec::new();
    for (a, b) in pairs {
        for (m, e) in measures {
            let r = PidParams::new(m, e)
                .k(3)
                .seed(args.seed)
                .check()?
                .decompose(col(a).view(), col(b).view(), y.view())?;
            rows.push(PidRow {
                x1: a.into(),
                x2: b.into(),
                measure: m.name().into(),
                estimator: e.name().into(),
                atoms: r.atoms,
            });
        }
    }
    let cats: Vec<String> = pairs.iter().map(|(a, b)| format!("{a} | {b}")).collect();
    let mut panel_vals: Vec<[Vec<f64>; 4]> = Vec::new();
    for (m, _) in measures {
        let mut v: [Vec<f64>; 4] = Default::default();
        for r in rows.iter().filter(|r| r.measure == m.name()) {
            v[0].push(r.atoms.redundancy);
            v[1].push(r.atoms.unique1);
            v[2].push(r.atoms.unique2);
            v[3].push(r.atoms.synergy);
        }
        panel_vals.push(v);
    }
    let titles: Vec<String> = measures
        .iter()
        .map(|(m, e)| format!("{} ({})", m.name(), e.name()))
        .collect();
    let series: Vec<Vec<Series<'_>>> = panel_vals.iter().map(atom_series).collect();
    let panels: Vec<BarPanel<'_>> = titles
        .iter()
        .zip(&series)
        .map(|(t, s)| BarPanel {
            title: t,
            categories: &cats,
            series: s,
        })
        .collect();
    signed_stacked_bars(
        &args.out.join("pid.png"),
        &BarSpec {
            title: "MaNGA DR13: information about log M* from pairs of catalog quantities",
            x_label: "sources X1 | X2",
            y_label: "information [nats]",
            panels: &panels,
        },
    )
    .map_err(|e| Error(e.to_string()))?;

    write_json(
        &args.out.join("results.json"),
        &serde_json::json!({
            "file": path.display().to_string(),
            "rows": n_rows,
            "unique_nsa": n_unique,
            "complete": values.nrows(),
            "variables": vars,
            "alpha": args.alpha,
            "pc_edges": edge_text,
            "pid": rows,
        }),
    )
    .map_err(|e| Error(e.to_string()))?;

    let mut md = Markdown::new();
    md.heading(1, "MaNGA DR13: causal discovery and information decomposition on real galaxies")
        .paragraph(&format!(
            "Table `{}`: {n_rows} rows, {n_unique} unique NSA galaxies (deduplicated on `nsa_nsaid`), {} with every \
             variable valid. Masses are NSA stellar masses for h = 1 (log10 M* offset by a constant from the h = 0.7 \
             convention). One class. Information in nats.",
            path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
            values.nrows()
        ));
    let var_rows: Vec<Vec<String>> = vars
        .iter()
        .map(|(n, d)| vec![n.clone(), d.clone()])
        .collect();
    md.table(&["variable", "meaning"], &var_rows)
        .map_err(|e| Error(e.to_string()))?;
    md.heading(2, "PC-stable (Fisher-z)")
        .paragraph(&format!(
            "alpha = {}, background knowledge: z and EBV in the first tier. Edges: {}.",
            args.alpha,
            edge_text.join("; ")
        ))
        .image("PC graph", "graph_pc.png");
    md.heading(2, "Partial information decompositions of log M*");
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                format!("{} | {}", r.x1, r.x2),
                format!("{} ({})", r.measure, r.estimator),
                fmt_num(r.atoms.i1, 3),
                fmt_num(r.atoms.i2, 3),
                fmt_num(r.atoms.total, 3),
                fmt_num(r.atoms.redundancy, 3),
                fmt_num(r.atoms.unique1, 3),
                fmt_num(r.atoms.unique2, 3),
                fmt_num(r.atoms.synergy, 3),
            ]
        })
        .collect();
    md.table(
        &[
            "sources", "measure", "I1", "I2", "I12", "Red", "Unq1", "Unq2", "Syn",
        ],
        &table,
    )
    .map_err(|e| Error(e.to_string()))?;
    md.image("PID atoms", "pid.png");
    md.write(&args.out.join("report.md"))
        .map_err(|e| Error(e.to_string()))?;
    eprintln!("report written to {}", args.out.display());
    Ok(())
}
