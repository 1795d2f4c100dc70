"""File > Export report…: the open trial's assessment report written from the app, filled from
the records, with the edited metrics, the note, the chat's answers and an optional comparison."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from lmm_desktop.assistant.answer import Answer
from lmm_desktop.records.importer import sha256_of
from lmm_desktop.ui.main_window import MainWindow
from lmm_desktop.ui.report_dialog import ReportDialog, export_report, prefill, show_report_dialog
from tests.ui.conftest import open_and_wait

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _file_under_patient(window: MainWindow, trial: Path) -> tuple[int, int]:
    store = window.records.link.store
    patient = store.add_patient("Margaret Hamilton", birth_date="1950-03-01", sex="female")
    session = store.add_session(
        patient.id, date="2026-11-20", assessor="Dr Ruth", referral_question="Falls?"
    )
    store.add_trial(
        session.id, path=trial.resolve(), sha256=sha256_of(trial), name=trial.stem, format="mot"
    )
    return patient.id, session.id


def test_export_without_a_trial_says_what_to_do(window: MainWindow, messages) -> None:
    assert show_report_dialog(window) is None
    assert messages and "Open a trial first" in messages[-1][1]
    assert "export_report" in window.actions_by_name


def test_report_from_the_app_uses_records_note_and_chat(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    tug = DEMO / "S0048_tug_01.mot"
    _patient, session_id = _file_under_patient(window, tug)
    open_and_wait(qtbot, window, tug)
    window.records.notes.editor.setPlainText("Used the armrests to rise.")
    window.chat.history.add(
        window.chat.key,
        "How long did the TUG take?",
        Answer(text="16.3 s", task="tug_time", value=16.3, unit="s", flags=[]),
    )
    window.chat.history.add(
        window.chat.key, "Stopped one", Answer(text="1", task="tug_time", flags=["stopped"])
    )
    dialog = show_report_dialog(window)
    assert isinstance(dialog, ReportDialog)
    qtbot.addWidget(dialog)
    c = dialog.current_choices()
    assert (c.name, c.birth_date, c.sex, c.assessor, c.session_date) == (
        "Margaret Hamilton", "1950-03-01", "female", "Dr Ruth", "2026-11-20"
    )
    assert c.save_details and "1 asked in the chat" in dialog.include_ai.text()
    dialog.walking_aid.setText("single-point cane")
    dialog.summary.setPlainText("Slow, cautious TUG.\nPlan: balance training; review in 6 weeks.")
    dialog.open_after.setChecked(False)
    out = tmp_path / "out" / "tug.pdf"
    out.parent.mkdir()
    dialog.ask_path = lambda suffix: out  # type: ignore[method-assign]
    dialog.export(".pdf")
    assert dialog.written == out and not dialog.error.text()
    text = _pdf_text(out)
    assert "Margaret Hamilton" in text and "Dr Ruth" in text and "single-point cane" in text
    assert "Used the armrests to rise." in text  # the note as typed
    assert "16.3 s" in text and "AI estimate" in text  # the chat's answer, marked
    assert "Worse than average for ages 70-79" in text  # age from the birth date
    assert str(out) in window.status_label.text()
    assert "Slow, cautious TUG." in text and "Plan: balance training" in text
    # the corrected detail and the summary went back to the records
    store = window.records.link.store
    assert store.session(session_id).walking_aid == "single-point cane"
    summary = store.note("session", session_id)
    assert summary is not None and summary.text.splitlines()[1].startswith("Plan:")


def test_bad_dates_and_suffix_refused_with_the_fix(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    open_and_wait(qtbot, window, DEMO / "S0003_walking_01.mot")
    dialog = show_report_dialog(window)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert not dialog.save.isEnabled()  # not in the records: nothing to save to
    dialog.birth.setText("01/03/1950")
    asked: list[str] = []
    dialog.ask_path = lambda suffix: asked.append(suffix)  # type: ignore[method-assign,func-returns-value]
    dialog.export(".pdf")
    assert "YYYY-MM-DD" in dialog.error.text() and not asked  # refused before asking where
    with pytest.raises(Exception, match=r"\.pdf or \.html"):
        export_report(window, prefill(window), tmp_path / "report.docx")
    assert not (tmp_path / "report.docx").exists()


def test_comparison_report_of_two_demo_walks(qtbot, window: MainWindow, tmp_path: Path) -> None:
    window.open_path(DEMO)  # the demo folder: its trials fill the Trials browser
    qtbot.waitUntil(lambda: len(window.browser.refs()) >= 6, timeout=30000)
    open_and_wait(qtbot, window, DEMO / "S0048_walking_01.mot")
    c = prefill(window)
    c.compare_with = next(r for r in window.browser.refs() if r.label == "S0003_walking_01")
    c.open_when_written = False
    out = export_report(window, c, tmp_path / "prepost.html")
    html = out.read_text(encoding="utf-8")
    assert "A: S0003_walking_01" in html and "B: S0048_walking_01" in html


def test_export_first_asks_the_assistant_what_the_chat_did_not(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """With an assistant loaded (a real tiny Gemma 3 engine), the dialog offers to ask the
    report's unanswered questions first; they are asked off the UI thread, then the report is
    written with them as AI findings. The chat's own answers are not asked again."""
    pytest.importorskip("torch")
    from tests.ui.test_chat_panel import make_engine
    from training.sft.tiny import build_tiny_engine_parts

    parts = build_tiny_engine_parts(tmp_path / "tiny", codebook_size=16)
    window.chat.set_engine(make_engine(parts, max_new_tokens=4, abstain_below=0.0))
    open_and_wait(qtbot, window, DEMO / "S0048_tug_01.mot")
    window.chat.history.add(
        window.chat.key, "Is the gait impaired?", Answer(text="Yes.", task="impaired", flags=[])
    )
    tid, _added = window.records.link.ensure_trial()  # in the records (under 'Unfiled')
    assert tid is not None
    dialog = show_report_dialog(window)
    assert dialog is not None
    qtbot.addWidget(dialog)
    tasks = [t for t, _q in dialog.questions]
    assert "impaired" not in tasks and "tug_time" in tasks
    assert dialog.ask_now.isEnabled() and dialog.ask_now.isChecked()
    dialog.open_after.setChecked(False)
    out = tmp_path / "asked.html"
    dialog.ask_path = lambda suffix: out  # type: ignore[method-assign]
    dialog.export(".html")
    assert dialog.asking and not dialog.pdf_btn.isEnabled()
    qtbot.waitUntil(lambda: dialog.written is not None, timeout=120000)
    assert not dialog.asking
    html = out.read_text(encoding="utf-8")
    assert "AI estimate" in html
    from lmm_desktop.assistant.tasks import TASKS

    for task in [*tasks, "impaired"]:
        assert TASKS[task].title in html
    # filed trials keep what the report printed: the asked answers become assessments
    kept = {a.task for a in window.records.link.store.assessments(tid)}
    assert set(tasks) <= kept


