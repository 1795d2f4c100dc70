"""OpenCap session folders assembled in tmp_path from the real fixture files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import lmm_desktop.io.mot as mot_module
from lmm_desktop.core.errors import TrialReadError
from lmm_desktop.io import read_trial
from lmm_desktop.io.opencap import is_session_folder, open_session

# keys as in opencap-core's defaultSessionMetadata.yaml
METADATA = """\
calibrationSettings:
  overwriteDeployedIntrinsics: false
gender_mf: m
height_m: 1.89
mass_kg: 83.2
openSimModel: LaiUhlrich2022
subjectID: subject_07
"""


def _link(target: Path, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def _session(
    root: Path,
    fixtures: Path,
    *,
    model: str = "LaiUhlrich2022.osim",
    metadata: str | None = METADATA,
) -> Path:
    """An OpenCap-shaped folder: model, two motions, markers for one, a marker-only trial."""
    _link(fixtures / "models" / model, root / "OpenSimData/Model" / model)
    kin = root / "OpenSimData/Kinematics"
    _link(fixtures / "opencap/walking1_videoAndMocap.mot", kin / "walking1.mot")
    _link(fixtures / "opencap/squats1_videoAndMocap.mot", kin / "squats1.mot")
    _link(fixtures / "opensim/subject01_walk1.trc", root / "MarkerData/walking1.trc")
    _link(fixtures / "opensim/motion_capture_walk.trc", root / "MarkerData/static1.trc")
    for cam, names in (("Cam0", ["walking1.mp4", "walking1_sync.mp4"]), ("Cam1", ["walking1.mp4"])):
        media = root / "Videos" / cam / "InputMedia" / "walking1"
        media.mkdir(parents=True)
        for name in names:
            (media / name).write_bytes(b"\x00\x00\x00\x18ftypmp42")
    if metadata is not None:
        (root / "sessionMetadata.yaml").write_text(metadata, encoding="utf-8")
    return root


def test_listing_is_lazy_and_complete(
    fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _session(tmp_path / "session", fixtures_dir)

    def refuse(path: object) -> None:
        raise AssertionError(f"listing read {path}")

    monkeypatch.setattr(mot_module, "read_mot", refuse)
    session = open_session(root)
    assert is_session_folder(root)
    assert session.trial_names == ["squats1", "static1", "walking1"]
    assert session.model_path == root / "OpenSimData/Model/LaiUhlrich2022.osim"
    assert session._model_info is None  # the .osim is not parsed to list trials
    subject = session.subject
    assert (subject.height_m, subject.mass_kg, subject.sex) == (1.89, 83.2, "male")
    assert subject.identifier == "subject_07" and subject.age_years is None
    videos = session.videos("walking1")
    assert [(v.parent.parent.parent.name, v.name) for v in videos] == [
        ("Cam0", "walking1_sync.mp4"),
        ("Cam1", "walking1.mp4"),
    ]
    assert session.videos("squats1") == []


def test_read_one_trial_with_everything_attached(fixtures_dir: Path, tmp_path: Path) -> None:
    root = _session(tmp_path / "session", fixtures_dir)
    trial = open_session(root).read("walking1")
    assert trial.n_frames == 158 and trial.rate_hz == pytest.approx(100.0)
    assert trial.kinematics is not None
    assert np.nanmax(trial.kinematics.angle("knee_angle_r")) == pytest.approx(62.79151172)
    assert trial.markers is not None
    assert len(trial.markers.labels) == 41 and trial.markers.rate_hz == pytest.approx(60.0)
    assert trial.subject.mass_kg == 83.2
    prov = trial.provenance
    assert (prov.format, prov.model_name, prov.trial_name) == (
        "opencap",
        "LaiUhlrich2022",
        "walking1",
    )
    assert prov.session_path == root and prov.path == root / "OpenSimData/Kinematics/walking1.mot"
    assert prov.model_path == root / "OpenSimData/Model/LaiUhlrich2022.osim"
    assert [p.name for p in prov.video_paths] == ["walking1_sync.mp4", "walking1.mp4"]
    assert "neck_extension" in trial.kinematics.missing


def test_default_trial_marker_only_trial_and_dispatch(fixtures_dir: Path, tmp_path: Path) -> None:
    root = _session(tmp_path / "session", fixtures_dir)
    session = open_session(root)
    first = session.read()
    assert first.name == "squats1" and first.n_frames == 801 and first.markers is None
    static = session.read("static1")
    assert static.kinematics is None and static.markers is not None
    assert static.provenance.trial_name == "static1" and static.subject.height_m == 1.89
    via_dispatch = read_trial(root, trial="walking1")
    assert via_dispatch.provenance.format == "opencap" and via_dispatch.n_frames == 158
    with pytest.raises(TrialReadError, match=r"no trial named 'run2'.*'walking1'"):
        session.read("run2")


def test_gait2392_session_uses_the_model_for_signs(fixtures_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "g2392"
    _link(
        fixtures_dir / "models/gait2392_thelen2003muscle.osim",
        root / "OpenSimData/Model/gait2392_thelen2003muscle.osim",
    )
    _link(
        fixtures_dir / "opensim/subject01_walk1_ik.mot", root / "OpenSimData/Kinematics/walk1.mot"
    )
    session = open_session(root)
    assert any("sessionMetadata.yaml" in note for note in session.notes)
    assert session.subject.height_m is None
    trial = session.read("walk1")
    assert trial.kinematics is not None
    assert np.nanmax(trial.kinematics.angle("knee_angle_r")) == pytest.approx(70.26237926)
    assert trial.provenance.model_name == "3DGaitModel2392"
    assert any("3DGaitModel2392" in note for note in trial.kinematics.notes)


def test_motion_from_another_model_is_refused(fixtures_dir: Path, tmp_path: Path) -> None:
    root = _session(tmp_path / "mismatch", fixtures_dir, model="gait2392_thelen2003muscle.osim")
    session = open_session(root)
    with pytest.raises(TrialReadError, match="do not match the model") as err:
        session.read("walking1")
    assert "knee_angle_r_beta" in str(err.value) and "walking1.mot" in str(err.value)


def test_not_a_session_folder(tmp_path: Path) -> None:
    (tmp_path / "Videos").mkdir()
    assert not is_session_folder(tmp_path)
    assert not is_session_folder(tmp_path / "missing")
    with pytest.raises(TrialReadError, match=r"not an OpenCap session folder.*Kinematics"):
        open_session(tmp_path)
    with pytest.raises(TrialReadError, match="does not exist"):
        open_session(tmp_path / "missing")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sex: Female\nheight_m: 1.6\nage: 71\n", ("female", 1.6, 71.0)),
        ("gender_mf: f\n", ("female", None, None)),
        ("gender_mf: x\n", (None, None, None)),
    ],
)
def test_metadata_variants(
    fixtures_dir: Path, tmp_path: Path, text: str, expected: tuple[object, ...]
) -> None:
    root = _session(tmp_path / "s", fixtures_dir, metadata=text)
    subject = open_session(root).subject
    assert (subject.sex, subject.height_m, subject.age_years) == expected


def test_bad_metadata_is_reported(fixtures_dir: Path, tmp_path: Path) -> None:
    root = _session(tmp_path / "s", fixtures_dir, metadata="height_m: tall\n")
    with pytest.raises(TrialReadError, match=r"height_m is 'tall'.*a number"):
        open_session(root)
    (root / "sessionMetadata.yaml").write_text("height_m: [1.8\n", encoding="utf-8")
    with pytest.raises(TrialReadError, match="metadata cannot be read"):
        open_session(root)
