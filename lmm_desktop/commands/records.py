"""``lmm-desktop records backup OUT | check FILE | restore FILE --yes``: keep the patient
records safe.

``backup`` copies the records database (consistent even while the app is open) to ``OUT``;
``check`` says whether a file is a usable records backup and what it holds; ``restore`` keeps
the current records aside (``records-before-restore-<time>.sqlite`` next to them) and puts the
backup's in their place; it asks for ``--yes`` because it replaces what the app shows.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lmm_desktop.core.errors import InvalidValueError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("backup", "check", "restore"),
                        help="backup: copy the records to FILE; check: read a backup; "
                        "restore: replace the records with a backup's")
    parser.add_argument("file", type=Path, metavar="FILE", help="the backup file")
    parser.add_argument("--records", type=Path, default=None, metavar="DB",
                        help="records database (default: the user's)")
    parser.add_argument("--yes", action="store_true",
                        help="restore without asking (the current records are kept aside)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from lmm_desktop.records.backup import backup_records, check_backup, restore_records

    kept = None
    if args.action == "backup":
        info = backup_records(args.file, args.records)
        line = f"backed up {info.summary()} to {info.path}"
    elif args.action == "check":
        info = check_backup(args.file)
        line = f"{info.path}: a records backup (schema {info.schema_version}) with {info.summary()}"
    else:
        if not args.yes:
            current = check_backup(args.file)
            raise InvalidValueError(
                f"'{args.file}' holds {current.summary()}. Restoring replaces the records the "
                "app shows with these (the current ones are kept aside in a file next to "
                "them); run again with --yes to restore."
            )
        info, kept = restore_records(args.file, args.records)
        line = f"restored {info.summary()} from {info.path}" + (
            f"; the records before the restore are in {kept}" if kept else "")
    if args.json:
        print(json.dumps({"action": args.action, "file": str(info.path),
                          "schema_version": info.schema_version, "counts": info.counts,
                          "kept": None if kept is None else str(kept)}, indent=2))
    else:
        print(line)
    return 0
