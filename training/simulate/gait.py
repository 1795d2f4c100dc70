"""Overground walking: stride timing, normal curves, condition changes and floor contact.

Timing comes first: cadence follows from speed through the participant's walk ratio (step length /
cadence), every stride gets its own duration (stride-to-stride variability), and each leg has its
own stance fraction (asymmetry). Angles are the normal curves evaluated at each leg's phase, time-
warped so toe off falls at that leg's stance fraction, then edited by
:mod:`training.simulate.impairments`. Step length is tuned by scaling the hip-flexion excursion so
the walked speed matches the target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter1d

from training.simulate import impairments
from training.simulate.cohort import Participant
from training.simulate.curves import (
    TEMPLATE_STANCE,
    blended_coefficients,
    normal_leg,
    normal_pelvis,
)
from training.simulate.impairments import GaitParts
from training.simulate.motion import Draft, place

Array = NDArray[np.float64]
LEG_NAMES = (
    "hip_flexion",
    "hip_adduction",
    "hip_rotation",
    "knee_angle",
    "ankle_angle",
    "subtalar_angle",
    "mtp_angle",
)
_N_JITTER = 8


@dataclass
class WalkPlan:
    """The random part of a walking trial: timing, phases, smooth stride-to-stride jitter."""

    rate_hz: float
    n: int
    speed: float
    cadence: float
    """Target cadence, steps/min."""
    stance: dict[str, float]
    """'r'/'l' -> stance fraction of the cycle."""
    phi: dict[str, Array]
    """'r'/'l' -> ``(n,)`` own cycle phase in [0, 1) (0 = heel strike)."""
    psi: dict[str, Array]
    """'r'/'l' -> ``(n,)`` phase of the normal template (toe off at 0.6)."""
    jitter: Array
    """``(n, 8)`` smooth unit-variance noise for stride-to-stride variability."""
    sway: Array
    """``(n,)`` slow lateral sway signal (used for TBI)."""
    coeffs: dict[str, Array]

    @property
    def stride_time_s(self) -> float:
        return 120.0 / self.cadence


def cadence_for(p: Participant, speed: float) -> float:
    """Cadence (steps/min) at ``speed`` from the walk ratio: ``v = WR * c^2 / 60``."""
    return float(np.sqrt(60.0 * speed / p.walk_ratio))


def _stance_fractions(p: Participant, speed: float) -> tuple[dict[str, float], float]:
    """Stance fraction per leg and the left heel-strike offset within the right stride."""
    s = float(np.clip(0.61 + 0.07 * (1.2 - speed), 0.57, 0.72))
    st = {"r": s, "l": s}
    offset = 0.5
    if p.condition in ("stroke", "transtibial", "transfemoral"):
        aff = impairments.SUFFIX[p.affected_side]
        other = "l" if aff == "r" else "r"
        d = 0.02 + 0.05 * p.severity
        st[aff] -= d  # shorter stance on the paretic / prosthetic side
        st[other] += d
        offset += (0.03 * p.severity) * (1.0 if aff == "r" else -1.0)
    st["r"] = max(st["r"], offset + 0.04)
    st["l"] = max(st["l"], 1.0 - offset + 0.04)
    return st, offset


def _phases(hs: Array, t: Array) -> Array:
    """Cycle phase in [0, 1) of times ``t`` given increasing heel-strike times ``hs``."""
    k = np.searchsorted(hs, t, side="right") - 1
    return (t - hs[k]) / (hs[k + 1] - hs[k])


def _warp(phi: Array, stance: float) -> Array:
    """Map a leg's own phase to the template phase so toe off lands at the template's 60 %."""
    s0 = TEMPLATE_STANCE
    return np.where(phi < stance, phi * s0 / stance, s0 + (phi - stance) * (1 - s0) / (1 - stance))


def smooth_noise(rng: np.random.Generator, n: int, channels: int, sigma_frames: float) -> Array:
    """``(n, channels)`` Gaussian-smoothed white noise scaled to unit standard deviation."""
    pad = int(4 * sigma_frames) + 1
    raw = rng.standard_normal((n + 2 * pad, channels))
    sm = gaussian_filter1d(raw, sigma=max(sigma_frames, 0.5), axis=0, mode="wrap")[pad:-pad]
    return sm / np.maximum(sm.std(axis=0, keepdims=True), 1e-9)


def plan_walk(
    p: Participant, rng: np.random.Generator, *, rate_hz: float, duration_s: float, speed: float
) -> WalkPlan:
    """Draw the timing and jitter of a walking bout of ``duration_s`` at ``speed`` (m/s)."""
    n = max(round(duration_s * rate_hz), 2)
    cadence = cadence_for(p, speed)
    stride = 120.0 / cadence
    stance, offset = _stance_fractions(p, speed)
    k = int(np.ceil(duration_s / stride)) + 4
    durations = stride * np.clip(1.0 + p.stride_cv * rng.standard_normal(k), 0.7, 1.3)  # (k,) s
    hs_r = np.concatenate([[0.0], np.cumsum(durations)]) - durations[0] * (1.0 + rng.random())
    hs_l = hs_r[:-1] + offset * durations
    t = np.arange(n) / rate_hz
    phi = {"r": _phases(hs_r, t), "l": _phases(hs_l, t)}
    psi = {s: _warp(phi[s], stance[s]) for s in ("r", "l")}
    jitter = smooth_noise(rng, n, _N_JITTER, 0.3 * stride * rate_hz)
    sway = smooth_noise(rng, n, 1, 1.2 * stride * rate_hz)[:, 0]
    dimless = speed / np.sqrt(9.81 * p.leg_length_m)
    return WalkPlan(
        rate_hz=rate_hz,
        n=n,
        speed=speed,
        cadence=cadence,
        stance=stance,
        phi=phi,
        psi=psi,
        jitter=jitter,
        sway=sway,
        coeffs=blended_coefficients(dimless),
    )


def _jitter_scale(p: Participant) -> float:
    return {"tbi": 2.2, "parkinsons": 1.4}.get(p.condition, 1.0) * (1.0 + 0.8 * p.severity)


def _arms_and_trunk(
    legs: dict[str, dict[str, Array]], pelvis: Array, speed: float, jit: Array
) -> tuple[dict[str, dict[str, Array]], dict[str, Array]]:
    """Arms swing with the opposite leg; the trunk counter-rotates the pelvis."""
    k_arm = 0.5 * float(np.clip(speed / 1.2, 0.4, 1.4))
    n = pelvis.shape[0]
    arms = {}
    for s, other in (("r", "l"), ("l", "r")):
        hip = legs[other]["hip_flexion"]
        flex = -4.0 + k_arm * (hip - hip.mean()) + 2.0 * jit[:, 7]
        arms[s] = {
            "arm_flex": flex,
            "arm_add": np.full(n, -8.0),
            "arm_rot": np.full(n, 2.0),
            "elbow_flex": 20.0 + 0.4 * (flex - flex.mean()),
            "pro_sup": np.full(n, 60.0),
            "wrist_flex": np.zeros(n),
            "wrist_dev": np.zeros(n),
        }
    trunk = {
        "lumbar_extension": -2.0 - pelvis[:, 0] + 1.0 * jit[:, 6],
        "lumbar_bending": -0.5 * pelvis[:, 1],
        "lumbar_rotation": -0.8 * pelvis[:, 2],
        "neck_extension": np.zeros(n),
        "neck_bending": np.zeros(n),
        "neck_rotation": np.zeros(n),
    }
    return arms, trunk


def _finish(g: GaitParts, p: Participant) -> Array:
    """Keep the head level over the trunk, add the person's posture offsets: ``(n, 34)``."""
    g.trunk["neck_extension"] += -(g.pelvis[:, 0] + g.trunk["lumbar_extension"]) - 2.0
    g.trunk["neck_bending"] += -(g.pelvis[:, 1] + g.trunk["lumbar_bending"])
    g.trunk["neck_rotation"] += -(g.pelvis[:, 2] + g.trunk["lumbar_rotation"])
    return g.to_angles() + np.asarray(p.offsets_deg)


