"""Inverse kinematics from markers with OpenSim's ``InverseKinematicsTool``.

The markers are written to a temporary .trc (metres), the tool solves every frame, and the
resulting .mot is read back. Per-marker errors are then measured by posing the model with the
solution (:class:`~lmm_desktop.biomech.osim_fk.OsimPoser`) and comparing with the markers.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.biomech.osim_fk import OsimPoser
from lmm_desktop.biomech.osim_util import import_opensim, load_model
from lmm_desktop.core.canonical import Kinematics
from lmm_desktop.core.errors import AnalysisError, ModelLoadError
from lmm_desktop.core.mapping import map_to_canonical
from lmm_desktop.core.trial import MarkerSet, SourceCoordinates


@dataclass
class IKResult:
    """Outcome of :func:`inverse_kinematics`.

    Attributes
    ----------
    time
        ``(n_frames,)`` seconds (the markers' time base).
    coordinates
        The model's coordinates as solved: rotations in degrees, translations in metres.
    marker_rms_m
        Per-marker RMS distance between model and measured marker over the frames (metres).
    max_error_m
        Largest single marker distance over all frames (metres).
    model_path
        The model used.
    """

    time: NDArray[np.float64]
    coordinates: SourceCoordinates
    marker_rms_m: dict[str, float]
    max_error_m: float
    model_path: Path
    notes: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return self.coordinates.names

    @property
    def values(self) -> NDArray[np.float64]:
        """``(n_frames, n_coordinates)``, degrees / metres."""
        return self.coordinates.values

    @property
    def rms_error_m(self) -> float:
        """RMS over all markers and frames (metres)."""
        vals = np.array(list(self.marker_rms_m.values()))
        return float(np.sqrt(np.nanmean(vals**2))) if vals.size else float("nan")

    def to_kinematics(self) -> Kinematics:
        """The solution mapped onto the canonical 34 joints (see core/mapping.py)."""
        return map_to_canonical(self.names, self.values).kinematics


def _write_markers(markers: MarkerSet, path: Path) -> None:
    from lmm_desktop.io.trc import write_trc

    write_trc(markers, path, units="m")


def _read_solution(path: Path) -> tuple[NDArray[np.float64], SourceCoordinates]:
    """Read the tool's .mot (degrees for rotations) through OpenSim's table reader."""
    osim = import_opensim()
    table = osim.TimeSeriesTable(str(path))
    labels = list(table.getColumnLabels())
    time = np.array(table.getIndependentColumn(), dtype=float)  # (n,) seconds
    values = table.getMatrix().to_numpy().astype(float).reshape(len(time), len(labels))
    if table.getTableMetaDataAsString("inDegrees").strip().lower() == "no":
        raise AnalysisError(f"OpenSim wrote '{path}' in radians; expected degrees.")
    return time, SourceCoordinates(names=labels, values=values, in_degrees=True)


def _tool(
    model_path: Path, trc: Path, out: Path, markers: MarkerSet, weights: Mapping[str, float]
) -> tuple[Any, Any]:
    """The configured tool and its model (keep both alive: the tool only points at the model)."""
    osim = import_opensim()
    model = load_model(model_path)
    model_markers = {
        model.getMarkerSet().get(i).getName() for i in range(model.getMarkerSet().getSize())
    }
    common = [m for m in markers.labels if m in model_markers]
    if len(common) < 3:
        raise ModelLoadError(
            f"The markers do not match the model '{model_path.name}': only {len(common)} of "
            f"{len(markers.labels)} marker names are in it (e.g. {', '.join(markers.labels[:4])}). "
            "Expected the marker names of the model's marker set."
        )
    tool = osim.InverseKinematicsTool()
    tool.setModel(model)
    tool.setName("lmm_ik")
    tool.setMarkerDataFileName(str(trc))
    tool.setStartTime(float(markers.time[0]))
    tool.setEndTime(float(markers.time[-1]))
    tool.setOutputMotionFileName(str(out))
    tool.setResultsDir(str(out.parent))
    tool.set_report_errors(False)
    tool.set_accuracy(1e-7)
    tasks = tool.getIKTaskSet()
    for name in common:
        task = osim.IKMarkerTask()
        task.setName(name)
        task.setApply(True)
        task.setWeight(float(weights.get(name, 1.0)))
        tasks.cloneAndAppend(task)
    return tool, model


def inverse_kinematics(
    markers: MarkerSet,
    model_path: str | Path,
    *,
    marker_weights: Mapping[str, float] | None = None,
) -> IKResult:
    """Solve the model's coordinates that best fit the markers, frame by frame.

    Parameters
    ----------
    markers
        Marker trajectories (metres); names must match the model's markers (others are ignored).
    model_path
        OpenSim model (.osim) with a marker set, e.g. the built-in model or a scaled subject model.
    marker_weights
        Optional weight per marker name (default 1).

    Returns
    -------
    IKResult
        Coordinates (degrees / metres), per-marker RMS and maximum error (metres).

    Raises
    ------
    ModelLoadError
        The model cannot be loaded or shares fewer than three markers with the data.
    AnalysisError
        OpenSim's solver fails.
    """
    model_path = Path(model_path)
    if markers.n_frames < 1:
        raise AnalysisError("Inverse kinematics needs at least one frame of markers.")
    with tempfile.TemporaryDirectory(prefix="lmm_ik_") as tmp:
        trc, out = Path(tmp) / "markers.trc", Path(tmp) / "ik.mot"
        _write_markers(markers, trc)
        tool, model = _tool(model_path, trc, out, markers, marker_weights or {})
        try:
            ok = tool.run()
        except Exception as exc:  # OpenSim raises RuntimeError with its own text
            raise AnalysisError(f"OpenSim inverse kinematics failed: {exc}") from exc
        if not ok or not out.is_file():
            raise AnalysisError("OpenSim inverse kinematics did not produce a solution.")
        time, coords = _read_solution(out)
        del tool, model
    return _with_errors(markers, model_path, time, coords)


def _with_errors(
    markers: MarkerSet, model_path: Path, time: NDArray[np.float64], coords: SourceCoordinates
) -> IKResult:
    poser = OsimPoser(model_path, points=markers.labels, markers_only=True)
    keep = [k for k, ok in enumerate(poser.resolved) if ok]
    used = [markers.labels[k] for k in keep]
    model_pos = poser.pose(coords.names, coords.values)[:, keep]  # (n, m, 3) metres
    # Match the solution's frames to the marker frames by time.
    # Nearest marker frame for each solved frame (the .mot rounds the times).
    idx = np.clip(np.searchsorted(markers.time, time), 1, max(markers.n_frames - 1, 1))
    idx = (
        np.where(
            np.abs(markers.time[idx - 1] - time) <= np.abs(markers.time[idx] - time), idx - 1, idx
        )
        if markers.n_frames > 1
        else np.zeros(len(time), dtype=int)
    )
    measured = markers.positions[idx][:, keep]  # (n, m, 3) metres
    dist = np.linalg.norm(model_pos - measured, axis=2)  # (n, m) metres
    with np.errstate(invalid="ignore"):
        rms = {
            m: float(np.sqrt(np.nanmean(dist[:, k] ** 2)))
            for k, m in enumerate(used)
            if np.isfinite(dist[:, k]).any()
        }
    max_err = float(np.nanmax(dist)) if np.isfinite(dist).any() else float("nan")
    return IKResult(
        time=time, coordinates=coords, marker_rms_m=rms, max_error_m=max_err, model_path=model_path
    )
