#!/usr/bin/env bash
# Masked-LM pretraining of the project's own encoder (issue #4), then the default fine-tune from it.
#   scripts/pretrain_default.sh [MLM_DIR] [extra pretrain options...]
# GPU (the device machine): `--device auto` picks cuda; the defaults below are the GPU recipe.
# CPU: pass e.g. `--max-steps 600 --batch-size 128` (docs/model.md §5, "MLM pretraining": 0.56 s/step measured on 2 shared cores).
# Only the train split of NSMC/KOTE is read (train's movie/comment hash split, salt voc-v0): the held-out
# test movies and comments, data/eval and danawa are never pretrained on. Petitions are left out: their
# licence is not confirmed (../shared/data/README.md allows them for robustness and throughput only).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${VOC_SHARED_DATA:-../shared/data}"
MLM="${1:-checkpoints/mlm-fast}"
shift || true
PY="${PYTHON:-.venv/bin/python}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"

# 581,833 train-split texts; batch 256 x 45,000 steps = ~20 epochs (checkpoint every 500 steps; rerun to resume)
"$PY" -m voc_pipeline pretrain \
  --data "$DATA/nsmc/nsmc_dev.parquet" --data "$DATA/kote/kote.parquet" \
  --out "$MLM" --config fast --seed 13 --max-steps 45000 --batch-size 256 --lr 1e-3 \
  --device auto --cache-dir checkpoints/kiwi --model-id voc-fast-mlm "$@"

# then the default recipe from it (same data, steps and heads; only the start differs), and every card figure:
#   scripts/train_default.sh checkpoints/default-mlm --init "$MLM" --device auto
