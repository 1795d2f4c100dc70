#!/usr/bin/env bash
# Train the default model on a leased GPU machine that has PyTorch + CUDA but no network and no
# LMM Desktop install, from a payload made by prepare_leased_payload.sh (copied there first):
#   leased_gpu_sft.sh PAYLOAD_DIR OUT_DIR MAX_TRAIN_SECONDS [extra lmm-train sft flags]
# Runs from the repository root; peft/gguf wheels, if the machine lacks them, go on PYTHONPATH
# first. Writes OUT_DIR/{model/,training_summary.json,sft.log,gpu.txt}. MAX_TRAIN_SECONDS 0: no
# budget (the config's 1.2 epochs).
set -euo pipefail
payload=$(cd "$1" && pwd); out=$2; budget=$3; shift 3
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$(pwd)" PYTHONUNBUFFERED=1
export LMM_DESKTOP_HOME=${LMM_DESKTOP_HOME:-/tmp/lmm-home}
work=$(mktemp -d /tmp/leased.XXXX)
mkdir -p "$out" "$work/ds"
# shellcheck disable=SC2046
cat $(ls "$payload"/gguf.* | sort -t. -k2 -n) > "$work/base.gguf"
(cd "$work" && sha256sum -c "$payload/SHA256SUMS")
python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" \
  "$payload/train.jsonl.xz" "$work/ds/train.jsonl"
if [ -f "$payload/val.jsonl.xz" ]; then
  python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" \
    "$payload/val.jsonl.xz" "$out/val.jsonl"  # kept beside the run for leased_gpu_eval.sh
fi
for f in manifest.json dataset.json measured.json; do
  [ -f "$payload/$f" ] && cp "$payload/$f" "$work/ds/" && cp "$payload/$f" "$out/"
done
tar -xJf "$payload/base_tokenizer.tar.xz" -C "$work"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  python3 -c "import torch, transformers, peft; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__)"
} | tee "$out/gpu.txt"
python3 -m training.cli sft --data "$work/ds" --out "$out" --base "$work/base.gguf" \
  --base-tokenizer "$work/base_tokenizer" --config training/configs/sft_gpu_default.yaml \
  --tokenizer-artifact resources/models/tokenizer --max-train-seconds "$budget" "$@" \
  2>&1 | tee "$out/sft.log"
