"""Time the force plates: decoding them from a C3D file, their gait analysis (contacts, foot
assignment, stance figures) and the joint kinetics (sagittal inverse dynamics over the cycles that
start on a plate). Prints JSON; target: the force-plate analysis of a 60 s trial with two plates
at 2000 Hz in under 150 ms (it runs inside the trial's analysis, whose whole budget is 300 ms).

Trials: the real Qualisys.c3d fixture (340 frames at 200 Hz, 2 AMTI plates at 2000 Hz) and a
60 s trial made by repeating it 36 times (its markers and both plates, time shifted).

Usage: ``python benchmarks/bench_force_plates.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
from pathlib import Path

import numpy as np
from bench_c3d import best_of  # the benchmarks' shared best-of-N timer

from lmm_desktop.analysis.force_plates import analyze_force_plates
from lmm_desktop.analysis.pipeline import analyze, body_points_for, kinetics_for
from lmm_desktop.core.trial import ForcePlate, MarkerSet, Trial
from lmm_desktop.io.c3d import read_c3d

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("LMM_SHARED", ROOT.parent / "shared")) / "fixtures"


def repeated(trial: Trial, times: int) -> Trial:
    """The trial played ``times`` times in a row (markers and plates, time shifted)."""
    assert trial.markers is not None
    m = trial.markers
    span = float(m.time[-1] - m.time[0]) + 1.0 / m.rate_hz
    mt = np.concatenate([m.time + k * span for k in range(times)])
    markers = MarkerSet(mt, m.rate_hz, list(m.labels), np.concatenate([m.positions] * times))
    plates: list[ForcePlate] = []
    for p in trial.force_plates:
        plates.append(
            dataclasses.replace(
                p,
                time=np.concatenate([p.time + k * span for k in range(times)]),
                grf=np.concatenate([p.grf] * times),
                cop=np.concatenate([p.cop] * times),
                free_moment=np.concatenate([p.free_moment] * times),
            )
        )
    return dataclasses.replace(trial, time=mt, markers=markers, force_plates=plates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    c3d = FIXTURES / "c3d" / "Qualisys.c3d"
    read_s = best_of(lambda: read_c3d(c3d), args.repeat)
    trial = read_c3d(c3d)
    fp_s = best_of(lambda: analyze_force_plates(trial), args.repeat)
    long = repeated(trial, 36)
    long_s = best_of(lambda: analyze_force_plates(long), args.repeat)
    result = analyze_force_plates(long)
    assert result is not None
    trial.subject.mass_kg = 66.0
    full = analyze(trial)
    points = body_points_for(trial)
    from lmm_desktop.analysis.marker_angles import complete_hips

    complete_hips(points)
    kin_s = best_of(
        lambda: kinetics_for(trial, full.force_plates, full.events_used(), points), args.repeat
    )
    def whole() -> None:
        fresh = read_c3d(c3d)
        fresh.subject.mass_kg = 66.0
        analyze(fresh)

    whole_s = best_of(whole, args.repeat)
    print(
        json.dumps(
            {
                "benchmark": "force_plates",
                "machine": f"{platform.node()} {os.cpu_count()} cpu",
                "qualisys_read_with_plates_ms": round(read_s * 1000, 1),
                "qualisys_force_plate_analysis_ms": round(fp_s * 1000, 1),
                "long_duration_s": round(float(long.time[-1] - long.time[0]), 1),
                "long_samples_per_plate": long.force_plates[0].n_samples,
                "long_contacts": len(result.contacts),
                "long_clean_contacts": len(result.clean),
                "long_force_plate_analysis_ms": round(long_s * 1000, 1),
                "target_60s_ms": 150,
                "qualisys_kinetics_ms": round(kin_s * 1000, 1),
                "qualisys_kinetic_cycles": len(full.kinetics.cycles) if full.kinetics else 0,
                "qualisys_read_and_whole_analysis_with_kinetics_ms": round(whole_s * 1000, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
