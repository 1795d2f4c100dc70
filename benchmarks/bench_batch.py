"""Time ``lmm-desktop batch`` on the demo folder (10 trials: walks, TUG, FSST, 5xSTS, squats,
one-leg stance, a C3D with force plates), reading and analysing each trial and writing the
table. Prints JSON; target: < 1 s per trial on average (a 100-trial study in under 2 minutes on
this 2-core machine).

Usage: ``python benchmarks/bench_batch.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from lmm_desktop.report.batch import analyse_all, find_trials, write_table

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    targets, _ = find_trials([ROOT / "resources" / "demo"])
    analyse_all(targets[:1])  # warm-up (imports, normative tables)
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            t = time.perf_counter()
            rows = analyse_all(targets)
            write_table(rows, Path(tmp) / "table.csv")
            times.append(time.perf_counter() - t)
    per_trial = float(np.median(times)) / len(targets)
    print(json.dumps({
        "benchmark": "batch_demo_folder",
        "trials": len(targets),
        "failed": sum(1 for r in rows if r.get("error")),
        "total_s_median": round(float(np.median(times)), 3),
        "per_trial_ms": round(1000 * per_trial, 1),
        "target_per_trial_ms": 1000,
        "pass": per_trial < 1.0,
        "repeat": args.repeat,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
    }, indent=2))


if __name__ == "__main__":
    main()
