"""Gait Profile Score (GPS) and Gait Variable Scores (GVS, the Movement Analysis Profile).

Baker R, McGinley JL, Schwartz MH, et al. (2009). The Gait Profile Score and Movement Analysis
Profile. Gait Posture 30:265-269. GVS = RMS difference over the gait cycle between the subject's
mean curve and the reference mean (here the speed-matched Schwartz 2008 mean, in OpenSim
conventions); GPS = RMS of the GVS. The nine variables per side: pelvic tilt, obliquity, rotation;
hip flexion, abduction, rotation; knee flexion; ankle dorsiflexion; foot progression. The overall
GPS pools both sides' GVS (pelvis counted once per side, as in Baker et al.).

Pelvic tilt and hip flexion are compared in the Plug-in-Gait pelvis frame: shifted by the
pelvis-frame offset measured on the trial's ASIS/PSIS points (``CycleCurves.pig_equivalent``; the
maths is in :mod:`~lmm_desktop.analysis.normative_map`). Without that offset the two GVS carry the
OpenSim-vs-PiG frame difference (10-17 deg), and the result says so in ``notes``.

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
    pelvis_frame_offset_deg: float | None = None
    notes: list[str] = field(default_factory=list)

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
            "pelvis_frame_offset_deg": r(self.pelvis_frame_offset_deg),
            "notes": list(self.notes),
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
            stats = curves.pig_equivalent(side, _curve_key(var, s))
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
    offset = curves.pelvis_frame_offset_deg
    notes = []
    if pooled and offset is None:
        notes.append(
            "pelvic tilt and hip flexion are compared in the OpenSim pelvis frame (no ASIS/PSIS "
            "points to measure its offset from the Plug-in-Gait frame): their GVS may be "
            "10-17 deg too high"
        )
    elif pooled and offset is not None:
        notes.append(
            f"pelvic tilt and hip flexion shifted by the measured pelvis-frame offset "
            f"({offset:+.1f} deg) to the Plug-in-Gait frame of the reference"
        )
    return GaitProfile(gvs, gps, overall, speed_group, missing, reason, offset, notes)
