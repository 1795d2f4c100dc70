"""PDF through Qt (offscreen): text extracted with pdftotext holds every section heading."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from lmm_desktop.report.assemble import PatientDetails, TrialInput, assemble_report
from lmm_desktop.report.html import H_COMPARISON, SECTION_HEADINGS
from lmm_desktop.report.model import ReportOptions

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def _pdf_text(path: Path, *, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return unicodedata.normalize("NFKC", out)  # undo ligatures such as 'ﬀ' in 'Sign-off'


def _pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(next(ln.split()[-1] for ln in out.stdout.splitlines() if ln.startswith("Pages")))


def test_pdf_has_every_heading(
    offscreen: None, walk_parkinsons: TrialInput, tug_parkinsons: TrialInput, tmp_path: Path
) -> None:
    from lmm_desktop.ui.report_pdf import write_pdf

    model = assemble_report(
        [walk_parkinsons, tug_parkinsons],
        patient=PatientDetails("Alan Turing", "1912-06-23", "male"),
    )
    out = write_pdf(model, tmp_path / "sub" / "report.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    text = " ".join(_pdf_text(out).split())  # pdftotext wraps long headings
    for heading in SECTION_HEADINGS:
        assert heading in text, heading
    for per_trial in ("Kinematics over the gait cycle", "Data quality", "3D snapshot"):
        assert text.count(per_trial) == 2, per_trial  # nothing lost when pages are re-flowed
    assert "Timed Up and Go (TUG):" in text and "Alan Turing" in text
    assert "page 1 of" in text
    assert not list((tmp_path / "sub").glob(".*tmp"))


def test_pdf_deidentified_and_comparison(
    offscreen: None, walk_unimpaired: TrialInput, walk_parkinsons: TrialInput, tmp_path: Path
) -> None:
    from lmm_desktop.ui.report_pdf import write_pdf

    model = assemble_report(
        [walk_unimpaired, walk_parkinsons],
        comparison=True,
        patient=PatientDetails("Alan Turing", "1912-06-23", "male", "P-XY"),
        options=ReportOptions(deidentify=True, include_ai=False),
    )
    out = write_pdf(model, tmp_path / "cmp.pdf")
    text = " ".join(_pdf_text(out).split())
    assert "Turing" not in text and "1912" not in text and "P-XY" in text
    a, b = walk_unimpaired.trial.name, walk_parkinsons.trial.name
    assert f"{H_COMPARISON}: A: {a} and B: {b}" in text
    assert "% change" in text and "Difference (B" in text
    assert _pages(out) >= 4


def test_headings_never_left_at_a_page_bottom(
    offscreen: None, walk_parkinsons: TrialInput, tmp_path: Path
) -> None:
    from lmm_desktop.report.html import render_html
    from lmm_desktop.ui.report_pdf import KEEP_WITH_NEXT_PX, build_document, ensure_app

    ensure_app()
    doc = build_document(render_html(assemble_report([walk_parkinsons]), for_qt=True), 680.0)
    page_h = 900.0
    from PySide6.QtCore import QSizeF

    from lmm_desktop.ui.report_pdf import keep_headings_with_next

    doc.setPageSize(QSizeF(680.0, page_h))
    keep_headings_with_next(doc, page_h)
    block = doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() > 0:
            top = doc.documentLayout().blockBoundingRect(block).top()
            assert page_h - top % page_h >= KEEP_WITH_NEXT_PX - 1, block.text()
        block = block.next()
