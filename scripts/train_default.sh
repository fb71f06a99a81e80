#!/usr/bin/env bash
# Reproduce the embedded default model (src/voc_pipeline/resources/model) from ../shared/data.
# CPU only; 2 threads; see docs/model.md for the recipe and the time it takes.
#   scripts/train_default.sh [OUT_DIR] [extra train options...]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${VOC_SHARED_DATA:-../shared/data}"
OUT="${1:-checkpoints/default}"
shift || true
PY="${PYTHON:-.venv/bin/python}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"

"$PY" -m voc_pipeline train \
  --data "$DATA/nsmc/nsmc_dev.parquet" --data "$DATA/kote/kote.parquet" \
  --out "$OUT" --config small --seed 13 --epochs 1.0 --max-steps 1100 --batch-size 128 \
  --synthetic 30000 --max-per-class 80000 --threads 2 --no-extend-endings \
  --domain src/voc_pipeline/resources/domains/commerce.yaml \
  --cache-dir checkpoints/kiwi --model-id voc-small-v0 "$@"
# (~10 min of training + ~2 min Kiwi/weak labels on 2 idle cores; 2-3x longer on a shared machine)

# every figure of the model card (held-out NSMC vs TF-IDF, KOTE, danawa, data/eval, spans, speed)
"$PY" benchmarks/model_eval.py --model "$OUT"

# ship: the HF directory without checkpoints/cache
# rsync -a --delete --exclude checkpoints --exclude cache "$OUT"/ src/voc_pipeline/resources/model/
