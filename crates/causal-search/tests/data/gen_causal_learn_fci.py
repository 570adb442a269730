"""Generates causal_learn_fci/*.txt: causal-learn's FCI (Fisher-z, alpha 0.05, defaults) output
matrices ([i, j] = mark at node i: -1 tail, 1 arrowhead, 2 circle; node order = data columns).

- causal-learn's own test data (data_linear_10, fci-test-data 1-10), called without node names
  (causal-learn names the nodes X1..Xp; the names matter: its Possible-D-SEP lists are sorted by
  name);
- data-3_header_names.txt: fci-test-data 3 with node_names = the file's header;
- random_p20.txt, random_p50.txt, random_p100.txt: the random linear SEMs of scripts/compare_causal_search.py
  (`simulate(p, 5000, 1 + p)`, the script's defaults), which tests/common/mod.rs rebuilds bit for
  bit, with node names X1..Xp.

Run with causal-learn from PyPI (0.1.4.8 was used):
    python -m venv /tmp/clvenv && /tmp/clvenv/bin/pip install causal-learn
    /tmp/clvenv/bin/python gen_causal_learn_fci.py /path/to/shared/data/causal-learn
"""
import contextlib, io, os, sys
import numpy as np
from causallearn.search.ConstraintBased.FCI import fci

here_dir = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here_dir, "..", "..", "..", "..", "scripts"))
from compare_causal_search import simulate  # noqa: E402

root = sys.argv[1]
here = os.path.join(here_dir, "causal_learn_fci")
os.makedirs(here, exist_ok=True)


def run(x, dst, names=None):
    with contextlib.redirect_stdout(io.StringIO()):
        g, _ = fci(x, "fisherz", 0.05, show_progress=False, node_names=names)
    np.savetxt(os.path.join(here, dst), g.graph, fmt="%d")
    print(dst, g.graph.shape, int(np.sum(g.graph != 0) // 2), "edges")


files = [("TestData/data_linear_10.txt", "linear_10.txt")] + \
        [(f"fci-test-data/data-{i}.txt", f"data-{i}.txt") for i in range(1, 11)]
for src, dst in files:
    run(np.loadtxt(os.path.join(root, src), skiprows=1), dst)
# fci-test-data 3 with the file's own column names as node_names (causal-learn sorts Possible-D-SEP
# by name, and this file's names order the sets differently from X1..X10)
src = os.path.join(root, "fci-test-data/data-3.txt")
with open(src) as fh:
    header = fh.readline().split()
run(np.loadtxt(src, skiprows=1), "data-3_header_names.txt", header)
for p in (20, 50, 100):
    x = simulate(p, 5000, 1 + p)
    # a checksum of the data, which the Rust test compares before running FCI
    print(f"random p={p}: sum {x.sum():.17g}, x[0, :3] {x[0, :3].tolist()}")
    run(x, f"random_p{p}.txt", [f"X{i + 1}" for i in range(p)])
