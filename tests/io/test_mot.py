"""The .mot/.sto reader and writer on the real OpenSim and OpenCap files."""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.core.canonical import CANONICAL_JOINTS, JOINT_INDEX
from lmm_desktop.core.errors import TrialReadError
from lmm_desktop.io import read_trial
from lmm_desktop.io.mot import read_mot, write_mot

GAIT2392_IK = "opensim/subject01_walk1_ik.mot"
OPENCAP_WALK = "opencap/walking1_videoAndMocap.mot"
OPENCAP_SQUAT = "opencap/squats1_videoAndMocap.mot"


def raw_cell(path: Path, line_no: int, column: str) -> float:
    """A value straight from the text: 1-based line number, column by name (independent parse)."""
    lines = path.read_text().splitlines()
    end = next(i for i, line in enumerate(lines) if line.strip() == "endheader")
    names = lines[end + 1].split("\t")
    return float(lines[line_no - 1].split()[names.index(column)])


def edit_header(
    text: str, drop: tuple[str, ...] = (), replace: dict[str, str] | None = None
) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        if any(line.startswith(d) for d in drop):
            continue
        for old, new in (replace or {}).items():
            if line.startswith(old):
                line = new + "\n"
        out.append(line)
    return "".join(out)


@pytest.mark.parametrize(
    ("name", "n_frames", "rate", "n_source", "model"),
    [
        (GAIT2392_IK, 211, 60.0, 23, "gait2392"),
        (OPENCAP_WALK, 158, 100.0, 35, "LaiUhlrich2022"),
        (OPENCAP_SQUAT, 801, 100.0, 35, "LaiUhlrich2022"),
    ],
)
def test_fixture_shapes(
    fixtures_dir: Path, name: str, n_frames: int, rate: float, n_source: int, model: str
) -> None:
    path = fixtures_dir / name
    trial = read_trial(path)
    assert trial.n_frames == n_frames
    assert trial.rate_hz == pytest.approx(rate, rel=1e-4)
    assert trial.source is not None and trial.kinematics is not None
    assert len(trial.source.names) == n_source
    assert trial.provenance.format == "mot"
    assert trial.provenance.model_name == model
    assert trial.metadata["warnings"] == []
    assert trial.metadata["header"]["inDegrees"] == "yes"
    # spot values against the raw text: first and last data rows
    first = 12  # header of 10 lines, names on 11
    for line_no, row in ((first, 0), (first + n_frames - 1, n_frames - 1)):
        assert trial.time[row] == raw_cell(path, line_no, "time")
        assert trial.source.column("hip_flexion_r")[row] == raw_cell(path, line_no, "hip_flexion_r")
        assert trial.kinematics.pelvis_translation[row, 0] == raw_cell(path, line_no, "pelvis_tx")
        assert trial.kinematics.angle("hip_adduction_l")[row] == raw_cell(
            path, line_no, "hip_adduction_l"
        )


def test_gait2392_knee_is_positive_in_canonical(fixtures_dir: Path) -> None:
    path = fixtures_dir / GAIT2392_IK
    trial = read_mot(path)
    assert trial.source is not None and trial.kinematics is not None
    raw = raw_cell(path, 12, "knee_angle_r")
    assert raw == -19.85408256
    assert trial.source.column("knee_angle_r")[0] == raw  # source kept as written
    knee = trial.kinematics.angle("knee_angle_r")
    assert knee[0] == 19.85408256
    assert np.nanmax(knee) > 60.0 and np.nanmean(knee) > 0.0
    assert np.nanmean(trial.kinematics.angle("knee_angle_l")) > 0.0
    assert "neck_extension" in trial.kinematics.missing
    assert np.isnan(trial.kinematics.angle("arm_flex_r")).all()


def test_crlf_and_lf_read_the_same(fixtures_dir: Path, tmp_path: Path) -> None:
    path = fixtures_dir / OPENCAP_WALK
    assert b"\r\n" in path.read_bytes()
    lf = tmp_path / "walk_lf.mot"
    lf.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    a, b = read_mot(path), read_mot(lf)
    assert a.kinematics is not None and b.kinematics is not None
    np.testing.assert_array_equal(a.kinematics.angles, b.kinematics.angles)
    np.testing.assert_array_equal(a.time, b.time)


