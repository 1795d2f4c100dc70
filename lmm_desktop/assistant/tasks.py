"""The clinical task registry (a **contract**): one place that defines every question the
assistant answers, its paraphrases, its answer format and its label set or unit.

Dataset building, evaluation, the chat's suggested questions, routing and the report all read it.
Answers have a fixed, parseable format: a class label's display text followed by a full stop
("Stroke."), or a number with one decimal and its unit ("1.2 m/s.").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

REGISTRY_VERSION = "1.0"

TaskKind = Literal["classification", "regression", "description"]
Row = Mapping[str, str]


@dataclass(frozen=True)
class Label:
    """One class: its id (as stored in label tables), display text and accepted synonyms."""

    id: str
    text: str
    synonyms: tuple[str, ...] = ()

    def matches(self, answer: str) -> bool:
        a = _norm(answer)
        return any(_norm(s) == a for s in (self.text, self.id, *self.synonyms))


@dataclass(frozen=True)
class ClinicalTask:
    """A question the assistant answers (see module docstring)."""

    id: str
    kind: TaskKind
    title: str
    suggested: str
    """The question shown as a suggestion in the chat."""
    paraphrases: tuple[str, ...]
    labels: tuple[Label, ...] = ()
    unit: str | None = None
    decimals: int = 1
    """Decimals of the number in the model's answer text (the trained answer format)."""
    shown_decimals: int | None = None
    """Decimals an estimate or a measurement of this quantity is shown with (clinical
    convention: speed 0.89 m/s, cadence 112 steps/min, times 12.3 s); None: ``decimals``."""
    column: str | None = None
    """Column of the labels table holding the ground truth."""
    keywords: tuple[str, ...] = ()
    """Words that route a free-text question to this task."""
    measured_key: str | None = None
    """Dotted key of the analysis result that measures the same quantity (for grounding)."""
    tolerance: float | None = None
    """Relative disagreement (fraction) beyond which estimate and measurement are flagged."""
    applies: Callable[[Row], bool] = field(default=lambda row: True, compare=False)
    """Whether the task has a ground-truth answer for a labels-table row."""
    valid_range: tuple[float, float] | None = None
    """Plausible range of a regression value (used to reject absurd answers)."""

    # -------------------------------------------------------------- answers
    @property
    def display_decimals(self) -> int:
        return self.decimals if self.shown_decimals is None else self.shown_decimals

    def show(self, value: float, *, unit: bool = True) -> str:
        """A value of this quantity as shown to the user, e.g. ``0.89 m/s``."""
        text = f"{float(value):.{self.display_decimals}f}"
        return f"{text} {self.unit}" if unit and self.unit else text

    def label(self, label_id: str) -> Label:
        for lab in self.labels:
            if lab.id == label_id:
                return lab
        raise KeyError(f"task {self.id!r} has no label {label_id!r}")

    def format_answer(self, value: str | float) -> str:
        """The canonical answer text for a label id or a number."""
        if self.kind == "classification":
            return f"{self.label(str(value)).text}."
        if self.kind == "regression":
            return f"{float(value):.{self.decimals}f} {self.unit}."
        return str(value)

    def parse_answer(self, text: str) -> str | float | None:
        """Label id or number from an answer text; ``None`` when it cannot be parsed."""
        if self.kind == "classification":
            first = re.split(r"[.\n]", text.strip(), maxsplit=1)[0]
            for lab in self.labels:
                if lab.matches(first):
                    return lab.id
            for lab in sorted(self.labels, key=lambda lab: -len(lab.text)):
                if _norm(lab.text) in _norm(text):
                    return lab.id
            return None
        if self.kind == "regression":
            m = re.search(r"-?\d+(?:\.\d+)?", text)
            if not m:
                return None
            val = float(m.group())
            if self.valid_range and not self.valid_range[0] <= val <= self.valid_range[1]:
                return None
            return val
        return text.strip() or None

    def truth(self, row: Row) -> str | float | None:
        """Ground-truth answer (label id or number) for a labels-table row, if it applies."""
        if self.column is None or not self.applies(row):
            return None
        raw = (row.get(self.column) or "").strip()
        if raw == "" or raw.lower() in ("nan", "na", "n/a", "null"):
            return None
        if self.kind == "description":
            return raw
        if self.kind == "regression":
            try:
                return float(raw)
            except ValueError:
                return None
        for lab in self.labels:
            if lab.matches(raw):
                return lab.id
        return None


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def _paraphrases(stems: list[str], tails: list[str]) -> tuple[str, ...]:
    """Every stem with every tail ("What activity is shown" + "?" / " in this recording?")."""
    return tuple(dict.fromkeys(f"{s}{t}" for s in stems for t in tails))


def _is_walk(row: Row) -> bool:
    return row.get("activity", "") in ("walking", "walking_fast")


def _is_impaired(row: Row) -> bool:
    return row.get("condition", "unimpaired") not in ("unimpaired", "none", "")


def _is_prosthesis(row: Row) -> bool:
    return row.get("condition", "") in ("transtibial", "transfemoral")


