"""SFT on a tiny random Gemma 3 (CPU, seconds): what is trained, what is saved, resume, reload."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from lmm_desktop.assistant.artifact import (  # noqa: E402
    ADAPTER_DIR,
    ARTIFACT_FILE,
    load_model_artifact,
    read_artifact_info,
)
from lmm_desktop.core.errors import ModelLoadError  # noqa: E402
from lmm_desktop.motion.codec import MotionTokenCodec  # noqa: E402
from training.sft.config import SFTConfig, quantization_config  # noqa: E402
from training.sft.data import SFTDataError, read_rows  # noqa: E402
from training.sft.tiny import build_tiny_base  # noqa: E402
from training.sft.train import fit_sft, train_sft  # noqa: E402

ANSWERS = ["walking", "sit to stand", "1.21 m/s", "108 steps/min", "yes", "no"]


def _write_dataset(folder: Path, n_train: int = 8, n_test: int = 2) -> Path:
    codec = MotionTokenCodec(512)
    rng = np.random.default_rng(3)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "rows.jsonl", "w") as fh:
        for i in range(n_train + n_test):
            motion = codec.encode(rng.integers(0, 512, size=int(rng.integers(8, 24))))
            row = {
                "id": f"r{i}",
                "participant": f"p{i % 4}",
                "task": "activity",
                "prompt": f"{motion} What activity is the person doing?",
                "answer": ANSWERS[i % len(ANSWERS)],
                "split": "train" if i < n_train else "test",
            }
            fh.write(json.dumps(row) + "\n")
    return folder


def _cfg(**kw: object) -> SFTConfig:
    base = dict(
        max_steps=4,
        batch_size=2,
        max_length=64,
        save_every=2,
        log_every=1,
        device="cpu",
        quantize="auto",
        lora_rank=4,
        lora_alpha=8,
        learning_rate=1e-2,
    )
    base.update(kw)
    return SFTConfig(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_base(tmp_path_factory.mktemp("tiny") / "base")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_dataset(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def trained(tiny_base: Path, dataset: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("run")
    return out, fit_sft(dataset, out, _cfg(), base=tiny_base, progress=False)


def _fresh_base(folder: Path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)


def _embedding_layer(peft_model):
    return peft_model.get_base_model().model.embed_tokens


def test_base_weights_unchanged_lora_changed(trained, tiny_base: Path) -> None:
    _, result = trained
    fresh = dict(_fresh_base(tiny_base).named_parameters())
    lora_b = []
    for name, p in result.model.named_parameters():
        if "lora_B" in name:
            lora_b.append(p)
        elif "base_layer" in name and "embed_tokens" not in name:
            key = name.replace("base_model.model.", "").replace(".base_layer", "")
            assert torch.equal(p, fresh[key]), name
    assert len(lora_b) == 2 * 7  # 2 layers x q,k,v,o,gate,up,down
    assert all(p.abs().max() > 0 for p in lora_b)  # LoRA B starts at zero


def test_only_new_embedding_rows_trained(trained, tiny_base: Path) -> None:
    _, result = trained
    n_base = _fresh_base(tiny_base).get_input_embeddings().weight.shape[0]
    emb = _embedding_layer(result.model)
    new_ids = result.summary["added_tokens"]
    assert len(result.tokenizer) == n_base + new_ids == n_base + 514  # codes + 2 sentinels
    layer = emb.token_adapter
    merged = layer.get_merged_weights(layer.active_adapters)  # (V, hidden) what the model uses
    fresh = _fresh_base(tiny_base).get_input_embeddings().weight
    assert torch.equal(merged[:n_base], fresh)  # old rows untouched
    initial = layer.base_layer.weight[n_base:]  # the resized rows before training
    assert merged.shape[0] == n_base + 514
    assert not torch.allclose(merged[n_base:], initial)  # new rows learned
    codec_ids = result.tokenizer.convert_tokens_to_ids(MotionTokenCodec(512).tokens)
    assert codec_ids == list(range(n_base, n_base + 514))


def test_summary_and_artifact_files(trained) -> None:
    out, _ = trained
    s = json.loads((out / "training_summary.json").read_text())
    assert s["steps"] == 4 and s["resumed_from"] == 0 and s["train_rows"] == 8
    assert s["tokens"] > 0 and s["tokens_per_s"] > 0
    assert s["quantize"] == "none" and s["device"] == "cpu"
    info = read_artifact_info(out / "model")
    assert info["task_registry_version"] == "1.0"
    assert info["vocabulary"]["codebook_size"] == 512
    assert sorted(p.name for p in (out / "checkpoints").glob("step_*.pt")) == [
        "step_0000002.pt",
        "step_0000004.pt",
    ]
    assert "<start_of_turn>model" in (out / "model" / "chat_template.jinja").read_text()


def test_adapter_holds_no_full_embedding(trained) -> None:
    from safetensors import safe_open

    out, result = trained
    vocab = len(result.tokenizer)
    path = out / "model" / ADAPTER_DIR / "adapter_model.safetensors"
    with safe_open(str(path), "pt") as f:
        shapes = {k: f.get_slice(k).get_shape() for k in f.keys()}  # noqa: SIM118
    assert not any(s[0] == vocab for s in shapes.values()), shapes
    rows = [s for k, s in shapes.items() if "trainable_tokens" in k]
    assert rows == [[514, 32]]


def test_reload_gives_identical_logits(trained) -> None:
    out, result = trained
    loaded = load_model_artifact(out / "model")
    text = MotionTokenCodec(512).encode([5, 17, 300, 511]) + " What activity is this?"
    msgs = [{"role": "user", "content": text}]
    ids = result.tokenizer.apply_chat_template(
        msgs, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )["input_ids"]
    ids2 = loaded.tokenizer.apply_chat_template(
        msgs, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )["input_ids"]
    assert torch.equal(ids, ids2)
    with torch.no_grad():
        a = result.model(input_ids=ids).logits
        b = loaded.model(input_ids=ids).logits
    assert torch.allclose(a, b, atol=1e-6, rtol=0)


def test_resume_continues_from_saved_step(
    trained, dataset: Path, tiny_base: Path, tmp_path: Path
) -> None:
    out, result = trained
    (tmp_path / "checkpoints").mkdir()
    shutil.copy(out / "checkpoints" / "step_0000002.pt", tmp_path / "checkpoints")
    resumed = fit_sft(dataset, tmp_path, _cfg(), base=tiny_base, resume=True, progress=False)
    assert resumed.summary["resumed_from"] == 2 and resumed.summary["steps"] == 4
    full = {n: p for n, p in result.model.named_parameters() if p.requires_grad}
    for n, p in resumed.model.named_parameters():
        if p.requires_grad:
            assert torch.allclose(p, full[n], atol=1e-6), n


def test_resume_with_other_settings_is_refused(
    trained, dataset: Path, tiny_base: Path, tmp_path: Path
) -> None:
    out, _ = trained
    shutil.copytree(out / "checkpoints", tmp_path / "checkpoints")
    with pytest.raises(ModelLoadError, match="lora_rank"):
        train_sft(dataset, tmp_path, _cfg(lora_rank=8), base=tiny_base, resume=True, progress=False)


def test_base_sha256_mismatch_is_actionable(trained) -> None:
    out, _ = trained
    path = out / "model" / ARTIFACT_FILE
    original = path.read_text()
    info = json.loads(original)
    info["base_model"]["sha256"] = "0" * 64
    path.write_text(json.dumps(info))
    try:
        with pytest.raises(ModelLoadError, match=r"does not match.*retrain the adapter"):
            load_model_artifact(out / "model")
    finally:
        path.write_text(original)


def test_quantization_config_cuda_path_config_only() -> None:
    assert quantization_config(SFTConfig(quantize="auto", device="cpu")) is None
    assert quantization_config(SFTConfig(quantize="none"), device="cuda") is None
    q = quantization_config(SFTConfig(quantize="auto"), device="cuda")
    assert q.load_in_4bit and q.bnb_4bit_quant_type == "nf4"
    assert q.bnb_4bit_use_double_quant and q.bnb_4bit_compute_dtype == torch.bfloat16
    q_cpu = quantization_config(SFTConfig(quantize="nf4", device="cpu"))
    assert q_cpu.load_in_4bit and q_cpu.bnb_4bit_compute_dtype == torch.float32


def test_config_defaults_follow_the_paper_and_flags_are_named() -> None:
    c = SFTConfig()
    assert (c.lora_rank, c.lora_alpha, c.lora_dropout) == (32, 32, 0.1)
    assert (c.learning_rate, c.epochs, c.max_length) == (2e-4, 1.2, 1024)
    assert c.loss_on_prompt and c.quantize == "auto"
    assert set(c.target_modules) == {
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
    }
    with pytest.raises(ValueError, match="'--lora-rank'"):
        SFTConfig(lora_rank=0)
    with pytest.raises(ValueError, match=r"'--quantize'\. Allowed values are 'auto', 'nf4'"):
        SFTConfig(quantize="int8")
    with pytest.raises(ValueError, match="'--lora-dropout'"):
        SFTConfig(lora_dropout=1.0)
    with pytest.raises(ValueError, match="'--device'"):
        SFTConfig(device="tpu")


def test_malformed_rows_name_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "1", "prompt": "x"}\n')
    with pytest.raises(SFTDataError, match=r"a\.jsonl' \(line 1\): missing"):
        read_rows(tmp_path)
    with pytest.raises(SFTDataError, match="No fine-tuning data"):
        read_rows(tmp_path / "empty_dir_that_has_no_rows")


def _cli(dataset: Path, tiny_base: Path, *extra: str):
    """The sft command's parser and the flags every CLI test passes."""
    import argparse

    from training.sft import cli

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    common = ["--data", str(dataset), "--base", str(tiny_base), "--device", "cpu"]
    return parser, [*common, "--max-length", "64", "--batch-size", "2", "--no-progress", *extra]


