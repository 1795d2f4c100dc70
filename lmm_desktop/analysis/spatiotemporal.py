"""Spatiotemporal gait parameters per stride, with mean ± SD and normative status.

Definitions follow OpenCap (stanfordnmbl/opencap-processing, ``ActivityAnalyses/gait_analysis.py``,
class ``gait_analysis``), with the body points in place of OpenCap's markers:

- stride: heel strike to the next heel strike of the same foot; stride time = their difference;
- stride length: distance between the heel positions at the two heel strikes, plus treadmill speed
  x stride time (``compute_stride_length``);
- gait speed: displacement of the pelvis reference (OpenCap: the centre of mass) over the stride /
  stride time, plus treadmill speed (``compute_gait_speed``);
- cadence: 2 x 60 / stride time, steps/min (``compute_cadence``);
- treadmill speed: ankle speed over 10..70 % of stance, 0 below 0.3 m/s
  (``compute_treadmill_speed``);
- step width: distance between the two ankle centres, each averaged over 40..60 % of its stance,
  along the mediolateral axis of the gait frame (``compute_step_width``);
- stance / swing: heel strike to toe off / toe off to next heel strike, in % of the stride;
- double support: ipsilateral stance minus contralateral swing, % of stride
  (``compute_double_support_time``);
- step-length symmetry: right / left x 100 (``compute_step_length_symmetry``), and the same for
  stance time;
- arm swing (not in OpenCap): over each stride of a side, the range of that side's upper arm
  (shoulder to elbow) angle in the sagittal plane of the walking direction, degrees; arm swing
  asymmetry: Zifchock's symmetry angle of the left and right means, |45 - atan(L/R)| / 90 x
  100 % (0 = symmetric), as Lewek et al. (2010) used to show the early, asymmetric loss of arm
  swing in Parkinson's disease. No normal range is given for either;
- stride-time variability: the coefficient of variation (SD / mean x 100) of the stride times
  of both feet, given from 6 strides on (fewer say little about variability); a marker of
  unsteady gait and fall risk in older adults (Hausdorff 2005). No normal range is given.

Two deliberate differences: step length is measured ALONG the walking direction (GAITRite's
definition, the one the normal ranges use) where OpenCap takes the 3D heel-to-heel distance, which
adds the step width (about +1 % at 0.1 m width); single support is the contralateral swing in % of
the stride (the clinical definition; OpenCap reports 100 - double support).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis._signal import horizontal, lowpass
from lmm_desktop.analysis.direction import WalkingDirection, pelvis_reference, walking_direction
from lmm_desktop.analysis.normative import (
    SpatiotemporalReference,
    normative_status,
    spatiotemporal_reference,
)
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Event, Side, Subject

MIN_STRIDES_CV = 6
"""Strides needed for the stride-time variability."""

MAX_STRIDE_S = 3.0
"""Longer 'strides' are gaps between walking bouts and are skipped."""

OVERGROUND_THRESHOLD_M_S = 0.3
"""OpenCap's threshold: a stance-phase ankle speed below this means overground walking."""


@dataclass
class StrideRow:
    """One stride of one foot (times in s, lengths in m, phases in % of the stride)."""

    side: Side
    start_s: float
    end_s: float
    stride_time_s: float
    stride_length_m: float
    speed_m_s: float
    cadence_steps_min: float
    stance_pct: float = float("nan")
    swing_pct: float = float("nan")
    single_support_pct: float = float("nan")
    double_support_pct: float = float("nan")
    step_length_m: float = float("nan")
    step_width_m: float = float("nan")
    arm_swing_deg: float = float("nan")

    def to_dict(self) -> dict[str, object]:
        return {
            k: (
                round(v, 4)
                if isinstance(v, float) and np.isfinite(v)
                else (None if isinstance(v, float) else v)
            )
            for k, v in asdict(self).items()
        }


