"""Joint angles straight from the markers of a marker-only trial (.c3d, .trc).

Most clinical .c3d files hold marker trajectories and nothing else; without joint angles the app
could show no curves, no gait-cycle comparison with the normal bands, no Gait Profile Score and
no assistant. This module computes the lower-body angles a gait laboratory reads first, from the
body points :func:`~lmm_desktop.analysis.markers.body_points_from_markers` finds (any of the
marker sets it knows: Plug-in-Gait, CAST/Qualisys, OpenCap, the OpenSim tutorial set):

- **pelvis** (ASIS and PSIS markers): a Plug-in-Gait-like anatomical frame (Z from left to right
  ASIS, X forwards from the PSIS midpoint, Y up), its orientation as OpenSim's pelvis tilt, list
  and rotation (body-fixed Z-X-Y) relative to the direction the person faces in the trial's
  first second (a lab's axes are arbitrary), and its position;
- **hip joint centres**: the markers' when the set has them (``RHJC``), else Harrington et al.
  (2007, J Biomech 40:595-602) regression from pelvis width and depth;
- **hip flexion and adduction**: the thigh (hip centre to knee) in the pelvis frame;
- **knee flexion**: the angle from the thigh to the shank (knee to ankle) in the thigh's
  sagittal plane, hyperextension negative;
- **ankle dorsiflexion**: 90 degrees minus the angle between the shank and the line from the
  heel to the forefoot (metatarsal heads when the set has them, else the toe marker, which
  Plug-in-Gait places on the second metatarsal head): 0 with the foot at a right angle to the
  shank; the heel and forefoot markers are assumed at the same height above the sole.

With only lateral knee and ankle markers (Plug-in-Gait ``KNE`` and ``ANK`` without medial ones)
the knee and ankle points sit a few centimetres lateral of the joint centres, so hip adduction
reads a few degrees towards abduction. Hip rotation, subtalar, toe, trunk, neck and arm angles
need markers or a model this method does not use: they stay missing (NaN, ``present`` False),
never zero. The angles follow OpenSim's
sign conventions (flexion, adduction and dorsiflexion positive) but come from marker-defined
frames, so pelvic tilt and hip flexion can differ from an OpenSim inverse kinematics of the same
trial by a constant offset; the kinematics carry a note saying so.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.canonical import JOINT_INDEX, N_JOINTS, Kinematics
from lmm_desktop.core.trial import Trial

NOTE = (
    "joint angles computed from the markers (pelvis, hips, knees, ankles; marker-defined "
    "frames, so pelvic tilt and hip flexion may carry a constant offset against OpenSim "
    "inverse kinematics); hip rotation, feet, trunk and arms are missing"
)

# Harrington et al. 2007: hip joint centre in the pelvis frame (x anterior, y superior, z
# lateral), millimetres, from pelvis depth PD (ASIS to PSIS midpoints) and width PW (ASIS-ASIS).
HARRINGTON_MM = {"x": (-0.24, "PD", -9.9), "y": (-0.30, "PW", -10.9), "z": (0.33, "PW", 7.3)}


def _unit(v: NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _angle_deg(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Angle between row vectors, degrees."""
    cos = np.sum(_unit(a) * _unit(b), axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def pelvis_frame(
    asis_r: NDArray[np.float64],
    asis_l: NDArray[np.float64],
    psis_r: NDArray[np.float64],
    psis_l: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Origin (ASIS midpoint, ``(n, 3)``) and axes (``(n, 3, 3)``, rows X anterior, Y superior,
    Z to the right) of the marker pelvis frame in a Y-up lab."""
    mid_asis = (asis_r + asis_l) / 2
    z = _unit(asis_r - asis_l)
    forward = mid_asis - (psis_r + psis_l) / 2
    y = _unit(np.cross(z, forward))
    x = np.cross(y, z)
    return mid_asis, np.stack([x, y, z], axis=1)


def harrington_hip_centres(
    asis_r: NDArray[np.float64],
    asis_l: NDArray[np.float64],
    psis_r: NDArray[np.float64],
    psis_l: NDArray[np.float64],
    frame: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Right and left hip joint centres (``(n, 3)`` metres) by Harrington et al. (2007), with
    the trial's median pelvis width and depth (``frame``: the pelvis frame when already made)."""
    origin, axes = frame if frame is not None else pelvis_frame(asis_r, asis_l, psis_r, psis_l)
    pw = float(np.nanmedian(np.linalg.norm(asis_r - asis_l, axis=1))) * 1000.0
    pd = float(
        np.nanmedian(np.linalg.norm((asis_r + asis_l) / 2 - (psis_r + psis_l) / 2, axis=1))
    ) * 1000.0
    size = {"PW": pw, "PD": pd}
    local = np.array([a * size[k] + b for a, k, b in HARRINGTON_MM.values()]) / 1000.0  # m
    out = []
    for sign in (1.0, -1.0):  # right: +z, left: -z
        loc = local * np.array([1.0, 1.0, sign])
        out.append(origin + np.einsum("nij,i->nj", axes, loc))
    return out[0], out[1]


def _facing_yaw(axes: NDArray[np.float64], time: NDArray[np.float64]) -> float:
    """Heading (radians about the vertical) the pelvis faces over the trial's first second."""
    x = axes[:, 0, :]  # (n, 3) the pelvis' forward axis in the lab
    ok = np.isfinite(x).all(axis=1)
    first = ok & (time <= time[ok][0] + 1.0) if ok.any() else ok
    if not first.any():
        return 0.0
    fwd = x[first].mean(axis=0)
    if np.hypot(fwd[0], fwd[2]) < 1e-6:
        return 0.0
    return float(np.arctan2(-fwd[2], fwd[0]))


def _pelvis_angles(axes: NDArray[np.float64], yaw: float = 0.0) -> NDArray[np.float64]:
    """OpenSim pelvis tilt, list, rotation (degrees, body-fixed Z-X-Y) of the frame ``axes``
    (rows = the pelvis axes in the lab), the lab turned by ``-yaw`` about the vertical first so
    that the direction the person faces at the start is +X: a lab's axes are arbitrary, and
    OpenSim's tilt is about the lab's Z axis."""
    c, s = np.cos(-yaw), np.sin(-yaw)
    turn = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])  # rotation about Y by -yaw
    axes = axes @ turn.T
    r = np.transpose(axes, (0, 2, 1))  # columns = axes: R maps pelvis to lab
    lst = np.arcsin(np.clip(r[:, 2, 1], -1.0, 1.0))
    tilt = np.arctan2(-r[:, 0, 1], r[:, 1, 1])
    rot = np.arctan2(-r[:, 2, 0], r[:, 2, 2])
    return np.degrees(np.stack([tilt, lst, rot], axis=1))


