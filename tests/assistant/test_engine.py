"""The assistant engine with a tiny in-memory Gemma 3 and a tiny motion tokenizer: streaming
order, Stop, probabilities, abstention, routing, grounding flags, motion-token caching."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lmm_desktop.assistant import answer as A  # noqa: E402
from lmm_desktop.assistant.engine import AssistantEngine, History  # noqa: E402
from lmm_desktop.core.canonical import JOINT_INDEX, N_JOINTS, Kinematics  # noqa: E402
from lmm_desktop.core.trial import Provenance, Trial  # noqa: E402
from lmm_desktop.motion.config import TokenizerConfig  # noqa: E402

CFG = TokenizerConfig(codebook_size=16, code_dim=8, width=16, depth=1, down_t=2)


def _trial(seconds: float = 2.0, rate: float = 100.0) -> Trial:
    n = int(seconds * rate)
    t = np.arange(n) / rate
    angles = np.stack([15 * np.sin(2 * np.pi * t + j) for j in range(N_JOINTS)], axis=1)
    kin = Kinematics(angles=angles, present=np.ones(N_JOINTS, bool),
                     pelvis_rotation=np.zeros((n, 3)), pelvis_translation=np.zeros((n, 3)))
    return Trial(time=t, rate_hz=rate, source=None, kinematics=kin,
                 provenance=Provenance(path=Path("synthetic.mot"), format="mot"))


@pytest.fixture(scope="module")
def engine_parts(tmp_path_factory: pytest.TempPathFactory):
    from training.sft.tiny import build_tiny_engine_parts

    return build_tiny_engine_parts(tmp_path_factory.mktemp("tiny"), codebook_size=16)


def _engine(parts, **kw) -> tuple[AssistantEngine, list[int]]:
    lm, mtok = parts
    calls: list[int] = []

    def motion_text(trial: Trial) -> str:
        calls.append(1)
        assert trial.kinematics is not None
        return mtok.codec.encode(mtok.encode(trial.kinematics, trial.time).tolist())

    return AssistantEngine(lm, motion_text, **kw), calls


def test_classification_probabilities_sum_to_one(engine_parts) -> None:
    eng, _ = _engine(engine_parts, abstain_below=0.0)
    ans = eng.ask(_trial(), "What activity is the person performing?")
    assert ans.task == "activity"
    assert len(ans.probabilities) == 7
    assert sum(ans.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
    assert ans.label == max(ans.probabilities, key=ans.probabilities.__getitem__)
    assert ans.differential[0][0] == ans.label
    assert ans.device == "cpu" and ans.model_version == "tiny-test"


def test_label_probabilities_average_fixed_wordings_of_the_question(engine_parts) -> None:
    """With label_wordings=3 a classification's probabilities average (in log space) the label
    scores of three fixed paraphrases of the task, whatever the user typed: the same as asking
    each of them alone and averaging, identical for any wording of the question, and the same
    through ask_messages (evaluation, calibration)."""
    from lmm_desktop.assistant.tasks import TASKS

    task = TASKS["assistive_device"]
    eng, _ = _engine(engine_parts, abstain_below=0.0, label_wordings=3, max_new_tokens=2)
    words = eng.wordings(task, "Does this person use a walking aid?")
    assert len(words) == 3 and len(set(words)) == 3 and all(w in task.paraphrases for w in words)
    assert eng.wordings(task, task.paraphrases[5]) == words  # not the user's wording
    calls: list[str] = []
    prefill, tree_pass = eng._prefill, eng._tree_pass

    def rec_prefill(*a, **kw):  # type: ignore[no-untyped-def]
        calls.append("prefill")
        return prefill(*a, **kw)

    def rec_tree(*a, **kw):  # type: ignore[no-untyped-def]
        calls.append("tree")
        return tree_pass(*a, **kw)

    eng._prefill = rec_prefill  # type: ignore[method-assign]
    eng._tree_pass = rec_tree  # type: ignore[method-assign]
    ans = eng.ask(_trial(), task.paraphrases[5])
    assert ans.wordings == 3
    # The user's prompt is run once; the three fixed wordings (the user typed a fourth) and
    # all their labels are scored in one tree pass over its cache cut back to the question.
    assert calls[:2] == ["prefill", "tree"] and calls.count("tree") == 1
    eng._prefill, eng._tree_pass = prefill, tree_pass  # type: ignore[method-assign]
    single, _ = _engine(engine_parts, abstain_below=0.0, max_new_tokens=2)
    assert single.wordings(task, "x?") == ["x?"]
    logs = []
    for w in words:
        one = single.ask(_trial(), w)
        assert one.wordings == 1
        logs.append(np.log([one.raw_probabilities[lab.id] for lab in task.labels]))
    mean = np.mean(logs, axis=0)
    expected = np.exp(mean - np.logaddexp.reduce(mean))
    got = [ans.raw_probabilities[lab.id] for lab in task.labels]
    assert got == pytest.approx(expected, abs=1e-5)
    for other in (words[0], task.paraphrases[-1]):  # any wording: the same probabilities
        again = eng.ask(_trial(), other)
        assert [again.raw_probabilities[lab.id] for lab in task.labels] == pytest.approx(
            got, abs=1e-5)
    msgs = eng.build_messages(_trial(), task.paraphrases[7])
    via = eng.ask_messages(msgs, "assistive_device", generate=False)
    assert via.wordings == 3
    assert [via.raw_probabilities[lab.id] for lab in task.labels] == pytest.approx(got, abs=1e-5)
    # Free questions are not reworded.
    assert eng.ask(_trial(), "Describe this movement.").wordings == 0
    stop = threading.Event()
    stop.set()
    assert A.STOPPED in eng.ask(_trial(), words[1], stop=stop).flags
    with pytest.raises(ValueError, match="at least 1"):
        _engine(engine_parts, label_wordings=0)


def test_score_tree_runs_shared_beginnings_once() -> None:
    from lmm_desktop.assistant.engine import ScoreTree, _tree_groups

    # Two wordings (contexts) x two answers; the answers end alike ("9" is the end token).
    items = [((1, 2), (5, 9)), ((1, 2), (6, 9)), ((1, 3), (5, 9)), ((1, 3), (6, 9))]
    tree = ScoreTree.build(items)
    # Run: 1, 2, 3 and the four answers' first tokens; the end tokens are never run.
    assert tree.n_nodes == 7 and sorted(tree.token.tolist()) == [1, 2, 3, 5, 5, 6, 6]
    assert tree.is_output.sum() == 6  # 2 and 3 predict the first answer token, 5/6 the end
    assert len(tree.edge_item) == 8 and not (tree.edge_parent < 0).any()
    allow = tree.prefix_allowed(4)
    assert allow.shape == (7, 11) and allow[:, :4].all()
    answers = tree.depth == 2  # each sees the prefix, its context's two tokens and itself
    assert answers.sum() == 4 and (allow[answers].sum(axis=1) == 4 + 3).all()
    # A window of 6: a node at position 4 + 2 sees keys from position 1 on.
    assert not tree.prefix_allowed(4, window=6)[3, 0]
    empty = ScoreTree.build([((), (7, 9))])  # no context: its first token from the prefix
    assert empty.edge_parent.tolist() == [-1, 0] and empty.n_nodes == 1
    assert _tree_groups(items, 3) == [[0, 1], [2, 3]]  # rows: 1-2, 1-2-5, 1-2-6
    assert _tree_groups(items, 100) == [[0, 1, 2, 3]]
    with pytest.raises(ValueError, match="continuation"):
        ScoreTree.build([((1,), ())])


@pytest.mark.parametrize(("prefix_len", "attention"), [
    (5, "sdpa"), (90, "sdpa"), (90, "eager")])  # 90: past the tiny model's 64-token window
def test_tree_scores_equal_scoring_each_sequence_whole(engine_parts, prefix_len: int,
                                                       attention: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The tree pass (shared beginnings, 4-D masks, sliding window, several groups; boolean
    masks for SDPA, additive ones for eager attention) gives the log-likelihoods of running
    every prefix + context + continuation through the model on its own, and so does the padded
    fallback."""
    import threading

    from lmm_desktop.assistant import engine as E

    eng, _ = _engine(engine_parts)
    model = eng.lm.model
    before = model.config._attn_implementation
    model.set_attn_implementation(attention)
    try:
        assert model.config._attn_implementation == attention
        rng = np.random.default_rng(3)
        vocab = int(model.config.vocab_size)
        prefix = rng.integers(10, vocab, prefix_len).tolist()
        contexts = [(), tuple(rng.integers(10, vocab, 3)), tuple(rng.integers(10, vocab, 5))]
        answers = [tuple(rng.integers(10, vocab, n)) for n in (1, 2, 4)]
        answers.append((*answers[2][:2], 11))  # begins like another answer
        items = [(c, a) for c in contexts for a in answers]
        with torch.inference_mode():
            full = []
            for ctx, cont in items:
                ids = torch.tensor([[*prefix, *ctx, *cont]])
                lp = torch.log_softmax(model(input_ids=ids).logits[0].float(), -1)
                start = prefix_len + len(ctx)
                full.append(sum(float(lp[start - 1 + j, t]) for j, t in enumerate(cont)))
            past, root = eng._prefill(torch.tensor([prefix]), threading.Event())
            assert eng._tree_ok(past, prefix_len)
            monkeypatch.setattr(E, "MAX_TREE_ROWS", 6)  # several passes
            assert len(E._tree_groups(items, 6)) > 1
            tree = eng._score_continuations(past, prefix_len, root, items)
            each = eng._score_each(past, prefix_len, root, items, None)
            assert past.get_seq_length() == prefix_len  # the prompt's cache is left as it was
        assert tree == pytest.approx(full, abs=2e-4)
        assert each == pytest.approx(full, abs=2e-4)
    finally:
        model.set_attn_implementation(before)


