"""Bilateral squats: repetitions, depth, joint excursions, left-right symmetry and alignment.

A squat series is found by the same pelvis-height rules that time the sit-to-stand test
(:mod:`lmm_desktop.analysis.activity`): the trial starts standing, the pelvis lowers and rises
again (a *repetition*: the lowering's onset to the rise's end), stays within 1 m, and at the
lowest points the shanks lean forward over the feet (median ankle dorsiflexion >= 18 deg; seated
on a chair they stay near vertical). Pelvis drops under 15 cm are not repetitions.

Per repetition (``SquatRep.measures``; ``_r`` / ``_l`` per side; NaN-free: a measure the source
cannot give is left out):

- ``duration_s``, ``descent_s`` (onset to the lowest pelvis point), ``ascent_s``;
- ``depth_cm``: standing pelvis height (mean of the repetition's start and end) minus its lowest;
  ``depth_pct_leg``: that drop in % of the leg length (hip-knee-ankle, from the body points);
- ``thigh_angle_deg_<s>``: at the lowest point, the thigh's angle above the horizontal (hip above
  the knee +; 0 = thighs parallel to the floor, negative = below parallel);
- ``knee_flexion_deg_<s>``, ``hip_flexion_deg_<s>``, ``ankle_dorsiflexion_deg_<s>``: the peaks
  over the repetition (joint angles of the trial);
- ``hip_adduction_deg_<s>`` (adduction +) at the lowest point;
- ``knee_medial_cm_<s>``: at the lowest point, how far the knee is inside (+) or outside (-) its
  ankle along the body's medio-lateral axis (the knees-in of dynamic valgus);
  ``knee_ankle_ratio``: the distance between the knees over that between the ankles there
  (below 1: the knees are closer together than the ankles);
- ``lateral_shift_cm``: at the lowest point, the mid-hip point's offset from the mid-ankle point
  along the medio-lateral axis (+ toward the right foot): shifting the weight onto one leg;
- ``pelvic_obliquity_deg``: at the lowest point, the hip centres' height difference as an angle
  (left side up +, as Plug-in-Gait's pelvic obliquity);
- ``trunk_lean_deg``: at the lowest point, the trunk's (mid-hip to neck) forward lean from the
  vertical.

Single-leg squats (in most repetitions one ankle >= 8 cm higher than the other at the start
and >= 3 cm at the lowest point: that foot is held off the floor) keep the stance leg's
measures only, drop those that need both feet on the floor (knee-to-ankle ratio, lateral
shift, obliquity) and add ``pelvic_drop_deg`` (the free side's pelvis lower +, the
Trendelenburg sign) and ``trunk_side_lean_deg`` (over the stance leg +); there is no symmetry
within one trial.

The medio-lateral axis is the horizontal right-to-left hip line averaged over the repetition.

Findings (``SquatAnalysis.findings``), each with its rule:

- a peak flexion (hip, knee, ankle) whose limb symmetry index (smaller side over larger x 100,
  means over the repetitions) is under 90 %: the usual return-to-sport criterion after knee
  injury (e.g. ACL reconstruction);
- the mean lateral shift at least 10 % of the distance between the ankles (this app's screening
  rule, stated with its number so it can be judged);
- the knees at the lowest point closer together than 0.9 x the ankle distance (this app's
  screening rule for the knees-in of dynamic valgus);
- depth varying between repetitions by more than 10 % of its mean (SD / mean).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.activity import MotionSignals, Transition
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import CANONICAL_JOINTS, Kinematics

SQUATS = "squats"
SIDES = (("right", "r"), ("left", "l"))
LSI_MIN_PCT = 90.0
SHIFT_OF_STANCE = 0.10
DEPTH_CV_MAX = 0.10
KNEES_IN_RATIO = 0.9
FOOT_OFF_M = 0.08
FOOT_OFF_LOW_M = 0.03
"""An ankle 8 cm higher than the other when standing at the start of most repetitions, and
still 3 cm higher at their lowest point: that foot is held off the floor, the series is of
single-leg squats on the other leg."""
CURVE_POINTS = 101
CURVE_JOINTS = ("hip_flexion", "knee_angle", "ankle_angle")
"""Joint angles drawn over the repetition (0-100 %), per side."""

SQUAT_RULE = (
    "repetition: the pelvis lowers from standing (vertical velocity below -0.05 m/s, onset at "
    "the rest level, < 0.02 m/s) and rises back to standing (the rise's end); the pelvis drops "
    ">= 15 cm, stays within 1 m, and at the lowest points the median ankle dorsiflexion is "
    ">= 18 deg (shanks leaning forward: squatting, not sitting on a chair); measures at the "
    "lowest pelvis point of each repetition, peaks over the repetition"
)

#: measure key -> (label, unit, decimals); sided keys end in _r / _l
MEASURES: dict[str, tuple[str, str, int]] = {
    "duration_s": ("Repetition time", "s", 2),
    "descent_s": ("Lowering time", "s", 2),
    "ascent_s": ("Rising time", "s", 2),
    "depth_cm": ("Depth (pelvis drop)", "cm", 1),
    "depth_pct_leg": ("Depth (pelvis drop)", "% leg", 0),
    "thigh_angle_deg": ("Thigh above horizontal at bottom", "deg", 0),
    "knee_flexion_deg": ("Peak knee flexion", "deg", 0),
    "hip_flexion_deg": ("Peak hip flexion", "deg", 0),
    "ankle_dorsiflexion_deg": ("Peak ankle dorsiflexion", "deg", 0),
    "hip_adduction_deg": ("Hip adduction at bottom", "deg", 0),
    "knee_medial_cm": ("Knee inside the ankle at bottom", "cm", 1),
    "knee_ankle_ratio": ("Knee / ankle separation at bottom", "", 2),
    "lateral_shift_cm": ("Lateral shift at bottom (+ right)", "cm", 1),
    "pelvic_obliquity_deg": ("Pelvic obliquity at bottom (+ left up)", "deg", 1),
    "trunk_lean_deg": ("Trunk forward lean at bottom", "deg", 0),
    "pelvic_drop_deg": ("Pelvis drop on the free side at bottom", "deg", 1),
    "trunk_side_lean_deg": ("Trunk lean over the stance leg at bottom", "deg", 1),
}
SINGLE_LEG_ONLY = ("pelvic_drop_deg", "trunk_side_lean_deg")
BOTH_FEET_ONLY = ("knee_ankle_ratio", "lateral_shift_cm", "pelvic_obliquity_deg")
SIDED = ("thigh_angle_deg", "knee_flexion_deg", "hip_flexion_deg", "ankle_dorsiflexion_deg",
         "hip_adduction_deg", "knee_medial_cm")
SYMMETRY = ("knee_flexion_deg", "hip_flexion_deg", "ankle_dorsiflexion_deg")
"""Peaks compared by the limb symmetry index (positive excursions)."""


@dataclass(frozen=True)
class SquatRep:
    """One repetition: seconds on the trial's time base and its measures (see module doc)."""

    index: int
    start_s: float
    bottom_s: float
    end_s: float
    measures: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start_s": round(self.start_s, 4),
            "bottom_s": round(self.bottom_s, 4),
            "end_s": round(self.end_s, 4),
            "measures": {k: round(v, 4) for k, v in self.measures.items()},
        }


