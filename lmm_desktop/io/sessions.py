"""Where trials are: a file, or one trial of an OpenCap session folder; and a folder's trials.

Shared by the app's Trials list, the session overview and the batch table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TrialRef:
    """Where a trial is: a file, or a session folder plus the trial's name."""

    path: Path
    trial: str | None = None

    @property
    def label(self) -> str:
        return self.trial or self.path.stem

    @property
    def where(self) -> str:
        """The path, with the trial's name for a session folder ('…/session [walk1]')."""
        return f"{self.path}" + (f" [{self.trial}]" if self.trial else "")


def is_opencap_session(folder: Path) -> bool:
    """True for a folder laid out like an OpenCap session."""
    return (folder / "OpenSimData").is_dir() or (folder / "sessionMetadata.yaml").is_file()


def session_trials(folder: Path) -> list[TrialRef]:
    """The trials of a session folder (OpenCap layout, or any folder of trial files).

    Raises
    ------
    LmmError
        An OpenCap session folder that cannot be read.
    """
    from lmm_desktop.io import READ_SUFFIXES, open_session

    if is_opencap_session(folder):
        session = open_session(folder)
        names = getattr(session, "trial_names", None) or getattr(session, "trials", [])
        return [TrialRef(folder, str(getattr(n, "name", n))) for n in names]
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in READ_SUFFIXES)
    return [TrialRef(p) for p in files]


__all__ = ["TrialRef", "is_opencap_session", "session_trials"]
