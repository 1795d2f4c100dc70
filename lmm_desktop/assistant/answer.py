"""The Answer the assistant returns (a **contract**, see ARCHITECTURE.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Flags an Answer may carry.
OUT_OF_SCOPE = "out_of_scope"
LOW_CONFIDENCE = "low_confidence"
DISAGREES = "disagrees_with_measurement"
UNVERIFIED = "unverified_free_form"
STOPPED = "stopped"
TRUNCATED = "truncated"
UNPARSED = "unparsed"
SHORT_MOTION = "short_motion"
"""The trial is shorter than :data:`SHORT_MOTION_S`: the answer rests on little movement."""
PARTIAL_MOTION = "partial_motion"
"""Many of the trial's joints are missing (e.g. angles computed from a clinical marker set:
legs and pelvis only): the model saw the training average in their place."""
PARTIAL_MOTION_MAX_MISSING = 8
"""More missing joints than this (of 34) flag an answer; OpenCap's few missing ones do not."""
SHORT_MOTION_S = 3.0
"""Under 3 s a walk holds about two strides or fewer (a stride takes ~1.1 s), too little for
the gait analysis to measure and little for the model to go on; its simulated training trials
were mostly longer (median walk ~5 s)."""


@dataclass
class Answer:
    """What the clinician sees, and everything needed to judge it.

    Attributes
    ----------
    text
        The text shown (streamed as it was generated).
    task
        Registered task id the question was routed to, or None for a free-form question.
    label
        Classification: the label id with the highest probability (None when abstaining).
    value, unit
        Regression: the model's estimate and its unit: the mean of the model's distribution
        over scored candidate values when they were scored (``interval`` set), else the
        generated number; the generated words may then name another number.
    probabilities
        Classification: probability of every label id, computed by scoring each label's
        answer under the model (sums to 1), after the model's label calibration when it has
        one (``calibrated``).
    raw_probabilities
        Classification: the same before calibration (equal to ``probabilities`` without one).
    calibrated
        Whether ``probabilities`` went through a label calibration (``calibration.json``).
    wordings
        How many fixed wordings of the question the label probabilities (classification) or
        the estimate and its interval (regression) average over; 0 or 1: the wording asked.
    interval
        Regression: a central 80 % interval from scoring a grid of candidate values.
    measured
        What the analysis measured for the same quantity (None when it cannot).
    flags
        Any of: out_of_scope, low_confidence, disagrees_with_measurement, unverified_free_form,
        stopped, truncated, unparsed, short_motion.
    """

    text: str
    task: str | None = None
    label: str | None = None
    value: float | None = None
    unit: str | None = None
    probabilities: dict[str, float] = field(default_factory=dict)
    raw_probabilities: dict[str, float] = field(default_factory=dict)
    calibrated: bool = False
    wordings: int = 0
    interval: tuple[float, float] | None = None
    measured: float | None = None
    flags: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    cited_times_s: list[float] = field(default_factory=list)
    latency_s: float = 0.0
    first_token_s: float | None = None
    n_tokens: int = 0
    device: str = "cpu"
    model_version: str | None = None

    @property
    def differential(self) -> list[tuple[str, float]]:
        """Labels ranked by probability (the differential for diagnosis)."""
        return sorted(self.probabilities.items(), key=lambda kv: -kv[1])

    @property
    def confidence(self) -> float | None:
        return max(self.probabilities.values()) if self.probabilities else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text, "task": self.task, "label": self.label,
            "value": self.value, "unit": self.unit,
            "probabilities": {k: round(v, 6) for k, v in self.probabilities.items()},
            "raw_probabilities": {k: round(v, 6) for k, v in self.raw_probabilities.items()},
            "calibrated": self.calibrated, "wordings": self.wordings,
            "interval": list(self.interval) if self.interval else None,
            "measured": self.measured, "flags": list(self.flags),
            "suggestions": list(self.suggestions), "cited_times_s": self.cited_times_s,
            "latency_s": round(self.latency_s, 4),
            "first_token_s": None if self.first_token_s is None else round(self.first_token_s, 4),
            "n_tokens": self.n_tokens, "device": self.device,
            "model_version": self.model_version,
        }