def gait_parts(p: Participant, plan: WalkPlan, gain: float) -> GaitParts:
    """Normal curves at each leg's phase with jitter and step-length gain, then the condition."""
    jit = plan.jitter * _jitter_scale(p)
    legs = {s: normal_leg(plan.coeffs, plan.psi[s]) for s in ("r", "l")}
    for k, s in enumerate(("r", "l")):
        leg = legs[s]
        m = leg["hip_flexion"].mean()
        leg["hip_flexion"] = m + gain * (1.0 + 0.03 * jit[:, 0]) * (leg["hip_flexion"] - m)
        leg["knee_angle"] += 1.5 * jit[:, 1 + k]
        leg["ankle_angle"] += 1.2 * jit[:, 3 + k]
        leg["hip_adduction"] += 0.8 * jit[:, 5]
    pelvis = normal_pelvis(plan.coeffs, plan.psi["r"], plan.psi["l"])
    pelvis[:, 2] *= min(gain, 1.5)
    arms, trunk = _arms_and_trunk(legs, pelvis, plan.speed, jit)
    g = GaitParts(legs=legs, psi=dict(plan.psi), pelvis=pelvis, trunk=trunk, arms=arms)
    impairments.apply(g, p, plan.sway)
    _flat_toes(g)
    return g


