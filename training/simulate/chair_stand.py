"""A SIMULATED 30-second chair stand for the demo folder.

Not a cohort activity (the activity labels the models learn are fixed): the demo's stroke
participant rises from a chair and sits back down, arms across the chest, for 30 s and a little
more (the last repetition is finished), a little slower each time. The ground truth is the CDC's
count: the stands completed (full standing, the end of the simulated rise) within 30 s of the
first movement, plus one when a rise is more than halfway up at 30 s.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training.simulate.activities import chair_stand_30s
from training.simulate.cohort import Participant
from training.simulate.demo_trial import write_demo_draft
from training.simulate.truth import merge_phases

CHAIR_STAND_NAME = "S0039_chair_stand_30s_01"


def chair_stand_truth(phases: list[tuple[str, float, float]]) -> dict[str, float]:
    """From the simulated phases: ``start`` (the first movement), each ``stand_k`` time (full
    standing) and ``stands``, the score (a rise more than halfway through its time at 30 s
    counts)."""
    rises = [(a, b) for name, a, b in phases if name.startswith("rise_")]
    start = rises[0][0]
    end = start + 30.0
    done = [b for _a, b in rises if b <= end]
    out = {"start": start, "stands": float(len(done))}
    out.update({f"stand_{k}": b for k, b in enumerate(done, start=1)})
    if any(a < end < b and (end - a) / (b - a) > 0.5 for a, b in rises):
        out["stands"] += 1.0
    return out


def write_chair_stand_demo(
    out: Path, p: Participant, rate_hz: float, seed: int
) -> tuple[Path, str, dict[str, float]]:
    """Write ``S0039_chair_stand_30s_01.mot`` into ``out``; returns it, its README line and the
    ground truth (:func:`chair_stand_truth`)."""
    rng = np.random.default_rng(seed)
    draft = chair_stand_30s(p, rng, rate_hz)
    truth = chair_stand_truth(merge_phases(draft.phases))
    path, _events = write_demo_draft(draft, p, CHAIR_STAND_NAME, out, rate_hz, rng)
    line = (
        f"\n- `{path.name}`: 30-second chair stand: the stroke participant ({p.sex}, "
        f"{p.age:.0f} years) rises {truth['stands']:.0f} times in 30 s, a little slower each "
        "time (the count as the CDC's STEADI protocol has it), read against the norm for "
        "his age and sex. Not a cohort activity, so not in `labels.csv`. Marked simulated."
    )
    return path, line, truth


__all__ = ["CHAIR_STAND_NAME", "chair_stand_truth", "write_chair_stand_demo"]
