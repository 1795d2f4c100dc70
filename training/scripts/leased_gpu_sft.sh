#!/usr/bin/env bash
# Train the default model on a leased GPU machine that has PyTorch+CUDA but no network and no
# LMM Desktop install: the base GGUF, the dataset and any missing wheels are copied there first.
#   leased_gpu_sft.sh GGUF DATASET_DIR OUT_DIR MAX_TRAIN_SECONDS [extra lmm-train sft flags]
# Runs from the repository root; writes OUT_DIR/{model,training_summary.json,sft.log}.
set -uo pipefail
gguf=$1; data=$2; out=$3; budget=$4; shift 4
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$(pwd)" PYTHONUNBUFFERED=1
export LMM_DESKTOP_HOME=${LMM_DESKTOP_HOME:-/tmp/lmm-home}
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
python3 -c "import torch, transformers, peft; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__)" | tee -a "$out/gpu.txt"
python3 -m training.cli sft --data "$data" --out "$out" --base "$gguf" \
  --config training/configs/sft_gpu_default.yaml --tokenizer-artifact resources/models/tokenizer \
  --max-train-seconds "$budget" "$@" 2>&1 | tee "$out/sft.log"