def test_space_separated_reads_the_same(fixtures_dir: Path, tmp_path: Path) -> None:
    path = fixtures_dir / GAIT2392_IK
    spaced = tmp_path / "spaced.mot"
    spaced.write_text(path.read_text().replace("\t", "   "))
    a, b = read_mot(path), read_mot(spaced)
    assert a.source is not None and b.source is not None
    assert a.source.names == b.source.names
    np.testing.assert_array_equal(a.source.values, b.source.values)


def _to_radians(path: Path, dest: Path, *, flag: str | None = "inDegrees=no") -> Path:
    """Rewrite a degrees .mot in radians (translations untouched)."""
    text = path.read_text()
    lines = text.splitlines()
    end = next(i for i, line in enumerate(lines) if line.strip() == "endheader")
    names = lines[end + 1].split("\t")
    rows = []
    for line in lines[end + 2 :]:
        vals = [float(v) for v in line.split()]
        rows.append(
            "\t".join(
                repr(v)
                if i == 0 or names[i].endswith(("_tx", "_ty", "_tz"))
                else repr(math.radians(v))
                for i, v in enumerate(vals)
            )
        )
    head = [ln for ln in lines[:end] if not ln.startswith(("inDegrees", "Angles are"))]
    if flag:
        head.append(flag)
    dest.write_text("\n".join([*head, "endheader", lines[end + 1], *rows]) + "\n")
    return dest


