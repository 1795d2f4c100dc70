"""A SIMULATED 2-minute step test (stepping in place, knees raised), for the tests and demos.

Not a cohort activity: a participant stands, then steps in place for two minutes and a little
more, raising each knee (hip and knee bent) in turn; ``low_every`` makes every n-th right lift
fall short (a tired lift), and the steps slow down a little as it goes on. The ground truth is
the right knee's lifts that reach the target height (midway between the standing knee and the
iliac crest) in the noise-free motion, within two minutes of the first lift.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training.simulate.activities import _stand
from training.simulate.cohort import Participant
from training.simulate.demo_trial import write_demo_draft
from training.simulate.keyframes import Key, animate
from training.simulate.motion import Draft

STEP_TEST_NAME = "S0048_two_minute_step_01"


def step_test_draft(p: Participant, rng: np.random.Generator, rate_hz: float,
                    duration_s: float = 124.0, step_s: float = 0.62, low_every: int = 0,
                    hip_deg: float = 70.0) -> Draft:
    """Stand 1.5 s; step in place (right, left, ...) until ``duration_s`` have passed, each
    step ``step_s`` (0.5 % slower every ten steps); stand 1.5 s."""
    stand = _stand(p, neutral_hips=True)

    def lifted(side: str, hip: float) -> object:
        return stand.copy().add(**{f"hip_flexion_{side}": hip, f"knee_angle_{side}": hip,
                                   f"ankle_angle_{side}": -5.0})

    keys = [Key(1.5, stand)]
    elapsed, k = 0.0, 0
    while elapsed < duration_s:
        side = "r" if k % 2 == 0 else "l"
        low = low_every and side == "r" and (k // 2) % low_every == low_every - 1
        hip = hip_deg * (0.55 if low else 1.0) * rng.normal(1.0, 0.02)
        t = step_s * 1.005 ** (k // 10) * rng.normal(1.0, 0.03)
        on = (side == "l", side == "r")  # the other foot carries the body
        name = f"{'low' if low else 'lift'}_{side}_{k // 2 + 1}"  # its end: the knee's top
        keys += [Key(0.5 * t, lifted(side, hip), contact=on, phase=name),  # type: ignore[arg-type]
                 Key(0.5 * t, stand, contact=on)]
        elapsed += t
        k += 1
    keys.append(Key(1.5, stand))
    return animate(stand, keys, rate_hz)


def step_test_truth(draft: Draft, window_s: float = 120.0) -> dict[str, float]:
    """From the simulated lifts: ``start`` (the first lift), ``steps`` (right lifts to the
    target whose top is within ``window_s`` of it), ``low_lifts`` (right lifts that fell short
    in it), ``left_steps``."""
    from training.simulate.truth import merge_phases

    phases = merge_phases(draft.phases)
    start = min(a for _n, a, _b in phases)
    inside = [n for n, _a, b in phases if b <= start + window_s]
    return {"start": start,
            "steps": float(sum(n.startswith("lift_r_") for n in inside)),
            "low_lifts": float(sum(n.startswith("low_r_") for n in inside)),
            "left_steps": float(sum(n.startswith("lift_l_") for n in inside))}


def write_step_test_trial(
    out: Path, p: Participant, rate_hz: float, seed: int, **kwargs: float
) -> tuple[Path, str, dict[str, float]]:
    """Write ``S0048_two_minute_step_01.mot`` (capture noise added) into ``out``; returns it, a
    README line and the ground truth (:func:`step_test_truth`)."""
    rng = np.random.default_rng(seed)
    draft = step_test_draft(p, rng, rate_hz, **kwargs)  # type: ignore[arg-type]
    path, _events = write_demo_draft(draft, p, STEP_TEST_NAME, out, rate_hz, rng)
    truth = step_test_truth(draft)
    line = (
        f"\n- `{path.name}`: 2-minute step test: the Parkinson's participant steps in place for "
        "two minutes, raising each knee in turn. Not a cohort activity, so not in "
        "`labels.csv`. Marked simulated."
    )
    return path, line, truth


__all__ = ["STEP_TEST_NAME", "step_test_draft", "step_test_truth", "write_step_test_trial"]
