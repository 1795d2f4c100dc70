"""Label calibration: reading and checking calibration.json, applying it, and fitting it
(temperature + label offsets on the class-balanced log-loss, adopted only when it helps out of
sample)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.assistant.calibration import (
    CALIBRATION_FILE,
    TaskCalibration,
    load_calibration,
    parse_calibration,
)
from lmm_desktop.core.errors import ModelLoadError
from training.eval.calibrate import (
    balanced_log_loss,
    calibrate_task,
    fit_calibration,
    grouped_folds,
    stratified_rows,
)
from training.eval.metrics import macro_f1

LABELS = ["none", "cane", "crutches", "walker"]


def _valid() -> dict:
    return {"format_version": 1, "fitted_on": {"dataset": "cal"},
            "variants": {"tokens": {"assistive_device": {
                "temperature": 1.5, "offsets": {"none": -1.0, "cane": 0.5}}}}}


def test_parse_and_apply() -> None:
    cal = parse_calibration(_valid())
    assert cal.for_variant(grounded=True) == {}
    dev = cal.for_variant(grounded=False)["assistive_device"]
    out = dev.apply(LABELS, np.array([-3.0, -6.0, -9.0, -12.0]))
    # L / T + b, labels without an offset get 0
    assert out == pytest.approx([-2.0 - 1.0, -4.0 + 0.5, -6.0, -8.0])
    assert TaskCalibration(1.0, {}).apply(["a"], np.array([-1.0])) == pytest.approx([-1.0])


@pytest.mark.parametrize("mutate, why", [
    (lambda d: d.update(format_version=7), "format version 7"),
    (lambda d: d.update(variants=[]), "'variants' is missing"),
    (lambda d: d["variants"].update(spoken={}), "unknown prompt variant 'spoken'"),
    (lambda d: d["variants"]["tokens"]["assistive_device"].update(temperature=0.0),
     "absurd temperature"),
    (lambda d: d["variants"]["tokens"]["assistive_device"].update(temperature="hot"),
     "lacks a numeric temperature"),
    (lambda d: d["variants"]["tokens"]["assistive_device"]["offsets"].update(cane=float("nan")),
     "non-finite or absurd label offset"),
    (lambda d: d.update(label_wordings=0), "'label_wordings' is 0"),
    (lambda d: d.update(label_wordings="three"), "'label_wordings' is 'three'"),
])
def test_bad_calibrations_are_refused_with_what_to_do(mutate, why) -> None:
    data = _valid()
    mutate(data)
    with pytest.raises(ModelLoadError, match=why) as err:
        parse_calibration(data)
    assert "lmm-train calibrate" in str(err.value) and "delete the file" in str(err.value)


def test_load_from_folder(tmp_path: Path) -> None:
    assert load_calibration(tmp_path) is None  # no file: raw probabilities
    (tmp_path / CALIBRATION_FILE).write_text(json.dumps(_valid()))
    assert load_calibration(tmp_path).fitted_on == {"dataset": "cal"}
    (tmp_path / CALIBRATION_FILE).write_text('{"format_version": 1, "variants": {')  # truncated
    with pytest.raises(ModelLoadError, match="cannot be read as JSON"):
        load_calibration(tmp_path)


def _biased_scores(n: int, rng: np.random.Generator, bias: float = 6.0, sharpen: float = 2.0
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Label log-likelihoods with real signal, ``sharpen`` times over-confident and with a pull
    of ``bias`` towards label 0 (as a model trained on a cohort where most use no aid)."""
    y = rng.integers(0, 4, n)
    sigma = 0.8
    x = np.eye(4)[y] + rng.normal(0, sigma, (n, 4))
    exact = x / sigma**2  # the exact log-likelihoods (up to a per-row constant)
    exact[:, 0] += bias
    return exact * sharpen, y


def test_fit_removes_a_known_prior_shift() -> None:
    rng = np.random.default_rng(0)
    train, y_train = _biased_scores(600, rng)
    test, y_test = _biased_scores(600, rng)
    fit = fit_calibration(train, y_train)
    # the offset of label 0 undoes the pull towards it; the temperature undoes the sharpening
    assert fit.offsets[0] < fit.offsets[1:].min() - 1.0
    assert 1.5 < fit.temperature < 2.7
    truth = [LABELS[i] for i in y_test]
    raw = macro_f1(truth, [LABELS[i] for i in test.argmax(1)], LABELS)
    cal = macro_f1(truth, [LABELS[i] for i in fit.scores(test).argmax(1)], LABELS)
    assert raw < 0.6 and cal > raw + 0.2
    assert balanced_log_loss(fit.scores(test), y_test) < balanced_log_loss(test, y_test)


def test_unbiased_scores_get_a_near_identity_fit() -> None:
    rng = np.random.default_rng(1)
    scores, y = _biased_scores(800, rng, bias=0.0, sharpen=1.0)
    fit = fit_calibration(scores, y)  # neither shifted nor over-confident
    assert np.abs(fit.offsets).max() < 0.35 and 0.7 < fit.temperature < 1.4


def test_calibrate_task_adopts_only_what_helps_out_of_sample() -> None:
    rng = np.random.default_rng(2)
    scores, y = _biased_scores(240, rng)
    truths = [LABELS[i] for i in y]
    groups = [f"P{i // 6}" for i in range(len(y))]  # 40 participants, 6 rows each
    entry = calibrate_task(scores, truths, groups, LABELS)
    cv = entry["cross_validation"]
    assert entry["adopted"] and cv["calibrated_macro_f1"] > cv["raw_macro_f1"]
    assert cv["folds"] == 5 and set(entry["offsets"]) == set(LABELS)
    assert entry["n_participants"] == 40
    # a label with fewer than 3 calibration rows: nothing is fitted, and the reason is recorded
    few = [t if t != "walker" else "cane" for t in truths]
    few[0] = "walker"
    entry = calibrate_task(scores, few, groups, LABELS)
    assert not entry["adopted"] and "walker" in entry["why"] and "temperature" not in entry


