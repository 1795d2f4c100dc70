"""Sagittal joint moments and powers of the hip, knee and ankle from force plates and markers.

For every gait cycle of a side that starts with a clean force-plate contact (see
:mod:`lmm_desktop.analysis.force_plates`) and ends with that foot's next heel strike, the foot,
shank and thigh are followed in the plane of progression and the Newton-Euler equations are
solved from the ground up (Winter, *Biomechanics and Motor Control of Human Movement*, ch. 5):
during stance the ground reaction acts at the centre of pressure, during swing nothing does.

* Joint centres from the markers: hip (the file's, else Harrington's regression), knee and ankle
  (midpoints of the epicondyle and malleolus markers), heel and toe.
* Segment masses, centres of mass and sagittal radii of gyration: de Leva (1996), *J Biomech*
  29:1223 (Zatsiorsky-Seluyanov adjusted), for the person's sex, the mean of both when unknown.
* Markers and the ground reaction low-pass filtered at 6 Hz (zero lag) before differentiating
  twice, as is usual for inverse dynamics; the ground reaction then sampled at the markers' times.
* Results as gait laboratories give them (Plug-in-Gait, and the normative data of Schwartz et al.
  2008): internal moments per kg, hip and knee extensor and ankle plantarflexor positive; powers
  per kg, generation positive; 101 points from heel strike to the next heel strike.

Two 2D analyses: the sagittal plane (moments and powers) and the frontal plane (hip and knee
abductor moments; the foot, edge-on there, counted as a point mass). The transverse (rotation)
moments of the hip and knee come from the same Newton-Euler equations in 3D, with the plate's
free moment, projected on the long axis of the thigh and of the shank (internal rotator
positive). The segments there are rods: their angular acceleration about their own long axis is
not followed (a long bone's inertia about it is small), so these moments are the ground
reaction's and the free moment's share; there is no normal band for them here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis._signal import fill_nan, lowpass, resample_cycle
from lmm_desktop.analysis.force_plates import ForcePlateAnalysis, PlateContact
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.trial import HEEL_STRIKE, Event, ForcePlate, Side

G = 9.81
FILTER_HZ = 6.0
N_POINTS = 101
VARIABLES = ("hip_moment", "knee_moment", "ankle_moment", "hip_power", "knee_power", "ankle_power")
FRONTAL = ("hip_frontal_moment", "knee_frontal_moment")
TRANSVERSE = ("hip_rotation_moment", "knee_rotation_moment")
TITLES = {
    "hip_moment": "Hip moment (+ extensor)",
    "knee_moment": "Knee moment (+ extensor)",
    "ankle_moment": "Ankle moment (+ plantarflexor)",
    "hip_power": "Hip power (+ generation)",
    "knee_power": "Knee power (+ generation)",
    "ankle_power": "Ankle power (+ generation)",
    "hip_frontal_moment": "Hip frontal moment (+ abductor)",
    "knee_frontal_moment": "Knee frontal moment (+ abductor)",
    "hip_rotation_moment": "Hip rotation moment (+ internal rotator)",
    "knee_rotation_moment": "Knee rotation moment (+ internal rotator)",
}
SHORT_TITLES = {
    "hip_moment": "Hip moment (+ ext.)",
    "knee_moment": "Knee moment (+ ext.)",
    "ankle_moment": "Ankle moment (+ plantarfl.)",
    "hip_power": "Hip power (+ gen.)",
    "knee_power": "Knee power (+ gen.)",
    "ankle_power": "Ankle power (+ gen.)",
    "hip_frontal_moment": "Hip frontal (+ abd.)",
    "knee_frontal_moment": "Knee frontal (+ abd.)",
    "hip_rotation_moment": "Hip rotation (+ int.)",
    "knee_rotation_moment": "Knee rotation (+ int.)",
}

# de Leva 1996, Table 4: mass fraction of the body, centre of mass from the proximal end (foot:
# from the heel) as a fraction of the segment length, sagittal radius of gyration / length.
SEGMENTS: dict[str, dict[str, tuple[float, float, float]]] = {
    "male": {"thigh": (0.1416, 0.4095, 0.329), "shank": (0.0433, 0.4459, 0.255),
             "foot": (0.0137, 0.4415, 0.257)},
    "female": {"thigh": (0.1478, 0.3612, 0.369), "shank": (0.0481, 0.4416, 0.271),
               "foot": (0.0129, 0.4014, 0.299)},
}


@dataclass
class KineticCycle:
    """One gait cycle's moments (N m/kg) and powers (W/kg), ``(101,)`` each, by variable."""

    side: Side
    start_s: float
    end_s: float
    stance_pct: float
    curves: dict[str, NDArray[np.float64]]

    def peaks(self) -> dict[str, float]:
        """Clinical peaks: the largest extensor/plantarflexor moment and generation, and the
        largest absorption."""
        out = {}
        for name, y in self.curves.items():
            out[f"{name}_max"] = float(np.nanmax(y))
            out[f"{name}_min"] = float(np.nanmin(y))
        return out


