"""Generate the built-in full-body OpenSim model from :mod:`lmm_desktop.biomech.geometry`.

``python -m lmm_desktop.biomech.builtin_model [--height 1.70] [--out PATH]`` writes
``resources/models/builtin_fullbody.osim``. The model has 40 coordinates: the six pelvis ones
(``pelvis_tilt list rotation tx ty tz``) then the 34 canonical joint angles in canonical order, and
one OpenSim Marker per landmark (every name of ``core.body.REQUIRED_POINTS`` and extra IK markers).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.biomech.geometry import (
    BODIES,
    DEFAULT_MASS_KG,
    JOINTS,
    LANDMARKS,
    REFERENCE_HEIGHT_M,
    JointDef,
    Vec3,
    resolve_height,
    standing_pelvis_height,
)
from lmm_desktop.biomech.joint_limits import JOINT_LIMITS
from lmm_desktop.biomech.osim_util import import_opensim
from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.resources import resources_dir

MODEL_NAME = "LMM_builtin_fullbody"
RESOURCE_PATH = resources_dir() / "models" / "builtin_fullbody.osim"
"""Where the generated model for :data:`REFERENCE_HEIGHT_M` is kept in the source tree."""

_PELVIS_RANGES = {
    "pelvis_tilt": (-90.0, 90.0),
    "pelvis_list": (-90.0, 90.0),
    "pelvis_rotation": (-180.0, 180.0),
    "pelvis_tx": (-50.0, 50.0),
    "pelvis_ty": (-1.0, 3.0),
    "pelvis_tz": (-50.0, 50.0),
}
_UP_BODIES = frozenset({"torso", "head"})  # centre of mass above the origin


def _complete_basis(axes: tuple[Vec3, ...]) -> list[Vec3]:
    """Three independent rotation axes starting with ``axes`` (OpenSim needs all three)."""
    out = [np.asarray(a, dtype=float) for a in axes]
    for cand in np.eye(3):
        if len(out) == 3:
            break
        trial = np.array([*out, cand])
        if np.linalg.matrix_rank(trial) == len(out) + 1:
            # orthogonalise the filler so it stays well conditioned
            v = cand - sum(np.dot(cand, a) * a for a in out if abs(np.linalg.norm(a) - 1) < 1e-9)
            out.append(v / np.linalg.norm(v))
    return [(float(a[0]), float(a[1]), float(a[2])) for a in out]


def _spatial_transform(osim: Any, joint: JointDef) -> Any:
    st = osim.SpatialTransform()
    for k, axis in enumerate(_complete_basis(joint.axes)):
        ta = st.updTransformAxis(k)
        ta.setAxis(osim.Vec3(*axis))
        if k < len(joint.coordinates):
            ta.setCoordinateNames(osim.ArrayStr(joint.coordinates[k], 1))
            ta.set_function(osim.LinearFunction(1.0, 0.0))
        else:
            ta.set_function(osim.Constant(0.0))
    translations = ("pelvis_tx", "pelvis_ty", "pelvis_tz") if joint.parent == "ground" else None
    for k, axis in enumerate(((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))):
        ta = st.updTransformAxis(3 + k)
        ta.setAxis(osim.Vec3(*axis))
        if translations:
            ta.setCoordinateNames(osim.ArrayStr(translations[k], 1))
            ta.set_function(osim.LinearFunction(1.0, 0.0))
        else:
            ta.set_function(osim.Constant(0.0))
    return st


def _add_body(osim: Any, model: Any, name: str, mass: float, length: float) -> Any:
    sign = 1.0 if name in _UP_BODIES else -1.0
    com = osim.Vec3(0.0, 0.0 if name == "pelvis" else sign * length / 2.0, 0.0)
    big, small = mass * (0.3 * length) ** 2, mass * (0.1 * length) ** 2  # kg m^2, rod-like
    body = osim.Body(name, mass, com, osim.Inertia(big, small, big))
    model.addBody(body)
    return body


def _set_coordinate_ranges(joint_obj: Any, height_m: float) -> None:
    for i in range(joint_obj.numCoordinates()):
        coord = joint_obj.upd_coordinates(i)
        name = coord.getName()
        if name in JOINT_LIMITS:
            lo, hi = np.radians(JOINT_LIMITS[name])
        elif name in ("pelvis_tx", "pelvis_ty", "pelvis_tz"):
            lo, hi = _PELVIS_RANGES[name]
        else:
            lo, hi = np.radians(_PELVIS_RANGES[name])
        coord.setRangeMin(float(lo))
        coord.setRangeMax(float(hi))
        coord.set_clamped(False)
        if name == "pelvis_ty":
            coord.setDefaultValue(standing_pelvis_height(height_m))


def build_builtin_model(height_m: float | None = None, mass_kg: float = DEFAULT_MASS_KG) -> Any:
    """Build the built-in model as an ``opensim.Model`` scaled to ``height_m``.

    Parameters
    ----------
    height_m
        Subject height in metres (``None``: 1.70 m reference).
    mass_kg
        Body mass (only segment masses and inertias depend on it).
    """
    osim = import_opensim()
    h = resolve_height(height_m)
    model = osim.Model()
    model.setName(MODEL_NAME)
    model.setGravity(osim.Vec3(0.0, -9.80665, 0.0))
    bodies: dict[str, Any] = {"ground": model.getGround()}
    for b in BODIES:
        bodies[b.name] = _add_body(osim, model, b.name, b.mass_fraction * mass_kg, b.length * h)
    for j in JOINTS:
        loc = osim.Vec3(*(c * h for c in j.location))
        zero = osim.Vec3(0.0, 0.0, 0.0)
        joint = osim.CustomJoint(
            j.name,
            bodies[j.parent],
            loc,
            zero,
            bodies[j.child],
            zero,
            zero,
            _spatial_transform(osim, j),
        )
        model.addJoint(joint)
        _set_coordinate_ranges(joint, h)
    for m in LANDMARKS:
        loc = osim.Vec3(*(c * h for c in m.location))
        model.addMarker(osim.Marker(m.name, bodies[m.body], loc))
    model.finalizeConnections()
    return model


def write_builtin_model(
    path: str | Path, height_m: float | None = None, mass_kg: float = DEFAULT_MASS_KG
) -> Path:
    """Generate the model and write it to ``path`` (atomically); return the path."""
    path = Path(path)
    model = build_builtin_model(height_m, mass_kg)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "model.osim"
        model.printToXML(str(scratch))
        text = scratch.read_text(encoding="utf-8")
    with atomic_write(path, "w") as fh:
        fh.write(text)
    return path


def builtin_model_path(height_m: float | None = None, folder: str | Path | None = None) -> Path:
    """Path of a built-in model .osim for ``height_m``, generating it when needed.

    The reference-height model is the shipped ``resources/models/builtin_fullbody.osim`` (when
    present); other heights are generated into ``folder`` (default: a temporary folder).
    """
    h = resolve_height(height_m)
    if abs(h - REFERENCE_HEIGHT_M) < 1e-9 and RESOURCE_PATH.is_file() and folder is None:
        return RESOURCE_PATH
    base = Path(folder) if folder is not None else Path(tempfile.gettempdir()) / "lmm_desktop"
    return write_builtin_model(base / f"builtin_fullbody_{h * 100:.0f}cm.osim", h)


def main(argv: list[str] | None = None) -> int:
    """Command line: write the built-in model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--height", type=float, default=REFERENCE_HEIGHT_M, help="metres")
    parser.add_argument("--out", type=Path, default=RESOURCE_PATH, help="output .osim")
    args = parser.parse_args(argv)
    out = write_builtin_model(args.out, args.height)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
