"""A tiny random Gemma 3 base model with a locally trained BPE tokenizer (tests and CI).

Nothing is downloaded: the tokenizer is trained with ``tokenizers`` on a handful of strings and
the model is a 2-layer Gemma3 text config with random weights. The folder it writes is a normal
Hugging Face model folder, so the whole SFT and artifact path runs on it exactly as on a real base.
"""

from __future__ import annotations

from pathlib import Path

_SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"]
_CORPUS = [
    "What activity is the person doing? The person is walking.",
    "Is this movement impaired? Yes, the movement looks impaired.",
    "Which assistive device does the person use? A cane.",
    "Estimate the walking speed in metres per second: 1.21 m/s.",
    "What is the cadence in steps per minute? 108 steps/min.",
    "How long did the timed up and go test take? 9.4 seconds.",
    "Diagnosis: stroke, Parkinson's disease, amputation, healthy control.",
    "Describe this motion. Answer with one label from the list.",
]


def build_tiny_tokenizer(vocab_size: int = 300) -> object:
    """A byte-level BPE ``PreTrainedTokenizerFast`` trained on a few clinical sentences."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=_SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_CORPUS * 4, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<bos>",
        eos_token="<eos>",
        unk_token="<unk>",
        pad_token="<pad>",
    )


def build_tiny_base(
    folder: Path,
    *,
    seed: int = 0,
    hidden_size: int = 32,
    num_layers: int = 2,
    head_dim: int = 16,
    num_kv_heads: int = 1,
) -> Path:
    """Write a tiny random Gemma 3 model + tokenizer to ``folder`` (no chat template) and return it.

    The embeddings are tied to the output layer, as in every Gemma 3. bitsandbytes' 4-bit CPU
    kernels need layer widths that are multiples of 64 (e.g. ``hidden_size=128, head_dim=64``).
    """
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    tokenizer = build_tiny_tokenizer()
    config = Gemma3TextConfig(
        vocab_size=len(tokenizer),  # type: ignore[arg-type]
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=2,
        num_key_value_heads=num_kv_heads,
        head_dim=head_dim,
        query_pre_attn_scalar=head_dim,
        max_position_embeddings=512,
        sliding_window=64,
        layer_types=["full_attention" if i % 2 else "sliding_attention" for i in range(num_layers)],
        pad_token_id=tokenizer.pad_token_id,  # type: ignore[attr-defined]
        bos_token_id=tokenizer.bos_token_id,  # type: ignore[attr-defined]
        eos_token_id=tokenizer.eos_token_id,  # type: ignore[attr-defined]
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = Gemma3ForCausalLM(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)  # type: ignore[attr-defined]
    return folder


def build_tiny_engine_parts(folder: Path, *, codebook_size: int = 16) -> tuple[object, object]:
    """A tiny base with the motion tokens added and a tiny (randomly initialised) motion
    tokenizer: ``(EngineModel, MotionTokenizer)`` for engine and chat tests, built offline."""
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from lmm_desktop.assistant.chat_template import ensure_chat_template
    from lmm_desktop.assistant.engine import EngineModel
    from lmm_desktop.core.canonical import N_JOINTS
    from lmm_desktop.motion.codec import MotionTokenCodec
    from lmm_desktop.motion.config import TokenizerConfig
    from lmm_desktop.motion.normalization import NormStats
    from lmm_desktop.motion.tokenizer import MotionTokenizer
    from lmm_desktop.motion.vqvae import MotionVQVAE

    base = build_tiny_base(folder)
    tok = AutoTokenizer.from_pretrained(base, local_files_only=True)
    ensure_chat_template(tok)
    tok.add_tokens(MotionTokenCodec(codebook_size).tokens)
    model = AutoModelForCausalLM.from_pretrained(base, local_files_only=True)
    model.resize_token_embeddings(len(tok), mean_resizing=False)
    model.eval()
    cfg = TokenizerConfig(codebook_size=codebook_size, code_dim=8, width=16, depth=1, down_t=2)
    torch.manual_seed(0)
    vq = MotionVQVAE(cfg)
    vq.train()
    vq(torch.randn(2, 32, N_JOINTS))  # initialise the codebook from encoder outputs
    stats = NormStats(np.zeros(N_JOINTS), np.full(N_JOINTS, 15.0))
    return EngineModel(model=model, tokenizer=tok, version="tiny-test"), MotionTokenizer(
        cfg, stats, vq
    )
