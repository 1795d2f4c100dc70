"""The whole training chain on a tiny scale, as a lab would run it: simulate -> tokenizer ->
dataset -> SFT -> model manager -> engine answers a trial -> evaluation with baselines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from lmm_desktop.assistant.manager import ModelManager
from lmm_desktop.assistant.tasks import TASKS
from lmm_desktop.io import read_trial
from lmm_desktop.motion.config import TokenizerConfig
from training.dataset.build import DatasetConfig, build_dataset
from training.eval.baseline import run_baselines
from training.eval.llm_eval import _rows, evaluate_engine, summarize_seeds
from training.sft.config import SFTConfig
from training.sft.tiny import build_tiny_base
from training.sft.train import train_sft
from training.simulate import SimulationConfig, simulate_cohort
from training.tokenizer.train import TokenizerTrainConfig, train_tokenizer


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("chain")
    data = root / "cohort"
    simulate_cohort(SimulationConfig(participants=5, out=data, seed=5, rate_hz=30.0))
    tok = root / "tok"
    train_tokenizer(data, tok, TokenizerTrainConfig(
        steps=3, batch_size=4, window_frames=16, warmup_steps=1, val_fraction=0.3,
        model=TokenizerConfig(codebook_size=32, code_dim=8, width=16, depth=1)), progress=False)
    ds = root / "ds"
    build_dataset(data, tok, ds, DatasetConfig(max_tokens=24), progress=False)
    base = build_tiny_base(root / "base")
    run = root / "run"
    train_sft(ds, run, SFTConfig(max_steps=2, batch_size=2, max_length=96, save_every=2,
                                 log_every=1, device="cpu", lora_rank=4, lora_alpha=8,
                                 max_train_rows=8),
              base=base, progress=False)
    return {"data": data, "tok": tok, "ds": ds, "model": run / "model"}


def test_dataset_has_applicable_tasks_and_shared_split(chain: dict[str, Path]) -> None:
    manifest = json.loads((chain["ds"] / "manifest.json").read_text())
    split = json.loads((chain["tok"] / "split.json").read_text())
    rows = _rows(chain["ds"], "train") + _rows(chain["ds"], "val")
    assert manifest["n_pairs"] == len(rows) > 0
    for r in rows:
        assert (r["participant"] in split["val"]) == (r["split"] == "val")
        assert r["prompt"].startswith("<motion_begin>")
        task = TASKS[r["task"]]
        if task.kind == "regression":  # one decimal in the answer
            assert task.parse_answer(r["answer"]) == pytest.approx(r["truth"], abs=0.0501)
        elif task.kind == "classification":
            assert task.parse_answer(r["answer"]) == r["truth"]
    # no diagnosis question for an unimpaired participant, no fall question without prosthesis
    labels = {ln.split(",")[1]: ln for ln in (chain["data"] / "labels.csv").read_text()
              .splitlines()[1:]}
    for r in rows:
        if r["task"] in ("diagnosis", "fall_history"):
            assert "unimpaired" not in labels[r["trial"].split("#")[0].removesuffix(".mot")]
    assert {r["variant"] for r in rows if r["split"] == "train"} <= {"tokens", "grounded"}
    from training.dataset.build import CROP_SAFE_TASKS

    augmented = [r for r in rows if r.get("augmented")]
    assert augmented and all(r["split"] == "train" for r in augmented)
    assert all(r["task"] in CROP_SAFE_TASKS for r in augmented if "crop" in r["augmented"])
    assert (chain["ds"] / "dataset.json").is_file() and (chain["ds"] / "measured.json").is_file()


def test_manager_loads_trained_model_and_answers(chain: dict[str, Path]) -> None:
    loaded = ModelManager().load(chain["model"], device="cpu")
    assert loaded.device == "cpu" and loaded.memory_bytes > 0
    trial = read_trial(next((chain["data"]).glob("*/*walking*.mot")))
    ans = loaded.engine.ask(trial, "What activity is the person performing?")
    assert ans.task == "activity"
    assert sum(ans.probabilities.values()) == pytest.approx(1.0, abs=1e-6)


def test_memory_refusal_is_actionable(chain: dict[str, Path]) -> None:
    from lmm_desktop.core.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match=r"needs about .* GB of memory"):
        ModelManager(memory_limit_bytes=1024).load(chain["model"], device="cpu")


def test_evaluation_and_baselines_run(chain: dict[str, Path]) -> None:
    loaded = ModelManager().load(chain["model"], device="cpu")
    rows = _rows(chain["ds"], "val")
    lines: list[str] = []
    runs = [evaluate_engine(loaded.engine, rows, seed=s, max_rows_per_task=3,
                            progress=lines.append) for s in (0, 1)]
    assert len(lines) == 2 * len(runs[0])  # one progress line per task and seed
    assert any(line.startswith("activity: macro_f1 ") and "s/row)" in line for line in lines)
    summary = summarize_seeds(runs)
    assert "activity" in summary and summary["activity"]["metric"] == "macro_f1"
    base = run_baselines(chain["ds"], 32, seeds=(0,), n_iter=1,
                         space={"n_estimators": [10], "max_depth": [2]})
    assert set(base) >= {"activity", "impaired"}
    only = run_baselines(chain["ds"], 32, seeds=(0,), n_iter=1,
                         space={"n_estimators": [10], "max_depth": [2]}, tasks=["impaired"])
    assert set(only) == {"impaired"}  # the other tasks' fits are not run


def test_zero_shot_activity_on_real_trials_and_bad_specs(chain: dict[str, Path]) -> None:
    from lmm_desktop.core.errors import LmmError
    from training.eval.cli import parse_real_trials, zero_shot_activity
    from training.eval.llm_eval import to_markdown

    real = Path(__file__).resolve().parents[2].parent / "shared/fixtures/opencap"
    walking = real / "walking1_videoAndMocap.mot"
    if not walking.is_file():
        pytest.skip("the shared OpenCap fixtures are not here")
    loaded = ModelManager().load(chain["model"], device="cpu")
    c3d = real.parent / "c3d" / "Qualisys.c3d"  # markers only: its angles from the markers
    out = zero_shot_activity(loaded.engine, [f"{walking}=walking", f"{c3d}=walking"])
    assert out[1]["file"] == "Qualisys.c3d" and "partial_motion" in out[1]["flags"]
    assert out[0]["file"] == walking.name and out[0]["truth"] == "walking"
    assert sum(out[0]["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert out[0]["right_above_0_5"] == (out[0]["label"] == "walking"
                                         and out[0]["p_truth"] > 0.5)
    md = to_markdown({"model": {}, "model_real_trials": out})
    assert "Zero-shot activity on real" in md and walking.name in md
    for bad, msg in ((f"{walking}", "FILE=ACTIVITY"), (f"{walking}=jogging", "Unknown activity"),
                     ("/nope.mot=walking", "does not exist")):
        with pytest.raises(LmmError, match=msg):
            parse_real_trials([bad])


def test_eval_cli_on_a_task_subset(chain: dict[str, Path], tmp_path: Path) -> None:
    """`lmm-train eval --tasks`: only those tasks are asked and reported; unknown ones refused."""
    import argparse
    import json

    from lmm_desktop.core.errors import LmmError
    from training.eval import cli

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    common = ["--model", str(chain["model"]), "--dataset", str(chain["ds"]), "--out",
              str(tmp_path), "--seeds", "1", "--max-rows-per-task", "2", "--no-grounded",
              "--no-baselines", "--device", "cpu"]
    with pytest.raises(LmmError, match=r"Invalid value for '--tasks'.*but got 'speed'"):
        cli.run(parser.parse_args([*common, "--tasks", "activity", "speed"]))
    assert cli.run(parser.parse_args([*common, "--tasks", "activity"])) == 0
    result = json.loads((tmp_path / "evaluation.json").read_text())
    assert set(result["model"]) == {"activity"} and result["tasks"] == ["activity"]
    assert "| activity |" in (tmp_path / "evaluation.md").read_text()


def test_label_calibration_is_applied_per_variant_and_can_be_ignored(
        chain: dict[str, Path], tmp_path: Path) -> None:
    """A calibration.json moves the shown probabilities of its task and variant only; the raw
    ones stay in the Answer, ``label_calibration=False`` ignores it, a broken one is refused."""
    import shutil

    from lmm_desktop.core.errors import ModelLoadError

    model = tmp_path / "model"
    shutil.copytree(chain["model"], model)
    labels = [lab.id for lab in TASKS["activity"].labels]
    cal = {"format_version": 1, "fitted_on": {"dataset": "test"}, "variants": {"tokens": {
        "activity": {"temperature": 1.0, "offsets": {"squats": 40.0}}}}}
    (model / "calibration.json").write_text(json.dumps(cal))
    trial = read_trial(next((chain["data"]).glob("*/*walking*.mot")))
    question = "What activity is the person performing?"
    calibrated = ModelManager().load(model, device="cpu").engine.ask(trial, question)
    # The file predates label_wordings: fitted on one wording, so answered with one; without
    # a calibration the default is several, so the raw load asks for one to compare.
    raw = ModelManager().load(model, device="cpu", label_calibration=False,
                              label_wordings=1).engine.ask(trial, question)
    grounded = ModelManager().load(model, device="cpu", grounded=True).engine.ask(
        trial, question)
    assert calibrated.calibrated and calibrated.label == "squats" and calibrated.wordings == 1
    assert calibrated.probabilities["squats"] > 0.99
    assert calibrated.raw_probabilities == pytest.approx(raw.probabilities, abs=1e-6)
    assert not raw.calibrated and raw.raw_probabilities == raw.probabilities
    assert not grounded.calibrated  # the file calibrates the tokens-only prompt only
    assert set(calibrated.probabilities) == set(labels)
    assert calibrated.to_dict()["raw_probabilities"] and calibrated.to_dict()["calibrated"]
    (model / "calibration.json").write_text(json.dumps({**cal, "format_version": 9}))
    with pytest.raises(ModelLoadError, match="lmm-train calibrate"):
        ModelManager().load(model, device="cpu")


def test_calibrate_cli_writes_a_loadable_calibration_and_eval_reports_it(
        chain: dict[str, Path], tmp_path: Path) -> None:
    """`lmm-train calibrate` on the tiny chain, then `lmm-train eval` shows calibrated and raw
    figures, XGBoost on the same rows, and refuses rows the calibration was fitted on."""
    import argparse
    import shutil

    from lmm_desktop.assistant.calibration import load_calibration
    from lmm_desktop.core.errors import LmmError
    from training.eval import calibrate_cli
    from training.eval import cli as eval_cli

    model = tmp_path / "model"
    shutil.copytree(chain["model"], model)
    parser = argparse.ArgumentParser()
    calibrate_cli.add_arguments(parser)
    args = ["--model", str(model), "--data", str(chain["ds"]), "--device", "cpu",
            "--max-rows-per-task", "20", "--tasks", "impaired", "activity"]
    with pytest.raises(LmmError, match="at least 20"):
        calibrate_cli.run(parser.parse_args([*args, "--max-rows-per-task", "5"]))
    with pytest.raises(LmmError, match=r"Invalid value for '--tasks'.*'walking_speed'"):
        calibrate_cli.run(parser.parse_args([*args, "--tasks", "walking_speed"]))
    assert calibrate_cli.run(parser.parse_args(args)) == 0
    written = json.loads((model / "calibration.json").read_text())
    assert set(written["report"]) == {"tokens", "grounded"}
    for variant in ("tokens", "grounded"):
        for task in ("impaired", "activity"):
            entry = written["report"][variant][task]
            assert entry["n_rows"] == 20 and isinstance(entry["adopted"], bool)
            assert entry["adopted"] or entry["why"]
    cal = load_calibration(model)
    assert cal is not None and cal.fitted_on["dataset"] == str(chain["ds"])

    # Evaluating on the rows the calibration saw is refused (when the codes identify trials).
    eparser = argparse.ArgumentParser()
    eval_cli.add_arguments(eparser)
    eargs = ["--model", str(model), "--dataset", str(chain["ds"]), "--out", str(tmp_path / "ev"),
             "--seeds", "1", "--max-rows-per-task", "3", "--device", "cpu", "--tasks",
             "impaired", "walking_speed", "--baseline-iter", "1", "--fast-baselines"]
    asked = {r["trial"] for r in _rows(chain["ds"], "val")
             if r["task"] in ("impaired", "walking_speed")}
    if asked & set(calibrate_cli.trial_hashes(chain["ds"])):  # the tiny tokenizer may not
        with pytest.raises(LmmError, match="were used to fit the label calibration"):
            eval_cli.run(eparser.parse_args(eargs))
    # With the hashes cleared (as for a calibration fitted elsewhere), it runs and reports both.
    written["fitted_on"]["trial_hashes"] = []
    (model / "calibration.json").write_text(json.dumps(written))
    assert eval_cli.run(eparser.parse_args(eargs)) == 0
    result = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert "label_calibration" in result
    same = result["baselines"]["impaired"]["xgboost_same_rows"]
    assert same["n_rows"] == 3 and same["metric"] == "macro_f1"
    assert result["baselines"]["walking_speed"]["xgboost_same_rows"]["metric"] == "pearson_r"
    md = (tmp_path / "ev" / "evaluation.md").read_text()
    assert "XGBoost, same rows" in md and "Label calibration:" in md


def test_eval_on_a_fresh_test_cohort(chain: dict[str, Path], tmp_path: Path) -> None:
    """`lmm-train eval --test-dataset`: the rows of another cohort (another seed, the same
    tokenizer) are asked, spread over its participants, XGBoost is fitted on the training split
    and scored on those rows; a test set built with another tokenizer or sharing trials is
    refused."""
    import argparse
    import shutil

    from lmm_desktop.core.errors import LmmError
    from training.eval import cli as eval_cli
    from training.eval.calibrate_cli import trial_hashes

    fresh = tmp_path / "fresh"
    simulate_cohort(SimulationConfig(participants=3, out=fresh, seed=77, rate_hz=30.0))
    test_ds = tmp_path / "test_ds"
    build_dataset(fresh, chain["tok"], test_ds, DatasetConfig(max_tokens=24), progress=False)
    parser = argparse.ArgumentParser()
    eval_cli.add_arguments(parser)
    args = ["--model", str(chain["model"]), "--dataset", str(chain["ds"]), "--out",
            str(tmp_path / "ev"), "--seeds", "1", "--max-rows-per-task", "3", "--device", "cpu",
            "--tasks", "activity", "walking_speed", "--no-grounded", "--baseline-iter", "1",
            "--fast-baselines", "--test-dataset", str(test_ds)]
    assert eval_cli.run(parser.parse_args(args)) == 0
    result = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert result["test_dataset"] == str(test_ds) and result["test_participants"] == 3
    run = result["model_runs"][0]["activity"]
    assert run["n"] == 3 and run["by_participant"]["n_participants"] == 3  # one row each
    assert result["baselines"]["activity"]["xgboost_same_rows"]["n_rows"] == 3
    assert len({r["participant"] for r in run["rows"]}) == 3  # per-row predictions
    for row in run["rows"]:  # with the uncalibrated probabilities, to re-fit a calibration
        probs = row["raw_probabilities"]
        assert set(probs) >= {row["pred"]} and sum(probs.values()) == pytest.approx(1, abs=1e-3)
    assert all("generated" in row for row in result["model_runs"][0]["walking_speed"]["rows"])
    paired = result["paired_vs_xgboost"]["model"]
    assert set(paired) == {"activity", "walking_speed"}
    assert paired["activity"][0]["n_rows"] == 3 and paired["activity"][0]["n_participants"] == 3
    same = result["baselines"]["activity"]["xgboost_same_rows"]["mean"]
    if paired["activity"][0]["difference"] is not None and same is not None:
        assert paired["activity"][0]["difference"] == pytest.approx(run["macro_f1"] - same)
    assert "fresh test cohort" in (tmp_path / "ev" / "evaluation.md").read_text()

    other_tok = tmp_path / "other_ds"
    shutil.copytree(test_ds, other_tok)
    manifest = json.loads((other_tok / "manifest.json").read_text())
    manifest["tokenizer"]["sha256"] = "0" * 64
    (other_tok / "manifest.json").write_text(json.dumps(manifest))
    bad = [*args[:-1], str(other_tok)]
    with pytest.raises(LmmError, match="another motion tokenizer"):
        eval_cli.run(parser.parse_args(bad))
    with pytest.raises(LmmError, match="does not exist"):
        eval_cli.run(parser.parse_args([*args[:-1], str(tmp_path / "nowhere")]))
    if trial_hashes(chain["ds"]):  # the tiny tokenizer may give too few distinct codes
        with pytest.raises(LmmError, match=r"another\s+--seed"):
            eval_cli.run(parser.parse_args([*args[:-1], str(chain["ds"])]))


def test_eval_of_the_grounded_variant_only(chain: dict[str, Path], tmp_path: Path) -> None:
    """`lmm-train eval --no-tokens` asks only the grounded variant (to add it to an earlier
    tokens-only run); the Markdown table still lists its tasks, and asking for neither variant
    is refused by the parser."""
    import argparse

    from training.eval import cli as eval_cli

    parser = argparse.ArgumentParser()
    eval_cli.add_arguments(parser)
    args = ["--model", str(chain["model"]), "--dataset", str(chain["ds"]), "--out",
            str(tmp_path / "ev"), "--seeds", "1", "--max-rows-per-task", "3", "--device", "cpu",
            "--tasks", "activity", "--no-tokens", "--no-baselines"]
    assert eval_cli.run(parser.parse_args(args)) == 0
    result = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert "model" not in result and "model_runs" not in result
    assert result["grounded_runs"][0]["activity"]["n"] == 3
    assert result["value_wordings"] == result["label_wordings"]
    md = (tmp_path / "ev" / "evaluation.md").read_text()
    row = next(line for line in md.splitlines() if line.startswith("| activity |"))
    assert row.split(" | ")[2] == "n/a"  # tokens-only: not asked
    assert row.split(" | ")[3].startswith(f"{result['grounded']['activity']['mean']:.3f}")
    with pytest.raises(SystemExit):
        parser.parse_args([*args, "--no-grounded"])


def test_ask_cli_prints_the_estimate_the_measurement_and_refuses_bad_input(
        chain: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`lmm-desktop ask` with a trained model: the streamed words, then the estimate (said to
    average over the values the model considered and the question's wordings) with its
    interval, the measured value and the disclaimer; --json carries the same; a missing trial
    or model is a clear user error."""
    from lmm_desktop.cli import main

    walk = str(sorted(chain["data"].glob("*/*walking*.mot"))[0])
    model = ["--model", str(chain["model"]), "--device", "cpu"]
    assert main(["ask", walk, "What is the cadence?", *model]) == 0
    out = capsys.readouterr().out
    # A model without a calibration answers over the default three fixed wordings.
    assert ("estimate (average over the values the model considered, over 3 wordings of the "
            "question):") in out
    assert "steps/min (80% interval" in out and "AI estimate, not a diagnosis." in out
    assert main(["ask", walk, "What is the cadence?", *model, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["task"] == "cadence" and answer["unit"] == "steps/min"
    assert answer["interval"][0] <= answer["interval"][1] and answer["model"]
    assert main(["ask", str(tmp_path / "nowhere.mot"), "What is the cadence?", *model]) == 2
    assert "nowhere.mot" in capsys.readouterr().err
    assert main(["ask", walk, "What is the cadence?", "--model", str(tmp_path)]) == 2
    assert "error" in capsys.readouterr().err
