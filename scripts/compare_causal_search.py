#!/usr/bin/env python3
"""Side-by-side PC / FCI (Fisher-z) timings: causal-search's `discover` example vs causal-learn.

Setup (once):
    python3 -m venv /tmp/clvenv && /tmp/clvenv/bin/pip install causal-learn
    cargo build -p causal-search --release --example discover
Run:
    /tmp/clvenv/bin/python scripts/compare_causal_search.py --p 50 100 --n 5000 --alg pc fci

Data: a seeded random linear-Gaussian DAG (expected degree 3, weights +-[0.5, 1.0]), n samples.
Our times: the wall time of the `discover` process (includes start-up and reading the text file) and
the search time it reports (data in memory, as for causal-learn); causal-learn's is the time of its
`pc` / `fci` call on the in-memory array. PC outputs are compared entry by entry
(causal-learn's matrix encoding); FCI outputs are compared by adjacencies and marks.
"""
import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np


def simulate(p, n, seed):
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--p", type=int, nargs="+", default=[50, 100])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--alg", nargs="+", default=["pc", "fci"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "examples", "discover"))
    args = ap.parse_args()
    from causallearn.search.ConstraintBased.PC import pc
    from causallearn.search.ConstraintBased.FCI import fci

    rows = []
    for p in args.p:
        x = simulate(p, args.n, args.seed + p)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write(" ".join(f"X{i+1}" for i in range(p)) + "\n")
            np.savetxt(f, x, fmt="%.10g")
            path = f.name
        for alg in args.alg:
            t0 = time.perf_counter()
            proc = subprocess.run([args.bin, "--data", path, "--alg", alg, "--test", "fisherz", "--alpha", "0.05"],
                                  check=True, capture_output=True, text=True)
            ours_s = time.perf_counter() - t0
            out = proc.stdout
            search_s = float([l for l in proc.stderr.splitlines() if l.startswith("search time:")][0].split()[2])
            ours = np.array([[int(v) for v in l.split()] for l in out.strip().splitlines()])
            t0 = time.perf_counter()
            if alg == "pc":
                cg = pc(x, 0.05, "fisherz", True, 0, 2, show_progress=False)
                theirs = cg.G.graph
            else:
                g, _ = fci(x, "fisherz", 0.05, show_progress=False)
                theirs = g.graph
            cl_s = time.perf_counter() - t0
            same_adj = bool(np.all((ours != 0) == (theirs != 0)))
            same = bool(np.all(ours == theirs))
            rows.append(dict(alg=alg, p=p, n=args.n, ours_process_s=round(ours_s, 4), ours_search_s=round(search_s, 4),
                             causal_learn_s=round(cl_s, 3), ratio_process=round(cl_s / ours_s, 1),
                             ratio_search=round(cl_s / search_s, 1), same_skeleton=same_adj, identical=same,
                             marks_differing=int(np.sum(ours != theirs))))
            print(json.dumps(rows[-1]), flush=True)
        os.unlink(path)


if __name__ == "__main__":
    main()