def _knee_flexion(
    thigh: NDArray[np.float64], shank: NDArray[np.float64], pelvis_z: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Knee flexion (degrees, hyperextension negative): the angle from thigh to shank in the
    thigh's sagittal plane, whose normal is the pelvis' left-right axis made perpendicular to
    the thigh. Out-of-plane parts (lateral knee and ankle markers sit off the joint centres) are
    dropped, so the sign cannot flip near full extension."""
    t = _unit(thigh)
    lat = _unit(pelvis_z - np.sum(pelvis_z * t, axis=1, keepdims=True) * t)
    s = shank - np.sum(shank * lat, axis=1, keepdims=True) * lat
    sin = -np.sum(np.cross(t, _unit(s)) * lat, axis=1)
    cos = np.sum(t * _unit(s), axis=1)
    return np.degrees(np.arctan2(sin, cos))


def marker_kinematics(points: BodyPoints) -> Kinematics | None:
    """Canonical kinematics (lower body and pelvis) from marker body points, or None when the
    markers do not hold a pelvis (both ASIS and both PSIS) and a knee and ankle on a side."""
    p = {name: points.positions[:, k, :] for k, name in enumerate(points.names)}
    pelvis_keys = ("asis_r", "asis_l", "psis_r", "psis_l")
    if any(k not in p or not np.isfinite(p[k]).any() for k in pelvis_keys):
        return None
    asis_r, asis_l, psis_r, psis_l = (p[k] for k in pelvis_keys)
    origin, axes = pelvis_frame(asis_r, asis_l, psis_r, psis_l)
    hip_est = harrington_hip_centres(asis_r, asis_l, psis_r, psis_l, (origin, axes))
    n = points.n_frames
    angles = np.full((n, N_JOINTS), np.nan)
    present = np.zeros(N_JOINTS, dtype=bool)
    hips = []
    for k, s in enumerate(("r", "l")):
        hip = p.get(f"hip_{s}")
        if hip is None or not np.isfinite(hip).any():
            hip = hip_est[k]
        hips.append(hip)
        knee, ankle = p.get(f"knee_{s}"), p.get(f"ankle_{s}")
        if knee is None or ankle is None or not np.isfinite(knee).any():
            continue
        thigh = knee - hip
        local = np.einsum("nij,nj->ni", axes, _unit(thigh))  # thigh direction, pelvis frame
        flex = np.degrees(np.arctan2(local[:, 0], -local[:, 1]))
        lateral = local[:, 2] if s == "r" else -local[:, 2]
        add = np.degrees(np.arcsin(np.clip(-lateral, -1.0, 1.0)))
        knee_deg = _knee_flexion(thigh, ankle - knee, axes[:, 2, :])
        cols = {f"hip_flexion_{s}": flex, f"hip_adduction_{s}": add, f"knee_angle_{s}": knee_deg}
        heel = p.get(f"heel_{s}")
        fore = p.get(f"mtp_{s}")  # the forefoot: metatarsal heads (the toes bend at the MTP)
        if fore is None or not np.isfinite(fore).any():
            fore = p.get(f"toe_{s}")
        if heel is not None and fore is not None and np.isfinite(fore).any():
            cols[f"ankle_angle_{s}"] = 90.0 - _angle_deg(knee - ankle, fore - heel)
        for name, val in cols.items():
            angles[:, JOINT_INDEX[name]] = val
            present[JOINT_INDEX[name]] = bool(np.isfinite(val).any())
    if not present.any():
        return None
    translation = (hips[0] + hips[1]) / 2
    kin = Kinematics(
        angles=angles,
        present=present,
        pelvis_rotation=_pelvis_angles(axes, _facing_yaw(axes, points.time)),
        pelvis_translation=np.where(np.isfinite(translation), translation, origin),
        pelvis_present=True,
        notes=[NOTE],
        from_markers=True,
    )
    return kin


def with_marker_kinematics(trial: Trial, points: BodyPoints | None = None) -> Trial:
    """``trial`` with joint angles from its markers when it has markers and no angles (the same
    object, changed in place; unchanged when the markers hold no pelvis or legs). When the file
    gave some angles itself (a .c3d's Plug-in-Gait outputs: ``from_markers`` kinematics), those
    are kept and only the pelvis and the joints they lack are added from the markers."""
    given = trial.kinematics
    if (given is not None and not given.from_markers) or trial.markers is None:
        return trial
    if given is not None and given.pelvis_present and given.present.sum() >= 8:
        return trial  # nothing the markers would add
    if points is None:
        from lmm_desktop.analysis.markers import body_points_from_markers
        from lmm_desktop.core.errors import AnalysisError

        try:
            points = body_points_from_markers(trial.markers)
        except AnalysisError:
            return trial
    if points.n_frames != trial.n_frames:
        return trial
    kin = marker_kinematics(points)
    if kin is None:
        return trial
    complete_hips(points)
    if given is None:
        trial.kinematics = kin
        return trial
    angles, present = given.angles.copy(), given.present.copy()
    add = kin.present & ~present
    angles[:, add] = kin.angles[:, add]
    present |= add
    trial.kinematics = Kinematics(
        angles=angles,
        present=present,
        pelvis_rotation=given.pelvis_rotation if given.pelvis_present else kin.pelvis_rotation,
        pelvis_translation=(
            given.pelvis_translation if given.pelvis_present else kin.pelvis_translation
        ),
        pelvis_present=True,
        notes=list(given.notes),
        from_markers=True,
    )
    return trial


def complete_hips(points: BodyPoints) -> None:
    """Fill missing hip joint centres of marker body points with the Harrington estimate and
    draw the thighs and the pelvis (in place): the 3D view then shows whole legs, and the leg
    length (for the speed-matched normal data) can be measured."""
    names = ("asis_r", "asis_l", "psis_r", "psis_l")
    if not all(points.has(n) for n in (*names, "hip_r", "hip_l")):
        return
    asis_r, asis_l, psis_r, psis_l = (points.point(n) for n in names)
    est = harrington_hip_centres(asis_r, asis_l, psis_r, psis_l)
    for side, hip in zip(("r", "l"), est, strict=True):
        have = points.point(f"hip_{side}")
        missing = ~np.isfinite(have).all(axis=1)
        have[missing] = hip[missing]
    wanted = [
        ("hip_r", "knee_r", "right_leg"),
        ("hip_l", "knee_l", "left_leg"),
        ("hip_r", "hip_l", "torso"),
        ("asis_r", "asis_l", "torso"),
        ("asis_r", "psis_r", "torso"),
        ("asis_l", "psis_l", "torso"),
        ("psis_r", "psis_l", "torso"),
    ]
    for seg in wanted:
        if seg not in points.segments:
            points.segments.append(seg)
