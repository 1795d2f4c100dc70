"""Time the joint angles computed from markers (:mod:`lmm_desktop.analysis.marker_angles`) and
the whole analysis of a marker-only trial. Prints JSON; target: the angles of a 60 s, 100 Hz
trial in under 100 ms (they run while the trial opens, before the analysis).

Trials: the real Qualisys.c3d fixture (340 frames at 200 Hz, 55 markers) and a 60 s, 100 Hz walk
whose landmarks (forward kinematics of a simulated demo walk, repeated) stand in for markers.

Usage: ``python benchmarks/bench_marker_angles.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import numpy as np
from bench_c3d import best_of  # the benchmarks' shared best-of-N timer

from lmm_desktop.analysis.marker_angles import marker_kinematics, with_marker_kinematics
from lmm_desktop.analysis.markers import body_points_from_markers
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.biomech.fk import builtin_forward_kinematics
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.io import read_trial

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("LMM_SHARED", ROOT.parent / "shared")) / "fixtures"


def long_points(seconds: float = 60.0) -> BodyPoints:
    trial = read_trial(ROOT / "resources" / "demo" / "S0039_walking_01.mot")
    assert trial.kinematics is not None
    pts = builtin_forward_kinematics(trial.kinematics, trial.time, height_m=1.70)
    frames = int(seconds * 100)  # played back at 100 Hz
    reps = int(np.ceil(frames / pts.n_frames))
    pos = np.concatenate([pts.positions] * reps)[:frames]
    pos[:, pts.names.index("hip_r")] = np.nan  # markers give no hip centres
    pos[:, pts.names.index("hip_l")] = np.nan
    t = np.arange(pos.shape[0]) / 100.0
    return BodyPoints(t, list(pts.names), pos, [], "markers")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    c3d = FIXTURES / "c3d" / "Qualisys.c3d"
    trial = read_trial(c3d)
    assert trial.markers is not None
    points = body_points_from_markers(trial.markers)
    angles_c3d = best_of(lambda: marker_kinematics(points), args.repeat)

    def whole() -> None:
        fresh = read_trial(c3d)
        analyze(fresh)

    analyse_c3d = best_of(whole, args.repeat)
    fresh = with_marker_kinematics(read_trial(c3d))
    long = long_points()
    angles_60s = best_of(lambda: marker_kinematics(long), args.repeat)
    print(
        json.dumps(
            {
                "benchmark": "marker_angles",
                "machine": f"{platform.node()} {os.cpu_count()} cpu",
                "qualisys_c3d_frames": trial.n_frames,
                "angles_qualisys_ms": round(angles_c3d * 1000, 1),
                "analyze_qualisys_with_angles_ms": round(analyse_c3d * 1000, 1),
                "qualisys_angles_present": fresh.kinematics is not None,
                "frames_60s": long.n_frames,
                "angles_60s_100hz_ms": round(angles_60s * 1000, 1),
                "target_60s_ms": 100,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