def test_abstains_below_threshold(engine_parts) -> None:
    free, _ = _engine(engine_parts, abstain_below=0.0, max_new_tokens=2)
    p_max = max(free.ask(_trial(), "What is the most likely diagnosis?").probabilities.values())
    eng, _ = _engine(engine_parts, abstain_below=p_max + 1e-6, max_new_tokens=2)
    ans = eng.ask(_trial(), "What is the most likely diagnosis?")
    assert ans.label is None
    assert A.LOW_CONFIDENCE in ans.flags
    assert ans.probabilities  # still reported, so the differential is visible


def test_streaming_order_matches_text(engine_parts) -> None:
    eng, _ = _engine(engine_parts, max_new_tokens=12)
    pieces: list[str] = []
    ans = eng.ask(_trial(), "Describe this movement.", on_token=pieces.append)
    assert "".join(pieces).strip() == ans.text
    assert "<motion_" not in ans.text  # motion tokens are never generated in answers
    assert ans.n_tokens <= 12
    if ans.n_tokens:
        assert ans.first_token_s is not None and ans.first_token_s <= ans.latency_s


def test_stop_takes_effect_quickly(engine_parts) -> None:
    eng, _ = _engine(engine_parts, max_new_tokens=400)
    stop = threading.Event()
    seen: list[float] = []

    def on_token(_piece: str) -> None:
        seen.append(time.perf_counter())
        if len(seen) == 3:
            stop.set()

    ans = eng.ask(_trial(), "Describe this movement.", on_token=on_token, stop=stop)
    if len(seen) >= 3:  # the random model may end its turn before three tokens
        assert A.STOPPED in ans.flags
        assert len(seen) == 3
        assert ans.n_tokens == 3


