"""A SIMULATED 4-Stage Balance Test for the demo folder.

Not a cohort activity (the activity labels the models learn are fixed): the demo's Parkinson's
participant stands, brings the left foot beside the right (feet together), moves it half a foot
forward (semi-tandem), then brings the right foot behind it on the same line (tandem), loses the
tandem stance after a few seconds by stepping the right foot out to the side, and stands. A foot
is moved only while it is lifted (hip and knee bent; the simulator keeps the feet on the floor
still), and the positions come from the legs: hip adduction brings a foot toward the midline,
the hip, knee and ankle solved on the simulator's own foot points put it forward or back, flat
on the floor. Postural
sway as in quiet standing. The ground truth is each position's time from the moved foot's
touch-down to the next lift-off.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from lmm_desktop.core.canonical import JOINT_INDEX as J
from training.simulate.activities import _stand
from training.simulate.cohort import Participant
from training.simulate.demo_trial import write_demo_draft
from training.simulate.gait import smooth_noise
from training.simulate.keyframes import Key, Pose, animate
from training.simulate.motion import Draft
from training.simulate.skeleton import foot_points, pelvis_euler_with_heading

FOUR_STAGE_NAME = "S0048_four_stage_balance_01"
HOLDS = {"feet together": 10.5, "semi-tandem": 10.5, "tandem": 6.0}
"""Seconds each position is held (the tandem under 10 s: the fall-risk sign)."""


def four_stage_draft(
    p: Participant, rng: np.random.Generator, rate_hz: float,
    holds: dict[str, float] = HOLDS,
) -> Draft:
    """Stand; feet together; semi-tandem (left ahead half a foot); tandem (right behind on the
    line); the right foot steps out; stand."""
    stand = _stand(p, neutral_hips=True)
    inward = math.degrees(math.asin(0.08 / (0.5 * p.height_m)))  # a foot 8 cm to the midline
    together = stand.copy().add(hip_adduction_l=inward)
    h = p.height_m
    f = _feet(together, h)
    floor = float(f[0, 0, 1])  # the right heel: where the feet stand, relative to the pelvis
    semi = _solve_foot(together.copy(), "l", float(f[1, 0, 0]) + 0.12, floor, h)  # half a foot
    # tandem: the left knee bends a little (the pelvis 2 cm lower) so that the right foot can
    # reach back behind it on the line
    tandem = _solve_foot(semi.copy(), "l", float(_feet(semi, h)[1, 0, 0]), floor + 0.02, h)
    tandem.add(hip_adduction_r=inward)
    tandem = _solve_foot(tandem, "r", float(f[0, 0, 0]) - 0.14, floor + 0.02, h)
    out = tandem.copy().add(hip_adduction_r=-2.5 * inward)  # the right foot steps out
    left_up, right_up = (True, False), (False, True)  # contact (right, left) while moving

    def step(frm: Pose, to: Pose, side: str) -> list[Key]:
        """Lift the foot where it is (hip and knee bent), carry it, put it down at ``to``."""
        bend = {f"hip_flexion_{side}": 12.0, f"knee_angle_{side}": 25.0}
        on = left_up if side == "l" else right_up
        return [Key(0.2, frm.copy().add(**bend), contact=on),
                Key(0.3, to.copy().add(**bend), contact=on), Key(0.2, to, contact=on)]

    keys = [
        Key(1.5, stand),
        *step(stand, together, "l"), Key(holds["feet together"], together),
        *step(together, semi, "l"), Key(holds["semi-tandem"], semi),
        *step(semi, tandem, "r"), Key(holds["tandem"], tandem),
        *step(tandem, out, "r"), Key(2.0, out),
    ]
    draft = animate(stand, keys, rate_hz)
    sway = 0.5 * smooth_noise(rng, draft.n_frames, 2, 0.7 * rate_hz)  # (n, 2) degrees
    draft.pelvis_body[:, 0] -= sway[:, 0]  # lean about the ankles
    draft.angles[:, J["ankle_angle_r"]] += sway[:, 0]
    draft.angles[:, J["ankle_angle_l"]] += sway[:, 0]
    return draft


def _feet(pose: Pose, height_m: float) -> np.ndarray:
    """The simulator's foot points of ``pose`` relative to the pelvis: (side, heel/toe, xyz)."""
    rot = pelvis_euler_with_heading(pose.pelvis[None, :], np.zeros(1))
    return foot_points(pose.angles[None, :], rot, height_m)[0]