def test_cli_trains_and_names_bad_flags(dataset: Path, tiny_base: Path, tmp_path: Path) -> None:

    from lmm_desktop.core.errors import InvalidValueError
    from training.sft import cli

    parser, common = _cli(dataset, tiny_base)
    args = parser.parse_args(
        [
            *common,
            "--out",
            str(tmp_path),
            "--max-steps",
            "1",
            "--lora-rank",
            "4",
            "--no-loss-on-prompt",
        ]
    )
    assert cli.run(args) == 0
    summary = json.loads((tmp_path / "training_summary.json").read_text())
    assert summary["steps"] == 1 and summary["config"]["loss_on_prompt"] is False
    assert summary["config"]["lora_rank"] == 4
    bad = parser.parse_args([*common, "--out", str(tmp_path / "x"), "--lora-rank", "0"])
    with pytest.raises(InvalidValueError, match="'--lora-rank'"):
        cli.run(bad)


def test_qlora_nf4_on_cpu_trains_and_reloads(dataset: Path, tmp_path: Path) -> None:
    pytest.importorskip("bitsandbytes")
    # bitsandbytes' 4-bit CPU kernels need layer widths that are multiples of 64
    base = build_tiny_base(tmp_path / "base", hidden_size=128, head_dim=64, num_kv_heads=2)
    cfg = _cfg(quantize="nf4", max_steps=2, save_every=2)
    result = fit_sft(dataset, tmp_path / "out", cfg, base=base, progress=False)
    assert result.summary["quantize"] == "nf4"
    assert (
        "Linear4bit"
        in type(result.model.get_base_model().model.layers[0].mlp.up_proj.base_layer).__name__
    )
    loaded = load_model_artifact(tmp_path / "out" / "model", quantize="nf4")
    ids = torch.tensor([[2, 5, 9, 300, 400]])
    with torch.no_grad():
        a, b = result.model(input_ids=ids).logits, loaded.model(input_ids=ids).logits
    assert torch.allclose(a, b, atol=1e-6, rtol=0)


