//! The study's latent-space local tests from files.
//!
//! ```text
//! cargo run --release -p causal-search --example local_tests -- \
//!     --latent S.npy --catalog catalog.csv --splits splits.json \
//!     --y lgm_tot_p50 --query Sersic_n_r --cond z [--k 100] [--kmax 2000] [--seed S] \
//!     [--class class] [--missing-abs 9000] [--sentinel -9999] [--summary summary.json] \
//!     --out local.csv
//! ```
//!
//! - `--latent`: an `.npy` array N x d (float64 or float32), one row per galaxy;
//! - `--catalog`: CSV with a header row, N rows in the same order; empty or unparsable cells
//!   are missing values, as are NaN and the optional `--sentinel` / `--missing-abs` rules;
//! - `--splits`: JSON `{"train": [...], "validation": [...], "test": [...]}` of row indices;
//!   the training rows are the neighbour pool.
//!
//! Writes one CSV row per galaxy with the six statistics (`nan` where undefined) and prints
//! summaries by split (and by class with `--class`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use causal_search::local::{LocalTestData, LocalTestParams, LocalTestResult, MissingValues};
use clap::Parser;
use ndarray::{Array1, Array2};

#[derive(Parser, Debug)]
#[command(about = "Latent-space local tests (METHOD.md section 5)")]
struct Args {
    /// Latent space S (.npy, N x d).
    #[arg(long)]
    latent: PathBuf,
    /// Catalog CSV with a header row (N rows, same order as the latent rows).
    #[arg(long)]
    catalog: PathBuf,
    /// Splits JSON {"train": [...], "validation": [...], "test": [...]}.
    #[arg(long)]
    splits: PathBuf,
    /// Target column Y.
    #[arg(long)]
    y: String,
    /// Query column X_q.
    #[arg(long)]
    query: String,
    /// Conditioning column X_c.
    #[arg(long)]
    cond: Option<String>,
    /// Neighbours used after masking.
    #[arg(long, default_value_t = 100)]
    k: usize,
    /// Neighbours searched before masking.
    #[arg(long, default_value_t = 2000)]
    kmax: usize,
    /// Permutation seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Class column for the summaries.
    #[arg(long)]
    class: Option<String>,
    /// Values with |v| >= this are missing (the study uses 9000 for magnitudes, radii, z).
    #[arg(long)]
    missing_abs: Option<f64>,
    /// Exact sentinel values that mark missing data (repeatable).
    #[arg(long, allow_negative_numbers = true)]
    sentinel: Vec<f64>,
    /// Write the summaries as JSON here.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Output CSV, one row per galaxy.
    #[arg(long)]
    out: PathBuf,
}

fn read_latent(path: &PathBuf) -> Result<Array2<f64>, String> {
    let f64_err = match ndarray_npy::read_npy::<_, Array2<f64>>(path) {
        Ok(a) => return Ok(a),
        Err(e) => e,
    };
    match ndarray_npy::read_npy::<_, Array2<f32>>(path) {
        Ok(a) => Ok(a.mapv(f64::from)),
        Err(_) => Err(format!(
            "cannot read {} as a 2-D float array: {f64_err}",
            path.display()
        )),
    }
}

struct Catalog {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Catalog {
    fn read(path: &PathBuf) -> Result<Self, String> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let header = rdr
            .headers()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| format!("{} data row {}: {e}", path.display(), i + 1))?;
            rows.push(rec.iter().map(str::to_string).collect());
        }
        Ok(Self { header, rows })
    }

    fn index(&self, name: &str) -> Result<usize, String> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "column `{name}` not in the catalog (columns: {})",
                self.header.join(", ")
            )
        })
    }

    /// Numeric column; empty or unparsable cells become NaN (missing).
    fn numeric(&self, name: &str) -> Result<Array1<f64>, String> {
        let j = self.index(name)?;
        Ok(self
            .rows
            .iter()
            .map(|r| {
                r.get(j)
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(f64::NAN)
            })
            .collect())
    }

    fn text(&self, name: &str) -> Result<Vec<String>, String> {
        let j = self.index(name)?;
        Ok(self
            .rows
            .iter()
            .map(|r| r.get(j).cloned().unwrap_or_default())
            .collect())
    }
}

/// Split label per row and the training rows.
fn read_splits(path: &PathBuf, n: usize) -> Result<(Vec<String>, Vec<usize>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let map: BTreeMap<String, Vec<usize>> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let train = map
        .get("train")
        .cloned()
        .ok_or_else(|| format!("{}: no \"train\" list", path.display()))?;
    let mut label = vec![String::from("none"); n];
    for (name, rows) in &map {
        for &r in rows {
            if r >= n {
                return Err(format!(
                    "{}: split `{name}` has row {r}, but there are {n} rows",
                    path.display()
                ));
            }
            if label[r] != "none" {
                return Err(format!(
                    "{}: row {r} is in both `{}` and `{name}`",
                    path.display(),
                    label[r]
                ));
            }
            label[r] = name.clone();
        }
    }
    Ok((label, train))
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "nan".to_string(), |x| format!("{x:.10}"))
}

