"""Entry point of the frozen application (PyInstaller runs this file as ``__main__``)."""

from __future__ import annotations

import multiprocessing
import sys

from lmm_desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # torch / tokenizers may start worker processes
    sys.exit(main())
