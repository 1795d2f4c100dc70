"""Forward-kinematics benchmark. Prints JSON.

- built-in numpy FK: 60 s at 100 Hz (6000 frames) of random poses;
- OpenSim FK of the OpenCap walking trial on LaiUhlrich2022: our cached ``OsimPoser`` against a
  plain per-frame OpenSim loop (model loaded, ``Coordinate.setValue`` per coordinate, body looked
  up and ``findStationLocationInGround`` per point), without and with ``setValue``'s default
  constraint assembly (10 frames for the latter), same frames, same run.

    python benchmarks/bench_fk.py [--shared ../shared] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import platform
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


def bench_numpy(repeat: int) -> dict[str, Any]:
    from lmm_desktop.biomech.fk import builtin_forward_kinematics
    from lmm_desktop.core.canonical import Kinematics

    rng = np.random.default_rng(0)
    n = 6000
    kin = Kinematics(
        rng.uniform(-40, 40, (n, 34)),
        np.ones(34, bool),
        rng.uniform(-20, 20, (n, 3)),
        rng.uniform(-1, 1, (n, 3)),
    )
    t = np.arange(n) / 100.0
    best = _best(lambda: builtin_forward_kinematics(kin, t, height_m=1.75), repeat)
    return {"frames": n, "best_s": round(best, 5), "ms_per_1000_frames": round(best / n * 1e6, 3)}


def _plain_loop(
    model: Any,
    state: Any,
    names: list[str],
    values: np.ndarray,
    stations: list[tuple[str, tuple[float, float, float]]],
    *,
    assemble: bool,
) -> np.ndarray:
    """What one writes first: set each coordinate, then look up and query each station."""
    import opensim

    cs = model.getCoordinateSet()
    out = np.empty((values.shape[0], len(stations), 3))
    for f in range(values.shape[0]):
        for k, name in enumerate(names):
            if not cs.contains(name) or name.endswith("_beta"):
                continue
            coord = cs.get(name)
            v = values[f, k]
            if coord.getMotionType() == opensim.Coordinate.Rotational:
                v = np.radians(v)
            coord.setValue(state, float(v), assemble)
        model.realizePosition(state)
        for p, (body, off) in enumerate(stations):
            loc = (
                model.getBodySet().get(body).findStationLocationInGround(state, opensim.Vec3(*off))
            )
            out[f, p] = [loc.get(0), loc.get(1), loc.get(2)]
    return out


def bench_osim(shared: Path, repeat: int) -> dict[str, Any]:
    from lmm_desktop.biomech.osim_fk import OsimPoser
    from lmm_desktop.io.mot import read_mot

    trial = read_mot(shared / "fixtures" / "opencap" / "walking1_videoAndMocap.mot")
    model_path = shared / "fixtures" / "models" / "LaiUhlrich2022.osim"
    assert trial.source is not None
    names, values = trial.source.names, trial.source.values
    poser = OsimPoser(model_path)
    stations = [(st.body, st.offset) for st in poser._stations if st is not None]
    ours = _best(lambda: poser.pose(names, values), repeat)
    setup = _best(lambda: OsimPoser(model_path), 1)
    import opensim

    model = opensim.Model(str(model_path))  # loaded once, outside the timings
    state = model.initSystem()
    plain = _best(
        lambda: _plain_loop(model, state, names, values, stations, assemble=False),
        max(1, repeat // 2),
    )
    few = 10  # with constraint assembly each frame costs ~0.5 s: time a few frames only
    assembled = _best(
        lambda: _plain_loop(model, state, names, values[:few], stations, assemble=True), 1
    )
    n = values.shape[0]
    return {
        "model": "LaiUhlrich2022",
        "frames": n,
        "points": len(stations),
        "cached_poser_s": round(ours, 4),
        "cached_ms_per_frame": round(ours / n * 1e3, 4),
        "poser_setup_s": round(setup, 4),
        "plain_loop_s": round(plain, 4),
        "plain_ms_per_frame": round(plain / n * 1e3, 4),
        "speedup": round(plain / ours, 2),
        "plain_assembling_ms_per_frame": round(assembled / few * 1e3, 2),
        "speedup_vs_assembling": round((assembled / few) / (ours / n), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from lmm_desktop.biomech.osim_util import import_opensim

    import_opensim()
    result = {
        "benchmark": "forward_kinematics",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "builtin_numpy": bench_numpy(args.repeat),
        "opensim": bench_osim(args.shared, args.repeat),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
