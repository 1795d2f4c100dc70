"""The calibration's data guards, on hand-made dataset folders: calibration rows must not be
training rows, evaluation rows must not be calibration rows, and near-static trials (which
tokenize alike for different people) do not count as shared."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.core.errors import LmmError
from training.eval import calibrate_cli
from training.eval.cli import check_calibration_disjoint


def _dataset(folder: Path, codes: dict[str, np.ndarray]) -> Path:
    folder.mkdir()
    np.savez(folder / "codes.npz", **codes)
    rows = [{"task": "impaired", "trial": name, "truth": "no", "participant": "P1",
             "prompt": "x", "tokens_prompt": "x", "grounded_prompt": "x"} for name in codes]
    (folder / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return folder


def test_trial_hashes_skip_near_static_trials(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds", {"walk": np.arange(40) % 17, "stand": np.full(50, 3)})
    assert set(calibrate_cli.trial_hashes(ds)) == {"walk"}
    with pytest.raises(LmmError, match="build the dataset"):
        calibrate_cli.trial_hashes(tmp_path)


def test_calibrate_refuses_training_trials(tmp_path: Path) -> None:
    walk = np.arange(40) % 17
    train = _dataset(tmp_path / "train", {"S0001_walking_01.mot": walk})
    cal = _dataset(tmp_path / "cal", {"S0009_walking_01.mot": walk,  # same motion, other name
                                      "S0009_standing_01.mot": np.full(50, 3)})
    model = tmp_path / "model"
    model.mkdir()
    parser = argparse.ArgumentParser()
    calibrate_cli.add_arguments(parser)
    args = parser.parse_args(["--model", str(model), "--data", str(cal),
                              "--training-dataset", str(train)])
    with pytest.raises(LmmError, match=r"1 calibration trial\(s\) \(e.g. S0009_walking_01.mot\)"
                                       r".*another --seed"):
        calibrate_cli.run(args)
    missing = parser.parse_args(["--model", str(model), "--data", str(tmp_path / "nope")])
    with pytest.raises(LmmError, match="lmm-train simulate"):
        calibrate_cli.run(missing)


def test_eval_refuses_rows_the_calibration_was_fitted_on(tmp_path: Path) -> None:
    walk = np.arange(40) % 17
    ds = _dataset(tmp_path / "ds", {"a.mot": walk, "b.mot": (np.arange(40) * 3) % 23})
    model = tmp_path / "model"
    model.mkdir()
    rows = [json.loads(line) for line in (ds / "train.jsonl").read_text().splitlines()]
    assert check_calibration_disjoint(model, ds, rows) is None  # no calibration: nothing to do
    hashes = calibrate_cli.trial_hashes(ds)
    cal = {"format_version": 1, "variants": {"tokens": {}},
           "fitted_on": {"dataset": "elsewhere", "trial_hashes": [hashes["b.mot"]]}}
    (model / "calibration.json").write_text(json.dumps(cal))
    with pytest.raises(LmmError, match=r"1 evaluation trial\(s\) \(e.g. b.mot\)"):
        check_calibration_disjoint(model, ds, rows)
    note = check_calibration_disjoint(model, ds, rows[:1])
    assert note is not None and "elsewhere" in note and "disjoint" in note


def test_several_calibration_datasets_are_pooled_as_different_people(tmp_path: Path) -> None:
    """Two cohorts both number their people from S0001 (here both 'P1'): pooled, they stay
    different participants; cohorts sharing a trial, or one given twice, are refused."""
    a = _dataset(tmp_path / "a", {"x.mot": np.arange(40) % 17})
    b = _dataset(tmp_path / "b", {"x.mot": (np.arange(40) * 3) % 23})
    rows, hashes = calibrate_cli.pooled_rows([a, b])
    assert {r["participant"] for r in rows} == {"0:P1", "1:P1"}
    assert set(hashes) == {"0:x.mot", "1:x.mot"} and len(set(hashes.values())) == 2
    twin = _dataset(tmp_path / "twin", {"y.mot": np.arange(40) % 17,
                                        "y.mot#opencap_joints": np.arange(40) % 17})
    assert len(calibrate_cli.pooled_rows([twin, b])[0]) == 3  # a motion recurring in one cohort
    rows, hashes = calibrate_cli.pooled_rows([a])  # one dataset: ids as they are
    assert {r["participant"] for r in rows} == {"P1"} and set(hashes) == {"x.mot"}
    same = _dataset(tmp_path / "c", {"y.mot": np.arange(40) % 17})
    with pytest.raises(LmmError, match="share a trial"):
        calibrate_cli.pooled_rows([a, same])
    model = tmp_path / "model"
    model.mkdir()
    parser = argparse.ArgumentParser()
    calibrate_cli.add_arguments(parser)
    with pytest.raises(LmmError, match="given twice"):
        calibrate_cli.run(parser.parse_args(["--model", str(model), "--data", str(a), str(a)]))


def test_rescore_recomputes_an_evaluation_under_a_new_calibration(tmp_path: Path) -> None:
    """`lmm-train eval --rescore`: the classification figures an evaluation would have had
    under the model's current calibration, from the raw probabilities its rows keep; refused
    when the calibration was fitted on another number of wordings, or rows lack them."""
    from training.eval import cli as eval_cli

    truth = ["cane", "none", "none", "cane"]
    # Raw scores favour "none"; the calibration's offset moves two rows to "cane".
    raw = [{"none": 0.6, "cane": 0.4}, {"none": 0.9, "cane": 0.1},
           {"none": 0.8, "cane": 0.2}, {"none": 0.55, "cane": 0.45}]
    rows = [{"trial": f"t{i}", "participant": f"P{i}", "truth": t, "pred": "none",
             "raw_probabilities": {**p, "crutches": 0.0, "walker": 0.0}}
            for i, (t, p) in enumerate(zip(truth, raw, strict=True))]
    entry = {"macro_f1": 0.3, "n": 4, "rows": rows}
    result = {"dataset": str(tmp_path), "label_wordings": 3,
              "model_runs": [{"assistive_device": entry,
                              "walking_speed": {"pearson_r": 0.9, "rows": []}}]}
    ev = tmp_path / "ev.json"
    ev.write_text(json.dumps(result))
    model = tmp_path / "model"
    model.mkdir()
    cal = {"format_version": 1, "label_wordings": 3, "fitted_on": {"dataset": "cal"},
           "variants": {"tokens": {"assistive_device": {
               "temperature": 1.0, "offsets": {"cane": 0.5}}}}}
    (model / "calibration.json").write_text(json.dumps(cal))
    parser = argparse.ArgumentParser()
    eval_cli.add_arguments(parser)
    out = tmp_path / "out"
    args = ["--model", str(model), "--dataset", str(tmp_path), "--rescore", str(ev),
            "--out", str(out)]
    assert eval_cli.run(parser.parse_args(args)) == 0
    new = json.loads((out / "evaluation.json").read_text())
    got = new["model_runs"][0]["assistive_device"]
    assert [r["pred"] for r in got["rows"]] == ["cane", "none", "none", "cane"]
    assert got["macro_f1"] == 1.0 and got["calibrated"] and got["macro_f1_raw"] < 0.5
    assert new["model"]["assistive_device"]["mean"] == 1.0
    assert new["model_runs"][0]["walking_speed"]["pearson_r"] == 0.9  # regression untouched
    assert new["rescored_from"] == str(ev)
    cal["label_wordings"] = 1
    (model / "calibration.json").write_text(json.dumps(cal))
    with pytest.raises(LmmError, match="--label-wordings 1"):
        eval_cli.run(parser.parse_args(args))
    cal["label_wordings"] = 3
    (model / "calibration.json").write_text(json.dumps(cal))
    for r in rows:
        del r["raw_probabilities"]
    ev.write_text(json.dumps(result))
    with pytest.raises(LmmError, match="evaluate again"):
        eval_cli.run(parser.parse_args(args))
    ev.write_text("{not json")
    with pytest.raises(LmmError, match="Cannot read"):
        eval_cli.run(parser.parse_args(args))
