//! The `discover` example's work as a library function: read a data file, build the CI test, run
//! PC or FCI, and format the graph. The example only parses its command line into
//! [`DiscoverOptions`]; everything it does is here and tested.
//!
//! ```no_run
//! use causal_search::discover::{DiscoverOptions, discover};
//! let opts = DiscoverOptions {
//!     alg: "fci".into(),
//!     depth: Some(3),
//!     ..DiscoverOptions::new("data.txt")
//! };
//! let out = discover(&opts).unwrap();
//! print!("{}", out.text);
//! ```

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ci::CiTest;
use crate::ci::cmiknn::{CmiKnn, CmiKnnParams, Knn};
use crate::ci::discrete::{Discrete, DiscreteStatistic};
use crate::ci::fisher_z::FisherZ;
use crate::ci::gaussian_vector::GaussianVector;
use crate::data::Dataset;
use crate::error::{CausalError, Result};
use crate::graph::MixedGraph;
use crate::io::{self, GraphFormat};
use crate::search::colliders::{UcPriority, UcRule};
use crate::search::fci::{FciCompat, FciParams};
use crate::search::knowledge::Knowledge;
use crate::search::pc::PcParams;

/// The options of `discover` (the example's flags, same names and defaults: causal-learn's `pc`
/// defaults, stable search, `uc_rule` 0, `uc_priority` 2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiscoverOptions {
    /// Data file: CSV or whitespace-separated, header row of names.
    pub data: PathBuf,
    /// `pc` or `fci`.
    pub alg: String,
    /// `fisherz`, `gsq`, `chisq` or `cmiknn`.
    pub test: String,
    /// Significance level.
    pub alpha: f64,
    /// Largest conditioning set; `None` or negative: unlimited.
    pub depth: Option<i64>,
    /// FCI: longest path for Possible-D-SEP and the path rules; `None` or negative: unlimited.
    pub max_path_length: Option<i64>,
    /// FCI: as defined (default) or causal-learn's `fci` ([`FciCompat`]).
    #[serde(default)]
    pub fci_compat: FciCompat,
    /// Stable adjacency search.
    pub stable: bool,
    /// PC collider rule: 0 sepset, 1 max-P, 2 definite max-P.
    pub uc_rule: i64,
    /// PC conflict priority 0..4, or -1 for the rule's default.
    pub uc_priority: i64,
    /// Tetrad knowledge file.
    pub knowledge: Option<PathBuf>,
    /// Groups file (`node: col,col,...` lines) making vector-valued nodes.
    pub groups: Option<PathBuf>,
    /// CMIknn seed.
    pub seed: u64,
    /// CMIknn neighbours: below 1 a fraction of the samples, else a whole count.
    pub knn: f64,
    /// CMIknn permutations.
    pub perms: usize,
    /// CMIknn neighbours for the local permutation.
    pub shuffle_neighbors: usize,
    /// Output format: `causal-learn`, `tetrad`, `dot` or `json` (and the pcalg codings).
    pub format: String,
}

impl DiscoverOptions {
    /// The defaults for data file `data`.
    pub fn new(data: impl Into<PathBuf>) -> Self {
        DiscoverOptions {
            data: data.into(),
            alg: "pc".into(),
            test: "fisherz".into(),
            alpha: 0.05,
            depth: None,
            max_path_length: None,
            fci_compat: FciCompat::Definition,
            stable: true,
            uc_rule: 0,
            uc_priority: 2,
            knowledge: None,
            groups: None,
            seed: 0,
            knn: 0.2,
            perms: 200,
            shuffle_neighbors: 5,
            format: "causal-learn".into(),
        }
    }
}

/// What `discover` found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DiscoverOutput {
    /// The graph (CPDAG for PC, PAG for FCI).
    pub graph: MixedGraph,
    /// The graph in the requested format.
    pub text: String,
    /// Seconds spent in the search (after reading the data and building the test).
    pub search_seconds: f64,
    /// CI tests requested by the adjacency search.
    pub n_skeleton_tests: usize,
    /// FCI: CI tests requested by the Possible-D-SEP stage (`None` for PC).
    pub n_possible_dsep_tests: Option<usize>,
    /// FCI with [`FciCompat::CausalLearn`]: CI tests run by its R4 (0 otherwise).
    #[serde(default)]
    pub n_orientation_tests: usize,
    /// Remarks for the user (e.g. which test was used for vector-valued nodes).
    pub notes: Vec<String>,
}

