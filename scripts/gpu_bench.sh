#!/usr/bin/env bash
# GPU benchmark of the paper image density model: galaxy-estimator (candle, CUDA) next to the same
# architecture in PyTorch on the same GPU. Run ON THE GPU MACHINE from the repository root:
#
#   bash scripts/gpu_bench.sh BIN_DIR [OUT_DIR] [STEPS]
#
# BIN_DIR holds `step_timing` built on a development machine with the CUDA 13.0 toolkit
# (see docs/gpu.md):
#   source <(bash ../shared/tools/cuda13-toolkit.sh)
#   cargo build --release --features cuda -p galaxy-estimator --example step_timing
#   mkdir -p target/gpu-bin && cp target/release/examples/step_timing target/gpu-bin/  # git-ignored
# OUT_DIR (default $OUT, else /tmp/gpu-bench) receives nvidia-smi.txt, ldd-missing.txt,
# rust-f32.json, rust-bf16.json, torch.json (+ .err files) and summary.json.
set -u
BIN=${1:?usage: gpu_bench.sh BIN_DIR [OUT_DIR] [STEPS]}
OUTDIR=${2:-${OUT:-/tmp/gpu-bench}}
STEPS=${3:-300}
BATCH=128
mkdir -p "$OUTDIR"
nvidia-smi > "$OUTDIR/nvidia-smi.txt" 2>&1

# CUDA 13 libraries: the driver's libcuda, and libcudart/libcublas/libcublasLt/libcurand
PY=$(command -v python3 || command -v python)
LIBDIRS=""
for d in /usr/local/nvidia/lib64 /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
         /usr/lib/x86_64-linux-gnu; do
  [ -d "$d" ] && LIBDIRS="$LIBDIRS:$d"
done
if [ -n "$PY" ]; then
  for d in $("$PY" - <<'PYEOF' 2>/dev/null
import glob, site
roots = site.getsitepackages() + [site.getusersitepackages()]
for r in roots:
    for d in glob.glob(r + "/nvidia/*/lib") + glob.glob(r + "/nvidia/cu13/lib") + glob.glob(r + "/torch/lib"):
        print(d)
PYEOF
  ); do LIBDIRS="$LIBDIRS:$d"; done
fi
export LD_LIBRARY_PATH="${LIBDIRS#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "$LD_LIBRARY_PATH" > "$OUTDIR/ld_library_path.txt"
ldd "$BIN/step_timing" 2>&1 | grep 'not found' > "$OUTDIR/ldd-missing.txt" || true

run() { # name, timeout, command...
  local name=$1 t=$2; shift 2
  local s=$(date +%s.%N)
  timeout "$t" "$@" > "$OUTDIR/$name.json" 2> "$OUTDIR/$name.err"
  echo "$name rc=$? wall=$(echo "$(date +%s.%N) - $s" | bc 2>/dev/null || echo '?')s" >> "$OUTDIR/runs.txt"
}
run rust-f32 200 "$BIN/step_timing" paper 64 density "$STEPS" "$BATCH" gpu
run rust-bf16 200 "$BIN/step_timing" paper 64 density "$STEPS" "$BATCH" gpu bf16
run torch 200 "$PY" scripts/compare_estimator_torch.py --preset paper --size 64 --gpu --skip-rust \
    --steps "$STEPS" --batch "$BATCH"

"$PY" - "$OUTDIR" <<'PYEOF' > "$OUTDIR/summary.json" 2>> "$OUTDIR/runs.txt"
import json, sys, os
d = sys.argv[1]
def last(name):
    try:
        return json.loads(open(os.path.join(d, name + ".json")).read().strip().splitlines()[-1])
    except Exception as e:
        return {"error": repr(e)}
r, b, t = last("rust-f32"), last("rust-bf16"), last("torch")
out = {"rust_f32": r, "rust_bf16": b, "torch": t}
try:
    out["train_images_per_s_ratio_rust_f32_over_torch"] = r["train_images_per_s"] / t["train_images_per_s"]
    out["train_images_per_s_ratio_rust_bf16_over_torch"] = b["train_images_per_s"] / t["train_images_per_s"]
except Exception as e:
    out["ratio_error"] = repr(e)
print(json.dumps(out, indent=1))
PYEOF
cat "$OUTDIR/runs.txt" "$OUTDIR/summary.json"
