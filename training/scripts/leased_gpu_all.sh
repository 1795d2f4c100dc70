#!/usr/bin/env bash
# One call on a leased GPU machine: unpack a bundle (the payload of prepare_leased_payload.sh
# plus the peft/gguf/bitsandbytes wheels, tarred and split into pieces that earlier calls copied
# to PIECES_DIR), train with leased_gpu_sft.sh, pack the model into RESULT_DIR in pieces under
# the per-file limit, then benchmark the assistant on the GPU:
#   leased_gpu_all.sh PIECES_DIR RESULT_DIR MAX_TRAIN_SECONDS [extra lmm-train sft flags]
# Bundle: tar -cf - -C STAGE payload wheels | split -b 52000000 - .xfer/c.
set -euo pipefail
pieces=$1; result=$2; budget=$3; shift 3
mkdir -p "$result" /tmp/bundle /tmp/site
# shellcheck disable=SC2046
cat $(ls "$pieces"/c.* | sort) | tar -xf - -C /tmp/bundle
pip install -q --no-deps --target /tmp/site /tmp/bundle/wheels/*.whl 2>&1 | tail -2 || true
export PYTHONPATH=/tmp/site:$(pwd) LMM_DESKTOP_HOME=${LMM_DESKTOP_HOME:-/tmp/lmm-home}
t0=$(date +%s)
training/scripts/leased_gpu_sft.sh /tmp/bundle/payload /tmp/run "$budget" "$@" > /tmp/run.log 2>&1 \
  || echo "sft failed: $?" >> /tmp/run.log
echo "sft wall $(( $(date +%s) - t0 )) s" >> /tmp/run.log
tail -c 20000 /tmp/run.log > /tmp/run/sft_tail.log || true
tar -cf - -C /tmp/run model training_summary.json gpu.txt sft_tail.log 2>/dev/null \
  | split -b 16000000 - "$result/m."
tail -5 /tmp/run.log
timeout 150 python3 benchmarks/bench_assistant.py --model /tmp/run/model --device auto \
  --trial resources/demo/S0003_walking_01.mot > "$result/bench_assistant.json" 2> /tmp/bench.err \
  || tail -20 /tmp/bench.err
cat "$result/bench_assistant.json"