@dataclass
class KineticsResult:
    """Kinetic gait cycles per side, or the reason there are none."""

    cycles: list[KineticCycle] = field(default_factory=list)
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    def mean(self, side: Side, variable: str) -> NDArray[np.float64] | None:
        ys = [c.curves[variable] for c in self.cycles if c.side == side]
        return None if not ys else np.nanmean(np.stack(ys), axis=0)

    def summary(self) -> dict[str, dict[str, float]]:
        """Per side: the mean over its cycles of each peak, and ``n`` cycles."""
        out: dict[str, dict[str, float]] = {}
        for side in ("left", "right"):
            cyc = [c for c in self.cycles if c.side == side]
            if cyc:
                peaks = [c.peaks() for c in cyc]
                out[side] = {k: float(np.mean([p[k] for p in peaks])) for k in peaks[0]}
                out[side]["n"] = float(len(cyc))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "cycles": [
                {"side": c.side, "start_s": round(c.start_s, 4), "end_s": round(c.end_s, 4),
                 "stance_pct": round(c.stance_pct, 1)}
                for c in self.cycles
            ],
            "summary": {
                s: {k: round(v, 3) for k, v in m.items()} for s, m in self.summary().items()
            },
            "reason": self.reason,
            "notes": list(self.notes),
            "units": {"moment": "N m/kg", "power": "W/kg"},
        }


PEAKS = (
    ("hip_moment_max", "Hip extensor moment, peak", "N m/kg"),
    ("hip_moment_min", "Hip flexor moment, peak", "N m/kg"),
    ("knee_moment_max", "Knee extensor moment, peak", "N m/kg"),
    ("ankle_moment_max", "Ankle plantarflexor moment, peak", "N m/kg"),
    ("hip_power_max", "Hip power generation, peak", "W/kg"),
    ("knee_power_min", "Knee power absorption, peak", "W/kg"),
    ("ankle_power_max", "Ankle power generation, peak", "W/kg"),
    ("hip_frontal_moment_max", "Hip abductor moment, peak", "N m/kg"),
    ("knee_frontal_moment_max", "Knee abductor (valgus) moment, peak", "N m/kg"),
)
"""The kinetic peaks a gait report lists: summary key, label, unit (flexor moments and
absorption are negative)."""


def peak_rows(kinetics: KineticsResult, speed_group: str = "Free") -> list[dict[str, Any]]:
    """The :data:`PEAKS` as rows: ``{label, unit, left, right, normal}`` (means over each
    side's cycles; ``normal`` the peak of the normal mean curve for ``speed_group``)."""
    from lmm_desktop.analysis.normative import kinetic_band

    summary = kinetics.summary()
    rows = []
    for key, label, unit in PEAKS:
        var, kind = key.rsplit("_", 1)
        mean = kinetic_band(var, speed_group).mean
        rows.append({
            "label": label,
            "unit": unit,
            "left": (summary.get("left") or {}).get(key),
            "right": (summary.get("right") or {}).get(key),
            "normal": float(mean.max() if kind == "max" else mean.min()),
        })
    return rows


