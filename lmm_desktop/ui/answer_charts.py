"""Small painted charts of an answer: label probabilities as bars, a value with its interval."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from lmm_desktop.assistant.tasks import show_value

MEASURED_COLOR = "#2b8a3e"  # green diamond: what the analysis measured


def fmt_value(v: float, unit: str | None, task: str | None = None) -> str:
    """``0.89 m/s``: with the task's display precision when the task is known (speed 2
    decimals, cadence none, times 1), else three significant digits; the unit when known."""
    return show_value(task, v, unit)


class ProbabilityBars(QWidget):
    """Horizontal bars, one per label: name, bar, percentage (largest first).

    The chosen label's bar is in the highlight colour, the others grey, so the answer stands out
    while the alternatives stay readable; with ``ranked`` the rows are numbered (a differential).
    """

    ROW_H = 20

    def __init__(
        self,
        rows: list[tuple[str, float]],
        *,
        chosen: str | None = None,
        ranked: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.rows = sorted(rows, key=lambda r: -r[1])
        self.chosen = chosen
        self.ranked = ranked
        self.setMinimumHeight(self.ROW_H * len(self.rows) + 4)
        self.setToolTip("\n".join(f"{name}: {p:.1%}" for name, p in self.rows))

    @property
    def n_bars(self) -> int:
        return len(self.rows)

    def _name(self, i: int, name: str) -> str:
        return f"{i + 1}. {name}" if self.ranked else name

    def sizeHint(self) -> QSize:
        return QSize(320, self.ROW_H * len(self.rows) + 4)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        fm = QFontMetrics(self.font())
        names = [self._name(i, n) for i, (n, _) in enumerate(self.rows)]
        name_w = min(
            max((fm.horizontalAdvance(n) for n in names), default=0) + 8, int(self.width() * 0.5)
        )
        pct_w = fm.horizontalAdvance("100 %") + 6
        bar_w = max(10, self.width() - name_w - pct_w - 4)
        for i, ((name, prob), shown) in enumerate(zip(self.rows, names, strict=True)):
            y = 2 + i * self.ROW_H
            text_rect = QRectF(0, y, name_w - 6, self.ROW_H)
            p.setPen(pal.color(pal.ColorRole.WindowText))
            p.drawText(
                text_rect,
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                fm.elidedText(shown, Qt.TextElideMode.ElideRight, int(text_rect.width())),
            )
            track = QRectF(name_w, y + 4, bar_w, self.ROW_H - 8)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.color(pal.ColorRole.AlternateBase).darker(108))
            p.drawRoundedRect(track, 3, 3)
            chosen = name == self.chosen
            p.setBrush(pal.color(pal.ColorRole.Highlight) if chosen else QColor("#8c96a3"))
            p.drawRoundedRect(
                QRectF(track.x(), track.y(), bar_w * max(0.0, min(1.0, prob)), track.height()), 3, 3
            )
            p.setPen(pal.color(pal.ColorRole.WindowText))
            p.drawText(
                QRectF(name_w + bar_w + 4, y, pct_w, self.ROW_H),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                f"{prob:.0%}".replace("%", " %"),
            )
        p.end()


class IntervalBar(QWidget):
    """A value axis with the 80 % interval (band), the estimate (dot) and the measurement (◆)."""

    def __init__(
        self,
        value: float,
        interval: tuple[float, float] | None,
        measured: float | None,
        unit: str | None,
        parent: QWidget | None = None,
        task: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.value, self.interval, self.measured, self.unit = value, interval, measured, unit
        self.task = task
        self.setMinimumHeight(34)
        pts = [value, *(interval or ()), *(() if measured is None else (measured,))]
        lo, hi = min(pts), max(pts)
        pad = max(0.15 * (hi - lo), 0.05 * max(abs(hi), 1e-6))
        self.lo, self.hi = lo - pad, hi + pad
        legend = "dot: AI estimate; band: its 80 % interval"
        self.setToolTip(legend + ("; diamond: measured" if measured is not None else ""))

    def sizeHint(self) -> QSize:
        return QSize(320, 34)

    def _x(self, v: float) -> float:
        return 8 + (self.width() - 16) * (v - self.lo) / max(self.hi - self.lo, 1e-12)

    def _labels(self, p: QPainter, items: list[tuple[float, str, QColor]]) -> None:
        """Each ``(value, text, colour)`` centred under its value, inside the widget, and
        pushed apart when two would overlap (an estimate close to the measurement)."""
        fm = QFontMetrics(p.font())
        widths = [fm.horizontalAdvance(text) + 4.0 for _, text, _ in items]
        xs = place_labels([self._x(v) for v, _, _ in items], widths, float(self.width()))
        for (_, text, colour), x, w in zip(items, xs, widths, strict=True):
            p.setPen(colour)
            p.drawText(QRectF(x, 20, w, 14), Qt.AlignmentFlag.AlignCenter, text)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        axis_y = 12.0
        p.setPen(pal.color(pal.ColorRole.Mid))
        p.drawLine(int(self._x(self.lo)), int(axis_y), int(self._x(self.hi)), int(axis_y))
        highlight = pal.color(pal.ColorRole.Highlight)
        if self.interval is not None:
            band = QColor(highlight)
            band.setAlpha(70)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(band)
            x0, x1 = self._x(self.interval[0]), self._x(self.interval[1])
            p.drawRoundedRect(QRectF(x0, axis_y - 6, max(x1 - x0, 2), 12), 3, 3)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(highlight)
        p.drawEllipse(QRectF(self._x(self.value) - 5, axis_y - 5, 10, 10))
        if self.measured is not None:
            p.setBrush(QColor(MEASURED_COLOR))
            x = self._x(self.measured)
            p.save()
            p.translate(x, axis_y)
            p.rotate(45)
            p.drawRect(QRectF(-5, -5, 10, 10))
            p.restore()
        small = self.font()
        small.setPointSizeF(max(small.pointSizeF() * 0.85, 6.0))
        p.setFont(small)
        items = [(self.value, f"AI {fmt_value(self.value, None, self.task)}", highlight)]
        if self.measured is not None:
            items.append((self.measured, f"measured {fmt_value(self.measured, None, self.task)}",
                          QColor(MEASURED_COLOR)))
        self._labels(p, items)
        p.end()


def place_labels(centres: list[float], widths: list[float], total: float,
                 gap: float = 6.0) -> list[float]:
    """Left edges of labels centred at ``centres``, kept within ``[0, total]`` and, for two
    labels, pushed apart (the left one to the left) until ``gap`` separates them."""
    xs = [min(max(c - w / 2, 0.0), total - w) for c, w in zip(centres, widths, strict=True)]
    if len(xs) == 2:
        a, b = (0, 1) if centres[0] <= centres[1] else (1, 0)
        overlap = xs[a] + widths[a] + gap - xs[b]
        if overlap > 0:
            xs[a] -= overlap / 2
            xs[b] += overlap / 2
            if xs[a] < 0:  # against the left edge: move the other one further
                xs[b] -= xs[a]
                xs[a] = 0.0
            if xs[b] + widths[b] > total:
                xs[a] -= xs[b] + widths[b] - total
                xs[b] = total - widths[b]
    return xs