def test_in_degrees_no_equals_degrees(fixtures_dir: Path, tmp_path: Path) -> None:
    path = fixtures_dir / GAIT2392_IK
    deg = read_mot(path)
    rad = read_mot(_to_radians(path, tmp_path / "rad.mot"))
    assert deg.kinematics is not None and rad.kinematics is not None and rad.source is not None
    assert rad.source.in_degrees is False
    np.testing.assert_allclose(rad.kinematics.angles, deg.kinematics.angles, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(
        rad.kinematics.pelvis_translation, deg.kinematics.pelvis_translation
    )
    assert rad.metadata["warnings"] == []


def test_missing_in_degrees_decided_with_a_warning(fixtures_dir: Path, tmp_path: Path) -> None:
    path = fixtures_dir / GAIT2392_IK
    text = path.read_text()
    # the OpenSim sentence alone settles it, silently
    sentence = tmp_path / "sentence.mot"
    sentence.write_text(edit_header(text, drop=("inDegrees",)))
    assert read_mot(sentence).metadata["warnings"] == []
    # nothing in the header: decided from the values, and said so
    bare = tmp_path / "bare.mot"
    bare.write_text(edit_header(text, drop=("inDegrees", "Angles are")))
    trial = read_mot(bare)
    assert trial.source is not None and trial.source.in_degrees is True
    assert any("degrees" in w and "inDegrees" in w for w in trial.metadata["warnings"])
    np.testing.assert_array_equal(trial.source.values, read_mot(path).source.values)  # type: ignore[union-attr]
    # radians with no flag: read as radians, also with a warning
    rad = read_mot(_to_radians(path, tmp_path / "rad.mot", flag=None))
    assert rad.source is not None and rad.source.in_degrees is False
    assert any("radians" in w for w in rad.metadata["warnings"])
    assert rad.kinematics is not None
    assert rad.kinematics.angle("knee_angle_r")[0] == pytest.approx(19.85408256, rel=1e-12)


def test_nrows_disagreeing_trusts_the_data(fixtures_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "rows.mot"
    bad.write_text(
        edit_header((fixtures_dir / GAIT2392_IK).read_text(), replace={"nRows": "nRows=500"})
    )
    trial = read_mot(bad)
    assert trial.n_frames == 211
    assert any("nRows=500" in w for w in trial.metadata["warnings"])


def test_simulated_flag_and_header_pairs(fixtures_dir: Path, tmp_path: Path) -> None:
    sim = tmp_path / "sim.mot"
    sim.write_text(
        edit_header(
            (fixtures_dir / OPENCAP_WALK).read_text(),
            replace={"version=1": "version=1\nsimulated=yes"},
        )
    )
    trial = read_mot(sim)
    assert trial.provenance.simulated is True
    assert trial.metadata["header"]["simulated"] == "yes"
    assert read_mot(fixtures_dir / OPENCAP_WALK).provenance.simulated is False


def test_opensim4_sto_with_paths_and_radians(tmp_path: Path) -> None:
    sto = tmp_path / "solution.sto"
    cols = [
        "/jointset/hip_r/hip_flexion_r/value",
        "/jointset/ground_pelvis/pelvis_tx/value",
        "/jointset/hip_r/hip_flexion_r/speed",
        "/forceset/soleus_r/activation",
    ]
    rows = [[0.0, 0.5, 0.9, 1.0, 0.2], [0.01, 0.6, 0.91, 1.5, 0.3], [0.02, 0.7, 0.92, 2.0, 0.4]]
    sto.write_text(
        "states\nversion=1\nnRows=3\nnColumns=5\ninDegrees=no\nDataRate=100.000000\n"
        "OpenSimVersion=4.5\nendheader\n"
        + "\t".join(["time", *cols])
        + "\n"
        + "".join(" ".join(repr(v) for v in r) + "\n" for r in rows)
    )
    trial = read_trial(sto)
    assert trial.source is not None and trial.kinematics is not None
    assert trial.provenance.format == "sto"
    assert trial.source.names == [
        "hip_flexion_r",
        "pelvis_tx",
        "hip_flexion_r/speed",
        "/forceset/soleus_r/activation",
    ]
    assert trial.kinematics.angle("hip_flexion_r")[1] == pytest.approx(math.degrees(0.6))
    assert trial.source.column("pelvis_tx")[2] == 0.92  # metres, untouched
    assert trial.source.column("hip_flexion_r/speed")[2] == pytest.approx(math.degrees(2.0))
    assert trial.source.column("/forceset/soleus_r/activation")[0] == 0.2  # not an angle
    assert trial.rate_hz == pytest.approx(100.0)
    assert trial.metadata["header"]["DataRate"] == "100.000000"


def test_nan_cells_and_bad_cells(fixtures_dir: Path, tmp_path: Path) -> None:
    text = (fixtures_dir / GAIT2392_IK).read_text()
    lines = text.splitlines()
    cells = lines[14].split("\t")
    cells[JOINT_INDEX["hip_flexion_r"] + 7] = "NaN"  # time + 6 pelvis columns come first
    lines[14] = "\t".join(cells)
    nan_file = tmp_path / "nan.mot"
    nan_file.write_text("\n".join(lines) + "\n")
    trial = read_mot(nan_file)
    assert trial.kinematics is not None
    assert np.isnan(trial.kinematics.angle("hip_flexion_r")[3])
    assert (
        np.isnan(trial.kinematics.angles).sum()
        == np.isnan(read_mot(fixtures_dir / GAIT2392_IK).kinematics.angles).sum() + 1
    )  # type: ignore[union-attr]
    cells[5] = "1.2.3"
    lines[14] = "\t".join(cells)
    nan_file.write_text("\n".join(lines) + "\n")
    with pytest.raises(TrialReadError, match=r"line 15.*'1\.2\.3'.*column 6 \('pelvis_ty'\)"):
        read_mot(nan_file)


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda ls: ls[:10] + ls[11:], r"line 11.*first column is named"),
        (lambda ls: [ln for ln in ls if ln != "endheader"], r"no 'endheader'"),
        (
            lambda ls: [*ls[:14], ls[14].rsplit("\t", 1)[0], *ls[15:]],
            r"line 15.*23 values but the header names 24 columns",
        ),
        (lambda ls: [*ls[:14], ls[12], *ls[15:]], r"line 15.*time 0\.51666667 s does not come"),
        (lambda ls: ls[:11], r"no rows"),
        (lambda ls: [], r"empty"),
        (
            lambda ls: [ln.replace("inDegrees=yes", "inDegrees=maybe") for ln in ls],
            r"inDegrees=maybe",
        ),
    ],
)
def test_errors_name_the_problem(
    fixtures_dir: Path, tmp_path: Path, mutate: object, pattern: str
) -> None:
    lines = (fixtures_dir / GAIT2392_IK).read_text().splitlines()
    bad = tmp_path / "bad.mot"
    mutated = mutate(lines)  # type: ignore[operator]
    bad.write_text("\n".join(mutated) + "\n" if mutated else "")
    with pytest.raises(TrialReadError, match=pattern):
        read_mot(bad)


