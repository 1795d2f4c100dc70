"""Quiet standing: how much the body sways.

A **standing balance** trial is at least 10 s of quiet standing: both feet on the floor (each
ankle within 3 cm of its floor level), no rise or sit, nobody walking (pelvis under 0.1 m/s).
The longest such stretch is measured; its first and last 0.5 s are left out (settling in,
stepping off).

The body's sway is followed at the pelvis (the centre of mass lies just in front of it), 6 Hz
low-pass, along the person's medio-lateral axis (the hip line) and the anterior-posterior axis
across it:

- ``path_velocity_mm_s``: the horizontal path length over time;
- ``range_ap_mm``, ``range_ml_mm``: the peak-to-peak excursions;
- ``rms_ap_mm``, ``rms_ml_mm``: their root-mean-square about the mean position;
- ``ellipse95_cm2``: the area of the 95 % confidence ellipse of the positions
  (pi x 5.991 x sqrt(det covariance); 5.991 is chi-square's 95 % point with 2 degrees of
  freedom).

These are centre-of-mass (pelvis) measures, not the centre of pressure a force plate gives:
smaller, and slower. When the person stands on force plates, the same measures of the centre of
pressure (the plates' combined, vertical-force weighted; 10 Hz low-pass, as posturography
filters it) are added with a ``cop_`` prefix (:func:`cop_sway`). From markerless capture,
tracking noise adds to the path, so compare trials of the same set-up (eyes open against eyes
closed, before against after) rather than against posturography norms; none are given.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.activity import MotionSignals, true_runs
from lmm_desktop.core.body import BodyPoints

STANDING_BALANCE = "standing_balance"
MIN_STANDING_S = 10.0
TRIM_S = 0.5
FEET_DOWN_M = 0.03
STILL_M_S = 0.1
CHI2_95_2DOF = 5.991
SWAY_RULE = (
    "quiet standing: both ankles within 3 cm of their floor level, the hips at least 0.85 leg "
    "lengths above the ankles (upright), no rise or sit, the pelvis "
    "under 0.1 m/s, for >= 10 s (the longest such stretch, 0.5 s trimmed at each end); sway "
    "of the pelvis (6 Hz) along the hip line (medio-lateral) and across it (anterior-posterior)"
)


def standing_window(points: BodyPoints | None, sig: MotionSignals) -> tuple[int, int] | None:
    """``[start, end)`` frames of the longest quiet standing of >= 10 s, trimmed (None if
    there is none or no ankles to see)."""
    from lmm_desktop.analysis.balance import ankle_heights

    if points is None or points.n_frames != len(sig.time):
        return None
    hs = ankle_heights(points, sig.rate_hz)
    if hs is None:
        return None
    quiet = (hs[0] < FEET_DOWN_M) & (hs[1] < FEET_DOWN_M) & (sig.speed < STILL_M_S)
    upright = _upright(points)
    if upright is not None:  # seated still (an arm test, a rest) is not standing
        quiet &= upright
    runs = [(a, b) for a, b in true_runs(quiet)
            if sig.time[b - 1] - sig.time[a] >= MIN_STANDING_S + 2 * TRIM_S]
    if not runs:
        return None
    a, b = max(runs, key=lambda r: r[1] - r[0])
    k = round(TRIM_S * sig.rate_hz)
    return a + k, b - k


UPRIGHT_FRACTION = 0.85
"""Standing: the hips at least this fraction of the leg's length (hip-knee plus knee-ankle)
above the ankles; seated, they are about half of it."""


def _upright(points: BodyPoints) -> NDArray[np.bool_] | None:
    """Per frame, the hips high over the ankles (standing, not seated); None without legs."""
    names = ("hip_r", "hip_l", "knee_r", "knee_l", "ankle_r", "ankle_l")
    if not all(points.has(n) for n in names):
        return None
    p = {n: points.point(n) for n in names}
    leg = float(np.nanmedian(np.concatenate([
        np.linalg.norm(p[f"hip_{s}"] - p[f"knee_{s}"], axis=1)
        + np.linalg.norm(p[f"knee_{s}"] - p[f"ankle_{s}"], axis=1) for s in "rl"])))
    if not np.isfinite(leg) or leg <= 0:
        return None
    height = ((p["hip_r"][:, 1] + p["hip_l"][:, 1]) - (p["ankle_r"][:, 1] + p["ankle_l"][:, 1])) / 2
    with np.errstate(invalid="ignore"):
        return np.asarray(height >= UPRIGHT_FRACTION * leg, dtype=bool)


def sway_measures(
    points: BodyPoints, sig: MotionSignals, window: tuple[int, int]
) -> dict[str, float]:
    """The sway measures (module doc) of frames ``window`` (mm, mm/s, cm^2)."""
    a, b = window
    lat = _hip_line(points, a, b)
    return _measures(sig.xz[a:b], float(sig.time[b - 1] - sig.time[a]), lat)


def cop_sway(
    plates: list[Any], t0: float, t1: float, rotation: NDArray[np.float64],
    lat: NDArray[np.float64],
) -> dict[str, float] | None:
    """The sway measures of the plates' combined centre of pressure from ``t0`` to ``t1`` (s),
    with ``cop_`` prefixes; ``rotation`` takes the plates' lab frame to the points' (Y up),
    ``lat`` is the hip line there. None when the plates do not carry the person throughout."""
    from lmm_desktop.analysis._signal import lowpass

    if not plates:
        return None
    rate = float(plates[0].rate_hz)
    base = plates[0].time
    inside = (base >= t0) & (base <= t1)
    if inside.sum() < 10 or any(
        p.rate_hz != rate or p.time.shape != base.shape for p in plates
    ):
        return None
    weight = np.zeros(int(inside.sum()))
    moment = np.zeros((int(inside.sum()), 3))
    for p in plates:
        fz = np.asarray(p.vertical[inside], dtype=float)
        cop = np.asarray(p.cop[inside], dtype=float)
        on = (fz > COP_MIN_N) & np.isfinite(cop).all(axis=1)
        weight += np.where(on, fz, 0.0)
        moment += np.where(on[:, None], cop * fz[:, None], 0.0)
    if (weight <= COP_MIN_N).any() or (weight < 0.8 * float(np.median(weight))).any():
        return None  # a foot off the plates (or beside them): the plates do not carry it all
    cop3 = (moment / weight[:, None]) @ np.asarray(rotation, float).T  # (n, 3) points' frame
    xz = lowpass(cop3[:, [0, 2]], rate, COP_FILTER_HZ)
    m = _measures(xz, float(base[inside][-1] - base[inside][0]), lat)
    return {f"cop_{k}": v for k, v in m.items() if k != "duration_s"}


COP_MIN_N = 20.0
COP_FILTER_HZ = 10.0


def _measures(xz: NDArray[np.float64], dt: float, lat: NDArray[np.float64]) -> dict[str, float]:
    """Sway measures of horizontal positions ``(n, 2)`` (x, z; metres) over ``dt`` seconds."""
    ml_axis = np.array([lat[0], lat[2]])
    ap_axis = np.array([-ml_axis[1], ml_axis[0]])  # perpendicular in the ground plane
    rel = xz - xz.mean(axis=0)
    ml, ap = rel @ ml_axis, rel @ ap_axis  # (n,) metres
    path = float(np.sum(np.linalg.norm(np.diff(xz, axis=0), axis=1)))
    cov = np.cov(np.vstack([ap, ml]))
    return {
        "duration_s": dt,
        "path_velocity_mm_s": 1000.0 * path / dt,
        "range_ap_mm": 1000.0 * float(np.ptp(ap)),
        "range_ml_mm": 1000.0 * float(np.ptp(ml)),
        "rms_ap_mm": 1000.0 * float(np.sqrt(np.mean(ap**2))),
        "rms_ml_mm": 1000.0 * float(np.sqrt(np.mean(ml**2))),
        "ellipse95_cm2": 1e4 * float(np.pi * CHI2_95_2DOF * np.sqrt(max(np.linalg.det(cov), 0))),
    }


def hip_line(points: BodyPoints, a: int, b: int) -> NDArray[np.float64]:
    """Unit horizontal right-to-left hip line over frames a..b (the medio-lateral axis)."""
    return _hip_line(points, a, b)


def _hip_line(points: BodyPoints, a: int, b: int) -> NDArray[np.float64]:
    """Unit horizontal right-to-left hip line over frames a..b (+z when unknown)."""
    if points.has("hip_l") and points.has("hip_r"):
        v = points.point("hip_l")[a:b] - points.point("hip_r")[a:b]
        v = v[np.isfinite(v).all(axis=1)]
        if len(v):
            m = v.mean(axis=0)
            m[1] = 0.0
            n = float(np.linalg.norm(m))
            if n > 1e-6:
                return np.asarray(m / n, dtype=float)
    return np.array([0.0, 0.0, -1.0])  # OpenSim: z to the right, so the hip line is -z


def sway_text(m: dict[str, Any]) -> str:
    """'Sway over 18.0 s: path 9.1 mm/s; range AP 12 / ML 8 mm; 95 % ellipse 2.1 cm^2.'"""
    if "path_velocity_mm_s" not in m:
        return ""
    text = (
        f"Sway of the pelvis over {m['duration_s']:.1f} s of quiet standing: path "
        f"{m['path_velocity_mm_s']:.1f} mm/s; range AP {m['range_ap_mm']:.0f} / ML "
        f"{m['range_ml_mm']:.0f} mm; RMS AP {m['rms_ap_mm']:.1f} / ML {m['rms_ml_mm']:.1f} mm; "
        f"95 % ellipse {m['ellipse95_cm2']:.1f} cm²."
    )
    if "cop_path_velocity_mm_s" in m:
        text += (
            f" Centre of pressure (force plates): path {m['cop_path_velocity_mm_s']:.1f} mm/s; "
            f"range AP {m['cop_range_ap_mm']:.0f} / ML {m['cop_range_ml_mm']:.0f} mm; 95 % "
            f"ellipse {m['cop_ellipse95_cm2']:.1f} cm²."
        )
    return text
