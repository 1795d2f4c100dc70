"""File > Analyse many trials into a table…: the batch analysis of :mod:`lmm_desktop.report.batch`
off the UI thread, with progress and a Stop button.

Folders and files are added to a list (folders are searched recursively; an OpenCap session
folder counts as its trials); the table goes to a CSV file. Stopping writes the rows already
analysed, so nothing done is lost; the table's ``error`` column says why a trial failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lmm_desktop.core.errors import LmmError


class BatchWorker(QThread):
    """Analyse the targets one by one and write the table (the rows done when stopped)."""

    progress = Signal(int, int, str)  # done, total, the trial just analysed
    done = Signal(dict)  # {"table", "trials", "failed", "stopped", "total"}
    failed = Signal(str)

    def __init__(self, targets: list[Any], out: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.targets, self.out = list(targets), out
        self._stop = False

    def stop(self) -> None:
        self._stop = True

    def run(self) -> None:
        from lmm_desktop.report.batch import analyse_target, write_batteries_beside, write_table

        rows = []
        try:
            for k, t in enumerate(self.targets, start=1):
                if self._stop:
                    break
                rows.append(analyse_target(t, keep_tests=True))
                self.progress.emit(k, len(self.targets), t.where)
            write_table(rows, self.out)
            people = write_batteries_beside(self.targets[:len(rows)], rows, self.out)
        except (LmmError, OSError) as exc:
            self.failed.emit(str(exc))
            return
        self.done.emit({
            "table": str(self.out), "trials": len(rows), "total": len(self.targets),
            "failed": sum(1 for r in rows if r.get("error")), "stopped": self._stop,
            "batteries": None if people is None else str(people[0]),
            "people": 0 if people is None else people[1],
        })


class BatchDialog(QDialog):
    """Pick folders and files, a CSV to write, run, watch the progress, stop."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Analyse many trials into a table")
        self.resize(640, 420)
        self.inputs = QListWidget()
        add_folder = QPushButton("Add folder…")
        add_files = QPushButton("Add files…")
        remove = QPushButton("Remove")
        add_folder.clicked.connect(self._ask_folder)
        add_files.clicked.connect(self._ask_files)
        remove.clicked.connect(lambda: [self.inputs.takeItem(self.inputs.row(i))
                                        for i in self.inputs.selectedItems()])
        self.out_edit = QLineEdit()
        self.out_edit.setPlaceholderText("table.csv")
        browse = QPushButton("Save as…")
        browse.clicked.connect(self._ask_out)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.status = QLabel(
            "Add the folders or files of a study: each trial becomes one row of measures "
            "(gait parameters, tests, squats, quality), ready for a spreadsheet or statistics."
        )
        self.status.setWordWrap(True)
        self.run_button = QPushButton("Analyse")
        self.run_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for b in (add_folder, add_files, remove):
            buttons.addWidget(b)
        buttons.addStretch(1)
        out_row = QHBoxLayout()
        out_row.addWidget(QLabel("Table:"))
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(browse)
        run_row = QHBoxLayout()
        run_row.addWidget(self.progress_bar, 1)
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.stop_button)
        run_row.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Trials (folders are searched recursively):"))
        lay.addWidget(self.inputs, 1)
        lay.addLayout(buttons)
        lay.addLayout(out_row)
        lay.addWidget(self.status)
        lay.addLayout(run_row)
        self.worker: BatchWorker | None = None
        self.result: dict[str, Any] | None = None

    # -- inputs ------------------------------------------------------------------------------
    def add_paths(self, paths: list[Path]) -> None:
        for p in paths:
            self.inputs.addItem(str(p))

    def paths(self) -> list[Path]:
        return [Path(self.inputs.item(i).text()) for i in range(self.inputs.count())]

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of trials")
        if folder:
            self.add_paths([Path(folder)])

    def _ask_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Add trial files", "", "Trials (*.mot *.sto *.trc *.c3d *.npz *.npy)"
        )
        self.add_paths([Path(f) for f in files])

    def _ask_out(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the table", "table.csv", "CSV (*.csv)")
        if path:
            self.out_edit.setText(path if path.lower().endswith(".csv") else path + ".csv")

    # -- running -----------------------------------------------------------------------------
    def start(self) -> bool:
        """Find the trials and start; False (with the reason shown) when there is nothing to
        do or no table to write."""
        from lmm_desktop.report.batch import find_trials

        out = self.out_edit.text().strip()
        if not out or not out.lower().endswith(".csv"):
            self.status.setText("Choose where to save the table (a .csv file) first.")
            return False
        targets, notes = find_trials(self.paths())
        if not targets:
            self.status.setText(
                "No trial files (.mot .sto .trc .c3d .npz .npy) or OpenCap sessions in the list."
                + (" " + "; ".join(notes) if notes else "")
            )
            return False
        self.result = None
        self.progress_bar.setRange(0, len(targets))
        self.progress_bar.setValue(0)
        self.worker = BatchWorker(targets, Path(out), self)
        self.worker.progress.connect(self._on_progress)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.worker.finished.connect(lambda: self._running(False))
        self._running(True)
        self.status.setText(f"Analysing {len(targets)} trial(s)…")
        self.worker.start()
        return True

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.status.setText("Stopping after the trial being analysed…")

    def _running(self, on: bool) -> None:
        self.run_button.setEnabled(not on)
        self.stop_button.setEnabled(on)

    def _on_progress(self, done: int, total: int, label: str) -> None:
        self.progress_bar.setValue(done)
        self.status.setText(f"{done} of {total}: {label}")

    def _on_done(self, result: dict[str, Any]) -> None:
        self.result = result
        stopped = (f"Stopped after {result['trials']} of {result['total']} trial(s); "
                   if result["stopped"] else "")
        failed = (f"; {result['failed']} could not be analysed (the 'error' column says why)"
                  if result["failed"] else "")
        self.status.setText(
            f"{stopped}{result['trials']} trial(s) in {result['table']}{failed}."
            + (f" The SPPB and STEADI screen of {result['people']} person(s): "
               f"{result['batteries']}." if result.get("batteries") else "")
        )

    def _on_failed(self, text: str) -> None:
        self.status.setText(f"The table could not be written: {text}")

    def closeEvent(self, event: Any) -> None:
        if self.worker is not None and self.worker.isRunning():
            self.worker.stop()
            self.worker.wait()
        super().closeEvent(event)
