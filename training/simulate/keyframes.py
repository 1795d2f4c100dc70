"""Key-pose animation for the non-walking tasks (sit-to-stand, squats, stepping, standing).

A motion is a list of :class:`Key` poses; the body moves from one to the next along minimum-jerk
profiles, and each key says which feet are on the floor while the body moves *into* it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.canonical import JOINT_INDEX
from training.simulate.motion import Draft

Array = NDArray[np.float64]


@dataclass
class Pose:
    """Full-body pose: ``(34,)`` canonical angles and ``(3,)`` body-relative pelvis, degrees."""

    angles: Array
    pelvis: Array

    def copy(self) -> Pose:
        return Pose(self.angles.copy(), self.pelvis.copy())

    def set(self, **values: float) -> Pose:
        """Set joints by canonical name (``pelvis_tilt``/``list``/``rotation`` too)."""
        for name, v in values.items():
            if name.startswith("pelvis_"):
                self.pelvis[("pelvis_tilt", "pelvis_list", "pelvis_rotation").index(name)] = v
            else:
                self.angles[JOINT_INDEX[name]] = v
        return self

    def add(self, **values: float) -> Pose:
        """Add to joints by canonical name; returns self."""
        for name, v in values.items():
            self.angles[JOINT_INDEX[name]] += v
        return self

    def sagittal(
        self,
        *,
        tilt: float,
        thigh: float,
        shank: float,
        trunk: float,
        sides: tuple[str, ...] = ("r", "l"),
    ) -> Pose:
        """Place segments by their angle to the vertical (degrees, positive = backward lean).

        ``thigh`` and ``shank`` are the segments' world pitch (thigh 90 = horizontal, shank < 0 =
        knee ahead of the ankle); the feet stay flat. ``trunk`` is the trunk's world pitch.
        """
        self.pelvis[0] = tilt
        for s in sides:
            self.set(
                **{
                    f"hip_flexion_{s}": thigh - tilt,
                    f"knee_angle_{s}": thigh - shank,
                    f"ankle_angle_{s}": -shank,
                }
            )
        self.set(lumbar_extension=trunk - tilt, neck_extension=-trunk - 2.0)
        return self


@dataclass
class Key:
    """A pose reached after ``duration_s``; ``contact`` (right, left) holds while moving into it."""

    duration_s: float
    pose: Pose
    contact: tuple[bool, bool] = (True, True)
    heading: float = 0.0
    phase: str | None = None
    """Name of the test phase that this movement belongs to (ground truth), if any."""


def _min_jerk(x: Array) -> Array:
    x = np.clip(x, 0.0, 1.0)
    return x**3 * (10.0 - 15.0 * x + 6.0 * x * x)


def animate(start: Pose, keys: list[Key], rate_hz: float, start_heading: float = 0.0) -> Draft:
    """Interpolate ``start`` -> ``keys`` into a :class:`Draft`; phases are merged per name."""
    n_each = [max(1, round(k.duration_s * rate_hz)) for k in keys]
    n = int(sum(n_each))
    angles = np.empty((n, start.angles.shape[0]))  # (n, 34) degrees
    pelvis = np.empty((n, 3))  # (n, 3) degrees
    heading = np.empty(n)  # (n,) radians
    contact = np.empty((n, 2), dtype=bool)
    phases: list[tuple[str, float, float]] = []
    prev, prev_h, i = start, start_heading, 0
    for key, m in zip(keys, n_each):
        s = _min_jerk((np.arange(1, m + 1)) / m)[:, None]  # (m, 1)
        angles[i : i + m] = prev.angles + s * (key.pose.angles - prev.angles)
        pelvis[i : i + m] = prev.pelvis + s * (key.pose.pelvis - prev.pelvis)
        heading[i : i + m] = prev_h + s[:, 0] * (key.heading - prev_h)
        contact[i : i + m] = key.contact
        if key.phase is not None:
            t0, t1 = i / rate_hz, (i + m) / rate_hz
            if phases and phases[-1][0] == key.phase and abs(phases[-1][2] - t0) < 1e-9:
                phases[-1] = (key.phase, phases[-1][1], t1)
            else:
                phases.append((key.phase, t0, t1))
        prev, prev_h, i = key.pose, key.heading, i + m
    return Draft(
        rate_hz=rate_hz,
        angles=angles,
        pelvis_body=pelvis,
        heading=heading,
        contact=contact,
        phases=phases,
    )


def hold(
    pose: Pose, duration_s: float, rate_hz: float, heading: float = 0.0, phase: str | None = None
) -> Draft:
    """A still pose with both feet down."""
    return animate(pose, [Key(duration_s, pose, (True, True), heading, phase)], rate_hz, heading)
