"""The CSV writer and what the text writers share: dispatch, omitted joints, atomic writes."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.core.canonical import CANONICAL_JOINTS
from lmm_desktop.core.errors import TrialWriteError
from lmm_desktop.io import read_trial, write_trial
from lmm_desktop.io.csv_writer import write_csv

GAIT2392_IK = "opensim/subject01_walk1_ik.mot"
OPENCAP_WALK = "opencap/walking1_videoAndMocap.mot"


def read_csv(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], np.array([[float(v) for v in row] for row in rows[1:]])


def test_csv_header_names_units_and_values(fixtures_dir: Path, tmp_path: Path) -> None:
    trial = read_trial(fixtures_dir / GAIT2392_IK)
    kin = trial.kinematics
    assert kin is not None
    out = write_trial(trial, tmp_path / "walk.csv")
    header, values = read_csv(out)
    assert header[:8] == [
        "time (s)",
        "pelvis_tilt (deg)",
        "pelvis_list (deg)",
        "pelvis_rotation (deg)",
        "pelvis_tx (m)",
        "pelvis_ty (m)",
        "pelvis_tz (m)",
        "hip_flexion_r (deg)",
    ]
    joints = [h.removesuffix(" (deg)") for h in header[7:]]
    assert joints == [CANONICAL_JOINTS[j] for j in np.flatnonzero(kin.present)]
    assert "neck_extension (deg)" not in header and "arm_flex_r (deg)" not in header
    assert values.shape == (211, 1 + 6 + 17)  # gait2392: 17 joint coordinates
    np.testing.assert_array_equal(values[:, 0], trial.time)
    np.testing.assert_array_equal(values[:, 4], kin.pelvis_translation[:, 0])
    knee = header.index("knee_angle_r (deg)")
    np.testing.assert_array_equal(values[:, knee], kin.angle("knee_angle_r"))
    assert values[0, knee] == 19.85408256  # canonical: gait2392's negative knee flipped


def test_csv_writes_nan_gaps(fixtures_dir: Path, tmp_path: Path) -> None:
    trial = read_trial(fixtures_dir / OPENCAP_WALK)
    assert trial.kinematics is not None
    trial.kinematics.angles[10, 0] = np.nan
    header, values = read_csv(write_csv(trial, tmp_path / "gap.csv"))
    col = header.index("hip_flexion_r (deg)")
    assert np.isnan(values[10, col]) and np.isfinite(np.delete(values[:, col], 10)).all()


def test_markers_only_trial_cannot_be_written(fixtures_dir: Path, tmp_path: Path) -> None:
    trial = read_trial(fixtures_dir / "opensim/subject01_walk1.trc")
    for suffix in (".csv", ".mot"):
        with pytest.raises(TrialWriteError, match=r"no joint angles.*inverse kinematics"):
            write_trial(trial, tmp_path / f"x{suffix}")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_old_file_and_no_temp(fixtures_dir: Path, tmp_path: Path) -> None:
    trial = read_trial(fixtures_dir / OPENCAP_WALK)
    target = tmp_path / "keep.csv"
    target.write_text("old content\n")
    trial.time = trial.time[:-1]  # inconsistent: one time stamp short
    with pytest.raises(TrialWriteError, match="157 time stamps but 158 frames"):
        write_csv(trial, target)
    assert target.read_text() == "old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


def test_unwritable_destination_is_a_write_error(fixtures_dir: Path, tmp_path: Path) -> None:
    trial = read_trial(fixtures_dir / OPENCAP_WALK)
    (tmp_path / "dir.mot").mkdir()
    with pytest.raises(TrialWriteError, match="Cannot write"):
        write_trial(trial, tmp_path / "dir.mot")
    with pytest.raises(TrialWriteError, match="Cannot write"):
        write_csv(trial, tmp_path / "dir.mot")


def test_mot_and_csv_carry_the_same_numbers(fixtures_dir: Path, tmp_path: Path) -> None:
    trial = read_trial(fixtures_dir / OPENCAP_WALK)
    mot = read_trial(write_trial(trial, tmp_path / "walk.mot"))
    header, values = read_csv(write_trial(trial, tmp_path / "walk.csv"))
    assert mot.kinematics is not None
    names, table = mot.kinematics.as_table()
    for i, h in enumerate(header[1:], start=1):
        name = h.rsplit(" ", 1)[0]
        np.testing.assert_array_equal(values[:, i], table[:, names.index(name)])


def test_the_person_travels_with_a_written_mot(tmp_path: Path) -> None:
    """Height, mass, age and sex are written to the .mot header and read back (a converted
    OpenCap session keeps them); no identifier is written; absurd values in a header are
    left unknown with a warning that names them."""
    from lmm_desktop.core.trial import Subject

    demo = Path(__file__).resolve().parents[2] / "resources" / "demo"
    trial = read_trial(demo / "S0039_chair_stand_30s_01.mot")
    # the demo's header: the participant's age and sex only
    assert (trial.subject.age_years, trial.subject.sex, trial.subject.height_m) == (
        65.5, "male", None)
    trial.subject = Subject(height_m=1.74, mass_kg=81.5, sex="male", age_years=66.4,
                            identifier="Jane Roe")
    out = write_trial(trial, tmp_path / "with_person.mot")
    text = out.read_text(encoding="utf-8")
    assert "subject_height_m=1.74" in text and "subject_sex=male" in text
    assert "Jane Roe" not in text
    back = read_trial(out)
    assert (back.subject.height_m, back.subject.mass_kg, back.subject.sex,
            back.subject.age_years) == (1.74, 81.5, "male", 66.4)
    bad = text.replace("subject_mass_kg=81.5", "subject_mass_kg=8150").replace(
        "subject_sex=male", "subject_sex=M?")
    (tmp_path / "bad.mot").write_text(bad, encoding="utf-8")
    odd = read_trial(tmp_path / "bad.mot")
    assert odd.subject.mass_kg is None and odd.subject.sex is None
    assert odd.subject.height_m == 1.74
    warnings = " ".join(odd.metadata["warnings"])  # type: ignore[arg-type]
    assert "subject_mass_kg='8150' ignored: expected 10-400 kg" in warnings
    assert "subject_sex='M?' ignored" in warnings
