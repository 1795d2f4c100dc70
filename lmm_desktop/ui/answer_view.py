"""AnswerView: one question and the assistant's answer, as a clinician should read it.

The streamed text, then what it means: for a class, the probability of every label as horizontal
bars (a ranked differential for the diagnosis); for a value, the estimate with its 80 % interval
beside what the analysis measured, and a warning when the two disagree. Every flag becomes a plain
sentence; an out-of-scope question offers the questions the assistant can answer. Cited times are
links that move the playback cursor. Every answer is marked "AI estimate — not a diagnosis".
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from lmm_desktop.assistant import answer as A
from lmm_desktop.assistant.answer import Answer
from lmm_desktop.assistant.tasks import TASKS

DISCLAIMER = "AI estimate — not a diagnosis"
WARN_STYLE = (
    "QLabel { background: #fff3bf; color: #5c3c00; border: 1px solid #f59f00;"
    " border-radius: 4px; padding: 4px 6px; }"
)
ALERT_STYLE = (
    "QLabel { background: #ffe3e3; color: #7a1111; border: 1px solid #e03131;"
    " border-radius: 4px; padding: 4px 6px; font-weight: bold; }"
)
INFO_STYLE = (
    "QLabel { background: #e7f0ff; color: #10305e; border: 1px solid #74a3f2;"
    " border-radius: 4px; padding: 4px 6px; }"
)
BADGE_STYLE = (
    "QLabel { color: #8a4b00; border: 1px solid #f59f00; border-radius: 3px;"
    " padding: 1px 5px; font-size: 11px; }"
)
FLAG_TEXT = {
    A.LOW_CONFIDENCE: (
        "Low confidence: the model is unsure about this answer. Treat it as a weak hint.",
        WARN_STYLE,
    ),
    A.UNVERIFIED: (
        "Free-form answer: this is not one of the questions the model was trained and tested "
        "on, so its accuracy is unknown. Check it against the recording.",
        WARN_STYLE,
    ),
    A.UNPARSED: ("The model's words could not be read as a number.", WARN_STYLE),
    A.TRUNCATED: ("The answer was cut off at the length limit.", INFO_STYLE),
    A.STOPPED: ("Stopped: the answer is incomplete.", INFO_STYLE),
    A.OUT_OF_SCOPE: (
        "This question is outside what the assistant can assess from the movement. "
        "It can answer these:",
        INFO_STYLE,
    ),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Model text made safe to show (control characters removed)."""
    return _CONTROL.sub("", text)


def label_text(task_id: str | None, label_id: str) -> str:
    """Display text of a label id ('parkinsons_disease' -> "Parkinson's disease")."""
    task = TASKS.get(task_id or "")
    if task is not None:
        for lab in task.labels:
            if lab.id == label_id:
                return lab.text
    return label_id.replace("_", " ").capitalize()


def _fmt(v: float, unit: str | None) -> str:
    return f"{v:.3g} {unit}" if unit else f"{v:.3g}"


def _banner(text: str, style: str) -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    lab.setStyleSheet(style)
    return lab


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
    ) -> None:
        super().__init__(parent)
        self.value, self.interval, self.measured, self.unit = value, interval, measured, unit
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
            p.setBrush(QColor("#2b8a3e"))
            x = self._x(self.measured)
            p.save()
            p.translate(x, axis_y)
            p.rotate(45)
            p.drawRect(QRectF(-5, -5, 10, 10))
            p.restore()
        p.setPen(pal.color(pal.ColorRole.WindowText))
        small = self.font()
        small.setPointSizeF(max(small.pointSizeF() * 0.85, 6.0))
        p.setFont(small)
        p.drawText(
            QRectF(0, 20, self.width() / 2, 14),
            Qt.AlignmentFlag.AlignLeft,
            _fmt(self.lo, self.unit),
        )
        p.drawText(
            QRectF(self.width() / 2, 20, self.width() / 2, 14),
            Qt.AlignmentFlag.AlignRight,
            _fmt(self.hi, self.unit),
        )
        p.end()


