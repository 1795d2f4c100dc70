"""``lmm-desktop``: the GUI by default, headless subcommands for scripts and batch users.

Each subcommand lives in ``lmm_desktop/commands/<name>.py`` with ``add_arguments(parser)`` and
``run(args) -> int``. User errors (:class:`LmmError`) print one line and exit with status 2, no
traceback; anything unexpected prints a short message and the log path and exits with status 1.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
from collections.abc import Sequence

from lmm_desktop import __version__
from lmm_desktop.core.errors import LmmError

#: subcommand -> one-line help. Modules are imported only to build the parser of the one used.
COMMANDS: dict[str, str] = {
    "open": "open a trial in the desktop app (also --screenshot for scripted capture)",
    "info": "describe a trial file or session folder (frames, rate, coordinates, events, subject)",
    "convert": "convert a trial's canonical kinematics to .mot, .csv or the 41-element .npz",
    "analyze": "gait events, spatiotemporal parameters, curves vs norms, clinical tests, quality",
    "tokenize": "motion tokens of a trial with their reconstruction error",
    "ask": "ask the local motion-language model a question about a trial",
    "report": "export an assessment report (PDF or HTML), headless",
    "progress": "a patient's key measures session by session, from the records",
    "records": "back up, check or restore the patient records",
    "batch": "analyse every trial of some files and folders into one CSV table",
}

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USER_ERROR = 2

log = logging.getLogger("lmm_desktop")


def _available_commands() -> dict[str, str]:
    out = {}
    for name, help_text in COMMANDS.items():
        if importlib.util.find_spec(f"lmm_desktop.commands.{name}") is not None:
            out[name] = help_text
    return out


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser; only ``command``'s module is imported (keeps ``--help`` fast)."""
    parser = argparse.ArgumentParser(
        prog="lmm-desktop",
        description="LMM Desktop: review motion-capture trials, measure gait and clinical tests, "
        "ask a local motion-language model about them, and export reports.",
    )
    parser.add_argument("--version", action="version", version=f"lmm-desktop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in _available_commands().items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(f"lmm_desktop.commands.{name}")
            module.add_arguments(sp)
            sp.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lmm-desktop`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    available = _available_commands()
    # `lmm-desktop [PATH] [--demo]` with no subcommand means: open the GUI.
    first = next((a for a in args_list if not a.startswith("-")), None)
    wants_help_or_version = any(a in ("-h", "--help", "--version") for a in args_list)
    if ("open" in available and first not in available
            and not (wants_help_or_version and first is None)):
        args_list = ["open", *args_list]
        first = "open"
    parser = build_parser(first if first in available else None)
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return EXIT_USER_ERROR
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args._module.run(args))
    except LmmError as exc:
        print(f"lmm-desktop {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"lmm-desktop {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # unexpected: short message for the user, details in the log
        path = _log_unexpected(exc)
        print(
            f"lmm-desktop {args.command}: unexpected error ({type(exc).__name__}: {exc}). "
            f"Details were written to {path}.",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED


def _log_unexpected(exc: BaseException) -> str:
    """Append the traceback to the user's log file and return its path."""
    import traceback

    from lmm_desktop.core.paths import log_file

    try:
        path = log_file()
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
        return str(path)
    except OSError:
        traceback.print_exception(exc)
        return "(the log could not be written; traceback printed above)"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
