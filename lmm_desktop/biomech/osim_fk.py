"""Forward kinematics through OpenSim on a trial's own model (.osim).

OpenSim is imported lazily. Everything that does not change per frame (model, state, coordinate
handles, point stations) is prepared once in :class:`OsimPoser`; each frame then only sets the
coordinates, realizes positions and reads the stations.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.biomech.osim_util import load_model, to_numpy3
from lmm_desktop.core.body import REQUIRED_POINTS, BodyPoints
from lmm_desktop.core.errors import ModelLoadError
from lmm_desktop.core.trial import Trial

# Joint centres: the origin of the child frame of the joint that moves this body.
_JOINT_CENTRE_BODIES: dict[str, str] = {
    "pelvis": "pelvis",
    "lumbar": "torso",
    "hip_r": "femur_r",
    "knee_r": "tibia_r",
    "ankle_r": "talus_r",
    "mtp_r": "toes_r",
    "hip_l": "femur_l",
    "knee_l": "tibia_l",
    "ankle_l": "talus_l",
    "mtp_l": "toes_l",
    "shoulder_r": "humerus_r",
    "elbow_r": "ulna_r",
    "wrist_r": "hand_r",
    "shoulder_l": "humerus_l",
    "elbow_l": "ulna_l",
    "wrist_l": "hand_l",
}

# Model markers that stand for a point, first match wins (OpenCap, Rajagopal, gait2392 names).
_MARKER_CANDIDATES: dict[str, tuple[str, ...]] = {
    "heel_r": ("r_calc_study", "RCAL", "R.Heel", "RHEE"),
    "heel_l": ("L_calc_study", "l_calc_study", "LCAL", "L.Heel", "LHEE"),
    "toe_r": ("r_toe_study", "R.Toe.Tip", "RTOE"),
    "toe_l": ("L_toe_study", "l_toe_study", "L.Toe.Tip", "LTOE"),
    "asis_r": ("r.ASIS_study", "RASI", "R.ASIS"),
    "asis_l": ("L.ASIS_study", "l.ASIS_study", "LASI", "L.ASIS"),
    "psis_r": ("r.PSIS_study", "RPSI", "R.PSIS"),
    "psis_l": ("L.PSIS_study", "l.PSIS_study", "LPSI", "L.PSIS"),
    "c7": ("C7_study", "C7"),
}

# Fixed offsets (body, metres in the generic Rajagopal2016/LaiUhlrich2022 model, right side) used
# when the model has no marker for a point; scaled by the model's femur length.
_FALLBACK_OFFSETS: dict[str, tuple[str, tuple[float, float, float]]] = {
    "heel_r": ("calcn_r", (-0.025, 0.02, -0.005)),
    "toe_r": ("toes_r", (0.055, -0.005, 0.0)),
    "asis_r": ("pelvis", (0.0095, 0.0181, 0.1285)),
    "psis_r": ("pelvis", (-0.155, 0.035, 0.045)),
    "c7": ("torso", (-0.085, 0.435, 0.0)),
    "neck": ("torso", (-0.06, 0.42, 0.0)),
    "head": ("torso", (-0.01, 0.64, 0.0)),
    "hand_r": ("hand_r", (0.0, -0.08, 0.0)),
}
_OSIM_LOCK = threading.Lock()
"""The app poses trials in several background threads (loading, comparing, the session overview,
the batch table): OpenSim's objects are not shared, but its library state is, so one at a time."""

_REFERENCE_FEMUR_M = 0.4097  # hip-to-knee distance of the generic LaiUhlrich2022 model


@dataclass(frozen=True)
class _Station:
    name: str
    body: str
    offset: tuple[float, float, float]


def _mirror_fallback(name: str) -> tuple[str, tuple[float, float, float]] | None:
    if name in _FALLBACK_OFFSETS:
        return _FALLBACK_OFFSETS[name]
    if name.endswith("_l") and name[:-2] + "_r" in _FALLBACK_OFFSETS:
        body, (x, y, z) = _FALLBACK_OFFSETS[name[:-2] + "_r"]
        return (body[:-2] + "_l" if body.endswith("_r") else body), (x, y, -z)
    return None


