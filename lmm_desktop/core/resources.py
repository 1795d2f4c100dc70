"""Where the files shipped with LMM Desktop live (built-in model, normative data, icons, demo).

The ``resources/`` folder sits at the top of the source tree. Installed and frozen copies of the
app keep it elsewhere, so code never builds the path from its own ``__file__``: it asks
:func:`resources_dir` (a folder) or :func:`resource` (one file or folder that must exist).

Places looked at, in order:

1. ``LMM_RESOURCES_DIR`` (tests, portable installs, a site-wide copy); used as given;
2. ``sys._MEIPASS/resources`` in a PyInstaller bundle (``installer/lmm_desktop.spec``);
3. ``lmm_desktop/resources`` next to the package: a wheel install (``setup.py`` copies the
   top-level folder there when the wheel is built);
4. ``resources/`` at the root of the source tree: a checkout or an editable install.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lmm_desktop.core.errors import LmmError

ENV_VAR = "LMM_RESOURCES_DIR"

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # .../lmm_desktop


class ResourceMissingError(LmmError):
    """A file that ships with the application is not where it should be."""


def search_paths() -> list[tuple[str, Path]]:
    """The candidate resource folders, best first, each with how it was found.

    Returns
    -------
    list of (str, Path)
        ``(origin, folder)`` pairs; ``origin`` says in words where the folder comes from (shown
        in error messages). The folders need not exist.
    """
    out: list[tuple[str, Path]] = []
    env = os.environ.get(ENV_VAR)
    if env:
        out.append((f"the {ENV_VAR} environment variable", Path(env).expanduser()))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        out.append(("the application bundle", Path(bundle) / "resources"))
    out.append(("the installed package", _PACKAGE_DIR / "resources"))
    out.append(("the source tree", _PACKAGE_DIR.parent / "resources"))
    return out


def _locate() -> tuple[str, Path]:
    candidates = search_paths()
    if os.environ.get(ENV_VAR):
        return candidates[0]  # an explicit choice is never second-guessed
    for origin, folder in candidates:
        if folder.is_dir():
            return origin, folder
    return candidates[-1]


def resources_dir() -> Path:
    """The folder holding the files shipped with the application.

    Never raises, so modules may compute default paths at import time: when no candidate folder
    exists it returns the source-tree location, and :func:`resource` explains what is missing.

    Returns
    -------
    Path
        ``LMM_RESOURCES_DIR`` when set, else the first existing folder of :func:`search_paths`.
    """
    return _locate()[1]


def resource(*parts: str, hint: str | None = None) -> Path:
    """The path of one shipped file or folder, which must exist.

    Parameters
    ----------
    *parts
        Path components below the resources folder, e.g. ``("normative", "LICENCE")``.
    hint
        Optional extra advice for the message, e.g. how to regenerate the file in a checkout.

    Returns
    -------
    Path
        The existing file or folder.

    Raises
    ------
    ResourceMissingError
        When it does not exist; the message names the file, where it was expected, how the
        folder was chosen, and what to do.
    """
    if not parts:
        raise ValueError("resource() needs at least one path component")
    origin, folder = _locate()
    path = folder.joinpath(*parts)
    if path.exists():
        return path
    name = "/".join(parts)
    if not folder.is_dir():
        tried = "; ".join(f"'{p}' ({o})" for o, p in search_paths())
        where = f"no resources folder was found (looked at {tried})"
    else:
        where = f"it is not in '{folder}' (the resources folder from {origin})"
    msg = (
        f"LMM Desktop cannot find its resource '{name}': {where}. Reinstall LMM Desktop, "
        f"or set {ENV_VAR} to a folder that contains '{name}'."
    )
    if hint:
        msg += f" {hint}"
    raise ResourceMissingError(msg)
