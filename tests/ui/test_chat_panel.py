"""The chat panel with a real tiny engine (random Gemma 3 + tiny motion tokenizer) on a real trial:
streaming, probabilities, Stop, refusals, flags, cited-time seeking, per-trial chats in the
records, export, injected loaders, and the window without a model."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QLabel

torch = pytest.importorskip("torch")

from lmm_desktop.assistant import answer as A  # noqa: E402
from lmm_desktop.assistant.answer import Answer  # noqa: E402
from lmm_desktop.assistant.engine import AssistantEngine, EngineModel  # noqa: E402
from lmm_desktop.assistant.manager import LoadCancelled  # noqa: E402
from lmm_desktop.assistant.tasks import TASKS  # noqa: E402
from lmm_desktop.core.errors import ModelLoadError  # noqa: E402
from lmm_desktop.core.trial import Trial  # noqa: E402
from lmm_desktop.io import read_trial  # noqa: E402
from lmm_desktop.motion.config import TokenizerConfig  # noqa: E402
from lmm_desktop.motion.tokenizer import MotionTokenizer  # noqa: E402
from lmm_desktop.ui.answer_view import DISCLAIMER, AnswerView  # noqa: E402
from lmm_desktop.ui.chat_history import RecordsChatHistory, ordered_tasks  # noqa: E402
from lmm_desktop.ui.chat_panel import ChatPanel  # noqa: E402
from lmm_desktop.ui.main_window import MainWindow  # noqa: E402
from tests.ui.conftest import open_and_wait, show_synthetic  # noqa: E402

pytestmark = pytest.mark.gui
CFG = TokenizerConfig(codebook_size=16, code_dim=8, width=16, depth=1, down_t=2)
STOP_BUDGET_S = 0.2  # the requirement: Stop takes effect within 200 ms


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> tuple[EngineModel, MotionTokenizer]:
    from training.sft.tiny import build_tiny_engine_parts

    return build_tiny_engine_parts(tmp_path_factory.mktemp("tiny"), codebook_size=16)


def make_engine(parts: tuple[EngineModel, MotionTokenizer], **kw: object) -> AssistantEngine:
    lm, mtok = parts

    def motion_text(trial: Trial) -> str:
        assert trial.kinematics is not None
        return mtok.codec.encode(mtok.encode(trial.kinematics, trial.time).tolist())

    return AssistantEngine(lm, motion_text, **kw)  # type: ignore[arg-type]


@pytest.fixture
def walking(walking_file: Path) -> Trial:
    return read_trial(walking_file)


def _no_running_threads(widget: ChatPanel | MainWindow) -> bool:
    return all(not t.isRunning() for t in widget.findChildren(QThread))


@pytest.fixture
def make_panel(qtbot) -> Iterator:
    made: list[ChatPanel] = []

    def make(**kw: object) -> ChatPanel:
        panel = ChatPanel(**kw)  # type: ignore[arg-type]
        panel.resize(420, 700)
        qtbot.addWidget(panel)
        panel.show()
        made.append(panel)
        return panel

    yield make
    for panel in made:
        panel.shutdown()
        assert _no_running_threads(panel), "a chat worker was still running after shutdown"


def _suggestion(panel: ChatPanel, task_id: str):
    return next(
        b for b in panel.suggestion_buttons if b.property("question") == TASKS[task_id].suggested
    )


def test_suggested_question_streams_and_shows_probabilities(
    qtbot, make_panel, parts, walking: Trial
) -> None:
    panel = make_panel(engine=make_engine(parts, max_new_tokens=12, abstain_below=0.0))
    panel.set_trial(walking)
    pieces: list[str] = []
    panel.token_streamed.connect(pieces.append)
    # a walking trial: walking questions first, the rest in the "More questions" menu
    shown = [b.property("question") for b in panel.suggestion_buttons]
    assert shown[:2] == [TASKS["walking_speed"].suggested, TASKS["cadence"].suggested]
    assert len(shown) + len(panel.more_menu.actions()) == len(TASKS)
    with qtbot.waitSignal(panel.answer_finished, timeout=60000) as done:
        _suggestion(panel, "diagnosis").click()
        assert panel.stop_btn.isEnabled() and not panel.ask_btn.isEnabled()
    answer: Answer = done.args[0]
    view = panel.views[-1]
    assert len(pieces) >= 1
    assert "".join(pieces) == view.streamed_text
    assert "".join(pieces).strip() == answer.text
    assert answer.task == "diagnosis" and answer.n_tokens == 12
    assert view.bars is not None
    assert view.bars.n_bars == len(TASKS["diagnosis"].labels) == len(answer.probabilities) == 5
    assert view.disclaimer.text() == DISCLAIMER and view.disclaimer.isVisible()
    assert view.headline is not None and "Most likely diagnosis" in view.headline.text()
    assert not panel.stop_btn.isEnabled() and panel.ask_btn.isEnabled()
    assert [t.question for t in panel.history.turns(panel.key)] == [TASKS["diagnosis"].suggested]


def test_stop_ends_a_long_generation_quickly(qtbot, make_panel, parts, walking: Trial) -> None:
    panel = make_panel(engine=make_engine(parts, max_new_tokens=5000))
    panel.set_trial(walking)
    pieces: list[str] = []
    panel.token_streamed.connect(pieces.append)
    assert panel.ask("Describe this movement.")
    qtbot.waitUntil(lambda: len(pieces) >= 3, timeout=60000)
    with qtbot.waitSignal(panel.answer_finished, timeout=5000) as done:
        t0 = time.perf_counter()
        panel.stop_btn.click()
    elapsed = time.perf_counter() - t0
    answer: Answer = done.args[0]
    assert A.STOPPED in answer.flags and A.TRUNCATED not in answer.flags
    assert answer.n_tokens < 5000
    assert elapsed < STOP_BUDGET_S, f"Stop took {elapsed * 1000:.0f} ms"
    assert A.STOPPED in panel.views[-1].flag_labels
    assert not panel.answering and not panel.stop_btn.isEnabled()


def test_second_question_while_answering_is_refused_politely(
    qtbot, make_panel, parts, walking: Trial
) -> None:
    panel = make_panel(engine=make_engine(parts, max_new_tokens=5000))
    panel.set_trial(walking)
    assert panel.ask("Describe this movement.")
    qtbot.keyClicks(panel.input, "What is the cadence?")
    qtbot.keyClick(panel.input, "\r")
    assert panel.notice.isVisible() and "One question at a time" in panel.notice.text()
    assert panel.input.text() == "What is the cadence?"  # not lost
    assert not any(b.isEnabled() for b in panel.suggestion_buttons)
    assert len(panel.views) == 1
    with qtbot.waitSignal(panel.answer_finished, timeout=5000):
        panel.stop()


def test_out_of_scope_offers_suggestions_that_ask(qtbot, make_panel, parts, walking: Trial) -> None:
    panel = make_panel(engine=make_engine(parts, max_new_tokens=3))
    panel.set_trial(walking)
    with qtbot.waitSignal(panel.answer_finished, timeout=60000) as done:
        panel.ask("What's the capital of France?")
    assert A.OUT_OF_SCOPE in done.args[0].flags
    view = panel.views[-1]
    assert A.OUT_OF_SCOPE in view.flag_labels
    assert len(view.suggestion_buttons) == len(TASKS)
    with qtbot.waitSignal(panel.answer_finished, timeout=60000) as done:
        view.suggestion_buttons[1].click()  # "Does this person have a movement impairment?"
    assert done.args[0].task == "impaired"
    assert len(panel.views) == 2


def test_disagreement_warning_and_interval(qtbot) -> None:
    view = AnswerView("What is the walking speed?")
    qtbot.addWidget(view)
    ans = Answer(
        text="1.6 m/s.",
        task="walking_speed",
        value=1.6,
        unit="m/s",
        interval=(1.4, 1.8),
        measured=1.2,
        flags=[A.DISAGREES],
    )
    view.set_answer(ans)
    view.show()
    warning = view.flag_labels[A.DISAGREES]
    assert warning.isVisible()
    # Speed is shown with two decimals everywhere (estimate, interval, measurement), never
    # "1.6" beside "1.2" beside "0.888".
    assert "disagrees" in warning.text() and "1.20 m/s" in warning.text()
    assert "33%" in warning.text()
    assert view.interval_bar is not None and view.interval_bar.measured == 1.2
    assert view.headline is not None and "1.60 m/s" in view.headline.text()
    assert "80 % interval: 1.40–1.80 m/s" in view.headline.text()
    assert view.bars is None
    assert not view.text_label.isVisible()  # the words say the same as the headline


def test_estimate_over_fixed_wordings_says_so(qtbot) -> None:
    """An estimate averaged over the question's fixed wordings says so beside its interval and
    in the explanation of the words (with the reason in the tooltip)."""
    view = AnswerView("How many steps per minute?")
    qtbot.addWidget(view)
    view.set_answer(Answer(text="112.0 steps/min.", task="cadence", value=108.4,
                           unit="steps/min", interval=(96.0, 121.0), measured=107.0,
                           wordings=3))
    assert view.headline is not None
    assert "80 % interval: 96–121 steps/min; over 3 wordings of the question" in (
        view.headline.text())
    assert "do not depend on how you phrased it" in view.headline.toolTip()
    assert "(the question worded 3 ways)" in view.text_label.text()


def test_estimate_that_differs_from_the_words_explains_why(qtbot) -> None:
    """The estimate averages over every value the model considered; when its likeliest words
    name another number, the view says both, not two unexplained numbers."""
    view = AnswerView("What is the cadence?")
    qtbot.addWidget(view)
    view.set_answer(Answer(text="112.0 steps/min.", task="cadence", value=108.4,
                           unit="steps/min", interval=(96.0, 121.0), measured=107.0))
    view.show()
    assert view.headline is not None and "108 steps/min" in view.headline.text()
    words = view.text_label.text()
    assert view.text_label.isVisible()
    assert "average over every value" in words and "“112.0 steps/min”" in words
    other = AnswerView("How fast is this person walking?")
    qtbot.addWidget(other)
    other.set_answer(Answer(text="106.1 steps/min.", task="walking_speed", value=0.8,
                            unit="m/s", interval=(0.6, 0.9), measured=0.888))
    assert "(“106.1 steps/min”) did not answer in m/s" in other.text_label.text()
    # Words and estimate that agree at the words' precision are not explained as different.
    for task, text, value, unit in (("walking_speed", "0.8 m/s.", 0.82, "m/s"),
                                    ("cadence", "112.0 steps/min.", 112.4, "steps/min")):
        same = AnswerView("?")
        qtbot.addWidget(same)
        same.set_answer(Answer(text=text, task=task, value=value, unit=unit,
                               interval=(value * 0.9, value * 1.1)))
        same.show()
        assert not same.text_label.isVisible(), task


def test_interval_labels_never_overlap() -> None:
    """An estimate next to the measurement: the two labels are pushed apart, inside the bar."""
    from lmm_desktop.ui.answer_charts import place_labels

    xs = place_labels([100.0, 104.0], [40.0, 80.0], 300.0)
    assert xs[0] + 40.0 + 6.0 <= xs[1] + 1e-9 and xs[0] >= 0 and xs[1] + 80 <= 300
    xs = place_labels([104.0, 100.0], [40.0, 80.0], 300.0)  # measured left of the estimate
    assert xs[1] + 80.0 + 6.0 <= xs[0] + 1e-9
    xs = place_labels([2.0, 5.0], [40.0, 80.0], 300.0)  # against the left edge
    assert xs[0] == 0.0 and xs[1] >= 46.0
    xs = place_labels([298.0, 299.0], [40.0, 80.0], 300.0)  # against the right edge
    assert xs[1] + 80.0 == 300.0 and xs[0] + 46.0 <= xs[1] + 1e-9
    assert place_labels([50.0, 250.0], [40.0, 40.0], 300.0) == [30.0, 230.0]  # far apart


def test_flags_become_sentences_and_differential_is_ranked(qtbot) -> None:
    probs = {
        "stroke": 0.2,
        "parkinsons_disease": 0.45,
        "lower_limb_prosthesis": 0.1,
        "spinal_cord_injury": 0.15,
        "traumatic_brain_injury": 0.1,
    }
    view = AnswerView("What is the most likely diagnosis for this gait impairment?")
    qtbot.addWidget(view)
    view.set_answer(
        Answer(
            text="Parkinson's disease.",
            task="diagnosis",
            probabilities=probs,
            flags=[A.LOW_CONFIDENCE, A.SHORT_MOTION],
        )
    )
    assert view.bars is not None and view.bars.ranked and view.bars.n_bars == 5
    assert view.bars.rows[0] == ("Parkinson's disease", 0.45)
    assert "no answer" in view.headline.text()  # type: ignore[union-attr]
    assert "Low confidence" in view.flag_labels[A.LOW_CONFIDENCE].text()
    assert "Short recording (under 3 s" in view.flag_labels[A.SHORT_MOTION].text()
    texts = [w.text() for w in view.findChildren(QLabel)]
    assert any("Ranked differential (from the model's scores):" in t for t in texts)
    calibrated = AnswerView("Does the person use an assistive device?")
    qtbot.addWidget(calibrated)
    calibrated.set_answer(Answer(text="Cane.", task="assistive_device", label="cane",
                                 probabilities={"none": 0.3, "cane": 0.6, "crutches": 0.05,
                                                "walker": 0.05},
                                 raw_probabilities={"none": 0.7, "cane": 0.2, "crutches": 0.05,
                                                    "walker": 0.05}, calibrated=True,
                                 wordings=3))
    caption = [w for w in calibrated.findChildren(QLabel) if "calibrated for equally" in w.text()]
    assert caption and "Label calibration" in caption[0].toolTip()
    assert "over 3 wordings of the question" in caption[0].text()
    assert "do not depend on how you phrased it" in caption[0].toolTip()
    assert calibrated.bars is not None and calibrated.bars.rows[0] == ("Cane", 0.6)
    free = AnswerView("Is the left knee moving much?")
    qtbot.addWidget(free)
    free.set_answer(Answer(text="Yes.", flags=[A.UNVERIFIED]))
    assert "unknown" in free.flag_labels[A.UNVERIFIED].text()


def test_cited_time_seeks_the_playback_clock(qtbot, window: MainWindow) -> None:
    show_synthetic(window)
    assert window.clock is not None and window.chat.trial is not None
    view = window.chat.show_answer(
        "Describe this movement.",
        Answer(text="The left knee stiffens at 1.5 s.", task="describe", cited_times_s=[1.5]),
    )
    assert view.cited_label is not None and "1.50 s" in view.cited_label.text()
    view.cited_label.linkActivated.emit("seek:1.5")  # what a click on the link emits
    assert window.clock.time == pytest.approx(1.5, abs=0.011)
    assert window.timeline._cursor == pytest.approx(window.clock.time)


def test_missing_model_is_explained_and_the_window_still_works(
    qtbot, window: MainWindow, walking_file: Path
) -> None:
    chat = window.chat
    assert chat.unavailable_reason is not None
    assert "No language-model artifact" in chat.unavailable_reason
    assert chat.banner.isVisible() and "Assistant not available" in chat.banner.text()
    assert chat.model_status.label.text() == "Assistant: not available"
    assert window.chat_dock.isVisible()
    assert window.actions_by_name["chat"].isChecked()
    open_and_wait(qtbot, window, walking_file)
    assert "walking1_videoAndMocap" in chat.title.text()
    assert not chat.loading and not chat.input.isEnabled()
    assert not chat.ask("What is the cadence?") and "not available" in chat.notice.text()
    clock = window.clock
    assert clock is not None
    clock.play()
    qtbot.waitUntil(lambda: clock.frame > 10, timeout=5000)
    clock.pause()
    window.actions_by_name["chat"].trigger()
    assert not window.chat_dock.isVisible()


def test_chats_kept_per_trial_and_restored_from_the_records(
    qtbot, make_panel, parts, tmp_path: Path, fixtures_dir: Path
) -> None:
    from lmm_desktop.records import Autosave, RecordStore, import_trial_file

    walk = fixtures_dir / "opencap" / "walking1_videoAndMocap.mot"
    squat = fixtures_dir / "opencap" / "squats1_videoAndMocap.mot"
    store = RecordStore(tmp_path / "records.sqlite")
    patient = store.add_patient("Test Patient")
    session = store.add_session(patient.id)
    rec = import_trial_file(store, session.id, walk)
    journal = Autosave(tmp_path / "autosave")
    engine = make_engine(parts, max_new_tokens=4, abstain_below=0.0)
    panel = make_panel(engine=engine, history=RecordsChatHistory(store, journal))
    walking, squats = read_trial(walk), read_trial(squat)
    panel.set_trial(walking)
    with qtbot.waitSignal(panel.answer_finished, timeout=60000) as done:
        panel.ask(TASKS["impaired"].suggested)
    assert [m.role for m in store.chat(rec.id)] == ["user", "assistant"]
    (assessment,) = store.assessments(rec.id)
    assert assessment.answer["probabilities"].keys() == {"yes", "no"}
    assert assessment.model_version == "tiny-test"
    assert journal.pending_recovery() == []  # the journal entry was committed and cleared
    panel.set_trial(squats)  # not in the records: kept in memory
    assert panel.views == []
    assert panel.history.trial_id(panel.key) is None  # type: ignore[attr-defined, arg-type]
    panel.set_trial(walking)
    assert len(panel.views) == 1
    # a new session (new panel, new history on the same database) restores the chat
    again = make_panel(engine=engine, history=RecordsChatHistory(RecordStore(store.path)))
    again.set_trial(walking)
    (view,) = again.views
    assert view.question == TASKS["impaired"].suggested
    assert view.answer is not None and view.answer.text == done.args[0].text
    assert view.bars is not None and view.bars.n_bars == 2


def test_export_chat_markdown_and_json(
    qtbot, make_panel, parts, walking: Trial, tmp_path: Path
) -> None:
    panel = make_panel(engine=make_engine(parts, max_new_tokens=3))
    panel.set_trial(walking)
    assert not panel.export_btn.isEnabled()
    with qtbot.waitSignal(panel.answer_finished, timeout=60000):
        panel.ask("What is the cadence?")
    assert panel.export_btn.isEnabled()
    md = panel.export_chat(tmp_path / "chat.md").read_text()
    assert "What is the cadence?" in md and "walking1_videoAndMocap" in md
    assert "not a diagnosis" in md
    data = json.loads(panel.export_chat(tmp_path / "chat.json").read_text())
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]


def test_injected_loader_reports_progress_then_ready(
    qtbot, make_panel, parts, walking: Trial
) -> None:
    seen: list[tuple[str, float]] = []

    def loader(progress, cancel: threading.Event) -> AssistantEngine:
        progress("loading the language model", 0.3)
        return make_engine(parts, max_new_tokens=2)

    panel = make_panel(loader=loader)
    panel.model_status.bar.valueChanged.connect(lambda v: seen.append(("bar", v)))
    assert not panel.ready and not panel.input.isEnabled()
    with qtbot.waitSignal(panel.assistant_ready, timeout=30000):
        panel.set_trial(walking)  # the first trial starts loading
    assert panel.ready and panel.input.isEnabled()
    assert ("bar", 30) in seen
    assert panel.model_status.state == "ready"
    assert "tiny-test" in panel.model_status.label.text()
    assert "cpu" in panel.model_status.label.text()


def test_loader_failure_and_cancel(qtbot, make_panel, walking: Trial) -> None:
    def broken(progress, cancel):
        raise ModelLoadError(
            "The model 'big' needs about 9.0 GB of memory but this computer has 2.0 GB free."
        )

    panel = make_panel(loader=broken)
    with qtbot.waitSignal(panel.assistant_unavailable, timeout=10000) as sig:
        panel.set_trial(walking)
    assert "9.0 GB" in sig.args[0] and "Assistant not available" in panel.banner.text()

    started = threading.Event()

    def slow(progress, cancel: threading.Event):
        started.set()
        cancel.wait(30)
        raise LoadCancelled("Loading the model was stopped.")

    slow_panel = make_panel(loader=slow)
    slow_panel.set_trial(walking)
    assert started.wait(10) and slow_panel.loading
    t0 = time.perf_counter()
    slow_panel.model_status.cancel_btn.click()
    qtbot.waitUntil(lambda: not slow_panel.loading, timeout=5000)
    assert time.perf_counter() - t0 < 1.0
    assert not slow_panel.ready and slow_panel.unavailable_reason is None


def test_suggestions_ordered_by_the_trials_activity() -> None:
    assert [t.id for t in ordered_tasks("walking1_videoAndMocap")][:2] == [
        "walking_speed",
        "cadence",
    ]
    assert ordered_tasks("TUG_trial2")[0].id == "tug_time"
    assert ordered_tasks("subject_fsst")[0].id == "fsst_time"
    assert ordered_tasks("Four_Square_Step_1")[0].id == "fsst_time"
    # a 4-Stage Balance Test is not the Four Square Step Test ('four' alone matched it)
    assert [t.id for t in ordered_tasks("S0048_four_stage_balance_01")][:3] == [
        "activity", "impaired", "describe"]
    assert {t.id for t in ordered_tasks("anything")} == set(TASKS)


def test_opening_another_trial_stops_the_answer_and_keeps_it(
    qtbot, make_panel, parts, walking: Trial, fixtures_dir: Path
) -> None:
    panel = make_panel(engine=make_engine(parts, max_new_tokens=5000))
    panel.set_trial(walking)
    old_key = panel.key
    pieces: list[str] = []
    panel.token_streamed.connect(pieces.append)
    assert panel.ask("Describe this movement.")
    qtbot.waitUntil(lambda: len(pieces) >= 2, timeout=60000)
    panel.set_trial(read_trial(fixtures_dir / "opencap" / "squats1_videoAndMocap.mot"))
    assert not panel.answering and panel.views == []
    (turn,) = panel.history.turns(old_key)  # type: ignore[arg-type]
    assert turn.answer is not None and A.STOPPED in turn.answer.flags


def test_timed_test_estimate_names_the_measured_time_against_its_cut_off(qtbot) -> None:
    view = AnswerView("How long did the TUG take?")
    qtbot.addWidget(view)
    view.set_answer(Answer(text="16.3 s.", task="tug_time", value=16.3, unit="s",
                           interval=(11.1, 24.1), measured=17.2))
    labels = " ".join(lbl.text() for lbl in view.findChildren(QLabel))
    assert "17.2 s" in labels and "(above the ≥ 13.5 s fall-risk cut-off)" in labels
    fsst = AnswerView("How long did the FSST take?")
    qtbot.addWidget(fsst)
    fsst.set_answer(Answer(text="9.0 s.", task="fsst_time", value=9.0, unit="s",
                           interval=(7.0, 11.0), measured=8.4))
    labels = " ".join(lbl.text() for lbl in fsst.findChildren(QLabel))
    assert "(below the > 15 s fall-risk cut-off)" in labels
    cadence = AnswerView("What is the cadence?")
    qtbot.addWidget(cadence)
    cadence.set_answer(Answer(text="100 steps/min.", task="cadence", value=100.0,
                              unit="steps/min", interval=(90.0, 110.0), measured=104.0))
    assert "cut-off" not in " ".join(lbl.text() for lbl in cadence.findChildren(QLabel))