class OsimPoser:
    """A loaded OpenSim model ready to pose frame after frame.

    Parameters
    ----------
    model_path
        The .osim file.
    points
        Point names to return (default :data:`REQUIRED_POINTS`). A model marker with the same
        name is used first, then known marker names, joint centres and fixed body offsets.
    markers_only
        Only use model markers of exactly these names (for inverse-kinematics errors); other
        names come back as NaN.
    """

    def __init__(
        self,
        model_path: str | Path,
        points: Sequence[str] = REQUIRED_POINTS,
        *,
        markers_only: bool = False,
    ) -> None:
        import opensim

        self.model_path = Path(model_path)
        self.model = load_model(self.model_path)
        self.state = self.model.initSystem()
        cs = self.model.getCoordinateSet()
        self.coordinates: dict[str, Any] = {
            cs.get(i).getName(): cs.get(i) for i in range(cs.getSize())
        }
        self._rotational = {
            n: c.getMotionType() == opensim.Coordinate.Rotational
            for n, c in self.coordinates.items()
        }
        self._couplers = self._find_couplers()
        # Locks matter for simulation, not for showing a recorded motion: unlock so setValue works.
        for coord in self.coordinates.values():
            if coord.getLocked(self.state):
                coord.setLocked(self.state, False)
        self.model.realizePosition(self.state)
        self.point_names = list(points)
        self._markers_only = markers_only
        self._stations = [self._resolve(nm) for nm in self.point_names]
        bodies = self.model.getBodySet()
        self._handles = [
            None if st is None else (bodies.get(st.body), opensim.Vec3(*st.offset))
            for st in self._stations
        ]

    # -- set-up ------------------------------------------------------------------------------
    def _find_couplers(self) -> list[tuple[str, list[str], Any]]:
        """Coupled coordinates (e.g. LaiUhlrich's knee_angle_r_beta): dependent = f(independent)."""
        import opensim

        out: list[tuple[str, list[str], Any]] = []
        cset = self.model.getConstraintSet()
        for i in range(cset.getSize()):
            cc = opensim.CoordinateCouplerConstraint.safeDownCast(cset.get(i))
            if cc is None:
                continue
            ind = cc.getIndependentCoordinateNames()
            names = [ind.get(k) for k in range(ind.getSize())]
            out.append((cc.getDependentCoordinateName(), names, cc.getFunction()))
        return out

    def _joint_centre(self, body_name: str) -> tuple[float, float, float] | None:
        """Child-frame origin (in the body) of the joint that moves ``body_name``."""
        joints = self.model.getJointSet()
        for i in range(joints.getSize()):
            child = joints.get(i).getChildFrame()
            if child.findBaseFrame().getName() == body_name:
                return to_numpy3(child.findTransformInBaseFrame().p())
        return None

    def _femur_scale(self) -> float:
        bodies = self.model.getBodySet()
        if not (bodies.contains("femur_r") and bodies.contains("tibia_r")):
            return 1.0
        hip = to_numpy3(bodies.get("femur_r").getPositionInGround(self.state))
        knee = to_numpy3(bodies.get("tibia_r").getPositionInGround(self.state))
        dist = float(np.linalg.norm(np.subtract(knee, hip)))
        return dist / _REFERENCE_FEMUR_M if dist > 0.1 else 1.0

    def _resolve(self, name: str) -> _Station | None:
        markers = self.model.getMarkerSet()
        bodies = self.model.getBodySet()
        for label in (name, *_MARKER_CANDIDATES.get(name, ())):
            if markers.contains(label):
                mk = markers.get(label)
                base = mk.getParentFrame().findBaseFrame().getName()
                # Marker location is in its parent frame; express it in the base body.
                loc = (
                    mk.getParentFrame()
                    .findTransformInBaseFrame()
                    .shiftFrameStationToBase(mk.get_location())
                )
                return _Station(name, base, to_numpy3(loc))
            if self._markers_only:
                return None
        if name in _JOINT_CENTRE_BODIES and bodies.contains(_JOINT_CENTRE_BODIES[name]):
            body = _JOINT_CENTRE_BODIES[name]
            centre = self._joint_centre(body)
            return _Station(name, body, centre if centre is not None else (0.0, 0.0, 0.0))
        fallback = _mirror_fallback(name)
        if fallback is not None and bodies.contains(fallback[0]):
            s = self._femur_scale()
            x, y, z = fallback[1]
            return _Station(name, fallback[0], (x * s, y * s, z * s))
        return None

    # -- per frame -----------------------------------------------------------------------------
    @property
    def resolved(self) -> list[bool]:
        """For each point name, whether the model provides it."""
        return [st is not None for st in self._stations]

    def check_coordinates(self, names: Sequence[str]) -> list[str]:
        """Names of ``names`` that the model uses; raise if the motion does not fit the model."""
        used = [n for n in names if n in self.coordinates]
        unknown = [n for n in names if n not in self.coordinates and n != "time"]
        if not used or len(unknown) > len(used):
            raise ModelLoadError(
                f"The motion's coordinates do not match the model '{self.model_path.name}': "
                f"{len(unknown)} of {len(names)} columns are not in it (e.g. "
                f"{', '.join(unknown[:4])}). Choose the model the motion was computed with."
            )
        return used

    def pose(self, names: Sequence[str], values: NDArray[np.float64]) -> NDArray[np.float64]:
        """Positions of the points for each frame.

        Parameters
        ----------
        names
            Coordinate names (columns of ``values``).
        values
            ``(n_frames, len(names))``; rotations in degrees, translations in metres.

        Returns
        -------
        ndarray
            ``(n_frames, n_points, 3)`` metres, ground frame; NaN for points the model lacks.
        """
        used = self.check_coordinates(names)
        col = {n: i for i, n in enumerate(names)}
        coupled = {dep for dep, _, _ in self._couplers}
        handles = [(self.coordinates[n], col[n]) for n in used if n not in coupled]
        scale = np.array(
            [np.pi / 180.0 if self._rotational[n] else 1.0 for n in used if n not in coupled]
        )
        vals = np.nan_to_num(values[:, [i for _, i in handles]], nan=0.0) * scale  # (n, k) SI
        couplers = [
            (self.coordinates[dep], [self.coordinates[i] for i in ind], fn)
            for dep, ind, fn in self._couplers
        ]
        out = np.full((values.shape[0], len(self.point_names), 3), np.nan)  # (n, p, 3) metres
        if not self.point_names:
            return out
        state, model = self.state, self.model
        live = [(k, b, v) for k, h in enumerate(self._handles) if h is not None for b, v in [h]]
        import opensim

        for f in range(values.shape[0]):
            row = vals[f]
            for (coord, _), v in zip(handles, row):
                coord.setValue(state, float(v), False)
            for dep, ind, fn in couplers:
                x = opensim.Vector(len(ind), 0.0)
                for k, c in enumerate(ind):
                    x.set(k, c.getValue(state))
                dep.setValue(state, fn.calcValue(x), False)
            model.realizePosition(state)
            for k, body, vec in live:
                out[f, k] = body.findStationLocationInGround(state, vec).to_numpy()
        return out


