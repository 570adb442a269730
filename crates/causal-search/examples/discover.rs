//! Causal discovery from a data file with PC or FCI.
//!
//! ```text
//! cargo run -p causal-search --release --example discover -- \
//!     --data FILE --alg pc|fci --test fisherz|gsq|chisq|cmiknn --alpha A [--depth D] \
//!     [--max-path-length L] [--fci-compat definition|causal-learn] \
//!     [--stable true|false] [--uc-rule 0|1|2] [--uc-priority -1|0|1|2|3|4] [--knowledge FILE] \
//!     [--groups FILE] [--seed S --knn K --perms P --shuffle-neighbors M] \
//!     [--format causal-learn|tetrad|dot|json] [--out FILE]
//! ```
//!
//! FILE is CSV or whitespace-separated with a header row of names. Defaults as causal-learn's `pc`:
//! stable, `uc_rule` 0, `uc_priority` 2; `--uc-priority -1` is the rule's own default. With
//! `--groups` (lines `node: col,col,...`) some nodes are vector-valued; `--test fisherz` then uses the
//! Gaussian likelihood-ratio (Wilks) test, which equals the partial-correlation test for scalars.
//! `--knn` below 1 is a fraction of the sample size (CMIknn). `--fci-compat causal-learn` runs FCI
//! as causal-learn's `fci` does (identical PAGs; see `causal_search::search::fci::FciCompat`); the
//! default `definition` is FCI as defined (Tetrad, pcalg). The time of the search (after
//! reading the data) is printed on standard error as `search time: S s`; FCI also prints its test
//! counts (`tests: adjacency search N, possible-d-sep M, orientation K`). The work is done by
//! [`causal_search::discover::discover`]; this file only parses the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use causal_search::discover::{DiscoverOptions, discover};
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
    /// FCI variant: definition (Tetrad / pcalg) or causal-learn (its `fci`, same PAGs).
    #[arg(long, default_value = "definition")]
    fci_compat: causal_search::search::fci::FciCompat,
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

impl Args {
    fn options(&self) -> DiscoverOptions {
        DiscoverOptions {
            data: self.data.clone(),
            alg: self.alg.clone(),
            test: self.test.clone(),
            alpha: self.alpha,
            depth: self.depth,
            max_path_length: self.max_path_length,
            fci_compat: self.fci_compat,
            stable: self.stable,
            uc_rule: self.uc_rule,
            uc_priority: self.uc_priority,
            knowledge: self.knowledge.clone(),
            groups: self.groups.clone(),
            seed: self.seed,
            knn: self.knn,
            perms: self.perms,
            shuffle_neighbors: self.shuffle_neighbors,
            format: self.format.clone(),
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let out = match discover(&args.options()) {
        Ok(out) => out,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for note in &out.notes {
        eprintln!("note: {note}");
    }
    if let Some(pdsep) = out.n_possible_dsep_tests {
        eprintln!(
            "tests: adjacency search {}, possible-d-sep {pdsep}, orientation {}",
            out.n_skeleton_tests, out.n_orientation_tests
        );
    }
    eprintln!("search time: {:.6} s", out.search_seconds);
    if let Some(path) = &args.out {
        if let Err(e) = std::fs::write(path, &out.text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    } else {
        print!("{}", out.text);
    }
    ExitCode::SUCCESS
}
