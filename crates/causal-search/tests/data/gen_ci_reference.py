"""Generates ci_reference.json: p-values of causal-learn's CI tests on its own test data.

Run with causal-learn from PyPI (0.1.4.8 was used):
    python -m venv /tmp/clvenv && /tmp/clvenv/bin/pip install causal-learn
    /tmp/clvenv/bin/python gen_ci_reference.py /path/to/shared/data/causal-learn/TestData
"""
import json, sys
import numpy as np
from causallearn.utils.cit import CIT

root = sys.argv[1]
rng = np.random.default_rng(20261128)
out = []
for data_file, methods in [("data_linear_10.txt", ["fisherz"]), ("data_discrete_10.txt", ["chisq", "gsq"]),
                           ("bnlearn_discrete_10000/data/alarm.txt", ["chisq", "gsq"])]:
    data = np.loadtxt(f"{root}/{data_file}", skiprows=1)
    p = data.shape[1]
    queries = []
    for size in [0, 1, 2, 3, 5]:
        for _ in range(8):
            v = rng.choice(p, size + 2, replace=False)
            queries.append((int(v[0]), int(v[1]), sorted(int(a) for a in v[2:])))
    for m in methods:
        t = CIT(data, m)
        for (x, y, s) in queries:
            out.append({"data": data_file, "test": m, "x": x, "y": y, "z": s, "p": float(t(x, y, s))})
        if m == "fisherz":
            # add queries with p-values away from 0 (most random pairs are strongly dependent)
            kept = 0
            while kept < 30:
                size = int(rng.integers(0, 6))
                v = rng.choice(p, size + 2, replace=False)
                x, y, s = int(v[0]), int(v[1]), sorted(int(a) for a in v[2:])
                pv = float(t(x, y, s))
                if pv > 1e-6:
                    out.append({"data": data_file, "test": m, "x": x, "y": y, "z": s, "p": pv})
                    kept += 1
json.dump(out, open("ci_reference.json", "w"), indent=0)
print(len(out), "queries")
