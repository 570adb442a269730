#!/usr/bin/env python3
"""Side-by-side PC / FCI (Fisher-z) runs: causal-search's `discover` example vs causal-learn.

Setup (once):
    python3 -m venv /tmp/clvenv && /tmp/clvenv/bin/pip install causal-learn
    cargo build -p causal-search --release --example discover
Run (random data):
    /tmp/clvenv/bin/python scripts/compare_causal_search.py --p 50 100 --n 5000 --alg pc fci
Run (data files with a header row, e.g. causal-learn's own test data):
    /tmp/clvenv/bin/python scripts/compare_causal_search.py --p --alg fci \
        --files ../shared/data/causal-learn/TestData/data_linear_10.txt \
                ../shared/data/causal-learn/fci-test-data/data-*.txt
Extra settings for our side only (e.g. a depth for FCI's Possible-D-SEP stage, which causal-learn
ignores there): --ours-args "--depth 3"; causal-learn's `fci` depth (which limits only its adjacency
search): --cl-depth 3. causal-learn-compatible FCI on our side (identical PAGs expected; the
`identical` field says whether the matrices are equal entry for entry):
    /tmp/clvenv/bin/python scripts/compare_causal_search.py --p 50 100 --alg fci \
        --ours-args "--fci-compat causal-learn" --repeat 3
For FCI the rows also give causal-learn's time in `fas` (adjacency search),
`removeByPossibleDsep` (Possible-D-SEP stage) and the rest (orientation rules). `--markdown` prints a table for docs/benchmarks.md.

Random data: a seeded random linear SEM (expected degree 3, weights +-[0.5, 1.0), noise the sum of
12 uniforms minus 6) from one SplitMix64 stream (`simulate`), which the Rust tests rebuild bit for
bit (seed = --seed + p); `--generator numpy` gives the numpy-based data of earlier sessions.
causal-learn's `fci` gets the file's column names (`node_names`), as ours does: its Possible-D-SEP
lists are sorted by name. `--repeat R` alternates ours and causal-learn R times and keeps the best
time of each.
Our times: the wall time of the `discover` process (includes start-up and reading the text file) and
the search time it reports (data in memory, as for causal-learn); causal-learn's is the time of its
`pc` / `fci` call on the in-memory array. Outputs are compared entry by entry in causal-learn's matrix
encoding ([i, j] = mark at node i): `same_skeleton` (same adjacencies), `marks_differing` (matrix
entries that differ), and for FCI the list of differing edges.
"""
import argparse, json, os, shlex, subprocess, sys, tempfile, time

import numpy as np

MARK = {-1: "-", 1: ">", 2: "o"}


