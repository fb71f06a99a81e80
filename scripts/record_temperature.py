"""A single record-level temperature (docs/model.md §5, "Record-level temperature"): fitted on the
record-unit probabilities of data/dev/commerce_dev.jsonl, measured on commerce_reviews_dev (3-class
ECE) and the NSMC calib sample (neg/pos ECE), with a paired bootstrap of with − without. Dev data only.

    nice -n 19 .venv/bin/python scripts/record_temperature.py [--model DIR] [--passes mean,whole]
    nice -n 19 .venv/bin/python scripts/record_temperature.py --model DIR --write mean [--fit-only]

p_T ∝ p^(1/T) (``stages.tag.temper``, the function the pipeline applies) keeps every argmax (checked),
so macro-F1 and accuracy are unchanged by construction. The fit always starts from the record
probabilities without any record temperature (one already in DIR is ignored for it).

``--write PASS`` fits under that one record pass and writes the fitted T into DIR/config.json as
``record_temperature: {PASS: T}`` (other passes' values kept), the value ``models.tagger`` loads and
``stages.tag.record_probabilities`` applies under that pass only: the shipped number comes from
this command, never typed by hand. ``--fit-only`` skips the measurement sets (commerce_dev only).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from voc_pipeline.stages.tag import temper

FIT_DATA = "data/dev/commerce_dev.jsonl"


def fit_temperature(p: np.ndarray, y: np.ndarray) -> float:
    """3-class NLL over a grid of log T in [−1.5, 1.5], step 0.01 (docs/model.md §5)."""
    grid = np.exp(np.arange(-1.5, 1.5001, 0.01))
    nll = [-np.log(np.clip(temper(p, t)[np.arange(len(y)), y], 1e-12, None)).mean() for t in grid]
    return float(grid[int(np.argmin(nll))])


def write_temperature(model_dir: Path, record_pass: str, t: float) -> dict:
    """Set ``record_temperature[record_pass] = t`` in model_dir/config.json (other keys kept)."""
    path = Path(model_dir) / "config.json"
    conf = json.loads(path.read_text(encoding="utf-8"))
    conf["record_temperature"] = {**(conf.get("record_temperature") or {}), record_pass: t}
    path.write_text(json.dumps(conf, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return conf["record_temperature"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--passes", default="mean,whole")
    ap.add_argument("--write", default=None, choices=["mean", "whole", "blend"],
                    help="fit under this record pass only and write T into MODEL/config.json")
    ap.add_argument("--fit-only", action="store_true", help="fit (and --write) without the measurement sets")
    ap.add_argument("--fit-data", default=FIT_DATA, help=argparse.SUPPRESS)   # tests: a small file
    args = ap.parse_args(argv)
    if args.write:
        args.passes = args.write

    from voc_pipeline.models.corpus import LABEL2ID, group_split, load_training_file, shared_data_dir
    from voc_pipeline.models.evaluate import (
        paired_bootstrap,
        read_labelled,
        sentiment_metrics,
        unit_probabilities,
    )
    from voc_pipeline.models.tagger import default_model_dir, load_tagger

    mdir = Path(args.model) if args.model else default_model_dir()
    sets = {"commerce_dev": read_labelled(args.fit_data)}
    if not args.fit_only:
        tcfg = json.loads((mdir / "training_report.json").read_text(encoding="utf-8"))["config"]
        nsmc = load_training_file(shared_data_dir() / "nsmc/nsmc_dev.parquet")
        keep = group_split(nsmc["group"].tolist(), salt=tcfg.get("split_salt", "voc-v0")) == "calib"
        nsmc = nsmc[keep & nsmc["label"].isin(["neg", "pos"])].reset_index(drop=True)
        nsmc = pd.concat([g.sample(min(len(g), 5000), random_state=tcfg["seed"]) for _, g in nsmc.groupby("label")])
        sets["commerce_reviews_dev"] = read_labelled("data/dev/commerce_reviews_dev.jsonl")
        sets["nsmc_calib"] = (nsmc["text"].tolist(), nsmc["label"].map(LABEL2ID).to_numpy())
    classes = {"commerce_dev": [0, 1, 2], "commerce_reviews_dev": [0, 1, 2], "nsmc_calib": [0, 2]}
    tagger = load_tagger(str(mdir))
    tagger.record_temperatures = {}   # fit and measure from the untempered record probabilities
    out: dict = {}
    for rp in args.passes.split(","):
        probs = {k: unit_probabilities(tagger, texts, "record", rp)[0] for k, (texts, _) in sets.items()}
        t = fit_temperature(probs["commerce_dev"], sets["commerce_dev"][1])
        res: dict = {"temperature": round(t, 3)}
        for k, (_, y) in sets.items():
            before, after = probs[k], temper(probs[k], t)
            assert (before.argmax(1) == after.argmax(1)).all()
            m0, m1 = sentiment_metrics(before, y, classes[k]), sentiment_metrics(after, y, classes[k])
            boot = paired_bootstrap(y, before, after, classes[k])
            res[k] = {"ece": round(m0["ece"], 4), "ece_T": round(m1["ece"], 4), "ece_delta_95": boot["ece_delta_95"],
                      "macro_f1": round(m0["macro_f1"], 4)}
        out[rp] = res
        print(f"record_pass={rp}: {json.dumps(res)}", flush=True)
        if args.write == rp:
            out["written"] = {"config": str(mdir / "config.json"),
                              "record_temperature": write_temperature(mdir, rp, t)}
            print(f"wrote record_temperature[{rp}] = {t!r} into {mdir / 'config.json'}", flush=True)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