_TAILS = ["?", " in this recording?", " in this trial?", " here?", " in this movement?"]

ACTIVITY = ClinicalTask(
    id="activity", kind="classification", title="Activity",
    suggested="What activity is the person performing?",
    paraphrases=_paraphrases(
        ["What activity is the person performing", "What is this person doing",
         "Which activity is shown", "What movement task is being performed",
         "Identify the activity", "What kind of movement is this",
         "Which clinical test or activity is this", "Name the activity performed"], _TAILS),
    labels=(
        Label("walking", "Walking", ("overground walking", "walk", "gait",
                                     "walking at self-selected speed")),
        Label("walking_fast", "Fast walking", ("walking fast", "fast gait", "brisk walking")),
        Label("tug", "Timed Up and Go", ("TUG", "timed up-and-go", "timed up and go test")),
        Label("fsst", "Four Square Step Test", ("FSST", "four-square step test")),
        Label("sts5", "Five-times sit-to-stand", ("5xSTS", "sit to stand", "sit-to-stand",
                                                  "five times sit to stand")),
        Label("standing", "Quiet standing", ("standing", "stance", "static standing")),
        Label("squats", "Squats", ("squat", "squatting")),
    ),
    column="activity", keywords=("activity", "doing", "movement task", "which test", "what task"),
)

IMPAIRED = ClinicalTask(
    id="impaired", kind="classification", title="Gait impairment",
    suggested="Does this person have a movement impairment?",
    paraphrases=_paraphrases(
        ["Does this person have a movement impairment", "Is this person's movement impaired",
         "Is there a gait impairment", "Does the movement look pathological",
         "Is this an unimpaired participant", "Do you see signs of impairment",
         "Is the gait abnormal", "Would you classify this movement as impaired"], _TAILS),
    labels=(Label("yes", "Yes", ("impaired", "abnormal", "pathological")),
            Label("no", "No", ("unimpaired", "normal", "typical", "healthy"))),
    column="impaired", keywords=("impair", "abnormal", "pathological", "normal gait"),
)

DIAGNOSIS = ClinicalTask(
    id="diagnosis", kind="classification", title="Most likely diagnosis",
    suggested="What is the most likely diagnosis for this gait impairment?",
    paraphrases=_paraphrases(
        ["What is the most likely diagnosis for this gait impairment",
         "What condition most likely explains this movement",
         "What is the likely etiology of the impairment", "Which diagnosis fits this gait best",
         "What underlying condition would you suspect", "What is the most probable cause",
         "Give the most likely diagnosis", "Which pathology is most consistent with this"],
        _TAILS),
    labels=(
        Label("stroke", "Stroke", ("hemiparesis", "cerebrovascular accident", "CVA")),
        Label("lower_limb_prosthesis", "Lower-limb prosthesis user",
              ("amputation", "lower limb amputation", "prosthesis", "amputee")),
        Label("spinal_cord_injury", "Incomplete spinal cord injury",
              ("spinal cord injury", "SCI", "incomplete SCI")),
        Label("traumatic_brain_injury", "Traumatic brain injury", ("TBI", "brain injury")),
        Label("parkinsons_disease", "Parkinson's disease", ("Parkinson", "parkinsons", "PD")),
    ),
    column="diagnosis", applies=_is_impaired,
    keywords=("diagnos", "etiolog", "cause", "condition", "pathology", "disease"),
)

DEVICE = ClinicalTask(
    id="assistive_device", kind="classification", title="Assistive device",
    suggested="Is the person using an assistive device?",
    paraphrases=_paraphrases(
        ["Is the person using an assistive device", "Which assistive device is used",
         "Does this person walk with a walking aid", "What walking aid is being used",
         "Is a cane, crutch or walker used", "Which mobility aid does the participant use",
         "Identify any assistive device", "Does the participant rely on a walking aid"], _TAILS),
    labels=(Label("none", "No assistive device", ("none", "no", "no device", "no aid")),
            Label("cane", "Cane", ("walking stick", "stick")),
            Label("crutches", "Crutches", ("crutch", "forearm crutches")),
            Label("walker", "Walker", ("rollator", "walking frame", "frame"))),
    column="device", keywords=("device", "aid", "cane", "walker", "crutch", "stick"),
)

FALLS = ClinicalTask(
    id="fall_history", kind="classification", title="Fall history (prosthesis users)",
    suggested="Does this prosthesis user have a history of falls?",
    paraphrases=_paraphrases(
        ["Does this prosthesis user have a history of falls", "Has this person fallen recently",
         "Is there a history of falls", "Is this prosthesis user a faller",
         "Would you expect a history of falls", "Has the participant reported falls"], _TAILS),
    labels=(Label("yes", "Yes", ("faller", "falls")), Label("no", "No", ("non-faller",))),
    column="fall_history", applies=_is_prosthesis, keywords=("fall", "faller"),
)

