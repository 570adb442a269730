"""Side-by-side timing of one CMIknn test: tigramite (PyPI) vs mstar's causal-search.

Setup (once):  python3 -m venv /tmp/venv-local && /tmp/venv-local/bin/pip install tigramite numpy scipy numba
Run:           /tmp/venv-local/bin/python scripts/compare_cmiknn_tigramite.py [--n 2000] [--perms 200] [--reps 3]

Data: X, Y scalar, Z 3-dimensional, Z ~ N(0, I), X = Z0 + 0.5 e1, Y = Z0 - Z1 + 0.5 e2 (so X _||_ Y | Z).
Writes the data to a CSV (columns X, Y, Z0, Z1, Z2), times tigramite's CMIknn.run_test (knn = 0.2,
shuffle_neighbors = 5, transform = ranks, sig_samples = perms) and prints its statistic, p-value and time,
then runs the Rust example `cmiknn_bench` on the same file (if built) and prints the ratios of the
best wall times and of CPU times (tigramite: process time of its test; ours: the child process's
user + system time divided by the repetitions). tigramite's first repetition includes numba's
compilation: use --reps 2 or more. With --interleave, each repetition runs tigramite's test and then
the Rust example once (--reps 1), so both sides see the same machine load; the best of each is kept.
"""
import argparse, os, resource, subprocess, sys, time
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=2000)
ap.add_argument("--perms", type=int, default=200)
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--workers", type=int, default=2)
ap.add_argument("--csv", default="/tmp/cmiknn_compare.csv")
ap.add_argument("--rust-bin", default="target/release/examples/cmiknn_bench")
ap.add_argument("--interleave", action="store_true",
                help="alternate tigramite and the Rust example, one repetition each")
a = ap.parse_args()

rng = np.random.default_rng(1)
n = a.n
z = rng.normal(size=(n, 3))
x = z[:, 0] + 0.5 * rng.normal(size=n)
y = z[:, 0] - z[:, 1] + 0.5 * rng.normal(size=n)
data = np.column_stack([x, y, z])
np.savetxt(a.csv, data, delimiter=",", header="X,Y,Z0,Z1,Z2", comments="")

from tigramite.independence_tests.cmiknn import CMIknn

times = []
cpus = []
rust_times = []
rust_cpus = []


def run_rust(reps):
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([a.rust_bin, "--data", a.csv, "--perms", str(a.perms), "--reps", str(reps)],
                         capture_output=True, text=True, check=True).stdout
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    best = float([l for l in out.splitlines() if l.startswith("best")][0].split()[-2])
    return out, best, (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / reps


for r in range(a.reps):
    t = CMIknn(knn=0.2, shuffle_neighbors=5, transform="ranks", significance="shuffle_test",
               sig_samples=a.perms, workers=a.workers, seed=r)
    t0 = time.perf_counter()
    c0 = time.process_time()  # all threads of this process (scipy's kd-tree workers included)
    val, pval = t.run_test_raw(x.reshape(-1, 1), y.reshape(-1, 1), z)
    times.append(time.perf_counter() - t0)
    cpus.append(time.process_time() - c0)
    print(f"tigramite rep {r}: statistic {val:.5f}  p {pval:.3f}  {times[-1]:.3f} s  (CPU {cpus[-1]:.3f} s)", flush=True)
    if a.interleave and os.path.exists(a.rust_bin):
        out, best, cpu = run_rust(1)
        rust_times.append(best)
        rust_cpus.append(cpu)
        print(f"mstar rep {r}: {best:.3f} s wall (process CPU {cpu:.3f} s)  [{out.strip().splitlines()[0]}]",
              flush=True)
t_tig = min(times)
if a.interleave and rust_times:
    print(f"tigramite best of {a.reps}: {t_tig:.3f} s  (CPU best {min(cpus):.3f} s)")
    print(f"mstar best of {a.reps}: {min(rust_times):.3f} s  (process CPU best {min(rust_cpus):.3f} s)")
    print(f"ratio tigramite / mstar = {t_tig / min(rust_times):.1f}x (wall, best of each, interleaved); "
          f"CPU {min(cpus) / min(rust_cpus):.1f}x")
    sys.exit(0)
print(f"tigramite best of {a.reps}: {t_tig:.3f} s  (CPU best {min(cpus):.3f} s)")

if os.path.exists(a.rust_bin):
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([a.rust_bin, "--data", a.csv, "--perms", str(a.perms), "--reps", str(a.reps)],
                         capture_output=True, text=True, check=True).stdout
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(out.strip())
    t_rust = float([l for l in out.splitlines() if l.startswith("best")][0].split()[-2])
    # CPU of the whole Rust process (start-up, CSV reading and all repetitions) per repetition
    cpu_rust = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / a.reps
    print(f"mstar CPU per repetition (whole process / reps): {cpu_rust:.3f} s")
    print(f"ratio tigramite / mstar = {t_tig / t_rust:.1f}x (wall, best of each); "
          f"CPU {min(cpus) / cpu_rust:.1f}x")
else:
    print(f"(build the Rust side with: cargo build --release -p causal-search --example cmiknn_bench)")