def compute_kinetics(
    points: BodyPoints,
    plates: list[ForcePlate],
    analysis: ForcePlateAnalysis,
    events: list[Event],
    *,
    mass_kg: float | None,
    sex: str | None = None,
    rotation: NDArray[np.float64] | None = None,
) -> KineticsResult:
    """Sagittal hip, knee and ankle moments and powers over each gait cycle that starts with a
    clean contact.

    Parameters
    ----------
    points
        Body points in the Y-up frame (``hip_*``, ``knee_*``, ``ankle_*``, ``heel_*``, ``toe_*``
        and the pelvis markers), as the analysis uses them.
    plates, analysis
        The trial's force plates (lab frame) and their contacts.
    events
        The gait events the analysis used: the next heel strike of the side ends each cycle.
    mass_kg
        Body mass; without it nothing is computed (the segments' masses follow from it).
    rotation
        The markers' lab frame to the points' Y-up frame (``lab_rotation``), identity if None.
    """
    if mass_kg is None:
        return KineticsResult(reason="the body mass is needed for joint moments and powers")
    rot = np.eye(3) if rotation is None else np.asarray(rotation, float)
    table = SEGMENTS.get(sex or "")
    if table is None:
        table = {
            k: tuple((a + b) / 2 for a, b in zip(SEGMENTS["male"][k], SEGMENTS["female"][k],
                                                  strict=True))  # type: ignore[misc]
            for k in SEGMENTS["male"]
        }
    by_number = {p.number: p for p in plates}
    out = KineticsResult()
    why: list[str] = []
    prepared: dict[int, _Plate] = {}
    for contact in analysis.clean:
        assert contact.side is not None
        plate = by_number.get(contact.plate)
        if plate is None:
            continue
        if plate.number not in prepared:  # filtered once, not once per cycle
            prepared[plate.number] = _prepare(plate, plate.number in analysis.offsets)
        cycle, problem = _cycle(
            points, prepared[plate.number], contact, events, mass_kg, table, rot
        )
        if cycle is not None:
            out.cycles.append(cycle)
        elif problem:
            why.append(f"{contact.side} contact at {contact.start_s:.2f} s: {problem}")
    if not out.cycles:
        out.reason = "; ".join(why) or "no clean force-plate contact"
    else:
        out.notes += why
        out.notes.append(
            "sagittal inverse dynamics (de Leva 1996 segments"
            + ("" if sex in SEGMENTS else ", male and female mean")
            + "; markers and forces filtered at 6 Hz)"
        )
    return out


@dataclass
class _Plate:
    """A plate's ground reaction ready for the cycles: filtered, offset removed, centre of
    pressure held across its unloaded gaps."""

    time: NDArray[np.float64]
    grf: NDArray[np.float64]
    cop: NDArray[np.float64]
    free: NDArray[np.float64]
    """``(n, 3)`` free moment vector on the body (about the plate's up), N m, lab frame."""


def _prepare(plate: ForcePlate, remove_offset: bool) -> _Plate:
    grf = plate.grf
    if remove_offset:  # not zeroed: as the contacts were timed
        from lmm_desktop.analysis.force_plates import plate_offset

        grf = grf - plate_offset(plate)
    cop, _ = fill_nan(plate.cop)
    free, _ = fill_nan(np.asarray(plate.free_moment, float))
    free3 = lowpass(free, plate.rate_hz, FILTER_HZ)[:, None] * np.asarray(plate.up, float)
    return _Plate(plate.time, lowpass(grf, plate.rate_hz, FILTER_HZ), cop, free3)


