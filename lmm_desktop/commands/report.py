"""``lmm-desktop report PATH [PATH2] -o OUT.pdf|OUT.html``: the assessment report, headless.

One PATH: a report of that trial (or of every trial of a session folder). Two: a comparison
report (PATH is A, e.g. before treatment; PATH2 is B). When the trial files are in the records
(found by content), the patient, session, notes, edited events, stored AI answers and chat come
from there. ``--no-ai`` never loads a model; without it, a missing model is reported in the
report ("AI findings not available: <reason>").
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from lmm_desktop.commands.analyze import add_mass_argument, add_sex_argument, check_mass
from lmm_desktop.core.errors import InvalidValueError

if TYPE_CHECKING:
    from lmm_desktop.records.store import RecordStore
    from lmm_desktop.report.assemble import TrialInput

SUFFIXES = (".pdf", ".html", ".htm")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="trial file or OpenCap session folder (A)")
    parser.add_argument(
        "path2",
        type=Path,
        nargs="?",
        default=None,
        help="second trial or session (B) for a comparison report",
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="OUT", help="report file: .pdf or .html"
    )
    parser.add_argument(
        "--trial",
        metavar="NAME",
        default=None,
        help="trial of a session folder (default: all trials; for a comparison "
        "the first trial with gait cycles)",
    )
    parser.add_argument(
        "--deidentify",
        action="store_true",
        help="leave out the name and birth date; show the patient code",
    )
    parser.add_argument("--no-ai", action="store_true", help="no AI findings (no model is loaded)")
    parser.add_argument(
        "--include-chat", action="store_true", help="append the chat transcript from the records"
    )
    parser.add_argument("--patient", metavar="NAME", default=None, help="patient's name")
    parser.add_argument(
        "--birth-date",
        metavar="YYYY-MM-DD",
        default=None,
        help="patient's birth date (the timed tests' age norms use the age on the session date)",
    )
    add_sex_argument(parser)
    add_mass_argument(parser)
    parser.add_argument(
        "--progress",
        action="store_true",
        help="add the patient's progress over all their sessions in the records",
    )
    parser.add_argument(
        "--assessor",
        metavar="NAME",
        default=None,
        help="assessor (also printed on the sign-off line)",
    )
    parser.add_argument(
        "--records",
        type=Path,
        default=None,
        metavar="DB",
        help="records database (default: the user's, when it exists)",
    )


def _check_output(out: Path) -> None:
    if out.suffix.lower() not in SUFFIXES:
        raise InvalidValueError(
            f"Invalid value for '--output'. Allowed suffixes are '.pdf', '.html', but got "
            f"{out.suffix or '(none)'!r} in '{out}'."
        )


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.report.assemble import (
        PatientDetails,
        analyse,
        assemble_report,
        attach_records,
        read_trials,
    )
    from lmm_desktop.report.model import ReportOptions, SessionInfo, SignOff

    _check_output(args.output)
    check_mass(args.mass)
    if args.birth_date is not None:
        from lmm_desktop.records.models import age_on, iso_date

        args.birth_date = iso_date(args.birth_date) or args.birth_date
        if age_on(args.birth_date) is None:
            raise InvalidValueError(
                f"Invalid value for '--birth-date': '{args.birth_date}' is not a past date in "
                "the form YYYY-MM-DD (e.g. 1950-03-01)."
            )
    comparison = args.path2 is not None
    items: list[TrialInput] = []
    for path in [args.path] + ([args.path2] if comparison else []):
        read = read_trials(path, args.trial)
        for t in read:
            if args.mass is not None:
                t.subject.mass_kg = float(args.mass)
        trials = [analyse(t) for t in read]
        if comparison:
            with_cycles = [t for t in trials if t.result.cycles is not None]
            trials = (with_cycles or trials)[:1]
        items += trials
    store = _open_records(args.records)
    patient, session, session_note = PatientDetails(), SessionInfo(), None
    progress = None
    if args.progress and store is None:
        raise InvalidValueError(
            "'--progress' needs the records: no records database was found; give --records DB."
        )
    if store is not None:
        with store:
            for item in items:
                found = attach_records(store, item)
                if found is not None:
                    patient, session, session_note = found
            if args.progress:
                progress = _progress(store, patient.identifier_code)
    if args.patient:
        patient.name = args.patient
    if args.birth_date:
        patient.birth_date = args.birth_date
    if args.sex:
        patient.sex = args.sex
    if args.assessor:
        session.assessor = args.assessor
    options = ReportOptions(
        deidentify=args.deidentify, include_chat=args.include_chat, include_ai=not args.no_ai
    )
    if options.include_ai:
        _ask_assistant(items)
    model = assemble_report(
        items,
        patient=patient,
        session=session,
        options=options,
        session_note=session_note,
        sign_off=SignOff(name=session.assessor),
        comparison=comparison,
    )
    model.progress = progress
    if args.output.suffix.lower() == ".pdf":
        # Qt only for a PDF, through importlib (the command layer itself never imports Qt)
        pdf = importlib.import_module("lmm_desktop.ui.report_pdf")
        pdf.write_pdf(model, args.output)
    else:
        from lmm_desktop.report.html import write_html

        write_html(model, args.output)
    print(f"wrote {args.output} ({len(model.trials)} trial(s))")
    return 0


def _progress(store: RecordStore, code: str | None) -> list[object]:
    """The progress over the sessions of the report's patient (found by its code)."""
    from lmm_desktop.report.progress import patient_progress

    patient = next((p for p in store.patients() if code and p.identifier_code == code), None)
    if patient is None:
        raise InvalidValueError(
            "'--progress' needs a trial that is in the records (filed under a patient); this "
            "one is not."
        )
    return list(patient_progress(store, patient.id))


def _open_records(path: Path | None) -> RecordStore | None:
    """The records store when asked for or when the user's database exists (never created)."""
    from lmm_desktop.records.schema import default_db_path
    from lmm_desktop.records.store import RecordStore

    db = path if path is not None else default_db_path()
    return RecordStore(db) if Path(db).is_file() else None


def _ask_assistant(items: list[TrialInput]) -> None:
    """Ask the registered questions about each trial that has no stored answers."""
    from lmm_desktop.report.ai import load_assistant, questions_for

    todo = [it for it in items if not it.ai]
    if not todo:
        return
    source = load_assistant()
    for it in todo:
        tests = [t.test for t in it.result.clinical_tests if t.duration_s is not None]
        answers, reason = source.ask(it.trial, questions_for(tests, it.result.cycles is not None))
        it.ai += answers
        it.ai_reason = reason