def test_stop_before_start_returns_at_once(engine_parts) -> None:
    eng, _ = _engine(engine_parts)
    stop = threading.Event()
    stop.set()
    t0 = time.perf_counter()
    ans = eng.ask(_trial(), "What is the walking speed?", stop=stop)
    assert A.STOPPED in ans.flags
    assert time.perf_counter() - t0 < 0.2


def test_regression_interval_and_disagreement(engine_parts) -> None:
    eng, _ = _engine(engine_parts, measure=lambda tr: {"spatiotemporal.speed_m_s": 1.2},
                     max_new_tokens=8)
    ans = eng.ask(_trial(), "How fast is the person walking?")
    assert ans.task == "walking_speed"
    assert ans.unit == "m/s"
    assert ans.measured == pytest.approx(1.2)
    assert ans.value is not None and ans.interval is not None
    assert ans.interval[0] <= ans.interval[1]
    rel = abs(ans.value - 1.2) / 1.2
    assert (A.DISAGREES in ans.flags) == (rel > 0.15)


def test_value_mass_integrates_an_unevenly_spaced_grid() -> None:
    """Each candidate's probability is its likelihood times the stretch of values it stands
    for, so a dense patch of the grid does not pull the mean towards itself."""
    import numpy as np

    from lmm_desktop.assistant import engine as E
    from lmm_desktop.assistant.engine import _value_grid, value_mass
    from lmm_desktop.assistant.tasks import get_task

    grid = np.array([0.0, 1.0, 1.1, 1.2, 2.0, 3.0])
    flat = value_mass(grid, np.zeros(len(grid)))  # a flat density: mass = width
    assert flat.sum() == pytest.approx(1.0)
    assert float(flat @ grid) == pytest.approx(1.5)  # the middle of [-0.5, 3.5]
    assert flat[2] < flat[0]  # 1.1 stands for 0.1 of values, 0.0 for 1.0
    sharp = value_mass(grid, np.array([-50.0, -50.0, 0.0, -50.0, -50.0, -50.0]))
    assert float(sharp @ grid) == pytest.approx(1.1)
    assert value_mass(np.array([2.0]), np.array([-3.0])) == pytest.approx([1.0])

    cadence = get_task("cadence")
    g = _value_grid(cadence, 112.3)
    assert np.all(np.diff(g) > 0) and 112.3 in g
    assert g[0] == cadence.valid_range[0] and g[-1] == cadence.valid_range[1]
    coarse = _value_grid(cadence, None)
    assert len(coarse) == E.COARSE_VALUES
    # Finer within ±50 % of the centre than the coarse grid alone.
    assert np.sum((g > 56) & (g < 169)) >= np.sum((coarse > 56) & (coarse < 169)) + 12
    fine = _value_grid(cadence, 112.3, coarse=False)
    assert fine.min() >= 56.1 and fine.max() <= 168.5 and len(fine) == E.FINE_VALUES + 1


