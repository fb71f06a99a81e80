#!/usr/bin/env bash
# Masked-LM pretraining of the project's own encoder (issue #4), the GPU path.
#   scripts/pretrain_default.sh            # step 1 here (Kiwi), then prints steps 2 and 3
# The all-CPU recipe of the shipped voc-fast-v2 is scripts/train_default.sh (pretraining 68 min on 2 cores).
# Only the train split of NSMC/KOTE is read (train's movie/comment hash split, salt voc-v0): the held-out
# test movies and comments, data/eval and danawa are never pretrained on. Petitions are left out: their
# licence is not confirmed (../shared/data/README.md allows them for robustness and throughput only).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${VOC_SHARED_DATA:-../shared/data}"
PY="${PYTHON:-.venv/bin/python}"

# step 1 (here, where Kiwi is): the train/calib rows' Kiwi morphemes, no text (24 s, 33.7 MB)
"$PY" -m voc_pipeline pretrain \
  --data "$DATA/nsmc/nsmc_dev.parquet" --data "$DATA/kote/kote.parquet" \
  --out checkpoints/mlm-export --cache-dir checkpoints/kiwi --export-morphs .devcarry/pretrain_morphs.parquet

cat <<'NEXT'
step 2 (on a GPU machine with torch + transformers; Kiwi not needed), the tenth session's arm F:
  PYTHONPATH=src python3 scripts/gpu_pretrain_arms.py --morphs .devcarry/pretrain_morphs.parquet \
    --out OUT --arm F:fast:19000 --workers 0 --threads 2       # ~8 min on an H100 (docs/model.md §5)
  (a GPU machine that has Kiwi can run `voc-pipeline pretrain --data <the text files> --config fast
   --batch-size 256 --max-steps 19000 --device auto --out DIR` instead: the same batches)
step 3 (here): tar xf OUT/F.tar -C checkpoints/exp/gpu/, then the rest of the CPU recipe from it:
  MLM_DIR=checkpoints/exp/gpu/F scripts/train_default.sh checkpoints/exp/gpu-default
  (its step 1 sees a finished pretrained directory without checkpoints/ and skips; steps 2, 2b and 3 take
  ~40 min on 2 cores). Score it with scripts/compare_ship.py against the shipped model before shipping.
NEXT
