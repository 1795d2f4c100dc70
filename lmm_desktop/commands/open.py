"""``lmm-desktop open [PATH] [--demo] [--screenshot OUT.png] [--time S] [--theme light|dark]``.

The GUI is imported only when this command runs (``importlib``), so the headless commands and the
layering rule ("nothing below ui imports Qt") are untouched.
"""

from __future__ import annotations

import argparse
import importlib


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="trial file or session folder to open")
    parser.add_argument("--demo", action="store_true", help="open the simulated demo trials")
    parser.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="save a PNG of the window once the trial is shown, then exit",
    )
    parser.add_argument(
        "--time", type=float, metavar="SECONDS", help="time to show (with --screenshot)"
    )
    parser.add_argument("--theme", choices=("light", "dark"), help="colour theme")


def run(args: argparse.Namespace) -> int:
    """Start the GUI (or take a scripted screenshot)."""
    app = importlib.import_module("lmm_desktop.ui.app")
    return int(
        app.run_gui(
            args.path, demo=args.demo, screenshot=args.screenshot, time=args.time, theme=args.theme
        )
    )
