"""Time the cohort simulator; prints one JSON object.

    python benchmarks/bench_simulate.py [--participants 20] [--workers 1 2]

Reports trials per second (simulation + writing .mot files) for each worker count, and the
extrapolated wall time of a 500-participant cohort.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
from pathlib import Path

from training.simulate import SimulationConfig, simulate_cohort


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--participants", type=int, default=20)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    results = []
    for workers in args.workers:
        out = Path(tempfile.mkdtemp(prefix="bench_simulate_"))
        try:
            s = simulate_cohort(
                SimulationConfig(
                    participants=args.participants, out=out, seed=args.seed, workers=workers
                )
            )
            size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
        finally:
            shutil.rmtree(out, ignore_errors=True)
        per_participant = s["seconds"] / s["participants"]
        results.append(
            {
                "workers": workers,
                "participants": int(s["participants"]),
                "trials": int(s["trials"]),
                "seconds": round(s["seconds"], 2),
                "trials_per_s": round(s["trials_per_s"], 2),
                "mb_per_trial": round(size / s["trials"] / 1e6, 3),
                "extrapolated_500_participants_min": round(500 * per_participant / 60, 1),
            }
        )
    print(
        json.dumps(
            {
                "benchmark": "simulate",
                "machine": platform.processor() or platform.machine(),
                "cpus": __import__("os").cpu_count(),
                "results": results,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
