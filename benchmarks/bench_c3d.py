"""Time the C3D reader against the per-frame iteration of the `c3d` package; prints JSON.

Run: ``python benchmarks/bench_c3d.py [path/to/file.c3d ...]`` (default: the shared walking5.c3d).
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

from lmm_desktop.io.c3d import read_c3d

DEFAULT = (
    Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "c3d" / "walking5.c3d"
)


def best_of(fn: Callable[[], object], repeats: int = 7) -> float:
    """Best wall time in seconds over ``repeats`` calls of ``fn()``."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _library_read(path: Path) -> int:
    import c3d  # the PyPI package, only for comparison

    with path.open("rb") as handle, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sum(1 for _ in c3d.Reader(handle).read_frames())


def main(paths: list[Path]) -> None:
    for path in paths:
        trial = read_c3d(path)
        assert trial.markers is not None
        result = {
            "file": path.name,
            "frames": trial.n_frames,
            "markers": len(trial.markers.labels),
            "read_c3d_s": round(best_of(partial(read_c3d, path)), 5),
            "c3d_package_read_frames_s": round(best_of(partial(_library_read, path)), 5),
        }
        print(json.dumps(result))


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or [DEFAULT])
