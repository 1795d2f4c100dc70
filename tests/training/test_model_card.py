"""The model card is written from the artifact's records: data notes and real-trial figures."""

from __future__ import annotations

import json
from pathlib import Path

from training.model_card import write_model_card


def test_model_card_carries_data_notes_and_real_trial_error(tmp_path: Path) -> None:
    model, tok, ds = tmp_path / "model", tmp_path / "tok", tmp_path / "ds"
    for d in (model, tok, ds):
        d.mkdir()
    (model / "artifact.json").write_text(
        json.dumps(
            {
                "base_model": {"name": "gemma-3-270m", "source": "pypi:x", "sha256": "ab" * 32},
                "vocabulary": {"added": ["<motion_0>"]},
                "training": {"motion_embedding_init": "codebook", "steps": 3},
                "task_registry_version": "1.0",
            }
        )
    )
    (tok / "evaluation.json").write_text(
        json.dumps({"rmse_deg_mean_over_joints": 4.45, "codebook_usage": 0.98, "perplexity": 311})
    )
    (tok / "evaluation_real_fixtures.json").write_text(
        json.dumps({"files": {"squats1.mot": {"rmse_deg": 9.407, "n_tokens": 61}}})
    )
    (ds / "manifest.json").write_text(
        json.dumps(
            {
                "n_trials": 10,
                "n_pairs": 20,
                "per_task": {
                    "activity": {
                        "train_pairs": 9,
                        "val_pairs": 1,
                        "train_participants": 3,
                        "val_participants": 1,
                    }
                },
            }
        )
    )
    card = write_model_card(
        model,
        dataset_dir=ds,
        tokenizer_dir=tok,
        owed=["GPU run"],
        data_notes=["participants vary in posture"],
    ).read_text()
    assert "SIMULATED" in card and "Not for clinical decisions" in card
    assert "- participants vary in posture" in card and "| activity | 9 | 1 | 3 | 1 |" in card
    assert "RMSE 4.45°" in card and "squats1.mot 9.4°" in card
    assert card.rstrip().endswith("- GPU run")


def test_model_card_lists_the_training_stages_of_a_continued_run(tmp_path: Path) -> None:
    first = {
        "steps": 520,
        "tokens": 503000,
        "tokens_per_s": 104.3,
        "train_rows": 7200,
        "config": {"batch_size": 8, "learning_rate": 0.0004, "pack_turns": 1},
    }
    (tmp_path / "artifact.json").write_text(
        json.dumps(
            {
                "training": {
                    "steps": 380,
                    "tokens": 400000,
                    "tokens_per_s": 110.0,
                    "train_rows": 7786,
                    "train_answers": 44580,
                    "init_from": {**first, "checkpoint": "x.pt", "device_name": "NVIDIA H200"},
                    "device": "cpu",
                    "config": {
                        "batch_size": 4,
                        "learning_rate": 0.0002,
                        "pack_turns": 8,
                        "tasks": ["diagnosis", "assistive_device"],
                        "oversample": ["diagnosis=3"],
                        "loss_on_prompt": False,
                    },
                }
            }
        )
    )
    card = write_model_card(tmp_path).read_text()
    assert "1. 520 steps × batch 8, one question per example, learning rate 0.0004" in card
    assert "2. 380 steps × batch 4, conversations of up to 8 questions about one trial" in card
    assert "at 104.3 tok/s on NVIDIA H200; drawn from 7200 answers." in card
    assert (
        "at 110.0 tok/s on cpu; drawn from 44580 answers of the tasks diagnosis, "
        "assistive_device, diagnosis ×3; loss on the answers only." in card
    )


def test_model_card_says_where_the_model_was_trained(tmp_path: Path) -> None:
    train = {
        "device": "cuda",
        "device_name": "NVIDIA H200",
        "quantize": "none",
        "mixed_precision": "bf16 autocast",
        "epochs_done": 1.2,
        "train_rows": 44580,
        "train_seconds": 346.0,
        "tokens_per_s": 19137.1,
    }
    (tmp_path / "artifact.json").write_text(json.dumps({"training": train}))
    card = write_model_card(tmp_path).read_text()
    assert "float32 weights on one NVIDIA H200 GPU (compute: bf16 autocast)" in card
    assert "1.2 epochs of 44580 training pairs, 346.0 s at 19137.1 tokens/s" in card
    assert "2-core CPU" not in card
    (tmp_path / "artifact.json").write_text(json.dumps({"training": {"device": "cpu"}}))
    card = write_model_card(tmp_path).read_text()
    assert "weights on CPU" in card and "Trained on a 2-core CPU at reduced scale" in card


