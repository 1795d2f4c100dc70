"""Import trials into the records: a whole OpenCap session folder, or one trial file."""

from __future__ import annotations

import hashlib
from datetime import date as _date
from pathlib import Path

from lmm_desktop.core.errors import TrialReadError
from lmm_desktop.records.models import SessionRecord, TrialRecord
from lmm_desktop.records.store import RecordStore

_CHUNK = 1 << 20


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file's content (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _trial_file(folder: Path, name: str) -> Path:
    """The file holding an OpenCap trial: its joint angles, else its (augmented) markers."""
    candidates = (
        folder / "OpenSimData" / "Kinematics" / f"{name}.mot",
        folder / "MarkerData" / "PostAugmentation" / f"{name}.trc",
        folder / "MarkerData" / f"{name}.trc",
    )
    for c in candidates:
        if c.is_file():
            return c
    raise TrialReadError(
        folder,
        f"the trial {name!r} has no .mot or .trc file",
        expected="OpenSimData/Kinematics/<trial>.mot or MarkerData/<trial>.trc",
    )


def import_opencap_session(
    store: RecordStore,
    patient_id: int,
    folder: str | Path,
    *,
    date: str | None = None,
    assessor: str | None = None,
    referral_question: str | None = None,
    walking_aid: str | None = None,
) -> tuple[SessionRecord, list[TrialRecord]]:
    """Add an OpenCap session folder to a patient: one session, one trial per recording.

    The patient's sex is filled from ``sessionMetadata.yaml`` when the record has none. The
    session date defaults to the modification date of the first trial file. Everything is written
    in one transaction: a failure leaves the records unchanged.

    Raises
    ------
    TrialReadError
        The folder is not an OpenCap session (see :func:`lmm_desktop.io.open_session`).
    RecordsError
        No such patient.
    """
    from lmm_desktop.io import open_session

    session = open_session(folder)
    patient = store.patient(patient_id)
    names = session.trial_names
    files = [_trial_file(session.path, n) for n in names]
    if date is None and files:
        date = _date.fromtimestamp(files[0].stat().st_mtime).isoformat()
    hashes = [sha256_of(f) for f in files]  # before the transaction: reading can be slow
    with store.transaction():
        if patient.sex is None and session.subject.sex is not None:
            store.update_patient(patient_id, sex=session.subject.sex)
        rec = store.add_session(
            patient_id,
            date=date,
            assessor=assessor,
            referral_question=referral_question,
            walking_aid=walking_aid,
            path=session.path.resolve(),
        )
        trials = [
            store.add_trial(rec.id, path=f.resolve(), sha256=h, name=n, format="opencap")
            for n, f, h in zip(names, files, hashes)
        ]
    return rec, trials


def import_trial_file(
    store: RecordStore, session_id: int, path: str | Path, *, name: str | None = None
) -> TrialRecord:
    """Add one trial file (.mot, .trc, .c3d, ...) to a session."""
    p = Path(path)
    if not p.is_file():
        raise TrialReadError(p, "the file does not exist")
    return store.add_trial(
        session_id,
        path=p.resolve(),
        sha256=sha256_of(p),
        name=name or p.stem,
        format=p.suffix.lower().lstrip("."),
    )