def test_missing_file_is_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(TrialReadError, match="does not exist"):
        read_trial(tmp_path / "nope.mot")
    with pytest.raises(TrialReadError, match="cannot be opened"):
        read_mot(tmp_path / "nope.mot")


@pytest.mark.parametrize("name", [GAIT2392_IK, OPENCAP_WALK, OPENCAP_SQUAT])
def test_round_trip_is_exact(fixtures_dir: Path, tmp_path: Path, name: str) -> None:
    first = read_mot(fixtures_dir / name)
    out = write_mot(first, tmp_path / "out.mot")
    second = read_mot(out)
    a, b = first.kinematics, second.kinematics
    assert a is not None and b is not None
    np.testing.assert_array_equal(second.time, first.time)
    np.testing.assert_array_equal(b.angles, a.angles)
    np.testing.assert_array_equal(b.present, a.present)
    np.testing.assert_array_equal(b.pelvis_rotation, a.pelvis_rotation)
    np.testing.assert_array_equal(b.pelvis_translation, a.pelvis_translation)
    assert second.provenance.model_name == first.provenance.model_name
    assert second.metadata["warnings"] == []
    # missing joints are omitted, not written as zeros
    names = out.read_text().split("endheader\n", 1)[1].splitlines()[0].split("\t")
    assert names[:7] == [
        "time",
        "pelvis_tilt",
        "pelvis_list",
        "pelvis_rotation",
        "pelvis_tx",
        "pelvis_ty",
        "pelvis_tz",
    ]
    assert set(names[7:]) == {CANONICAL_JOINTS[j] for j in np.flatnonzero(a.present)}
    assert "neck_extension" not in names


def test_opensim_reads_the_written_file(fixtures_dir: Path, tmp_path: Path) -> None:
    opensim = pytest.importorskip("opensim")
    opensim.Logger.setLevelString("warn")
    trial = read_mot(fixtures_dir / GAIT2392_IK)
    trial.provenance.simulated = True
    out = write_mot(trial, tmp_path / "written.mot")
    assert "simulated=yes" in out.read_text().split("endheader")[0]
    table = opensim.TimeSeriesTable(str(out))
    assert table.getNumRows() == 211 and table.getNumColumns() == 23
    assert table.getDependentColumn("knee_angle_r")[0] == 19.85408256  # canonical: positive
    assert table.getIndependentColumn()[5] == trial.time[5]
    storage = opensim.Storage(str(out))
    assert storage.getSize() == 211 and storage.isInDegrees()
    # OpenSim's own writer's NaN spelling ('nan') is what we write; TimeSeriesTable reads it
    assert trial.kinematics is not None
    trial.kinematics.angles[3, JOINT_INDEX["hip_flexion_r"]] = np.nan
    table = opensim.TimeSeriesTable(str(write_mot(trial, tmp_path / "nan.mot")))
    assert math.isnan(table.getDependentColumn("hip_flexion_r")[3])