def _cycle(
    points: BodyPoints,
    plate: _Plate,
    contact: PlateContact,
    events: list[Event],
    mass: float,
    table: dict[str, tuple[float, float, float]],
    rot: NDArray[np.float64],
) -> tuple[KineticCycle | None, str | None]:
    side = contact.side
    assert side is not None
    s = "r" if side == "right" else "l"
    strikes = sorted(
        e.time_s for e in events
        if e.label == HEEL_STRIKE and e.side == side and e.time_s > contact.end_s
    )
    if not strikes:
        return None, "no next heel strike of that foot in the trial (the cycle is incomplete)"
    t0, t1 = contact.start_s, strikes[0]
    if t1 - t0 > 2.5:
        return None, "the next heel strike is more than 2.5 s later"
    time = points.time
    needed = [f"{n}_{s}" for n in ("hip", "knee", "ankle", "heel", "toe")]
    if not all(points.has(n) for n in needed):
        return None, "hip, knee, ankle, heel or toe points are missing"
    rate = float(1.0 / np.median(np.diff(time)))
    pad = int(0.2 * rate)  # filter and differentiate on a margin around the cycle
    i0 = max(0, int(np.searchsorted(time, t0)) - pad)
    i1 = min(len(time), int(np.searchsorted(time, t1)) + pad + 1)
    t = time[i0:i1]
    raw = {n.split("_")[0]: points.point(n)[i0:i1] for n in needed}
    inside = (t >= t0) & (t <= t1)
    if any(not np.isfinite(v[inside]).all() for v in raw.values()):
        return None, "a marker is missing during the cycle"
    # plane of progression: forward = the heel's horizontal travel over the cycle's stride
    up = np.array([0.0, 1.0, 0.0])
    fwd = _forward(raw, inside)
    if fwd is None:
        return None, "the direction of progression is unclear"
    pelvis = _pelvis_angle(points, i0, i1, fwd, up, rate)
    # the ground reaction at the markers' times; zero while the foot is off
    a, b = np.searchsorted(plate.time, [t[0], t[-1]])
    a, b = max(0, int(a) - 1), min(len(plate.time), int(b) + 1)  # only the cycle's samples
    if b - a < 2:
        a, b = 0, len(plate.time)
    pt, pg, pc, pf = plate.time[a:b], plate.grf[a:b], plate.cop[a:b], plate.free[a:b]
    g3 = np.column_stack([np.interp(t, pt, pg[:, j]) for j in range(3)]) @ rot.T
    c3 = np.column_stack([np.interp(t, pt, pc[:, j]) for j in range(3)]) @ rot.T
    f3 = np.column_stack([np.interp(t, pt, pf[:, j]) for j in range(3)]) @ rot.T
    on = (t >= contact.start_s) & (t <= contact.end_s)
    g3[~on] = 0.0
    f3[~on] = 0.0
    curves: dict[str, NDArray[np.float64]] = {}
    # sagittal: forward and up. The moment on the distal segment, positive counter-clockwise
    # (from forward towards up), is dorsiflexor at the ankle, extensor at the knee and flexor at
    # the hip; clinical signs make extensor and plantarflexor positive.
    moments, omega = _newton_euler(raw, g3, c3, fwd, up, table, mass, rate, foot_turns=True)
    omega["pelvis"] = pelvis
    sign = {"ankle": -1.0, "knee": 1.0, "hip": -1.0}
    rel = {
        "ankle": omega["foot"] - omega["shank"],
        "knee": omega["shank"] - omega["thigh"],
        "hip": omega["thigh"] - omega["pelvis"],
    }
    for j in ("hip", "knee", "ankle"):
        curves[f"{j}_moment"] = resample_cycle(sign[j] * moments[j][inside] / mass, N_POINTS)
        curves[f"{j}_power"] = resample_cycle(moments[j][inside] * rel[j][inside] / mass,
                                              N_POINTS)
    # frontal: outward (away from the body's midline on this side) and up. Positive
    # counter-clockwise moves a segment's lower end outward: an abductor moment at the hip and
    # a valgus (abductor) one at the knee, as Plug-in-Gait signs them. The foot, nearly edge-on
    # in this plane, counts as a point mass.
    outward = np.cross(up, fwd) * (1.0 if side == "left" else -1.0)
    frontal, _ = _newton_euler(raw, g3, c3, outward, up, table, mass, rate, foot_turns=False)
    for j in ("hip", "knee"):
        curves[f"{j}_frontal_moment"] = resample_cycle(frontal[j][inside] / mass, N_POINTS)
    # transverse: the 3D moments about the thigh's and the shank's long axes; about the upward
    # long axis a positive moment turns a right leg's toes inward, a left leg's outward
    moments3, axes = newton_euler_3d(raw, g3, c3, f3, table, mass, rate)
    inward = 1.0 if side == "right" else -1.0
    for j, seg in (("hip", "thigh"), ("knee", "shank")):
        about = inward * np.sum(moments3[j] * axes[seg], axis=1)
        curves[f"{j}_rotation_moment"] = resample_cycle(about[inside] / mass, N_POINTS)
    stance_pct = 100.0 * (contact.end_s - t0) / (t1 - t0)
    return KineticCycle(side, t0, t1, stance_pct, curves), None


