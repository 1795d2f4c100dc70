"""Time the .mot reader against OpenSim's readers on a 60 s, 100 Hz, 40-coordinate file.

Prints one JSON object. The file is written twice: in OpenSim's own layout (``%16.8f``, tabs) and
by :func:`lmm_desktop.io.mot.write_mot` (repr-exact, shortest round-trip digits).
Usage: ``python benchmarks/bench_readers_text.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from lmm_desktop.core.canonical import CANONICAL_JOINTS
from lmm_desktop.io.mot import read_mot, write_mot

N_ROWS, N_COORDS = 6000, 40  # 60 s at 100 Hz


def write_opensim_style(path: Path) -> None:
    names = [
        "pelvis_tilt",
        "pelvis_list",
        "pelvis_rotation",
        "pelvis_tx",
        "pelvis_ty",
        "pelvis_tz",
        *CANONICAL_JOINTS,
    ][:N_COORDS]
    rng = np.random.default_rng(0)
    values = rng.normal(0.0, 20.0, (N_ROWS, N_COORDS))  # (6000, 40), degrees
    time_s = np.arange(N_ROWS) / 100.0
    with path.open("w") as fh:
        fh.write(
            f"Coordinates\nversion=1\nnRows={N_ROWS}\nnColumns={N_COORDS + 1}\n"
            "inDegrees=yes\n\nUnits are S.I. units (second, meters, Newtons, ...)\n"
            "Angles are in degrees.\n\nendheader\n" + "\t".join(["time", *names]) + "\n"
        )
        for t, row in zip(time_s, values, strict=True):
            fh.write("\t".join(f"{v:16.8f}" for v in (t, *row)) + "\n")


def best_ms(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return {"min_ms": round(min(times), 2), "median_ms": round(statistics.median(times), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    results: dict[str, object] = {"rows": N_ROWS, "coordinates": N_COORDS}
    with tempfile.TemporaryDirectory() as tmp:
        osim_style = Path(tmp) / "opensim_style.mot"
        write_opensim_style(osim_style)
        ours = write_mot(read_mot(osim_style), Path(tmp) / "written.mot")
        for label, path in (("opensim_layout", osim_style), ("write_mot_layout", ours)):
            entry: dict[str, object] = {"bytes": path.stat().st_size}
            entry["read_mot"] = best_ms(lambda p=path: read_mot(p), args.repeat)
            tracemalloc.start()
            read_mot(path)
            entry["read_mot_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
            tracemalloc.stop()
            try:
                import opensim

                opensim.Logger.setLevelString("warn")
                entry["opensim_TimeSeriesTable"] = best_ms(
                    lambda p=path: opensim.TimeSeriesTable(str(p)), args.repeat
                )
                entry["opensim_Storage"] = best_ms(
                    lambda p=path: opensim.Storage(str(p)), args.repeat
                )
            except ImportError:
                entry["opensim"] = "not installed"
            write_ms = best_ms(lambda p=path: write_mot(read_mot(p), Path(tmp) / "w.mot"), 3)
            entry["read_plus_write_mot"] = write_ms
            results[label] = entry
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
