"""Map a source model's coordinates onto the canonical kinematics (see core/canonical.py).

Canonical sign conventions are those of **LaiUhlrich2022 / Rajagopal2016** (the OpenCap default
model): the joint axes of those models, expressed in the parent body frame, are
:data:`REFERENCE_AXES`. Another model's coordinate keeps its sign when its axis points the same way
and is negated when it points the opposite way.

What each source needs (all verified against the model files, see tests/core/test_mapping.py):

* **LaiUhlrich2022** (opencap-core ``opensimPipeline/Models``): names already canonical; the
  patella coordinates ``knee_angle_*_beta`` are coupled to the knee and dropped; no neck, no wrist.
* **Rajagopal2016**: as LaiUhlrich2022 plus wrist flexion/deviation; no neck.
* **gait2392**: knee axis +Z in the femur (Rajagopal: about -Z) and range -120..10 deg, so the knee
  is negative in flexion -> negated. Its mtp axis (-0.58, 0, 0.81) is opposite to Rajagopal's
  (0.58, 0, -0.81) -> negated too. Hips, ankle, subtalar, lumbar agree.
* **Hamner2010**: the legs are gait2392's. opensim-models ``Pipelines/Hamner/outputReference/
  ResultsIK/subject02_running_ik.mot`` (commit fe161f4) has knee_angle_r down to -103 deg in swing:
  negative in flexion -> negated like gait2392 (mtp assumed as gait2392: same leg model).
* **LaiUhlrich2022_shoulder** (opencap-core, commit 637af74; requested as "LaiArnoldModified2017
  with sh_*": opencap-core's LaiArnoldModified2017 files, incl. ``_isb_shoulder``, use
  arm_flex/add/rot): ``scapulothoracic_*`` only translates (sh_tx/ty/tz, no rotation, offset
  orientations 0), ``glenohumeral_r`` rotates body-fixed about +Y (sh_plane_elev_r), -X
  (sh_elev_r), then (-0.0846, 0.9947, -0.0584) (sh_axial_rot_r); the left side mirrors it. The
  humerus orientation relative to the torso is composed from these and re-extracted in the
  ``acromial`` Z-X-Y sequence (arm_flex about Z, arm_add about +/-X, arm_rot about +/-Y).
  Assumption: the torso and humerus body frames equal LaiUhlrich2022's (same source model).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.canonical import (
    CANONICAL_JOINTS,
    JOINT_INDEX,
    N_JOINTS,
    PELVIS_ROTATIONS,
    PELVIS_TRANSLATIONS,
    Kinematics,
)
from lmm_desktop.core.errors import ModelLoadError
from lmm_desktop.core.rotations import (
    compose_body_fixed,
    euler_from_matrix,
    matrix_from_euler,
)

_LEG_AXES: dict[str, tuple[float, float, float]] = {
    "hip_flexion_r": (0, 0, 1),
    "hip_adduction_r": (1, 0, 0),
    "hip_rotation_r": (0, 1, 0),
    "knee_angle_r": (0, -0.0707, -0.9975),
    "ankle_angle_r": (-0.105, -0.174, 0.9791),
    "subtalar_angle_r": (0.7872, 0.6047, -0.1209),
    "mtp_angle_r": (0.581, 0, -0.8139),
    "hip_flexion_l": (0, 0, 1),
    "hip_adduction_l": (-1, 0, 0),
    "hip_rotation_l": (0, -1, 0),
    "knee_angle_l": (0, 0.0707, -0.9975),
    "ankle_angle_l": (0.105, 0.174, 0.9791),
    "subtalar_angle_l": (-0.7872, -0.6047, -0.1209),
    "mtp_angle_l": (-0.581, 0, -0.8139),
}
_TRUNK_ARM_AXES: dict[str, tuple[float, float, float]] = {
    "lumbar_extension": (0, 0, 1),
    "lumbar_bending": (1, 0, 0),
    "lumbar_rotation": (0, 1, 0),
    "arm_flex_r": (0, 0, 1),
    "arm_add_r": (1, 0, 0),
    "arm_rot_r": (0, 1, 0),
    "elbow_flex_r": (0.226, 0.0223, 0.9739),
    "pro_sup_r": (0.0564, 0.9984, 0.002),
    "wrist_flex_r": (0, 0, 1),
    "wrist_dev_r": (1, 0, 0),
    "arm_flex_l": (0, 0, 1),
    "arm_add_l": (-1, 0, 0),
    "arm_rot_l": (0, -1, 0),
    "elbow_flex_l": (-0.226, -0.0223, 0.9739),
    "pro_sup_l": (-0.0564, -0.9984, 0.002),
    "wrist_flex_l": (0, 0, 1),
    "wrist_dev_l": (-1, 0, 0),
}
REFERENCE_AXES: dict[str, tuple[float, float, float]] = {**_LEG_AXES, **_TRUNK_ARM_AXES}
"""Canonical joint axes (parent body frame, q = 0) of LaiUhlrich2022 (wrist: Rajagopal2016)."""

_FLIP_KNEE_MTP = {
    "knee_angle_r": -1.0,
    "knee_angle_l": -1.0,
    "mtp_angle_r": -1.0,
    "mtp_angle_l": -1.0,
}
MODEL_SIGNS: dict[str, dict[str, float]] = {
    "gait2392": _FLIP_KNEE_MTP,
    "Hamner2010": _FLIP_KNEE_MTP,
}
"""Per-model sign changes to canonical when no .osim is available (+1 for anything not listed)."""

SHOULDER_AXES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "r": ((0, 1, 0), (-1, 0, 0), (-0.0846, 0.9947, -0.0584)),
    "l": ((0, -1, 0), (1, 0, 0), (0.0846, -0.9947, 0.0584)),
}
"""glenohumeral rotation1..3 axes of LaiUhlrich2022_shoulder (plane_elev, elev, axial_rot)."""

_ACROMIAL_SIGNS = {"r": (1.0, 1.0, 1.0), "l": (1.0, -1.0, -1.0)}  # Z, +/-X, +/-Y per side
_SH_NAMES = ("sh_plane_elev", "sh_elev", "sh_axial_rot")
_KNEES = ("knee_angle_r", "knee_angle_l")
_KNEE_CLEAR_DEG = 15.0


@dataclass
class ModelInfo:
    """What :func:`model_info_from_osim` reads from an OpenSim model file.

    Attributes
    ----------
    name
        ``<Model name=...>``.
    coordinates
        Coordinate names in file order.
    ranges
        Coordinate name -> (min, max) as stored (radians for rotations, metres for translations).
    knee_sign
        -1.0 when the knee is negative in flexion (range mostly below zero), +1.0 otherwise.
    signs
        Canonical joint -> +/-1.0 from comparing the joint axis with :data:`REFERENCE_AXES`.
    shoulder_axes
        Side ('r'/'l') -> glenohumeral rotation axes when the model has ``sh_*`` shoulders.
    """

    name: str
    coordinates: list[str]
    ranges: dict[str, tuple[float, float]]
    knee_sign: float = 1.0
    signs: dict[str, float] = field(default_factory=dict)
    shoulder_axes: dict[str, tuple[tuple[float, float, float], ...]] = field(default_factory=dict)
    path: Path | None = None


@dataclass
class MappingResult:
    """Outcome of :func:`map_to_canonical`."""

    kinematics: Kinematics
    model: str
    unmapped: list[str] = field(default_factory=list)
    signs: dict[str, float] = field(default_factory=dict)


def detect_model(names: Sequence[str]) -> str:
    """Best guess of the source model from its coordinate names ('unknown' if unsure).

    Names alone cannot tell Hamner2010 from a Rajagopal2016 export without the patella
    coordinates; :func:`map_to_canonical` checks the knee data for that reason.
    """
    s = set(names)
    if any(n.startswith("sh_plane_elev") for n in s):
        return "LaiUhlrich2022_shoulder"
    if "knee_angle_r_beta" in s and "wrist_flex_r" in s:
        return "Rajagopal2016"
    if "knee_angle_r_beta" in s:
        return "LaiUhlrich2022"
    if "arm_flex_r" in s and "knee_angle_r" in s:
        return "Hamner2010"
    if "knee_angle_r" in s and "lumbar_extension" in s and len(s - {"time"}) <= 23:
        return "gait2392"
    return "unknown"


def model_info_from_osim(path: str | Path) -> ModelInfo:
    """Read coordinate names, ranges and joint-axis signs from an OpenSim ``.osim`` (XML only).

    Raises
    ------
    ModelLoadError
        The file is missing, not XML, or has no ``<Model>``.
    """
    p = Path(path)
    try:
        root = ET.parse(p).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ModelLoadError(
            f"Cannot read the model '{p}': {exc}; expected an OpenSim .osim (XML) file."
        ) from exc
    model = root if root.tag == "Model" else root.find("Model")
    if model is None:
        raise ModelLoadError(
            f"Cannot read the model '{p}': it has no <Model> element; "
            "expected an OpenSim .osim file."
        )
    coords: list[str] = []
    ranges: dict[str, tuple[float, float]] = {}
    for c in model.iter("Coordinate"):
        name = c.get("name")
        if not name or name in ranges:
            continue
        coords.append(name)
        parts = (c.findtext("range") or "").split()
        ranges[name] = (float(parts[0]), float(parts[1])) if len(parts) == 2 else (-np.inf, np.inf)
    axes, shoulders = _joint_axes(model)
    signs = {}
    for cname, ref in REFERENCE_AXES.items():
        if cname in axes:
            dot = float(np.dot(axes[cname], np.asarray(ref) / np.linalg.norm(ref)))
            if abs(dot) > 0.5:
                signs[cname] = 1.0 if dot > 0 else -1.0
    knee = _knee_sign_from_range(ranges.get("knee_angle_r"))
    if knee is None:
        knee = signs.get("knee_angle_r", 1.0)
    return ModelInfo(
        name=model.get("name") or p.stem,
        coordinates=coords,
        ranges=ranges,
        knee_sign=knee,
        signs=signs,
        shoulder_axes=shoulders,
        path=p,
    )


def map_to_canonical(
    names: Sequence[str],
    values: NDArray[np.float64],
    *,
    model: str | None = None,
    info: ModelInfo | None = None,
) -> MappingResult:
    """Build canonical :class:`Kinematics` from source coordinates.

    Parameters
    ----------
    names
        Source coordinate names (``time`` excluded).
    values
        ``(n_frames, len(names))``; rotations in degrees, translations in metres.
    model
        Source model name when known; otherwise ``info.name`` or :func:`detect_model`.
    info
        The model read from its ``.osim`` (:func:`model_info_from_osim`): signs then come from the
        model's joint axes and knee range instead of the per-model table and the data check.

    Every sign change, composition and dropped coordinate is written to ``kinematics.notes``.
    """
    names = list(names)
    model = model or (info.name if info is not None else None) or detect_model(names)
    n = values.shape[0]
    col = {nm: i for i, nm in enumerate(names)}
    notes: list[str] = []
    signs = _decide_signs(model, info, col, values, notes)

    angles = np.full((n, N_JOINTS), np.nan)  # (n_frames, 34), degrees
    present = np.zeros(N_JOINTS, dtype=bool)
    for j, cname in enumerate(CANONICAL_JOINTS):
        if cname in col:
            angles[:, j] = signs.get(cname, 1.0) * values[:, col[cname]]
            present[j] = True
    used = set(CANONICAL_JOINTS) | set(PELVIS_ROTATIONS) | set(PELVIS_TRANSLATIONS)
    for side in ("r", "l"):
        used |= _compose_shoulder(side, col, values, angles, present, info, notes)

    rot = np.full((n, 3), np.nan)  # (n_frames, 3) degrees
    trans = np.full((n, 3), np.nan)  # (n_frames, 3) metres, Y up
    for i, p in enumerate(PELVIS_ROTATIONS):
        if p in col:
            rot[:, i] = values[:, col[p]]
    for i, p in enumerate(PELVIS_TRANSLATIONS):
        if p in col:
            trans[:, i] = values[:, col[p]]
    pelvis_present = all(p in col for p in (*PELVIS_ROTATIONS, *PELVIS_TRANSLATIONS))

    unmapped = [nm for nm in names if nm not in used]
    coupled = [nm for nm in unmapped if nm.endswith("_beta")]
    if coupled:
        notes.append(f"coupled patella coordinates dropped (follow the knee): {', '.join(coupled)}")
    missing = [c for c, p in zip(CANONICAL_JOINTS, present, strict=True) if not p]
    if missing:
        notes.append(f"not in the source model (left missing): {', '.join(missing)}")
    kin = Kinematics(
        angles=angles,
        present=present,
        pelvis_rotation=rot,
        pelvis_translation=trans,
        pelvis_present=pelvis_present,
        notes=notes,
    )
    return MappingResult(kinematics=kin, model=model, unmapped=unmapped, signs=signs)


def _decide_signs(
    model: str,
    info: ModelInfo | None,
    col: dict[str, int],
    values: NDArray[np.float64],
    notes: list[str],
) -> dict[str, float]:
    """Canonical joint -> sign; appends the reasoning to ``notes``."""
    signs = {c: 1.0 for c in CANONICAL_JOINTS}
    if info is not None:
        signs.update(info.signs)
        axis_knee = info.signs.get("knee_angle_r")
        if axis_knee is not None and axis_knee != info.knee_sign:
            notes.append(
                f"model '{info.name}': knee range and knee axis disagree; the range decides"
            )
        signs["knee_angle_r"] = signs["knee_angle_l"] = info.knee_sign
        flipped = sorted(c for c, s in signs.items() if s < 0 and c in col)
        if flipped:
            notes.append(
                f"signs negated to match LaiUhlrich2022 axes (from model "
                f"'{info.name}'): {', '.join(flipped)}"
            )
        return signs
    prior = MODEL_SIGNS.get(model, {})
    signs.update(prior)
    prior_knee = prior.get("knee_angle_r", 1.0)
    data_knee, lo, hi = _knee_sign_from_data(col, values)
    if data_knee is None:
        if any(k in col for k in _KNEES):
            notes.append(
                f"knee sign taken from the model name '{model}' "
                f"({'negative' if prior_knee < 0 else 'positive'} in flexion); "
                "the knee data are too small to confirm it"
            )
    elif data_knee == prior_knee:
        if data_knee < 0:
            notes.append(
                f"knee negative in flexion in the source ('{model}'; data between "
                f"{lo:.1f} and {hi:.1f} deg): knee sign flipped"
            )
    else:
        notes.append(
            f"knee data ({lo:.1f} to {hi:.1f} deg) contradict the '{model}' "
            f"convention guessed from the names; the data decide: knee "
            f"{'negative' if data_knee < 0 else 'positive'} in flexion"
        )
        signs = {c: 1.0 for c in CANONICAL_JOINTS}
        signs["knee_angle_r"] = signs["knee_angle_l"] = data_knee
    flipped = sorted(c for c, s in signs.items() if s < 0 and c in col)
    if flipped:
        notes.append(
            f"signs negated to canonical (LaiUhlrich2022) conventions: {', '.join(flipped)}"
        )
    return signs


def _knee_sign_from_range(rng: tuple[float, float] | None) -> float | None:
    """-1/+1 when the knee range (radians) is clearly one-sided, else None."""
    if rng is None:
        return None
    lo, hi = rng
    if hi <= 0.35 and lo < -0.7:
        return -1.0
    if lo >= -0.35 and hi > 0.7:
        return 1.0
    return None


def _knee_sign_from_data(
    col: dict[str, int], values: NDArray[np.float64]
) -> tuple[float | None, float, float]:
    """Knee flexion sign from the data: flexion goes well past 15 deg, hyperextension does not."""
    cols = [col[k] for k in _KNEES if k in col]
    if not cols:
        return None, np.nan, np.nan
    v = values[:, cols].ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None, np.nan, np.nan
    lo, hi = float(np.percentile(v, 2)), float(np.percentile(v, 98))
    if hi > _KNEE_CLEAR_DEG and lo > -_KNEE_CLEAR_DEG:
        return 1.0, lo, hi
    if lo < -_KNEE_CLEAR_DEG and hi < _KNEE_CLEAR_DEG:
        return -1.0, lo, hi
    return None, lo, hi


def _compose_shoulder(
    side: str,
    col: dict[str, int],
    values: NDArray[np.float64],
    angles: NDArray[np.float64],
    present: NDArray[np.bool_],
    info: ModelInfo | None,
    notes: list[str],
) -> set[str]:
    """Fill arm_flex/add/rot of ``side`` from sh_* coordinates; returns the names consumed."""
    sh = [f"{nm}_{side}" for nm in _SH_NAMES]
    targets = [f"arm_flex_{side}", f"arm_add_{side}", f"arm_rot_{side}"]
    if not all(s in col for s in sh) or any(t in col for t in targets):
        return set()
    axes = (info.shoulder_axes.get(side) if info is not None else None) or SHOULDER_AXES[side]
    q = np.deg2rad(values[:, [col[s] for s in sh]])  # (n, 3) radians
    ok = np.all(np.isfinite(q), axis=1)
    out = np.full((q.shape[0], 3), np.nan)  # (n, 3) degrees
    if np.any(ok):
        r = compose_body_fixed(axes, q[ok])  # humerus in torso, (m, 3, 3)
        out[ok] = np.rad2deg(euler_from_matrix(r, "ZXY")) * np.asarray(_ACROMIAL_SIGNS[side])
    for k, t in enumerate(targets):
        angles[:, JOINT_INDEX[t]] = out[:, k]
        present[JOINT_INDEX[t]] = True
    translations = [f"sh_{a}_{side}" for a in ("tx", "ty", "tz")]
    notes.append(
        f"{', '.join(targets)} composed from {', '.join(sh)} (glenohumeral rotation "
        f"re-extracted in the acromial Z-X-Y sequence); scapula translations "
        f"{', '.join(t for t in translations if t in col) or '(none)'} have no "
        "canonical equivalent"
    )
    return set(sh) | set(translations)


def _joint_axes(
    model: ET.Element,
) -> tuple[dict[str, NDArray[np.float64]], dict[str, tuple[tuple[float, float, float], ...]]]:
    """Coordinate -> rotation axis in the parent body frame (q = 0); glenohumeral axes per side."""
    axes: dict[str, NDArray[np.float64]] = {}
    shoulders: dict[str, tuple[tuple[float, float, float], ...]] = {}
    for joint in model.iter():
        if joint.tag not in ("CustomJoint", "PinJoint", "UniversalJoint"):
            continue
        r_parent = _parent_orientation(joint)
        coords = [c.get("name") or "" for c in joint.iter("Coordinate")]
        if joint.tag == "PinJoint" and coords:
            axes[coords[0]] = r_parent[:, 2]
        elif joint.tag == "UniversalJoint" and len(coords) == 2:
            axes[coords[0]], axes[coords[1]] = r_parent[:, 0], r_parent[:, 1]
        elif joint.tag == "CustomJoint":
            st = joint.find("SpatialTransform")
            sh_axes: dict[str, tuple[float, float, float]] = {}
            for ta in st if st is not None else []:
                cs = (ta.findtext("coordinates") or "").split()
                lf = ta.find("LinearFunction")
                if not (ta.get("name") or "").startswith("rotation") or len(cs) != 1 or lf is None:
                    continue
                coef = float((lf.findtext("coefficients") or "1").split()[0])
                ax = np.array([float(x) for x in (ta.findtext("axis") or "0 0 1").split()])
                ax = ax / np.linalg.norm(ax) * np.sign(coef)
                axes.setdefault(cs[0], r_parent @ ax)
                if cs[0].startswith("sh_"):
                    sh_axes[cs[0]] = (float(ax[0]), float(ax[1]), float(ax[2]))
            for side in ("r", "l"):
                names = [f"{nm}_{side}" for nm in _SH_NAMES]
                if all(nm in sh_axes for nm in names):
                    shoulders[side] = tuple(sh_axes[nm] for nm in names)
    return axes, shoulders


def _parent_orientation(joint: ET.Element) -> NDArray[np.float64]:
    """Orientation of the joint's parent frame in the parent body (OpenSim 4 or 3 format)."""
    parent = (joint.findtext("socket_parent_frame") or "").strip()
    text = None
    for frame in joint.iter("PhysicalOffsetFrame"):
        if frame.get("name") == parent:
            text = frame.findtext("orientation")
    if text is None:
        text = joint.findtext("orientation_in_parent")  # OpenSim 3.x
    xyz = [float(x) for x in (text or "0 0 0").split()]
    # OpenSim stores offset orientations as a body-fixed X-Y-Z sequence
    return matrix_from_euler(np.asarray(xyz)[None, :], "XYZ")[0]


__all__ = [
    "MODEL_SIGNS",
    "REFERENCE_AXES",
    "SHOULDER_AXES",
    "MappingResult",
    "ModelInfo",
    "detect_model",
    "map_to_canonical",
    "model_info_from_osim",
]
