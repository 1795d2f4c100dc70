"""``lmm-desktop report``: headless HTML/PDF, records lookup, --deidentify, --no-ai."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop import cli
from lmm_desktop.records import RecordStore, import_opencap_session


@pytest.fixture(autouse=True)
def _report_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    # until the lead adds 'report' to cli.COMMANDS
    monkeypatch.setitem(cli.COMMANDS, "report", "assessment report (PDF or HTML)")


def _visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html))


def test_html_without_ai_and_bad_suffix(
    fixtures_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mot = fixtures_dir / "opencap" / "walking1_videoAndMocap.mot"
    out = tmp_path / "r.html"
    assert (
        cli.main(
            [
                "report",
                str(mot),
                "-o",
                str(out),
                "--no-ai",
                "--patient",
                "Ada Byron",
                "--assessor",
                "Dr Who",
            ]
        )
        == 0
    )
    text = _visible(out.read_text(encoding="utf-8"))
    assert "Ada Byron" in text and "Dr Who" in text
    assert "AI findings not included: left out of this report (--no-ai)" in text
    assert cli.main(["report", str(mot), "-o", str(tmp_path / "r.docx")]) == 2
    assert "Allowed suffixes are '.pdf', '.html'" in capsys.readouterr().err


def test_ai_reason_when_no_model(
    fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = pytest.importorskip("lmm_desktop.assistant.manager")
    monkeypatch.setenv("LMM_DESKTOP_DEFAULT_MODEL", str(tmp_path / "no-model"))
    assert manager.default_model_dir() == tmp_path / "no-model"
    mot = fixtures_dir / "opencap" / "walking1_videoAndMocap.mot"
    out = tmp_path / "r.html"
    assert cli.main(["report", str(mot), "-o", str(out)]) == 0
    text = _visible(out.read_text(encoding="utf-8"))
    assert "AI findings not available: no usable assistant model" in text
    assert "no-model" in text


def test_records_and_deidentify(opencap_session: Path, tmp_path: Path) -> None:
    db = tmp_path / "records.sqlite"
    with RecordStore(db) as store:
        p = store.add_patient("Katherine Johnson", birth_date="1918-08-26")
        _session, trials = import_opencap_session(
            store, p.id, opencap_session, assessor="Dr Vaughan", referral_question="Falls at home"
        )
        walk = next(t for t in trials if t.name.startswith("walking"))
        store.set_note("trial", walk.id, "Katherine walked with a slight limp.")
        store.add_assessment(
            walk.id,
            "Is the gait impaired?",
            {
                "text": "Yes.",
                "task": "impaired",
                "label": "yes",
                "probabilities": {"yes": 0.64, "no": 0.36},
                "model_version": "demo@1",
            },
        )
        code = p.identifier_code
    out = tmp_path / "named.html"
    args = [
        "report",
        str(opencap_session),
        "--trial",
        "walking1_videoAndMocap",
        "--records",
        str(db),
    ]
    assert cli.main([*args, "-o", str(out)]) == 0
    named = _visible(out.read_text(encoding="utf-8"))
    assert "Katherine Johnson" in named and "1918-08-26" in named and "Dr Vaughan" in named
    assert "Falls at home" in named and "slight limp" in named
    assert "confidence 64 %" in named and "demo@1" in named
    out2 = tmp_path / "anon.html"
    assert cli.main([*args, "-o", str(out2), "--deidentify"]) == 0
    anon = out2.read_text(encoding="utf-8")
    for secret in ("Katherine", "Johnson", "1918-08-26", str(opencap_session)):
        assert secret not in anon
    assert code in anon and "slight limp" in anon


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_comparison(
    fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    a = fixtures_dir / "opencap" / "walking1_videoAndMocap.mot"
    b = fixtures_dir / "opencap" / "squats1_videoAndMocap.mot"
    out = tmp_path / "cmp.pdf"
    assert cli.main(["report", str(a), str(b), "-o", str(out), "--no-ai"]) == 0
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "walking1_videoAndMocap" in text and "squats1_videoAndMocap" in text
    assert "Comparison" in text


def test_birth_date_gives_the_tug_its_age_norm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tug = Path(__file__).resolve().parents[2] / "resources" / "demo" / "S0048_tug_01.mot"
    out = tmp_path / "tug.html"
    args = ["report", str(tug), "-o", str(out), "--no-ai", "--birth-date", "1941-06-02"]
    assert cli.main(args) == 0
    text = _visible(out.read_text(encoding="utf-8"))
    assert "Worse than average for ages 80-99" in text  # aged 85 today (no session date)
    assert "Fall-risk cut-off" in text
    bad = ["report", str(tug), "-o", str(tmp_path / "x.html"), "--birth-date", "02/06/1941"]
    assert cli.main(bad) == 2
    assert "'--birth-date'" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_force_plates_section_in_body_weights(fixtures_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "fp.html"
    qualisys = fixtures_dir / "c3d" / "Qualisys.c3d"
    assert cli.main(["report", str(qualisys), "-o", str(out), "--no-ai", "--mass", "66"]) == 0
    text = _visible(out.read_text())
    assert "Ground reaction forces (force plates)" in text
    assert "forces in body weights (BW)" in text
    assert "Vertical 1st peak (BW)" in text and "1.25" in text
    assert "gait events against the force plates (20 N): foot strike" in text
    html = out.read_text()
    for title in ("Vertical", "Anterior (+) / posterior", "Medial-lateral (+ lateral)"):
        assert f'alt="{title} ground reaction"' in html
    # the joint kinetics with the mass: eight panels over the normal bands
    assert "Joint moments and powers" in text
    assert 'alt="Hip frontal moment (+ abductor)"' in html
    assert 'alt="Ankle power (+ generation)"' in html and 'alt="Hip moment (+ extensor)"' in html
    assert "Schwartz, Rozumalski" in text
    # a kinetic peak outside the normal band is a key finding (right knee 1.05 > 0.84 N m/kg)
    assert "Knee extensor moment peak in loading right 1.05 N m/kg, above the normal range" in text
    assert "Ankle plantarflexor moment peak" not in text  # both sides normal
    # a trial without plates has no such section
    mot = fixtures_dir / "opencap" / "walking1_videoAndMocap.mot"
    out2 = tmp_path / "nofp.html"
    assert cli.main(["report", str(mot), "-o", str(out2), "--no-ai"]) == 0
    assert "Ground reaction forces" not in out2.read_text()


def test_a_session_of_walks_gets_their_mean_and_repeatability(tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    kin = tmp_path / "session" / "OpenSimData" / "Kinematics"
    kin.mkdir(parents=True)
    for name in ("walk_a", "walk_b"):  # the same walk twice: no difference between trials
        shutil.copy(demo / "S0039_walking_01.mot", kin / f"{name}.mot")
    shutil.copy(demo / "S0048_walking_01.mot", kin / "walk_c.mot")
    out = tmp_path / "s.html"
    assert cli.main(["report", str(tmp_path / "session"), "-o", str(out), "--no-ai"]) == 0
    text = _visible(out.read_text())
    assert "Across the 3 walking trials" in text
    assert "SD between trials" in text and "CV (%)" in text
    assert "Mean gait-cycle curves over the trials" in text
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.io import read_trial

    v = [
        analyze(read_trial(demo / f)).spatiotemporal.to_dict()["speed_m_s"]["value"]  # type: ignore[union-attr]
        for f in ("S0039_walking_01.mot", "S0039_walking_01.mot", "S0048_walking_01.mot")
    ]
    mean, sd = float(np.mean(v)), float(np.std(v, ddof=1))
    row = re.search(r"Walking speed \(m/s\)\s+(\S+)\s+(\S+)\s+(\S+)\s+3", text)
    assert row is not None
    assert row.group(1) == f"{mean:.2f}" and row.group(2) == f"{sd:.2f}"
    one = tmp_path / "one.html"
    assert cli.main(["report", str(demo / "S0039_walking_01.mot"), "-o", str(one), "--no-ai"]) == 0
    assert "Across the" not in one.read_text()  # one trial: nothing to pool


def test_emg_channels_in_the_report(fixtures_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "emg.html"
    qualisys = fixtures_dir / "c3d" / "Qualisys.c3d"
    assert cli.main(["report", str(qualisys), "-o", str(out), "--no-ai"]) == 0
    text = _visible(out.read_text())
    assert "EMG (linear envelopes)" in text
    assert text.count("EMG 1") >= 1 and "EMG 16" in text
    assert "Envelope peak (µV)" in text or "Envelope peak (&micro;V)" in text


def test_sided_emg_is_drawn_over_the_cycle() -> None:
    from lmm_desktop.report._html_parts import Figures
    from lmm_desktop.report.html import _emg
    from lmm_desktop.report.model import EmgInfo, TrialReport

    y = np.clip(100 * np.sin(np.linspace(0, np.pi, 101)), 0, None)
    t = TrialReport(name="t", label="t", source=None, n_frames=1, rate_hz=100.0, duration_s=1.0)
    t.emg = EmgInfo(
        rows=[{"label": "L_TA", "side": "left", "muscle": "tibialis anterior", "peak_uv": 210.0,
               "n_cycles": 3, "active_pct": [[3, 21], [92, 100]], "problems": []}],
        cycles=[("L_TA", "left", y)],
        notes=["EMG: 1 channel(s)"],
    )
    html = _emg(t, Figures())
    assert 'alt="L_TA envelope"' in html and "tibialis anterior" in html and "210" in html
    assert "3-21, 92-100" in html and "Active (% of cycle)" in html


def test_comparison_lists_the_kinetic_peaks(fixtures_dir: Path, tmp_path: Path) -> None:
    a = fixtures_dir / "c3d" / "Qualisys.c3d"
    b = tmp_path / "after.c3d"
    shutil.copy(a, b)
    out = tmp_path / "cmp.html"
    assert cli.main(["report", str(a), str(b), "-o", str(out), "--no-ai", "--mass", "66"]) == 0
    text = _visible(out.read_text())
    row = re.search(r"Ankle power generation peak \(left\) \(W/kg\)\s+(\S+)\s+(\S+)\s+(\S+)", text)
    assert row is not None and row.group(1) == row.group(2) and row.group(3) in ("+0.00", "-0.00")