def test_regression_value_is_the_mean_over_the_scored_grid(engine_parts) -> None:
    """The value shown is the mean of the model's distribution over the scored candidates (not
    the greedy number), rounded as the task reports values."""

    from lmm_desktop.assistant import engine as E
    from lmm_desktop.assistant.tasks import get_task

    seen: dict[str, np.ndarray] = {}
    orig = E.value_mass

    def spy(grid, loglik):
        seen["grid"], seen["mass"] = grid, orig(grid, loglik)
        return seen["mass"]

    eng, _ = _engine(engine_parts, max_new_tokens=8)
    try:
        E.value_mass = spy
        ans = eng.ask(_trial(), "How fast is the person walking?")
    finally:
        E.value_mass = orig
    task = get_task("walking_speed")
    digits = max(task.decimals, task.display_decimals)
    assert ans.value == pytest.approx(round(float(seen["mass"] @ seen["grid"]), digits))
    assert ans.interval is not None and ans.interval[0] <= ans.interval[1]


def test_value_estimate_is_the_same_for_any_wording(engine_parts) -> None:
    """With three fixed wordings a regression estimate and its interval average the model's
    belief over the wordings, on a grid centred on that averaged belief (not on the number the
    user's wording generated): any wording of the question gives the same estimate. With one
    wording they follow the wording asked."""
    from lmm_desktop.assistant.tasks import TASKS

    task = TASKS["walking_speed"]
    eng, _ = _engine(engine_parts, label_wordings=3, max_new_tokens=6)
    answers = [eng.ask(_trial(), q) for q in (task.paraphrases[1], task.paraphrases[-2])]
    assert [a.wordings for a in answers] == [3, 3]
    assert answers[0].value is not None and answers[0].interval is not None
    assert answers[0].value == answers[1].value
    assert answers[0].interval == answers[1].interval
    via = eng.ask_messages(eng.build_messages(_trial(), task.paraphrases[4]), "walking_speed",
                           generate=True, intervals=True, max_new_tokens=6)
    assert via.wordings == 3 and via.value == answers[0].value
    single, _ = _engine(engine_parts, max_new_tokens=6)
    one = [single.ask(_trial(), q) for q in eng.wordings(task, "?")]
    assert all(a.wordings == 0 and a.value is not None for a in one)
    lo = min(a.value for a in one if a.value is not None)
    hi = max(a.value for a in one if a.value is not None)
    # The averaged belief lies within the wordings' own estimates (loosely: log-space pooling
    # of distributions on slightly different grids).
    spread = max(hi - lo, 0.05)
    assert lo - spread <= answers[0].value <= hi + spread


