"""Files a simulated cohort is written to: one .mot per trial, ``labels.csv``, ``events.json``."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.canonical import N_JOINTS, Kinematics
from lmm_desktop.core.trial import Event, Provenance, Subject, Trial
from lmm_desktop.io import write_trial
from training.simulate.cohort import Participant

LABEL_COLUMNS: tuple[str, ...] = (
    "participant",
    "trial",
    "file",
    "activity",
    "diagnosis",
    "condition",
    "impaired",
    "affected_side",
    "device",
    "fall_history",
    "age",
    "sex",
    "height_m",
    "mass_kg",
    "severity",
    "rate_hz",
    "n_frames",
    "duration_s",
    "gap_frames",
    "speed_m_s",
    "cadence_steps_min",
    "step_length_l_m",
    "step_length_r_m",
    "step_width_l_m",
    "step_width_r_m",
    "stride_time_l_s",
    "stride_time_r_s",
    "stance_pct_l",
    "stance_pct_r",
    "tug_s",
    "fsst_s",
    "sts5_s",
    "squat_count",
    "max_stance_slide_m",
    "description",
    "simulated",
)
"""Columns of ``labels.csv`` (blank where a value does not apply)."""

_ACTIVITY_TEXT = {
    "walking": "Walking at a self-selected speed",
    "walking_fast": "Walking fast",
    "tug": "Timed Up and Go",
    "fsst": "Four Square Step Test",
    "sts5": "Five-times sit-to-stand",
    "standing": "Quiet standing",
    "squats": "Squats",
}
_CONDITION_TEXT = {
    "unimpaired": "no movement impairment",
    "stroke": "{side} hemiparesis after stroke",
    "transtibial": "{side} transtibial prosthesis",
    "transfemoral": "{side} transfemoral prosthesis",
    "incomplete_sci": "incomplete spinal cord injury",
    "tbi": "traumatic brain injury",
    "parkinsons": "Parkinson's disease",
}


def describe(p: Participant, activity: str, truth: Mapping[str, float]) -> str:
    """One-sentence description of a simulated trial (ground truth for the description task)."""
    cond = _CONDITION_TEXT[p.condition].format(side=p.affected_side)
    dev = (
        "no assistive device"
        if p.device == "none"
        else f"a {p.device}".replace("a crutches", "crutches")
    )
    text = f"{_ACTIVITY_TEXT[activity]}; {cond}; {dev}."
    if "speed_m_s" in truth:
        text += (
            f" Speed {truth['speed_m_s']:.2f} m/s, cadence "
            f"{truth['cadence_steps_min']:.0f} steps/min."
        )
    for key, name in (("tug_s", "TUG"), ("fsst_s", "FSST"), ("sts5_s", "5xSTS")):
        if key in truth:
            text += f" {name} time {truth[key]:.1f} s."
    return text


def make_trial(
    p: Participant,
    name: str,
    rate_hz: float,
    angles: NDArray[np.float64],
    pelvis_rot: NDArray[np.float64],
    pelvis_trans: NDArray[np.float64],
    events: list[tuple[str, str, float]],
    present: NDArray[np.bool_] | None = None,
) -> Trial:
    """A :class:`Trial` (provenance ``simulated``) ready for :func:`lmm_desktop.io.write_trial`.

    Values are rounded to 0.01 deg and 0.1 mm (far below the simulated capture noise) to keep the
    files small. ``present`` marks the joints the capture model has (default: all 34).
    """
    n = angles.shape[0]
    kin = Kinematics(
        angles=np.round(angles, 2),
        present=np.ones(N_JOINTS, dtype=bool) if present is None else present.copy(),
        pelvis_rotation=np.round(pelvis_rot, 2),
        pelvis_translation=np.round(pelvis_trans, 4),
    )
    return Trial(
        time=np.round(np.arange(n) / rate_hz, 4),
        rate_hz=rate_hz,
        source=None,
        kinematics=kin,
        provenance=Provenance(path=None, format="mot", trial_name=name, simulated=True),
        events=[Event(label, side, float(t), "file") for label, side, t in events],  # type: ignore[arg-type]
        subject=Subject(
            height_m=p.height_m,
            mass_kg=p.mass_kg,
            sex=p.sex,  # type: ignore[arg-type]
            age_years=p.age,
            identifier=p.pid,
        ),
        metadata={"simulated": True},
    )


DEMO_SUBJECT = ("age_years", "sex")
"""What a demo trial's header says of its participant: the age and sex the clinical tests'
norms are read with. The height and mass stay in ``labels.csv`` (the app then poses the demo
on its default-size skeleton, as the demo's documented figures assume)."""


def write_mot(trial: Trial, path: Path, keep: tuple[str, ...] = ()) -> Path:
    """Write one trial as a canonical ``.mot`` (header carries ``simulated=yes``). The
    participant's demographics stay in ``labels.csv``, not in the file's header, except the
    fields named in ``keep`` (``subject_*`` header lines; the demo keeps :data:`DEMO_SUBJECT`):
    the cohort's trials read as files without them do."""
    subject = Subject(**{k: getattr(trial.subject, k) for k in keep})
    return write_trial(replace(trial, subject=subject), path)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not np.isfinite(value):
            return ""
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def write_labels(rows: list[dict[str, object]], path: Path) -> Path:
    """Write ``labels.csv`` with :data:`LABEL_COLUMNS` (atomic)."""
    with atomic_write(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(LABEL_COLUMNS)
        for row in rows:
            w.writerow([_cell(row.get(c)) for c in LABEL_COLUMNS])
    return path


def write_events(events: Mapping[str, object], path: Path) -> Path:
    """Write ``events.json``: per trial, its ground-truth events and phases (atomic)."""
    with atomic_write(path, "w") as fh:
        json.dump(events, fh, indent=1)
        fh.write("\n")
    return path
