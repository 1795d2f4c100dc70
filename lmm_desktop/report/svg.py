"""Small numpy -> SVG plotting for reports: line charts with bands, grouped bars, phase timelines
and stick figures.

Self-contained SVG 1.1 (no scripts, no external fonts or CSS) so that a browser shows it inline and
Qt's ``QSvgRenderer`` (SVG Tiny 1.2) rasterises it for the PDF: only ``line``, ``polyline``,
``polygon``, ``rect``, ``text`` and ``g`` with simple ``transform`` attributes are used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.style import PHASE_COLOURS

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
AXIS = "#444444"
GRID = "#e3e3e3"


@dataclass
class Line:
    """A curve to draw: ``y`` is ``(n,)`` on the chart's ``x``; NaN breaks the line."""

    y: NDArray[np.float64]
    colour: str
    label: str = ""
    dashed: bool = False
    width: float = 1.6


@dataclass
class Fill:
    """A shaded band between ``lower`` and ``upper`` (``(n,)`` each)."""

    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    colour: str = "#9a9a9a"
    opacity: float = 0.28


def _f(v: float) -> str:
    return f"{v:.1f}"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^k steps) covering ``[lo, hi]``."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = 10 * mag
    for m in (1, 2, 2.5, 5, 10):
        s = m * mag
        if math.ceil(hi / s - 1e-9) - math.floor(lo / s + 1e-9) <= n + 1:
            step = s
            break
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


def _label(v: float) -> str:
    return f"{v:g}" if abs(v) >= 1e-9 else "0"


def _text(
    x: float,
    y: float,
    s: str,
    *,
    size: float = 10,
    anchor: str = "middle",
    weight: str = "normal",
    colour: str = AXIS,
    rotate: float | None = None,
) -> str:
    rot = f' transform="rotate({rotate:g} {_f(x)} {_f(y)})"' if rotate is not None else ""
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" font-family="{FONT}" font-size="{size:g}" '
        f'font-weight="{weight}" fill="{colour}" text-anchor="{anchor}"{rot}>{escape(s)}</text>'
    )


def _polyline(
    xs: NDArray[np.float64], ys: NDArray[np.float64], colour: str, width: float, dashed: bool
) -> list[str]:
    """One ``polyline`` per finite run (NaN breaks the line)."""
    out: list[str] = []
    ok = np.isfinite(ys)
    dash = ' stroke-dasharray="5,3"' if dashed else ""
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return out
    breaks = np.flatnonzero(np.diff(idx) > 1)
    for run in np.split(idx, breaks + 1):
        if run.size < 2:
            continue
        pts = " ".join(f"{_f(a)},{_f(b)}" for a, b in zip(xs[run], ys[run]))
        out.append(
            f'<polyline points="{pts}" fill="none" stroke="{colour}" '
            f'stroke-width="{width:g}" stroke-linejoin="round"{dash}/>'
        )
    return out