def test_codebook_init_keeps_code_geometry_and_vocabulary_scale(tiny_base: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from lmm_desktop.assistant.artifact import extend_vocabulary, init_motion_embeddings

    tok = AutoTokenizer.from_pretrained(tiny_base, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(tiny_base, local_files_only=True)
    n_base = model.get_input_embeddings().weight.shape[0]
    extend_vocabulary(tok, model, MotionTokenCodec(512).tokens, codebook_size=512)
    book = np.random.default_rng(0).normal(size=(512, 8)) * 3.0 + 5.0  # (K, D), off-centre
    assert init_motion_embeddings(model, tok, book) == 512
    emb = model.get_input_embeddings().weight.detach().double().numpy()
    ids = tok.convert_tokens_to_ids(MotionTokenCodec(512).tokens[:512])
    rows = emb[ids]  # (K, H)
    # Distances between codes are kept up to one scale factor (orthonormal projection).
    d_book = np.linalg.norm(book[:, None] - book[None], axis=-1)[np.triu_indices(512, 1)]
    d_rows = np.linalg.norm(rows[:, None] - rows[None], axis=-1)[np.triu_indices(512, 1)]
    ratio = d_rows / d_book
    assert ratio.std() / ratio.mean() < 1e-5  # float32 rows
    # Row norms sit at the base vocabulary's typical norm; the old rows are untouched.
    base_norm = np.median(np.linalg.norm(emb[:n_base], axis=1))
    assert np.median(np.linalg.norm(rows, axis=1)) == pytest.approx(base_norm, rel=1e-3)
    fresh = _fresh_base(tiny_base).get_input_embeddings().weight.detach().double().numpy()
    assert np.array_equal(emb[:n_base], fresh)


def _tiny_tokenizer_artifact(folder: Path) -> Path:
    from lmm_desktop.core.canonical import N_JOINTS
    from lmm_desktop.motion.config import TokenizerConfig
    from lmm_desktop.motion.normalization import NormStats
    from lmm_desktop.motion.tokenizer import MotionTokenizer
    from lmm_desktop.motion.vqvae import MotionVQVAE

    cfg = TokenizerConfig(codebook_size=512, code_dim=8, width=16, depth=1, down_t=2)
    torch.manual_seed(0)
    vq = MotionVQVAE(cfg)
    vq.train()
    vq(torch.randn(16, 64, N_JOINTS))  # initialise the codebook from encoder outputs
    vq.eval()
    stats = NormStats(np.zeros(N_JOINTS), np.full(N_JOINTS, 15.0))
    MotionTokenizer(cfg, stats, vq).save(folder)
    return folder


def test_sft_starts_motion_rows_from_the_datasets_tokenizer(
    tiny_base: Path, tmp_path: Path
) -> None:
    data = _write_dataset(tmp_path / "data")
    tok_dir = _tiny_tokenizer_artifact(tmp_path / "tok")
    (data / "dataset.json").write_text(json.dumps({"tokenizer_artifact": str(tok_dir)}))
    result = fit_sft(data, tmp_path / "run", _cfg(max_steps=1), base=tiny_base, progress=False)
    assert result.summary["motion_embedding_init"] == "codebook"
    layer = _embedding_layer(result.model).token_adapter
    n_base = _fresh_base(tiny_base).get_input_embeddings().weight.shape[0]
    start = layer.base_layer.weight[n_base : n_base + 512].detach().double().numpy()
    from safetensors.numpy import load_file

    book = load_file(str(tok_dir / "weights.safetensors"))["quantizer.codebook"].astype(float)
    near_book = np.linalg.norm(book[:, None] - book[None], axis=-1).argsort(1)[:, 1]
    near_rows = np.linalg.norm(start[:, None] - start[None], axis=-1).argsort(1)[:, 1]
    assert (near_book == near_rows).mean() > 0.95  # the same nearest code for (nearly) every code
    # Without a tokenizer artifact 'auto' falls back to the initialiser and says so; asking
    # for 'codebook' explicitly is refused with what to do.
    bare = _write_dataset(tmp_path / "bare")
    res2 = fit_sft(bare, tmp_path / "run2", _cfg(max_steps=1), base=tiny_base, progress=False)
    assert res2.summary["motion_embedding_init"] == "random"
    with pytest.raises(ModelLoadError, match="--tokenizer-artifact"):
        fit_sft(
            bare,
            tmp_path / "run3",
            _cfg(max_steps=1, motion_embedding_init="codebook"),
            base=tiny_base,
            progress=False,
        )


def test_mixed_precision_choice_is_resolved_per_device() -> None:
    from lmm_desktop.assistant.base_model import fast_cpu_bf16
    from training.sft.config import resolve_mixed_precision

    assert resolve_mixed_precision(SFTConfig(mixed_precision="none"), "cuda") is False
    assert resolve_mixed_precision(SFTConfig(mixed_precision="bf16"), "cpu") is True
    assert resolve_mixed_precision(SFTConfig(), "cuda:0") is True
    assert resolve_mixed_precision(SFTConfig(), "cpu") is fast_cpu_bf16()
    with pytest.raises(ValueError, match="--mixed-precision"):
        SFTConfig(mixed_precision="fp8")


def test_bf16_autocast_training_on_cpu_trains_and_reloads(
    dataset: Path, tiny_base: Path, tmp_path: Path
) -> None:
    result = fit_sft(
        dataset, tmp_path, _cfg(mixed_precision="bf16"), base=tiny_base, progress=False
    )
    assert result.summary["mixed_precision"] == "bf16 autocast"
    assert np.isfinite(result.summary["final_loss"])
    loaded = load_model_artifact(tmp_path / "model", device="cpu")
    assert next(loaded.model.parameters()).dtype == torch.float32  # weights stay float32


def test_length_grouped_batches_cover_every_row_once_and_pad_less() -> None:
    from training.sft.data import batch_order

    lengths = np.random.default_rng(1).integers(20, 400, size=1000).tolist()
    grouped = batch_order(1000, 8, epoch=2, seed=0, lengths=lengths)
    plain = batch_order(1000, 8, epoch=2, seed=0)
    assert sorted(i for b in grouped for i in b) == list(range(1000))
    assert grouped == batch_order(1000, 8, epoch=2, seed=0, lengths=lengths)  # resumable
    assert grouped != batch_order(1000, 8, epoch=3, seed=0, lengths=lengths)

    def padding(batches: list[list[int]]) -> int:
        return sum(
            len(b) * max(lengths[i] for i in b) - sum(lengths[i] for i in b) for b in batches
        )

    assert padding(grouped) < 0.1 * padding(plain)


def _packable_rows(n_trials: int = 6, per_trial: int = 5) -> list[dict[str, object]]:
    codec = MotionTokenCodec(512)
    rng = np.random.default_rng(5)
    rows: list[dict[str, object]] = []
    for t in range(n_trials):
        motion = codec.encode(rng.integers(0, 512, size=12))
        for k in range(per_trial):
            question = f"Question {k} about trial {t}?"
            rows.append(
                {
                    "id": f"t{t}q{k}",
                    "participant": f"p{t}",
                    "trial": f"trial{t}.mot",
                    "task": "activity",
                    "answer": ANSWERS[k % len(ANSWERS)],
                    "split": "train",
                    "prompt": f"{motion} {question}",
                    "variant": "tokens",
                    "tokens_prompt": f"{motion} {question}",
                    "grounded_prompt": f"{motion} Measured: speed 1.2 m/s. {question}",
                }
            )
    return rows


def test_conversations_pack_one_trial_with_the_motion_once() -> None:
    from training.sft.data import conversations

    rows = _packable_rows()
    convs = conversations(rows, max_turns=3, grounded_fraction=0.5, seed=0)
    assert len(convs) == 6 * 2  # 5 questions per trial -> turns of 3 + 2
    seen = sorted(i for c in convs for i in c["id"].split("+"))
    assert seen == sorted(str(r["id"]) for r in rows)  # every answer exactly once
    by_id = {r["id"]: r for r in rows}
    for c in convs:
        users = [m["content"] for m in c["messages"] if m["role"] == "user"]
        answers = [m["content"] for m in c["messages"] if m["role"] == "assistant"]
        ids = c["id"].split("+")
        assert len({by_id[i]["trial"] for i in ids}) == 1  # one trial per conversation
        assert users[0].startswith("<motion_begin>") and users[0].count("<motion_end>") == 1
        assert all("<motion_" not in u and "Measured" not in u for u in users[1:])
        assert ("Measured" in users[0]) == (c["variant"] == "grounded")
        assert answers == [by_id[i]["answer"] for i in ids]
    n_grounded = sum(c["variant"] == "grounded" for c in convs)
    assert 0 < n_grounded < len(convs)
    assert convs == conversations(rows, max_turns=3, grounded_fraction=0.5, seed=0)
    none = conversations(rows, max_turns=3, grounded_fraction=0.0, seed=0)
    assert all(c["variant"] == "tokens" for c in none)


def test_packed_conversation_masks_only_the_questions_without_prompt_loss(
    tiny_base: Path,
) -> None:
    from lmm_desktop.assistant.base_model import load_base_model
    from lmm_desktop.assistant.chat_template import ensure_chat_template
    from training.sft.data import conversations, tokenize_conversation

    tok = load_base_model(tiny_base, device="cpu").tokenizer
    ensure_chat_template(tok, override=True)
    conv = conversations(_packable_rows(1, 3), max_turns=3, grounded_fraction=0.0, seed=0)[0]
    full = tokenize_conversation(tok, conv, max_length=4096, loss_on_prompt=True)
    masked = tokenize_conversation(tok, conv, max_length=4096, loss_on_prompt=False)
    assert full.input_ids == masked.input_ids and full.labels == full.input_ids
    kept = tok.decode(
        [t for t, lab in zip(masked.input_ids, masked.labels, strict=True) if lab != -100]
    )
    for m in conv["messages"]:
        if m["role"] == "assistant":
            assert m["content"].replace(" ", "") in kept.replace(" ", "")
    assert "Question" not in kept and "motion" not in kept


def test_packed_run_continues_from_an_earlier_run(trained, tiny_base: Path, tmp_path: Path) -> None:
    out, first = trained
    data = tmp_path / "packed"
    data.mkdir()
    with open(data / "rows.jsonl", "w") as fh:
        for r in _packable_rows(4, 3):
            fh.write(json.dumps(r) + "\n")
    # a near-zero learning rate: the weights stay where the earlier run left them
    cont = fit_sft(
        data,
        tmp_path / "run",
        _cfg(
            pack_turns=3,
            grounded_fraction=0.5,
            init_from=str(out),
            max_steps=1,
            learning_rate=1e-12,
        ),
        base=tiny_base,
        progress=False,
    )
    assert cont.summary["train_rows"] == 4 and cont.summary["train_answers"] == 12
    lineage = cont.summary["init_from"]
    assert lineage["checkpoint"].endswith("step_0000004.pt") and lineage["steps"] == 4
    before = {n: p for n, p in first.model.named_parameters() if p.requires_grad}
    for n, p in cont.model.named_parameters():
        if p.requires_grad:
            assert torch.allclose(p, before[n], atol=1e-6), n
    with pytest.raises(ModelLoadError, match="other settings"):
        fit_sft(
            data,
            tmp_path / "bad",
            _cfg(pack_turns=3, init_from=str(out), lora_rank=8),
            base=tiny_base,
            progress=False,
        )
    with pytest.raises(ModelLoadError, match="no such checkpoint"):
        fit_sft(
            data,
            tmp_path / "none",
            _cfg(init_from=str(tmp_path / "missing")),
            base=tiny_base,
            progress=False,
        )


def test_a_run_continues_from_a_saved_model_folder(
    trained, tiny_base: Path, dataset: Path, tmp_path: Path
) -> None:
    """A lab continues the shipped model (a model folder, no checkpoints) on its own trials."""
    import shutil

    out, first = trained

    def fit(name: str, start: Path, **kw: object):
        # a near-zero learning rate: the weights stay where the saved model left them
        kw = {"max_steps": 1, "learning_rate": 1e-12, **kw}
        cfg = _cfg(init_from=str(start), **kw)
        return fit_sft(dataset, tmp_path / name, cfg, base=tiny_base, progress=False)

    model_dir = tmp_path / "default"
    shutil.copytree(out / "model", model_dir)  # as shipped: adapter/, artifact.json, ...
    shutil.copy(out / "training_summary.json", model_dir / "training_summary.json")
    cont = fit("run", model_dir)
    lineage = cont.summary["init_from"]
    assert lineage["checkpoint"] == str(model_dir) and lineage["steps"] == 4
    before = {n: p for n, p in first.model.named_parameters() if p.requires_grad}
    loaded = {n: p for n, p in cont.model.named_parameters() if p.requires_grad}
    assert set(loaded) == set(before)
    for n, p in loaded.items():
        assert torch.allclose(p, before[n], atol=1e-6), n
    # a run's output folder without checkpoints falls back to its model/ folder
    (run_only := tmp_path / "run_only").mkdir()
    shutil.copytree(out / "model", run_only / "model")
    assert fit("run2", run_only).summary["init_from"]["checkpoint"] == str(run_only / "model")
    with pytest.raises(ModelLoadError, match="other settings"):
        fit("bad", model_dir, lora_rank=8)
    from safetensors.torch import load_file, save_file

    adapter = model_dir / "adapter" / "adapter_model.safetensors"
    weights = load_file(str(adapter))
    save_file({k: v for k, v in weights.items() if "lora_A" not in k}, str(adapter))
    with pytest.raises(ModelLoadError, match=r"weights missing, e\.g\. .*lora_A"):
        fit("partial", model_dir)
    adapter.write_bytes(b"\x00" * 12)
    with pytest.raises(ModelLoadError, match="Cannot read the adapter"):
        fit("trunc", model_dir)


def test_conversations_ask_the_description_last() -> None:
    from training.sft.data import conversations

    rows = _packable_rows(8, 5)
    for r in rows[::5]:
        r["task"], r["answer"] = "describe", "Walking; speed 1.21 m/s, cadence 108 steps/min."
    for seed in range(3):
        for c in conversations(rows, max_turns=8, grounded_fraction=0.0, seed=seed):
            tasks = [next(r["task"] for r in rows if r["id"] == i) for i in c["id"].split("+")]
            assert tasks[-1] == "describe" and tasks.count("describe") == 1


def test_time_budget_cuts_the_run_and_the_decay_ends_there(
    dataset: Path, tiny_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A budget far below the planned steps stops early, saves the artifact and a checkpoint
    at the cut step, and records both step counts."""
    import types

    from training.sft import train as train_module

    # The loop's clock advances 12.5 ms per reading, so every step "takes" 12.5 ms whatever
    # the machine's load: a 2 s budget cuts the run at 160 steps, well after the 12 warm-up
    # steps (a cut at the last warm-up step would leave its lr at the peak).
    ticks = iter(range(10**7))
    clock = types.SimpleNamespace(perf_counter=lambda: next(ticks) * 0.0125)
    monkeypatch.setattr(train_module, "time", clock)
    cfg = _cfg(max_steps=400, save_every=400, max_train_seconds=2.0)
    summary = train_sft(dataset, tmp_path, cfg, base=tiny_base, progress=False)
    assert summary["planned_steps"] == 400
    assert summary["steps"] == summary["total_steps"] == 160
    assert summary["time_budget_s"] == 2.0
    assert (tmp_path / "model" / ARTIFACT_FILE).is_file()
    assert summary["history"][-1]["lr"] < cfg.learning_rate  # the decay was shortened too
    assert sorted((tmp_path / "checkpoints").glob("step_*.pt"))[-1].name == (
        f"step_{summary['steps']:07d}.pt"
    )


def test_time_budget_follows_the_recent_rate_within_the_plan() -> None:
    """Slow first steps (a GPU's warm-up) must not cut the run short: the projection uses the
    recent steps, may grow back, and never passes the planned steps."""
    from training.sft.train import _TrainLoop

    loop = _TrainLoop.__new__(_TrainLoop)
    loop.planned_steps = loop.total_steps = 1000
    loop._marks, loop.first_step_seconds = [], 5.0

    def at(step: int, seconds: float, budget: float) -> int:
        loop.step, loop.seconds = step, seconds
        loop.fit_time_budget(budget)
        return int(loop.total_steps)

    # steps 2-20 take 2 s each (warm-up), later ones 0.1 s; budget 100 s
    assert at(20, 5.0 + 19 * 2.0, 100.0) == 20 + int(57.0 / 2.0)  # pessimistic at first
    assert at(40, 43.0 + 20 * 0.1, 100.0) > 40 + 400  # recovers as fast steps come in
    t = 45.0
    for step in range(60, 241, 20):
        t += 20 * 0.1
        last = at(step, t, 100.0)
    assert last == 240 + int((100.0 - t) / 0.1)  # the last 100+ steps alone set the rate
    assert at(260, t + 2.0, 10_000.0) == 1000  # a generous budget: the plan, no more
    assert at(261, 100.5, 100.0) == 261  # over budget: stop now


def test_negative_time_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="max-train-seconds"):
        _cfg(max_train_seconds=-1)


def test_tasks_subset_trains_only_those_rows_and_names_bad_ones(
    dataset: Path, tiny_base: Path, tmp_path: Path
) -> None:
    """`--tasks` (the multi-task transfer comparison): only the named tasks' rows are trained,
    the choice is recorded; an unknown task or one without rows is refused with the fix."""

    from lmm_desktop.core.errors import InvalidValueError, LmmError
    from training.sft import cli

    parser, common = _cli(dataset, tiny_base, "--lora-rank", "4")
    args = parser.parse_args(
        [*common, "--out", str(tmp_path / "a"), "--max-steps", "1", "--tasks", "activity"]
    )
    assert cli.run(args) == 0
    summary = json.loads((tmp_path / "a" / "training_summary.json").read_text())
    assert summary["config"]["tasks"] == ["activity"]
    assert summary["train_rows"] == len(read_rows(dataset, "train"))  # all are activity rows
    bad_task = r"Invalid value for '--tasks'.*but got 'gait_speed'"
    with pytest.raises(InvalidValueError, match=bad_task):
        cli.run(
            parser.parse_args(
                [*common, "--out", str(tmp_path / "b"), "--tasks", "activity", "gait_speed"]
            )
        )
    with pytest.raises(LmmError, match="no training rows of the task"):
        train_sft(
            dataset, tmp_path / "c", _cfg(tasks=("impaired",)), base=tiny_base, progress=False
        )


def test_oversample_repeats_a_tasks_rows_and_names_bad_entries(
    dataset: Path, tiny_base: Path, tmp_path: Path
) -> None:
    """`--oversample TASK=N`: the task's rows count N times in the epoch; a malformed entry, an
    unknown task, a task without rows and packed conversations are refused with the fix."""
    from lmm_desktop.core.errors import InvalidValueError, LmmError
    from training.sft import cli

    parser, common = _cli(dataset, tiny_base, "--lora-rank", "4")
    out = tmp_path / "a"
    args = parser.parse_args(
        [*common, "--out", str(out), "--max-steps", "1", "--oversample", "activity=3"]
    )
    assert cli.run(args) == 0
    summary = json.loads((out / "training_summary.json").read_text())
    assert summary["config"]["oversample"] == ["activity=3"]
    assert summary["train_rows"] == 3 * len(read_rows(dataset, "train"))  # all are activity rows
    for bad, why in (
        ("activity=0", "Give TASK=N with N from 1 to 20"),
        ("activity", "Give TASK=N"),
        ("activity=x", "Give TASK=N"),
        ("gait_speed=2", "but got 'gait_speed'"),
    ):
        with pytest.raises(InvalidValueError, match=why):
            cli.run(parser.parse_args([*common, "--out", str(tmp_path / "b"), "--oversample", bad]))
    with pytest.raises(ValueError, match="cannot be combined with '--pack-turns' 3"):
        _cfg(oversample=("activity=2",), pack_turns=3)
    with pytest.raises(LmmError, match="no training rows of the oversampled task"):
        train_sft(
            dataset, tmp_path / "c", _cfg(oversample=("impaired=2",)), base=tiny_base,
            progress=False,
        )
