"""The ``LmmError`` family.

Every message is written for the person at the screen: it names the file (or value), where the
problem is, and what was expected, so it can be shown as is in a dialog or printed by the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class LmmError(Exception):
    """Base class of every error LMM Desktop reports to the user."""


class TrialReadError(LmmError):
    """A trial file or folder cannot be read.

    Parameters
    ----------
    path
        The file (or folder) being read.
    problem
        What is wrong, in plain words ("the header has no 'endheader' line").
    where
        Optional location inside the file ("line 12", "column 'knee_angle_r'").
    expected
        Optional statement of what was expected ("a number", "an OpenSim .mot file").
    """

    def __init__(
        self,
        path: str | Path | None,
        problem: str,
        *,
        where: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.path = None if path is None else Path(path)
        self.problem = problem
        self.where = where
        self.expected = expected
        super().__init__(self._compose())

    def _compose(self) -> str:
        parts = []
        if self.path is not None:
            parts.append(f"Cannot read '{self.path}'")
        else:
            parts.append("Cannot read the trial")
        if self.where:
            parts[0] += f" ({self.where})"
        msg = parts[0] + f": {self.problem}"
        if self.expected:
            msg += f"; expected {self.expected}"
        if not msg.endswith("."):
            msg += "."
        return msg


class TrialWriteError(LmmError):
    """A trial cannot be written (bad destination, unsupported format, no space)."""


class ModelLoadError(LmmError):
    """A biomechanical or machine-learning model cannot be loaded or does not fit the data."""


class AnalysisError(LmmError):
    """An analysis step cannot produce a result; the message says why."""


class InvalidValueError(LmmError, ValueError):
    """A parameter has a value outside its allowed set (one wording everywhere)."""


def validate_choice(name: str, value: object, allowed: Iterable[object]) -> None:
    """Raise :class:`InvalidValueError` unless ``value`` is one of ``allowed``.

    The wording is the same everywhere: "Invalid value for 'x'. Allowed values are 'a', 'b',
    but got 'd'."
    """
    allowed = list(allowed)
    if value not in allowed:
        opts = ", ".join(repr(a) for a in allowed)
        raise InvalidValueError(
            f"Invalid value for {name!r}. Allowed values are {opts}, but got {value!r}."
        )
