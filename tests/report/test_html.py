"""HTML report: every section, statuses in words, de-identification, AI findings, chat."""

from __future__ import annotations

import base64
import re

import pytest

from lmm_desktop.records.models import ChatMessage
from lmm_desktop.report.assemble import PatientDetails, TrialInput, assemble_report
from lmm_desktop.report.html import SECTION_HEADINGS, render_html, write_html
from lmm_desktop.report.model import AI_DISCLAIMER, ReportOptions, SessionInfo, SignOff

NAME, BIRTH = "Margaret Hamilton", "1936-08-17"
ANSWER = {
    "text": "Parkinson's disease.",
    "task": "diagnosis",
    "label": "parkinsons_disease",
    "probabilities": {"parkinsons_disease": 0.72, "stroke": 0.18, "none": 0.10},
    "flags": [],
    "model_version": "default@2026-11-20",
}


def _report(item: TrialInput, **opts: object) -> str:
    model = assemble_report(
        [item],
        patient=PatientDetails(NAME, BIRTH, "female", "P-TEST01"),
        session=SessionInfo("2026-11-20", "Dr Ruth", f"Falls? ({NAME})", "none"),
        options=ReportOptions(**opts),  # type: ignore[arg-type]
        session_note=f"{NAME} walked without help; born 17/08/1936.",
        sign_off=SignOff("Dr Ruth", "2026-11-21"),
    )
    return render_html(model).html


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html))


def test_full_report_has_every_section(walk_unimpaired: TrialInput) -> None:
    html = _report(walk_unimpaired)
    for heading in SECTION_HEADINGS:
        assert f">{heading}</h" in html, heading
    text = _text(html)
    assert NAME in text and BIRTH in text
    assert "(normal)" in text  # status in words, not colour alone
    assert "Walking speed (m/s)" in text
    svgs = [
        base64.b64decode(b).decode()
        for b in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    ]
    assert len(svgs) >= 12  # 9 panels, legend, MAP, snapshot
    titles = "".join(svgs)
    for title in ("Pelvic tilt", "Knee flexion", "Foot progression"):
        assert f">{title}</text>" in titles
    assert ">Gait Variable Scores (deg), left blue, right orange-red</text>" in titles
    assert all(s.startswith("<svg") and s.endswith("</svg>") for s in svgs)
    assert not re.search(r'(src|href)="(http|file|/)', html)  # self-contained
    assert "@page" in html and "page-break-before" in html
    assert "Dr Ruth" in text and "2026-11-21" in text


def test_sparse_trial_says_why(opencap_walk: TrialInput) -> None:
    opencap_walk.ai_reason = "no usable assistant model"
    html = _report(opencap_walk)
    for heading in SECTION_HEADINGS:
        assert f">{heading}</h" in html, heading
    text = _text(html)
    assert "Not available: no complete stride" in text
    assert "AI findings not available: no usable assistant model." in text
    assert "walking1_videoAndMocap" in text and "158 frames at 100 Hz" in text


def test_deidentified_report_has_neither_name_nor_birth_date(walk_unimpaired: TrialInput) -> None:
    walk_unimpaired.note = f"Note for Hamilton: check the knee. Born {BIRTH}."
    try:
        html = _report(walk_unimpaired, deidentify=True, include_chat=True)
    finally:
        walk_unimpaired.note = None
    lowered = html.lower()
    for secret in (NAME.lower(), "hamilton", "margaret", BIRTH, "17/08/1936"):
        assert secret not in lowered, secret
    assert "P-TEST01" in html
    assert "name and birth date are left out" in html
    # born 1936-08-17, seen 2026-11-20: 90, shown grouped when de-identified
    assert "<td>Age</td><td>90 or older</td>" in html.replace("\n", "")
    named = _report(walk_unimpaired)
    assert "<td>Age</td><td>90 years</td>" in named.replace("\n", "")


def test_ai_findings_marked_as_estimates(walk_parkinsons: TrialInput) -> None:
    walk_parkinsons.ai = [("What is the most likely diagnosis?", ANSWER)]
    try:
        text = _text(_report(walk_parkinsons))
        off = _text(_report(walk_parkinsons, include_ai=False))
    finally:
        walk_parkinsons.ai = []
    assert AI_DISCLAIMER in text
    assert "Most likely diagnosis" in text and "Parkinson" in text
    assert "confidence 72 %" in text and "Stroke 18 %" in text
    assert "default@2026-11-20" in text
    assert "confidence 72 %" not in off and "AI findings not included" in off


