"""``lmm-desktop progress PATIENT``: a patient's key measures session by session, from the records.

Every trial the records hold for the patient is read again and analysed with the clinician's
edited events; the table lists each session's walking speed, cadence, stride length, Gait
Profile Score, timed tests (the best attempt) and ankle push-off power, and the change from the
first session to the last.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lmm_desktop.core.errors import InvalidValueError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("patient", help="the patient's name or code (P-...) in the records")
    parser.add_argument(
        "--records", type=Path, default=None, metavar="DB",
        help="records database (default: the user's)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.records.schema import default_db_path
    from lmm_desktop.records.store import RecordStore
    from lmm_desktop.report.progress import (
        MEASURES,
        change_text,
        patient_progress,
        session_cell,
    )

    db = args.records if args.records is not None else default_db_path()
    if not Path(db).is_file():
        raise InvalidValueError(
            f"No records database at '{db}': open trials in the app (they are kept in the "
            "records) or give --records DB."
        )
    with RecordStore(db) as store:
        patient = store.find_patient(args.patient) or next(
            (p for p in store.patients() if p.identifier_code.lower() == args.patient.lower()),
            None,
        )
        if patient is None:
            names = ", ".join(p.display_name for p in store.patients()[:8]) or "none"
            raise InvalidValueError(
                f"Invalid value for 'patient': no patient '{args.patient}' in the records "
                f"(patients: {names})."
            )
        sessions = patient_progress(store, patient.id)
    if args.json:
        print(json.dumps(
            {"patient": patient.identifier_code, "sessions": [s.to_dict() for s in sessions]},
            indent=2,
        ))
        return 0
    print(f"{patient.display_name} ({patient.identifier_code}): {len(sessions)} session(s)")
    if not sessions:
        print("  no trials in the records")
        return 0
    dates = [s.date or f"session {s.session_id}" for s in sessions]
    header = ["measure", *dates, "change"]
    rows = []
    for key, label, unit, decimals, better_up in MEASURES:
        vals = [s.values.get(key) for s in sessions]
        cells = [session_cell(s, key, v, decimals, "-")
                 for s, v in zip(sessions, vals, strict=True)]
        if all(c == "-" for c in cells):
            continue
        known = [v for v in vals if v is not None]
        rows.append(
            [f"{label} ({unit})", *cells,
             change_text(known[0], known[-1], decimals, better_up) if len(known) > 1 else ""]
        )
    if any(s.steadi for s in sessions):  # the CDC STEADI screen, session by session
        rows.append(["Fall-risk screen (CDC STEADI)", *(s.steadi or "-" for s in sessions), ""])
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  " + "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    problems = [(s.date, t) for s in sessions for t in s.trials if t.problem]
    for date, t in problems:
        print(f"  not read: {t.name} ({date or 'no date'}): {t.problem}")
    return 0
