"""Reader benchmark: every fixture format, plus .mot/.trc against OpenSim's own TimeSeriesTable
reading of the same files in the same run. Prints JSON.

    python benchmarks/bench_readers.py [--shared ../shared] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _make_long_mot(path: Path, seconds: float = 60.0, rate: float = 100.0, ncol: int = 40) -> None:
    n = int(seconds * rate)
    t = np.arange(n) / rate
    names = [f"coord_{i}" for i in range(ncol)]
    data = np.column_stack([t] + [np.sin(t * (i + 1)) * 30 for i in range(ncol)])
    with path.open("w") as fh:
        fh.write(f"Coordinates\nversion=1\nnRows={n}\nnColumns={ncol + 1}\ninDegrees=yes\n"
                 "endheader\n")
        fh.write("time\t" + "\t".join(names) + "\n")
        np.savetxt(fh, data, fmt="%.8f", delimiter="\t")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    fx = args.shared / "fixtures"

    import opensim

    from lmm_desktop.io import read_trial

    opensim.Logger.setLevelString("error")
    results: dict[str, Any] = {"machine": f"{platform.machine()} {platform.processor()}, "
                               f"python {platform.python_version()}", "files": {}}
    with tempfile.TemporaryDirectory() as tmp:
        long_mot = Path(tmp) / "long_60s_100Hz_40col.mot"
        _make_long_mot(long_mot)
        files = [long_mot, *sorted(fx.glob("opencap/*.mot")), *sorted(fx.glob("opensim/*")),
                 *sorted(fx.glob("trc-edge/*.trc")), *sorted(fx.glob("c3d/**/*.c3d"))]
        for f in files:
            ours = _best(lambda f=f: read_trial(f), args.repeat)
            entry: dict[str, Any] = {"ours_ms": round(ours * 1000, 3)}
            if f.suffix in (".mot", ".trc"):
                try:
                    if f.suffix == ".mot":
                        osim = _best(lambda f=f: opensim.TimeSeriesTable(str(f)), args.repeat)
                    else:
                        osim = _best(lambda f=f: opensim.TimeSeriesTableVec3(str(f)),
                                     args.repeat)
                    entry["opensim_ms"] = round(osim * 1000, 3)
                    entry["speedup_vs_opensim"] = round(osim / ours, 2)
                except Exception as exc:  # OpenSim cannot read some edge cases: record it
                    entry["opensim_error"] = str(exc).splitlines()[0][:120]
            key = f.name if f.parent == Path(tmp) else str(f.relative_to(fx))
            results["files"][key] = entry
    long = results["files"]["long_60s_100Hz_40col.mot"]
    results["target_60s_mot_under_50ms"] = long["ours_ms"] < 50.0
    speedups = [e["speedup_vs_opensim"] for e in results["files"].values()
                if "speedup_vs_opensim" in e]
    results["median_speedup_vs_opensim"] = round(statistics.median(speedups), 2) if speedups \
        else None
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
