"""Generates causal_learn_fci/*.txt: causal-learn's FCI (Fisher-z, alpha 0.05, defaults) output
matrices ([i, j] = mark at node i: -1 tail, 1 arrowhead, 2 circle; node order = data columns) on
causal-learn's own test data.

Run with causal-learn from PyPI (0.1.4.8 was used):
    python -m venv /tmp/clvenv && /tmp/clvenv/bin/pip install causal-learn
    /tmp/clvenv/bin/python gen_causal_learn_fci.py /path/to/shared/data/causal-learn
"""
import contextlib, io, os, sys
import numpy as np
from causallearn.search.ConstraintBased.FCI import fci

root = sys.argv[1]
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "causal_learn_fci")
os.makedirs(here, exist_ok=True)
files = [("TestData/data_linear_10.txt", "linear_10.txt")] + \
        [(f"fci-test-data/data-{i}.txt", f"data-{i}.txt") for i in range(1, 11)]
for src, dst in files:
    x = np.loadtxt(os.path.join(root, src), skiprows=1)
    with contextlib.redirect_stdout(io.StringIO()):
        g, _ = fci(x, "fisherz", 0.05, show_progress=False)
    np.savetxt(os.path.join(here, dst), g.graph, fmt="%d")
    print(dst, g.graph.shape)
