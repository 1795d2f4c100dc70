"""Time the EMG envelopes (:mod:`lmm_desktop.analysis.emg`). Prints JSON; target: 16 channels
of a 60 s trial at 2000 Hz in under 100 ms (they run inside the trial's analysis).

Trials: the real Qualisys.c3d fixture (16 EMG channels, 1.7 s at 2000 Hz) and 60 s of 16
channels of synthetic EMG (Gaussian noise bursting once a second).

Usage: ``python benchmarks/bench_emg.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import numpy as np
from bench_c3d import best_of  # the benchmarks' shared best-of-N timer

from lmm_desktop.analysis.emg import analyze_emg
from lmm_desktop.core.trial import HEEL_STRIKE, AnalogChannels, Event
from lmm_desktop.io.c3d import read_c3d

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("LMM_SHARED", ROOT.parent / "shared")) / "fixtures"


def synthetic(seconds: float = 60.0, rate: float = 2000.0, n: int = 16) -> AnalogChannels:
    rng = np.random.default_rng(0)
    t = np.arange(0.0, seconds, 1.0 / rate)
    burst = ((t % 1.0) < 0.2).astype(float)
    values = rng.normal(0.0, 1.0, (len(t), n)) * (10e-6 + 100e-6 * burst)[:, None]
    return AnalogChannels([f"L_EMG {k}" for k in range(n)], ["V"] * n, rate, t, values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    trial = read_c3d(FIXTURES / "c3d" / "Qualisys.c3d")
    small_s = best_of(lambda: analyze_emg(trial.analog, trial.events), args.repeat)
    long = synthetic()
    events = [Event(HEEL_STRIKE, "left", float(k), "detected") for k in range(60)]
    long_s = best_of(lambda: analyze_emg(long, events), args.repeat)
    print(
        json.dumps(
            {
                "benchmark": "emg",
                "machine": f"{platform.node()} {os.cpu_count()} cpu",
                "qualisys_channels": 16,
                "qualisys_ms": round(small_s * 1000, 1),
                "long_channels": long.values.shape[1],
                "long_samples": long.values.shape[0],
                "long_ms": round(long_s * 1000, 1),
                "target_long_ms": 100,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