SPEED = ClinicalTask(
    id="walking_speed", kind="regression", title="Walking speed",
    suggested="What is the walking speed?",
    paraphrases=_paraphrases(
        ["What is the walking speed", "How fast is the person walking",
         "Estimate the gait speed", "What is the average walking speed",
         "At what speed does the participant walk", "Measure the walking velocity"],
        [*_TAILS, " in m/s?"]),
    unit="m/s", shown_decimals=2, column="speed_m_s", applies=_is_walk, valid_range=(0.0, 4.0),
    keywords=("speed", "how fast", "velocity", "m/s"),
    measured_key="spatiotemporal.speed_m_s", tolerance=0.15,
)

CADENCE = ClinicalTask(
    id="cadence", kind="regression", title="Cadence",
    suggested="What is the cadence?",
    paraphrases=_paraphrases(
        ["What is the cadence", "How many steps per minute does the person take",
         "Estimate the step rate", "What is the walking cadence",
         "How quickly does the person step", "Measure the cadence"],
        [*_TAILS, " in steps per minute?"]),
    unit="steps/min", shown_decimals=0, column="cadence_steps_min", applies=_is_walk,
    valid_range=(10.0, 250.0),
    keywords=("cadence", "steps per minute", "step rate", "steps/min"),
    measured_key="spatiotemporal.cadence_steps_min", tolerance=0.10,
)

TUG = ClinicalTask(
    id="tug_time", kind="regression", title="Timed Up and Go time",
    suggested="How long did the Timed Up and Go take?",
    paraphrases=_paraphrases(
        ["How long did the Timed Up and Go take", "What is the TUG time",
         "How many seconds did the Timed Up and Go test take",
         "What was the time to complete the TUG", "Estimate the Timed Up and Go duration",
         "What is the completion time of the Timed Up and Go"], [*_TAILS, " in seconds?"]),
    unit="s", column="tug_s", valid_range=(2.0, 120.0),
    applies=lambda row: row.get("activity") == "tug",
    keywords=("tug", "timed up", "up and go"),
    measured_key="clinical_tests.tug.duration_s", tolerance=0.15,
)

FSST = ClinicalTask(
    id="fsst_time", kind="regression", title="Four Square Step Test time",
    suggested="How long did the Four Square Step Test take?",
    paraphrases=_paraphrases(
        ["How long did the Four Square Step Test take", "What is the FSST time",
         "How many seconds did the Four Square Step Test take",
         "What was the time to complete the FSST", "Estimate the Four Square Step Test duration",
         "What is the completion time of the Four Square Step Test"],
        [*_TAILS, " in seconds?"]),
    unit="s", column="fsst_s", valid_range=(2.0, 120.0),
    applies=lambda row: row.get("activity") == "fsst",
    keywords=("fsst", "four square", "four-square"),
    measured_key="clinical_tests.fsst.duration_s", tolerance=0.15,
)

DESCRIBE = ClinicalTask(
    id="describe", kind="description", title="Movement description",
    suggested="Describe this movement.",
    paraphrases=_paraphrases(
        ["Describe this movement", "Describe the movement of each body part",
         "Summarise what the torso, head, arms and legs are doing",
         "Give a clinical description of this movement", "What stands out in this movement",
         "Describe the gait pattern"], [".", " in clinical terms.", " briefly."]),
    column="description", keywords=("describe", "description", "summar", "what stands out"),
)

TASKS: dict[str, ClinicalTask] = {t.id: t for t in (
    ACTIVITY, IMPAIRED, DIAGNOSIS, DEVICE, FALLS, SPEED, CADENCE, TUG, FSST, DESCRIBE)}
"""Every registered task by id, in the order suggestions are shown."""


def show_value(task_id: str | None, value: float, unit: str | None) -> str:
    """A value as shown to the user: with its task's display precision when the task is known
    (``0.89 m/s``, ``112 steps/min``, ``12.3 s``), else three significant digits."""
    task = TASKS.get(task_id or "")
    if task is not None and task.kind == "regression":
        return task.show(value, unit=unit is not None)
    return f"{value:.3g} {unit}" if unit else f"{value:.3g}"


def get_task(task_id: str) -> ClinicalTask:
    """The task with this id (raises InvalidValueError with the allowed ids)."""
    from lmm_desktop.core.errors import validate_choice

    validate_choice("task", task_id, TASKS)
    return TASKS[task_id]


def route(question: str) -> ClinicalTask | None:
    """The registered task a free-text question asks, or ``None`` (answer free-form).

    Exact paraphrases match first; otherwise the task whose keywords occur in the question, the
    longest keyword winning (so "TUG time" beats "time").
    """
    q = _norm(question)
    for task in TASKS.values():
        if any(_norm(p) == q for p in task.paraphrases):
            return task
    best: tuple[int, ClinicalTask] | None = None
    for task in TASKS.values():
        for kw in task.keywords:
            k = _norm(kw)
            if k and re.search(rf"\b{re.escape(k)}", q) and (best is None or len(k) > best[0]):
                best = (len(k), task)
    return best[1] if best else None
