#!/usr/bin/env bash
# After leased_gpu_sft.sh, on the same machine: evaluate the new model on the GPU (tokens-only
# and grounded prompts; the XGBoost baselines run later on a CPU, where xgboost is installed)
# and benchmark the assistant there:
#   leased_gpu_eval.sh RUN_DIR [ROWS_PER_TASK]
# Needs bitsandbytes on PYTHONPATH for the app's 4-bit NF4 GPU loading (it falls back to the CPU
# without it). Writes RUN_DIR/eval/{evaluation.json,evaluation.md} and RUN_DIR/bench_assistant.json.
set -euo pipefail
run=$(cd "$1" && pwd); rows=${2:-100}
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$(pwd)" PYTHONUNBUFFERED=1
export LMM_DESKTOP_HOME=${LMM_DESKTOP_HOME:-/tmp/lmm-home}
mkdir -p "$run/evalds" "$run/eval"
for f in val.jsonl manifest.json measured.json; do
  [ -f "$run/$f" ] && cp "$run/$f" "$run/evalds/"
done
python3 -m training.cli eval --model "$run/model" --dataset "$run/evalds" --out "$run/eval" \
  --max-rows-per-task "$rows" --seeds 3 --no-baselines --device auto 2>&1 | tail -40
python3 benchmarks/bench_assistant.py --model "$run/model" --device auto \
  --trial resources/demo/S0003_walking_01.mot > "$run/bench_assistant.json"
cat "$run/bench_assistant.json"
