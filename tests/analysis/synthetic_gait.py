"""Synthetic walking with known geometry: feet planted in stance, minimum-jerk swing, pelvis at a
constant speed. Used by the analysis tests as ground truth (no fakes of our own code)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lmm_desktop.core.body import REQUIRED_POINTS, BodyPoints
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Event


@dataclass
class Design:
    speed: float = 1.2  # m/s
    cadence: float = 110.0  # steps/min
    stance: float = 0.6  # fraction of the stride
    width: float = 0.12  # m, between ankle centres
    rate: float = 100.0  # Hz
    duration: float = 8.0  # s
    heading_deg: float = 0.0  # walking direction, about Y (0 = +X)
    treadmill: bool = False
    sway: float = 0.02  # m, sideways pelvis sway amplitude (once per stride)

    @property
    def stride_time(self) -> float:
        return 120.0 / self.cadence

    @property
    def step_length(self) -> float:
        return self.speed * self.stride_time / 2.0


def _foot_x(t: np.ndarray, d: Design, phase: float) -> tuple[np.ndarray, np.ndarray]:
    """Heel forward position (ground frame) and height for a foot whose HS are at phase + k*T."""
    T, L = d.stride_time, d.speed * d.stride_time
    k = np.floor((t - phase) / T)
    tau = (t - phase) / T - k  # 0..1 within the stride, 0 = heel strike
    x = (phase + k * T) * d.speed + 0.35  # planted 0.35 m ahead of the pelvis at heel strike
    y = np.zeros_like(t)
    swing = tau >= d.stance
    u = (tau[swing] - d.stance) / (1.0 - d.stance)
    x[swing] += L * (10 * u**3 - 15 * u**4 + 6 * u**5)
    y[swing] = 0.08 * np.sin(np.pi * u)
    return x, y


def synthetic_walk(d: Design | None = None) -> tuple[BodyPoints, list[Event]]:
    """Body points and the true events of a synthetic walk."""
    d = d or Design()
    t = np.arange(0.0, d.duration, 1.0 / d.rate)  # (n,) s
    T = d.stride_time
    pelvis_x = d.speed * t
    pts = {}
    events: list[Event] = []
    for s, side, phase, z in (("r", "right", 0.1, 0.06), ("l", "left", 0.1 + T / 2, -0.06)):
        heel_x, heel_y = _foot_x(t, d, phase)
        if d.treadmill:
            heel_x = heel_x - pelvis_x
        pts[f"heel_{s}"] = np.stack([heel_x, heel_y + 0.03, np.full_like(t, z)], axis=1)
        pts[f"toe_{s}"] = pts[f"heel_{s}"] + [0.25, 0.0, 0.0]
        pts[f"mtp_{s}"] = pts[f"heel_{s}"] + [0.19, 0.0, 0.0]
        pts[f"ankle_{s}"] = pts[f"heel_{s}"] + [0.05, 0.06, 0.0]
        for k in range(int(d.duration / T) + 1):
            ths, tto = phase + k * T, phase + k * T + d.stance * T
            if ths < d.duration:
                events.append(Event(HEEL_STRIKE, side, float(ths), "file"))
            if tto < d.duration:
                events.append(Event(TOE_OFF, side, float(tto), "file"))
    px = np.zeros_like(t) if d.treadmill else pelvis_x
    sway = d.sway * np.sin(2 * np.pi * t / T)
    pelvis = np.stack([px, 1.0 + 0.01 * np.cos(4 * np.pi * t / T), sway], axis=1)
    pts["pelvis"] = pelvis
    for s, z in (("r", 0.09), ("l", -0.09)):
        pts[f"hip_{s}"] = pelvis + np.array([0.0, -0.08, z])
        pts[f"psis_{s}"] = pelvis + np.array([-0.12, 0.04, z / 2])
        pts[f"asis_{s}"] = pelvis + np.array([0.05, 0.02, z * 1.4])
        pts[f"knee_{s}"] = (pts[f"hip_{s}"] + pts[f"ankle_{s}"]) / 2
    names = list(REQUIRED_POINTS)
    pos = np.full((t.size, len(names), 3), np.nan)  # (n, p, 3) metres
    for nm, arr in pts.items():
        pos[:, names.index(nm), :] = arr
    if d.heading_deg:
        h = np.radians(d.heading_deg)
        rot = np.array([[np.cos(h), 0, np.sin(h)], [0, 1, 0], [-np.sin(h), 0, np.cos(h)]])
        pos = pos @ rot.T
    events.sort(key=lambda e: e.time_s)
    return BodyPoints(t, names, pos), events


def standing(rate: float = 100.0, duration: float = 5.0) -> BodyPoints:
    """A person standing still (tiny sway)."""
    bp, _ = synthetic_walk(Design(rate=rate, duration=duration))
    t = bp.time
    pos = np.full_like(bp.positions, np.nan)
    rng = np.random.default_rng(0)
    base = {
        "pelvis": (0, 1.0, 0),
        "hip_r": (0, 0.92, 0.09),
        "hip_l": (0, 0.92, -0.09),
        "psis_r": (-0.12, 1.04, 0.045),
        "psis_l": (-0.12, 1.04, -0.045),
        "heel_r": (-0.05, 0.03, 0.1),
        "heel_l": (-0.05, 0.03, -0.1),
        "toe_r": (0.2, 0.03, 0.12),
        "toe_l": (0.2, 0.03, -0.12),
        "ankle_r": (0.0, 0.09, 0.1),
        "ankle_l": (0.0, 0.09, -0.1),
    }
    for nm, p in base.items():
        pos[:, bp.names.index(nm), :] = np.asarray(p) + 0.003 * rng.standard_normal((t.size, 3))
    return BodyPoints(t, bp.names, pos)
