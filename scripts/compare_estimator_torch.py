#!/usr/bin/env python3
"""Side-by-side timing of the galaxy-estimator image density network against the same
architecture written in PyTorch, on the CPU (or a GPU), with the same threads and batch.

Usage (from the repository root):
    python -m venv /tmp/est-venv && /tmp/est-venv/bin/pip install numpy torch
    cargo build --release -p galaxy-estimator --example step_timing
    /tmp/est-venv/bin/python scripts/compare_estimator_torch.py --preset small --size 32 --threads 2

It prints one JSON line per framework and the ratios (Rust time / PyTorch time) of a training
step (forward + backward + Adam) and of inference on batches of 256.
"""
import argparse
import json
import os
import subprocess
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    # stem, conv, (reduce, conv_out, pool_reduce, pass), stages, tail convs, tail ch, dense, head, s
    "paper": dict(stem=96, conv=96, inc=(101, 156, 101, 109), stages=[3, 2, 1], tail=3, tail_ch=96,
                  dense=1024, head=1024, s=16),
    "small": dict(stem=16, conv=16, inc=(8, 16, 8, 8), stages=None, tail=1, tail_ch=32,
                  dense=128, head=128, s=16),
}


def same_pad(k):
    t = k - 1
    return (t // 2, t - t // 2)


class Conv(nn.Module):
    """Stride-1 convolution with TF 'same' (extra pixel after) or 'valid' padding."""

    def __init__(self, cin, cout, k, same=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k)
        self.pad = (*same_pad(k), *same_pad(k)) if same and k > 1 else None
        nn.init.xavier_uniform_(self.conv.weight)
        nn.init.constant_(self.conv.bias, 0.1)

    def forward(self, x):
        if self.pad is not None:
            x = F.pad(x, self.pad)
        return self.conv(x)


def pool_same(x, inv):
    """2x2 stride-1 average pooling, TF 'same', dividing by the number of valid pixels."""
    return F.avg_pool2d(F.pad(x, (0, 1, 0, 1)), 2, 1, divisor_override=1) * inv


def inv_counts(h, w, device):
    ys = torch.ones(h, device=device) * 2
    ys[-1] = 1
    xs = torch.ones(w, device=device) * 2
    xs[-1] = 1
    return 1.0 / (ys[:, None] * xs[None, :])


class Inception(nn.Module):
    def __init__(self, cin, r, k, p, q):
        super().__init__()
        self.r5, self.c5 = Conv(cin, r, 1), Conv(r, k, 5)
        self.r3, self.c3 = Conv(cin, r, 1), Conv(r, k, 3)
        self.rp, self.pa = Conv(cin, p, 1), Conv(cin, q, 1)

    def forward(self, x, inv):
        b5 = F.relu(self.c5(F.relu(self.r5(x))))
        b3 = F.relu(self.c3(F.relu(self.r3(x))))
        bp = pool_same(F.relu(self.rp(x)), inv)
        return torch.cat([b5, b3, bp, F.relu(self.pa(x))], 1)


class DensityNet(nn.Module):
    def __init__(self, preset, size, channels=5, additional=1, bins=520):
        super().__init__()
        c = PRESETS[preset]
        stages = c["stages"] or [1] * (3 if size >= 32 else 2 if size >= 16 else 1)
        self.add = nn.Linear(additional, c["stem"])
        self.stem = Conv(channels, c["stem"], 5)
        self.conv = Conv(c["stem"], c["conv"], 3)
        r, k, p, q = c["inc"]
        cin = c["conv"]
        self.stages = nn.ModuleList()
        s = size
        self.sizes = []
        for nb in stages:
            s //= 2
            blocks = nn.ModuleList()
            for _ in range(nb):
                blocks.append(Inception(cin, r, k, p, q))
                cin = 2 * k + p + q
            self.stages.append(blocks)
            self.sizes.append(s)
        self.tail = nn.ModuleList()
        for _ in range(c["tail"]):
            self.tail.append(Conv(cin, c["tail_ch"], 3, same=False))
            cin = c["tail_ch"]
            s -= 2
        self.tail_size = s
        self.dense = nn.Linear(s * s * cin, c["dense"])
        self.latent = nn.Linear(c["dense"], c["s"])
        self.h1 = nn.Linear(c["s"], c["head"])
        self.h2 = nn.Linear(c["head"], bins)
        for m in [self.add, self.dense, self.latent, self.h1, self.h2]:
            nn.init.xavier_uniform_(m.weight)
            nn.init.constant_(m.bias, 0.1)
        self.invs = {}

    def inv(self, s, device):
        if s not in self.invs:
            self.invs[s] = inv_counts(s, s, device)
        return self.invs[s]

    def forward(self, x, a):
        y = F.relu(self.stem(x) + self.add(a)[:, :, None, None])
        y = torch.tanh(self.conv(y))
        for blocks, s in zip(self.stages, self.sizes):
            y = F.avg_pool2d(y, 2)
            for b in blocks:
                y = b(y, self.inv(s, x.device))
        for t in self.tail:
            y = F.relu(t(y))
        y = pool_same(y, self.inv(self.tail_size, x.device))
        # flatten in NHWC order, as the Rust network does
        y = y.permute(0, 2, 3, 1).reshape(y.shape[0], -1)
        z = self.latent(F.relu(self.dense(y)))
        return self.h2(F.relu(self.h1(z)))


def time_torch(args, device):
    torch.manual_seed(0)
    net = DensityNet(args.preset, args.size).to(device)
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    n = 256 if args.preset == "paper" else 1024
    x = torch.rand(n, 5, args.size, args.size, device=device)
    a = torch.rand(n, 1, device=device)
    y = torch.randint(0, 520, (n,), device=device)

    def step():
        idx = torch.randint(0, n, (args.batch,), device=device)
        loss = F.cross_entropy(net(x[idx], a[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    for _ in range(1 if args.preset == "paper" else 2):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    with torch.no_grad():
        if args.preset != "paper":
            for i in range(0, n, 256):
                net(x[i:i + 256], a[i:i + 256]).softmax(-1)
        t1 = time.perf_counter()
        reps = 1 if args.preset == "paper" else 2
        for _ in range(reps):
            for i in range(0, n, 256):
                net(x[i:i + 256], a[i:i + 256]).softmax(-1).cpu()
        di = (time.perf_counter() - t1) / reps
    return {
        "framework": "pytorch " + torch.__version__,
        "device": str(device),
        "preset": args.preset,
        "size": args.size,
        "params": params,
        "batch": args.batch,
        "threads": torch.get_num_threads(),
        "train_ms_per_step": 1000 * dt / args.steps,
        "train_images_per_s": args.steps * args.batch / dt,
        "infer_ms_per_256": 1000 * di * 256 / n,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--preset", default="small", choices=["small", "paper"])
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--gpu", action="store_true")
    p.add_argument("--rust-bin", default="target/release/examples/step_timing")
    p.add_argument("--skip-rust", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if args.gpu and torch.cuda.is_available() else "cpu")
    t = time_torch(args, device)
    print(json.dumps(t))
    if args.skip_rust:
        return
    env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads))
    cmd = [args.rust_bin, args.preset, str(args.size), "density", str(args.steps), str(args.batch)]
    if args.gpu:
        cmd.append("gpu")
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["framework"] = "galaxy-estimator (candle)"
    print(json.dumps(r))
    print(json.dumps({
        "train_step_ratio_rust_over_torch": r["train_ms_per_step"] / t["train_ms_per_step"],
        "inference_ratio_rust_over_torch": r["infer_ms_per_256"] / t["infer_ms_per_256"],
        "params_equal": r["params"] == t["params"],
    }))


if __name__ == "__main__":
    main()
