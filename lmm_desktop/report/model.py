"""The report model: plain data, no Qt, no HTML. Built by :mod:`lmm_desktop.report.build`,
rendered by :mod:`lmm_desktop.report.html` (and the Qt PDF writer in ``ui/report_pdf.py``).

Whatever is missing is kept as a reason (``reasons`` / ``*_reason``), so every section renders as
either its content or "Not available: <reason>".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.records.models import ChatMessage

Status = Literal["below", "within", "above"]
SideName = Literal["left", "right"]
AI_DISCLAIMER = "AI estimate - not a diagnosis"


@dataclass
class ReportOptions:
    """What the report contains."""

    deidentify: bool = False
    """Leave out the name and birth date; show the identifier code instead (and scrub the name
    from free text)."""
    include_chat: bool = False
    """Append the chat transcript."""
    include_ai: bool = True
    """Include the assistant's findings (never loads a model when False)."""


@dataclass
class PatientInfo:
    """Who was assessed. ``name``/``birth_date`` are None in a de-identified report."""

    identifier_code: str | None = None
    name: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    age_years: float | None = None
    height_m: float | None = None
    mass_kg: float | None = None


@dataclass
class SessionInfo:
    """The visit: when, by whom, why."""

    date: str | None = None
    assessor: str | None = None
    referral_question: str | None = None
    walking_aid: str | None = None


@dataclass
class Measure:
    """A mean value with its SD, stride count and normative judgement."""

    value: float | None
    sd: float | None = None
    n: int = 0
    status: Status | None = None
    normal_range: tuple[float, float] | None = None

    @property
    def deviation_sd(self) -> float | None:
        """Distance from the middle of the normal range (mean ± 1 SD) in SDs."""
        if self.value is None or self.normal_range is None:
            return None
        lo, hi = self.normal_range
        half = (hi - lo) / 2.0
        return None if half <= 0 else (self.value - (lo + hi) / 2.0) / half


@dataclass
class ParameterRow:
    """One spatiotemporal parameter: both feet pooled (``both``) or per side."""

    key: str
    label: str
    unit: str
    decimals: int
    both: Measure | None = None
    left: Measure | None = None
    right: Measure | None = None


@dataclass
class CurveSeries:
    """A mean curve over the cycle (``(101,)`` degrees) with its SD and number of cycles."""

    label: str
    side: SideName
    mean: NDArray[np.float64]
    sd: NDArray[np.float64] | None
    n_cycles: int
    dashed: bool = False


@dataclass
class CurvePanel:
    """One kinematic variable: the subject's curves and the normative band(s)."""

    key: str
    title: str
    positive: str
    series: list[CurveSeries]
    bands: list[tuple[SideName | None, NDArray[np.float64], NDArray[np.float64]]]
    toe_off_pct: dict[str, float] = field(default_factory=dict)
    reason: str | None = None


@dataclass
class GaitProfileInfo:
    """GVS (degrees) per side and variable, GPS per side and overall."""

    gvs: dict[str, dict[str, float]]
    gps: dict[str, float | None]
    gps_overall: float | None
    speed_group: str
    missing: dict[str, str] = field(default_factory=dict)


@dataclass
class ClinicalTestInfo:
    """A timed clinical test (``duration_s`` None with a ``reason`` when it was not timed)."""

    test: str
    title: str
    duration_s: float | None
    phases: list[tuple[str, float, float]]
    rule: str
    repetitions: int | None = None
    measures: dict[str, float] = field(default_factory=dict)
    reason: str | None = None
    overridden: bool = False
    reference: dict[str, Any] | None = None
    """The published cut-off and age norm the time is read against
    (:meth:`lmm_desktop.analysis.clinical_norms.TestReference.to_dict`), or None."""


@dataclass
class QualityInfo:
    """A data-quality flag."""

    severity: str
    kind: str
    message: str


@dataclass
class AiFinding:
    """One assistant answer, shown as an estimate with its confidence, never as a diagnosis."""

    title: str
    question: str
    answer: str
    result: str | None
    confidence: float | None = None
    interval: tuple[float, float] | None = None
    unit: str | None = None
    measured: float | None = None
    differential: list[tuple[str, float]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    task: str | None = None
    """Task id (the display precision of its values), None for a free question."""
    model_version: str | None = None
    wordings: int = 0
    """How many fixed wordings of the question the probabilities or the estimate average."""


@dataclass
class GroundReactionInfo:
    """Force plates: stance figures per side, the contacts, curves over stance and notes."""

    unit: str
    """'BW' (body weights) or 'N'."""
    rows: list[dict[str, Any]]
    """``ForcePlateAnalysis.stance_table()`` rows: label, unit, left, right, decimals."""
    contacts: list[dict[str, Any]]
    """``PlateContact.to_dict()`` of every contact."""
    curves: dict[str, list[tuple[SideName, NDArray[np.float64]]]]
    """Component ('vertical', 'anterior', 'lateral') -> ``(side, (101,))`` per clean contact."""
    notes: list[str] = field(default_factory=list)
    kinetics: dict[str, list[tuple[SideName, NDArray[np.float64]]]] = field(default_factory=dict)
    """Joint moment/power variable -> ``(side, (101,) over the gait cycle)`` per cycle."""
    kinetic_bands: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]] = field(
        default_factory=dict
    )
    """Variable -> normal band (lower, upper) for the trial's speed group."""
    toe_off_pct: dict[str, float] = field(default_factory=dict)
    kinetics_reason: str | None = None
    kinetics_group: str = "Free"