fn limit(v: Option<i64>) -> Option<usize> {
    v.and_then(|d| usize::try_from(d).ok())
}

/// Runs `discover` with `opts`.
///
/// Errors: unreadable or malformed files, unknown algorithm / test / format names, invalid
/// parameters (alpha, `uc_rule`, `uc_priority`, `knn`), and everything the test and the search
/// reject (constant columns, too few samples, ...).
pub fn discover(opts: &DiscoverOptions) -> Result<DiscoverOutput> {
    let format: GraphFormat = opts.format.parse()?;
    if !matches!(opts.alg.as_str(), "pc" | "fci") {
        return Err(CausalError::param(
            "alg",
            format!("unknown algorithm `{}` (pc, fci)", opts.alg),
        ));
    }
    let mut ds = Dataset::read_table(&opts.data)?;
    if let Some(g) = &opts.groups {
        ds = ds.with_groups(&Dataset::read_groups(g)?)?;
    }
    let names: Vec<String> = ds.variable_names().iter().map(|s| s.to_string()).collect();
    let mut notes = Vec::new();
    let test: Box<dyn CiTest> = match opts.test.as_str() {
        "fisherz" if ds.all_scalar() => Box::new(FisherZ::new(&ds)?),
        "fisherz" => {
            notes.push(
                "vector-valued nodes: using the Gaussian likelihood-ratio (Wilks) test".into(),
            );
            Box::new(GaussianVector::new(&ds)?)
        }
        "chisq" => Box::new(Discrete::new(&ds, DiscreteStatistic::ChiSquare)?),
        "gsq" => Box::new(Discrete::new(&ds, DiscreteStatistic::GSquare)?),
        "cmiknn" => {
            let knn = if opts.knn > 0.0 && opts.knn < 1.0 {
                Knn::Fraction(opts.knn)
            } else if opts.knn >= 1.0 && opts.knn.fract() == 0.0 {
                Knn::Absolute(opts.knn as usize)
            } else {
                return Err(CausalError::param(
                    "knn",
                    format!(
                        "{} is neither a fraction in (0, 1) nor a whole number",
                        opts.knn
                    ),
                ));
            };
            let params = CmiKnnParams::new()
                .knn(knn)
                .permutations(opts.perms)
                .shuffle_neighbors(opts.shuffle_neighbors)
                .seed(opts.seed);
            Box::new(CmiKnn::new(&ds, &params)?)
        }
        other => {
            return Err(CausalError::param(
                "test",
                format!("unknown test `{other}` (fisherz, gsq, chisq, cmiknn)"),
            ));
        }
    };
    let knowledge = match &opts.knowledge {
        Some(p) => Some(Knowledge::read(p)?),
        None => None,
    };
    let start = std::time::Instant::now();
    let (graph, n_skeleton_tests, n_possible_dsep_tests, n_orientation_tests) = if opts.alg == "pc"
    {
        let priority = if opts.uc_priority == -1 {
            None
        } else {
            Some(UcPriority::from_code(opts.uc_priority)?)
        };
        let res = PcParams::new()
            .alpha(opts.alpha)
            .depth(limit(opts.depth))
            .stable(opts.stable)
            .uc_rule(UcRule::from_code(opts.uc_rule)?)
            .uc_priority(priority)
            .knowledge(knowledge)
            .check()?
            .run(test.as_ref(), &names)?;
        (res.graph, res.n_skeleton_tests, None, 0)
    } else {
        let res = FciParams::new()
            .alpha(opts.alpha)
            .compat(opts.fci_compat)
            .depth(limit(opts.depth))
            .max_path_length(limit(opts.max_path_length))
            .stable(opts.stable)
            .knowledge(knowledge)
            .check()?
            .run(test.as_ref(), &names)?;
        (
            res.graph,
            res.n_skeleton_tests,
            Some(res.n_possible_dsep_tests),
            res.n_orientation_tests,
        )
    };
    let search_seconds = start.elapsed().as_secs_f64();
    Ok(DiscoverOutput {
        text: io::write_graph(&graph, format),
        graph,
        search_seconds,
        n_skeleton_tests,
        n_possible_dsep_tests,
        n_orientation_tests,
        notes,
    })
}