def test_cancel_while_asking_writes_nothing(qtbot, window: MainWindow, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from PySide6.QtCore import QThread

    from tests.ui.test_chat_panel import make_engine
    from training.sft.tiny import build_tiny_engine_parts

    parts = build_tiny_engine_parts(tmp_path / "tiny", codebook_size=16)
    window.chat.set_engine(make_engine(parts, max_new_tokens=400, abstain_below=0.0))
    open_and_wait(qtbot, window, DEMO / "S0048_tug_01.mot")
    dialog = show_report_dialog(window)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.ask_now.isChecked()
    dialog.open_after.setChecked(False)
    out = tmp_path / "never.pdf"
    dialog.ask_path = lambda suffix: out  # type: ignore[method-assign]
    dialog.export(".pdf")
    assert dialog.asking
    dialog.reject()  # Cancel: stops the answer being generated, writes nothing
    assert not dialog.asking
    qtbot.wait(300)  # a late 'done' from the worker must not write either
    assert not out.exists() and dialog.written is None
    assert all(not t.isRunning() for t in dialog.findChildren(QThread))


def _dialog_in_the_demo(qtbot, window: MainWindow, name: str):  # type: ignore[no-untyped-def]
    """The report dialog for the demo trial ``name``, the demo folder listed in Trials."""
    window.open_path(DEMO)
    qtbot.waitUntil(lambda: len(window.browser.refs()) >= 6, timeout=30000)
    open_and_wait(qtbot, window, DEMO / name)
    dialog = show_report_dialog(window)
    assert dialog is not None
    qtbot.addWidget(dialog)
    return dialog


def test_one_report_for_several_trials_of_the_session(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """TUG, FSST and sit-to-stand of one session in one report, each against its cut-off; a
    comparison report holds two trials only, so choosing one disables the list."""
    dialog = _dialog_in_the_demo(qtbot, window, "S0048_tug_01.mot")
    labels = [dialog.more.item(k).text() for k in range(dialog.more.count())]
    assert "S0048_tug_01" not in labels and {"S0003_fsst_01", "S0004_sts5_01"} <= set(labels)
    for k, label in enumerate(labels):
        if label in ("S0003_fsst_01", "S0004_sts5_01"):
            dialog.more.item(k).setCheckState(Qt.CheckState.Checked)
    c = dialog.current_choices()
    assert [r.label for r in c.more_trials] == ["S0003_fsst_01", "S0004_sts5_01"]
    c.open_when_written = False
    out = export_report(window, c, tmp_path / "session.html")
    html = out.read_text(encoding="utf-8")
    for n, name in enumerate(("S0048_tug_01", "S0003_fsst_01", "S0004_sts5_01"), start=1):
        assert f"Trial {n}: {name}" in html
    assert "≥ 13.5 s" in html and "&gt; 15 s" in html and "≥ 12 s" in html
    dialog.compare.setCurrentIndex(1)
    assert not dialog.more.isEnabled() and dialog.order.isEnabled()


def test_one_click_ticks_the_same_persons_trials_for_the_batteries(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """From the demo's 4-Stage trial: the button ticks S0048's four other trials (and no other
    participant's), and the report has the SPPB and the STEADI screen of the five."""
    dialog = _dialog_in_the_demo(qtbot, window, "S0048_four_stage_balance_01.mot")
    assert dialog.same_person is not None
    assert dialog.same_person.text() == "Tick S0048's other 4 trial(s)"
    assert dialog.current_choices().sex == "male"  # unfiled: the file's own (its header)
    dialog.same_person.click()
    c = dialog.current_choices()
    assert sorted(r.label for r in c.more_trials) == [
        "S0048_sts5_01", "S0048_tug_01", "S0048_walk_4m_01", "S0048_walking_01"]
    c.open_when_written = False
    html = export_report(window, c, tmp_path / "battery.html").read_text(encoding="utf-8")
    assert "SPPB 8 / 12: mild limitation" in html
    assert "Fall-risk screen (CDC STEADI functional tests)" in html


def test_report_adds_the_progress_over_the_patients_sessions(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    tug = DEMO / "S0048_tug_01.mot"
    patient_id, _ = _file_under_patient(window, tug)
    store = window.records.link.store
    earlier = store.add_session(patient_id, date="2026-09-01")
    walk = DEMO / "S0039_walking_01.mot"
    store.add_trial(earlier.id, path=walk.resolve(), sha256=sha256_of(walk), name=walk.stem,
                    format="mot")
    open_and_wait(qtbot, window, tug)
    dialog = show_report_dialog(window)
    assert isinstance(dialog, ReportDialog)
    qtbot.addWidget(dialog)
    assert dialog.include_progress.isEnabled()
    assert "2 sessions" in dialog.include_progress.text()
    dialog.include_progress.setChecked(True)
    dialog.open_after.setChecked(False)
    out = tmp_path / "p.html"
    dialog.ask_path = lambda suffix: out  # type: ignore[method-assign]
    dialog.export(".html")
    html = out.read_text()
    assert "Progress over 2 session(s)" in html and "2026-09-01" in html