def _flat_toes(g: GaitParts) -> None:
    """Extend the toes so they lie flat on the floor while the heel rises (push-off).

    Without this the toe tip, not the forefoot, would carry the trailing leg and make it longer
    than the leading one in double support. The MTP axis is oblique (about 0.81 of it along Z).
    """
    for s in ("r", "l"):
        leg, psi = g.legs[s], g.psi[s]
        pitch = g.pelvis[:, 0] + leg["hip_flexion"] - leg["knee_angle"] + leg["ankle_angle"]
        on = np.clip((psi - 0.1) / 0.1, 0.0, 1.0) * np.clip((0.74 - psi) / 0.12, 0.0, 1.0)
        leg["mtp_angle"] = np.minimum(pitch, 0.0) / 0.81 * on


def standing_pose(p: Participant, n: int) -> tuple[Array, Array]:
    """The participant's standing posture: ``(n, 34)`` angles and ``(n, 3)`` pelvis, degrees.

    The condition's posture changes (crouch, stooped trunk, flexed paretic arm, device) are those
    of its gait at mid-stance; the ankles are set so the feet are flat on the floor.
    """
    one = np.ones(1)
    legs = {
        s: {
            "hip_flexion": 0.5 * one,
            "hip_adduction": 0.0 * one,
            "hip_rotation": -4.0 * one,
            "knee_angle": 3.0 * one,
            "ankle_angle": 0.0 * one,
            "subtalar_angle": 0.0 * one,
            "mtp_angle": 0.0 * one,
        }
        for s in ("r", "l")
    }
    pelvis = np.array([[2.0, 0.0, 0.0]])
    arms, trunk = _arms_and_trunk(legs, pelvis, 0.0, np.zeros((1, _N_JITTER)))
    g = GaitParts(
        legs=legs, psi={"r": 0.3 * one, "l": 0.3 * one}, pelvis=pelvis, trunk=trunk, arms=arms
    )
    impairments.apply(g, p, np.zeros(1))
    for s in ("r", "l"):
        leg = g.legs[s]
        leg["ankle_angle"] = leg["knee_angle"] - leg["hip_flexion"] - g.pelvis[:, 0]
    angles = _finish(g, p)
    return np.repeat(angles, n, axis=0), np.repeat(g.pelvis, n, axis=0)


def build_walk(
    p: Participant,
    plan: WalkPlan,
    gain: float,
    *,
    amplitude: Array | None = None,
    heading: Array | None = None,
) -> Draft:
    """Angles and contact of a walking bout; ``amplitude`` ``(n,)`` in [0, 1] blends to standing."""
    g = gait_parts(p, plan, gain)
    angles = _finish(g, p)  # (n, 34) degrees
    pelvis = g.pelvis  # (n, 3) degrees
    contact = np.stack([plan.phi["r"] < plan.stance["r"], plan.phi["l"] < plan.stance["l"]], 1)
    if amplitude is not None:
        stand_a, stand_p = standing_pose(p, plan.n)
        a = amplitude[:, None]
        angles = stand_a + a * (angles - stand_a)
        pelvis = stand_p + a * (pelvis - stand_p)
        contact |= (amplitude < 0.15)[:, None]
    return Draft(
        rate_hz=plan.rate_hz,
        angles=angles,
        pelvis_body=pelvis,
        heading=np.zeros(plan.n) if heading is None else heading,
        contact=contact,
    )


def realized_stride_length(draft: Draft, height_m: float) -> float:
    """Mean horizontal pelvis travel per right stride of a placed draft (metres)."""
    placed = place(draft, height_m)
    c = draft.contact[:, 0].astype(np.int8)
    hs = np.flatnonzero(np.diff(c) == 1) + 1
    if hs.size < 2:
        xz = placed.pelvis_translation[[0, -1]][:, [0, 2]]
        dur = draft.n_frames / draft.rate_hz
        return float(np.linalg.norm(xz[1] - xz[0]) / dur * (120.0 / 100.0))
    xz = placed.pelvis_translation[hs][:, [0, 2]]
    return float(np.linalg.norm(xz[-1] - xz[0]) / (hs.size - 1))


def calibrate_gain(p: Participant, plan: WalkPlan) -> tuple[float, Draft]:
    """Hip-excursion gain that makes the stride length match ``speed x stride time``.

    Returns the gain and the straight, full-amplitude draft built with it.
    """
    target = plan.speed * plan.stride_time_s
    realized = realized_stride_length(build_walk(p, plan, 1.0), p.height_m)
    gain = float(np.clip(target / max(realized, 1e-3), 0.3, 2.0))  # stride ~ linear in the gain
    return gain, build_walk(p, plan, gain)