def line_chart(
    x: NDArray[np.float64],
    lines: Sequence[Line],
    *,
    fills: Sequence[Fill] = (),
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    width: int = 260,
    height: int = 180,
    xticks: Sequence[float] | None = None,
    vlines: Sequence[tuple[float, str]] = (),
) -> str:
    """An SVG line chart: shaded bands under curves, nice y ticks, a zero line.

    ``vlines`` are ``(x, colour)`` dashed vertical markers (e.g. toe off).
    """
    left, right, top, bottom = 44.0, 8.0, 22.0 if title else 8.0, 34.0 if xlabel else 20.0
    pw, ph = width - left - right, height - top - bottom
    x = np.asarray(x, float)
    data = [np.asarray(ln.y, float) for ln in lines]
    data += [np.asarray(f.lower, float) for f in fills] + [
        np.asarray(f.upper, float) for f in fills
    ]
    finite = np.concatenate([d[np.isfinite(d)] for d in data]) if data else np.zeros(0)
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    yt = nice_ticks(lo, hi, 5)
    y0, y1 = yt[0], yt[-1]
    xt = list(xticks) if xticks is not None else nice_ticks(float(x.min()), float(x.max()), 5)
    x0, x1 = float(min(xt[0], x.min())), float(max(xt[-1], x.max()))

    def sx(v: NDArray[np.float64] | float) -> NDArray[np.float64]:
        return left + (np.asarray(v, float) - x0) / (x1 - x0) * pw

    def sy(v: NDArray[np.float64] | float) -> NDArray[np.float64]:
        return top + ph - (np.asarray(v, float) - y0) / (y1 - y0) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for t in yt:
        yy = float(sy(t))
        out.append(
            f'<line x1="{_f(left)}" y1="{_f(yy)}" x2="{_f(left + pw)}" y2="{_f(yy)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(left - 4, yy + 3.5, _label(t), size=9, anchor="end"))
    if y0 < 0 < y1:
        yy = float(sy(0.0))
        out.append(
            f'<line x1="{_f(left)}" y1="{_f(yy)}" x2="{_f(left + pw)}" y2="{_f(yy)}" '
            f'stroke="#9a9a9a" stroke-width="1"/>'
        )
    for t in xt:
        xx = float(sx(t))
        out.append(_text(xx, top + ph + 12, _label(t), size=9))
    for f in fills:
        lo_v, up_v = np.asarray(f.lower, float), np.asarray(f.upper, float)
        ok = np.isfinite(lo_v) & np.isfinite(up_v)
        if ok.sum() < 2:
            continue
        xs = sx(x[ok])
        pts = [*zip(xs, sy(up_v[ok])), *zip(xs[::-1], sy(lo_v[ok])[::-1])]
        out.append(
            '<polygon points="'
            + " ".join(f"{_f(a)},{_f(b)}" for a, b in pts)
            + f'" fill="{f.colour}" fill-opacity="{f.opacity:g}" stroke="none"/>'
        )
    for xv, colour in vlines:
        if x0 <= xv <= x1:
            xx = float(sx(xv))
            out.append(
                f'<line x1="{_f(xx)}" y1="{_f(top)}" x2="{_f(xx)}" y2="{_f(top + ph)}" '
                f'stroke="{colour}" stroke-width="1" stroke-dasharray="3,3"/>'
            )
    for ln in lines:
        out += _polyline(sx(x), sy(np.asarray(ln.y, float)), ln.colour, ln.width, ln.dashed)
    out.append(
        f'<rect x="{_f(left)}" y="{_f(top)}" width="{_f(pw)}" height="{_f(ph)}" '
        f'fill="none" stroke="{AXIS}" stroke-width="1"/>'
    )
    if title:
        out.append(_text(left + pw / 2, 14, title, size=11, weight="bold", colour="#111111"))
    if xlabel:
        out.append(_text(left + pw / 2, height - 6, xlabel, size=9))
    if ylabel:
        out.append(_text(11, top + ph / 2, ylabel, size=9, rotate=-90))
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(
    categories: Sequence[str],
    groups: Sequence[tuple[str, str, Sequence[float | None]]],
    *,
    title: str = "",
    xlabel: str = "",
    width: int = 520,
    row_height: int = 20,
) -> str:
    """Horizontal grouped bars: one row per category, one bar per ``(label, colour, values)``
    group; a missing value (None/NaN) is written as 'n/a'. Each bar carries its value as text."""
    left, right, top = 150.0, 40.0, 24.0 if title else 6.0
    height = int(top + row_height * len(categories) + 30)
    pw = width - left - right
    vals = [float(v) for _, _, vs in groups for v in vs if v is not None and math.isfinite(v)]
    xt = nice_ticks(0.0, max(vals) if vals else 1.0, 5)
    x1 = xt[-1] or 1.0
    bar_h = (row_height - 6) / max(len(groups), 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    bottom = top + row_height * len(categories)
    for t in xt:
        xx = left + t / x1 * pw
        out.append(
            f'<line x1="{_f(xx)}" y1="{_f(top)}" x2="{_f(xx)}" y2="{_f(bottom)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(xx, bottom + 12, _label(t), size=9))
    for i, cat in enumerate(categories):
        y = top + i * row_height
        out.append(_text(left - 6, y + row_height / 2 + 3.5, cat, size=10, anchor="end"))
        for j, (_, colour, vs) in enumerate(groups):
            v = vs[i] if i < len(vs) else None
            by = y + 3 + j * bar_h
            if v is None or not math.isfinite(v):
                out.append(_text(left + 4, by + bar_h - 1.5, "n/a", size=8, anchor="start"))
                continue
            w = max(float(v) / x1 * pw, 0.5)
            out.append(
                f'<rect x="{_f(left)}" y="{_f(by)}" width="{_f(w)}" '
                f'height="{_f(bar_h - 1)}" fill="{colour}"/>'
            )
            out.append(_text(left + w + 3, by + bar_h - 1.5, f"{v:.1f}", size=8, anchor="start"))
    out.append(
        f'<line x1="{_f(left)}" y1="{_f(top)}" x2="{_f(left)}" y2="{_f(bottom)}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    if title:
        out.append(_text(left + pw / 2, 15, title, size=11, weight="bold", colour="#111111"))
    if xlabel:
        out.append(_text(left + pw / 2, height - 4, xlabel, size=9))
    out.append("</svg>")
    return "\n".join(out)




def phase_timeline(
    phases: Sequence[tuple[str, float, float]],
    t_start: float,
    t_end: float,
    *,
    width: int = 560,
    height: int = 64,
) -> str:
    """Coloured blocks for the named phases of a test on a time axis (seconds)."""
    left, right, top, bar = 10.0, 10.0, 6.0, 22.0
    pw = width - left - right
    span = max(t_end - t_start, 1e-6)

    def sx(t: float) -> float:
        return left + (t - t_start) / span * pw

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<rect x="{_f(left)}" y="{_f(top)}" width="{_f(pw)}" height="{_f(bar)}" '
        f'fill="#f2f2f2" stroke="#bbbbbb" stroke-width="1"/>',
    ]
    for k, (name, a, b) in enumerate(phases):
        colour = PHASE_COLOURS[k % len(PHASE_COLOURS)]
        xa, xb = sx(a), sx(b)
        out.append(
            f'<rect x="{_f(xa)}" y="{_f(top)}" width="{_f(max(xb - xa, 1.0))}" '
            f'height="{_f(bar)}" fill="{colour}" fill-opacity="0.85"/>'
        )
        if xb - xa > 6.5 * len(name):
            out.append(_text((xa + xb) / 2, top + bar / 2 + 3.5, name, size=9, colour="#ffffff"))
    for t in nice_ticks(t_start, t_end, 8):
        if t_start - 1e-9 <= t <= t_end + 1e-9:
            xx = sx(t)
            out.append(
                f'<line x1="{_f(xx)}" y1="{_f(top + bar)}" x2="{_f(xx)}" '
                f'y2="{_f(top + bar + 4)}" stroke="{AXIS}" stroke-width="1"/>'
            )
            out.append(_text(xx, top + bar + 15, _label(t), size=9))
    out.append(_text(left + pw / 2, height - 3, "time (s)", size=9))
    out.append("</svg>")
    return "\n".join(out)


def stick_figures(
    poses: Sequence[dict[str, tuple[float, float]]],
    segments: Sequence[tuple[str, str, str]],
    colours: dict[str, str],
    *,
    labels: Sequence[str] = (),
    width: int = 560,
    height: int = 220,
) -> str:
    """Side-by-side 2D stick figures: each pose maps point name -> (horizontal, vertical) metres;
    ``segments`` are ``(a, b, group)`` and ``colours`` maps a group to its stroke colour."""
    pts = np.array([xy for pose in poses for xy in pose.values()], float).reshape(-1, 2)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if pts.size == 0:
        return line_chart(
            np.array([0.0, 1.0]), [], title="no body points", width=width, height=height
        )
    n = max(len(poses), 1)
    cell = width / n
    span_y = float(pts[:, 1].max() - min(pts[:, 1].min(), 0.0)) or 1.0
    widths = [
        max((p[0] for p in pose.values() if math.isfinite(p[0])), default=0.0)
        - min((p[0] for p in pose.values() if math.isfinite(p[0])), default=0.0)
        for pose in poses
    ]
    scale = min((height - 34) / span_y, (cell - 16) / max(max(widths, default=0.1), 0.1))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    floor_y = height - 22
    out.append(
        f'<line x1="4" y1="{_f(floor_y)}" x2="{width - 4}" y2="{_f(floor_y)}" '
        f'stroke="#999999" stroke-width="1"/>'
    )
    for k, pose in enumerate(poses):
        xs = [p[0] for p in pose.values() if math.isfinite(p[0])]
        cx = (max(xs) + min(xs)) / 2 if xs else 0.0
        ox = cell * (k + 0.5)
        for a, b, group in segments:
            if a not in pose or b not in pose:
                continue
            (ax, ay), (bx, by) = pose[a], pose[b]
            if not all(math.isfinite(v) for v in (ax, ay, bx, by)):
                continue
            out.append(
                f'<line x1="{_f(ox + (ax - cx) * scale)}" y1="{_f(floor_y - ay * scale)}" '
                f'x2="{_f(ox + (bx - cx) * scale)}" y2="{_f(floor_y - by * scale)}" '
                f'stroke="{colours.get(group, "#555555")}" stroke-width="2.4" '
                'stroke-linecap="round"/>'
            )
        if k < len(labels):
            out.append(_text(ox, height - 6, labels[k], size=9))
    out.append("</svg>")
    return "\n".join(out)


def legend(items: Sequence[tuple[str, str, str]], *, width: int = 640, height: int = 22) -> str:
    """A one-line legend: ``(kind, colour, text)`` with kind 'line', 'dashed', 'band' or 'vline'."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    x, y = 4.0, height / 2
    for kind, colour, text in items:
        if kind == "band":
            out.append(
                f'<rect x="{_f(x)}" y="{_f(y - 5)}" width="22" height="10" '
                f'fill="{colour}" fill-opacity="0.28"/>'
            )
        elif kind == "vline":
            out.append(
                f'<line x1="{_f(x + 11)}" y1="{_f(y - 7)}" x2="{_f(x + 11)}" '
                f'y2="{_f(y + 7)}" stroke="{colour}" stroke-width="1" '
                'stroke-dasharray="3,3"/>'
            )
        else:
            dash = ' stroke-dasharray="5,3"' if kind == "dashed" else ""
            out.append(
                f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x + 22)}" y2="{_f(y)}" '
                f'stroke="{colour}" stroke-width="2"{dash}/>'
            )
        out.append(_text(x + 27, y + 3.5, text, size=9.5, anchor="start", colour="#222222"))
        x += 27 + 5.6 * len(text) + 16
    out.append("</svg>")
    return "\n".join(out)
