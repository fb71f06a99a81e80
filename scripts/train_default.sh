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
MLM="${MLM_DIR:-checkpoints/mlm-fast}"

# step 1: masked-LM pretraining of the encoder on the train split of NSMC + KOTE (18,000 steps, ~4 epochs;
# 68 min on 2 cores). It resumes from $MLM/checkpoints, so a finished MLM_DIR is reused at once. A pretrained
# directory without checkpoints/ (the GPU recipe's tar, scripts/pretrain_default.sh) is used as it is:
#   MLM_DIR=checkpoints/exp/gpu/F scripts/train_default.sh OUT
if [[ -f "$MLM/pretrain_report.json" && ! -d "$MLM/checkpoints" ]]; then
  echo "step 1 skipped: $MLM is a finished pretrained directory"
else
  "$PY" -m voc_pipeline pretrain --data "$DATA/nsmc/nsmc_dev.parquet" --data "$DATA/kote/kote.parquet" \
    --out "$MLM" --config fast --max-steps 18000 --batch-size 128 --threads 2 --device cpu \
    --cache-dir checkpoints/kiwi --seed 13 --model-id voc-mlm-s8
fi

# step 2: the fine-tune from it (three epochs, synthetic version 2, static int8 graph) = voc-fast-v2's network.
# Its n-gram heads are skipped: step 2b refits every head on its own network.
BASE="${BASE_DIR:-checkpoints/default-base}"
"$PY" -m voc_pipeline train \
  --data "$DATA/nsmc/nsmc_dev.parquet" --data "$DATA/kote/kote.parquet" \
  --out "$BASE" --config fast --seed 13 --epochs 3.0 --max-steps 9200 --batch-size 128 \
  --synthetic 40000 --synthetic-version 2 --max-per-class 150000 --threads 2 --no-extend-endings \
  --domain src/voc_pipeline/resources/domains/commerce.yaml \
  --cache-dir checkpoints/kiwi --model-id voc-fast-v2 --init "$MLM" --no-ngram-head
# voc-fast-v2 (2026-11-24, eighth session): pretraining 67.7 min + this step 25.3 min (9,195 steps, with its
# n-gram heads, ~2.5 min of that) on 2 cores.

# step 2b (thirteenth session, docs/model.md "Hand-written commerce text in the transformer's fine-tune" and
# "Customer words beside agent process words (T2)"; fourteenth session, "Real-shop-style text and agent notes
# (T4)", "Sarcasm, questions, resolutions, tips and weighing (T5)", "Twice the steps (T6)"): 4,000 more steps
# from step 2's weights with the four hand-written commerce sets of data/train (each x10) in the mix, peak lr 2e-4; then the n-gram heads (ngram_head.npz, ~2.5 min) with variant (c'): a commerce head on the
# synthetic rows + data/dev/commerce_dev.jsonl (each row x10, its fusion logits cross-fitted), the general
# fusion on calib + those dev rows at share 0.25 (docs/model.md §5, 2026-11-23).
"$PY" -m voc_pipeline train \
  --data "$DATA/nsmc/nsmc_dev.parquet" --data "$DATA/kote/kote.parquet" \
  --data data/train/commerce_written.jsonl --oversample commerce_written=10 \
  --data data/train/commerce_tickets.jsonl --oversample commerce_tickets=10 \
  --data data/train/commerce_written2.jsonl --oversample commerce_written2=10 \
  --data data/train/commerce_written3.jsonl --oversample commerce_written3=10 \
  --out "$OUT" --init "$BASE" --config fast --seed 13 --epochs 3.0 --max-steps 4000 --batch-size 128 --lr 2e-4 \
  --synthetic 40000 --synthetic-version 2 --max-per-class 150000 --threads 2 --no-extend-endings \
  --domain src/voc_pipeline/resources/domains/commerce.yaml \
  --cache-dir checkpoints/kiwi --model-id voc-fast-v2.7 \
  --commerce-head --fusion-dev data/dev/commerce_dev.jsonl --fusion-dev-share 0.25 --commerce-dev-weight 10 "$@"
# voc-fast-v2.7 was trained as this step from a copy of the voc-fast-v2.1 directory (step 2's network with its
# heads; the heads do not enter training): 4,000 steps in 922 s, 18.6 min wall with the heads, on 2 idle cores.
# The whole recipe: ~68 + ~25 + ~19 + ~3 min = ~115 min < 2 h on 2 cores. Earlier defaults from this step:
# voc-fast-v2.6 = --max-steps 2000; v2.5 = also without commerce_written3.jsonl; v2.4 = also without
# commerce_written2.jsonl; v2.3 = also only the first 297 ticket records; v2.2 = also without commerce_tickets.jsonl.
# train writes model.int8.onnx (the CPU run path) next to the weights. --no-ngram-head skips the heads.
# Earlier defaults: voc-fast-v2.1 = step 2 with the heads (+ step 3), no step 2b; voc-fast-v1 = no
# pretraining, --max-steps 5000, synthetic version 1, --model-id voc-fast-v1 (~25 min on 2 idle cores);
# voc-small-v0 = --config small --epochs 1.0 --max-steps 1100 --synthetic 30000 --max-per-class 80000 (~10 min).

# step 3: the voc fusion `run` uses (twelfth session, docs/model.md "A VOC fusion beside the general one"): a
# second fusion of the same heads fitted on data/dev/commerce_dev.jsonl (cross-fitted commerce logits) +
# data/dev/commerce_reviews_dev.jsonl, calib at 0.25 of the weight; prints its dev2 gate; ~3 min
"$PY" scripts/voc_fusion_experiment.py --model "$OUT" --out "$OUT" --work "$OUT/cache/voc_fusion" \
  --gate-record-pass whole

# every figure of the model card (held-out NSMC vs TF-IDF, KOTE, danawa, data/eval, spans, speed)
"$PY" benchmarks/model_eval.py --model "$OUT"

# ship: the HF directory without checkpoints/cache
# rsync -a --delete --exclude checkpoints --exclude cache "$OUT"/ src/voc_pipeline/resources/model/
# (or cp README.md config.json lexicon.yaml model.int8.onnx model.safetensors ngram_head.npz tokenizer*.json training_report.json eval_results.json)
