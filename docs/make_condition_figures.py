"""Mean cycle-normalised curves per simulated condition against the normative bands.

For each condition of a simulated cohort (``lmm-train simulate``), the self-selected walking
trials are analysed exactly as the app does (forward kinematics, events, cycles); the mean
curve of the affected and the other side is drawn over the Schwartz 2008 band (free speed).
Writes ``docs/figures/condition_<name>.png``. Usage::

    python docs/make_condition_figures.py --data COHORT [--per-condition 6]
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

from lmm_desktop.analysis.normative import normative_band
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.core.style import LEFT_COLOUR, RIGHT_COLOUR
from lmm_desktop.io import read_trial
from lmm_desktop.report.svg import Fill, Line, line_chart

VARIABLES = (("pelvis_tilt", "Pelvic tilt (posterior +)"), ("hip_flexion", "Hip flexion"),
             ("knee_angle", "Knee flexion"), ("ankle_angle", "Ankle dorsiflexion"))
OUT = Path(__file__).resolve().parent / "figures"


def _curve(result, side: str, var: str):
    cyc = result.cycles
    if cyc is None:
        return None
    name = var if var.startswith("pelvis") else f"{var}_{side[0]}"
    stats = cyc.pig_equivalent(side, name) if var in ("pelvis_tilt", "hip_flexion") else \
        cyc.get(side, name)
    return None if stats is None else stats.mean


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--per-condition", type=int, default=6)
    args = ap.parse_args()
    rows = list(csv.DictReader((args.data / "labels.csv").open()))
    picked: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        if r["activity"] == "walking" and len(picked[r["condition"]]) < args.per_condition:
            picked[r["condition"]].append(r)
    OUT.mkdir(parents=True, exist_ok=True)
    from lmm_desktop.ui.report_pdf import ensure_app, rasterise_svg

    ensure_app()
    for condition, trials in sorted(picked.items()):
        sums: dict[tuple[str, str], list[np.ndarray]] = defaultdict(list)
        for r in trials:
            result = analyze(read_trial(args.data / r["file"]))
            affected = {"right": "right", "left": "left"}.get(r.get("affected_side", ""), "right")
            other = "left" if affected == "right" else "right"
            for var, _ in VARIABLES:
                for role, side in (("affected", affected), ("other", other)):
                    c = _curve(result, side, var)
                    if c is not None:
                        sums[(var, role)].append(c)
        x = np.linspace(0, 100, 101)
        panels = []
        for var, title in VARIABLES:
            band = normative_band(var if var.startswith("pelvis") else f"{var}_r", "Free")
            lines = []
            for role, colour, label in (("affected", RIGHT_COLOUR, "affected (or right)"),
                                        ("other", LEFT_COLOUR, "other side")):
                curves = sums.get((var, role))
                if curves:
                    lines.append(Line(np.mean(curves, axis=0), colour, label))
            panels.append(line_chart(x, lines, fills=[Fill(band.lower, band.upper)],
                                     title=title, xlabel="% gait cycle", ylabel="deg",
                                     width=300, height=200))
        svg = _row(panels, f"{condition.replace('_', ' ')}: mean of {len(trials)} simulated "
                   "walking trials; grey = normal band (Schwartz 2008, free speed); orange = "
                   "affected side (right when none), blue = other side")
        image = rasterise_svg(svg, 1240, 240, scale=1)
        path = OUT / f"condition_{condition}.png"
        image.save(str(path))
        print(path)


def _row(panels: list[str], caption: str) -> str:
    inner = [p.split(">", 1)[1].rsplit("</svg>", 1)[0] for p in panels]  # drop each <svg>
    body = "".join(f'<g transform="translate({i * 310},28)">{g}</g>' for i, g in enumerate(inner))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="1240" height="240" '
            f'viewBox="0 0 1240 240"><rect width="1240" height="240" fill="white"/>'
            f'<text x="8" y="16" font-family="sans-serif" font-size="12">{caption}</text>'
            f"{body}</svg>")


if __name__ == "__main__":
    main()
