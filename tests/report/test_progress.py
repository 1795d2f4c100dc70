"""A patient's progress over sessions, re-analysed from the records' trial files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lmm_desktop.cli import main
from lmm_desktop.records import RecordStore
from lmm_desktop.records.importer import import_trial_file
from lmm_desktop.report.progress import change_text, patient_progress

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


def _records(tmp_path: Path) -> tuple[Path, int]:
    """Ada: a first visit with a slow walk, a second with a walk and a TUG; one trial's file
    has since moved away."""
    files = tmp_path / "files"
    files.mkdir()
    for name in ("S0039_walking_01.mot", "S0048_walking_01.mot", "S0048_tug_01.mot"):
        shutil.copy(DEMO / name, files / name)
    db = tmp_path / "r.sqlite"
    with RecordStore(db) as store:
        ada = store.add_patient("Ada Byron")
        s1 = store.add_session(ada.id, date="2026-01-10")
        s2 = store.add_session(ada.id, date="2026-03-14")
        import_trial_file(store, s1.id, files / "S0039_walking_01.mot")
        import_trial_file(store, s2.id, files / "S0048_walking_01.mot")
        import_trial_file(store, s2.id, files / "S0048_tug_01.mot")
        gone = files / "gone.mot"
        shutil.copy(DEMO / "S0039_walking_01.mot", gone)
        import_trial_file(store, s2.id, gone)
        gone.unlink()
        return db, ada.id


def test_sessions_in_date_order_with_their_measures(tmp_path: Path) -> None:
    db, pid = _records(tmp_path)
    seen: list[tuple[int, int]] = []
    with RecordStore(db) as store:
        sessions = patient_progress(store, pid, progress=lambda k, n: seen.append((k, n)))
    assert [s.date for s in sessions] == ["2026-01-10", "2026-03-14"]
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4)]
    first, second = sessions
    assert first.values["speed_m_s"] == pytest.approx(0.539, abs=0.005)  # S0039's slow walk
    assert first.values["timed_up_and_go"] is None
    assert second.values["timed_up_and_go"] == pytest.approx(17.2, abs=0.1)
    gone = [t for t in second.trials if t.name == "gone"]
    assert gone and "no longer at" in (gone[0].problem or "")
    assert second.values["speed_m_s"] is not None  # the other trials still count


def test_stop_ends_early_with_what_is_done(tmp_path: Path) -> None:
    db, pid = _records(tmp_path)
    calls = iter([False, True])
    with RecordStore(db) as store:
        sessions = patient_progress(store, pid, stop=lambda: next(calls, True))
    assert [len(s.trials) for s in sessions] == [1]


def test_change_says_better_or_worse() -> None:
    assert change_text(0.54, 0.80, 2, True) == "+0.26 (better)"
    assert change_text(17.2, 14.0, 1, False) == "-3.2 (better)"
    assert change_text(100.0, 104.0, 0, None) == "+4"
    assert change_text(None, 1.0, 1, True) == ""


def test_cli_table_json_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = _records(tmp_path)
    assert main(["progress", "ada byron", "--records", str(db)]) == 0
    out = capsys.readouterr().out
    assert "2 session(s)" in out and "2026-01-10" in out and "2026-03-14" in out
    assert "Walking speed (m/s)" in out and "(better)" in out
    assert "not read: gone" in out
    assert "Fall-risk screen (CDC STEADI)" in out and "problem: TUG" in out  # the 2nd visit
    assert main(["progress", "Ada Byron", "--records", str(db), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["sessions"]) == 2 and data["patient"].startswith("P-")
    assert main(["progress", "Nobody", "--records", str(db)]) == 2
    assert "no patient 'Nobody'" in capsys.readouterr().err
    assert main(["progress", "Ada", "--records", str(tmp_path / "none.sqlite")]) == 2
    assert "No records database" in capsys.readouterr().err


def test_report_with_the_progress_over_sessions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = _records(tmp_path)
    out = tmp_path / "r.html"
    trial = tmp_path / "files" / "S0048_walking_01.mot"
    args = ["report", str(trial), "-o", str(out), "--no-ai", "--records", str(db)]
    assert main([*args, "--progress"]) == 0
    html = out.read_text()
    assert "Progress over 2 session(s)" in html
    assert "2026-01-10" in html and "2026-03-14" in html and "(better)" in html
    assert 'alt="Walking speed"' in html  # speed per session as bars
    assert "no longer at" in html  # the moved trial is listed, not hidden
    assert main(args) == 0
    assert "Progress over" not in out.read_text()  # only when asked
    stray = tmp_path / "stray.mot"
    shutil.copy(DEMO / "S0039_walking_01.mot", stray)
    stray.write_text(stray.read_text() + "\n")  # another file: not in the records
    assert main(["report", str(stray), "-o", str(out), "--no-ai", "--records", str(db),
                 "--progress"]) == 2
    assert "needs a trial that is in the records" in capsys.readouterr().err


def test_a_squat_series_gives_its_depth_and_knee_symmetry(fixtures_dir: Path) -> None:
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial
    from lmm_desktop.report.progress import measures_of

    m = measures_of(analyze(read_trial(fixtures_dir / "opencap" / "squats1_videoAndMocap.mot")))
    assert m["squat_depth_cm"] == pytest.approx(35.0, abs=1.0)
    assert m["squat_knee_symmetry_pct"] == pytest.approx(99.1, abs=0.5)
    assert m["speed_m_s"] is None and m["timed_up_and_go"] is None
    walk = measures_of(analyze(read_trial(fixtures_dir / "opencap" / "walking1_videoAndMocap.mot")))
    assert walk["squat_depth_cm"] is None and walk["squat_knee_symmetry_pct"] is None


def test_one_leg_stance_per_leg_and_jump_height() -> None:
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial
    from lmm_desktop.report.progress import _session_values, measures_of

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    m = measures_of(analyze(read_trial(demo / "S0004_one_leg_stance_01.mot")))
    assert m["one_leg_stance"] == pytest.approx(8.8, abs=0.1)
    assert m["one_leg_stance_right_s"] == pytest.approx(8.8, abs=0.1)
    assert m["one_leg_stance_left_s"] == pytest.approx(4.3, abs=0.1)
    assert m["jump_height_cm"] is None
    from tests.analysis.test_jumps import jump_squats

    j = measures_of(analyze(jump_squats()[0]))
    assert j["jump_height_cm"] == pytest.approx(24.8, abs=2.5)
    # in a session the best jump and the longest stance count (not the mean)
    from lmm_desktop.report.progress import TrialMeasures

    trials = [TrialMeasures(1, "a", {"jump_height_cm": 20.0, "one_leg_stance_left_s": 3.0}),
              TrialMeasures(2, "b", {"jump_height_cm": 25.0, "one_leg_stance_left_s": 6.0})]
    v = _session_values(trials)
    assert v["jump_height_cm"] == 25.0 and v["one_leg_stance_left_s"] == 6.0


def test_chair_stands_in_30_s_best_of_the_session_and_full_windows_only() -> None:
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial
    from lmm_desktop.report.batch import row_of, summary_text
    from lmm_desktop.report.progress import MEASURES, TrialMeasures, _session_values, measures_of

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    result = analyze(read_trial(demo / "S0039_chair_stand_30s_01.mot"))
    assert measures_of(result)["chair_stand_30s"] == 6.0
    assert measures_of(analyze(read_trial(demo / "S0004_sts5_01.mot")))["chair_stand_30s"] is None
    assert ("chair_stand_30s", "30-s chair stand", "stands", 0, True) in MEASURES
    v = _session_values([TrialMeasures(1, "a", {"chair_stand_30s": 6.0}),
                         TrialMeasures(2, "b", {"chair_stand_30s": 8.0})])
    assert v["chair_stand_30s"] == 8.0  # the best attempt
    # a recording that stopped before 30 s is a lower bound: not a session's score
    d = result.to_dict()
    for c in d["clinical_tests"]:
        if c["test"] == "thirty_second_chair_stand":
            c["measures"]["censored"] = 1.0
    class Stopped:
        def to_dict(self) -> dict:
            return d

    assert measures_of(Stopped())["chair_stand_30s"] is None
    row = row_of(result.to_dict())
    assert row["chair_stand_30s_stands"] == 6
    assert summary_text(row)[0].startswith("30s chair stand 6")


def _progress_table(sessions: list) -> str:
    """The report's progress section for ``sessions`` (no charts)."""
    from lmm_desktop.report.html import _progress

    class Figs:
        def img(self, *a: object, **k: object) -> str:
            return ""

    class Model:
        progress = sessions

    return _progress(Model(), Figs())  # type: ignore[arg-type]