def _newton_euler(
    raw: dict[str, NDArray[np.float64]],
    grf3: NDArray[np.float64],
    cop3: NDArray[np.float64],
    x_axis: NDArray[np.float64],
    up: NDArray[np.float64],
    table: dict[str, tuple[float, float, float]],
    mass: float,
    rate: float,
    *,
    foot_turns: bool,
) -> tuple[dict[str, NDArray[np.float64]], dict[str, NDArray[np.float64]]]:
    """Joint moments on the distal segments (N m) and segment angular velocities (rad/s) in the
    plane of ``x_axis`` and ``up``, from the foot up (Winter's bottom-up Newton-Euler)."""
    xy = {k: lowpass(_plane(v, x_axis, up), rate, FILTER_HZ) for k, v in raw.items()}
    force = np.column_stack([grf3 @ x_axis, grf3 @ up])  # on the foot from the ground, N
    point = np.column_stack([cop3 @ x_axis, cop3 @ up])  # where it acts, m
    moment = np.zeros(len(force))  # moment on the current segment from below, N m
    dt = 1.0 / rate
    moments: dict[str, NDArray[np.float64]] = {}
    omega: dict[str, NDArray[np.float64]] = {}
    segs = [("foot", "heel", "toe"), ("shank", "knee", "ankle"), ("thigh", "hip", "knee")]
    for name, prox, dist in segs:
        frac, com_frac, gyr = table[name]
        m = frac * mass
        a, b = xy[prox], xy[dist]
        length = np.linalg.norm(b - a, axis=1)
        com = a + com_frac * (b - a)
        acc = np.gradient(np.gradient(com, dt, axis=0), dt, axis=0)
        angle = np.unwrap(np.arctan2(b[:, 1] - a[:, 1], b[:, 0] - a[:, 0]))
        w = np.gradient(angle, dt)
        alpha = np.gradient(w, dt)
        inertia = m * (gyr * np.nanmedian(length)) ** 2
        if name == "foot" and not foot_turns:
            inertia, alpha, w = 0.0, np.zeros_like(alpha), np.zeros_like(w)
        joint = xy["ankle"] if name == "foot" else a  # the foot turns about the ankle
        # Newton: m a = F_joint + F_below + m g
        f_joint = m * acc - force - np.array([0.0, -m * G])
        # Euler about the centre of mass: I alpha = M_joint + M_below + r_j x F_j + r_b x F_b
        m_joint = (
            inertia * alpha - moment - _cross(joint - com, f_joint) - _cross(point - com, force)
        )
        moments[{"foot": "ankle", "shank": "knee", "thigh": "hip"}[name]] = m_joint
        omega[name] = w
        force, point, moment = -f_joint, joint, -m_joint  # the segment above gets the reaction
    return moments, omega


