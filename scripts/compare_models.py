"""Two model directories on one labelled commerce file, under both evaluation units, paired.

    nice -n 19 .venv/bin/python scripts/compare_models.py --a DIR_A --b DIR_B \
        --data data/dev/commerce_reviews_dev.jsonl [--label-column label] [--units text,record] [--out FILE.json]
    nice -n 19 .venv/bin/python scripts/compare_models.py --a DIR --units record \
        --a-record-pass mean --b-record-pass whole --data ...      # one model, two record passes

For each unit (models.evaluate.UNITS: ``text`` = the whole text as one model sequence, ``record`` =
what ``voc-pipeline run`` writes in records.sentiment) prints both models' 3-class and neg/pos
scores and a paired bootstrap (2,000 resamples; macro-F1, accuracy and ECE) of B − A on the same
rows. Used on data/dev to choose (docs/model.md §5) and, once the choice is written down, on
data/eval to score. Spans and mentions: scripts/compare_spans.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def scores(y: np.ndarray, pa: np.ndarray, pb: np.ndarray) -> dict:
    from voc_pipeline.models.evaluate import _short, paired_bootstrap, restrict_to, sentiment_metrics

    out: dict = {}
    for name, classes, rows in (("3class", [0, 1, 2], np.ones(len(y), bool)), ("negpos", [0, 2], y != 1)):
        out[name] = {"a": _short(sentiment_metrics(pa[rows], y[rows], classes)),
                     "b": _short(sentiment_metrics(pb[rows], y[rows], classes)),
                     "b_minus_a": paired_bootstrap(y[rows], pa[rows], pb[rows], classes),
                     # rows whose predicted label differs between A and B (0: a calibration-only change)
                     "labels_differ": int((restrict_to(pa[rows], classes).argmax(1)
                                           != restrict_to(pb[rows], classes).argmax(1)).sum())}
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, help="model directory A (the reference, e.g. a copy of the shipped one)")
    ap.add_argument("--b", default=None, help="model directory B (the candidate; default: A)")
    ap.add_argument("--data", required=True)
    ap.add_argument("--label-column", default="label")
    ap.add_argument("--units", default="text,record")
    ap.add_argument("--a-record-pass", default=None, help="A's model.record_pass for the record unit (default: "
                    "the config default); with --b omitted, one model under two record passes")
    ap.add_argument("--b-record-pass", default=None, help="B's model.record_pass (default: the config default)")
    ap.add_argument("--a-fusion", default=None, choices=["voc", "general"],
                    help="A's sentiment fusion (default: the config default; general without a voc fusion)")
    ap.add_argument("--b-fusion", default=None, choices=["voc", "general"], help="B's sentiment fusion")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from voc_pipeline.models.evaluate import read_labelled, unit_probabilities
    from voc_pipeline.models.tagger import load_tagger

    texts, y = read_labelled(args.data, "text", args.label_column)
    args.b = args.b or args.a
    taggers = {k: load_tagger(p, fusion=f) for k, p, f in (("a", args.a, args.a_fusion), ("b", args.b, args.b_fusion))}
    fusions = {k: t.fusion for k, t in taggers.items()}
    passes = {"a": args.a_record_pass, "b": args.b_record_pass}
    res: dict = {"data": args.data, "a": args.a, "b": args.b, "record_pass": passes, "sentiment_fusion": fusions,
                 "model_hash": {k: t.model_hash[:16] for k, t in taggers.items()}}
    for unit in args.units.split(","):
        pa, pb = (unit_probabilities(taggers[k], texts, unit, passes[k])[0] for k in ("a", "b"))
        res[unit] = scores(y, pa, pb)
        for name, r in res[unit].items():
            bm = r["b_minus_a"]
            print(f"{Path(args.data).name} unit={unit} {name}: A F1 {r['a']['macro_f1']:.4f} ECE {r['a']['ece']:.4f} | "
                  f"B F1 {r['b']['macro_f1']:.4f} ECE {r['b']['ece']:.4f} | B-A F1 {bm['macro_f1_delta']:+.4f} "
                  f"{bm['macro_f1_delta_95']} acc {bm['accuracy_delta']:+.4f} {bm['accuracy_delta_95']} "
                  f"ECE {bm['ece_delta']:+.4f} {bm['ece_delta_95']} | labels differ on "
                  f"{r['labels_differ']}/{bm['n']}", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