@dataclass(frozen=True)
class SquatFinding:
    """Something a clinician should look at, the numbers behind it and the rule."""

    key: str
    message: str
    rule: str

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "message": self.message, "rule": self.rule}


@dataclass
class SquatAnalysis:
    """The repetitions of a squat series, their means, symmetry, findings and curves."""

    reps: list[SquatRep]
    rule: str = SQUAT_RULE
    curves: dict[str, dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]] = field(
        default_factory=dict
    )
    """side -> joint base name -> (mean, SD) over the repetitions, ``CURVE_POINTS`` samples
    from 0 to 100 % of the repetition, degrees."""
    stance_width_m: float | None = None
    stance: str = "both"
    """'both' feet on the floor, or the stance leg ('right' / 'left') of single-leg squats."""

    @property
    def title(self) -> str:
        """'Squats', or 'Single-leg squats (right)'."""
        return "Squats" if self.stance == "both" else f"Single-leg squats ({self.stance})"

    def values(self, key: str) -> NDArray[np.float64]:
        """``key`` over the repetitions that have it."""
        return np.array([r.measures[key] for r in self.reps if key in r.measures])

    def mean(self, key: str) -> float | None:
        v = self.values(key)
        return float(np.mean(v)) if v.size else None

    def sd(self, key: str) -> float | None:
        v = self.values(key)
        return float(np.std(v, ddof=1)) if v.size > 1 else None

    @property
    def duration_s(self) -> float:
        return self.reps[-1].end_s - self.reps[0].start_s

    def symmetry_pct(self, key: str) -> float | None:
        """Limb symmetry index of a sided peak: smaller side / larger side x 100 (None for
        single-leg squats: one leg per trial)."""
        if self.stance != "both":
            return None
        r, left = self.mean(f"{key}_r"), self.mean(f"{key}_l")
        if r is None or left is None or max(r, left) <= 0:
            return None
        return 100.0 * max(min(r, left), 0.0) / max(r, left)

    @property
    def findings(self) -> list[SquatFinding]:
        out: list[SquatFinding] = []
        for key in SYMMETRY:
            lsi = self.symmetry_pct(key)
            if lsi is not None and lsi < LSI_MIN_PCT:
                r, left = self.mean(f"{key}_r"), self.mean(f"{key}_l")
                assert r is not None and left is not None
                less = "right" if r < left else "left"
                label = MEASURES[key][0].lower()
                out.append(SquatFinding(
                    f"symmetry.{key}",
                    f"{label[:1].upper()}{label[1:]} asymmetric: right {r:.0f}, left {left:.0f} "
                    f"deg (symmetry {lsi:.0f} %, less on the {less})",
                    f"limb symmetry index under {LSI_MIN_PCT:.0f} % (the usual return-to-sport "
                    "criterion after knee injury)",
                ))
        shift = self.mean("lateral_shift_cm")
        if shift is not None and self.stance_width_m:
            frac = abs(shift) / (100.0 * self.stance_width_m)
            if frac >= SHIFT_OF_STANCE:
                side = "right" if shift > 0 else "left"
                out.append(SquatFinding(
                    "lateral_shift",
                    f"Weight shifted toward the {side} at the bottom: the hips {abs(shift):.1f} cm "
                    f"toward the {side} foot ({100 * frac:.0f} % of the "
                    f"{100 * self.stance_width_m:.0f} cm between the ankles)",
                    f"mid-hip offset from the mid-ankle point >= {100 * SHIFT_OF_STANCE:.0f} % "
                    "of the ankle distance (this app's screening rule)",
                ))
        ratio = self.mean("knee_ankle_ratio")
        if ratio is not None and ratio < KNEES_IN_RATIO:
            out.append(SquatFinding(
                "knees_in",
                f"Knees closer together than the ankles at the bottom (separation ratio "
                f"{ratio:.2f})",
                f"knee-to-ankle separation ratio under {KNEES_IN_RATIO} at the lowest point "
                "(dynamic knee valgus; this app's screening rule)",
            ))
        depth, sd = self.mean("depth_cm"), self.sd("depth_cm")
        if depth and sd is not None and sd / depth > DEPTH_CV_MAX:
            out.append(SquatFinding(
                "depth_variation",
                f"Depth varied between repetitions: {depth:.0f} +/- {sd:.0f} cm",
                f"SD of the depth over {DEPTH_CV_MAX * 100:.0f} % of its mean",
            ))
        return out

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Mean and SD over the repetitions of every measure some repetition has."""
        keys = sorted({k for r in self.reps for k in r.measures})
        return {k: {"mean": self.mean(k), "sd": self.sd(k)} for k in keys}

    def to_dict(self) -> dict[str, Any]:
        def r4(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {
            "repetitions": len(self.reps),
            "duration_s": round(self.duration_s, 4),
            "reps": [r.to_dict() for r in self.reps],
            "summary": {k: {s: r4(v) for s, v in e.items()} for k, e in self.summary().items()},
            "symmetry_pct": {k: r4(self.symmetry_pct(k)) for k in SYMMETRY},
            "stance_width_m": r4(self.stance_width_m),
            "stance": self.stance,
            "title": self.title,
            "findings": [f.to_dict() for f in self.findings],
            "rule": self.rule,
        }


def repetitions(
    sig: MotionSignals, rises: list[Transition], sits: list[Transition]
) -> list[tuple[int, int, int]]:
    """``(start, bottom, end)`` frame indices of each lowering followed by a rise."""
    out: list[tuple[int, int, int]] = []
    for s in sits:
        nxt = next((r for r in rises if r.onset >= s.peak), None)
        if nxt is None:
            continue
        if out and s.onset < out[-1][2]:
            continue
        bottom = s.peak + int(np.argmin(sig.height[s.peak : nxt.peak + 1]))
        out.append((s.onset, bottom, nxt.end))
    return out


def _unit(v: NDArray[np.float64]) -> NDArray[np.float64]:
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def _angle(kin: Kinematics, name: str) -> NDArray[np.float64] | None:
    if not kin.present[CANONICAL_JOINTS.index(name)]:
        return None
    a = kin.angle(name)
    return a if np.isfinite(a).any() else None


def _point(points: BodyPoints | None, name: str, i: int) -> NDArray[np.float64] | None:
    if points is None or not points.has(name):
        return None
    p = points.point(name)[i]
    return p if np.isfinite(p).all() else None


def analyze_squats(
    kin: Kinematics,
    sig: MotionSignals,
    rises: list[Transition],
    sits: list[Transition],
    points: BodyPoints | None,
) -> SquatAnalysis | None:
    """Measure each repetition of a squat series (None when there is no repetition).

    ``kin`` and ``sig`` share one time base; ``points`` are the body points on it (None: the
    measures from positions are left out).
    """
    reps = repetitions(sig, rises, sits)
    if not reps:
        return None
    if points is not None and points.n_frames != len(sig.time):
        points = None
    t = sig.time
    leg = _leg_length(points)
    out: list[SquatRep] = []
    widths: list[float] = []
    for k, (a, lo, b) in enumerate(reps, start=1):
        m: dict[str, float] = {
            "duration_s": float(t[b] - t[a]),
            "descent_s": float(t[lo] - t[a]),
            "ascent_s": float(t[b] - t[lo]),
            "depth_cm": 100.0 * float((sig.height[a] + sig.height[b]) / 2 - sig.height[lo]),
        }
        if leg:
            m["depth_pct_leg"] = m["depth_cm"] / leg
        for s in ("r", "l"):
            for key, joint in (("knee_flexion_deg", "knee_angle"),
                               ("hip_flexion_deg", "hip_flexion"),
                               ("ankle_dorsiflexion_deg", "ankle_angle")):
                ang = _angle(kin, f"{joint}_{s}")
                if ang is not None and np.isfinite(ang[a : b + 1]).any():
                    m[f"{key}_{s}"] = float(np.nanmax(ang[a : b + 1]))
            add = _angle(kin, f"hip_adduction_{s}")
            if add is not None and np.isfinite(add[lo]):
                m[f"hip_adduction_deg_{s}"] = float(add[lo])
        width = _positions(m, points, a, lo, b)
        if width:
            widths.append(width)
        out.append(SquatRep(k, float(t[a]), float(t[lo]), float(t[b]), m))
    stance = _stance(points, reps)
    if stance != "both":
        free = "l" if stance == "right" else "r"
        for rep in out:
            for key in list(rep.measures):
                if key.endswith(f"_{free}") or key in BOTH_FEET_ONLY:
                    del rep.measures[key]
    else:
        for rep in out:
            for key in SINGLE_LEG_ONLY:
                rep.measures.pop(key, None)
    curves = _curves(kin, reps)
    if stance != "both":
        curves = {stance: curves[stance]} if stance in curves else {}
    return SquatAnalysis(
        out,
        curves=curves,
        stance_width_m=float(np.mean(widths)) if widths and stance == "both" else None,
        stance=stance,
    )


def _stance(points: BodyPoints | None, reps: list[tuple[int, int, int]]) -> str:
    """'both', or the stance leg when in most repetitions one ankle is >= 8 cm higher than the
    other at the start (standing) and still >= 3 cm higher at the lowest point: that foot is
    held off the floor."""
    if points is None or not (points.has("ankle_r") and points.has("ankle_l")):
        return "both"
    dy = points.point("ankle_r")[:, 1] - points.point("ankle_l")[:, 1]  # (n,) m, right higher +
    pairs = np.array([(dy[a], dy[lo]) for a, lo, _b in reps])  # (n_reps, 2)
    pairs = pairs[np.isfinite(pairs).all(axis=1)]
    if not len(pairs):
        return "both"
    for sign, stance in ((1.0, "left"), (-1.0, "right")):  # right foot up: stance on the left
        up = (sign * pairs[:, 0] >= FOOT_OFF_M) & (sign * pairs[:, 1] >= FOOT_OFF_LOW_M)
        if np.mean(up) > 0.5:
            return stance
    return "both"


def _leg_length(points: BodyPoints | None) -> float | None:
    if points is None:
        return None
    legs = []
    for s in ("r", "l"):
        if all(points.has(f"{j}_{s}") for j in ("hip", "knee", "ankle")):
            h, k, an = (points.point(f"{j}_{s}") for j in ("hip", "knee", "ankle"))
            seg = np.linalg.norm(h - k, axis=1) + np.linalg.norm(k - an, axis=1)
            if np.isfinite(seg).any():
                legs.append(float(np.nanmedian(seg)))
    return float(np.mean(legs)) if legs else None


def positions_at(
    points: BodyPoints | None, a: int, i: int, b: int
) -> dict[str, float]:
    """The measures from positions (thigh angle, knee inside the ankle, knee/ankle ratio,
    lateral shift, pelvic obliquity, trunk lean) at frame ``i``, the body's axes taken over
    frames a..b; empty without hips."""
    m: dict[str, float] = {}
    _positions(m, points, a, i, b)
    return m


def _positions(
    m: dict[str, float], points: BodyPoints | None, a: int, lo: int, b: int
) -> float | None:
    """Add the measures from positions at the lowest frame ``lo``; return the ankle distance."""
    if points is None or not all(points.has(n) for n in ("hip_r", "hip_l")):
        return None
    line = points.point("hip_l")[a : b + 1] - points.point("hip_r")[a : b + 1]
    line = line[np.isfinite(line).all(axis=1)]
    if not len(line):
        return None
    lat = _unit(np.array([line[:, 0].mean(), 0.0, line[:, 2].mean()]))  # right-to-left, level
    fwd = _unit(np.cross(lat, np.array([0.0, 1.0, 0.0])))  # left x up = forward
    get = {n: _point(points, n, lo) for n in (
        "hip_r", "hip_l", "knee_r", "knee_l", "ankle_r", "ankle_l", "neck", "c7")}
    width = None
    for s in ("r", "l"):
        hip, knee, ankle = get[f"hip_{s}"], get[f"knee_{s}"], get[f"ankle_{s}"]
        if hip is not None and knee is not None:
            v = hip - knee
            m[f"thigh_angle_deg_{s}"] = float(np.degrees(np.arctan2(v[1], np.hypot(
                v @ lat, v @ fwd))))
        if knee is not None and ankle is not None:
            medial = lat if s == "r" else -lat  # toward the body's midline
            m[f"knee_medial_cm_{s}"] = 100.0 * float((knee - ankle) @ medial)
    ar, al, kr, kl = get["ankle_r"], get["ankle_l"], get["knee_r"], get["knee_l"]
    hr, hl = get["hip_r"], get["hip_l"]
    if ar is not None and al is not None:
        width = abs(float((al - ar) @ lat))
        if kr is not None and kl is not None and width > 0.02:
            m["knee_ankle_ratio"] = float((kl - kr) @ lat) / width
        if hr is not None and hl is not None:
            mid_hip, mid_ankle = (hr + hl) / 2, (ar + al) / 2
            m["lateral_shift_cm"] = -100.0 * float((mid_hip - mid_ankle) @ lat)
    if hr is not None and hl is not None:
        d = hl - hr
        m["pelvic_obliquity_deg"] = float(np.degrees(np.arctan2(d[1], abs(d @ lat))))
        top = get["neck"] if get["neck"] is not None else get["c7"]
        lean = None
        if top is not None:
            tr = top - (hr + hl) / 2
            m["trunk_lean_deg"] = float(np.degrees(np.arctan2(tr @ fwd, tr[1])))
            lean = float(np.degrees(np.arctan2(tr @ lat, tr[1])))  # toward the left +
        if ar is not None and al is not None:  # which foot is up (single-leg squats)
            left_up = al[1] > ar[1]
            # the free side's pelvis dropping (+), the trunk leaning over the stance leg (+)
            obliquity = m["pelvic_obliquity_deg"]  # left side up +
            m["pelvic_drop_deg"] = -obliquity if left_up else obliquity
            if lean is not None:
                m["trunk_side_lean_deg"] = -lean if left_up else lean
    return width


def _curves(
    kin: Kinematics, reps: list[tuple[int, int, int]]
) -> dict[str, dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]]:
    x = np.linspace(0.0, 1.0, CURVE_POINTS)
    out: dict[str, dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]] = {}
    for side, s in SIDES:
        for joint in CURVE_JOINTS:
            ang = _angle(kin, f"{joint}_{s}")
            if ang is None:
                continue
            rows = []
            for a, _lo, b in reps:
                seg = ang[a : b + 1]
                if b - a < 2 or not np.isfinite(seg).all():
                    continue
                rows.append(np.interp(x, np.linspace(0.0, 1.0, len(seg)), seg))
            if rows:
                arr = np.array(rows)
                sd = arr.std(axis=0, ddof=1) if len(rows) > 1 else np.zeros(CURVE_POINTS)
                out.setdefault(side, {})[joint] = (arr.mean(axis=0), sd)
    return out


def squat_rows(d: dict[str, Any]) -> list[dict[str, Any]]:
    """Display rows of :meth:`SquatAnalysis.to_dict`: one per measure in ``MEASURES`` order, with
    ``label``, ``unit``, ``decimals``, and either ``right`` / ``left`` means (sided) or ``value``,
    their SDs over the repetitions (``sd_right`` ...), and ``symmetry_pct`` where it applies."""
    summ = d.get("summary") or {}
    sym = d.get("symmetry_pct") or {}
    rows = []
    for key, (label, unit, dec) in MEASURES.items():
        row: dict[str, Any] = {"key": key, "label": label, "unit": unit, "decimals": dec}
        if key in SIDED:
            r, left = summ.get(f"{key}_r") or {}, summ.get(f"{key}_l") or {}
            if r.get("mean") is None and left.get("mean") is None:
                continue
            row.update(right=r.get("mean"), left=left.get("mean"), sd_right=r.get("sd"),
                       sd_left=left.get("sd"), symmetry_pct=sym.get(key))
        else:
            e = summ.get(key) or {}
            if e.get("mean") is None:
                continue
            row.update(value=e["mean"], sd=e.get("sd"))
        rows.append(row)
    return rows


def format_value(v: float | None, decimals: int) -> str:
    """``v`` to ``decimals`` places ('-' when None; never '-0.0')."""
    if v is None:
        return "-"
    text = f"{v:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text
