"""OpenCap session folders: list the trials, read one on demand.

Layout (as downloaded from opencap.ai; keys of ``sessionMetadata.yaml`` as in opencap-core's
``defaultSessionMetadata.yaml``: ``subjectID``, ``height_m``, ``mass_kg``, ``gender_mf``,
``openSimModel``)::

    <session>/sessionMetadata.yaml
    <session>/OpenSimData/Model/<model>.osim
    <session>/OpenSimData/Kinematics/<trial>.mot
    <session>/MarkerData/<trial>.trc              (or MarkerData/PostAugmentation/<trial>.trc)
    <session>/Videos/Cam<k>/InputMedia/<trial>/<trial>[_sync].mp4

Opening a session reads only the folder listing and the small metadata file; a trial's files (and
the model) are read when :meth:`Session.read` asks for that trial.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from lmm_desktop.core.errors import TrialReadError
from lmm_desktop.core.mapping import ModelInfo, map_to_canonical, model_info_from_osim
from lmm_desktop.core.trial import Subject, Trial

METADATA_FILE = "sessionMetadata.yaml"
_KINEMATICS = Path("OpenSimData") / "Kinematics"
_MODEL = Path("OpenSimData") / "Model"
_MARKERS = Path("MarkerData")
Sex = Literal["male", "female", "other"]
_SEX: dict[str, Sex] = {
    "m": "male",
    "male": "male",
    "f": "female",
    "female": "female",
    "o": "other",
    "other": "other",
}
_MAX_LISTED = 5


@dataclass
class Session:
    """One OpenCap session folder. Cheap to create; trials are read by :meth:`read`.

    Attributes
    ----------
    path
        The session folder.
    subject
        From ``sessionMetadata.yaml`` (empty when the file is absent).
    model_path
        The ``.osim`` under ``OpenSimData/Model`` (``None`` when there is none).
    metadata
        The parsed ``sessionMetadata.yaml`` (empty when absent).
    notes
        What the reader had to decide (no metadata file, unknown sex value, ...).
    """

    path: Path
    subject: Subject
    model_path: Path | None
    metadata: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    _motions: dict[str, Path] = field(default_factory=dict, repr=False)
    _markers: dict[str, Path] = field(default_factory=dict, repr=False)
    _model_info: ModelInfo | None = field(default=None, repr=False)

    @property
    def trial_names(self) -> list[str]:
        """Trial names (sorted), from the ``.mot`` files and the marker-only ``.trc`` files."""
        return sorted(set(self._motions) | set(self._markers))

    def videos(self, name: str) -> list[Path]:
        """Videos of one trial, one per camera (``*_sync.mp4`` preferred), sorted by camera."""
        out: list[Path] = []
        for cam in sorted((self.path / "Videos").glob("Cam*")):
            media = cam / "InputMedia" / name
            synced = sorted(media.glob("*_sync.mp4"))
            out.extend(synced or sorted(media.glob("*.mp4")))
        return out

    @property
    def model_info(self) -> ModelInfo | None:
        """The session model read from its ``.osim`` (read once, on first use)."""
        if self._model_info is None and self.model_path is not None:
            self._model_info = model_info_from_osim(self.model_path)
        return self._model_info

    def read(self, name: str | None = None) -> Trial:
        """Read one trial (default: the first listed) with markers, subject, model and videos.

        Raises
        ------
        TrialReadError
            Unknown trial name, unreadable files, or a motion whose coordinates are not the
            model's.
        """
        names = self.trial_names
        if name is None:
            name = names[0]
        if name not in names:
            listed = ", ".join(repr(n) for n in names)
            raise TrialReadError(
                self.path, f"the session has no trial named {name!r}", expected=f"one of {listed}"
            )
        if name in self._motions:
            trial = self._read_motion(self._motions[name])
            if name in self._markers:
                from lmm_desktop.io.trc import read_trc

                trial.markers = read_trc(self._markers[name]).markers
        else:
            from lmm_desktop.io.trc import read_trc

            trial = read_trc(self._markers[name])
        prov = trial.provenance
        prov.format = "opencap"
        prov.session_path = self.path
        prov.trial_name = name
        prov.video_paths = self.videos(name)
        if self.model_path is not None:
            prov.model_path = self.model_path
            info = self.model_info
            prov.model_name = info.name if info is not None else prov.model_name
        trial.subject = self.subject
        trial.metadata["session_notes"] = list(self.notes)
        return trial

    def _read_motion(self, mot: Path) -> Trial:
        from lmm_desktop.io.mot import read_mot

        trial = read_mot(mot)
        info = self.model_info
        if info is None or trial.source is None:
            return trial
        _check_model_matches(mot, trial.source.names, info)
        result = map_to_canonical(trial.source.names, trial.source.values, info=info)
        trial.kinematics = result.kinematics
        trial.metadata["unmapped"] = result.unmapped
        return trial


def is_session_folder(path: str | Path) -> bool:
    """True for a folder holding ``OpenSimData/Kinematics/*.mot`` or ``MarkerData/*.trc``."""
    p = Path(path)
    if not p.is_dir():
        return False
    return bool(_list(p / _KINEMATICS, ".mot") or _marker_files(p))


def open_session(folder: str | Path) -> Session:
    """Open an OpenCap session folder: list its trials and read ``sessionMetadata.yaml``.

    Raises
    ------
    TrialReadError
        The folder does not exist, holds neither motions nor marker data, or its metadata file
        cannot be read.
    """
    p = Path(folder)
    if not p.is_dir():
        raise TrialReadError(p, "the folder does not exist", expected="an OpenCap session folder")
    motions = _list(p / _KINEMATICS, ".mot")
    markers = _marker_files(p)
    if not motions and not markers:
        raise TrialReadError(
            p,
            "not an OpenCap session folder",
            expected="OpenSimData/Kinematics/*.mot (joint angles) or MarkerData/*.trc (markers) "
            "inside it",
        )
    notes: list[str] = []
    metadata = _read_metadata(p / METADATA_FILE, notes)
    subject = _subject(p / METADATA_FILE, metadata, notes)
    model_path = _model_file(p, metadata, notes)
    return Session(
        path=p,
        subject=subject,
        model_path=model_path,
        metadata=metadata,
        notes=notes,
        _motions=motions,
        _markers=markers,
    )


def _list(folder: Path, suffix: str) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {
        f.stem: f for f in sorted(folder.iterdir()) if f.is_file() and f.suffix.lower() == suffix
    }


def _marker_files(session: Path) -> dict[str, Path]:
    found = _list(session / _MARKERS / "PostAugmentation", ".trc")
    found.update(_list(session / _MARKERS, ".trc"))  # files directly in MarkerData win
    return found


def _model_file(session: Path, metadata: dict[str, Any], notes: list[str]) -> Path | None:
    models = sorted((session / _MODEL).glob("*.osim")) if (session / _MODEL).is_dir() else []
    if not models:
        notes.append(
            "no OpenSim model in OpenSimData/Model: joint signs follow the "
            "coordinate names and the data"
        )
        return None
    wanted = str(metadata.get("openSimModel") or "")
    preferred = [m for m in models if wanted and m.stem.startswith(wanted)]
    chosen = (preferred or models)[0]
    if len(models) > 1:
        notes.append(f"several models in OpenSimData/Model; using {chosen.name}")
    return chosen


def _read_metadata(path: Path, notes: list[str]) -> dict[str, Any]:
    if not path.is_file():
        notes.append(f"no {METADATA_FILE}: height, mass and sex unknown")
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TrialReadError(
            path,
            f"the session metadata cannot be read ({exc})",
            expected="a YAML file with keys such as height_m, mass_kg, gender_mf",
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TrialReadError(path, "the session metadata is not a list of 'key: value' pairs")
    return data


def _subject(path: Path, meta: dict[str, Any], notes: list[str]) -> Subject:
    raw_sex = meta.get("gender_mf", meta.get("sex"))
    sex = _SEX.get(str(raw_sex).strip().lower()) if raw_sex is not None else None
    if raw_sex is not None and sex is None:
        notes.append(f"sex value {raw_sex!r} not recognised; left unknown")
    ident = meta.get("subjectID", meta.get("subject_id"))
    return Subject(
        height_m=_number(path, meta, "height_m"),
        mass_kg=_number(path, meta, "mass_kg"),
        sex=sex,
        age_years=_number(path, meta, "age_years") or _number(path, meta, "age"),
        identifier=None if ident is None else str(ident),
    )


def _number(path: Path, meta: dict[str, Any], key: str) -> float | None:
    value = meta.get(key)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TrialReadError(
            path, f"{key} is {value!r}", where=f"key '{key}'", expected="a number"
        ) from None
    if number <= 0:
        raise TrialReadError(
            path, f"{key} is {value!r}", where=f"key '{key}'", expected="a positive number"
        )
    return number


def _check_model_matches(mot: Path, names: list[str], info: ModelInfo) -> None:
    known = set(info.coordinates)
    extra = [n for n in names if n not in known]
    if extra:
        shown = ", ".join(extra[:_MAX_LISTED]) + (" ..." if len(extra) > _MAX_LISTED else "")
        raise TrialReadError(
            mot,
            "the motion's coordinates do not match the model",
            where=f"columns {shown} (not in {info.path.name if info.path else info.name})",
            expected=f"a motion computed with the session model '{info.name}'",
        )