def test_grouped_folds_keep_participants_together() -> None:
    groups = [f"P{i % 7}" for i in range(50)]
    folds = grouped_folds(groups, 3, seed=4)
    assert sorted(np.concatenate(folds).tolist()) == list(range(50))
    for fold in folds:
        inside = {groups[i] for i in fold}
        others = {groups[i] for f in folds if f is not fold for i in f}
        assert not inside & others


def test_stratified_rows_take_rare_labels_first_and_are_deterministic() -> None:
    rows = ([{"truth": "none", "i": i} for i in range(200)]
            + [{"truth": "walker", "i": i} for i in range(5)]
            + [{"truth": "cane", "i": i} for i in range(40)])
    chosen = stratified_rows(rows, 60, seed=3)
    assert len(chosen) == 60
    assert sum(r["truth"] == "walker" for r in chosen) == 5  # all of the rare label
    assert sum(r["truth"] == "cane" for r in chosen) >= 20
    assert chosen == stratified_rows(rows, 60, seed=3)
    assert stratified_rows(rows, None, seed=3) == rows


def test_stratified_rows_reach_as_many_participants_as_they_can() -> None:
    """A person's trials are much alike: within a label the rows take one participant at a
    time, so 20 rows of a label come from 20 people rather than from 2 of them."""
    rows = [{"truth": lab, "participant": f"{lab}{p}", "i": i}
            for lab, people in (("none", 30), ("cane", 25)) for p in range(people)
            for i in range(15)]
    chosen = stratified_rows(rows, 40, seed=1)
    for lab in ("none", "cane"):
        mine = [r for r in chosen if r["truth"] == lab]
        assert len(mine) == 20 and len({r["participant"] for r in mine}) == 20


def test_calibration_never_sharpens() -> None:
    """Under-confident scores would want a temperature below 1; it stays at 1, so a model
    fitted on simulated people is never made surer of itself on real patients."""
    rng = np.random.default_rng(5)
    scores, y = _biased_scores(600, rng, bias=0.0, sharpen=0.4)
    assert fit_calibration(scores, y).temperature == pytest.approx(1.0)


def test_the_wordings_a_calibration_was_fitted_with_are_the_engines(tmp_path: Path) -> None:
    """A calibration holds for scores averaged over as many wordings as it was fitted on: the
    engine takes that number from it (1 for files written before the field), and refitting
    some tasks with another number is refused, since the kept ones would not match."""
    import argparse

    from lmm_desktop.assistant.manager import DEFAULT_LABEL_WORDINGS, resolve_label_wordings
    from lmm_desktop.core.errors import LmmError
    from training.eval import calibrate_cli

    assert parse_calibration(_valid()).label_wordings == 1
    assert parse_calibration({**_valid(), "label_wordings": 3}).label_wordings == 3
    three = parse_calibration({**_valid(), "label_wordings": 3})
    assert resolve_label_wordings(None, three) == 3
    assert resolve_label_wordings(5, three) == 5
    assert resolve_label_wordings(None, None) == DEFAULT_LABEL_WORDINGS

    model = tmp_path / "model"
    model.mkdir()
    (model / CALIBRATION_FILE).write_text(json.dumps({**_valid(), "label_wordings": 3}))
    cal_ds = tmp_path / "cal"
    cal_ds.mkdir()
    parser = argparse.ArgumentParser()
    calibrate_cli.add_arguments(parser)
    args = parser.parse_args(["--model", str(model), "--data", str(cal_ds), "--tasks",
                              "impaired", "--label-wordings", "1"])
    with pytest.raises(LmmError, match="fitted with 3 wording"):
        calibrate_cli.run(args)
    bad = parser.parse_args(["--model", str(model), "--data", str(cal_ds),
                             "--label-wordings", "0"])
    with pytest.raises(LmmError, match="give 1-16"):
        calibrate_cli.run(bad)


def test_recalibrating_some_tasks_keeps_the_others(tmp_path: Path) -> None:
    from training.eval.calibrate_cli import _keep_other_tasks

    old = {**_valid(), "fitted_on": {"dataset": "first", "trial_hashes": ["aa"]},
           "report": {"tokens": {"assistive_device": {"adopted": True, "n_rows": 250}}}}
    (tmp_path / CALIBRATION_FILE).write_text(json.dumps(old))
    new = {"format_version": 1, "fitted_on": {"dataset": "second", "trial_hashes": ["bb"]},
           "variants": {"tokens": {"impaired": {"temperature": 1.2, "offsets": {"yes": 0.1}}}},
           "report": {"tokens": {"impaired": {"adopted": True}}}}
    _keep_other_tasks(tmp_path / CALIBRATION_FILE, new, ["impaired"])
    cal = parse_calibration(new).for_variant(grounded=False)
    assert set(cal) == {"impaired", "assistive_device"}
    assert cal["assistive_device"].temperature == 1.5
    assert new["report"]["tokens"]["assistive_device"]["kept_from_earlier_fit"]
    assert new["fitted_on"]["trial_hashes"] == ["aa", "bb"]  # eval refuses rows of both fits
    assert new["fitted_on"]["earlier_fit"] == "first"