@dataclass
class SpatiotemporalResult:
    """Per-stride table, summaries and the normal ranges used; ``reason`` when nothing computed."""

    strides: list[StrideRow]
    treadmill_speed_m_s: float = 0.0
    reference: SpatiotemporalReference | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    def values(self, key: str, side: Side | None = None) -> NDArray[np.float64]:
        """Finite per-stride values of one parameter (one side, or both)."""
        vals = [getattr(r, key) for r in self.strides if side is None or r.side == side]
        arr = np.asarray(vals, dtype=float)
        return arr[np.isfinite(arr)]

    def _entry(
        self, key: str, side: Side | None = None, norm_key: str | None = None
    ) -> dict[str, object]:
        vals = self.values(key, side)
        value = float(np.mean(vals)) if vals.size else None
        sd = float(np.std(vals, ddof=1)) if vals.size > 1 else None
        rng = None
        if self.reference is not None:
            rng = (
                self.reference.speed_range
                if key == "speed_m_s"
                else self.reference.ranges.get(norm_key or key)
            )
        return {
            "value": None if value is None else round(value, 4),
            "sd": None if sd is None else round(sd, 4),
            "n": int(vals.size),
            "normative_status": normative_status(value, rng),
            "normative_range": None if rng is None else [round(x, 4) for x in rng],
        }

    def _symmetry(self, key: str) -> dict[str, object]:
        r, l = self.values(key, "right"), self.values(key, "left")
        value = float(np.mean(r) / np.mean(l) * 100.0) if r.size and l.size else None
        return {"value": None if value is None else round(value, 2), "unit": "% (R/L)"}

    def _asymmetry_angle(self, key: str) -> dict[str, object]:
        """Zifchock's symmetry angle of the side means in % (0 symmetric, 100 one side nil)."""
        r, l = self.values(key, "right"), self.values(key, "left")
        value = None
        if r.size and l.size and (np.mean(r) > 0 or np.mean(l) > 0):
            angle = np.degrees(np.arctan2(float(np.mean(l)), float(np.mean(r))))
            value = abs(45.0 - angle) / 90.0 * 100.0
        return {"value": None if value is None else round(value, 2), "unit": "%"}

    def to_dict(self) -> dict[str, object]:
        """Summary for reports, the CLI and the assistant (see the module docstring)."""
        sided = (
            "step_length_m",
            "stride_length_m",
            "stance_pct",
            "swing_pct",
            "single_support_pct",
        )
        out: dict[str, object] = {
            key: self._entry(key)
            for key in (
                "speed_m_s",
                "cadence_steps_min",
                "stride_time_s",
                "double_support_pct",
                "step_width_m",
            )
        }
        for key in sided:
            out[key] = {side: self._entry(key, side) for side in ("left", "right")}
        out["step_length_symmetry_pct"] = self._symmetry("step_length_m")
        out["stance_time_symmetry_pct"] = self._symmetry("stance_pct")
        times = self.values("stride_time_s")
        if times.size >= MIN_STRIDES_CV:
            cv = float(np.std(times, ddof=1) / np.mean(times) * 100.0)
            out["stride_time_cv_pct"] = {"value": round(cv, 2), "n": int(times.size),
                                         "normative_status": None, "normative_range": None}
        arms = {side: self._entry("arm_swing_deg", side) for side in ("left", "right")}
        if any(e["value"] is not None for e in arms.values()):
            out["arm_swing_deg"] = arms
            out["arm_swing_asymmetry_pct"] = self._asymmetry_angle("arm_swing_deg")
        out["n_strides"] = {
            s: sum(1 for r in self.strides if r.side == s) for s in ("left", "right")
        }
        out["treadmill_speed_m_s"] = round(self.treadmill_speed_m_s, 4)
        out["normative_reference"] = None if self.reference is None else self.reference.to_dict()
        out["strides"] = [r.to_dict() for r in self.strides]
        out["reason"] = self.reason
        out["notes"] = list(self.notes)
        return out


def _frame(time: NDArray[np.float64], t: float) -> int:
    return min(max(int(np.searchsorted(time, t - 1e-9)), 0), time.shape[0] - 1)


def _between(times: list[float], a: float, b: float) -> float | None:
    inside = [t for t in times if a < t < b]
    return inside[0] if inside else None


@dataclass
class _Ctx:
    points: BodyPoints
    walking: WalkingDirection
    ref: NDArray[np.float64]
    rate_hz: float
    events: dict[tuple[Side, str], list[float]]
    v_tm: float = 0.0
    resolved: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    arms: bool = True


def _point(ctx: _Ctx, name: str, fallback: str) -> NDArray[np.float64]:
    """``name``'s trajectory, or ``fallback``'s when ``name`` is absent (looked up once)."""
    if name not in ctx.resolved:
        p = ctx.points
        ok = p.has(name) and np.isfinite(p.point(name)).any()
        ctx.resolved[name] = p.point(name) if ok else p.point(fallback)
    return ctx.resolved[name]


