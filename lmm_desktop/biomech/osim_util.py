"""Small helpers around the OpenSim python bindings (imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lmm_desktop.core.errors import ModelLoadError


def import_opensim() -> Any:
    """Import OpenSim with its logging reduced to warnings (it prints ``[info]`` lines)."""
    import opensim

    opensim.Logger.setLevelString("error")
    return opensim


def load_model(path: str | Path) -> Any:
    """Load an OpenSim model from ``path``.

    Raises
    ------
    ModelLoadError
        When the file is missing or OpenSim cannot read it.
    """
    opensim = import_opensim()
    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(f"The OpenSim model '{path}' does not exist.")
    try:
        return opensim.Model(str(path))
    except Exception as exc:  # OpenSim raises a generic RuntimeError with its own text
        raise ModelLoadError(
            f"OpenSim cannot read the model '{path}': {exc}. Expected an OpenSim 4 .osim file."
        ) from exc


def to_numpy3(vec: Any) -> tuple[float, float, float]:
    """A SimTK ``Vec3`` as a plain ``(x, y, z)`` tuple."""
    return (float(vec.get(0)), float(vec.get(1)), float(vec.get(2)))
