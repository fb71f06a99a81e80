"""The NSMC guard on development data: neg/pos accuracy of model directories on the class-balanced
calib sample that the fusion is fitted on (NSMC rows of held-out-from-training movies, never test).

    nice -n 19 .venv/bin/python scripts/calib_guard.py --splits /tmp/helper4/splits.pkl DIR [DIR ...]

All directories' fusions are fitted on this same sample (3×9 weights on 11,107 rows), so the
in-sample advantage is the same for each and negligible; the test split and data/eval are not read.
"""

from __future__ import annotations

import argparse
import pickle
import sys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--splits", default="/tmp/helper4/splits.pkl", help="cached by scripts/ngram_head_experiment.py")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()

    from voc_pipeline.models.evaluate import sentiment_metrics
    from voc_pipeline.models.ngram_head import _balanced_sample
    from voc_pipeline.models.tagger import load_tagger

    with open(args.splits, "rb") as f:
        calib = pickle.load(f)["calib"]
    cal = _balanced_sample(calib[calib["label_id"] >= 0], args.seed, 4000)    # fit_for_model's sample
    nsmc = cal[(cal["source"] == "nsmc_dev") & cal["label_id"].isin([0, 2])]
    for d in args.dirs:
        probs = load_tagger(d).predict(nsmc["morphs"].tolist()).sentiment
        m = sentiment_metrics(probs, nsmc["label_id"].to_numpy(), [0, 2])
        print(f"{d}: calib NSMC neg/pos n {m['n']} accuracy {m['accuracy']:.4f} ece {m['ece']:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
