"""Time a full PDF report (read, forward kinematics, analysis, HTML, charts, Qt PDF) and print
JSON. Target: < 3 s for one walking trial.

    python benchmarks/bench_report.py [TRIAL] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"
FALLBACK = ROOT.parent / "shared" / "fixtures" / "opencap" / "walking1_videoAndMocap.mot"


def one_report(trial_path: Path, out: Path) -> dict[str, float]:
    """Seconds spent in each step of one report."""
    from lmm_desktop.io import read_trial
    from lmm_desktop.report.assemble import PatientDetails, analyse, assemble_report
    from lmm_desktop.report.model import ReportOptions
    from lmm_desktop.ui.report_pdf import write_pdf

    t0 = time.perf_counter()
    trial = read_trial(trial_path)
    t1 = time.perf_counter()
    item = analyse(trial)
    t2 = time.perf_counter()
    model = assemble_report(
        [item],
        patient=PatientDetails("Bench Mark", "1950-01-01"),
        options=ReportOptions(include_ai=False),
    )
    t3 = time.perf_counter()
    write_pdf(model, out)
    t4 = time.perf_counter()
    return {
        "read_s": t1 - t0,
        "analyse_s": t2 - t1,
        "model_s": t3 - t2,
        "pdf_s": t4 - t3,
        "total_s": t4 - t0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("trial", nargs="?", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    path = args.trial or _demo_walk() or FALLBACK
    t0 = time.perf_counter()
    import lmm_desktop.ui.report_pdf  # noqa: F401  (Qt import, counted once)
    from lmm_desktop.analysis import pipeline  # noqa: F401

    imports_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        runs = [one_report(path, Path(tmp) / f"r{i}.pdf") for i in range(args.repeat)]
        pages = _pages(Path(tmp) / "r0.pdf")
        size = (Path(tmp) / "r0.pdf").stat().st_size
    totals = [r["total_s"] for r in runs]
    result = {
        "benchmark": "report_pdf",
        "trial": path.name,
        "imports_s": round(imports_s, 3),
        "first_total_s": round(totals[0], 3),
        "median_total_s": round(statistics.median(totals), 3),
        "steps_first_run_s": {k: round(v, 3) for k, v in runs[0].items()},
        "pages": pages,
        "pdf_bytes": size,
        "target_s": 3.0,
        "meets_target": imports_s + totals[0] < 3.0,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    return 0


def _demo_walk() -> Path | None:
    """The first impaired walking trial of the simulated demo set (labels.csv), if shipped."""
    import csv

    labels = DEMO / "labels.csv"
    if not labels.is_file():
        return None
    with open(labels, encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(row for row in fh if not row.startswith("seed"))
            if r.get("activity") == "walking" and (DEMO / r["file"]).is_file()
        ]
    rows.sort(key=lambda r: r.get("impaired") != "yes")
    return DEMO / rows[0]["file"] if rows else None


def _pages(pdf: Path) -> int | None:
    import shutil
    import subprocess

    if shutil.which("pdfinfo") is None:
        return None
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


if __name__ == "__main__":
    sys.exit(main())