def test_stop_between_scoring_passes(engine_parts, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop pressed while the answers are being scored (between tree passes) ends the answer
    as stopped, with no half-averaged probabilities and no estimate."""
    from lmm_desktop.assistant import engine as E
    from lmm_desktop.assistant.tasks import TASKS

    monkeypatch.setattr(E, "MAX_TREE_ROWS", 4)  # many passes
    eng, _ = _engine(engine_parts, label_wordings=3, max_new_tokens=4)
    stop = threading.Event()
    passes: list[int] = []
    tree_pass = eng._tree_pass

    def pressing_stop(*a, **kw):  # type: ignore[no-untyped-def]
        passes.append(1)
        stop.set()  # the user presses Stop during the first pass
        return tree_pass(*a, **kw)

    eng._tree_pass = pressing_stop  # type: ignore[method-assign]
    ans = eng.ask(_trial(), TASKS["assistive_device"].paraphrases[0], stop=stop)
    assert A.STOPPED in ans.flags and not ans.probabilities and ans.label is None
    assert passes == [1]  # no pass after the Stop
    passes.clear()
    stop.clear()
    # A regression answer stopped while its candidate values are scored keeps its words but
    # shows no estimate.
    value = eng.ask(_trial(), TASKS["cadence"].paraphrases[0], stop=stop)
    assert A.STOPPED in value.flags and value.value is None and value.interval is None
    assert passes == [1]
    passes.clear()
    stop.clear()
    words = eng.ask_messages(eng.build_messages(_trial(), TASKS["cadence"].paraphrases[0]),
                             "cadence", generate=False, intervals=True)
    assert len(passes) > 1 and words.value is not None  # without Stop: every pass


def test_short_recording_is_flagged(engine_parts) -> None:
    """Under 3 s of movement the answer carries short_motion (a weak hint); 4 s does not."""
    eng, _ = _engine(engine_parts, max_new_tokens=2)
    short = eng.ask(_trial(seconds=1.6), "What activity is the person performing?")
    assert A.SHORT_MOTION in short.flags and "short_motion" in short.to_dict()["flags"]
    longer = eng.ask(_trial(seconds=4.0), "What activity is the person performing?")
    assert A.SHORT_MOTION not in longer.flags


def test_partial_body_is_flagged(engine_parts) -> None:
    """Angles of the pelvis and legs only (as computed from a clinical marker set): the answer
    carries partial_motion; a trial missing only the neck and wrists (OpenCap) does not."""
    eng, _ = _engine(engine_parts, max_new_tokens=2)
    legs_only = _trial(seconds=4.0)
    legs = [JOINT_INDEX[f"{j}_{s}"] for s in "rl" for j in
            ("hip_flexion", "hip_adduction", "knee_angle", "ankle_angle")]
    mask = np.zeros(N_JOINTS, bool)
    mask[legs] = True
    legs_only.kinematics.present[:] = mask  # type: ignore[union-attr]
    legs_only.kinematics.angles[:, ~mask] = np.nan  # type: ignore[union-attr]
    ans = eng.ask(legs_only, "What activity is the person performing?")
    assert A.PARTIAL_MOTION in ans.flags
    opencap_like = _trial(seconds=4.0)
    for name in ("neck_extension", "neck_bending", "neck_rotation", "wrist_flex_r",
                 "wrist_dev_r", "wrist_flex_l", "wrist_dev_l"):
        opencap_like.kinematics.present[JOINT_INDEX[name]] = False  # type: ignore[union-attr]
    assert A.PARTIAL_MOTION not in eng.ask(opencap_like, "What activity is it?").flags


def test_out_of_scope_and_free_form(engine_parts) -> None:
    eng, _ = _engine(engine_parts, max_new_tokens=4)
    off = eng.ask(_trial(), "What's the capital of France?")
    assert A.OUT_OF_SCOPE in off.flags and off.suggestions
    free = eng.ask(_trial(), "Is the left knee moving much?")
    assert free.task is None and A.UNVERIFIED in free.flags


def test_motion_tokens_cached_per_trial(engine_parts) -> None:
    eng, calls = _engine(engine_parts, max_new_tokens=2)
    trial = _trial()
    eng.ask(trial, "What activity is the person performing?")
    eng.ask(trial, "Is the person using an assistive device?",
            history=[History("What activity is the person performing?", "Walking.")])
    assert len(calls) == 1
    eng.ask(_trial(seconds=3.0), "What activity is the person performing?")
    assert len(calls) == 2


def test_registered_question_is_asked_on_its_own(engine_parts) -> None:
    """A clinical question gets the same answer with or without earlier turns (the model was
    trained and evaluated one question at a time); the history still reaches free-form
    questions, and the first turn carries the motion and, grounded, the measured values."""
    eng, _ = _engine(engine_parts, max_new_tokens=3,
                     measure=lambda tr: {"spatiotemporal.speed_m_s": 1.2})
    trial = _trial()
    earlier = [History("What is the cadence?", "106.1 steps/min.")]
    alone = eng.ask(trial, "What is the walking speed?")
    after = eng.ask(trial, "What is the walking speed?", history=earlier)
    assert after.text == alone.text and after.value == alone.value
    msgs = eng.build_messages(trial, "Is the left knee moving much?", earlier)
    assert len(msgs) == 3 and msgs[0]["content"].endswith("What is the cadence?")
    assert "<motion_begin>" in msgs[0]["content"] and "<motion_begin>" not in msgs[2]["content"]
    eng.grounded = True
    msgs = eng.build_messages(trial, "Is the left knee moving much?", earlier)
    assert "Measured by the gait analysis: walking speed 1.2 m/s." in msgs[0]["content"]


def test_thread_safety_serialises_questions(engine_parts) -> None:
    eng, _ = _engine(engine_parts, max_new_tokens=3)
    results: list[str | None] = []

    def worker() -> None:
        results.append(eng.ask(_trial(), "What activity is the person performing?").label)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert len(results) == 3 and len(set(results)) == 1


@pytest.mark.parametrize("precision", ["int8-head", "int8", "bfloat16", "float32"])
def test_cpu_inference_precisions_keep_answers_close(engine_parts, precision: str) -> None:
    import copy

    import torch

    from lmm_desktop.assistant.manager import ModelManager, cpu_inference_precision

    lm, _ = engine_parts
    ids = torch.randint(0, 300, (1, 12))
    with torch.no_grad():
        ref = torch.log_softmax(lm.model(input_ids=ids).logits.float(), -1)
        model, note = cpu_inference_precision(copy.deepcopy(lm.model), precision)
        got = torch.log_softmax(model(input_ids=ids).logits.float(), -1)
    assert note is None
    # Same next-token distribution up to quantization noise (tiny random model, 12 positions).
    p_ref, p_got = ref.exp(), got.exp()
    assert float((p_ref - p_got).abs().sum(-1).max()) < (1e-6 if precision == "float32" else 0.2)
    quantized = type(model.lm_head).__module__.startswith("torch.ao.nn.quantized")
    assert quantized == precision.startswith("int8")
    if precision == "int8-head":
        assert model._lmm_precision == "float32, int8 output head"
        assert not type(model.model.layers[0].self_attn.q_proj).__module__.startswith("torch.ao")
    with pytest.raises(ValueError, match="cpu_precision"):
        ModelManager(cpu_precision="fp4")


def test_default_cpu_precision_is_int8_head_and_memory_counts_int8_weights(engine_parts) -> None:
    import copy

    from lmm_desktop.assistant.manager import ModelManager, _model_bytes, cpu_inference_precision

    assert ModelManager().cpu_precision == "int8-head"  # the app's chat and reports use this
    lm, _ = engine_parts
    fp32 = _model_bytes(lm.model)
    n_params = sum(p.numel() for p in {id(p): p for p in lm.model.parameters()}.values())
    assert fp32 == 4 * n_params + sum(b.numel() * b.element_size() for b in lm.model.buffers())
    head = lm.model.lm_head.weight
    tied = head.data_ptr() == lm.model.get_input_embeddings().weight.data_ptr()
    model, _ = cpu_inference_precision(copy.deepcopy(lm.model), "int8-head")
    # the head's int8 copy (1 byte per weight + scales) replaces the float32 one unless the
    # float32 matrix is still held as the (tied) input embedding
    expected = fp32 + head.numel() + 8 * head.shape[0] - (0 if tied else 4 * head.numel())
    assert _model_bytes(model) == expected
