"""Core data model: Trial, canonical kinematics, events, errors. numpy only."""

from lmm_desktop.core.canonical import (
    CANONICAL_JOINTS,
    JOINT_GROUPS,
    N_JOINTS,
    PELVIS_ROTATIONS,
    PELVIS_TRANSLATIONS,
    Kinematics,
)
from lmm_desktop.core.errors import (
    AnalysisError,
    InvalidValueError,
    LmmError,
    ModelLoadError,
    TrialReadError,
    TrialWriteError,
)
from lmm_desktop.core.trial import Event, MarkerSet, Provenance, SourceCoordinates, Subject, Trial

__all__ = [
    "CANONICAL_JOINTS",
    "JOINT_GROUPS",
    "N_JOINTS",
    "PELVIS_ROTATIONS",
    "PELVIS_TRANSLATIONS",
    "AnalysisError",
    "Event",
    "InvalidValueError",
    "Kinematics",
    "LmmError",
    "MarkerSet",
    "ModelLoadError",
    "Provenance",
    "SourceCoordinates",
    "Subject",
    "Trial",
    "TrialReadError",
    "TrialWriteError",
]