def _horizontal_unit(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(3,)`` unit vector of the ground-plane part of ``v`` (NaN when it has none)."""
    h = np.array([v[0], 0.0, v[2]])
    n = float(np.hypot(v[0], v[2]))
    return h / n if n > 1e-12 else np.full(3, np.nan)


def _treadmill_speed(ctx: _Ctx) -> float:
    """OpenCap's heuristic: mean ankle velocity over 10..70 % of stance (0 if below 0.3 m/s)."""
    speeds = []
    sides: tuple[tuple[Side, str], ...] = (("right", "r"), ("left", "l"))
    for side, s in sides:
        ankle = lowpass(_point(ctx, f"ankle_{s}", f"heel_{s}"), ctx.rate_hz)
        for hs in ctx.events[(side, HEEL_STRIKE)]:
            to = _between(ctx.events[(side, TOE_OFF)], hs, hs + MAX_STRIDE_S)
            if to is None:
                continue
            stance = to - hs
            a, b = (
                _frame(ctx.points.time, hs + 0.1 * stance),
                _frame(ctx.points.time, to - 0.3 * stance),
            )
            if b - a >= 2:
                speeds.append(
                    np.linalg.norm(horizontal(ankle[b] - ankle[a]))
                    / (ctx.points.time[b] - ctx.points.time[a])
                )
    v = float(np.mean(speeds)) if speeds else 0.0
    return v if v >= OVERGROUND_THRESHOLD_M_S else 0.0


def _stride(ctx: _Ctx, side: Side, t0: float, t2: float) -> StrideRow:
    s, o = ("r", "l") if side == "right" else ("l", "r")
    other: Side = "left" if side == "right" else "right"
    time = ctx.points.time
    i0, i2 = _frame(time, t0), _frame(time, t2)
    heel_s, heel_o = ctx.points.point(f"heel_{s}"), ctx.points.point(f"heel_{o}")
    T = t2 - t0
    row = StrideRow(
        side,
        t0,
        t2,
        T,
        # The belt carries the heels for the time between the FRAMES the heels are read at.
        stride_length_m=float(np.linalg.norm(horizontal(heel_s[i2] - heel_s[i0])))
        + ctx.v_tm * float(time[i2] - time[i0]),
        speed_m_s=float(np.linalg.norm(horizontal(ctx.ref[i2] - ctx.ref[i0])))
        / float(max(time[i2] - time[i0], 1e-9))
        + ctx.v_tm,
        cadence_steps_min=120.0 / T,
    )
    to = _between(ctx.events[(side, TOE_OFF)], t0, t2)
    to_c = _between(ctx.events[(other, TOE_OFF)], t0, t2)
    hs_c = _between(ctx.events[(other, HEEL_STRIKE)], t0, t2)
    if to is not None:
        row.stance_pct = (to - t0) / T * 100.0
        row.swing_pct = 100.0 - row.stance_pct
    if to_c is not None and hs_c is not None and hs_c > to_c:
        row.single_support_pct = (hs_c - to_c) / T * 100.0
        row.double_support_pct = row.stance_pct - row.single_support_pct
    # Gait frame per stride (OpenCap compute_gait_frame): pelvis heading over the stride
    # overground, the detected walking axis on a treadmill.
    direction = ctx.walking.per_frame[i2]
    if not ctx.walking.treadmill and ctx.v_tm == 0.0:
        direction = _horizontal_unit(ctx.ref[i2] - ctx.ref[i0])
    if hs_c is not None:
        ic = _frame(time, hs_c)
        row.step_length_m = float((heel_s[i2] - heel_o[ic]) @ direction) + ctx.v_tm * float(
            time[i2] - time[ic]
        )
        if to is not None:
            row.step_width_m = _step_width(ctx, s, o, (t0, to, hs_c, t2), direction)
    row.arm_swing_deg = _arm_swing(ctx, s, i0, i2, direction)
    return row


def _arm_swing(
    ctx: _Ctx, s: str, i0: int, i2: int, direction: NDArray[np.float64]
) -> float:
    """Range (deg) of the upper arm's sagittal angle over frames i0..i2 (NaN without arms)."""
    p = ctx.points
    if not ctx.arms or not (p.has(f"shoulder_{s}") and p.has(f"elbow_{s}")) or not np.isfinite(
        direction
    ).all():
        return float("nan")
    arm = p.point(f"elbow_{s}")[i0 : i2 + 1] - p.point(f"shoulder_{s}")[i0 : i2 + 1]
    if not np.isfinite(arm).all():
        return float("nan")
    fwd = arm @ direction
    down = -arm[:, 1]
    angle = np.degrees(np.arctan2(fwd, down))  # 0 hanging, + forward
    return float(np.ptp(angle))


def _gap_probe(points: BodyPoints) -> NDArray[np.float64]:
    """``(n_frames, k, 3)`` the heel points and the pelvis reference points, metres."""
    names = [n for n in ("heel_r", "heel_l", "psis_r", "psis_l", "pelvis") if points.has(n)]
    keep = [n for n in names if np.isfinite(points.point(n)).any()]
    return points.positions[:, [points.names.index(n) for n in keep], :]


def _finite_mean(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mean of the fully finite rows of ``(k, 3)`` positions (NaN when there are none)."""
    good = rows[np.isfinite(rows).all(axis=1)]
    return good.mean(axis=0) if good.shape[0] else np.full(3, np.nan)


def _step_width(
    ctx: _Ctx,
    s: str,
    o: str,
    times: tuple[float, float, float, float],
    direction: NDArray[np.float64],
) -> float:
    """Ankle-centre distance across the gait frame, each over 40..60 % of its stance (OpenCap)."""
    t0, to, hs_c, t2 = times
    time = ctx.points.time
    stance = to - t0
    ank_s, ank_o = _point(ctx, f"ankle_{s}", f"heel_{s}"), _point(ctx, f"ankle_{o}", f"heel_{o}")
    a, b = _frame(time, t0 + 0.4 * stance), _frame(time, t0 + 0.6 * stance) + 1
    c = _frame(time, min(hs_c + 0.4 * stance, t2))
    d = max(c + 1, _frame(time, min(hs_c + 0.6 * stance, t2)) + 1)
    vec = _finite_mean(ank_o[c:d]) - _finite_mean(ank_s[a:b])  # (3,) metres
    lateral = _horizontal_unit(np.array([-direction[2], 0.0, direction[0]]))  # direction x up
    return float(abs(vec @ lateral))


def compute_spatiotemporal(
    events: list[Event],
    points: BodyPoints,
    *,
    subject: Subject | None = None,
    rate_hz: float | None = None,
    walking: WalkingDirection | None = None,
    arms: bool = True,
) -> SpatiotemporalResult:
    """Spatiotemporal parameters of every complete stride, with normal ranges.

    Parameters
    ----------
    events
        Gait events (``heel_strike``/``toe_off`` with a side; other labels are ignored), from a file
        or :func:`~lmm_desktop.analysis.events.detect_gait_events`.
    points
        Body points with heels, ankles and a pelvis reference (Y up, metres).
    subject
        Sex and age select the normal ranges (pooled and stated when unknown).
    rate_hz
        Sample rate of ``points`` (default: from its time stamps).
    walking
        The walking direction already estimated on ``points`` (e.g. by the event detection);
        estimated here when not given.
    arms
        The arms' points move with the person's own arms (markers, or a model whose arm
        coordinates the source gives); False leaves the arm swing out (a model without arm
        coordinates carries its arms rigidly with the trunk).

    Returns
    -------
    SpatiotemporalResult
        ``reason`` says why there are no strides; never silently empty.
    """
    if rate_hz is None:
        rate_hz = 1.0 / float(np.median(np.diff(points.time))) if points.n_frames > 1 else 100.0
    gait = {
        (side, lab): sorted(e.time_s for e in events if e.side == side and e.label == lab)
        for side in ("right", "left")
        for lab in (HEEL_STRIKE, TOE_OFF)
    }
    n_hs = {side: len(gait[(side, HEEL_STRIKE)]) for side in ("right", "left")}
    if max(n_hs.values()) < 2:
        return SpatiotemporalResult(
            [],
            reason=(
                "no complete stride: a stride needs two heel strikes of the same foot, found "
                f"right {n_hs['right']}, left {n_hs['left']}"
            ),
        )
    if walking is None:
        walking = walking_direction(points, rate_hz=rate_hz)
    gap = np.asarray(~np.isfinite(_gap_probe(points)).all(axis=(1, 2)), dtype=bool)  # (n,) gaps
    ctx = _Ctx(points, walking, pelvis_reference(points), rate_hz, gait)  # type: ignore[arg-type]
    ctx.arms = arms
    ctx.v_tm = _treadmill_speed(ctx)
    strides: list[StrideRow] = []
    notes: list[str] = []
    for side in ("right", "left"):
        hs = gait[(side, HEEL_STRIKE)]
        for t0, t2 in itertools.pairwise(hs):
            i0, i2 = _frame(points.time, t0), _frame(points.time, t2)
            if t2 - t0 > MAX_STRIDE_S:
                notes.append(f"{side} {t0:.2f}-{t2:.2f} s skipped: longer than {MAX_STRIDE_S} s")
            elif walking.turn_mask[i0 : i2 + 1].any():
                notes.append(f"{side} {t0:.2f}-{t2:.2f} s skipped: includes a turn")
            elif gap[i0 : i2 + 1].any():
                notes.append(
                    f"{side} {t0:.2f}-{t2:.2f} s skipped: the body points are missing in part "
                    "of it (a gap in the data may hide a heel strike)"
                )
            else:
                strides.append(_stride(ctx, side, t0, t2))  # type: ignore[arg-type]
    strides.sort(key=lambda r: r.start_s)
    result = SpatiotemporalResult(strides, ctx.v_tm, notes=notes)
    if not strides:
        result.reason = "every candidate stride was skipped: " + "; ".join(notes)
        return result
    speed = result.values("speed_m_s")
    result.reference = spatiotemporal_reference(subject, float(np.mean(speed)))
    if ctx.v_tm > 0:
        notes.append(f"treadmill walking: belt speed {ctx.v_tm:.2f} m/s added (OpenCap rule)")
    return result
