"""Time :func:`lmm_desktop.analysis.pipeline.analyze` on a 60 s walking trial, after forward
kinematics (which is not timed). Prints JSON; target: < 300 ms.

The trial is the OpenSim tutorial walk (``subject01_walk1_ik.mot``, 60 Hz) resampled to 100 Hz,
one stride repeated for 60 s, with the pelvis carried forward at the measured speed so it walks
overground (6000 frames).

Usage: ``python benchmarks/bench_analyze.py [--fixtures DIR] [--repeat N]``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from lmm_desktop.analysis.clinical_tests import run_clinical_tests
from lmm_desktop.analysis.cycles import cycle_curves
from lmm_desktop.analysis.events import detect_gait_events
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.analysis.quality import check_quality
from lmm_desktop.analysis.spatiotemporal import compute_spatiotemporal
from lmm_desktop.biomech.fk import forward_kinematics
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import Kinematics
from lmm_desktop.core.trial import Event, Provenance, Trial
from lmm_desktop.io import read_trial

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("LMM_SHARED", ROOT.parent / "shared")) / "fixtures"


def long_walk(fixtures: Path, seconds: float = 60.0, rate: float = 100.0) -> Trial:
    """A ``seconds``-long overground walk built from one stride of the tutorial trial."""
    src = read_trial(fixtures / "opensim" / "subject01_walk1_ik.mot")
    kin = src.kinematics
    assert kin is not None
    first = analyze(src)
    right = sorted(
        e.time_s for e in first.events_used() if e.side == "right" and e.label == "heel_strike"
    )
    t0, t1 = right[0], right[1]
    t = np.arange(0.0, seconds, 1.0 / rate)  # (n,) s
    phase = t0 + np.mod(t, t1 - t0)  # position inside the stride
    table = np.hstack([kin.pelvis_rotation, kin.pelvis_translation, kin.angles])  # (m, 40)
    vals = np.column_stack([np.interp(phase, src.time, table[:, j]) for j in range(40)])
    speed = first.spatiotemporal.values("speed_m_s").mean() if first.spatiotemporal else 1.0
    vals[:, 3] += speed * t  # pelvis_tx: walk forward instead of on the treadmill
    long = Kinematics(vals[:, 6:], kin.present, vals[:, :3], vals[:, 3:6])
    return Trial(
        time=t,
        rate_hz=rate,
        source=None,
        kinematics=long,
        provenance=Provenance(None, "synthetic", trial_name="walk60s"),
        subject=src.subject,
    )


def stage_times(trial: Trial, points: BodyPoints, events: list[Event]) -> dict[str, float]:
    """Milliseconds spent in each stage of the pipeline (median of 3 runs each), fed as
    :func:`analyze` feeds them (the spatiotemporal stage reuses the detected walking direction)."""
    kin = trial.kinematics
    assert kin is not None
    rate = trial.rate_hz
    detected = detect_gait_events(points, rate_hz=rate)
    stages = {
        "gait_events": lambda: detect_gait_events(points, rate_hz=rate),
        "spatiotemporal": lambda: compute_spatiotemporal(
            events, points, subject=trial.subject, walking=detected.walking
        ),
        "cycles": lambda: cycle_curves(kin, trial.time, events, points=points),
        "clinical_tests": lambda: run_clinical_tests(kin, trial.time, points),
        "quality": lambda: check_quality(trial, points, events),
    }
    out = {}
    for name, fn in stages.items():
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            fn()
            runs.append(1000 * (time.perf_counter() - t))
        out[name] = round(float(np.median(runs)), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    trial = long_walk(args.fixtures)
    t_fk = time.perf_counter()
    points = forward_kinematics(trial)
    fk_ms = 1000 * (time.perf_counter() - t_fk)
    analyze(trial, points=points)  # warm-up (imports, normative tables)
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        result = analyze(trial, points=points)
        times.append(1000 * (time.perf_counter() - t))
    d = result.to_dict()
    stages = stage_times(trial, points, result.events_used())
    print(
        json.dumps(
            {
                "benchmark": "analyze_60s_walk_after_fk",
                "n_frames": trial.n_frames,
                "rate_hz": trial.rate_hz,
                "forward_kinematics_ms": round(fk_ms, 1),
                "analyze_ms_median": round(float(np.median(times)), 1),
                "analyze_ms_min": round(float(np.min(times)), 1),
                "repeat": args.repeat,
                "target_ms": 300,
                "pass": bool(np.median(times) < 300),
                "stages_ms": stages,
                "n_events": len(d["events"]),
                "n_strides": d["spatiotemporal"]["n_strides"] if d["spatiotemporal"] else None,
                "clinical_tests": [t["test"] for t in d["clinical_tests"]],
                "n_quality_flags": len(d["quality"]),
                "gps_overall": d["gait_profile_score"]["gps_overall"]
                if d["gait_profile_score"]
                else None,
                "load_average_1min": round(os.getloadavg()[0], 2),
                "cpu_count": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
