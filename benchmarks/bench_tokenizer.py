"""Motion tokenizer benchmark: encode time of a 60 s, 100 Hz trial on CPU (target < 20 ms) with
the shipped tokenizer (or a freshly initialised one of the default architecture), and training
throughput (windows/s) of the default architecture. Prints JSON.

    python benchmarks/bench_tokenizer.py [--tokenizer DIR] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", type=Path, default=None)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()

    import torch

    from lmm_desktop.core.canonical import N_JOINTS, Kinematics
    from lmm_desktop.motion.config import TokenizerConfig
    from lmm_desktop.motion.normalization import NormStats
    from lmm_desktop.motion.tokenizer import DEFAULT_TOKENIZER_DIR, MotionTokenizer
    from lmm_desktop.motion.vqvae import MotionVQVAE
    from training.configs import load_shipped

    if args.threads:
        torch.set_num_threads(args.threads)
    folder = args.tokenizer or DEFAULT_TOKENIZER_DIR
    if (folder / "weights.safetensors").is_file():
        tok = MotionTokenizer.load(folder)
        source = str(folder)
    else:
        cfg = load_shipped("tokenizer_default").model
        model = MotionVQVAE(cfg)
        model.train()
        model(torch.randn(2, 64, N_JOINTS))
        tok = MotionTokenizer(cfg, NormStats(np.zeros(N_JOINTS), np.full(N_JOINTS, 15.0)), model)
        source = "untrained default architecture"
    n = 6000  # 60 s at 100 Hz
    t = np.arange(n) / 100.0
    angles = np.stack([20 * np.sin(2 * np.pi * (1 + 0.03 * j) * t) for j in range(N_JOINTS)], 1)
    kin = Kinematics(angles=angles, present=np.ones(N_JOINTS, bool),
                     pelvis_rotation=np.zeros((n, 3)), pelvis_translation=np.zeros((n, 3)))
    tok.encode(kin, t)  # warm-up
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        codes = tok.encode(kin, t)
        times.append(time.perf_counter() - t0)
    enc_ms = 1000 * float(np.median(times))

    cfg: TokenizerConfig = tok.config
    model = MotionVQVAE(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-4)
    x = torch.randn(32, 64, N_JOINTS)
    model.train()
    steps, t0 = 5, time.perf_counter()
    for _ in range(steps):
        out = model.loss(x)
        opt.zero_grad()
        out["loss"].backward()
        opt.step()
    train_s = (time.perf_counter() - t0) / steps
    print(json.dumps({
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus, torch threads "
                   f"{torch.get_num_threads()}, load avg {os.getloadavg()[0]:.1f}",
        "tokenizer": source,
        "encode_60s_100hz_ms_median": round(enc_ms, 2),
        "n_tokens": int(codes.size),
        "target_under_20ms": enc_ms < 20.0,
        "train_step_s_batch32x64": round(train_s, 3),
        "train_windows_per_s": round(32 / train_s, 1),
        "parameters_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 2),
    }, indent=2))


if __name__ == "__main__":
    main()
