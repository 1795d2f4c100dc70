"""Data-quality flags: what in a trial should not be trusted, and on which frames.

Checks and their thresholds (chosen so that clean motion, even sprinting, raises nothing):

- ``joint_limit``: a joint angle outside its anatomical range (:data:`JOINT_LIMITS`) by more than
  5 deg (markerless noise margin); an ``error`` when by more than 30 deg (physically impossible,
  e.g. a knee at 200 deg), else a ``warning``;
- ``spike``: a frame-to-frame change of a joint angle or pelvis rotation faster than 1500 deg/s, or
  of the pelvis position faster than 10 m/s. Peak joint speeds in walking are ~500 deg/s and in
  sprinting ~1200 deg/s, so faster changes are tracking jumps (``warning``);
- ``gap``: runs of missing values (NaN) in provided joints, pelvis pose or markers: ``info`` up to
  0.1 s (safe to interpolate), ``warning`` beyond;
- ``ground_penetration``: heel/toe/mtp points more than 2 cm below the floor, the floor being the
  5th percentile of the lowest foot point per frame (``warning``);
- ``foot_sliding``: a heel or toe within 2 cm of the floor (and inside stance when gait events are
  given) moving horizontally faster than 0.3 m/s for at least 0.1 s and over at least 3 cm
  (``warning``).

``frames`` are inclusive ``(first, last)`` frame indices on the time base of the data checked
(kinematics, or markers for marker gaps).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import CANONICAL_JOINTS, PELVIS_ROTATIONS, PELVIS_TRANSLATIONS
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Event, Trial

Severity = Literal["info", "warning", "error"]

LIMIT_MARGIN_DEG = 5.0
IMPOSSIBLE_MARGIN_DEG = 30.0
SPIKE_DEG_S = 1500.0
SPIKE_M_S = 10.0
SHORT_GAP_S = 0.1
PENETRATION_M = 0.02
CONTACT_BAND_M = 0.02
SLIDE_SPEED_M_S = 0.3
SLIDE_MIN_S = 0.1
SLIDE_MIN_M = 0.03
FOOT_POINTS = ("heel", "toe", "mtp")


@dataclass
class QualityFlag:
    """One data-quality problem and where it is."""

    kind: str
    severity: Severity
    message: str
    frames: list[tuple[int, int]]
    joints: list[str] = field(default_factory=list)
    time_ranges_s: list[tuple[float, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "frames": [[int(a), int(b)] for a, b in self.frames],
            "joints": list(self.joints),
            "time_ranges_s": [[round(a, 4), round(b, 4)] for a, b in self.time_ranges_s],
        }


def _runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Inclusive ``(first, last)`` index runs where ``mask`` is True."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), (np.flatnonzero(d == -1) - 1).tolist()))


def _flag(
    kind: str,
    severity: Severity,
    message: str,
    runs: list[tuple[int, int]],
    time: NDArray[np.float64],
    joints: Sequence[str] = (),
) -> QualityFlag:
    ranges = [(float(time[a]), float(time[b])) for a, b in runs]
    return QualityFlag(kind, severity, message, runs, list(joints), ranges)


def _where(runs: list[tuple[int, int]], time: NDArray[np.float64]) -> str:
    first = f"{time[runs[0][0]]:.2f}-{time[runs[0][1]]:.2f} s"
    return first if len(runs) == 1 else f"{first} and {len(runs) - 1} more interval(s)"


def joint_limit_flags(
    angles: NDArray[np.float64], names: Sequence[str], time: NDArray[np.float64]
) -> list[QualityFlag]:
    """Angles outside :data:`JOINT_LIMITS` (``angles`` is ``(n, len(names))`` degrees)."""
    from lmm_desktop.biomech.joint_limits import JOINT_LIMITS

    flags = []
    for j, name in enumerate(names):
        if name not in JOINT_LIMITS:
            continue
        lo, hi = JOINT_LIMITS[name]
        a = angles[:, j]
        with np.errstate(invalid="ignore"):
            excess = np.maximum(lo - a, a - hi)  # (n,) degrees beyond the range
        bad = np.nan_to_num(excess, nan=-1.0) > LIMIT_MARGIN_DEG
        if not bad.any():
            continue
        worst = int(np.nanargmax(np.where(bad, excess, -np.inf)))
        sev: Severity = "error" if excess[worst] > IMPOSSIBLE_MARGIN_DEG else "warning"
        runs = _runs(bad)
        flags.append(
            _flag(
                "joint_limit",
                sev,
                f"{name} reaches {a[worst]:.0f} deg at {time[worst]:.2f} s, outside its range "
                f"{lo:.0f} to {hi:.0f} deg ({_where(runs, time)}); check the tracking there.",
                runs,
                time,
                [name],
            )
        )
    return flags


def spike_flags(
    values: NDArray[np.float64],
    names: Sequence[str],
    time: NDArray[np.float64],
    limit: float,
    unit: str,
) -> list[QualityFlag]:
    """Frame-to-frame changes faster than ``limit`` (``values`` ``(n, k)``, ``unit``/s)."""
    if len(time) < 2:
        return []
    rate = np.abs(np.diff(values, axis=0)) / np.diff(time)[:, None]  # (n-1, k) unit/s
    fast = np.nan_to_num(rate) > limit
    flags = []
    for j in np.flatnonzero(fast.any(axis=0)).tolist():
        mask = np.zeros(len(time), dtype=bool)
        mask[:-1] |= fast[:, j]
        mask[1:] |= fast[:, j]
        runs = _runs(mask)
        flags.append(
            _flag(
                "spike",
                "warning",
                f"{names[j]} jumps at {np.nanmax(rate[:, j]):.0f} {unit}/s (limit {limit:.0f}) "
                f"around {_where(runs, time)}; likely a tracking error.",
                runs,
                time,
                [names[j]],
            )
        )
    return flags


def gap_flags(
    values: NDArray[np.float64], names: Sequence[str], time: NDArray[np.float64], what: str
) -> list[QualityFlag]:
    """Runs of NaN in ``values`` ``(n, k)`` (or ``(n, k, 3)``): one flag per run length class."""
    nan = np.isnan(values).reshape(values.shape[0], values.shape[1], -1)
    missing = np.asarray(nan.any(axis=2), dtype=bool)  # (n, k)
    missing &= ~missing.all(axis=0)  # a column missing throughout is "not provided", not a gap
    if not missing.any():
        return []
    rate = (len(time) - 1) / (time[-1] - time[0]) if len(time) > 1 else 1.0
    runs = _runs(np.asarray(missing.any(axis=1), dtype=bool))
    short = [r for r in runs if (r[1] - r[0] + 1) / rate <= SHORT_GAP_S]
    long = [r for r in runs if r not in short]
    flags = []
    for sel, sev in ((short, "info"), (long, "warning")):
        if not sel:
            continue
        cols = sorted(
            {names[j] for a, b in sel for j in np.flatnonzero(missing[a : b + 1].any(0)).tolist()}
        )
        longest = max(b - a + 1 for a, b in sel) / rate
        flags.append(
            _flag(
                "gap",
                sev,  # type: ignore[arg-type]
                f"{what} missing in {len(sel)} gap(s) (longest {longest:.2f} s) at "
                f"{_where(sel, time)}: {', '.join(cols[:6])}{' ...' if len(cols) > 6 else ''}.",
                sel,
                time,
                cols,
            )
        )
    return flags


def _foot_heights(points: BodyPoints) -> dict[str, NDArray[np.float64]]:
    return {
        f"{p}_{s}": points.point(f"{p}_{s}")
        for p in FOOT_POINTS
        for s in ("r", "l")
        if points.has(f"{p}_{s}") and np.isfinite(points.point(f"{p}_{s}")).any()
    }


def floor_height(points: BodyPoints) -> float | None:
    """Floor level (m): 5th percentile of the lowest foot point per frame, or None."""
    feet = _foot_heights(points)
    if not feet:
        return None
    heights = np.stack([p[:, 1] for p in feet.values()], axis=1)  # (n, k) m
    seen = np.isfinite(heights).any(axis=1)  # frames outside data gaps
    if not seen.any():
        return None
    low = np.nanmin(heights[seen], axis=1)  # (n_seen,) m
    return float(np.percentile(low, 5))


def penetration_flags(points: BodyPoints) -> list[QualityFlag]:
    """Foot points more than 2 cm below the floor."""
    floor = floor_height(points)
    if floor is None:
        return []
    flags = []
    for name, p in _foot_heights(points).items():
        with np.errstate(invalid="ignore"):
            below = p[:, 1] < floor - PENETRATION_M
        if below.any():
            runs = _runs(below)
            depth = floor - float(np.nanmin(p[:, 1]))
            flags.append(
                _flag(
                    "ground_penetration",
                    "warning",
                    f"{name} goes {100 * depth:.1f} cm below the floor at "
                    f"{_where(runs, points.time)}.",
                    runs,
                    points.time,
                    [name],
                )
            )
    return flags


def _stance_mask(
    events: Sequence[Event], side: str, time: NDArray[np.float64]
) -> NDArray[np.bool_] | None:
    """Frames between a heel strike and the next toe off of ``side`` (None without events)."""
    side_name = "right" if side == "r" else "left"
    evs = sorted(
        (e for e in events if e.side == side_name and e.label in (HEEL_STRIKE, TOE_OFF)),
        key=lambda e: e.time_s,
    )
    if not any(e.label == HEEL_STRIKE for e in evs):
        return None
    mask = np.zeros(len(time), dtype=bool)
    for k, e in enumerate(evs):
        if e.label != HEEL_STRIKE:
            continue
        end = next((f.time_s for f in evs[k + 1 :] if f.label == TOE_OFF), time[-1])
        mask |= (time >= e.time_s) & (time <= end)
    return mask


def sliding_flags(points: BodyPoints, events: Sequence[Event] = ()) -> list[QualityFlag]:
    """Heels/toes on the floor (and in stance, when events are given) that move horizontally."""
    floor = floor_height(points)
    time = points.time
    if floor is None or len(time) < 3:
        return []
    rate = (len(time) - 1) / (time[-1] - time[0])
    flags = []
    for name, p in _foot_heights(points).items():
        vel = np.gradient(p[:, [0, 2]], time, axis=0)  # (n, 2) m/s
        speed = np.linalg.norm(vel, axis=1)
        with np.errstate(invalid="ignore"):
            sliding = (p[:, 1] <= floor + CONTACT_BAND_M) & (speed > SLIDE_SPEED_M_S)
        stance = _stance_mask(events, name[-1], time)
        if stance is not None:
            sliding &= stance
        runs = [
            (a, b)
            for a, b in _runs(sliding)
            if (b - a + 1) / rate >= SLIDE_MIN_S
            and np.linalg.norm(p[b, [0, 2]] - p[a, [0, 2]]) >= SLIDE_MIN_M
        ]
        if runs:
            dist = max(float(np.linalg.norm(p[b, [0, 2]] - p[a, [0, 2]])) for a, b in runs)
            flags.append(
                _flag(
                    "foot_sliding",
                    "warning",
                    f"{name} slides up to {100 * dist:.0f} cm while on the floor at "
                    f"{_where(runs, time)}; foot positions there are unreliable.",
                    runs,
                    time,
                    [name],
                )
            )
    return flags


def check_quality(
    trial: Trial,
    points: BodyPoints | None = None,
    events: Sequence[Event] = (),
    *,
    treadmill: bool = False,
) -> list[QualityFlag]:
    """All data-quality flags of a trial (see the module docstring for the rules).

    Parameters
    ----------
    trial
        The trial; its canonical kinematics and markers are checked.
    points
        Forward-kinematics body points (foot checks are skipped without them).
    events
        Gait events; when given, foot sliding is only looked for inside stance.
    treadmill
        The subject walks on a treadmill: feet moving in stance is the belt, not an error, so
        foot sliding is not checked.
    """
    flags: list[QualityFlag] = []
    kin, time = trial.kinematics, trial.time
    if kin is not None:
        cols = np.flatnonzero(kin.present)
        names = [CANONICAL_JOINTS[j] for j in cols]
        angles = kin.angles[:, cols]  # (n, k) degrees
        flags += gap_flags(angles, names, time, "joint angles")
        flags += joint_limit_flags(angles, names, time)
        flags += spike_flags(angles, names, time, SPIKE_DEG_S, "deg")
        if kin.pelvis_present:
            pel = np.hstack([kin.pelvis_rotation, kin.pelvis_translation])  # (n, 6)
            flags += gap_flags(pel, [*PELVIS_ROTATIONS, *PELVIS_TRANSLATIONS], time, "pelvis pose")
            rot = np.degrees(np.unwrap(np.radians(np.nan_to_num(kin.pelvis_rotation)), axis=0))
            rot[np.isnan(kin.pelvis_rotation)] = np.nan
            flags += spike_flags(rot, PELVIS_ROTATIONS, time, SPIKE_DEG_S, "deg")
            flags += spike_flags(kin.pelvis_translation, PELVIS_TRANSLATIONS, time, SPIKE_M_S, "m")
    if trial.markers is not None and trial.markers.n_frames:
        flags += gap_flags(
            trial.markers.positions, trial.markers.labels, trial.markers.time, "markers"
        )
    if points is not None:
        flags += penetration_flags(points)
        if not treadmill:
            flags += sliding_flags(points, events)
    return flags
