"""Small synthetic walking trials for the GUI tests (used only where no real file fits: a trial
with known events and a stick figure that moves, built in memory)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import JOINT_INDEX, N_JOINTS, Kinematics
from lmm_desktop.core.trial import Event, MarkerSet, Provenance, Trial

STRIDE_S = 1.1


def make_trial(
    duration_s: float = 4.0,
    rate_hz: float = 100.0,
    *,
    simulated: bool = True,
    markers: bool = False,
    path: Path | None = None,
) -> Trial:
    """A walking-like trial: sinusoidal hip/knee/ankle angles and heel strikes / toe offs."""
    n = round(duration_s * rate_hz) + 1
    t = np.arange(n) / rate_hz  # (n,), seconds
    phase = 2 * np.pi * t / STRIDE_S
    angles = np.full((n, N_JOINTS), np.nan)  # (n, 34), degrees
    present = np.zeros(N_JOINTS, dtype=bool)
    for suf, shift in (("_r", 0.0), ("_l", np.pi)):
        for name, amp, off in (
            ("hip_flexion", 25, 10),
            ("knee_angle", 30, 30),
            ("ankle_angle", 10, 0),
            ("arm_flex", 15, 0),
            ("elbow_flex", 10, 20),
        ):
            j = JOINT_INDEX[name + suf]
            angles[:, j] = off + amp * np.sin(phase + shift)
            present[j] = True
    rot = np.zeros((n, 3))
    trans = np.stack([1.2 * t, np.full(n, 0.95), np.zeros(n)], axis=1)  # (n, 3), metres
    kin = Kinematics(angles=angles, present=present, pelvis_rotation=rot, pelvis_translation=trans)
    events: list[Event] = []
    for k in range(int(duration_s / STRIDE_S) + 1):
        for side, off in (("right", 0.0), ("left", STRIDE_S / 2)):
            hs = k * STRIDE_S + off + 0.05
            if hs < duration_s:
                events.append(Event("heel_strike", side, round(hs, 2), "file"))  # type: ignore[arg-type]
            if hs + 0.65 < duration_s:
                events.append(Event("toe_off", side, round(hs + 0.65, 2), "file"))  # type: ignore[arg-type]
    mset = None
    if markers:
        pos = np.stack(
            [trans + np.array([0.1, 0.05, 0.1]), trans + np.array([0.1, 0.05, -0.1])], axis=1
        )
        mset = MarkerSet(time=t.copy(), rate_hz=rate_hz, labels=["RASI", "LASI"], positions=pos)
    prov = Provenance(
        path=path, format="synthetic", trial_name="synthetic_walk", simulated=simulated
    )
    return Trial(
        time=t,
        rate_hz=rate_hz,
        source=None,
        kinematics=kin,
        provenance=prov,
        markers=mset,
        events=events,
    )


def make_body(trial: Trial) -> BodyPoints:
    """A moving stick figure for ``trial`` (legs swing with the hip angle)."""
    assert trial.kinematics is not None
    n = trial.n_frames
    pelvis = trial.kinematics.pelvis_translation  # (n, 3), metres
    names: list[str] = ["pelvis", "lumbar", "neck", "head"]
    pts = [
        pelvis,
        pelvis + np.array([0, 0.1, 0]),
        pelvis + np.array([0, 0.55, 0]),
        pelvis + np.array([0, 0.8, 0]),
    ]
    segments = [
        ("pelvis", "lumbar", "torso"),
        ("lumbar", "neck", "torso"),
        ("neck", "head", "head"),
    ]
    for suf, side, z in (("_r", "right", 0.09), ("_l", "left", -0.09)):
        hip = pelvis + np.array([0, 0, z])
        a = np.deg2rad(trial.kinematics.angle("hip_flexion" + suf))[:, None]
        knee = hip + np.hstack([0.45 * np.sin(a), -0.45 * np.cos(a), np.zeros((n, 1))])
        ankle = knee + np.array([0, -0.43, 0])
        heel, toe = ankle + np.array([-0.05, -0.06, 0]), ankle + np.array([0.17, -0.06, 0])
        sh = pelvis + np.array([0, 0.5, 2 * z])
        elbow, wrist = sh + np.array([0, -0.3, 0]), sh + np.array([0.1, -0.55, 0])
        for nm, p in (
            ("hip", hip),
            ("knee", knee),
            ("ankle", ankle),
            ("heel", heel),
            ("toe", toe),
            ("shoulder", sh),
            ("elbow", elbow),
            ("wrist", wrist),
        ):
            names.append(nm + suf)
            pts.append(p)
        leg, arm = f"{side}_leg", f"{side}_arm"
        segments += [
            ("pelvis", "hip" + suf, "torso"),
            ("hip" + suf, "knee" + suf, leg),
            ("knee" + suf, "ankle" + suf, leg),
            ("ankle" + suf, "heel" + suf, leg),
            ("heel" + suf, "toe" + suf, leg),
            ("ankle" + suf, "toe" + suf, leg),
            ("neck", "shoulder" + suf, "torso"),
            ("shoulder" + suf, "elbow" + suf, arm),
            ("elbow" + suf, "wrist" + suf, arm),
        ]
    positions = np.stack(pts, axis=1)  # (n, p, 3), metres, Y up
    return BodyPoints(time=trial.time.copy(), names=names, positions=positions, segments=segments)
