"""Experiment: candidate H, the commerce n-gram head refitted on every labelled dev set (docs/model.md,
"The commerce head on all dev sets (candidate H)").

    .venv/bin/python scripts/commerce_head_all_dev_experiment.py --work /tmp/headH [--out COPY]

Refits the commerce head on the synthetic rows of the model's train split + all dev rows (×10), with
out-of-fold logits for the dev rows; refits the general fusion (calib + commerce_dev at 0.25, as ``train``
does) and the voc fusion (all dev rows + calib at 0.25); then gates H against the shipped model on
data/dev/commerce_reviews_dev3.jsonl at the record unit (paired bootstrap). Aggregate figures only.
With ``--out``, writes the candidate directory (the shipped one with H's ``ngram_head.npz``).
"""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
#: (file, label column) of every dev set H learns from; commerce_dev is the general fusion's dev share
DEV_FIT = [("data/dev/commerce_dev.jsonl", "label"), ("data/dev/commerce_reviews_dev.jsonl", "label"),
           ("data/dev/commerce_reviews_dev2.jsonl", "label"), ("data/dev/commerce_spans_dev.jsonl", "sentiment")]
DEV_GATE = "data/dev/commerce_reviews_dev3.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(REPO / "src/voc_pipeline/resources/model"))
    ap.add_argument("--work", default="/tmp/headH")
    ap.add_argument("--cache-dir", default=str(REPO / "checkpoints/kiwi"))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from voc_pipeline.models.evaluate import (
        paired_bootstrap,
        read_labelled,
        sentiment_metrics,
        unit_probabilities,
    )
    from voc_pipeline.models.ngram_head import (
        _balanced_sample,
        _fit_commerce_head,
        balanced_weights,
        encode_all,
        fit_fusion,
        model_log_probs,
    )
    from voc_pipeline.models.tagger import load_tagger
    from voc_pipeline.models.train import prepare, trained_config
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    mdir = Path(args.model)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rep = json.loads((mdir / "training_report.json").read_text(encoding="utf-8"))
    tcfg, hrep = rep["config"], rep["report"]["ngram_head"]
    seed, dev_weight = tcfg["seed"], hrep["commerce_dev_weight"]
    tagger = load_tagger(str(mdir), threads=2)
    head, conf = tagger.ngram_head, tagger.config
    kt = KiwiTokenizer()

    def encoded(morphs):
        return encode_all(tagger.tokenizer, morphs, conf.max_morphemes, conf.max_subwords, conf.use_tags,
                          head.bits, head.orders)

    cache = work / "inputs.pkl"
    if cache.is_file():
        D = pickle.loads(cache.read_bytes())
    else:
        splits = prepare(trained_config(mdir, REPO, args.cache_dir), print)
        syn = splits["train"][(splits["train"]["label_id"] >= 0) & (splits["train"]["source"] == "synthetic")]
        cal = _balanced_sample(splits["calib"][splits["calib"]["label_id"] >= 0], seed, 4000)
        morphs, y, src = [], [], []
        for i, (f, col) in enumerate(DEV_FIT):
            texts, yy = read_labelled(REPO / f, "text", col)
            morphs += kt.morphemes(texts)
            y.append(yy)
            src += [i] * len(yy)
        cal_m = cal["morphs"].tolist()
        D = {"X_syn": encoded(syn["morphs"].tolist()), "y_syn": syn["label_id"].to_numpy(),
             "X_dev": encoded(morphs), "lp_dev": model_log_probs(tagger, morphs), "y_dev": np.concatenate(y), "src": np.array(src),
             "X_cal": encoded(cal_m), "lp_cal": model_log_probs(tagger, cal_m), "y_cal": cal["label_id"].to_numpy()}
        cache.write_bytes(pickle.dumps(D))

    y, src = D["y_dev"], D["src"]
    Wc, bc = _fit_commerce_head(D["X_syn"], D["y_syn"], (D["X_dev"], y), None, dev_weight, 4.0, seed)
    W = np.hstack([head.W[:, :3], Wc])
    b = np.concatenate([head.b[:3], bc])
    fold = np.random.default_rng(seed).permutation(len(y)) % 5
    hl_dev = np.asarray(D["X_dev"] @ W, dtype=np.float64) + b
    for k in range(5):      # the dev rows' commerce logits from heads fitted without them
        Wk, bk = _fit_commerce_head(D["X_syn"], D["y_syn"], (D["X_dev"], y), fold != k, dev_weight, 4.0, seed)
        hl_dev[fold == k, 3:6] = np.asarray(D["X_dev"][np.where(fold == k)[0]] @ Wk, dtype=np.float64) + bk
    hl_cal = np.asarray(D["X_cal"] @ W, dtype=np.float64) + b

    def fusion(rows, share):
        grp = np.array(["dev"] * int(rows.sum()) + ["calib"] * len(D["y_cal"]))
        yy = np.concatenate([y[rows], D["y_cal"]])
        return fit_fusion(np.concatenate([D["lp_dev"][rows], D["lp_cal"]]), np.concatenate([hl_dev[rows], hl_cal]),
                          yy, sample_weight=balanced_weights(yy, grp, {"dev": share}))

    general = fusion(src == 0, 0.25)                 # as `train`: commerce_dev at 0.25 of the weight
    voc = fusion(np.ones(len(y), bool), 0.75)        # as the shipped voc fusion (V2): dev 0.75, calib 0.25
    cand = type(head)(W.astype(np.float16).astype(np.float32), b, general[0], general[1], head.bits, head.orders,
                      {"voc": voc})
    print(f"H: commerce head on {len(D['y_syn'])} synthetic + {len(y)} dev rows (x{dev_weight:g})")

    texts, y3 = read_labelled(REPO / DEV_GATE)
    p_w = unit_probabilities(tagger, texts, "record", "whole")[0]
    tagger.ngram_head = cand
    tagger.use_fusion("voc")
    p_h = unit_probabilities(tagger, texts, "record", "whole")[0]
    tagger.ngram_head = head
    for name, p in (("W (shipped)", p_w), ("H", p_h)):
        m3 = sentiment_metrics(p, y3, [0, 1, 2])
        keep = y3 != 1
        m2 = sentiment_metrics(p[keep], y3[keep], [0, 2])
        print(f"dev3 record unit {name}: 3-class macro-F1 {m3['macro_f1']:.4f} acc {m3['accuracy']:.4f} "
              f"ece {m3['ece']:.4f} | neg/pos macro-F1 {m2['macro_f1']:.4f} | n {len(y3)}")
    bs = paired_bootstrap(y3, p_w, p_h, [0, 1, 2])
    print(f"gate, H − W: {json.dumps(bs)}")
    print("gate", "PASSED" if bs["macro_f1_delta_95"][0] > 0 else "FAILED")
    if args.out:
        out = Path(args.out)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(mdir, out)
        cand.save(out)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