def test_model_card_says_how_many_held_out_rows_were_asked(tmp_path: Path) -> None:
    (tmp_path / "artifact.json").write_text(json.dumps({"training": {"device": "cpu"}}))
    ev = {"n_val_rows": 4555, "max_rows_per_task": 50, "seeds": 3, "device": "cpu"}
    (tmp_path / "evaluation.json").write_text(json.dumps(ev))
    card = write_model_card(tmp_path).read_text()
    assert "Held-out rows: 4555, of which the first 50 per task were asked" in card
    assert "mean ± SD over 3 paraphrase draws" in card


def test_model_card_describes_the_label_calibration(tmp_path: Path) -> None:
    (tmp_path / "artifact.json").write_text(json.dumps({"training": {"device": "cpu"}}))
    cal = {"format_version": 1, "fitted_on": {"dataset": "/data/cal", "max_rows_per_task": 250},
           "variants": {"tokens": {}},
           "report": {"tokens": {
               "assistive_device": {"n_rows": 250, "n_participants": 160, "adopted": True,
                                    "temperature": 1.19, "cross_validation": {
                                        "raw_macro_f1": 0.25, "calibrated_macro_f1": 0.48}},
               "fall_history": {"n_rows": 2, "n_participants": 1, "adopted": False,
                                "why": "fewer than 3 calibration rows of yes"}}}}
    (tmp_path / "calibration.json").write_text(json.dumps(cal))
    card = write_model_card(tmp_path).read_text()
    assert "## Label calibration" in card and "`/data/cal`, up to 250 rows per task" in card
    assert "| tokens | assistive_device | 250 (160) | 0.250 → 0.480 | 1.19 | yes |" in card
    assert "| tokens | fall_history | 2 (1) | fewer than 3 calibration rows of yes | n/a | no |" \
        in card
    assert "wordings" not in card  # fitted on one wording per question
    (tmp_path / "calibration.json").write_text(json.dumps({**cal, "label_wordings": 3}))
    card = write_model_card(tmp_path).read_text()
    assert "average 3 fixed wordings of each question" in card


def test_model_card_reports_a_fresh_test_cohort_with_intervals(tmp_path: Path) -> None:
    """evaluation_test_cohort.json (``lmm-train eval --test-dataset``) gets its own section:
    the usual table, the paired difference to XGBoost and each figure's participant interval."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "artifact.json").write_text(json.dumps({"training": {"steps": 1}}))
    run = {"cadence": {"pearson_r": 0.9, "n": 100, "mae": 5.0, "pearson_r_generated": 0.8,
                       "by_participant": {"n_participants": 100, "ci95": [0.85, 0.93]}}}
    ev = {
        "test_dataset": "/data/test_ds", "test_participants": 300, "seeds": 1, "device": "cpu",
        "rows_per_task": {"cadence": 100},
        "model": {"cadence": {"metric": "pearson_r", "mean": 0.9, "sd": 0.0,
                              "generated": {"mean": 0.8, "sd": 0.0}}},
        "model_runs": [run], "grounded_runs": [run],
        "paired_vs_xgboost": {"model": {"cadence": [
            {"difference": 0.05, "ci95": [0.01, 0.09], "n_rows": 100}]}},
    }
    (model / "evaluation_test_cohort.json").write_text(json.dumps(ev))
    card = write_model_card(model).read_text()
    assert "## Evaluation on a fresh test cohort" in card
    assert "300 participants" in card and "cadence 100" in card
    assert "| cadence | 100 | 100 | 0.900 [0.850, 0.930] | 0.900 [0.850, 0.930] |" in card
    assert "| cadence | +0.050 [+0.010, +0.090] | n/a |" in card
    assert "(words 0.800)" in card and "fresh test cohort '/data/test_ds'" in card


def test_model_card_says_what_a_composed_evaluation_is_made_of(tmp_path: Path) -> None:
    (tmp_path / "artifact.json").write_text(json.dumps({"training": {"device": "cpu"}}))
    ev = {"n_val_rows": 10, "seeds": 3, "device": "cpu", "model": {},
          "merged": "classification: rerun X; regression: run Y"}
    (tmp_path / "evaluation.json").write_text(json.dumps(ev))
    card = write_model_card(tmp_path).read_text()
    assert "Composed of runs: classification: rerun X; regression: run Y." in card
