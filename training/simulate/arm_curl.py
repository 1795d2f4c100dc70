"""A SIMULATED 30-second arm curl for the demo folder.

Not a cohort activity (the activity labels the models learn are fixed): the demo's stroke
participant sits and curls a hand weight with the left arm (the unaffected side) from the elbow
straight to fully bent and back, for 30 s and a little more, a little slower as it goes on. The
ground truth is the Senior Fitness Test's count: the curls that reach full flexion (over 100 deg
of elbow flexion in the noise-free motion) within 30 s of the first movement.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lmm_desktop.core.canonical import JOINT_INDEX as J
from training.simulate.activities import _sit_pose, _stand
from training.simulate.cohort import Participant
from training.simulate.demo_trial import write_demo_draft
from training.simulate.keyframes import Key, animate
from training.simulate.motion import Draft

ARM_CURL_NAME = "S0039_arm_curl_01"
DOWN_DEG, UP_DEG = 10.0, 140.0


def arm_curl_draft(p: Participant, rng: np.random.Generator, rate_hz: float,
                   period_s: float = 2.35, window_s: float = 30.0) -> Draft:
    """Seated; the left elbow from straight to fully bent and back, each curl 1.5 % slower
    than the one before, until ``window_s`` after the first movement; then rest."""
    sit = _sit_pose(_stand(p, neutral_hips=True)).set(
        arm_flex_l=10.0, arm_add_l=5.0, elbow_flex_l=DOWN_DEG)
    up = sit.copy().set(elbow_flex_l=UP_DEG, arm_flex_l=15.0)
    keys = [Key(1.5, sit)]
    elapsed, k = 0.0, 0
    while elapsed < window_s + 1.0:
        t = period_s * 1.015**k * rng.normal(1.0, 0.03)
        keys += [Key(0.45 * t, up, phase=f"curl_{k + 1}"), Key(0.55 * t, sit)]
        elapsed += t
        k += 1
    keys.append(Key(1.5, sit))
    return animate(sit, keys, rate_hz)


def arm_curl_truth(draft: Draft, rate_hz: float, window_s: float = 30.0) -> dict[str, float]:
    """``start`` (the first movement), ``curls`` (the count in ``window_s``, a curl more than
    halfway up at the end included) from the noise-free elbow angle."""
    elbow = draft.angles[:, J["elbow_flex_l"]]
    time = np.arange(len(elbow)) / rate_hz
    moving = np.flatnonzero(elbow > DOWN_DEG + 1.0)
    t0 = float(time[moving[0]])
    ups = [i for i in range(1, len(elbow)) if elbow[i] > 100.0 >= elbow[i - 1]]
    curls = float(sum(time[i] <= t0 + window_s for i in ups))
    i30 = int(np.searchsorted(time, t0 + window_s))
    if 75.0 < elbow[i30] <= 100.0 and elbow[i30 + 1] > elbow[i30]:
        curls += 1.0
    return {"start": t0, "curls": curls}


def write_arm_curl_demo(
    out: Path, p: Participant, rate_hz: float, seed: int
) -> tuple[Path, str, dict[str, float]]:
    """Write ``S0039_arm_curl_01.mot`` into ``out``; returns it, its README line and the
    ground truth (:func:`arm_curl_truth`)."""
    rng = np.random.default_rng(seed)
    draft = arm_curl_draft(p, rng, rate_hz)
    truth = arm_curl_truth(draft, rate_hz)
    path, _events = write_demo_draft(draft, p, ARM_CURL_NAME, out, rate_hz, rng)
    line = (
        f"\n- `{path.name}`: 30-second arm curl: the stroke participant ({p.sex}, "
        f"{p.age:.0f} years), seated, curls a hand weight with the left arm "
        f"{truth['curls']:.0f} times in 30 s (the Senior Fitness Test's count). Not a cohort "
        "activity, so not in `labels.csv`. Marked simulated."
    )
    return path, line, truth


__all__ = ["ARM_CURL_NAME", "arm_curl_draft", "arm_curl_truth", "write_arm_curl_demo"]
