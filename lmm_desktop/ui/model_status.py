"""ModelStatus: the assistant's state in the status bar (device, precision, memory, loading)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

_GB = 1024**3


def describe_model(name: str | None, device: str, precision: str, memory_bytes: int | None) -> str:
    """One line: ``'default · cpu · float32 · 1.21 GB'`` (parts that are unknown left out)."""
    parts = [p for p in (name, device, precision) if p]
    if memory_bytes:
        parts.append(f"{memory_bytes / _GB:.2f} GB")
    return " · ".join(parts)


def parameter_bytes(lm: Any) -> int | None:
    """Bytes of a language model's parameters (None when unknown)."""
    model = getattr(lm, "model", None)
    if model is None or not hasattr(model, "parameters"):
        return None
    return int(sum(p.numel() * p.element_size() for p in model.parameters()))


class ModelStatus(QWidget):
    """'Assistant: …' label, a progress bar while loading, and a cancel button."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("Assistant: not loaded")
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setMaximumWidth(110)
        self.bar.setTextVisible(False)
        self.cancel_btn = QPushButton("Stop loading")
        self.cancel_btn.setToolTip("Stop loading the assistant model; the rest of the app works.")
        self.cancel_btn.clicked.connect(self.cancel_requested.emit)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_btn)
        self.state = "idle"
        self._show_progress(False)

    def _show_progress(self, on: bool) -> None:
        self.bar.setVisible(on)
        self.cancel_btn.setVisible(on)

    def set_loading(self, text: str, fraction: float) -> None:
        """Loading: what is being done and how far (0..1)."""
        self.state = "loading"
        self.label.setText(f"Assistant: {text}…")
        self.bar.setValue(round(100 * max(0.0, min(1.0, fraction))))
        self._show_progress(True)

    def set_ready(self, summary: str, notes: str = "") -> None:
        """Loaded: ``summary`` from :func:`describe_model`."""
        self.state = "ready"
        self.label.setText(f"Assistant: {summary}")
        self.label.setToolTip(notes or "The assistant model is loaded and ready.")
        self._show_progress(False)

    def set_answering(self, on: bool) -> None:
        """Mark that an answer is being generated (keeps the model summary)."""
        text = self.label.text().removesuffix(" — answering…")
        self.label.setText(text + (" — answering…" if on else ""))

    def set_unavailable(self, reason: str) -> None:
        """Not loaded: short text in the bar, the reason in the tooltip."""
        self.state = "unavailable"
        self.label.setText("Assistant: not available")
        self.label.setToolTip(reason)
        self._show_progress(False)

    def show_engine(self, engine: Any, loaded: Any | None = None) -> None:
        """Ready: name, device, precision and memory of ``loaded`` (or of the engine's model)."""
        if loaded is not None and hasattr(loaded, "memory_bytes"):
            summary = describe_model(
                loaded.folder.name, loaded.device, loaded.precision, loaded.memory_bytes
            )
            self.set_ready(summary, " ".join(getattr(loaded, "notes", [])))
            return
        lm = getattr(engine, "lm", None)
        summary = describe_model(
            getattr(lm, "version", None),
            getattr(lm, "device", "cpu"),
            getattr(lm, "precision", ""),
            parameter_bytes(lm),
        )
        self.set_ready(summary)
