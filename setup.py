"""Ship the top-level ``resources/`` folder inside the wheel as ``lmm_desktop/resources``.

All metadata lives in ``pyproject.toml``; this file only adds that copy step, which setuptools
cannot express declaratively without moving the folder. Editable installs skip it: they read
``resources/`` in the source tree (see ``lmm_desktop/core/resources.py``). ``MANIFEST.in`` puts
the folder into the sdist so a wheel built from the sdist has it too.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithResources(build_py):
    """``build_py`` that also copies ``resources/`` to ``<build_lib>/lmm_desktop/resources``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        source = Path(__file__).resolve().parent / "resources"
        if not source.is_dir():
            raise SystemExit(f"cannot build LMM Desktop: the folder '{source}' is missing")
        self.copy_tree(str(source), str(Path(self.build_lib) / "lmm_desktop" / "resources"))


setup(cmdclass={"build_py": BuildPyWithResources})
