"""Loading a labelled trial folder for tokenizer training: trials, participants, the split.

A data folder holds trial files readable by ``lmm_desktop.io.read_trial`` and a ``labels.csv``
with at least the columns ``participant`` and ``file`` (path relative to the folder); the cohort
simulator writes exactly that.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.errors import LmmError


class DataError(LmmError):
    """The training data folder is missing pieces or holds unreadable trials."""


@dataclass
class TrialRecord:
    participant: str
    file: Path
    row: dict[str, str]


def read_labels(data_dir: Path) -> list[TrialRecord]:
    """Rows of ``labels.csv`` as :class:`TrialRecord` (file paths resolved)."""
    path = data_dir / "labels.csv"
    if not path.is_file():
        raise DataError(f"No labels.csv in '{data_dir}': expected a table with at least the "
                        "columns 'participant' and 'file' (make one with `lmm-train simulate`).")
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise DataError(f"'{path}' has no rows.")
    for col in ("participant", "file"):
        if col not in rows[0]:
            raise DataError(f"'{path}' has no column '{col}'; columns are {list(rows[0])}.")
    return [TrialRecord(participant=r["participant"], file=data_dir / r["file"], row=r)
            for r in rows]


def participant_split(participants: list[str], *, val_fraction: float = 0.1,
                      seed: int = 0) -> tuple[list[str], list[str]]:
    """Deterministic participant-level split (train, validation) by hashing the id with the seed.

    The same ids and seed always give the same split, so the tokenizer and the language model
    hold out the same people.
    """
    uniq = sorted(set(participants))

    def score(pid: str) -> float:
        digest = hashlib.sha256(f"{seed}:{pid}".encode()).hexdigest()
        return int(digest[:12], 16) / float(16**12)

    val = [p for p in uniq if score(p) < val_fraction]
    if not val and len(uniq) > 1:
        val = [min(uniq, key=score)]
    train = [p for p in uniq if p not in set(val)]
    return train, val


def save_split(path: Path, train: list[str], val: list[str], seed: int,
               val_fraction: float) -> None:
    with atomic_write(path) as fh:
        json.dump({"seed": seed, "val_fraction": val_fraction, "train": train, "val": val},
                  fh, indent=2)


def load_split(path: Path) -> tuple[list[str], list[str]]:
    data = json.loads(path.read_text())
    return list(data["train"]), list(data["val"])


@dataclass
class PreparedTrial:
    participant: str
    file: Path
    x: NDArray[np.float32]  # (T, 34) z-scores at the tokenizer rate
    mask: NDArray[np.bool_]  # (T, 34) measured
    angles: NDArray[np.float64]  # (n, 34) degrees at the source rate
    time: NDArray[np.float64]
    present: NDArray[np.bool_]


def load_angles(records: list[TrialRecord]) -> list[tuple[TrialRecord, NDArray[np.float64],
                                                          NDArray[np.float64],
                                                          NDArray[np.bool_]]]:
    """Read every trial's canonical angles; unreadable trials raise DataError naming the file."""
    from lmm_desktop.io import read_trial

    out = []
    for rec in records:
        try:
            trial = read_trial(rec.file)
        except LmmError as exc:
            raise DataError(f"Training trial '{rec.file}' cannot be read: {exc}") from exc
        if trial.kinematics is None:
            raise DataError(f"Training trial '{rec.file}' has no joint angles.")
        out.append((rec, trial.kinematics.angles, trial.time, trial.kinematics.present))
    return out
