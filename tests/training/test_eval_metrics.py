"""Evaluation metrics and the XGBoost token-histogram baseline on separable synthetic data."""

from __future__ import annotations

import numpy as np
import pytest

from lmm_desktop.assistant.tasks import get_task
from training.eval.baseline import TaskData, fit_xgb, token_histogram
from training.eval.metrics import confusion, macro_f1, mean_sd, pearson_r


def test_macro_f1_known_values() -> None:
    assert macro_f1(["a", "a", "b", "b"], ["a", "a", "b", "b"]) == 1.0
    assert macro_f1(["a", "a", "b", "b"], ["a", "b", "b", None]) == pytest.approx(
        np.mean([2 / 3, 1 / 2]))
    assert macro_f1(["a", "a"], ["b", "b"]) == 0.0


def test_confusion_counts_unparsed() -> None:
    c = confusion(["yes", "no", "no"], ["yes", None, "yes"], ["yes", "no"])
    assert c["matrix"] == [[1, 0, 0], [1, 0, 1]]


def test_pearson_and_mae() -> None:
    out = pearson_r([1.0, 2.0, 3.0, 4.0], [1.1, 2.1, 2.9, None])
    assert out["n_parsed"] == 3 and out["pearson_r"] > 0.99
    assert out["mae"] == pytest.approx(0.1)
    assert pearson_r([1.0, 2.0], [None, None])["pearson_r"] is None


def test_mean_sd() -> None:
    assert mean_sd([0.5, 0.7, None]) == {"mean": pytest.approx(0.6),
                                         "sd": pytest.approx(0.1414, abs=1e-3), "n": 2}


def test_histogram_normalised() -> None:
    h = token_histogram(np.array([0, 0, 3]), 4)
    np.testing.assert_allclose(h, [2 / 3, 0, 0, 1 / 3])


def _separable(n: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    ys = [["walking", "squats"][i % 2] for i in range(n)]
    xs = np.array([token_histogram(rng.integers(0, 8, 40) if y == "walking"
                                   else rng.integers(8, 16, 40), 16) for y in ys])
    return xs, ys


def test_xgboost_beats_chance_on_separable_tokens() -> None:
    rng = np.random.default_rng(0)
    xt, yt = _separable(40, rng)
    xv, yv = _separable(12, rng)
    data = TaskData(xt, yt, xv, yv)
    task = get_task("activity")
    fast = {"n_estimators": [20], "max_depth": [2]}
    real = fit_xgb(task, data, seed=0, n_iter=1, space=fast)
    chance = fit_xgb(task, data, seed=0, n_iter=1, shuffle_labels=True, space=fast)
    assert real["macro_f1"] == 1.0
    assert chance["macro_f1"] < real["macro_f1"]


def test_participant_bootstrap_resamples_whole_participants() -> None:
    from training.eval.metrics import participant_bootstrap

    truth = ["a", "b"] * 20
    groups = [f"P{i // 4}" for i in range(40)]  # 10 participants, 4 rows each
    perfect = participant_bootstrap(truth, truth, groups, macro_f1, n_boot=200)
    assert perfect == {"n_participants": 10, "ci95": [1.0, 1.0]}
    # Two participants answered all wrong: the interval is wide and contains the point value.
    pred = [("b" if t == "a" else "a") if g in ("P0", "P1") else t
            for t, g in zip(truth, groups, strict=True)]
    out = participant_bootstrap(truth, pred, groups, macro_f1, n_boot=400)
    lo, hi = out["ci95"]
    assert lo < macro_f1(truth, pred) < hi and hi - lo > 0.15
    assert participant_bootstrap(truth[:8], truth[:8], groups[:8], macro_f1)["ci95"] is None


def test_grounded_minus_tokens_is_paired_on_the_same_trials() -> None:
    """The grounded-vs-tokens comparison is computed on the trials both prompts were asked,
    per paraphrase draw, and reported in the Markdown."""
    from training.eval.llm_eval import paired_grounded_vs_tokens, to_markdown

    truth = ["yes", "no"] * 10
    trials = [f"t{i}" for i in range(20)]
    parts = [f"P{i // 2}" for i in range(20)]
    tokens_pred = ["yes"] * 20  # macro-F1 1/3
    grounded_pred = truth[:]  # macro-F1 1.0

    def rows(pred: list[str]) -> list[dict[str, object]]:
        return [{"trial": t, "participant": p, "truth": y, "pred": x}
                for t, p, y, x in zip(trials, parts, truth, pred, strict=True)]

    result = {"model_runs": [{"impaired": {"rows": rows(tokens_pred)}}],
              "grounded_runs": [{"impaired": {"rows": rows(grounded_pred)},
                                 "walking_speed": {"rows": []}}]}
    out = paired_grounded_vs_tokens(result)
    assert set(out) == {"impaired"}  # no tokens-only rows of walking speed: nothing to pair
    d = out["impaired"][0]
    assert d["difference"] == pytest.approx(1.0 - macro_f1(truth, tokens_pred))
    assert d["n_rows"] == 20 and d["n_participants"] == 10
    lo, hi = d["ci95"]
    assert 0.0 < lo <= hi
    md = to_markdown({"model": {}, "paired_grounded_vs_tokens": out})
    assert "Grounded minus tokens-only" in md and f"{d['difference']:+.3f}" in md