@dataclass
class EmgInfo:
    """EMG channels: one row each, and the mean envelope over the cycles of sided ones."""

    rows: list[dict[str, Any]]
    """``EmgChannel.to_dict()`` per channel."""
    cycles: list[tuple[str, SideName, NDArray[np.float64]]] = field(default_factory=list)
    """(label, side, (101,) % of the channel's peak) per channel with a side."""
    notes: list[str] = field(default_factory=list)


@dataclass
class SquatInfo:
    """A squat series: measures per side, repetitions, findings and the curves over the
    repetition."""

    repetitions: int
    duration_s: float
    rows: list[dict[str, Any]]
    """:func:`lmm_desktop.analysis.squats.squat_rows` rows."""
    reps: list[dict[str, Any]]
    """``SquatRep.to_dict()`` per repetition."""
    findings: list[dict[str, str]]
    """``SquatFinding.to_dict()``: message and rule."""
    curves: dict[str, list[tuple[SideName, NDArray[np.float64], NDArray[np.float64]]]] = field(
        default_factory=dict
    )
    """Joint base name -> ``(side, mean (101,), SD (101,))`` over the repetitions, degrees."""
    rule: str = ""
    title: str = "Squats"
    """'Squats', or 'Single-leg squats (right)'."""
    stance: str = "both"


@dataclass
class TrialReport:
    """Everything shown about one trial."""

    name: str
    label: str
    source: str | None
    n_frames: int
    rate_hz: float
    duration_s: float
    points_source: str | None = None
    events_source: str | None = None
    n_events: int = 0
    n_cycles: dict[str, int] = field(default_factory=dict)
    spatiotemporal: list[ParameterRow] = field(default_factory=list)
    normative_basis: str | None = None
    symmetry: dict[str, float | None] = field(default_factory=dict)
    panels: list[CurvePanel] = field(default_factory=list)
    gait_profile: GaitProfileInfo | None = None
    clinical_tests: list[ClinicalTestInfo] = field(default_factory=list)
    quality: list[QualityInfo] = field(default_factory=list)
    snapshot_png: bytes | None = None
    snapshot_svg: str | None = None
    snapshot_caption: str | None = None
    ai: list[AiFinding] = field(default_factory=list)
    ai_reason: str | None = None
    note: str | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    ground_reaction: GroundReactionInfo | None = None
    emg: EmgInfo | None = None
    squats: SquatInfo | None = None
    jump_findings: list[dict[str, str]] = field(default_factory=list)
    """What the jumps' landings flag (message and rule), as in the Jumps test's notes."""


@dataclass
class DifferenceRow:
    """A comparison line: value in A and B, B - A and the % change from A."""

    label: str
    unit: str
    decimals: int
    a: float | None
    b: float | None
    relative: bool = True
    """False for a signed offset or a percentage, whose % change means nothing."""

    @property
    def difference(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def percent_change(self) -> float | None:
        d = self.difference
        if d is None or self.a is None or abs(self.a) < 1e-12 or not self.relative:
            return None
        return d / abs(self.a) * 100.0


@dataclass
class Comparison:
    """Two trials (or sessions) side by side: overlaid curves and a difference table."""

    label_a: str
    label_b: str
    panels: list[CurvePanel]
    rows: list[DifferenceRow]
    reason: str | None = None


@dataclass
class SignOff:
    """Who signs the report."""

    name: str | None = None
    date: str | None = None


@dataclass
class ReportModel:
    """The whole report."""

    title: str
    generated: str
    patient: PatientInfo
    session: SessionInfo
    trials: list[TrialReport]
    options: ReportOptions = field(default_factory=ReportOptions)
    comparison: Comparison | None = None
    session_note: str | None = None
    chat: list[ChatMessage] | None = None
    sign_off: SignOff = field(default_factory=SignOff)
    software: str = ""
    progress: list[Any] | None = None
    """The patient's sessions (:class:`~lmm_desktop.report.progress.SessionProgress`), when the
    report shows the progress over them."""