def _solve_foot(pose: Pose, side: str, heel_x: float, sole_y: float, height_m: float) -> Pose:
    """``pose`` with the ``side`` heel at ``heel_x`` forward and heel and toe at ``sole_y``
    (relative to the pelvis, a flat foot): hip flexion, knee and ankle by damped Newton steps
    on the simulator's own foot points (the knee near straight makes the heel's two
    derivatives almost parallel)."""
    s_i = 0 if side == "r" else 1
    cols = [J[f"{j}_{side}"] for j in ("hip_flexion", "knee_angle", "ankle_angle")]

    def error(angles: np.ndarray) -> np.ndarray:
        feet = _feet(Pose(angles, pose.pelvis), height_m)
        return np.array([feet[s_i, 0, 1] - sole_y, feet[s_i, 1, 1] - sole_y,
                         feet[s_i, 0, 0] - heel_x])

    angles = pose.angles.copy()
    for _ in range(40):
        e = error(angles)
        if np.abs(e).max() < 1e-4:
            break
        jac = np.empty((3, 3))
        for k, j in enumerate(cols):
            bumped = angles.copy()
            bumped[j] += 0.1
            jac[:, k] = (error(bumped) - e) / 0.1
        step = np.linalg.solve(jac.T @ jac + 1e-6 * np.eye(3), jac.T @ e)
        angles[cols] -= np.clip(step, -5.0, 5.0)
        angles[cols[1]] = max(angles[cols[1]], 2.0)  # the bent-knee solution, not hyperextended
    pose.angles[:] = angles
    return pose


def four_stage_truth(events: list[tuple[str, str, float]]) -> dict[str, float]:
    """Each position's time from the simulated contacts: touch-down of the moved foot to the
    next lift-off."""
    on = sorted(e[2] for e in events if e[0] == "heel_strike")
    off = sorted(e[2] for e in events if e[0] == "toe_off")
    spans = [(a, next(b for b in off if b > a)) for a in on if any(b > a for b in off)]
    return {name: b - a for name, (a, b) in zip(("feet together", "semi-tandem", "tandem"),
                                                 spans, strict=False)}


def write_four_stage_demo(
    out: Path, p: Participant, rate_hz: float, seed: int
) -> tuple[Path, str, dict[str, float]]:
    """Write ``S0048_four_stage_balance_01.mot`` into ``out``; returns it, its README line and
    the ground truth (:func:`four_stage_truth`)."""
    rng = np.random.default_rng(seed)
    draft = four_stage_draft(p, rng, rate_hz)
    path, events = write_demo_draft(draft, p, FOUR_STAGE_NAME, out, rate_hz, rng)
    truth = four_stage_truth(events)
    line = (
        f"\n- `{path.name}`: 4-Stage Balance Test: the Parkinson's participant holds the feet "
        f"together for {truth.get('feet together', float('nan')):.1f} s, the semi-tandem "
        f"stance for {truth.get('semi-tandem', float('nan')):.1f} s and the tandem stance for "
        f"{truth.get('tandem', float('nan')):.1f} s, then steps out of it (the times from the "
        "moved foot's simulated touch-down to the next lift-off). Not a cohort activity, so "
        "not in `labels.csv`. Marked simulated."
    )
    return path, line, truth


__all__ = ["FOUR_STAGE_NAME", "HOLDS", "four_stage_draft", "four_stage_truth",
           "write_four_stage_demo"]