def osim_forward_kinematics(
    trial: Trial, model_path: str | Path, *, segments: list[tuple[str, str, str]] | None = None
) -> BodyPoints:
    """Body points of a trial through OpenSim, from its source coordinates.

    Parameters
    ----------
    trial
        A trial with ``source`` coordinates named as in the model (rotations in degrees).
    model_path
        The OpenSim model (.osim) the motion was computed with, scaled or generic.
    segments
        Bones to attach to the result (default: the skeleton of :mod:`lmm_desktop.biomech.fk`).

    Returns
    -------
    BodyPoints
        :data:`REQUIRED_POINTS`, NaN where the model has no such body (e.g. arms of gait2392).

    Raises
    ------
    ModelLoadError
        The model cannot be loaded, or the motion's coordinates do not match it.
    """
    if trial.source is None:
        raise ModelLoadError(
            f"Trial '{trial.name}' has no source coordinates to drive the model '{model_path}'."
        )
    if segments is None:
        from lmm_desktop.biomech.fk import SEGMENTS

        segments = SEGMENTS
    with _OSIM_LOCK:  # one OpenSim model at work at a time, whichever thread asks
        poser = OsimPoser(model_path)
        positions = poser.pose(trial.source.names, trial.source.values)
    return BodyPoints(
        time=np.asarray(trial.time, dtype=float),
        names=poser.point_names,
        positions=positions,
        segments=list(segments),
        source=f"opensim:{poser.model.getName()}",
    )