def test_each_session_has_its_steadi_screen(tmp_path: Path) -> None:
    """A man born 1960: the first visit a TUG (17.2 s: at or over STEADI's 12 s) and a 30-s
    chair stand (6 stands at 66: below average), the second a 4-Stage Balance Test (tandem
    6.1 s). Each session's screen says what it found; a session without a STEADI test, none."""
    files = tmp_path / "files"
    files.mkdir()
    names = ("S0048_tug_01.mot", "S0039_chair_stand_30s_01.mot",
             "S0048_four_stage_balance_01.mot", "S0039_walking_01.mot")
    for name in names:
        shutil.copy(DEMO / name, files / name)
    with RecordStore(tmp_path / "r.sqlite") as store:
        p = store.add_patient("Cy Test", birth_date="1960-05-01", sex="male")
        s1 = store.add_session(p.id, date="2026-11-20")
        s2 = store.add_session(p.id, date="2026-12-01")
        s3 = store.add_session(p.id, date="2026-12-03")
        import_trial_file(store, s1.id, files / names[0])
        import_trial_file(store, s1.id, files / names[1])
        import_trial_file(store, s2.id, files / names[2])
        import_trial_file(store, s3.id, files / names[3])
        sessions = patient_progress(store, p.id)
    assert [s.steadi for s in sessions] == [
        "problem: TUG, 30-s chair stand", "problem: 4-Stage", ""]
    assert sessions[0].to_dict()["steadi"] == "problem: TUG, 30-s chair stand"
    html = _progress_table(sessions)
    assert "Fall-risk screen (CDC STEADI)" in html and "problem: 4-Stage" in html


