"""Building blocks of the HTML report: value formatting, status cells, figures, tables.

The HTML is restricted to what both a browser and Qt's ``QTextDocument`` render well: tables for
layout (no flexbox or grid), class selectors, background colours on cells, ``page-break-before``,
and ``<img>`` for every chart (an SVG data URI in the browser, a named resource rasterised by the
PDF writer).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np

from lmm_desktop.report.model import CurvePanel, Measure
from lmm_desktop.report.snapshot import LEFT_COLOUR, RIGHT_COLOUR
from lmm_desktop.report.svg import Fill, Line, line_chart

NA = "n/a"
SIDE_COLOURS = {"left": LEFT_COLOUR, "right": RIGHT_COLOUR}
BAND_COLOUR = "#8c8c8c"
PANEL_W, PANEL_H = 224, 168

CSS = """
body { font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif; font-size: 9.5pt; color: #111111; }
h1 { font-size: 16pt; color: #1d3557; margin-top: 0px; margin-bottom: 2px; }
h2 { font-size: 13pt; color: #1d3557; margin-top: 16px; margin-bottom: 4px;
     border-bottom: 2px solid #1d3557; }
h3 { font-size: 11pt; color: #1d3557; margin-top: 12px; margin-bottom: 4px; }
p { margin-top: 3px; margin-bottom: 3px; }
table.data { border-collapse: collapse; margin-top: 2px; margin-bottom: 4px; }
table.data th { background-color: #e8eef6; border: 1px solid #9aa7b8; padding: 3px 6px;
                text-align: left; font-weight: bold; }
table.data td { border: 1px solid #b8c2cf; padding: 3px 6px; vertical-align: top; }
table.grid td { padding: 0px; vertical-align: top; }
td.num { text-align: right; }
table.compact td { padding: 1px 5px; font-size: 8.5pt; }
table.compact th { padding: 2px 5px; font-size: 8.5pt; }
td.within { background-color: #d9f0d3; }
td.mild { background-color: #fde9b8; }
td.marked { background-color: #f5c6c0; }
.status { font-size: 8pt; color: #333333; }
.small { font-size: 8pt; color: #444444; }
.na { color: #666666; font-style: italic; }
.meta { color: #444444; font-size: 8.5pt; }
table.ai { background-color: #f4f1fb; border: 1px solid #7e6bb5; }
.disclaimer { color: #4b2e91; font-weight: bold; }
.pagebreak { page-break-before: always; }
.signline { border-bottom: 1px solid #000000; }
@page { size: A4; margin: 14mm; }
@media print { h2, h3 { page-break-after: avoid; } img { page-break-inside: avoid; } }
"""


@dataclass
class Figure:
    """An SVG figure and how large it is shown (CSS pixels)."""

    name: str
    svg: str
    width: int
    height: int


@dataclass
class Figures:
    """Collects the figures of one rendering; ``img`` makes their ``<img>`` tags."""

    for_qt: bool = False
    items: dict[str, Figure] = field(default_factory=dict)
    png: dict[str, bytes] = field(default_factory=dict)

    def img(self, svg: str, width: int, height: int, alt: str) -> str:
        name = f"figure-{len(self.items) + 1}.png"
        self.items[name] = Figure(name, svg, width, height)
        if self.for_qt:
            src = name
        else:
            src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        return f'<img src="{src}" width="{width}" height="{height}" alt="{escape(alt)}">'

    def png_img(self, data: bytes, width: int, alt: str) -> str:
        name = f"image-{len(self.png) + 1}.png"
        self.png[name] = data
        src = name if self.for_qt else "data:image/png;base64," + base64.b64encode(data).decode()
        return f'<img src="{src}" width="{width}" alt="{escape(alt)}">'


def fmt(v: float | None, decimals: int = 1) -> str:
    if v is None or not np.isfinite(v):
        return NA
    return f"{v:.{decimals}f}"


def esc(s: object) -> str:
    return escape(str(s))


def status_class(m: Measure | None) -> str:
    """'within' (green), 'mild' (amber: within 2 SD of the normal mean) or 'marked' (red)."""
    if m is None or m.status is None:
        return ""
    if m.status == "within":
        return "within"
    z = m.deviation_sd
    return "marked" if z is not None and abs(z) > 2.0 else "mild"


def status_text(m: Measure | None) -> str:
    """The status in words (never colour alone): 'normal', 'above, +2.4 SD'."""
    if m is None or m.status is None:
        return ""
    if m.status == "within":
        return "normal"
    z = m.deviation_sd
    extra = "" if z is None else f", {z:+.1f} SD"
    return f"{m.status}{extra}"


def measure_cell(m: Measure | None, decimals: int) -> str:
    if m is None or m.value is None:
        return f'<td class="num na">{NA}</td>'
    sd = "" if m.sd is None else f" &plusmn; {fmt(m.sd, decimals)}"
    label = status_text(m)
    status = f' <span class="status">({esc(label)})</span>' if label else ""
    cls = status_class(m)
    return f'<td class="num {cls}">{fmt(m.value, decimals)}{sd}{status}</td>'


def range_text(m: Measure | None, decimals: int) -> str:
    if m is None or m.normal_range is None:
        return NA
    lo, hi = m.normal_range
    return f"{fmt(lo, decimals)} - {fmt(hi, decimals)}"


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    raw: bool = False,
    widths: Sequence[str] | None = None,
    compact: bool = False,
) -> str:
    """A data table; cells are escaped unless ``raw`` (then each cell is a full ``<td>``)."""
    head = "".join(
        f'<th width="{widths[i]}">{esc(h)}</th>' if widths else f"<th>{esc(h)}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for r in rows:
        cells = "".join(c if raw else f"<td>{esc(c)}</td>" for c in r)
        body.append(f"<tr>{cells}</tr>")
    full = ' width="100%"' if widths else ""
    cls = "data compact" if compact else "data"
    pad = 1 if compact else 3
    return (
        f'<table class="{cls}" border="1" cellspacing="0" cellpadding="{pad}"{full}>'
        f"<tr>{head}</tr>{''.join(body)}</table>"
    )


def not_available(reason: str | None, what: str = "Not available") -> str:
    why = (reason or "no data").rstrip(". ")
    return f'<p class="na">{esc(what)}: {esc(why)}.</p>'


def panel_svg(panel: CurvePanel, *, show_band_sides: bool = True) -> str:
    """One kinematic panel: bands (grey, or tinted per side for side-specific norms), the mean
    curves (left blue, right orange-red; B dashed) and dashed toe-off lines."""
    x = np.linspace(0.0, 100.0, 101)  # % of the gait cycle
    fills = []
    for side, lower, upper in panel.bands:
        colour = SIDE_COLOURS.get(side or "", BAND_COLOUR) if show_band_sides else BAND_COLOUR
        fills.append(Fill(lower, upper, colour, 0.16 if side else 0.28))
    lines = [Line(s.mean, SIDE_COLOURS[s.side], s.label, s.dashed) for s in panel.series]
    vlines = [
        (v, SIDE_COLOURS[side]) for side, v in panel.toe_off_pct.items() if side in SIDE_COLOURS
    ]
    return line_chart(
        x,
        lines,
        fills=fills,
        title=panel.title,
        xlabel="% of gait cycle",
        ylabel=f"deg ({panel.positive})",
        width=PANEL_W,
        height=PANEL_H,
        xticks=[0, 25, 50, 75, 100],
        vlines=vlines,
    )


def panel_grid(panels: Sequence[CurvePanel], figures: Figures, columns: int = 3) -> str:
    """Panels in a table, ``columns`` per row; a panel without data shows its reason."""
    cells = []
    for p in panels:
        if p.series:
            cells.append(figures.img(panel_svg(p), PANEL_W, PANEL_H, p.title))
        else:
            cells.append(
                f"<p><b>{esc(p.title)}</b></p>"
                f'<p class="na">Not available: {esc(p.reason or "no data")}.</p>'
            )
    rows = []
    for i in range(0, len(cells), columns):
        tds = "".join(f'<td width="{PANEL_W}">{c}</td>' for c in cells[i : i + columns])
        rows.append(f"<tr>{tds}</tr>")
    return f'<table class="grid" cellspacing="2" cellpadding="0">{"".join(rows)}</table>'