def simulate_numpy(p, n, seed):
    """The generator of earlier sessions (numpy's default_rng; cannot be reproduced outside numpy)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(p)
    w = np.zeros((p, p))
    prob = 3.0 / (p - 1)
    for a in range(p):
        for b in range(a + 1, p):
            if rng.random() < prob:
                w[order[b], order[a]] = rng.uniform(0.5, 1.0) * rng.choice([-1, 1])
    x = np.zeros((n, p))
    for v in order:
        x[:, v] = x @ w[v] + rng.standard_normal(n)
    return x


GAMMA = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1


def splitmix_uniforms(seed, start, count):
    """Uniforms in [0, 1): draw k of the stream is (splitmix64(seed + (k + 1) * GAMMA) >> 11) * 2^-53,
    exact in binary64, so Rust reproduces them bit for bit (`tests/common/mod.rs`, `portable_sem`)."""
    k = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(seed & MASK) + k * np.uint64(GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def simulate(p, n, seed):
    """A random linear SEM, the same bit for bit in Rust (`tests/common/mod.rs`, `portable_sem`):
    a random order (Fisher-Yates), each pair an edge with probability 3 / (p - 1) (expected degree
    3), weights +-[0.5, 1.0), noise the sum of 12 uniforms minus 6 (mean 0, variance 1, close to
    Gaussian; exact sums in a fixed order). Every draw comes from one SplitMix64 stream."""
    pos = 0

    def draws(count):
        nonlocal pos
        u = splitmix_uniforms(seed, pos, count)
        pos += count
        return u

    order = list(range(p))
    for i in range(p - 1, 0, -1):
        j = int(draws(1)[0] * (i + 1))
        order[i], order[j] = order[j], order[i]
    w = np.zeros((p, p))
    prob = 3.0 / (p - 1)
    for a in range(p):
        for b in range(a + 1, p):
            if draws(1)[0] < prob:
                mag = 0.5 + 0.5 * draws(1)[0]
                w[order[b], order[a]] = -mag if draws(1)[0] < 0.5 else mag
    u = draws(n * p * 12).reshape(n, p, 12)
    e = u[:, :, 0].copy()
    for t in range(1, 12):
        e = e + u[:, :, t]
    e = e - 6.0
    x = np.zeros((n, p))
    for v in order:
        acc = np.zeros(n)
        for src in range(p):
            if w[v, src] != 0.0:
                acc = acc + w[v, src] * x[:, src]
        x[:, v] = acc + e[:, v]
    return x


def edge_text(m, names, i, j):
    if m[i, j] == 0:
        return "none"
    left = {-1: "-", 1: "<", 2: "o"}[int(m[i, j])]
    right = MARK[int(m[j, i])]
    return f"{names[i]} {left}-{right} {names[j]}"


def differing_edges(ours, theirs, names):
    out = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if ours[i, j] != theirs[i, j] or ours[j, i] != theirs[j, i]:
                out.append(f"{edge_text(ours, names, i, j)} (causal-learn: {edge_text(theirs, names, i, j)})")
    return out


def read_tetrad(path, names):
    """A Tetrad text graph as a causal-learn matrix over `names` (None when a node is unknown)."""
    idx = {n: i for i, n in enumerate(names)}
    m = np.zeros((len(names), len(names)), dtype=int)
    code = {"-": -1, "<": 1, ">": 1, "o": 2}
    with open(path) as fh:
        lines = fh.read().split("Graph Edges:")[1].strip().splitlines()
    for line in lines:
        parts = line.split()
        if len(parts) < 4 or not parts[0].endswith("."):
            continue
        a, e, b = parts[1], parts[2], parts[3]
        if a not in idx or b not in idx:
            return None
        m[idx[a], idx[b]] = code[e[0]]
        m[idx[b], idx[a]] = code[e[-1]]
    return m


def run_one(label, path, x, names, alg, args):
    from causallearn.search.ConstraintBased.PC import pc
    from causallearn.search.ConstraintBased.FCI import fci

    cmd = [args.bin, "--data", path, "--alg", alg, "--test", "fisherz", "--alpha", str(args.alpha)]
    cmd += shlex.split(args.ours_args)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    ours_s = time.perf_counter() - t0
    search_s = float([l for l in proc.stderr.splitlines() if l.startswith("search time:")][0].split()[2])
    ours = np.array([[int(v) for v in l.split()] for l in proc.stdout.strip().splitlines()])
    t0 = time.perf_counter()
    if alg == "pc":
        cg = pc(x, args.alpha, "fisherz", True, 0, 2, show_progress=False)
        theirs = cg.G.graph
    else:
        import contextlib, io
        import causallearn.search.ConstraintBased.FCI as fci_mod
        stage = {}
        originals = {}
        # Time causal-learn's two search stages by wrapping the module functions `fci` calls.
        for name in ("fas", "removeByPossibleDsep"):
            f = getattr(fci_mod, name)
            originals[name] = f
            def timed(*a, _f=f, _name=name, **k):
                t = time.perf_counter()
                try:
                    return _f(*a, **k)
                finally:
                    stage[_name] = stage.get(_name, 0.0) + time.perf_counter() - t
            setattr(fci_mod, name, timed)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                g, _ = fci(x, "fisherz", args.alpha, depth=args.cl_depth, show_progress=False,
                           node_names=names)
        finally:
            for name, f in originals.items():
                setattr(fci_mod, name, f)
        theirs = g.graph
    cl_s = time.perf_counter() - t0
    row = dict(data=label, alg=alg, p=x.shape[1], n=x.shape[0], ours_args=args.ours_args,
               ours_process_s=round(ours_s, 4), ours_search_s=round(search_s, 4),
               causal_learn_s=round(cl_s, 3), ratio_process=round(cl_s / ours_s, 1),
               ratio_search=round(cl_s / max(search_s, 1e-6), 1),
               same_skeleton=bool(np.all((ours != 0) == (theirs != 0))),
               identical=bool(np.all(ours == theirs)), marks_differing=int(np.sum(ours != theirs)),
               edges_ours=int(np.sum(ours != 0) // 2), edges_causal_learn=int(np.sum(theirs != 0) // 2))
    if alg == "fci":
        row["causal_learn_depth"] = args.cl_depth
        row["causal_learn_fas_s"] = round(stage.get("fas", 0.0), 3)
        row["causal_learn_pdsep_s"] = round(stage.get("removeByPossibleDsep", 0.0), 3)
        row["causal_learn_rules_s"] = round(cl_s - stage.get("fas", 0.0) - stage.get("removeByPossibleDsep", 0.0), 3)
        row["differences"] = differing_edges(ours, theirs, names)
        # causal-learn's fci-test-data: data-N.txt beside the true PAG in PAGN.txt
        base = os.path.basename(path)
        pag = os.path.join(os.path.dirname(path), base.replace("data-", "PAG"))
        if base.startswith("data-") and os.path.exists(pag):
            truth = read_tetrad(pag, names)
            if truth is not None:
                row["true_pag_edges"] = [edge_text(truth, names, i, j) if truth[i, j] else
                                         f"{names[i]} none {names[j]}"
                                         for i in range(len(names)) for j in range(i + 1, len(names))
                                         if ours[i, j] != theirs[i, j] or ours[j, i] != theirs[j, i]]
                row["marks_differing_from_truth_ours"] = int(np.sum(ours != truth))
                row["marks_differing_from_truth_causal_learn"] = int(np.sum(theirs != truth))
    tests = [l for l in proc.stderr.splitlines() if l.startswith("tests:")]
    if tests:
        row["ours_tests"] = tests[0][len("tests: "):]
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--p", type=int, nargs="*", default=[50, 100])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--files", nargs="*", default=[])
    ap.add_argument("--alg", nargs="+", default=["pc", "fci"])
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ours-args", default="")
    ap.add_argument("--cl-depth", type=int, default=-1,
                    help="depth passed to causal-learn's fci (its adjacency search only; -1 = its default)")
    ap.add_argument("--generator", choices=["portable", "numpy"], default="portable",
                    help="random data: the portable SplitMix64 SEM (default; the Rust tests rebuild "
                         "it bit for bit) or the numpy generator of earlier sessions")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each case this many times, ours and causal-learn alternating; "
                         "the rows report the best time of each")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "examples", "discover"))
    args = ap.parse_args()

    jobs = []
    for p in args.p:
        x = (simulate if args.generator == "portable" else simulate_numpy)(p, args.n, args.seed + p)
        f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
        names = [f"X{i+1}" for i in range(p)]
        f.write(" ".join(names) + "\n")
        # 17 significant digits: the file holds exactly the array causal-learn gets
        np.savetxt(f, x, fmt="%.17g")
        f.close()
        jobs.append((f"random p={p}", f.name, x, names, True))
    for path in args.files:
        with open(path) as fh:
            names = fh.readline().split()
        x = np.loadtxt(path, skiprows=1)
        jobs.append((os.path.basename(path), path, x, names, False))

    rows = []
    for label, path, x, names, temp in jobs:
        for alg in args.alg:
            best = None
            for _ in range(args.repeat):
                r = run_one(label, path, x, names, alg, args)
                if best is None:
                    best = r
                else:
                    for k in ("ours_process_s", "ours_search_s", "causal_learn_s"):
                        best[k] = min(best[k], r[k])
                    best["identical"] = best["identical"] and r["identical"]
            best["repeats"] = args.repeat
            best["ratio_process"] = round(best["causal_learn_s"] / best["ours_process_s"], 1)
            best["ratio_search"] = round(best["causal_learn_s"] / max(best["ours_search_s"], 1e-6), 1)
            rows.append(best)
            print(json.dumps(rows[-1]), flush=True)
        if temp:
            os.unlink(path)
    if args.markdown:
        print("\n| data | alg | p | n | ours (search) | ours (process) | causal-learn | ratio (search) | ratio (process) | identical matrices | marks differing | vs true PAG: ours / causal-learn |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['data']} | {r['alg']} {r['ours_args']} | {r['p']} | {r['n']} | {r['ours_search_s']} s | "
                  f"{r['ours_process_s']} s | {r['causal_learn_s']} s | {r['ratio_search']}x | {r['ratio_process']}x | "
                  f"{'yes' if r['identical'] else 'no'} | {r['marks_differing']} | "
                  f"{r.get('marks_differing_from_truth_ours', '')} / {r.get('marks_differing_from_truth_causal_learn', '')} |")


if __name__ == "__main__":
    main()
