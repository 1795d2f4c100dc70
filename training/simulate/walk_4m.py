"""A SIMULATED 4-m walk from a standing start for the demo folder.

Not a cohort activity (the activity labels the models learn are fixed): the demo's Parkinson's
participant stands still, then walks at the usual pace past a 4-m line and stops, as the Short
Physical Performance Battery's gait test and the 4-metre gait speed test are recorded. The
ground truth is the protocol's time from the noise-free simulated motion placed on the floor:
from the first movement to a heel passing 4 m beyond the front of the feet as they stood.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training.simulate.activities import _stand
from training.simulate.cohort import Participant
from training.simulate.demo_trial import write_demo_draft
from training.simulate.gait import build_walk, calibrate_gain, plan_walk
from training.simulate.keyframes import Key, animate
from training.simulate.motion import Draft, place

WALK_4M_NAME = "S0048_walk_4m_01"
STAND_S = 1.5
COURSE_M = 6.0
"""The walk goes on past the 4-m line (the protocol has the patient walk through it)."""


def walk_4m_draft(p: Participant, rng: np.random.Generator, rate_hz: float) -> Draft:
    """Stand still ``STAND_S``, start walking (0.9 s to full stride), walk about 6 m at the
    usual pace, stop, stand. Phase ``walk`` runs from the first movement to the stop."""
    stand = _stand(p)
    still = animate(stand, [Key(STAND_S, stand)], rate_hz)
    v = p.speed_m_s
    total = COURSE_M / v + 0.9
    plan = plan_walk(p, rng, rate_hz=rate_hz, duration_s=total, speed=v)
    gain, _ = calibrate_gain(p, plan)
    t = np.arange(plan.n) / rate_hz
    amp = np.clip(t / 0.9, 0.0, 1.0) * np.clip((total - t) / 0.7, 0.0, 1.0)
    amp = np.convolve(amp, np.ones(15) / 15, mode="same")
    amp[:2] = 0.0
    amp[-3:] = 0.0
    walk = build_walk(p, plan, gain, amplitude=amp)
    walk.phases = [("walk", 0.0, total)]
    end = animate(stand, [Key(1.0, stand)], rate_hz)
    return Draft.concat([still, walk, end])


def walk_4m_truth(draft: Draft, p: Participant) -> dict[str, float]:
    """``start`` (the first movement: the first frame the pelvis has moved 0.5 cm from where
    it stood, as the app's rule reads a first movement), ``end`` (a heel 4 m past the standing
    toes' front) and ``walk_4m_s``, from the noise-free motion placed on the floor."""
    placed = place(draft, p.height_m)
    x = placed.pelvis_translation[:, [0, 2]]
    moved = np.linalg.norm(x - x[0], axis=1) > 0.005
    i0 = int(np.flatnonzero(moved)[0])
    line = float(placed.feet[0, :, 1, 0].max())  # the toes' front, walking along +x
    heel = placed.feet[:, :, 0, 0].max(axis=1)
    i1 = int(np.flatnonzero((heel >= line + 4.0) & (np.arange(len(heel)) > i0))[0])
    t = np.arange(draft.n_frames) / draft.rate_hz
    return {"start": float(t[i0]), "end": float(t[i1]), "walk_4m_s": float(t[i1] - t[i0])}


def write_walk_4m_demo(
    out: Path, p: Participant, rate_hz: float, seed: int
) -> tuple[Path, str, dict[str, float]]:
    """Write ``S0048_walk_4m_01.mot`` into ``out``; returns it, its README line and the ground
    truth (:func:`walk_4m_truth`)."""
    rng = np.random.default_rng(seed)
    draft = walk_4m_draft(p, rng, rate_hz)
    truth = walk_4m_truth(draft, p)
    path, _events = write_demo_draft(draft, p, WALK_4M_NAME, out, rate_hz, rng)
    line = (
        f"\n- `{path.name}`: 4-m walk from a standing start (the SPPB's gait test): the "
        f"Parkinson's participant stands, then walks at the usual pace through the 4-m line; "
        f"{truth['walk_4m_s']:.2f} s from the first movement to a heel past 4 m (the "
        "noise-free simulation). Not a cohort activity, so not in `labels.csv`. Marked "
        "simulated."
    )
    return path, line, truth


__all__ = ["WALK_4M_NAME", "walk_4m_draft", "walk_4m_truth", "write_walk_4m_demo"]
