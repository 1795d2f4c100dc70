"""The Trial: one recorded movement as every part of the app sees it (a **contract**)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.canonical import Kinematics

Side = Literal["left", "right"]
EventSource = Literal["file", "detected", "user"]

HEEL_STRIKE = "heel_strike"
TOE_OFF = "toe_off"


@dataclass(frozen=True)
class Event:
    """A labelled instant: a gait event (heel strike / toe off) or any other marked moment.

    ``label`` is normalised to ``heel_strike`` / ``toe_off`` for gait events; other labels are kept
    as written in the file. ``source`` keeps file, detected and user-edited events apart.
    """

    label: str
    side: Side | None
    time_s: float
    source: EventSource = "file"
    raw_label: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "side": self.side, "time_s": round(float(self.time_s), 6),
                "source": self.source}


@dataclass
class Subject:
    """What is known about the person; ``None`` when unknown (never guessed)."""

    height_m: float | None = None
    mass_kg: float | None = None
    sex: Literal["male", "female", "other"] | None = None
    age_years: float | None = None
    identifier: str | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for key in ("height_m", "mass_kg", "sex", "age_years"):
            val = getattr(self, key)
            if val is not None:
                out[key] = val
        return out


@dataclass
class MarkerSet:
    """Marker trajectories with their own time base (a .trc need not share the .mot's times).

    ``positions`` is ``(n_frames, n_markers, 3)`` in metres, NaN where a marker is missing.
    """

    time: NDArray[np.float64]
    rate_hz: float
    labels: list[str]
    positions: NDArray[np.float64]
    original_units: str = "m"

    def __post_init__(self) -> None:
        n = self.time.shape[0]
        if self.positions.shape != (n, len(self.labels), 3):
            raise ValueError(
                f"positions must be ({n}, {len(self.labels)}, 3), got {self.positions.shape}"
            )

    @property
    def n_frames(self) -> int:
        return int(self.time.shape[0])

    def marker(self, label: str) -> NDArray[np.float64]:
        """``(n_frames, 3)`` trajectory of one marker, metres."""
        return self.positions[:, self.labels.index(label), :]

    def as_dict(self) -> dict[str, NDArray[np.float64]]:
        return {lab: self.positions[:, i, :] for i, lab in enumerate(self.labels)}


@dataclass
class SourceCoordinates:
    """The coordinates as read from the file, before canonical mapping.

    ``values`` is ``(n_frames, n_columns)``; rotational columns are converted to degrees and
    translational ones are in metres, whatever the file used (``in_degrees`` records the file's).
    """

    names: list[str]
    values: NDArray[np.float64]
    in_degrees: bool = True

    def column(self, name: str) -> NDArray[np.float64]:
        return self.values[:, self.names.index(name)]


@dataclass
class ForcePlate:
    """One force platform's ground reaction, in the lab frame of the file's markers.

    ``grf`` is the force the ground exerts on the body (N), ``cop`` the centre of pressure (m,
    NaN while the plate is unloaded), ``free_moment`` the moment about the vertical through the
    centre of pressure (N m); all ``(n_samples, ...)`` at the analog rate on ``time``.
    ``corners`` is ``(4, 3)`` metres; ``up`` the lab's vertical unit vector, so the vertical
    force is ``grf @ up``.
    """

    number: int
    plate_type: int
    time: NDArray[np.float64]
    rate_hz: float
    grf: NDArray[np.float64]
    cop: NDArray[np.float64]
    free_moment: NDArray[np.float64]
    corners: NDArray[np.float64]
    up: NDArray[np.float64]

    @property
    def vertical(self) -> NDArray[np.float64]:
        """``(n_samples,)`` vertical ground reaction, N (positive up)."""
        return self.grf @ self.up

    @property
    def n_samples(self) -> int:
        return int(self.time.shape[0])


@dataclass
class AnalogChannels:
    """Analog signals recorded beside the markers (EMG and others; the force plates' channels
    are read into :class:`ForcePlate` instead): ``values`` is ``(n_samples, n_channels)`` in
    each channel's ``units`` (volts for EMG), on ``time`` at ``rate_hz``; single precision from
    a C3D file (24 bits of an analog converter's 16, and half the memory of a long trial)."""

    labels: list[str]
    units: list[str]
    rate_hz: float
    time: NDArray[np.float64]
    values: NDArray[np.floating]

    def __post_init__(self) -> None:
        if self.values.shape != (self.time.shape[0], len(self.labels)):
            raise ValueError(
                f"values must be ({self.time.shape[0]}, {len(self.labels)}), "
                f"got {self.values.shape}"
            )


@dataclass
class Provenance:
    """Where a trial came from."""

    path: Path | None
    format: str
    model_name: str | None = None
    model_path: Path | None = None
    video_paths: list[Path] = field(default_factory=list)
    session_path: Path | None = None
    trial_name: str | None = None
    simulated: bool = False


@dataclass
class Trial:
    """One trial: time base, source coordinates, canonical kinematics, markers, events, subject.

    ``force_plates`` holds the ground reactions a .c3d file recorded (empty otherwise);
    ``analog`` its other analog channels (EMG and the like), or None.

    ``time`` is ``(n_frames,)`` seconds, strictly increasing. ``kinematics`` is ``None`` only for
    marker-only trials (a lone .trc or .c3d) until inverse kinematics has been run.
    """

    time: NDArray[np.float64]
    rate_hz: float
    source: SourceCoordinates | None
    kinematics: Kinematics | None
    provenance: Provenance
    markers: MarkerSet | None = None
    events: list[Event] = field(default_factory=list)
    subject: Subject = field(default_factory=Subject)
    metadata: dict[str, object] = field(default_factory=dict)
    force_plates: list[ForcePlate] = field(default_factory=list)
    analog: AnalogChannels | None = None

    @property
    def n_frames(self) -> int:
        return int(self.time.shape[0])

    @property
    def duration_s(self) -> float:
        if self.n_frames < 2:
            return 0.0
        return float(self.time[-1] - self.time[0])

    @property
    def name(self) -> str:
        if self.provenance.trial_name:
            return self.provenance.trial_name
        if self.provenance.path is not None:
            return self.provenance.path.stem
        return "trial"
