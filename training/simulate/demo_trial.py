"""Writing a demo trial that is not a cohort activity (one-leg stance, 30-second chair stand,
4-Stage Balance Test) from its draft: the same steps as the cohort's trials, in the same order
(so the seeded files are reproducible), with textbook posture and no tracking gaps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training.simulate.cohort import Participant
from training.simulate.habitus import Habitus, apply_posture
from training.simulate.motion import Draft, place
from training.simulate.noise import add_capture_noise
from training.simulate.output import DEMO_SUBJECT, make_trial, write_mot
from training.simulate.truth import events_from_contact


def write_demo_draft(
    draft: Draft, p: Participant, name: str, out: Path, rate_hz: float,
    rng: np.random.Generator,
) -> tuple[Path, list[tuple[str, str, float]]]:
    """Place ``draft`` on the floor, add capture noise and write ``out/<name>.mot``; returns
    the file and the ground-truth events ``(label, side, time_s)`` of its floor contact."""
    apply_posture(draft, Habitus.neutral())
    placed = place(draft, p.height_m, (0.0, 0.0))
    events = events_from_contact(placed.contact, rate_hz)
    angles, rot, trans = draft.angles.copy(), placed.pelvis_rotation, placed.pelvis_translation
    add_capture_noise(angles, rot, trans, rng, rate_hz)
    trial = make_trial(p, name, rate_hz, angles, rot, trans, events)
    return write_mot(trial, out / f"{name}.mot", DEMO_SUBJECT), events
