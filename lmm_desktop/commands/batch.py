"""``lmm-desktop batch PATH... -o TABLE.csv``: analyse every trial of some files and folders
into one table (one row per trial; see :mod:`lmm_desktop.report.batch`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lmm_desktop.core.errors import InvalidValueError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", type=Path, nargs="+", metavar="PATH",
                        help="trial files, folders (searched recursively) or OpenCap sessions")
    parser.add_argument("-o", "--out", type=Path, required=True, metavar="TABLE.csv",
                        help="the table to write (CSV, one row per trial); a person's SPPB "
                        "and STEADI screen go beside it in TABLE_batteries.csv")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.report.batch import (
        analyse_all,
        find_trials,
        write_batteries_beside,
        write_table,
    )

    if args.out.suffix.lower() != ".csv":
        raise InvalidValueError(
            f"Invalid value for '--out': '{args.out}'; the table is written as CSV (.csv)."
        )
    targets, notes = find_trials(list(args.paths))
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    if not targets:
        raise InvalidValueError(
            "No trial files (.mot .sto .trc .c3d .npz .npy) or OpenCap sessions were found in "
            + ", ".join(str(p) for p in args.paths) + "."
        )

    def progress(done: int, total: int, target: object) -> None:
        if not args.quiet:
            print(f"[{done}/{total}] {getattr(target, 'where', target)}", file=sys.stderr)

    rows = analyse_all(targets, progress, keep_tests=True)
    write_table(rows, args.out)
    people = write_batteries_beside(targets, rows, args.out)
    failed = [r for r in rows if r.get("error")]
    summary: dict[str, object] = {"table": str(args.out), "trials": len(rows),
                                  "failed": len(failed)}
    if people is not None:  # the SPPB and STEADI per person, beside the trial table
        summary.update(batteries=str(people[0]), people=people[1])
    print(json.dumps(summary))
    if failed and len(failed) == len(rows):
        raise InvalidValueError(
            f"None of the {len(rows)} trial(s) could be analysed; the table '{args.out}' says "
            "why in its 'error' column."
        )
    return 0
