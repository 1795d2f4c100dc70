"""Body points from raw markers, for gait analysis of marker-only trials (.c3d, .trc).

Maps the common marker-set names onto the :class:`~lmm_desktop.core.body.BodyPoints` landmarks the
gait analysis needs (heels, toes, ankles, pelvis). A point no listed marker provides stays NaN.

Marker sets covered: Plug-in-Gait / Vicon (``LHEE``, ``LTOE``, ``LANK``, ``LPSI`` or ``SACR``,
``LASI``),
OpenCap ``*_study`` markers (``r_calc_study``, ``r_toe_study``, ``r.PSIS_study``, ...),
Qualisys / CAST-style (``R_FCC`` calcaneus, ``R_FM1``/``R_FM5`` metatarsal heads,
``R_FAL``/``R_TAM`` malleoli, ``R_IPS``/``R_IAS`` iliac spines) and the OpenSim tutorial set
(``R.Heel``, ``R.Toe.Tip``, ``R.ASIS``, ``R.PSIS``, ``R.Ankle.Lat``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.body import REQUIRED_POINTS, BodyPoints
from lmm_desktop.core.errors import AnalysisError
from lmm_desktop.core.trial import MarkerSet

# Each body point: alternatives, each a tuple of marker names averaged together. '{S}' is R/L,
# '{s}' is r/l; names are matched case-insensitively.
MARKER_ALIASES: dict[str, tuple[tuple[str, ...], ...]] = {
    "heel": (
        ("{S}HEE",),
        ("{s}_calc_study",),
        ("{S}_FCC",),
        ("{S}.Heel",),
        ("{S}_HEEL",),
        ("{S}HEEL",),
        ("{S}CAL",),
    ),
    "toe": (
        ("{S}TOE",),
        ("{s}_toe_study",),
        ("{S}_FM1", "{S}_FM5"),
        ("{S}_FM2",),
        ("{S}.Toe.Tip",),
        ("{S}.Toe",),
        ("{S}_TOE",),
        ("{S}MT2",),
        ("{S}_FMH",),
    ),
    "mtp": (
        ("{s}_5meta_study", "{s}_toe_study"),
        ("{S}_FM1", "{S}_FM5"),
        ("{S}MT5", "{S}TOE"),
        ("{S}.MT5",),
    ),
    "ankle": (
        ("{S}AJC",),
        ("{s}_ankle_study", "{s}_mankle_study"),
        ("{S}LMAL", "{S}MMAL"),
        ("{S}_FAL", "{S}_TAM"),
        ("{S}ANK", "{S}MED"),
        ("{S}ANK",),
        ("{S}.Ankle.Lat", "{S}.Ankle.Med"),
        ("{S}.Ankle.Lat",),
        ("{S}_FAL",),
        ("{S}.Ankle",),
        ("{S}AL", "{S}AM"),
    ),
    "hip": (("{S}HJC",), ("{S}_HJC",), ("{s}_HJC_study",)),
    "knee": (
        ("{S}KJC",),
        ("{s}_knee_study", "{s}_mknee_study"),
        ("{S}LFC", "{S}MFC"),
        ("{S}_FLE", "{S}_FME"),
        ("{S}KNE", "{S}KNM"),
        ("{S}KNE",),
        ("{S}.Knee.Lat", "{S}.Knee.Med"),
        ("{S}.Knee.Lat",),
        ("{S}_FLE",),
        ("{S}.Knee",),
        ("{S}KL", "{S}KM"),
    ),
    "asis": (
        ("{S}ASI",),
        ("{s}.ASIS_study",),
        ("{S}_IAS",),
        ("{S}.ASIS",),
        ("{S}_ASIS",),
        ("{S}ASIS",),
    ),
    "psis": (
        ("{S}PSI",),
        ("{s}.PSIS_study",),
        ("{S}_IPS",),
        ("{S}.PSIS",),
        ("{S}_PSIS",),
        ("{S}PSIS",),
        # one sacral marker instead of two PSIS (Plug-in-Gait's SACR option): both sides
        ("SACR",),
        ("SACRUM",),
        ("V.Sacral",),
    ),
}

SIDE_SPELLINGS = {"r": ("R", "r"), "l": ("L", "l")}


def _lookup(index: dict[str, int], pattern: tuple[str, ...], s: str) -> list[int] | None:
    out = []
    for name in pattern:
        hit = None
        for S in SIDE_SPELLINGS[s]:
            key = name.replace("{S}", S).replace("{s}", S).lower()
            if key in index:
                hit = index[key]
                break
        if hit is None:
            return None
        out.append(hit)
    return out


def _up_rotation(
    positions: NDArray[np.float64],
    heel_cols: list[int],
    pelvis_cols: list[int],
) -> NDArray[np.float64]:
    """Rotation taking the lab frame to Y up (identity when already Y up)."""
    if not heel_cols or not pelvis_cols:
        return np.eye(3)
    diff = np.nanmean(positions[:, pelvis_cols, :], axis=(0, 1)) - np.nanmean(
        positions[:, heel_cols, :], axis=(0, 1)
    )  # (3,) metres, pelvis above heels
    axis = int(np.nanargmax(np.abs(diff)))
    sign = np.sign(diff[axis])
    if axis == 1:
        return np.eye(3) * np.array([sign, sign, 1.0])[:, None] if sign < 0 else np.eye(3)
    if axis == 2:
        # Z up (x forward, y left): new (x, y, z) = (x, z, -y); Z down flips the vertical.
        rot = np.array([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]])
        return rot if sign > 0 else np.diag([1.0, -1.0, -1.0]) @ rot
    rot = np.array([[0, 0, -1.0], [1.0, 0, 0], [0, -1.0, 0]])  # X up: (x,y,z) -> (-z, x, -y)
    return rot if sign > 0 else np.diag([1.0, -1.0, -1.0]) @ rot


def marker_columns(markers: MarkerSet) -> dict[str, list[int]]:
    """Body point (``heel_r``, ``psis_l``...) -> the marker columns that give it, for every
    point a known marker name provides (:data:`MARKER_ALIASES`)."""
    index = {lab.strip().lower(): i for i, lab in enumerate(markers.labels)}
    cols: dict[str, list[int]] = {}
    for part, alternatives in MARKER_ALIASES.items():
        for s in ("r", "l"):
            for pattern in alternatives:
                found = _lookup(index, pattern, s)
                if found is not None:
                    cols[f"{part}_{s}"] = found
                    break
    return cols


def _heel_pelvis(cols: dict[str, list[int]]) -> tuple[list[int], list[int]]:
    heel = [c for k in ("heel_r", "heel_l") for c in cols.get(k, [])]
    pelvis = [c for k in ("psis_r", "psis_l", "asis_r", "asis_l") for c in cols.get(k, [])]
    return heel, pelvis


def _found_rotation(markers: MarkerSet | None) -> NDArray[np.float64] | None:
    """The lab-to-Y-up rotation, or None without heels and pelvis (or with no finite sample)."""
    if markers is None:
        return None
    heel_cols, pelvis_cols = _heel_pelvis(marker_columns(markers))
    if not heel_cols or not pelvis_cols:
        return None
    with np.errstate(invalid="ignore"):
        rot = _up_rotation(markers.positions, heel_cols, pelvis_cols)
    return rot if np.isfinite(rot).all() else None


def lab_rotation(markers: MarkerSet | None) -> NDArray[np.float64]:
    """The rotation taking the markers' lab frame to Y up (the body points' frame), ``(3, 3)``;
    the identity when the heels or the pelvis cannot be found."""
    rot = _found_rotation(markers)
    return np.eye(3) if rot is None else rot


def lab_up(markers: MarkerSet | None) -> NDArray[np.float64] | None:
    """The lab's upward unit vector in the markers' frame, or None without heel and pelvis."""
    rot = _found_rotation(markers)
    return None if rot is None else np.asarray(rot[1], dtype=float)


def body_points_from_markers(markers: MarkerSet) -> BodyPoints:
    """Build gait landmarks from raw markers (Y up, metres).

    A Z-up (or X-up) lab frame, as in most .c3d files, is detected from where the pelvis markers
    sit above the heels and rotated to the OpenSim convention (Y up).

    Raises
    ------
    AnalysisError
        Neither heel markers nor any pelvis marker could be found under a known name.
    """
    cols = marker_columns(markers)
    heel_cols, pelvis_cols = _heel_pelvis(cols)
    if not heel_cols or not pelvis_cols:
        raise AnalysisError(
            "Cannot find heel and pelvis markers for gait analysis among the markers "
            f"({', '.join(markers.labels[:12])}{', ...' if len(markers.labels) > 12 else ''}); "
            "expected e.g. Plug-in-Gait LHEE/RHEE + LPSI/RPSI, OpenCap r_calc_study + "
            "r.PSIS_study, or Qualisys R_FCC + R_IPS."
        )
    rot = _up_rotation(markers.positions, heel_cols, pelvis_cols)
    pos = markers.positions @ rot.T  # (n_frames, n_markers, 3), metres, Y up
    names = list(REQUIRED_POINTS)
    out = np.full((markers.n_frames, len(names), 3), np.nan)  # (n_frames, n_points, 3), metres
    for key, c in cols.items():
        if key in names:
            out[:, names.index(key), :] = pos[:, c, :].mean(axis=1)
    pelvis = [names.index(k) for k in ("psis_r", "psis_l", "asis_r", "asis_l") if k in cols]
    if pelvis:
        pel = out[:, pelvis, :]  # (n_frames, k, 3) metres
        count = np.isfinite(pel).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(np.isfinite(pel), pel, 0.0).sum(axis=1) / count
        out[:, names.index("pelvis"), :] = np.where(count > 0, mean, np.nan)
    segments = [
        (f"{a}_{s}", f"{b}_{s}", g)
        for s, g in (("r", "right_leg"), ("l", "left_leg"))
        for a, b in (("knee", "ankle"), ("ankle", "heel"), ("heel", "toe"), ("ankle", "toe"))
    ]
    return BodyPoints(
        time=np.asarray(markers.time, float),
        names=names,
        positions=out,
        segments=segments,
        source="markers",
    )
