"""Two `run` outputs of the sample data against the hand labels of its records (paired bootstrap).

    .venv/bin/python scripts/compare_demo_labels.py --a OUT_A --b OUT_B \
        [--labels data/eval/sample_records_labels.tsv] [--out FILE.json]

OUT_A and OUT_B are output folders of `voc-pipeline run --config configs/default.yaml` (e.g. `make demo`'s
out/demo) with two models, the same VOC_PIPELINE_SECRET (record ids depend on it) and the same inputs.
The labels file holds `record_id`, `channel` and `label` (neg/neu/pos) of every record of that run, given by
reading the masked text (data/eval/README.md). Scores `records.sentiment` as `run` wrote it: 3-class
macro-F1 and accuracy, overall and per channel, and B − A with a 95 % paired bootstrap interval. A record
missing from either output, or an output record without a label, is an error: the check is on one set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
LABELS = ("neg", "neu", "pos")


def run_labels(out: Path) -> pd.Series:
    from voc_pipeline.io.dataset import read_table

    return read_table(out, "records").set_index("record_id")["sentiment"]


def one_hot(labels: pd.Series) -> np.ndarray:
    return np.eye(3)[[LABELS.index(v) for v in labels]]


def main() -> int:
    import warnings

    from sklearn.exceptions import UndefinedMetricWarning
    from sklearn.metrics import f1_score

    from voc_pipeline.models.evaluate import paired_bootstrap

    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, type=Path, help="run output folder of the reference model")
    ap.add_argument("--b", required=True, type=Path, help="run output folder of the candidate")
    ap.add_argument("--labels", type=Path, default=REPO / "data/eval/sample_records_labels.tsv")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=UndefinedMetricWarning)   # a resample without a class scores it 0
    gold = pd.read_csv(args.labels, sep="\t", dtype=str).set_index("record_id")
    a, b = run_labels(args.a), run_labels(args.b)
    for name, pred in (("A", a), ("B", b)):
        if set(pred.index) != set(gold.index):
            raise SystemExit(f"{name}'s records and the labels differ: {len(set(pred.index) ^ set(gold.index))} ids "
                             "(same inputs and VOC_PIPELINE_SECRET?)")
    a, b = a.loc[gold.index], b.loc[gold.index]
    y = np.array([LABELS.index(v) for v in gold["label"]])
    res: dict = {"labels": str(args.labels), "a": str(args.a), "b": str(args.b), "n": len(y)}
    groups = [("all", np.ones(len(y), dtype=bool))] + [(c, (gold["channel"] == c).to_numpy())
                                                        for c in sorted(gold["channel"].unique())]
    for name, m in groups:
        row = {"n": int(m.sum())}
        for side, pred in (("a", a), ("b", b)):
            p = np.array([LABELS.index(v) for v in pred[m]])
            row[f"{side}_macro_f1"] = round(float(f1_score(y[m], p, average="macro", labels=[0, 1, 2])), 4)
            row[f"{side}_accuracy"] = round(float((p == y[m]).mean()), 4)
        boot = paired_bootstrap(y[m], one_hot(a[m]), one_hot(b[m]), [0, 1, 2])
        row.update({k: v for k, v in boot.items() if not k.startswith("ece")})   # one-hot: no ECE
        res[name] = row
        print(f"{name:11s} n {row['n']:4d} | A F1 {row['a_macro_f1']:.4f} acc {row['a_accuracy']:.4f} | "
              f"B F1 {row['b_macro_f1']:.4f} acc {row['b_accuracy']:.4f} | B-A F1 {row['macro_f1_delta']:+.4f} "
              f"{row['macro_f1_delta_95']} acc {row['accuracy_delta']:+.4f} {row['accuracy_delta_95']}")
    if args.out:
        args.out.write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
