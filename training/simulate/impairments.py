"""Condition- and device-specific changes to the normal gait pattern.

Each function edits a :class:`GaitParts` in place. The changes are the ones a clinician looks for:
stroke (reduced swing knee flexion, circumduction with pelvic hike, drop foot, flexed arm on the
paretic side), prosthesis (stiff prosthetic ankle without push-off, shorter prosthetic stance;
transfemoral: knee locked in stance, lateral trunk lean), incomplete SCI (crouch), TBI (wide base,
trunk sway, variability), Parkinson's disease (flexed posture, reduced arm swing and pelvic
rotation, short steps), and the posture that a cane, crutches or a walker impose on the arms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.canonical import CANONICAL_JOINTS, N_JOINTS
from training.simulate.cohort import Participant
from training.simulate.curves import bump, stance_window, swing_window

Array = NDArray[np.float64]
SUFFIX = {"right": "r", "left": "l"}


@dataclass
class GaitParts:
    """Angles of one trial, grouped for editing (degrees, each array ``(n,)``)."""

    legs: dict[str, dict[str, Array]]
    """'r'/'l' -> leg joint name without suffix -> angle."""
    psi: dict[str, Array]
    """'r'/'l' -> template cycle phase of that leg."""
    pelvis: Array
    """``(n, 3)`` tilt, list, rotation relative to heading."""
    trunk: dict[str, Array]
    """lumbar_* and neck_* angles."""
    arms: dict[str, dict[str, Array]]
    """'r'/'l' -> arm joint name without suffix -> angle."""

    def to_angles(self) -> Array:
        """``(n, 34)`` canonical angle matrix."""
        n = self.pelvis.shape[0]
        out = np.zeros((n, N_JOINTS))
        for j, name in enumerate(CANONICAL_JOINTS):
            if name in self.trunk:
                out[:, j] = self.trunk[name]
                continue
            base, side = name[:-2], name[-1]
            group = self.legs if base in self.legs[side] else self.arms
            out[:, j] = group[side][base]
        return out


def affected_suffixes(p: Participant) -> list[str]:
    if p.affected_side in SUFFIX:
        return [SUFFIX[p.affected_side]]
    return ["r", "l"] if p.affected_side == "bilateral" else []


def _side_sign(s: str) -> float:
    """+1 for right, -1 for left (list and bending are positive when the right side drops)."""
    return 1.0 if s == "r" else -1.0


def stroke(g: GaitParts, s: str, sev: float) -> None:
    leg, psi, sw = g.legs[s], g.psi[s], swing_window(g.psi[s])
    leg["knee_angle"] -= (12.0 + 20.0 * sev) * sw  # stiff-knee gait
    leg["knee_angle"] -= 4.0 * sev * stance_window(psi)  # knee hyperextension tendency
    leg["hip_adduction"] -= (4.0 + 6.0 * sev) * sw  # circumduction
    leg["hip_flexion"] -= 4.0 * sev * sw
    leg["ankle_angle"] -= (7.0 + 9.0 * sev) * sw  # drop foot
    leg["ankle_angle"] += 10.0 * sev * bump(psi, 0.62, 0.05)  # weak push-off
    g.pelvis[:, 1] -= _side_sign(s) * (3.0 + 4.0 * sev) * sw  # hike the swinging paretic side
    arm = g.arms[s]
    mean_flex = arm["arm_flex"].mean()
    arm["arm_flex"] = 12.0 + 10.0 * sev + 0.2 * (arm["arm_flex"] - mean_flex)
    arm["arm_add"] = np.full_like(psi, -2.0)
    arm["arm_rot"] = np.full_like(psi, 20.0 + 10.0 * sev)
    arm["elbow_flex"] = np.full_like(psi, 65.0 + 30.0 * sev)
    arm["wrist_flex"] = np.full_like(psi, 15.0 + 25.0 * sev)
    arm["pro_sup"] = np.full_like(psi, 20.0)


def prosthesis(g: GaitParts, s: str, sev: float, transfemoral: bool) -> None:
    leg, psi = g.legs[s], g.psi[s]
    ankle = leg["ankle_angle"]
    leg["ankle_angle"] = np.maximum(3.0 + 0.35 * (ankle - 3.0), -1.5)  # no push-off
    leg["subtalar_angle"] = np.zeros_like(psi)
    if not transfemoral:
        leg["knee_angle"] -= (5.0 + 4.0 * sev) * bump(psi, 0.14, 0.06)
        return
    lock = np.clip(1.0 - np.maximum(psi - 0.45, 0.0) / 0.1, 0.0, 1.0) * (psi < 0.6)
    leg["knee_angle"] = (1.0 - lock) * leg["knee_angle"] + lock * 2.0  # knee locked in stance
    sw = swing_window(psi)
    leg["hip_adduction"] -= (3.0 + 4.0 * sev) * sw
    g.pelvis[:, 1] -= _side_sign(s) * (2.0 + 3.0 * sev) * sw
    g.trunk["lumbar_bending"] += _side_sign(s) * (3.0 + 5.0 * sev) * stance_window(psi)


def incomplete_sci(g: GaitParts, sev: float, stronger_side: str) -> None:
    for s in ("r", "l"):
        k = 0.7 if s == stronger_side else 1.0
        leg, psi = g.legs[s], g.psi[s]
        leg["hip_flexion"] += k * (8.0 + 12.0 * sev)
        leg["knee_angle"] += k * (10.0 + 14.0 * sev) * (0.6 + 0.4 * stance_window(psi))
        leg["knee_angle"] -= k * 10.0 * sev * swing_window(psi)
        leg["ankle_angle"] += k * (5.0 + 6.0 * sev) * stance_window(psi)
        leg["hip_adduction"] -= 2.0 * sev
    g.trunk["lumbar_extension"] -= 5.0 + 10.0 * sev


def tbi(g: GaitParts, sev: float, sway: Array) -> None:
    for s in ("r", "l"):
        g.legs[s]["hip_adduction"] -= 3.0 + 4.0 * sev  # wide base
        g.arms[s]["arm_add"] -= 6.0  # arms held out for balance
    g.trunk["lumbar_bending"] = 2.5 * g.trunk["lumbar_bending"] + (2.0 + 3.0 * sev) * sway


def parkinsons(g: GaitParts, sev: float) -> None:
    for s in ("r", "l"):
        leg, psi = g.legs[s], g.psi[s]
        leg["hip_flexion"] += 5.0 + 6.0 * sev
        leg["knee_angle"] += 5.0 + 8.0 * sev
        leg["knee_angle"] -= 8.0 * sev * swing_window(psi)
        ankle = leg["ankle_angle"]
        leg["ankle_angle"] = ankle.mean() + (0.6 - 0.2 * sev) * (ankle - ankle.mean())
        arm = g.arms[s]
        m = arm["arm_flex"].mean()
        arm["arm_flex"] = m + 5.0 + (0.35 - 0.25 * sev) * (arm["arm_flex"] - m)
        arm["elbow_flex"] = arm["elbow_flex"] + 20.0 + 10.0 * sev
    g.pelvis[:, 2] *= 0.5
    g.trunk["lumbar_extension"] -= 12.0 + 10.0 * sev  # stooped trunk
    g.trunk["neck_extension"] += 6.0


def device(g: GaitParts, p: Participant) -> None:
    """Arm and trunk posture imposed by the assistive device."""
    if p.device == "cane":
        s = SUFFIX[p.device_hand]
        arm = g.arms[s]
        m = arm["arm_flex"].mean()
        arm["arm_flex"] = 15.0 + 0.6 * (arm["arm_flex"] - m)
        arm["elbow_flex"] = np.full_like(arm["arm_flex"], 28.0)
        arm["arm_add"] = np.full_like(arm["arm_flex"], -12.0)
        arm["wrist_flex"] = np.full_like(arm["arm_flex"], -10.0)
        g.trunk["lumbar_bending"] += 2.0 * _side_sign(s)  # lean onto the cane
    elif p.device in ("walker", "crutches"):
        walker = p.device == "walker"
        for s in ("r", "l"):
            arm = g.arms[s]
            m = arm["arm_flex"].mean()
            arm["arm_flex"] = (30.0 if walker else 20.0) + (0.1 if walker else 0.8) * (
                arm["arm_flex"] - m
            )
            arm["elbow_flex"] = np.full_like(arm["arm_flex"], 38.0 if walker else 22.0)
            arm["arm_add"] = np.full_like(arm["arm_flex"], -14.0)
            arm["wrist_flex"] = np.full_like(arm["arm_flex"], -15.0)
        g.trunk["lumbar_extension"] -= 10.0 if walker else 4.0
        if walker:
            for s in ("r", "l"):
                g.legs[s]["hip_flexion"] += 6.0


def apply(g: GaitParts, p: Participant, sway: Array) -> None:
    """Apply ``p``'s condition and device to the gait parts (``sway``: ``(n,)`` unit signal)."""
    sev = p.severity
    if p.condition == "stroke":
        for s in affected_suffixes(p):
            stroke(g, s, sev)
    elif p.condition in ("transtibial", "transfemoral"):
        for s in affected_suffixes(p):
            prosthesis(g, s, sev, transfemoral=p.condition == "transfemoral")
    elif p.condition == "incomplete_sci":
        incomplete_sci(g, sev, "r" if p.seed % 2 else "l")
    elif p.condition == "tbi":
        tbi(g, sev, sway)
    elif p.condition == "parkinsons":
        parkinsons(g, sev)
    device(g, p)
