"""The clinical task registry: paraphrases, answer format round trips, applicability, routing."""

from __future__ import annotations

import pytest

from lmm_desktop.assistant.tasks import REGISTRY_VERSION, TASKS, get_task, route
from lmm_desktop.core.errors import InvalidValueError

REQUIRED = {"activity", "impaired", "diagnosis", "assistive_device", "fall_history",
            "walking_speed", "cadence", "tug_time", "fsst_time", "describe"}


def test_registry_has_every_task() -> None:
    assert set(TASKS) >= REQUIRED
    assert REGISTRY_VERSION


@pytest.mark.parametrize("task", list(TASKS.values()), ids=list(TASKS))
def test_dozens_of_paraphrases(task) -> None:
    assert len(task.paraphrases) >= 18
    assert len(set(task.paraphrases)) == len(task.paraphrases)


@pytest.mark.parametrize("task", [t for t in TASKS.values() if t.kind == "classification"],
                         ids=lambda t: t.id)
def test_classification_answers_round_trip(task) -> None:
    for lab in task.labels:
        text = task.format_answer(lab.id)
        assert text.endswith(".")
        assert task.parse_answer(text) == lab.id
        assert task.parse_answer(f"{text} Some explanation follows.") == lab.id


@pytest.mark.parametrize("task", [t for t in TASKS.values() if t.kind == "regression"],
                         ids=lambda t: t.id)
def test_regression_answers_one_decimal_with_unit(task) -> None:
    text = task.format_answer(1.2345 if task.unit == "m/s" else 12.345)
    assert task.unit in text
    number = text.split()[0]
    assert len(number.split(".")[1]) == 1
    assert task.parse_answer(text) == pytest.approx(float(number))
    assert task.parse_answer("I cannot tell") is None
    assert task.parse_answer("-5000 units") is None  # absurd values are rejected


def test_applicability() -> None:
    unimpaired = {"condition": "unimpaired", "activity": "walking", "diagnosis": "none",
                  "speed_m_s": "1.31", "fall_history": ""}
    stroke_tug = {"condition": "stroke", "activity": "tug", "diagnosis": "stroke", "tug_s": "14.2"}
    prosthesis = {"condition": "transtibial", "activity": "walking", "fall_history": "yes",
                  "diagnosis": "lower_limb_prosthesis", "speed_m_s": "0.9"}
    assert get_task("diagnosis").truth(unimpaired) is None
    assert get_task("diagnosis").truth(stroke_tug) == "stroke"
    assert get_task("fall_history").truth(unimpaired) is None
    assert get_task("fall_history").truth(prosthesis) == "yes"
    assert get_task("walking_speed").truth(unimpaired) == pytest.approx(1.31)
    assert get_task("walking_speed").truth(stroke_tug) is None
    assert get_task("tug_time").truth(stroke_tug) == pytest.approx(14.2)
    # "none" is a real answer for the device (an unimpaired walker uses no aid)
    assert get_task("assistive_device").truth({"device": "none"}) == "none"
    assert get_task("assistive_device").truth({"device": ""}) is None
    assert get_task("walking_speed").truth({"activity": "walking", "speed_m_s": "none"}) is None
    assert get_task("describe").truth({"description": "Walking; no aid."}) == "Walking; no aid."


@pytest.mark.parametrize(
    ("question", "task_id"),
    [("What is the TUG time?", "tug_time"),
     ("how fast is she walking", "walking_speed"),
     ("Does he use a walker or a cane?", "assistive_device"),
     ("What's the most likely diagnosis?", "diagnosis"),
     ("steps per minute?", "cadence"),
     ("Has this amputee had falls?", "fall_history"),
     ("How long did the four square step test take?", "fsst_time"),
     ("Please describe the movement", "describe"),
     ("What is the weather tomorrow?", None)],
)
def test_routing(question: str, task_id: str | None) -> None:
    task = route(question)
    assert (task.id if task else None) == task_id


def test_every_paraphrase_routes_to_its_task() -> None:
    for task in TASKS.values():
        for p in task.paraphrases:
            assert route(p) is task


def test_unknown_task_message() -> None:
    with pytest.raises(InvalidValueError, match="Allowed values are"):
        get_task("mood")


def test_values_are_shown_with_clinical_precision() -> None:
    """The answer text keeps the trained one-decimal format; what the user sees follows
    clinical convention per quantity, the same for the AI estimate and the measurement."""
    from lmm_desktop.assistant.tasks import show_value

    assert show_value("walking_speed", 0.888, "m/s") == "0.89 m/s"
    assert show_value("walking_speed", 1.0, "m/s") == "1.00 m/s"  # no dropped trailing zero
    assert show_value("cadence", 112.44, "steps/min") == "112 steps/min"
    assert show_value("tug_time", 12.345, "s") == "12.3 s"
    assert show_value("fsst_time", 9.0, None) == "9.0"
    assert show_value(None, 0.123456, "x") == "0.123 x"  # unknown task: 3 significant digits
    assert TASKS["walking_speed"].format_answer(0.888) == "0.9 m/s."  # trained format unchanged
