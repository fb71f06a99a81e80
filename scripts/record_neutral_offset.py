"""A record-level neutral offset δ (docs/model.md §5, "A record-level neutral offset"): p′ ∝ p · exp(δ·[neu]).

    nice -n 19 .venv/bin/python scripts/record_neutral_offset.py [--model DIR]              # fit + dev2 gate
    nice -n 19 .venv/bin/python scripts/record_neutral_offset.py --model DIR --eval         # + data/eval, once

1. fit δ on data/dev/commerce_dev.jsonl + data/dev/commerce_reviews_dev.jsonl (record unit, record_pass
   mean): the grid value in [−2, 2] (step 0.05) with the highest 3-class macro-F1, ties to the smallest |δ|;
2. the gate on data/dev/commerce_reviews_dev2.jsonl: paired bootstrap of with − without δ (aggregate
   figures only: that set must stay unread);
3. ``--eval``: data/eval/commerce_reviews.jsonl, danawa 3-class and KOTE held-out 3-class, record unit.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

FIT_FILES = ("data/dev/commerce_dev.jsonl", "data/dev/commerce_reviews_dev.jsonl")
GATE_FILE = "data/dev/commerce_reviews_dev2.jsonl"
NEU = 1
GRID = np.round(np.arange(-2.0, 2.0001, 0.05), 2)


def offset(p: np.ndarray, delta: float) -> np.ndarray:
    """p′ ∝ p · exp(δ · [class = neu]), rows renormalised."""
    q = np.asarray(p, dtype=np.float64).copy()
    q[:, NEU] *= np.exp(delta)
    return q / q.sum(axis=1, keepdims=True)


def fit_offset(p: np.ndarray, y: np.ndarray) -> float:
    """The grid δ with the highest 3-class macro-F1; ties go to the smallest |δ| (then the lower δ)."""
    from sklearn.metrics import f1_score

    scores = [f1_score(y, offset(p, d).argmax(1), average="macro", labels=[0, 1, 2]) for d in GRID]
    best = max(scores)
    return float(min((abs(d), d) for d, s in zip(GRID, scores, strict=True) if s >= best - 1e-12)[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--eval", action="store_true", help="also score data/eval (once, after the gate passed)")
    args = ap.parse_args(argv)

    from voc_pipeline.models.corpus import LABEL2ID, shared_data_dir
    from voc_pipeline.models.evaluate import (
        danawa_frame,
        kote_heldout,
        paired_bootstrap,
        read_labelled,
        unit_probabilities,
    )
    from voc_pipeline.models.tagger import default_model_dir, load_tagger

    mdir = Path(args.model) if args.model else default_model_dir()
    tagger = load_tagger(str(mdir))

    def record_probs(texts: list[str]) -> np.ndarray:
        return unit_probabilities(tagger, texts, "record", "mean")[0]

    fit = [read_labelled(f) for f in FIT_FILES]
    p_fit = np.concatenate([record_probs(t) for t, _ in fit])
    y_fit = np.concatenate([y for _, y in fit])
    delta = fit_offset(p_fit, y_fit)
    out: dict = {"model": str(mdir), "delta": delta, "fit_rows": len(y_fit)}
    print(f"fitted delta {delta} on {len(y_fit)} rows", flush=True)

    def compare(name: str, texts: list[str], y: np.ndarray) -> None:
        p = record_probs(texts)
        out[name] = paired_bootstrap(y, p, offset(p, delta), [0, 1, 2])
        print(f"{name}: {json.dumps(out[name])}", flush=True)

    compare("dev2_gate", *read_labelled(GATE_FILE))
    out["gate_passed"] = out["dev2_gate"]["macro_f1_delta_95"][0] > 0
    if args.eval:
        compare("commerce_reviews", *read_labelled("data/eval/commerce_reviews.jsonl"))
        data = shared_data_dir()
        dan = danawa_frame(data / "danawa/mouse_reviews.parquet")
        compare("danawa_3class", dan["text"].tolist(), dan["label"].map(LABEL2ID).to_numpy())
        salt = json.loads((mdir / "training_report.json").read_text(encoding="utf-8"))["config"].get("split_salt", "voc-v0")
        kote = kote_heldout(data, salt)
        compare("kote_heldout_3class", kote["text"].tolist(), kote["label"].map(LABEL2ID).to_numpy())
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