def _ai_report_text(trial: TrialInput, question: str, answer: dict) -> str:  # type: ignore[type-arg]
    """The report's text with one stored assistant answer on ``trial``."""
    trial.ai = [(question, answer)]
    try:
        return _text(_report(trial))
    finally:
        trial.ai = []


def test_ai_values_shown_with_the_quantitys_precision(walk_parkinsons: TrialInput) -> None:
    """A speed estimate, its interval and the measurement all read with two decimals."""
    speed = {"text": "0.8 m/s.", "task": "walking_speed", "value": 0.84, "unit": "m/s",
             "interval": [0.6, 1.0], "measured": 0.888, "flags": [],
             "model_version": "default@2026-12-04"}
    text = _ai_report_text(walk_parkinsons, "How fast is this person walking?", speed)
    assert "0.84 m/s" in text and "80 % interval 0.60 - 1.00 m/s" in text
    assert "0.89 m/s" in text and "0.888" not in text
    assert "wordings of the question" not in text  # the wording asked: nothing to say


def test_ai_answer_over_fixed_wordings_says_so(walk_parkinsons: TrialInput) -> None:
    """Answers averaged over the questions' fixed wordings: the AI table says so once."""
    cadence = {"text": "112.0 steps/min.", "task": "cadence", "value": 108.4,
               "unit": "steps/min", "interval": [96.0, 121.0], "flags": [], "wordings": 3,
               "model_version": "default@2026-12-04"}
    text = _ai_report_text(walk_parkinsons, "How many steps per minute?", cadence)
    assert "80 % interval 96 - 121 steps/min" in text
    assert "Probabilities and estimates average the model" in text
    assert "answers to 3 fixed wordings of each question" in text


def test_chat_transcript_optional(walk_unimpaired: TrialInput, tmp_path: object) -> None:
    walk_unimpaired.chat = [
        ChatMessage("user", "Is the gait symmetric?"),
        ChatMessage("assistant", "Mostly symmetric."),
    ]
    try:
        without = _report(walk_unimpaired)
        with_chat = _report(walk_unimpaired, include_chat=True)
    finally:
        walk_unimpaired.chat = []
    assert "Chat transcript" not in without and "Is the gait symmetric?" not in without
    assert ">Chat transcript</h2>" in with_chat and "Mostly symmetric." in with_chat


def test_statuses_coloured_and_labelled(walk_parkinsons: TrialInput) -> None:
    html = _report(walk_parkinsons)
    for cls, words in (("within", r"\(normal\)"), ("mild", r"\((below|above), [+-]\d\.\d SD\)")):
        cells = re.findall(rf'<td class="num {cls}">(.*?)</td>', html)
        assert cells, cls
        assert all(re.search(words, c) for c in cells), cells


