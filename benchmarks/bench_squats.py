"""Time the squat analysis on a 64 s squat series (forward kinematics not timed). Prints JSON;
target: the whole analysis < 300 ms (as for a 60 s walk), the squat measures < 50 ms.

The trial is the real OpenCap squat trial (``squats1_videoAndMocap.mot``, 100 Hz, 8 s, five
repetitions) repeated eight times (6,400 frames, 40 repetitions).

Usage: ``python benchmarks/bench_squats.py [--fixtures DIR] [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from lmm_desktop.analysis.clinical_tests import detect_activity_segments
from lmm_desktop.analysis.pipeline import analyze, mask_gaps
from lmm_desktop.analysis.squats import analyze_squats
from lmm_desktop.biomech.fk import forward_kinematics
from lmm_desktop.core.canonical import Kinematics
from lmm_desktop.core.trial import Provenance, Trial
from lmm_desktop.io import read_trial

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("LMM_SHARED", ROOT.parent / "shared")) / "fixtures"


def long_squats(fixtures: Path, copies: int = 8) -> Trial:
    src = read_trial(fixtures / "opencap" / "squats1_videoAndMocap.mot")
    kin = src.kinematics
    assert kin is not None
    n = src.n_frames - 1  # the last frame ~ the first: drop it at each seam
    rep = lambda a: np.concatenate([a[:n]] * copies)  # noqa: E731
    long = Kinematics(rep(kin.angles), kin.present, rep(kin.pelvis_rotation),
                      rep(kin.pelvis_translation))
    t = np.arange(n * copies) / src.rate_hz
    return Trial(time=t, rate_hz=src.rate_hz, source=None, kinematics=long,
                 provenance=Provenance(None, "synthetic", trial_name="squats64s"),
                 subject=src.subject)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    trial = long_squats(args.fixtures)
    points = mask_gaps(trial, forward_kinematics(trial))
    analyze(trial, points=points)  # warm-up
    whole, squat = [], []
    kin = trial.kinematics
    assert kin is not None
    seg = detect_activity_segments(kin, trial.time, points)
    for _ in range(args.repeat):
        t = time.perf_counter()
        result = analyze(trial, points=points)
        whole.append(1000 * (time.perf_counter() - t))
        t = time.perf_counter()
        analyze_squats(kin, seg.signals, seg.rises, seg.sits, points)
        squat.append(1000 * (time.perf_counter() - t))
    sq = result.squats
    print(json.dumps({
        "benchmark": "analyze_64s_squat_series_after_fk",
        "n_frames": trial.n_frames,
        "rate_hz": trial.rate_hz,
        "repetitions": None if sq is None else len(sq.reps),
        "analyze_ms_median": round(float(np.median(whole)), 1),
        "squat_measures_ms_median": round(float(np.median(squat)), 1),
        "repeat": args.repeat,
        "target_ms": {"analyze": 300, "squat_measures": 50},
        "pass": bool(np.median(whole) < 300 and np.median(squat) < 50),
        "findings": [] if sq is None else [f.key for f in sq.findings],
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
    }, indent=2))


if __name__ == "__main__":
    main()