fn write_csv(path: &PathBuf, res: &LocalTestResult, split: &[String]) -> Result<(), String> {
    let mut w = csv::Writer::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let err = |e: csv::Error| format!("{}: {e}", path.display());
    w.write_record([
        "row",
        "split",
        "n_used",
        "corr",
        "corr_perm",
        "pe",
        "n_used_cond",
        "corr_cond",
        "corr_perm_cond",
        "pe_cond",
    ])
    .map_err(err)?;
    for (i, s) in res.samples.iter().enumerate() {
        w.write_record([
            i.to_string(),
            split[i].clone(),
            s.n_used.to_string(),
            fmt(s.corr),
            fmt(s.corr_perm),
            fmt(s.pe),
            s.n_used_cond.to_string(),
            fmt(s.corr_cond),
            fmt(s.corr_perm_cond),
            fmt(s.pe_cond),
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| format!("{}: {e}", path.display()))
}

fn run(a: Args) -> Result<(), String> {
    let latent = read_latent(&a.latent)?;
    let cat = Catalog::read(&a.catalog)?;
    if cat.rows.len() != latent.nrows() {
        return Err(format!(
            "the catalog has {} rows but the latent array {}",
            cat.rows.len(),
            latent.nrows()
        ));
    }
    let (split, train) = read_splits(&a.splits, latent.nrows())?;
    let y = cat.numeric(&a.y)?;
    let q = cat.numeric(&a.query)?;
    let c = a
        .cond
        .as_deref()
        .map(|name| cat.numeric(name))
        .transpose()?;
    let missing = MissingValues {
        sentinels: a.sentinel.clone(),
        abs_at_least: a.missing_abs,
    };
    let tests = LocalTestParams::new()
        .k(a.k)
        .k_max(a.kmax)
        .seed(a.seed)
        .missing_y(missing.clone())
        .missing_query(missing.clone())
        .missing_cond(missing)
        .check()
        .map_err(|e| e.to_string())?;
    let t0 = std::time::Instant::now();
    let res = tests
        .run(&LocalTestData {
            latent: latent.view(),
            train: &train,
            y: y.view(),
            query: q.view(),
            cond: c.as_ref().map(|c| c.view()),
        })
        .map_err(|e| e.to_string())?;
    eprintln!(
        "local tests: {} galaxies, d = {}, {} training rows, k = {}, k_max = {}: {:.2} s",
        latent.nrows(),
        latent.ncols(),
        train.len(),
        a.k,
        a.kmax,
        t0.elapsed().as_secs_f64()
    );
    write_csv(&a.out, &res, &split)?;

    let mut labels: Vec<String> = split.clone();
    if let Some(col) = &a.class {
        let cls = cat.text(col)?;
        labels = split
            .iter()
            .zip(&cls)
            .map(|(s, c)| format!("{s}/{c}"))
            .collect();
    }
    let mut summaries = res.summarize_by(&split).map_err(|e| e.to_string())?;
    if a.class.is_some() {
        summaries.extend(
            res.summarize_by(&labels)
                .map_err(|e| e.to_string())?
                .into_iter()
                .skip(1),
        );
    }
    println!(
        "{:<28} {:>7} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>9} {:>7}",
        "group",
        "n",
        "|rho|50",
        "|null|50",
        ">null95",
        "PE50",
        "|rho_c|50",
        "|null_c|50",
        ">null95_c",
        "PE_c50"
    );
    let f = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |x| format!("{x:.3}"));
    for g in &summaries {
        println!(
            "{:<28} {:>7} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>9} {:>7}",
            g.group,
            g.n_galaxies,
            f(g.corr_vs_null.map(|c| c.median_abs)),
            f(g.corr_vs_null.map(|c| c.median_abs_null)),
            f(g.corr_vs_null.map(|c| c.share_beyond_null_p95)),
            f(g.pe.map(|d| d.p50)),
            f(g.corr_cond_vs_null.map(|c| c.median_abs)),
            f(g.corr_cond_vs_null.map(|c| c.median_abs_null)),
            f(g.corr_cond_vs_null.map(|c| c.share_beyond_null_p95)),
            f(g.pe_cond.map(|d| d.p50)),
        );
    }
    if let Some(p) = &a.summary {
        let json = serde_json::to_string_pretty(&summaries).map_err(|e| e.to_string())?;
        std::fs::write(p, json).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
