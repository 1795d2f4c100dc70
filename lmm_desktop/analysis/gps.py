"""Gait Profile Score (GPS) and Gait Variable Scores (GVS, the Movement Analysis Profile).

Baker R, McGinley JL, Schwartz MH, et al. (2009). The Gait Profile Score and Movement Analysis
Profile. Gait Posture 30:265-269. GVS = RMS difference over the gait cycle between the subject's
mean curve and the reference mean (here the speed-matched Schwartz 2008 mean, in OpenSim
conventions); GPS = RMS of the GVS. The nine variables per side: pelvic tilt, obliquity, rotation;
hip flexion, abduction, rotation; knee flexion; ankle dorsiflexion; foot progression. The overall
GPS pools both sides' GVS (pelvis counted once per side, as in Baker et al.).

When a variable is unavailable (foot progression needs heel and toe points; a joint the source
lacks) the GPS is computed over the available ones and the missing ones are listed with a reason:
such a GPS is not directly comparable with published 9-variable values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lmm_desktop.analysis.cycles import CycleCurves
from lmm_desktop.analysis.normative import normative_band
from lmm_desktop.core.trial import Side

GPS_VARIABLES: tuple[tuple[str, str], ...] = (
    ("pelvis_tilt", "Pelvic tilt"),
    ("pelvis_list", "Pelvic obliquity"),
    ("pelvis_rotation", "Pelvic rotation"),
    ("hip_flexion", "Hip flexion"),
    ("hip_adduction", "Hip abduction"),
    ("hip_rotation", "Hip rotation"),
    ("knee_angle", "Knee flexion"),
    ("ankle_angle", "Ankle dorsiflexion"),
    ("foot_progression", "Foot progression"),
)
"""Baker et al.'s nine variables: (our variable, clinical name)."""

_SIDED = ("hip_flexion", "hip_adduction", "hip_rotation", "knee_angle", "ankle_angle")


@dataclass
class GaitProfile:
    """GVS per side and variable (degrees), GPS per side and overall, and what was left out."""

    gvs: dict[Side, dict[str, float]]
    gps: dict[Side, float | None]
    gps_overall: float | None
    speed_group: str
    missing: dict[str, str] = field(default_factory=dict)
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(float(v), 3)

        return {
            "gvs": {s: {k: r(v) for k, v in d.items()} for s, d in self.gvs.items()},
            "gps": {s: r(v) for s, v in self.gps.items()},
            "gps_overall": r(self.gps_overall),
            "speed_group": self.speed_group,
            "missing": dict(self.missing),
            "variables": [name for name, _ in GPS_VARIABLES],
            "reason": self.reason,
        }


def _curve_key(var: str, s: str) -> str:
    return f"{var}_{s}" if var in _SIDED else var


def _band_key(var: str, s: str) -> str:
    return var if var in ("pelvis_tilt", *_SIDED) else f"{var}_{s}"


def gait_profile_score(curves: CycleCurves, *, speed_group: str = "Free") -> GaitProfile:
    """Compute GVS for each available variable and side, and the GPS.

    Parameters
    ----------
    curves
        Output of :func:`~lmm_desktop.analysis.cycles.cycle_curves`.
    speed_group
        Schwartz 2008 speed group of the reference (see ``normative.speed_group``).
    """
    gvs: dict[Side, dict[str, float]] = {"right": {}, "left": {}}
    missing: dict[str, str] = {}
    sides: tuple[tuple[Side, str], ...] = (("right", "r"), ("left", "l"))
    for side, s in sides:
        if not curves.windows.get(side):
            continue
        for var, label in GPS_VARIABLES:
            stats = curves.get(side, _curve_key(var, s))
            if stats is None or not np.isfinite(stats.mean).all():
                missing[f"{label} ({side})"] = (
                    "needs heel and toe points"
                    if var == "foot_progression"
                    else "not provided by the source kinematics"
                )
                continue
            ref = normative_band(_band_key(var, s), speed_group).mean  # (101,) degrees
            gvs[side][var] = float(np.sqrt(np.mean((stats.mean - ref) ** 2)))
    gps: dict[Side, float | None] = {
        side: float(np.sqrt(np.mean(np.square(list(v.values()))))) if v else None
        for side, v in gvs.items()
    }
    pooled = [x for v in gvs.values() for x in v.values()]
    overall = float(np.sqrt(np.mean(np.square(pooled)))) if pooled else None
    reason = None if pooled else (curves.reason or "no gait cycle with usable kinematics")
    return GaitProfile(gvs, gps, overall, speed_group, missing, reason)