def _write_long_mot(path: Path, n_rows: int, n_coords: int = 40) -> None:
    """A long OpenSim-style .mot: time plus a repeating block of realistic-width values."""
    rng = np.random.default_rng(7)
    block = ["\t".join(f"{v:.8f}" for v in row) for row in rng.normal(0, 20, (1000, n_coords))]
    names = [
        "pelvis_tilt",
        "pelvis_list",
        "pelvis_rotation",
        "pelvis_tx",
        "pelvis_ty",
        "pelvis_tz",
        *CANONICAL_JOINTS,
    ][:n_coords]
    with path.open("w") as fh:
        fh.write(
            f"Coordinates\nversion=1\nnRows={n_rows}\nnColumns={n_coords + 1}\n"
            "inDegrees=yes\nendheader\n" + "\t".join(["time", *names]) + "\n"
        )
        for start in range(0, n_rows, 10_000):
            fh.write(
                "".join(
                    f"{i / 100:.2f}\t{block[i % 1000]}\n"
                    for i in range(start, min(n_rows, start + 10_000))
                )
            )


@pytest.mark.slow
def test_one_hour_file_reads_within_a_few_copies(tmp_path: Path) -> None:
    path = tmp_path / "hour.mot"
    n_rows = 360_000  # one hour at 100 Hz
    _write_long_mot(path, n_rows)
    array_bytes = n_rows * 41 * 8
    tracemalloc.start()
    try:
        trial = read_mot(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert trial.n_frames == n_rows
    assert trial.rate_hz == pytest.approx(100.0)
    assert trial.kinematics is not None and trial.kinematics.present.all()
    assert trial.time[-1] == pytest.approx(3599.99)
    assert peak < 4 * array_bytes, f"peak {peak / 1e6:.0f} MB, array {array_bytes / 1e6:.0f} MB"


def test_minimal_and_headerless_files(tmp_path: Path) -> None:
    body = "time\thip_flexion_r\tknee_angle_r\n0.0\t10.0\t20.0\n0.02\t11.0\t21.0\n0.04\t12\t22\n"
    minimal = tmp_path / "minimal.mot"
    minimal.write_text("trial name\nendheader\n" + body)
    headerless = tmp_path / "headerless.mot"
    headerless.write_text(body)
    for path in (minimal, headerless):
        trial = read_mot(path)
        assert trial.n_frames == 3 and trial.rate_hz == pytest.approx(50.0)
        assert trial.kinematics is not None
        assert trial.kinematics.angle("knee_angle_r").tolist() == [20.0, 21.0, 22.0]
        assert len(trial.metadata["warnings"]) == 1  # degrees decided from the values: said so
    assert read_mot(minimal).metadata["title"] == "trial name"


def test_files_written_by_opensim_read_back(fixtures_dir: Path, tmp_path: Path) -> None:
    opensim = pytest.importorskip("opensim")
    opensim.Logger.setLevelString("warn")
    src = fixtures_dir / GAIT2392_IK
    original = read_mot(src)
    assert original.source is not None
    # the legacy Storage writer (.mot)
    storage_out = tmp_path / "storage.mot"
    opensim.Storage(str(src)).printToFile(str(storage_out), "w")
    again = read_mot(storage_out)
    assert again.source is not None and again.source.names == original.source.names
    np.testing.assert_allclose(again.source.values, original.source.values, atol=1e-6)
    # the OpenSim 4 STOFileAdapter (.sto: key=value first line, no title), radians
    table = opensim.TimeSeriesTable()
    table.setColumnLabels(["knee_angle_r", "pelvis_tx"])
    for i in range(5):
        row = opensim.RowVector(2)
        row[0], row[1] = -0.1 * i, 0.5 + i
        table.appendRow(0.01 * i, row)
    table.addTableMetaDataString("inDegrees", "no")
    sto = tmp_path / "adapter.sto"
    opensim.STOFileAdapter.write(table, str(sto))
    trial = read_mot(sto)
    assert trial.source is not None and trial.source.in_degrees is False
    assert trial.metadata["header"]["DataType"] == "double"
    assert trial.source.column("knee_angle_r")[3] == pytest.approx(math.degrees(-0.3))
    assert trial.source.column("pelvis_tx")[4] == 4.5
    assert trial.rate_hz == pytest.approx(100.0)
