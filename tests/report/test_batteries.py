"""The batteries read across a folder's trials, per person: trials grouped by their file name's
participant prefix (at least two), an OpenCap session's trials as one person's."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmm_desktop.io.sessions import TrialRef
from lmm_desktop.report.batteries import person_of, session_batteries


def _t(test: str, d: float | None = None, reps: int | None = None, **measures: float) -> dict:
    return {"test": test, "duration_s": d, "repetitions": reps, "measures": measures,
            "reason": None, "reference": None}


BALANCE = _t("four_stage_balance", 6.0, together_s=10.5, semi_tandem_s=10.4, tandem_s=6.0)
WALK = _t("walking_speed", 4.0, speed_m_s=1.0, walk_4m_s=4.9)
STS = _t("five_times_sit_to_stand", 12.5, 5)
TUG = _t("timed_up_and_go", 11.0)


def test_person_of_a_trial() -> None:
    assert person_of(TrialRef(Path("/d/P01_walk_1.mot"))) == "P01"
    assert person_of(TrialRef(Path("/d/walk.mot"))) is None
    assert person_of(TrialRef(Path("/session"), "walk1")) == ""


def test_one_line_per_person_with_two_or_more_trials() -> None:
    d = Path("/data")
    lines = session_batteries([
        (TrialRef(d / "P01_balance.mot"), [BALANCE]),
        (TrialRef(d / "P01_walk.mot"), [WALK]),
        (TrialRef(d / "P01_sts.mot"), [STS]),
        (TrialRef(d / "P02_tug.mot"), [TUG]),  # one trial: nobody to add it up with
        (TrialRef(d / "walk.mot"), [WALK]),  # no participant in the name
        (TrialRef(d / "P03_tug.mot"), [TUG]),
        (TrialRef(d / "P03_walk.mot"), [WALK]),  # P03: a STEADI screen, no SPPB (1 part)
    ])
    assert [(line.group, line.text) for line in lines] == [
        ("P01", "P01: SPPB 9 / 12 · STEADI: problem: 4-Stage"),
        ("P03", "P03: STEADI: no problem (1 of 3 done)"),
    ]
    assert "SPPB 9 / 12: mild limitation." in lines[0].tooltip
    assert "Gait speed: 4 m in 4.90 s (0.82 m/s) (P01_walk), 3 / 4" in lines[0].tooltip


def test_an_opencap_session_is_one_person() -> None:
    s = Path("/sessions/abc")
    lines = session_batteries([(TrialRef(s, "balance"), [BALANCE]),
                               (TrialRef(s, "sts"), [STS])])
    assert [line.text for line in lines] == [
        "This session: SPPB 6 of 8 (gait speed not scored) · STEADI: problem: 4-Stage"]
    assert session_batteries([(TrialRef(s, "walk"), [WALK])]) == []


def test_the_batteries_table_one_row_per_person(tmp_path: Path) -> None:
    """``lmm-desktop batch`` on the demo folder writes the trial table and, beside it, one row
    per person with a battery: S0048's SPPB 8 (balance 3, gait 4 timed from a standing start
    in 4.62 s, chair 1) and STEADI (TUG 17.2 s, tandem 6.1 s); S0004 and S0039 partial."""
    import csv
    import json

    from lmm_desktop.cli import main

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    out = tmp_path / "study.csv"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["batch", "--quiet", "-o", str(out), str(demo)]) == 0
    summary = json.loads(buf.getvalue())
    assert summary["people"] == 3 and summary["batteries"] == str(tmp_path / "study_batteries.csv")
    with open(tmp_path / "study_batteries.csv", newline="", encoding="utf-8") as fh:
        rows = {r["person"]: r for r in csv.DictReader(fh)}
    s48 = rows["S0048"]
    assert (s48["sppb_total"], s48["sppb_balance"], s48["sppb_gait"], s48["sppb_chair"]) == (
        "8", "3", "4", "1")
    assert s48["sppb_gait_timed"] == "yes" and float(s48["sppb_gait_4m_s"]) == pytest.approx(
        4.62, abs=0.05)
    assert float(s48["steadi_tug_s"]) == pytest.approx(17.2, abs=0.05)
    assert float(s48["steadi_tandem_s"]) == pytest.approx(6.1, abs=0.05)
    assert rows["S0039"]["sppb_total"] == "" and rows["S0039"]["sppb_gait_timed"] == "no"
    assert rows["S0039"]["steadi_chair_stands"] == "6"
