"""Tokenizer training end to end on a tiny simulated cohort: participant split, checkpoints,
resume, artifact reload with identical codes, evaluation and the lmm-train commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from lmm_desktop.motion.config import TokenizerConfig
from lmm_desktop.motion.tokenizer import MotionTokenizer
from training.cli import main as train_main
from training.simulate import SimulationConfig, simulate_cohort
from training.tokenizer.data import participant_split, read_labels
from training.tokenizer.train import TokenizerTrainConfig, train_tokenizer

TINY = TokenizerConfig(codebook_size=16, code_dim=8, width=16, depth=1, down_t=2)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cohort")
    simulate_cohort(SimulationConfig(participants=4, out=out, seed=3, rate_hz=30.0))
    return out


def _cfg(steps: int) -> TokenizerTrainConfig:
    return TokenizerTrainConfig(steps=steps, batch_size=4, window_frames=16, warmup_steps=2,
                                checkpoint_every=3, val_fraction=0.25, model=TINY)


def test_split_is_by_participant_and_stable() -> None:
    pids = [f"S{i:04d}" for i in range(50)]
    train, val = participant_split(pids, val_fraction=0.1, seed=0)
    assert not set(train) & set(val)
    assert set(train) | set(val) == set(pids)
    assert 1 <= len(val) <= 10
    assert participant_split(list(reversed(pids)), val_fraction=0.1, seed=0) == (train, val)


def test_train_checkpoint_resume_reload(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "tok"
    ev = train_tokenizer(cohort, out, _cfg(4), progress=False)
    assert {"rmse_deg_mean_over_joints", "codebook_usage", "perplexity"} <= set(ev)
    assert (out / "split.json").is_file() and (out / "weights.safetensors").is_file()
    split = json.loads((out / "split.json").read_text())
    assert split["val"] and not set(split["val"]) & set(split["train"])
    ckpts = sorted((out / "checkpoints").glob("step_*.pt"))
    assert [c.name for c in ckpts] == ["step_0000003.pt", "step_0000004.pt"]
    # resume continues from the last checkpoint up to the new total
    ev2 = train_tokenizer(cohort, out, _cfg(6), resume=True, progress=False)
    assert ev2["steps"] == 6
    tok = MotionTokenizer.load(out)
    rec = read_labels(cohort)[0]
    from lmm_desktop.io import read_trial

    trial = read_trial(rec.file)
    assert trial.kinematics is not None
    codes = tok.encode(trial.kinematics, trial.time)
    again = MotionTokenizer.load(out)
    np.testing.assert_array_equal(again.encode(trial.kinematics, trial.time), codes)
    assert int(codes.max()) < TINY.codebook_size


def test_resume_matches_uninterrupted_training(cohort: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    train_tokenizer(cohort, a, _cfg(6), progress=False)
    train_tokenizer(cohort, b, _cfg(3), progress=False)
    train_tokenizer(cohort, b, _cfg(6), resume=True, progress=False)
    import torch
    from safetensors.torch import load_file

    wa, wb = load_file(str(a / "weights.safetensors")), load_file(str(b / "weights.safetensors"))
    for k in wa:
        assert torch.allclose(wa[k], wb[k], atol=1e-5), k


def test_cli_train_and_eval(cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            fixtures_dir: Path) -> None:
    cfg_file = tmp_path / "tok.yaml"
    cfg_file.write_text("steps: 2\nbatch_size: 2\nwindow_frames: 16\nwarmup_steps: 1\n"
                        "val_fraction: 0.25\nmodel:\n  codebook_size: 16\n  code_dim: 8\n"
                        "  width: 16\n  depth: 1\n")
    out = tmp_path / "tok"
    assert train_main(["tokenizer", "--data", str(cohort), "--out", str(out), "--config",
                       str(cfg_file), "--quiet"]) == 0
    capsys.readouterr()
    walk = fixtures_dir / "opencap" / "walking1_videoAndMocap.mot"
    assert train_main(["tokenizer-eval", "--tokenizer", str(out), "--data", str(cohort),
                       "--files", str(walk)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["files"]["walking1_videoAndMocap.mot"]["n_tokens"] > 0
    assert 0.0 < result["held_out"]["codebook_usage"] <= 1.0


def test_bad_config_names_the_flag(tmp_path: Path, cohort: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert train_main(["tokenizer", "--data", str(cohort), "--out", str(tmp_path / "x"),
                       "--steps", "0"]) == 2
    assert "--steps" in capsys.readouterr().err
    with pytest.raises(ValueError, match="window-frames"):
        TokenizerTrainConfig(window_frames=15)
