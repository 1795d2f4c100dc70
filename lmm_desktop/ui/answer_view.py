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

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from lmm_desktop.assistant import answer as A
from lmm_desktop.assistant.answer import Answer
from lmm_desktop.assistant.tasks import TASKS
from lmm_desktop.ui.answer_charts import IntervalBar, ProbabilityBars, fmt_value

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
    "QLabel { background: #fff3bf; color: #5c3c00; border: 1px solid #f59f00; border-radius: 3px;"
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
    A.SHORT_MOTION: (
        f"Short recording (under {A.SHORT_MOTION_S:.0f} s, about two strides or fewer): the "
        "answer rests on little movement. Treat it as a weak hint; record a longer trial.",
        WARN_STYLE,
    ),
    A.PARTIAL_MOTION: (
        "Part of the body is missing in this trial (e.g. angles from a clinical marker set: "
        "pelvis and legs only); the model saw average trunk and arm movement in its place. "
        "Treat the answer as a weaker hint.",
        WARN_STYLE,
    ),
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


def _banner(text: str, style: str) -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    lab.setStyleSheet(style)
    return lab


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
        top = QHBoxLayout()
        top.addWidget(self.question_label, 1)
        top.addWidget(self.disclaimer, 0, Qt.AlignmentFlag.AlignTop)
        self._lay.addLayout(top)
        self._lay.addWidget(self.text_label)
        self._lay.addWidget(self.status_label)

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
            self._add(
                QLabel("Measured by the analysis: "
                       f"{fmt_value(answer.measured, answer.unit, answer.task)}")
            )
        if A.DISAGREES in answer.flags and A.DISAGREES not in self.flag_labels:
            self._add_flag(A.DISAGREES, self._disagreement_text(answer), ALERT_STYLE)
        for flag in answer.flags:
            if flag in FLAG_TEXT:
                text, style = FLAG_TEXT[flag]
                self._add_flag(flag, text, style)
        self._show_words(answer)
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
        heading = (
            "Ranked differential" if answer.task == "diagnosis" else "Probability of each answer"
        )
        scores = ("the model's scores" if answer.wordings <= 1 else
                  f"the model's scores over {answer.wordings} wordings of the question")
        source = (f"from {scores}, calibrated for equally likely answers"
                  if answer.calibrated else f"from {scores}")
        caption = QLabel(f"<small>{heading} ({source}):</small>")
        caption.setWordWrap(True)  # the assistant dock is narrow: wrap, never scroll sideways
        tips = []
        if answer.wordings > 1:
            tips.append("The probabilities average the model's scores for the same question "
                        f"worded {answer.wordings} fixed ways, so they do not depend on how "
                        "you phrased it.")
        if answer.calibrated:
            tips.append(
                "The model's scores were adjusted on simulated participants it was not trained "
                "on, so that no answer is favoured just because it was common in the training "
                "cohort (see the model card, 'Label calibration').")
        if tips:
            caption.setToolTip(" ".join(tips))
        self._add(caption)
        rows = [(label_text(answer.task, k), v) for k, v in ranked]
        chosen = None if answer.label is None else label_text(answer.task, answer.label)
        self.bars = ProbabilityBars(rows, chosen=chosen, ranked=answer.task == "diagnosis")
        self._add(self.bars)

    def _show_words(self, answer: Answer) -> None:
        """Hide the model's words when the headline already says the same; else label them."""
        task = TASKS.get(answer.task or "")
        if self.headline is None or task is None or task.kind == "description":
            return
        said = task.parse_answer(answer.text) if answer.text else None
        # A value is "the same" when it agrees at the coarser of the two precisions (words
        # "0.8 m/s" and estimate 0.82 m/s; words "112.0 steps/min" and estimate 112 steps/min).
        tol = 0.5 * 10.0 ** -min(task.decimals, task.display_decimals) + 1e-9
        same = said is not None and (
            said == answer.label
            or (answer.value is not None and isinstance(said, float)
                and abs(said - answer.value) <= tol)
        )
        if same:
            self.text_label.hide()
        elif task.kind == "regression" and answer.interval is not None:
            # The estimate averages the model's belief over candidate values; its generated
            # words are its single likeliest wording, which may name another number.
            words = clean_text(answer.text).strip().rstrip(".") or "nothing"
            if said is None:
                text = (f"The model's own words (“{words}”) did not answer in {task.unit}; "
                        "the estimate comes from scoring candidate values.")
            else:
                text = ("The estimate is the average over every value the model considered"
                        + (f" (the question worded {answer.wordings} ways)"
                           if answer.wordings > 1 else "")
                        + f"; its likeliest wording was “{words}”.")
            self.text_label.setText(text)
            self.text_label.setWordWrap(True)
        else:
            self.text_label.setText(f"Model's words: {clean_text(answer.text) or '(none)'}")

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
        value = fmt_value(answer.value, answer.unit, answer.task)
        line = f"<b>{html.escape(title)} (AI estimate):</b> <b>{value}</b>"
        if answer.interval is not None:
            lo, hi = answer.interval
            over = (f"; over {answer.wordings} wordings of the question"
                    if answer.wordings > 1 else "")
            line += (f"<br><small>80 % interval: {fmt_value(lo, None, answer.task)}–"
                     f"{fmt_value(hi, answer.unit, answer.task)}{over}</small>")
        self._add_headline(line)
        if answer.wordings > 1 and self.headline is not None:
            self.headline.setToolTip(
                "The estimate and its interval average the model's belief over candidate values "
                f"for the same question worded {answer.wordings} fixed ways, so they do not "
                "depend on how you phrased it.")
        meas = (
            "<b>Measured by the analysis:</b> "
            f"{fmt_value(answer.measured, answer.unit, answer.task)}"
            + _cutoff_text(answer.task, answer.measured)
            if answer.measured is not None
            else "<small>No measurement of this in the analysis to compare with.</small>"
        )
        self._add(QLabel(meas))
        if A.DISAGREES in answer.flags:  # right under the two numbers it compares
            self._add_flag(A.DISAGREES, self._disagreement_text(answer), ALERT_STYLE)
        self.interval_bar = IntervalBar(answer.value, answer.interval, answer.measured,
                                        answer.unit, task=answer.task)
        self._add(self.interval_bar)

    @staticmethod
    def _disagreement_text(answer: Answer) -> str:
        if answer.value is None or answer.measured is None:
            return "⚠ The AI estimate disagrees with the measurement: rely on the measured value."
        rel = abs(answer.value - answer.measured) / max(abs(answer.measured), 1e-9)
        est = fmt_value(answer.value, answer.unit, answer.task)
        meas = fmt_value(answer.measured, answer.unit, answer.task)
        return (
            f"⚠ The AI estimate ({est}) disagrees with the measured value ({meas}) by {rel:.0%}. "
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
        self.footer.setStyleSheet("QLabel { color: #868e96; }")
        self._add(self.footer)


_TEST_OF_TASK = {"tug_time": "timed_up_and_go", "fsst_time": "four_square_step_test"}


def _cutoff_text(task: str | None, measured: float) -> str:
    """' (above the ≥ 13.5 s fall-risk cut-off)' for a timed test's measured time, else ''."""
    from lmm_desktop.analysis.clinical_norms import reference_for

    ref = reference_for(_TEST_OF_TASK.get(task or "", ""), measured)
    if ref is None:
        return ""
    where = "above" if ref.above_cutoff else "below"
    return f" <small>({where} the {ref.cutoff_text} fall-risk cut-off)</small>"

