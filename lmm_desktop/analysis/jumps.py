"""Two-footed jumps (countermovement, squat or drop jumps, repeated hops): height, flight,
landing.

Rules (``JUMP_RULE``):

- each foot's lowest point (the lower of its heel and toe) is measured above its own floor level
  (its 5th percentile height over the trial), 15 Hz low-pass (take-off and landing are sharp);
- a **flight** is a run of at least 0.15 s (at most 1 s: a 1.2 m jump) with both feet more
  than 2 cm above the floor, the pelvis rising at least 3 cm above its standing height and
  falling freely (the curvature of its height between -15 and -5 m/s^2, about -g), whose
  take-off and landing are two-footed: the feet leave the floor within 100 ms
  of each other and come back within 100 ms (running leaves from one foot and lands on the
  other, half a stride apart);
- **jump height**, two ways: from the flight time, g t^2 / 8 (the force-plate convention; the
  2 cm threshold shortens the flight by a few milliseconds, about 1-2 cm of height), and from
  the pelvis: its highest point in the flight minus its standing height (median over the quiet
  frames, both feet down and the pelvis still);
- the **countermovement** depth: the pelvis's lowest point in the second before take-off below
  standing;
- the **landing**, over the 0.5 s after touch-down: each knee's peak flexion and when, the knee
  to ankle separation ratio at the deeper knee's peak (below 1: the knees closer together than
  the ankles, the knees-in of dynamic valgus), and the time between the two feet's touch-downs.

- a **reactive** jump, one that takes off at most 1 s after landing (from a drop off a box, or
  from the previous jump of a series): the ground contact time from that landing to the take-off
  and the reactive strength index, RSI = jump height (m, from the flight time) / contact time
  (s); after a drop, the box's height (where both feet stood before stepping off). The 2 cm
  threshold lengthens the contact and shortens the flight by some 10-20 ms each, so the RSI of
  a 0.3 s contact reads up to ~15 % low (compare a patient's RSI with their own, or with
  values measured the same way). A drop jump's RSI is a return-to-sport and plyometric
  measure; no clinical norm is applied.

Findings: a landing knee flexion asymmetry (limb symmetry index under 90 %, as for squats), and
knees in at landing (separation ratio under 0.9, this app's screening rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.activity import MotionSignals, fill_nan, lowpass, true_runs
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import CANONICAL_JOINTS, Kinematics

JUMPS = "jumps"
G = 9.81
OFF_FLOOR_M = 0.02
MIN_FLIGHT_S = 0.15
MAX_FLIGHT_S = 1.0
BALLISTIC_M_S2 = (-15.0, -5.0)
"""In a flight the body falls freely: the pelvis height's curvature (a parabola fitted to the
middle 60 % of the flight, 6 Hz low-pass) lies near -g. Walking's pelvis, rising and falling a
few centimetres a step, curves about 1 m/s^2."""
MIN_RISE_M = 0.03
"""In a flight the pelvis rises above its standing height (a 3 cm jump is a small one); feet
that only seem off the floor while the pelvis is low (a model's feet in a deep squat) are not
a jump."""
TWO_FOOTED_S = 0.10
MAX_CONTACT_S = 1.0
"""A take-off at most this long after landing (from a box or a previous jump) is a reactive
jump, with a contact time and a reactive strength index; a drop jump's contact is 0.2-0.6 s."""
MIN_DROP_M = 0.10
"""Both feet standing at least this high before stepping off: a drop from a box."""
LANDING_S = 0.5
LSI_MIN_PCT = 90.0
KNEES_IN_RATIO = 0.9
JUMP_RULE = (
    "flight: both feet's lowest points > 2 cm above the floor for 0.15-1 s, the pelvis >= 3 cm "
    "above standing and falling freely (curvature -15 to -5 m/s^2), the feet leaving and "
    "landing within 100 ms of each other; height = g t^2 / 8 from the flight time, and the "
    "pelvis's peak over its standing height; landing: knee flexion peaks and the knees' "
    "separation over the 0.5 s after touch-down"
)


@dataclass(frozen=True)
class Jump:
    """One jump: take-off and landing (s) and its measures (see the module doc)."""

    index: int
    takeoff_s: float
    landing_s: float
    measures: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "takeoff_s": round(self.takeoff_s, 4),
                "landing_s": round(self.landing_s, 4),
                "measures": {k: round(v, 4) for k, v in self.measures.items()}}