def test_each_session_has_its_sppb(tmp_path: Path) -> None:
    """The first visit has all three parts (4-Stage, walk, 5xSTS: 8 / 12), the second two of
    them (walk and 30-s chair stand: a partial score, shown as such), the third one (no SPPB).
    The complete score is a number the progress can chart; the partial one is text."""
    files = tmp_path / "files"
    files.mkdir()
    names = ("S0048_four_stage_balance_01.mot", "S0048_walking_01.mot", "S0048_sts5_01.mot",
             "S0039_walking_01.mot", "S0039_chair_stand_30s_01.mot", "S0004_walking_01.mot")
    for name in names:
        shutil.copy(DEMO / name, files / name)
    with RecordStore(tmp_path / "r.sqlite") as store:
        p = store.add_patient("Di Test", birth_date="1950-05-01", sex="male")
        sessions_ = [store.add_session(p.id, date=d)
                     for d in ("2026-11-20", "2026-12-01", "2026-12-03")]
        for k, name in enumerate(names):
            import_trial_file(store, sessions_[0 if k < 3 else 1 if k < 5 else 2].id,
                              files / name)
        sessions = patient_progress(store, p.id)
    assert [s.values["sppb_total"] for s in sessions] == [8.0, None, None]
    assert [s.sppb for s in sessions] == ["8 / 12", "3 of 8 (balance not scored)", ""]
    assert sessions[0].to_dict()["sppb"] == "8 / 12"
    html = _progress_table(sessions)
    assert "SPPB (0-12 points)" in html and "3 of 8 (balance not scored)" in html
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["progress", "Di Test", "--records", str(tmp_path / "r.sqlite")]) == 0
    line = next(ln for ln in buf.getvalue().splitlines() if "SPPB (0-12 points)" in ln)
    assert "8" in line and "3 of 8 (balance not scored)" in line