def newton_euler_3d(
    raw: dict[str, NDArray[np.float64]],
    grf3: NDArray[np.float64],
    cop3: NDArray[np.float64],
    free3: NDArray[np.float64],
    table: dict[str, tuple[float, float, float]],
    mass: float,
    rate: float,
) -> tuple[dict[str, NDArray[np.float64]], dict[str, NDArray[np.float64]]]:
    """3D joint moments on the distal segments (``(n, 3)`` N m, Y up) and the segments' unit
    long axes (distal to proximal; the foot's toe to heel), from the foot up.

    Each segment is a rod: its angular momentum is the transverse inertia (de Leva's radius of
    gyration) times the angular velocity of its long axis, ``u x du/dt``; the spin about that
    axis is not followed. ``free3`` is the plate's free moment on the foot.
    """
    p = {k: lowpass(v, rate, FILTER_HZ) for k, v in raw.items()}
    dt = 1.0 / rate
    force, point, moment = grf3, cop3, free3
    weight = np.array([0.0, -G, 0.0])
    moments: dict[str, NDArray[np.float64]] = {}
    axes: dict[str, NDArray[np.float64]] = {}
    for name, prox, dist in (("foot", "heel", "toe"), ("shank", "knee", "ankle"),
                             ("thigh", "hip", "knee")):
        frac, com_frac, gyr = table[name]
        m = frac * mass
        a, b = p[prox], p[dist]
        length = np.linalg.norm(a - b, axis=1)
        u = (a - b) / length[:, None]
        com = a + com_frac * (b - a)
        acc = np.gradient(np.gradient(com, dt, axis=0), dt, axis=0)
        alpha = np.cross(u, np.gradient(np.gradient(u, dt, axis=0), dt, axis=0))
        inertia = m * (gyr * float(np.nanmedian(length))) ** 2
        joint = p["ankle"] if name == "foot" else a
        f_joint = m * acc - force - m * weight
        m_joint = (inertia * alpha - moment - np.cross(joint - com, f_joint)
                   - np.cross(point - com, force))
        moments[{"foot": "ankle", "shank": "knee", "thigh": "hip"}[name]] = m_joint
        axes[name] = u
        force, point, moment = -f_joint, joint, -m_joint
    return moments, axes


def _cross(r: NDArray[np.float64], f: NDArray[np.float64]) -> NDArray[np.float64]:
    return r[:, 0] * f[:, 1] - r[:, 1] * f[:, 0]


def _plane(p: NDArray[np.float64], fwd: NDArray[np.float64], up: NDArray[np.float64]) -> Any:
    return np.column_stack([p @ fwd, p @ up])


def _forward(raw: dict[str, NDArray[np.float64]], inside: NDArray[np.bool_]) -> Any:
    heel = raw["heel"][inside]
    v = heel[-1] - heel[0]
    if np.linalg.norm([v[0], v[2]]) < 0.3:  # a treadmill: the foot's own direction instead
        v = np.nanmean(raw["toe"][inside] - raw["heel"][inside], axis=0)
    v = np.array([v[0], 0.0, v[2]])
    n = float(np.linalg.norm(v))
    return None if not np.isfinite(n) or n < 1e-6 else v / n


def _pelvis_angle(
    points: BodyPoints, i0: int, i1: int, fwd: NDArray[np.float64], up: NDArray[np.float64],
    rate: float,
) -> NDArray[np.float64]:
    """Sagittal angular velocity of the pelvis (rad/s), zero when its markers are missing."""
    names = ("asis_r", "asis_l", "psis_r", "psis_l")
    if not all(points.has(n) for n in names):
        return np.zeros(i1 - i0)
    asis = (points.point("asis_r") + points.point("asis_l"))[i0:i1] / 2
    psis = (points.point("psis_r") + points.point("psis_l"))[i0:i1] / 2
    v = lowpass(_plane(asis - psis, fwd, up), rate, FILTER_HZ)
    if not np.isfinite(v).all():
        return np.zeros(i1 - i0)
    angle = np.unwrap(np.arctan2(v[:, 1], v[:, 0]))
    return np.asarray(np.gradient(angle, 1.0 / rate), dtype=float)


__all__ = ["FRONTAL", "TITLES", "TRANSVERSE", "VARIABLES", "KineticCycle", "KineticsResult",
           "compute_kinetics", "newton_euler_3d"]