@dataclass
class JumpAnalysis:
    """The jumps of a trial and what to look at."""

    jumps: list[Jump]
    rule: str = JUMP_RULE
    notes: list[str] = field(default_factory=list)

    def mean(self, key: str) -> float | None:
        v = [j.measures[key] for j in self.jumps if key in j.measures]
        return float(np.mean(v)) if v else None

    def best(self, key: str) -> float | None:
        v = [j.measures[key] for j in self.jumps if key in j.measures]
        return float(max(v)) if v else None

    def landing_symmetry_pct(self) -> float | None:
        r, left = self.mean("landing_knee_flexion_deg_r"), self.mean("landing_knee_flexion_deg_l")
        if r is None or left is None or max(r, left) <= 0:
            return None
        return 100.0 * max(min(r, left), 0.0) / max(r, left)

    @property
    def findings(self) -> list[dict[str, str]]:
        out = []
        lsi = self.landing_symmetry_pct()
        if lsi is not None and lsi < LSI_MIN_PCT:
            r, left = self.mean("landing_knee_flexion_deg_r"), self.mean(
                "landing_knee_flexion_deg_l")
            assert r is not None and left is not None
            out.append({
                "key": "landing_symmetry",
                "message": (f"Landing knee flexion asymmetric: right {r:.0f}, left {left:.0f} "
                            f"deg (symmetry {lsi:.0f} %, less on the "
                            f"{'right' if r < left else 'left'})"),
                "rule": f"limb symmetry index under {LSI_MIN_PCT:.0f} %",
            })
        ratio = self.mean("landing_knee_ankle_ratio")
        if ratio is not None and ratio < KNEES_IN_RATIO:
            out.append({
                "key": "knees_in_landing",
                "message": (f"Knees closer together than the ankles on landing (separation "
                            f"ratio {ratio:.2f})"),
                "rule": (f"knee-to-ankle separation ratio under {KNEES_IN_RATIO} at the peak "
                         "knee flexion of landing (dynamic knee valgus; this app's screening "
                         "rule)"),
            })
        return out

    def to_dict(self) -> dict[str, Any]:
        def r4(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {
            "jumps": [j.to_dict() for j in self.jumps],
            "n_jumps": len(self.jumps),
            "best_height_flight_cm": r4(self.best("height_flight_cm")),
            "best_height_pelvis_cm": r4(self.best("height_pelvis_cm")),
            "mean_flight_s": r4(self.mean("flight_s")),
            "landing_symmetry_pct": r4(self.landing_symmetry_pct()),
            "best_rsi": r4(self.best("rsi")),
            "mean_contact_s": r4(self.mean("contact_s")),
            "findings": self.findings,
            "rule": self.rule,
            "notes": list(self.notes),
        }


FOOT_FILTER_HZ = 15.0
"""Take-off and landing are sharp: the feet's heights are low-passed at 15 Hz, not the 6 Hz of
the slower signals, which would spread the flight by some 20 ms (2 cm of height)."""


def foot_heights(points: BodyPoints, rate: float) -> dict[str, NDArray[np.float64]] | None:
    """Each foot's lowest point (heel or toe) above its floor level, m, 15 Hz low-pass; None
    without heels and toes."""
    out = {}
    for s in ("r", "l"):
        names = [n for n in (f"heel_{s}", f"toe_{s}") if points.has(n)]
        if len(names) < 2:
            return None
        both = np.stack([points.point(n)[:, 1] for n in names])  # (2, n) heel and toe heights
        if not np.isfinite(both).any():
            return None
        y = np.where(np.isfinite(both).any(axis=0), np.nanmin(np.where(
            np.isfinite(both), both, np.inf), axis=0), np.nan)
        y = lowpass(fill_nan(y), rate, FOOT_FILTER_HZ)
        out[s] = y - float(np.percentile(y, 5))
    return out


def _angle(kin: Kinematics | None, name: str) -> NDArray[np.float64] | None:
    if kin is None or not kin.present[CANONICAL_JOINTS.index(name)]:
        return None
    a = kin.angle(name)
    return a if np.isfinite(a).any() else None


def find_jumps(
    points: BodyPoints | None, sig: MotionSignals, kin: Kinematics | None = None
) -> JumpAnalysis | None:
    """The two-footed jumps of a trial (None when there is none or no feet to see)."""
    if points is None or points.n_frames != len(sig.time):
        return None
    rate = sig.rate_hz
    feet = foot_heights(points, rate)
    if feet is None:
        return None
    t = sig.time
    up_r, up_l = feet["r"] > OFF_FLOOR_M, feet["l"] > OFF_FLOOR_M
    still = (~up_r) & (~up_l) & (np.abs(sig.vy) < 0.05)
    standing = float(np.median(sig.height[still])) if still.any() else float(
        np.percentile(sig.height, 50))
    jumps: list[Jump] = []
    notes: list[str] = []
    n = len(t)
    for a, b in true_runs(up_r & up_l):
        flight = float(t[b - 1] - t[a]) + 1.0 / rate
        if not MIN_FLIGHT_S <= flight <= MAX_FLIGHT_S or a == 0 or b >= n:
            continue
        if float(np.max(sig.height[a:b])) - standing < MIN_RISE_M:
            continue
        curvature = _curvature(sig, a, b)
        if not BALLISTIC_M_S2[0] <= curvature <= BALLISTIC_M_S2[1]:
            continue
        # each foot's own take-off and landing: where it left / reached 2 cm around the run
        offs, ons = [], []
        for up in (up_r, up_l):
            k = a
            while k > 0 and up[k - 1]:
                k -= 1
            offs.append(k)
            e = b - 1
            while e < n - 1 and up[e + 1]:
                e += 1
            ons.append(e + 1)
        if (abs(t[offs[0]] - t[offs[1]]) > TWO_FOOTED_S
                or abs(t[min(ons[0], n - 1)] - t[min(ons[1], n - 1)]) > TWO_FOOTED_S):
            notes.append(f"{t[a]:.2f} s: both feet off the floor, but they left or landed more "
                         "than 100 ms apart (running, a hop from one foot): not a jump")
            continue
        land = min(b, n - 1)
        m: dict[str, float] = {
            "flight_s": flight,
            "height_flight_cm": 100.0 * G * flight ** 2 / 8.0,
            "height_pelvis_cm": 100.0 * (float(np.max(sig.height[a:b])) - standing),
            "landing_gap_ms": 1000.0 * abs(float(t[min(ons[0], n - 1)] - t[min(ons[1], n - 1)])),
        }
        before = slice(max(0, a - int(rate)), a + 1)
        m["countermovement_cm"] = 100.0 * (standing - float(np.min(sig.height[before])))
        m.update(_reactive(feet, up_r & up_l, min(offs), t, m["height_flight_cm"]))
        after = slice(land, min(n, land + int(LANDING_S * rate) + 1))
        peaks = {}
        for s in ("r", "l"):
            knee = _angle(kin, f"knee_angle_{s}")
            if knee is not None and np.isfinite(knee[after]).any():
                k = int(np.nanargmax(knee[after]))
                m[f"landing_knee_flexion_deg_{s}"] = float(knee[after][k])
                m[f"time_to_peak_flexion_s_{s}"] = float(t[after][k] - t[land])
                peaks[s] = after.start + k
        deepest = max(peaks, key=lambda s: m[f"landing_knee_flexion_deg_{s}"], default=None)
        ratio = _knee_ankle_ratio(points, peaks[deepest] if deepest else land + int(0.1 * rate))
        if ratio is not None:
            m["landing_knee_ankle_ratio"] = ratio
        jumps.append(Jump(len(jumps) + 1, float(t[a]), float(t[land]), m))
    return JumpAnalysis(jumps, notes=notes) if jumps else None


def _reactive(feet: dict[str, NDArray[np.float64]], both_up: NDArray[np.bool_], off: int,
              t: NDArray[np.float64], height_cm: float) -> dict[str, float]:
    """A jump straight out of a landing (a drop jump off a box, or a hop of a series): the
    ground contact from that landing to this take-off (``contact_s``, when at most
    :data:`MAX_CONTACT_S`), the reactive strength index (``rsi``: the jump height in m over the
    contact time in s) and, after a drop from a box, its height (``drop_height_cm``: where both
    feet stood before stepping off, above the floor)."""
    up_before = np.flatnonzero(both_up[:off])
    if not len(up_before):
        return {}
    landed = int(up_before[-1]) + 1
    contact = float(t[off] - t[landed])
    if not 0 < contact <= MAX_CONTACT_S:
        return {}
    out = {"contact_s": contact, "rsi": height_cm / 100.0 / contact}
    start = landed - 1
    while start > 0 and both_up[start - 1]:
        start -= 1
    if t[landed] - t[start] > MAX_FLIGHT_S:  # not a flight: standing on something
        half_s = round(0.5 * (len(t) - 1) / (t[-1] - t[0]))  # frames; the step off and the fall
        stood = np.minimum(feet["r"], feet["l"])[start:max(start + 1, landed - half_s)]
        box = float(np.median(stood))
        if box >= MIN_DROP_M:
            out["drop_height_cm"] = 100.0 * box
    return out


def _curvature(sig: MotionSignals, a: int, b: int) -> float:
    """Twice the quadratic coefficient of a parabola fitted to the pelvis height over the middle
    60 % of frames a..b (m/s^2; NaN with fewer than 5 frames)."""
    k = max(0, int(0.2 * (b - a)))
    t, h = sig.time[a + k : b - k], sig.height[a + k : b - k]
    if len(t) < 5:
        return float("nan")
    return float(2.0 * np.polyfit(t - t[0], h, 2)[0])


def _knee_ankle_ratio(points: BodyPoints, i: int) -> float | None:
    """The knees' distance over the ankles' along the hip line (horizontal), at frame ``i``."""
    i = min(max(i, 0), points.n_frames - 1)
    try:
        hr, hl, kr, kl, ar, al = (points.point(n)[i] for n in (
            "hip_r", "hip_l", "knee_r", "knee_l", "ankle_r", "ankle_l"))
    except KeyError:
        return None
    lat = np.array([hl[0] - hr[0], 0.0, hl[2] - hr[2]])
    norm = float(np.linalg.norm(lat))
    if not np.isfinite(norm) or norm < 1e-6:
        return None
    lat /= norm
    width = float((al - ar) @ lat)
    if not np.isfinite(width) or width < 0.02:
        return None
    return float((kl - kr) @ lat) / width
