"""Label calibration of a model's classification answers (``calibration.json`` in a model folder).

The assistant scores every label's answer under the model and normalises the likelihoods
(:meth:`AssistantEngine._score_labels`). Those raw scores carry the class frequencies of the
training cohort (most simulated participants use no walking aid, so "none" is favoured) and are
over- or under-confident. A calibration, fitted by ``lmm-train calibrate`` on participants held
out from training *and* from evaluation, maps them per task and prompt variant as

    calibrated log-probabilities = log-softmax(raw log-likelihood / T + b)

with one temperature ``T`` and one offset per label ``b`` (prior correction, as in "logit
adjustment"). It is fitted for equally likely labels, so the probabilities shown answer "which
label fits this movement best", not "how common is the label in the training cohort".

This module only reads and applies calibrations (numpy; no Qt, no torch). Fitting lives in
``training/eval/calibrate.py``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lmm_desktop.core.errors import ModelLoadError

CALIBRATION_FILE = "calibration.json"
FORMAT_VERSION = 1
VARIANTS = ("tokens", "grounded")


@dataclass(frozen=True)
class TaskCalibration:
    """Temperature and per-label offsets of one classification task."""

    temperature: float
    offsets: dict[str, float]

    def apply(self, labels: list[str], loglik: np.ndarray) -> np.ndarray:
        """Calibrated log-scores of ``labels`` (same order) from raw log-likelihoods."""
        b = np.array([self.offsets.get(lab, 0.0) for lab in labels], dtype=float)
        return np.asarray(loglik, dtype=float) / self.temperature + b


@dataclass
class LabelCalibration:
    """Every task's calibration per prompt variant, and where it was fitted."""

    variants: dict[str, dict[str, TaskCalibration]]
    fitted_on: dict[str, Any] = field(default_factory=dict)
    method: str = "temperature + label offsets, class-balanced log-loss"
    label_wordings: int = 1
    """How many wordings of each question the scores it was fitted on averaged over (the
    engine then answers the same way; files from before this field: 1)."""

    def for_variant(self, grounded: bool) -> dict[str, TaskCalibration]:
        return self.variants.get("grounded" if grounded else "tokens", {})


def parse_calibration(data: Any, source: str = CALIBRATION_FILE) -> LabelCalibration:
    """Check and parse a calibration's JSON content; a clear :class:`ModelLoadError` when it is
    not one this version understands."""
    def bad(why: str) -> ModelLoadError:
        return ModelLoadError(f"'{source}' is not a usable label calibration: {why}. Fit it again "
                              "with 'lmm-train calibrate', or delete the file to use the "
                              "model's raw probabilities.")

    if not isinstance(data, dict):
        raise bad("it is not a JSON object")
    if data.get("format_version") != FORMAT_VERSION:
        raise bad(f"format version {data.get('format_version')!r}, expected {FORMAT_VERSION}")
    variants_in = data.get("variants")
    if not isinstance(variants_in, dict):
        raise bad("'variants' is missing")
    variants: dict[str, dict[str, TaskCalibration]] = {}
    for variant, tasks in variants_in.items():
        if variant not in VARIANTS:
            raise bad(f"unknown prompt variant {variant!r} (expected {', '.join(VARIANTS)})")
        if not isinstance(tasks, dict):
            raise bad(f"variant {variant!r} is not an object")
        variants[variant] = {}
        for task_id, entry in tasks.items():
            try:
                temp = float(entry["temperature"])
                offsets = {str(k): float(v) for k, v in entry["offsets"].items()}
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise bad(f"task {task_id!r} lacks a numeric temperature and offsets") from exc
            if not (math.isfinite(temp) and 0.05 <= temp <= 20.0):
                raise bad(f"task {task_id!r} has an absurd temperature {temp}")
            if not all(math.isfinite(v) and abs(v) <= 50.0 for v in offsets.values()):
                raise bad(f"task {task_id!r} has a non-finite or absurd label offset")
            variants[variant][task_id] = TaskCalibration(temp, offsets)
    fitted_on = data.get("fitted_on")
    wordings = data.get("label_wordings", 1)
    if not isinstance(wordings, int) or isinstance(wordings, bool) or not 1 <= wordings <= 16:
        raise bad(f"'label_wordings' is {wordings!r}, expected a whole number 1-16")
    return LabelCalibration(variants=variants,
                            fitted_on=fitted_on if isinstance(fitted_on, dict) else {},
                            method=str(data.get("method", LabelCalibration.method)),
                            label_wordings=wordings)


def load_calibration(folder: Path) -> LabelCalibration | None:
    """The calibration of the model in ``folder``, or None when it has none."""
    path = Path(folder) / CALIBRATION_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"'{path}' cannot be read as JSON ({exc}). Fit it again with "
                             "'lmm-train calibrate', or delete the file to use the model's raw "
                             "probabilities.") from exc
    return parse_calibration(data, str(path))
