"""``lmm-desktop records backup | check | restore``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmm_desktop.cli import main
from lmm_desktop.records import RecordStore


def test_backup_check_restore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "records.sqlite"
    with RecordStore(db) as store:
        store.add_patient("Ada Lovelace")
    out = tmp_path / "b.sqlite"
    assert main(["records", "backup", str(out), "--records", str(db)]) == 0
    assert "backed up 1 patient(s)" in capsys.readouterr().out
    assert main(["records", "check", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["patients"] == 1
    with RecordStore(db) as store:
        store.add_patient("Grace Hopper")
    # restoring asks for --yes, and says what the backup holds
    assert main(["records", "restore", str(out), "--records", str(db)]) == 2
    err = capsys.readouterr().err
    assert "1 patient(s)" in err and "--yes" in err
    with RecordStore(db) as store:
        assert len(store.patients()) == 2
    assert main(["records", "restore", str(out), "--records", str(db), "--yes"]) == 0
    assert "records before the restore are in" in capsys.readouterr().out
    with RecordStore(db) as store:
        assert [p.display_name for p in store.patients()] == ["Ada Lovelace"]


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["records", "check", str(tmp_path / "none.sqlite")]) == 2
    assert "No backup file" in capsys.readouterr().err
    assert main(["records", "backup", str(tmp_path / "b.sqlite"),
                 "--records", str(tmp_path / "none.sqlite")]) == 2
    assert "No records database" in capsys.readouterr().err