def test_write_html_atomic(walk_unimpaired: TrialInput, tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    model = assemble_report([walk_unimpaired])
    out = write_html(model, Path(str(tmp_path)) / "r.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_timed_test_read_against_cut_off_and_age_norm(tug_parkinsons: TrialInput) -> None:
    """The TUG time with the published fall-risk cut-off and, from the birth date on the session
    date (aged 90 then), the age group's norm; each with its source."""
    text = _text(_report(tug_parkinsons))
    tug = next(t for t in tug_parkinsons.result.clinical_tests if t.test == "timed_up_and_go")
    assert tug.duration_s is not None
    word = "above" if tug.duration_s >= 13.5 else "below"
    assert f"({word} cut-off, ≥ 13.5 s)" in text
    assert "Fall-risk cut-off: higher risk of falls (community-dwelling older adults)" in text
    assert "Worse than average for ages 80-99" in text and "&gt; 12.7 s" in _report(tug_parkinsons)
    assert "Shumway-Cook" in text and "Bohannon RW. J Geriatr Phys Ther 2006" in text
    assert "other populations have their own" in text
    model = assemble_report([tug_parkinsons], options=ReportOptions())
    html = render_html(model).html
    assert "Fall-risk cut-off" in html and "Worse than average for ages" not in html  # no age


def test_key_findings_list_what_the_measurements_flag() -> None:
    """Under the summary: the TUG above its cut-off, each parameter out of its normal range
    (with the range), data-quality warnings; measured values only."""
    from pathlib import Path

    from lmm_desktop.io import read_trial
    from lmm_desktop.report.assemble import analyse
    from lmm_desktop.report.html import key_findings

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    tug = analyse(read_trial(demo / "S0048_tug_01.mot"))
    walk = analyse(read_trial(demo / "S0039_walking_01.mot"))
    model = assemble_report([tug, walk], options=ReportOptions(include_ai=False))
    found = key_findings(model)
    assert found[0].startswith("S0048_tug_01: Timed Up and Go (TUG) 17.2 s, above the ≥ 13.5 s")
    assert any(
        f.startswith("S0039_walking_01: Walking speed 0.54 m/s, below the normal range (normal")
        for f in found
    )
    html = render_html(model).html
    assert "Key findings" in html and "fall-risk cut-off" in html
    empty = assemble_report([], options=ReportOptions(include_ai=False))
    assert key_findings(empty) == []
    assert "every gait parameter within its normal range" in render_html(empty).html


def test_squat_report_has_measures_curves_findings_and_views(fixtures_dir: object) -> None:
    from pathlib import Path

    from lmm_desktop.io import read_trial
    from lmm_desktop.report.assemble import analyse

    path = Path(str(fixtures_dir)) / "opencap" / "squats1_videoAndMocap.mot"
    html = _report(analyse(read_trial(path)))
    text = _text(html)
    assert "Squats: 5 repetitions in 7.6 s" in text
    # the finding is a key finding and in the squat section, with its rule
    key = text.split("Key findings", 1)[1].split("Trial 1", 1)[0]
    assert "Squats: Knees closer together than the ankles" in key
    assert "screening rule" in text
    assert "Peak knee flexion (deg)" in text and "99 %" in text
    assert "0.88 ± 0.01" in text  # a body-wide measure with its SD over the repetitions
    assert "&amp;plusmn;" not in html
    svgs = "".join(
        base64.b64decode(b).decode()
        for b in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    )
    for title in ("Hip flexion", "Knee flexion", "Ankle dorsiflexion"):
        assert f">{title}</text>" in svgs
    assert "% of repetition" in svgs
    # the snapshot shows the first repetition from the side and from the front
    assert "lowest (front)" in svgs and "The first squat repetition" in text
    # the gait sections say once why they are missing
    assert text.count("no walking detected") == 1


def test_chair_stand_is_read_against_the_patients_age_and_sex_norm() -> None:
    """The 30-second chair stand in a report: the score with the age and sex norm from the
    records (a man of 66: under 12 stands is below average) among the key findings; without
    the sex, what is needed instead of a norm."""
    from pathlib import Path

    from lmm_desktop.io import read_trial
    from lmm_desktop.report.assemble import analyse
    from lmm_desktop.report.html import key_findings

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    item = analyse(read_trial(demo / "S0039_chair_stand_30s_01.mot"))
    session = SessionInfo("2026-11-20", "Dr Ruth", "Falls?", "none")
    model = assemble_report([item], patient=PatientDetails("John Doe", "1960-05-01", "male",
                                                           "P-TEST02"),
                            session=session, options=ReportOptions(include_ai=False))
    found = key_findings(model)
    assert ("30-Second Chair Stand (30s-CST) 6 stands, below average for men aged 65-69: a "
            "risk for falls (< 12 stands).") in found
    text = _text(render_html(model).html)
    assert "30-Second Chair Stand (30s-CST): 6 stands in 30 s (below average for ages 65-69, " \
           "&lt; 12 stands)" in text
    assert "This score is" in text and "Rikli RE, Jones CJ" in text
    from lmm_desktop.core.trial import Subject

    bare = read_trial(demo / "S0039_chair_stand_30s_01.mot")
    bare.subject = Subject()  # the demo's header carries the age and sex
    unknown = assemble_report([analyse(bare)],
                              patient=PatientDetails("John Doe", "1960-05-01", None,
                                                     "P-TEST02"),
                              session=session, options=ReportOptions(include_ai=False))
    assert not any("Chair Stand" in f for f in key_findings(unknown))
    assert "birth date and sex in the Patients tab" in _text(render_html(unknown).html)