class AnswerView(QFrame):
    """One question and its (streaming, then final) answer."""

    seek_requested = Signal(float)
    suggestion_clicked = Signal(str)

    def __init__(self, question: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.question = question
        self.answer: Answer | None = None
        self._streamed = ""
        self.question_label = QLabel(f"<b>You:</b> {html.escape(question)}")
        self.question_label.setWordWrap(True)
        self.disclaimer = QLabel(DISCLAIMER)
        self.disclaimer.setStyleSheet(BADGE_STYLE)
        self.disclaimer.setToolTip(
            "Answers come from a language model reading the motion. They can be wrong; "
            "confirm them with the measurements and your own examination."
        )
        self.text_label = QLabel()
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel("<i>Thinking…</i>")
        self.bars: ProbabilityBars | None = None
        self.interval_bar: IntervalBar | None = None
        self.headline: QLabel | None = None
        self.flag_labels: dict[str, QLabel] = {}
        self.suggestion_buttons: list[QPushButton] = []
        self.cited_label: QLabel | None = None
        self.footer: QLabel | None = None
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(8, 6, 8, 6)
        self._lay.setSpacing(4)
        for w in (self.question_label, self.disclaimer, self.text_label, self.status_label):
            self._lay.addWidget(w)
        self._lay.setAlignment(self.disclaimer, Qt.AlignmentFlag.AlignLeft)

    # -- streaming ---------------------------------------------------------------------------
    def append_token(self, piece: str) -> None:
        """Show one more piece of the answer as it is generated."""
        self._streamed += piece
        self.text_label.setText(clean_text(self._streamed).strip())
        self.status_label.setText("<i>Answering… (Stop ends it)</i>")

    @property
    def streamed_text(self) -> str:
        return self._streamed

    def set_failed(self, message: str) -> None:
        """The assistant could not answer."""
        self.status_label.setText(f"Could not answer: {html.escape(message)}")
        self.status_label.setStyleSheet("QLabel { color: #c92a2a; }")

    def set_waiting(self, text: str) -> None:
        self.status_label.setText(f"<i>{html.escape(text)}</i>")

    # -- the final answer --------------------------------------------------------------------
    def set_answer(self, answer: Answer) -> None:
        """Show ``answer`` in full (replaces the streamed text)."""
        self.answer = answer
        self.text_label.setText(clean_text(answer.text) or "(no text)")
        self.status_label.hide()
        if answer.probabilities:
            self._add_probabilities(answer)
        elif answer.value is not None:
            self._add_value(answer)
        elif answer.measured is not None:
            self._add(QLabel(f"Measured by the analysis: {_fmt(answer.measured, answer.unit)}"))
        if A.DISAGREES in answer.flags:
            self._add_flag(A.DISAGREES, self._disagreement_text(answer), ALERT_STYLE)
        for flag in answer.flags:
            if flag in FLAG_TEXT:
                text, style = FLAG_TEXT[flag]
                self._add_flag(flag, text, style)
        if answer.suggestions:
            self._add_suggestions(answer.suggestions)
        if answer.cited_times_s:
            self._add_cited(answer.cited_times_s)
        self._add_footer(answer)

    def _add(self, widget: QWidget) -> QWidget:
        self._lay.addWidget(widget)
        return widget

    def _add_headline(self, html_text: str) -> None:
        self.headline = QLabel(html_text)
        self.headline.setWordWrap(True)
        self._lay.insertWidget(self._lay.indexOf(self.text_label), self.headline)

    def _add_probabilities(self, answer: Answer) -> None:
        task = TASKS.get(answer.task or "")
        title = task.title if task else "Answer"
        ranked = answer.differential
        if answer.label is not None:
            p = answer.probabilities[answer.label]
            self._add_headline(
                f"<b>{html.escape(title)}:</b> <span style='font-size:14px'><b>"
                f"{html.escape(label_text(answer.task, answer.label))}</b></span> ({p:.0%})"
            )
        else:
            self._add_headline(f"<b>{html.escape(title)}:</b> no answer (not confident enough)")
        self._note_wording(answer)
        heading = "Ranked differential" if answer.task == "diagnosis" else "Probability of each"
        self._add(QLabel(f"<small>{heading} (from the model's scores):</small>"))
        rows = [(label_text(answer.task, k), v) for k, v in ranked]
        chosen = None if answer.label is None else label_text(answer.task, answer.label)
        self.bars = ProbabilityBars(rows, chosen=chosen, ranked=answer.task == "diagnosis")
        self._add(self.bars)

    def _note_wording(self, answer: Answer) -> None:
        """Say so when the generated words name another label than the scores chose."""
        task = TASKS.get(answer.task or "")
        if task is None or answer.label is None or not answer.text:
            return
        said = task.parse_answer(answer.text)
        if said is not None and said != answer.label:
            self._add(
                _banner(
                    f"The model's wording names '{label_text(answer.task, str(said))}', but its "
                    "scores favour the answer above; the bars show the scores.",
                    WARN_STYLE,
                )
            )

    def _add_value(self, answer: Answer) -> None:
        task = TASKS.get(answer.task or "")
        title = task.title if task else "Estimate"
        assert answer.value is not None
        value = _fmt(answer.value, answer.unit)
        line = f"<b>{html.escape(title)} (AI estimate):</b> <b>{value}</b>"
        if answer.interval is not None:
            lo, hi = answer.interval
            line += f" &nbsp;<small>80 % interval {lo:.3g}–{_fmt(hi, answer.unit)}</small>"
        self._add_headline(line)
        meas = (
            f"<b>Measured by the analysis:</b> {_fmt(answer.measured, answer.unit)}"
            if answer.measured is not None
            else "<small>No measurement of this in the analysis to compare with.</small>"
        )
        self._add(QLabel(meas))
        self.interval_bar = IntervalBar(answer.value, answer.interval, answer.measured, answer.unit)
        self._add(self.interval_bar)

    @staticmethod
    def _disagreement_text(answer: Answer) -> str:
        if answer.value is None or answer.measured is None:
            return "⚠ The AI estimate disagrees with the measurement: rely on the measured value."
        rel = abs(answer.value - answer.measured) / max(abs(answer.measured), 1e-9)
        return (
            f"⚠ The AI estimate ({_fmt(answer.value, answer.unit)}) disagrees with the measured "
            f"value ({_fmt(answer.measured, answer.unit)}) by {rel:.0%}. "
            "Rely on the measurement."
        )

    def _add_flag(self, flag: str, text: str, style: str) -> None:
        self.flag_labels[flag] = self._add(_banner(text, style))  # type: ignore[assignment]

    def _add_suggestions(self, suggestions: list[str]) -> None:
        for text in suggestions:
            btn = QPushButton(text)
            btn.setStyleSheet("QPushButton { text-align: left; padding: 2px 6px; }")
            btn.clicked.connect(lambda _=False, q=text: self.suggestion_clicked.emit(q))
            self.suggestion_buttons.append(btn)
            self._add(btn)

    def _add_cited(self, times: list[float]) -> None:
        links = ", ".join(f"<a href='seek:{t:g}'>{t:.2f} s</a>" for t in times)
        self.cited_label = QLabel(f"Moments cited (click to show): {links}")
        self.cited_label.setTextFormat(Qt.TextFormat.RichText)
        self.cited_label.linkActivated.connect(self._on_link_activated)
        self._add(self.cited_label)

    def _on_link_activated(self, href: str) -> None:
        if href.startswith("seek:"):
            self.seek_requested.emit(float(href.removeprefix("seek:")))

    def _add_footer(self, answer: Answer) -> None:
        parts = [answer.model_version or "model", answer.device]
        if answer.latency_s:
            parts.append(f"{answer.latency_s:.1f} s")
        if answer.n_tokens:
            parts.append(f"{answer.n_tokens} tokens")
        self.footer = QLabel(f"<small>{html.escape(' · '.join(parts))}</small>")
        self.footer.setStyleSheet("QLabel { color: palette(mid); }")
        self._add(self.footer)
