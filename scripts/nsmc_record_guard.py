"""The NSMC guard of a record-level change, on development data: neg/pos accuracy at the record unit
(what ``voc-pipeline run`` writes in records.sentiment) under each ``model.record_pass``, on a balanced
sample of one split of nsmc_dev (default ``calib``: movies held out from training, never the test split).

    nice -n 19 .venv/bin/python scripts/nsmc_record_guard.py [--model DIR] [--split calib] [--passes mean,whole,blend]
    nice -n 19 .venv/bin/python scripts/nsmc_record_guard.py --model A --b B --split test --passes mean

Same sample construction as benchmarks/model_eval.py (group_split with the model's salt, 5,000 per
class, the model's seed; ``--split test`` is model_eval's ``nsmc_heldout_balanced_record`` sample);
prints accuracy, ECE, how many rows the pass changes, and a paired bootstrap of each pass − the first
(macro-F1 = accuracy on a balanced neg/pos sample).

``--b DIR``: a second model directory (e.g. the same weights with a ``record_temperature``): each pass
of B is compared with the same pass of A on the same rows (A's sample construction), paired, with the
number of rows whose predicted label differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None, help="model directory (default: the embedded model)")
    ap.add_argument("--split", default="calib", choices=["calib", "train", "test"])
    ap.add_argument("--passes", default="mean,whole,blend")
    ap.add_argument("--per-class", type=int, default=5000)
    ap.add_argument("--b", default=None, help="a second model directory: B − A per pass, paired")
    args = ap.parse_args()

    from voc_pipeline.models.corpus import LABEL2ID, group_split, load_training_file, shared_data_dir
    from voc_pipeline.models.evaluate import _short, paired_bootstrap, sentiment_metrics, unit_probabilities
    from voc_pipeline.models.tagger import default_model_dir, load_tagger

    mdir = Path(args.model) if args.model else default_model_dir()
    tcfg = json.loads((mdir / "training_report.json").read_text(encoding="utf-8"))["config"]
    nsmc = load_training_file(shared_data_dir() / "nsmc/nsmc_dev.parquet")
    keep = (group_split(nsmc["group"].tolist(), salt=tcfg.get("split_salt", "voc-v0")) == args.split)
    nsmc = nsmc[keep & nsmc["label"].isin(["neg", "pos"])].reset_index(drop=True)
    nsmc = pd.concat([g.sample(min(len(g), args.per_class), random_state=tcfg["seed"])
                      for _, g in nsmc.groupby("label")])
    y = nsmc["label"].map(LABEL2ID).to_numpy()
    tagger = load_tagger(str(mdir))
    out: dict = {"split": args.split, "n": len(y)}
    if args.b:
        tagger_b = load_tagger(args.b)
        out.update(a=str(mdir), b=args.b)
        for rp in args.passes.split(","):
            pa = unit_probabilities(tagger, nsmc["text"].tolist(), "record", rp)[0]
            pb = unit_probabilities(tagger_b, nsmc["text"].tolist(), "record", rp)[0]
            ma, mb = _short(sentiment_metrics(pa, y, [0, 2])), _short(sentiment_metrics(pb, y, [0, 2]))
            boot = paired_bootstrap(y, pa, pb, [0, 2])
            out[rp] = {"a": ma, "b": mb, "b_minus_a": boot,
                       "labels_differ": int((pa[:, [0, 2]].argmax(1) != pb[:, [0, 2]].argmax(1)).sum()),
                       "labels_differ_3class": int((pa.argmax(1) != pb.argmax(1)).sum())}
            print(f"NSMC {args.split} record unit, record_pass={rp}: A {ma} | B {mb} | B−A paired bootstrap {boot} | "
                  f"rows whose label differs: {out[rp]['labels_differ']} (3-class argmax: "
                  f"{out[rp]['labels_differ_3class']})", flush=True)
        print(json.dumps(out))
        return 0
    base = None
    for rp in args.passes.split(","):
        probs = unit_probabilities(tagger, nsmc["text"].tolist(), "record", rp)[0]
        m = _short(sentiment_metrics(probs, y, [0, 2]))
        out[rp] = m
        base = probs if base is None else base
        changed = int((np.abs(probs - base).max(1) > 1e-9).sum())
        boot = paired_bootstrap(y, base, probs, [0, 2])
        out[rp]["vs_first"] = {"accuracy_delta": round(m["accuracy"] - out[args.passes.split(",")[0]]["accuracy"], 4),
                               "ece_delta": boot["ece_delta"], "ece_delta_95": boot["ece_delta_95"],
                               "macro_f1_delta_95": boot["macro_f1_delta_95"]}
        print(f"NSMC {args.split} record unit, record_pass={rp}: {m} (rows whose probabilities differ from "
              f"the first pass: {changed}; vs it, paired bootstrap: {out[rp]['vs_first']})", flush=True)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
