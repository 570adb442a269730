//! Causal discovery from a data file with PC or FCI.
//!
//! ```text
//! cargo run -p causal-search --release --example discover -- \
//!     --data FILE --alg pc|fci --test fisherz|gsq|chisq|cmiknn --alpha A [--depth D] \
//!     [--stable true|false] [--uc-rule 0|1|2] [--uc-priority -1|0|1|2|3|4] [--knowledge FILE] \
//!     [--groups FILE] [--seed S --knn K --perms P --shuffle-neighbors M] \
//!     [--format causal-learn|tetrad|dot|json] [--out FILE]
//! ```
//!
//! FILE is CSV or whitespace-separated with a header row of names. Defaults as causal-learn's `pc`:
//! stable, `uc_rule` 0, `uc_priority` 2; `--uc-priority -1` is the rule's own default. With
//! `--groups` (lines `node: col,col,...`) some nodes are vector-valued; `--test fisherz` then uses the
//! Gaussian likelihood-ratio (Wilks) test, which equals the partial-correlation test for scalars.
//! `--knn` below 1 is a fraction of the sample size (CMIknn). The time of the search (after
//! reading the data) is printed on standard error as `search time: S s`.

use std::path::PathBuf;
use std::process::ExitCode;

use causal_search::ci::CiTest;
use causal_search::ci::cmiknn::{CmiKnn, CmiKnnParams, Knn};
use causal_search::ci::discrete::{Discrete, DiscreteStatistic};
use causal_search::ci::fisher_z::FisherZ;
use causal_search::ci::gaussian_vector::GaussianVector;
use causal_search::data::Dataset;
use causal_search::io::{self, GraphFormat};
use causal_search::search::colliders::{UcPriority, UcRule};
use causal_search::search::fci::FciParams;
use causal_search::search::knowledge::Knowledge;
use causal_search::search::pc::PcParams;
use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "PC / FCI causal discovery (causal-search)")]
struct Args {
    /// Data file: CSV or whitespace-separated, header row of names.
    #[arg(long)]
    data: PathBuf,
    /// Algorithm: pc or fci.
    #[arg(long, default_value = "pc")]
    alg: String,
    /// CI test: fisherz, gsq, chisq or cmiknn.
    #[arg(long, default_value = "fisherz")]
    test: String,
    /// Significance level.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Largest conditioning set (-1 or absent: unlimited).
    #[arg(long, allow_hyphen_values = true)]
    depth: Option<i64>,
    /// Longest path (in edges) for FCI's Possible-D-SEP and path rules (-1 or absent: unlimited).
    #[arg(long, allow_hyphen_values = true)]
    max_path_length: Option<i64>,
    /// Stable adjacency search.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    stable: bool,
    /// Collider rule: 0 sepset, 1 maxP, 2 definite maxP (PC only).
    #[arg(long, default_value_t = 0)]
    uc_rule: i64,
    /// Conflict priority 0..4, or -1 for the rule's default (PC only).
    #[arg(long, default_value_t = 2, allow_hyphen_values = true)]
    uc_priority: i64,
    /// Tetrad knowledge file (addtemporal, forbiddirect, requiredirect).
    #[arg(long)]
    knowledge: Option<PathBuf>,
    /// Groups file: lines `node: col,col,...` making vector-valued nodes.
    #[arg(long)]
    groups: Option<PathBuf>,
    /// Seed (CMIknn).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Nearest neighbours (CMIknn): below 1 a fraction of the samples, else a count.
    #[arg(long, default_value_t = 0.2)]
    knn: f64,
    /// Permutations (CMIknn).
    #[arg(long, default_value_t = 200)]
    perms: usize,
    /// Neighbours for the local permutation (CMIknn).
    #[arg(long, default_value_t = 5)]
    shuffle_neighbors: usize,
    /// Output format: causal-learn, tetrad, dot or json.
    #[arg(long, default_value = "causal-learn")]
    format: String,
    /// Output file (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn run(args: Args) -> causal_search::Result<String> {
    let mut ds = Dataset::read_table(&args.data)?;
    if let Some(g) = &args.groups {
        ds = ds.with_groups(&Dataset::read_groups(g)?)?;
    }
    let names: Vec<String> = ds.variable_names().iter().map(|s| s.to_string()).collect();
    let test: Box<dyn CiTest> = match args.test.as_str() {
        "fisherz" if ds.all_scalar() => Box::new(FisherZ::new(&ds)?),
        "fisherz" => {
            eprintln!(
                "note: vector-valued nodes: using the Gaussian likelihood-ratio (Wilks) test"
            );
            Box::new(GaussianVector::new(&ds)?)
        }
        "chisq" => Box::new(Discrete::new(&ds, DiscreteStatistic::ChiSquare)?),
        "gsq" => Box::new(Discrete::new(&ds, DiscreteStatistic::GSquare)?),
        "cmiknn" => {
            let knn = if args.knn > 0.0 && args.knn < 1.0 {
                Knn::Fraction(args.knn)
            } else if args.knn >= 1.0 && args.knn.fract() == 0.0 {
                Knn::Absolute(args.knn as usize)
            } else {
                return Err(causal_search::CausalError::param(
                    "knn",
                    format!(
                        "{} is neither a fraction in (0, 1) nor a whole number",
                        args.knn
                    ),
                ));
            };
            let params = CmiKnnParams::new()
                .knn(knn)
                .permutations(args.perms)
                .shuffle_neighbors(args.shuffle_neighbors)
                .seed(args.seed);
            Box::new(CmiKnn::new(&ds, &params)?)
        }
        other => {
            return Err(causal_search::CausalError::param(
                "test",
                format!("unknown test `{other}` (fisherz, gsq, chisq, cmiknn)"),
            ));
        }
    };
    let depth = match args.depth {
        None => None,
        Some(d) if d < 0 => None,
        Some(d) => Some(d as usize),
    };
    let knowledge = match &args.knowledge {
        Some(p) => Some(Knowledge::read(p)?),
        None => None,
    };
    let format: GraphFormat = args.format.parse()?;
    let start = std::time::Instant::now();
    let graph = match args.alg.as_str() {
        "pc" => {
            let priority = if args.uc_priority == -1 {
                None
            } else {
                Some(UcPriority::from_code(args.uc_priority)?)
            };
            PcParams::new()
                .alpha(args.alpha)
                .depth(depth)
                .stable(args.stable)
                .uc_rule(UcRule::from_code(args.uc_rule)?)
                .uc_priority(priority)
                .knowledge(knowledge)
                .check()?
                .run(test.as_ref(), &names)?
                .graph
        }
        "fci" => {
            let max_path_length = match args.max_path_length {
                None => None,
                Some(d) if d < 0 => None,
                Some(d) => Some(d as usize),
            };
            let res = FciParams::new()
                .alpha(args.alpha)
                .depth(depth)
                .max_path_length(max_path_length)
                .stable(args.stable)
                .knowledge(knowledge)
                .check()?
                .run(test.as_ref(), &names)?;
            eprintln!(
                "tests: adjacency search {}, possible-d-sep {}",
                res.n_skeleton_tests, res.n_possible_dsep_tests
            );
            res.graph
        }
        other => {
            return Err(causal_search::CausalError::param(
                "alg",
                format!("unknown algorithm `{other}` (pc, fci)"),
            ));
        }
    };
    eprintln!("search time: {:.6} s", start.elapsed().as_secs_f64());
    Ok(io::write_graph(&graph, format))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let out = args.out.clone();
    match run(args) {
        Ok(text) => {
            if let Some(path) = out {
                if let Err(e) = std::fs::write(&path, text) {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            } else {
                print!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
