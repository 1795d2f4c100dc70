"""Force-plate gait analysis: foot contacts, the gait events they time, and the ground reaction.

A plate's vertical force above 20 N marks a contact (the threshold of most gait laboratories;
Zeni et al. 2008 compared kinematic detectors against it). Each contact is given to the foot
whose heel-to-toe line lies under its centre of pressure, and it is *clean* when that foot alone
loaded the plate, all of it on the plate, from touch-down to lift-off inside the recording: only
clean contacts time gait events and give stance figures, as a gait laboratory uses them.

Per clean contact: stance time, the vertical force's two peaks and the valley between them, the
loading rate (from 20 % to 80 % of the first peak), the braking and propulsive peaks and impulses
along the foot's direction, in newtons and, with the body mass known, in body weights. Force-plate
events also check the gait events the analysis used: the time between each and the nearest used
event of the same kind and side.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis._signal import lowpass, resample_cycle
from lmm_desktop.analysis.markers import marker_columns
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Event, ForcePlate, MarkerSet, Side, Trial

G = 9.81
CONTACT_THRESHOLD_N = 20.0
MIN_CONTACT_S = 0.12
MERGE_GAP_S = 0.02
FOOT_TO_COP_MAX_M = 0.15
MATCH_WINDOW_S = 0.15
FILTER_HZ = 50.0
STILL_M_S = 1.5
OFFSET_WARN_N = 5.0
MAX_OFFSET_N = 60.0
NO_MASS_NOTE = "the body mass is not known: forces are in newtons, not body weights"
SIDES: tuple[Side, ...] = ("left", "right")


STANCE_FIGURES: tuple[tuple[str, str, str], ...] = (
    ("stance", "Stance time", "s"),
    ("first_peak", "Vertical 1st peak", "F"),
    ("valley", "Vertical valley", "F"),
    ("second_peak", "Vertical 2nd peak", "F"),
    ("loading_rate", "Loading rate", "F/s"),
    ("braking_peak", "Braking peak", "F"),
    ("propulsive_peak", "Propulsive peak", "F"),
    ("braking_impulse", "Braking impulse", "F s"),
    ("propulsive_impulse", "Propulsive impulse", "F s"),
)
"""Stance figure key -> label and kind: 's' seconds, 'F' a force, 'F/s' a rate, 'F s' an
impulse (F: N, or BW with the body mass)."""


@dataclass(frozen=True)
class PlateContact:
    """One foot contact on one plate.

    ``side`` is None when no foot could be matched; ``clean`` says whether the contact times
    events and gives stance figures, ``reason`` why not. ``metrics`` (clean contacts) are in N,
    s, N/s and N s, with ``*_bw`` twins in body weights when the mass is known. ``curve`` is the
    ground reaction over stance, ``(101, 3)`` vertical, anterior-posterior (forward positive) and
    medio-lateral (towards the foot's side positive), N.
    """

    plate: int
    start_s: float
    end_s: float
    side: Side | None
    clean: bool
    reason: str | None
    peak_n: float
    metrics: dict[str, float] = field(default_factory=dict)
    curve: NDArray[np.float64] | None = None

    @property
    def stance_s(self) -> float:
        return self.end_s - self.start_s

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "plate": self.plate,
            "start_s": round(self.start_s, 4),
            "end_s": round(self.end_s, 4),
            "side": self.side,
            "clean": self.clean,
            "peak_n": round(self.peak_n, 1),
        }
        if self.reason:
            out["reason"] = self.reason
        if self.metrics:
            out["metrics"] = {k: round(v, 4) for k, v in self.metrics.items()}
        return out


@dataclass
class ForcePlateAnalysis:
    """The contacts of every plate, the events they time and their agreement with the analysis."""

    contacts: list[PlateContact]
    body_weight_n: float | None
    agreement: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    """``{'detected' | 'file': event_agreement(...)}``."""
    notes: list[str] = field(default_factory=list)
    offsets: dict[int, float] = field(default_factory=dict)
    """Plate number -> the vertical force it read unloaded (N), when beyond 5 N (removed)."""

    @property
    def clean(self) -> list[PlateContact]:
        return [c for c in self.contacts if c.clean]

    @property
    def events(self) -> list[Event]:
        """Foot strike and foot off of every clean contact (``raw_label='force plate'``)."""
        out = []
        for c in self.clean:
            assert c.side is not None
            out.append(Event(HEEL_STRIKE, c.side, c.start_s, "detected", "force plate"))
            out.append(Event(TOE_OFF, c.side, c.end_s, "detected", "force plate"))
        return sorted(out, key=lambda e: e.time_s)

    def summary(self) -> dict[str, dict[str, float]]:
        """Mean of each stance figure per side over the clean contacts."""
        out: dict[str, dict[str, float]] = {}
        for side in ("left", "right"):
            rows = [c.metrics for c in self.clean if c.side == side]
            if not rows:
                continue
            keys = sorted({k for r in rows for k in r})
            out[side] = {
                k: float(np.mean([r[k] for r in rows if k in r])) for k in keys
            } | {"n": float(len(rows))}
        return out

    def with_body_weight(self, body_weight_n: float | None) -> ForcePlateAnalysis:
        """The same contacts with their figures also in body weights of ``body_weight_n`` (the
        newton figures, the timing and the agreement do not depend on it)."""
        contacts = []
        for c in self.contacts:
            m = {k: v for k, v in c.metrics.items() if "_bw" not in k}
            if body_weight_n:
                m |= {
                    k.replace("_n", "_bw", 1): v / body_weight_n
                    for k, v in list(m.items())
                    if k != "stance_s"
                }
            contacts.append(replace(c, metrics=m))
        notes = [n for n in self.notes if n != NO_MASS_NOTE]
        if not body_weight_n and any(c.clean for c in contacts):
            notes.append(NO_MASS_NOTE)
        return ForcePlateAnalysis(
            contacts=contacts,
            body_weight_n=body_weight_n or None,
            agreement=dict(self.agreement),
            notes=notes,
            offsets=dict(self.offsets),
        )

    def stance_table(self) -> list[dict[str, Any]]:
        """The stance figures as display rows: ``{label, unit, left, right, decimals}`` (means
        over the clean contacts; a side None when it had none), forces in body weights when the
        mass is known, else newtons."""
        bw = self.body_weight_n is not None
        unit = "BW" if bw else "N"
        summary = self.summary()
        rows = []
        for key, label, kind in STANCE_FIGURES:
            if kind == "s":
                name, shown, digits = "stance_s", "s", 3
            else:
                suffix = "" if kind == "F" else "_s"
                name = f"{key}_{'bw' if bw else 'n'}{suffix}"
                shown = kind.replace("F", unit)
                digits = {"F": (2, 0), "F/s": (1, 0), "F s": (3, 1)}[kind][0 if bw else 1]
            vals = [summary.get(side, {}).get(name) for side in ("left", "right")]
            if any(v is not None for v in vals):
                rows.append(
                    {"label": label, "unit": shown, "left": vals[0], "right": vals[1],
                     "decimals": digits}
                )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "body_weight_n": None if self.body_weight_n is None else round(self.body_weight_n, 1),
            # unrounded: a reader formats them to their ``decimals`` once, as the window does
            "stance_table": self.stance_table(),
            "contacts": [c.to_dict() for c in self.contacts],
            "summary": {
                s: {k: round(v, 4) for k, v in m.items()} for s, m in self.summary().items()
            },
            "agreement": self.agreement,
            "notes": list(self.notes),
        }


def analyze_force_plates(trial: Trial) -> ForcePlateAnalysis | None:
    """Contacts and stance figures of the trial's force plates, or None without plates."""
    if not trial.force_plates:
        return None
    mass = trial.subject.mass_kg
    bw = None if mass is None else mass * G
    feet = _feet(trial.markers)
    contacts: list[PlateContact] = []
    notes: list[str] = []
    offsets: dict[int, float] = {}
    for plate in trial.force_plates:
        offset = plate_offset(plate)
        if abs(float(offset @ plate.up)) > OFFSET_WARN_N:
            offsets[plate.number] = float(offset @ plate.up)
            notes.append(
                f"plate {plate.number} reads {float(offset @ plate.up):+.0f} N with nobody on it; "
                "that offset was removed before the contacts were timed"
            )
            plate = replace(plate, grf=plate.grf - offset)
        contacts += _contacts(plate, feet, bw)
    if feet is None:
        notes.append(
            "no heel and toe markers found, so contacts cannot be given to a foot; no force-plate "
            "events"
        )
    if bw is None and any(c.clean for c in contacts):
        notes.append(NO_MASS_NOTE)
    contacts.sort(key=lambda c: c.start_s)
    return ForcePlateAnalysis(contacts=contacts, body_weight_n=bw, notes=notes, offsets=offsets)


def plate_offset(plate: ForcePlate) -> NDArray[np.float64]:
    """What a plate reads with nobody on it: ``(3,)`` N, the median of each component over its
    quietest 30 % of samples (a plate is unloaded most of a walking trial; an amplifier that
    was not zeroed shows here)."""
    vert = plate.grf @ plate.up
    if len(vert) < 10:
        return np.zeros(3)
    quiet = np.argsort(np.abs(vert - np.median(vert)))[: max(5, int(0.3 * len(vert)))]
    low = vert <= np.percentile(vert, 30)  # the low side: the unloaded plate, not the stance
    idx = np.intersect1d(quiet, np.flatnonzero(low))
    if idx.size < 5:
        idx = np.flatnonzero(low)
    offset = np.asarray(np.median(plate.grf[idx], axis=0), dtype=float)
    level = float(offset @ plate.up)
    # an amplifier offset is tens of newtons under a plate that is also loaded; a plate loaded
    # all along (someone standing on it) has no unloaded level to read
    if abs(level) > MAX_OFFSET_N or float(vert.max()) - level < 200.0:
        return np.zeros(3)
    return offset


def event_agreement(
    plates: ForcePlateAnalysis, used: list[Event]
) -> dict[str, dict[str, float]]:
    """How far each force-plate event is from the nearest used event of the same kind and side.

    Returns ``{'heel_strike': {'n', 'mean_ms', 'mean_abs_ms', 'max_abs_ms'}, 'toe_off': ...}``
    with the difference signed as used minus force plate (positive: the analysis is late).
    """
    out: dict[str, dict[str, float]] = {}
    for label in (HEEL_STRIKE, TOE_OFF):
        diffs = []
        for ev in plates.events:
            if ev.label != label:
                continue
            cands = [
                e.time_s - ev.time_s
                for e in used
                if e.label == label and e.side == ev.side and e.raw_label != "force plate"
            ]
            if not cands:
                continue
            d = min(cands, key=abs)
            if abs(d) <= MATCH_WINDOW_S * 2:
                diffs.append(d * 1000.0)
        if diffs:
            arr = np.array(diffs)
            out[label] = {
                "n": float(len(arr)),
                "mean_ms": round(float(arr.mean()), 1),
                "mean_abs_ms": round(float(np.abs(arr).mean()), 1),
                "max_abs_ms": round(float(np.abs(arr).max()), 1),
            }
    return out


def describe_agreement(agreement: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """One sentence per source (``'detected'``, ``'file'``) of :attr:`ForcePlateAnalysis.
    agreement`: the mean signed and absolute distance of its foot strikes and foot offs from the
    force plates' timing."""
    out = []
    for source, stats in agreement.items():
        who = "Detected gait events" if source == "detected" else "The file's gait events"
        parts = [
            f"{'foot strike' if lab == HEEL_STRIKE else 'foot off'} {s['mean_ms']:+.0f} ms "
            f"(mean absolute {s['mean_abs_ms']:.0f} ms, {int(s['n'])} contact(s))"
            for lab, s in stats.items()
        ]
        out.append(f"{who} against the force plates (20 N): {'; '.join(parts)}.")
    return out


def refine_events(
    events: list[Event], plates: ForcePlateAnalysis
) -> tuple[list[Event], int, int]:
    """Time the detected events by the force plates: each detected event near a force-plate
    event (same kind and side, within 150 ms) takes the plate's timing, and a force-plate event
    the detector missed is added. Returns the events, how many were re-timed and how many added.
    """
    out = list(events)
    replaced = added = 0
    for ev in plates.events:
        best, best_d = None, MATCH_WINDOW_S
        for i, e in enumerate(out):
            if e.source != "detected" or e.label != ev.label or e.side != ev.side:
                continue
            d = abs(e.time_s - ev.time_s)
            if d <= best_d:
                best, best_d = i, d
        if best is not None:
            out[best] = ev
            replaced += 1
        else:
            out.append(ev)
            added += 1
    return sorted(out, key=lambda e: (e.time_s, e.source)), replaced, added


# ---- contacts ---------------------------------------------------------------------------------
@dataclass
class _Feet:
    """Heel and toe trajectories per side in the lab frame, on the markers' time base."""

    time: NDArray[np.float64]
    heel: dict[str, NDArray[np.float64]]
    toe: dict[str, NDArray[np.float64]]
    _speed: dict[int, NDArray[np.float64]] = field(default_factory=dict)
    _floor: dict[tuple[int, bytes], float] = field(default_factory=dict)

    def speed(self, traj: NDArray[np.float64]) -> NDArray[np.float64]:
        """``(n,)`` m/s of a marker trajectory (computed once per trajectory)."""
        key = id(traj)
        if key not in self._speed:
            self._speed[key] = np.linalg.norm(np.gradient(traj, self.time, axis=0), axis=1)
        return self._speed[key]

    def standing_height(self, traj: NDArray[np.float64], up: NDArray[np.float64]) -> float:
        """The marker's height along ``up`` when the foot is on the floor (5th percentile)."""
        key = (id(traj), up.tobytes())
        if key not in self._floor:
            h = traj @ up
            self._floor[key] = float(np.nanpercentile(h, 5)) if np.isfinite(h).any() else np.nan
        return self._floor[key]


def _feet(markers: MarkerSet | None) -> _Feet | None:
    if markers is None:
        return None
    cols = marker_columns(markers)
    heel: dict[str, NDArray[np.float64]] = {}
    toe: dict[str, NDArray[np.float64]] = {}
    for side, s in (("left", "l"), ("right", "r")):
        for part, store in (("heel", heel), ("toe", toe)):
            if f"{part}_{s}" in cols:
                store[side] = markers.positions[:, cols[f"{part}_{s}"], :].mean(axis=1)
    if not (heel.keys() & toe.keys()):
        return None
    return _Feet(time=np.asarray(markers.time, float), heel=heel, toe=toe)


def _runs(mask: NDArray[np.bool_], rate: float) -> list[tuple[int, int]]:
    """``[start, end)`` sample ranges where mask holds, short gaps merged, short runs dropped."""
    if not mask.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    merged: list[tuple[int, int]] = []
    for a, b in runs:
        if merged and a - merged[-1][1] <= MERGE_GAP_S * rate:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return [(a, b) for a, b in merged if (b - a) / rate >= MIN_CONTACT_S]


def _contacts(plate: ForcePlate, feet: _Feet | None, bw: float | None) -> list[PlateContact]:
    grf = lowpass(plate.grf, plate.rate_hz, FILTER_HZ)  # (n, 3) N
    up = plate.up
    vert = grf @ up  # (n,) N
    out = []
    for a, b in _runs(vert > CONTACT_THRESHOLD_N, plate.rate_hz):
        start, end = float(plate.time[a]), float(plate.time[b - 1])
        peak = float(vert[a:b].max())
        reason: str | None = None
        side: Side | None = None
        if a == 0:
            reason = "the foot was already on the plate when the recording began"
        elif b >= len(vert):
            reason = "the foot was still on the plate when the recording ended"
        if feet is None:
            reason = reason or "no foot markers to tell which foot it was"
        else:
            side, why = _which_foot(plate, feet, a, b)
            reason = reason or why
        metrics: dict[str, float] = {}
        curve = None
        if reason is None and side is not None:
            metrics, curve = _stance(plate, grf[a:b], up, feet, side, (start, end), bw)
        out.append(
            PlateContact(
                plate=plate.number,
                start_s=start,
                end_s=end,
                side=side,
                clean=reason is None and side is not None,
                reason=reason,
                peak_n=peak,
                metrics=metrics,
                curve=curve,
            )
        )
    return out


def _at(feet: _Feet, traj: NDArray[np.float64], t: NDArray[np.float64]) -> NDArray[np.float64]:
    """A foot marker's ``(len(t), 3)`` positions at times ``t`` (linear; NaN outside)."""
    return np.column_stack(
        [np.interp(t, feet.time, traj[:, j], left=np.nan, right=np.nan) for j in range(3)]
    )


def _inside(plate: ForcePlate, p: NDArray[np.float64], margin: float = 0.0) -> NDArray[np.bool_]:
    """Whether points ``(k, 3)`` lie over the plate (its outline grown by ``margin`` metres)."""
    c = plate.corners.mean(axis=0)
    ex = plate.corners[0] - plate.corners[1]
    ey = plate.corners[0] - plate.corners[3]
    hx, hy = np.linalg.norm(ex) / 2, np.linalg.norm(ey) / 2
    d = p - c
    with np.errstate(invalid="ignore"):
        u = np.abs(d @ (ex / (2 * hx)))
        v = np.abs(d @ (ey / (2 * hy)))
        return (u <= hx + margin) & (v <= hy + margin)


def _which_foot(
    plate: ForcePlate, feet: _Feet, a: int, b: int
) -> tuple[Side | None, str | None]:
    """The foot on the plate during samples ``[a, b)`` and, if the contact is not clean, why."""
    t = plate.time[a:b]
    mid = slice(len(t) // 4, max(len(t) // 4 + 1, 3 * len(t) // 4))
    cop = plate.cop[a:b][mid]
    up = plate.up
    tm = t[mid]
    best: tuple[float, Side | None] = (np.inf, None)
    for foot in SIDES:
        if foot not in feet.heel or foot not in feet.toe:
            continue
        h, k = _at(feet, feet.heel[foot], tm), _at(feet, feet.toe[foot], tm)
        d = _segment_distance(cop, h, k, up)
        if np.isfinite(d) and d < best[0]:
            best = (d, foot)
    dist, side = best
    if side is None:
        return None, "the foot markers are missing during the contact"
    if dist > FOOT_TO_COP_MAX_M:
        return None, f"no foot is above the centre of pressure (nearest {dist * 100:.0f} cm)"
    # The whole foot on the plate at mid-stance.
    h, k = _at(feet, feet.heel[side], tm), _at(feet, feet.toe[side], tm)
    if not (_inside(plate, h, 0.02).mean() > 0.8 and _inside(plate, k, 0.02).mean() > 0.8):
        return side, "the foot was partly off the plate"
    other: Side = "right" if side == "left" else "left"
    if other in feet.heel and other in feet.toe and _other_foot_on(plate, feet, other, t):
        return side, "both feet were on the plate"
    return side, None


def _other_foot_on(plate: ForcePlate, feet: _Feet, side: Side, t: NDArray[np.float64]) -> bool:
    """Whether the other foot stood on the plate during ``t``: over it, at its standing height
    and nearly still (a swinging foot passes low over a plate at several metres per second) for
    at least 30 ms."""
    up = plate.up
    surface = float(plate.corners.mean(axis=0) @ up)
    for traj in (feet.heel[side], feet.toe[side]):
        floor = feet.standing_height(traj, up)
        if not np.isfinite(floor):
            continue
        standing = floor - surface + 0.02  # the marker's height on the floor, and a margin
        speed = feet.speed(traj)  # (n,) m/s
        p = _at(feet, traj, t)
        v = np.interp(t, feet.time, speed, left=np.nan, right=np.nan)
        with np.errstate(invalid="ignore"):
            on = _inside(plate, p) & ((p @ up - surface) <= standing) & (v < STILL_M_S)
        if on.sum() >= 0.03 * plate.rate_hz:
            return True
    return False


def _segment_distance(
    p: NDArray[np.float64], a: NDArray[np.float64], b: NDArray[np.float64], up: NDArray[np.float64]
) -> float:
    """Median horizontal distance from points ``p`` to the segments ``a``-``b`` (all ``(k, 3)``)."""
    flat = np.eye(3) - np.outer(up, up)
    p, a, b = p @ flat, a @ flat, b @ flat
    ab = b - a
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
        d = np.linalg.norm(p - (a + s[:, None] * ab), axis=1)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else float("nan")


def _stance(
    plate: ForcePlate,
    grf: NDArray[np.float64],
    up: NDArray[np.float64],
    feet: _Feet | None,
    side: Side,
    span: tuple[float, float],
    bw: float | None,
) -> tuple[dict[str, float], NDArray[np.float64]]:
    """Stance figures and the stance-normalised curve (vertical, AP, ML) of one clean contact."""
    start, end = span
    dt = 1.0 / plate.rate_hz
    vert = grf @ up
    fwd = _forward(feet, side, start, end, up) if feet is not None else None
    if fwd is None:
        fwd = np.zeros(3)
    lat = np.cross(up, fwd)  # points to the left of the walking direction
    lat = lat if side == "left" else -lat
    ap = grf @ fwd
    ml = grf @ lat
    n = len(vert)
    half = n // 2
    i1 = int(np.argmax(vert[:half])) if half > 0 else 0
    i2 = half + int(np.argmax(vert[half:]))
    valley = float(vert[i1 : i2 + 1].min()) if i2 > i1 else float(vert[i1])
    first = float(vert[i1])
    lo = np.flatnonzero(vert[: i1 + 1] >= 0.2 * first)
    hi = np.flatnonzero(vert[: i1 + 1] >= 0.8 * first)
    loading = (
        0.6 * first / ((hi[0] - lo[0]) * dt) if lo.size and hi.size and hi[0] > lo[0] else np.nan
    )
    m: dict[str, float] = {
        "stance_s": end - start,
        "first_peak_n": first,
        "valley_n": valley,
        "second_peak_n": float(vert[i2]),
        "loading_rate_n_s": float(loading),
        "braking_peak_n": float(max(0.0, -ap.min())),
        "propulsive_peak_n": float(max(0.0, ap.max())),
        "braking_impulse_n_s": float(-np.clip(ap, None, 0.0).sum() * dt),
        "propulsive_impulse_n_s": float(np.clip(ap, 0.0, None).sum() * dt),
        "vertical_impulse_n_s": float(vert.sum() * dt),
    }
    if not np.any(fwd):
        for k in ("braking_peak_n", "propulsive_peak_n", "braking_impulse_n_s",
                  "propulsive_impulse_n_s"):
            m.pop(k)
    m = {k: v for k, v in m.items() if np.isfinite(v)}
    if bw is not None:
        for k in list(m):
            if k != "stance_s":
                m[k.replace("_n", "_bw", 1)] = m[k] / bw
    curve = resample_cycle(np.column_stack([vert, ap, ml]), 101)
    return m, curve


def _forward(
    feet: _Feet, side: Side, start: float, end: float, up: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """The stance foot's heel-to-toe direction in the ground plane (unit), or None."""
    if side not in feet.heel or side not in feet.toe:
        return None
    t = np.linspace(start, end, 11)
    v = _at(feet, feet.toe[side], t) - _at(feet, feet.heel[side], t)
    v = np.nanmean(v, axis=0)
    v = v - (v @ up) * up
    norm = float(np.linalg.norm(v))
    if not np.isfinite(norm) or norm < 1e-6:
        return None
    return v / norm


__all__ = [
    "ForcePlateAnalysis",
    "PlateContact",
    "analyze_force_plates",
    "describe_agreement",
    "event_agreement",
    "refine_events",
]
