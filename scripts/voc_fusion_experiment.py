"""Experiment: a second, VOC fusion of the n-gram heads (docs/model.md, "A VOC fusion beside the general one").

    .venv/bin/python scripts/voc_fusion_experiment.py --work /tmp/vocfusion [--out COPY]

Steps 1–2 of the rule written before it ran: candidates V1 (dev rows only) and V2 (dev 0.75 + calib
0.25) compared by 5-fold CV over the 677 fit rows (data/dev/commerce_dev.jsonl with its commerce-head
logits cross-fitted, as ``train`` does, + data/dev/commerce_reviews_dev.jsonl), then the chosen one
against the shipped fusion on data/dev/commerce_reviews_dev2.jsonl at the record unit (paired
bootstrap). Prints aggregate figures only. With ``--out``, the model directory is copied there with
the chosen fusion stored as the head's ``voc`` fusion (for step 3, ``benchmarks/model_eval.py``).
The train split is rebuilt from the model's training_report (``train.prepare``; Kiwi cache in
``--cache-dir``) to refit the commerce head on the cross-fitting folds.
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
DEV_FIT = ["data/dev/commerce_dev.jsonl", "data/dev/commerce_reviews_dev.jsonl"]
DEV_GATE = "data/dev/commerce_reviews_dev2.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(REPO / "src/voc_pipeline/resources/model"))
    ap.add_argument("--work", default="/tmp/vocfusion")
    ap.add_argument("--cache-dir", default=str(REPO / "checkpoints/kiwi"))
    ap.add_argument("--gate-record-pass", default="mean", choices=["mean", "whole", "blend"],
                    help="step 2: the candidate's model.record_pass (V2 was gated with mean, candidate W with "
                         "whole); the shipped fusion keeps mean")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from sklearn.metrics import f1_score

    from voc_pipeline.models.encoding import encode
    from voc_pipeline.models.evaluate import (
        paired_bootstrap,
        read_labelled,
        sentiment_metrics,
        unit_probabilities,
    )
    from voc_pipeline.models.ngram_head import (
        _balanced_sample,
        _cross_fitted_dev_logits,
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
    tagger = load_tagger(str(mdir), threads=2, fusion="general")    # V0: the shipped fusion
    head = tagger.ngram_head
    conf = tagger.config
    kt = KiwiTokenizer()

    def parts(morphs):
        """(model log-probabilities without the head, head logits) of Kiwi morpheme lists."""
        lp = model_log_probs(tagger, morphs)
        hl = np.concatenate([head.logits(encode(tagger.tokenizer, morphs[i:i + 256], conf.max_morphemes,
                                                conf.max_subwords, conf.use_tags)) for i in range(0, len(morphs), 256)])
        return lp, hl

    cache = work / "parts.pkl"
    if cache.is_file():
        P = pickle.loads(cache.read_bytes())
    else:
        splits = prepare(trained_config(mdir, REPO, args.cache_dir), print)
        tr, calib = splits["train"], splits["calib"]
        lab = tr[(tr["label_id"] >= 0) & (tr["source"] == "synthetic")]
        X_syn = encode_all(tagger.tokenizer, lab["morphs"].tolist(), conf.max_morphemes, conf.max_subwords,
                           conf.use_tags, head.bits, head.orders)
        y_syn = lab["label_id"].to_numpy()
        P = {}
        for f in [*DEV_FIT, DEV_GATE]:
            texts, y = read_labelled(REPO / f)
            morphs = kt.morphemes(texts)
            lp, hl = parts(morphs)
            if f == DEV_FIT[0]:      # the commerce head saw these rows: their logits from heads fitted without them
                X_dev = encode_all(tagger.tokenizer, morphs, conf.max_morphemes, conf.max_subwords, conf.use_tags,
                                   head.bits, head.orders)
                hl[:, 3:6] = _cross_fitted_dev_logits(X_syn, y_syn, (X_dev, y), hrep["commerce_dev_weight"], 4.0,
                                                      tcfg["seed"], 5)
            P[f] = {"lp": lp, "hl": hl, "y": y, "texts": texts}
        cal = _balanced_sample(calib[calib["label_id"] >= 0], tcfg["seed"], 4000)
        lp, hl = parts(cal["morphs"].tolist())
        P["calib"] = {"lp": lp, "hl": hl, "y": cal["label_id"].to_numpy()}
        cache.write_bytes(pickle.dumps(P))

    lp = np.concatenate([P[f]["lp"] for f in DEV_FIT])
    hl = np.concatenate([P[f]["hl"] for f in DEV_FIT])
    y = np.concatenate([P[f]["y"] for f in DEV_FIT])
    cal = P["calib"]

    def fit(rows, calib_share):
        if calib_share == 0:
            return fit_fusion(lp[rows], hl[rows], y[rows], sample_weight=balanced_weights(y[rows]))
        grp = np.array(["dev"] * int(rows.sum()) + ["calib"] * len(cal["y"]))
        yy = np.concatenate([y[rows], cal["y"]])
        return fit_fusion(np.concatenate([lp[rows], cal["lp"]]), np.concatenate([hl[rows], cal["hl"]]), yy,
                          sample_weight=balanced_weights(yy, grp, {"dev": 1 - calib_share}))

    def fuse(A, c, lp_, hl_):
        h = type(head)(head.W, head.b, A, c, head.bits, head.orders)
        return h.fuse(lp_, hl_)

    # step 1: V1 vs V2 by 5-fold CV over the fit rows (text unit)
    fold = np.random.default_rng(tcfg["seed"]).permutation(len(y)) % 5
    cv = {}
    for name, share in (("V1", 0.0), ("V2", 0.25)):
        pred = np.zeros(len(y), dtype=int)
        for k in range(5):
            A, c = fit(fold != k, share)
            pred[fold == k] = fuse(A, c, lp[fold == k], hl[fold == k]).argmax(1)
        cv[name] = f1_score(y, pred, average="macro")
    v0_in = head.fuse(lp, hl).argmax(1)
    print(f"step 1, 5-fold CV 3-class macro-F1 on the 677 fit rows: V1 {cv['V1']:.4f}, V2 {cv['V2']:.4f} "
          f"(V0, the shipped general fusion on the same rows, its fit saw commerce_dev: {f1_score(y, v0_in, average='macro'):.4f})")
    chosen = "V1" if cv["V1"] > cv["V2"] else "V2"
    A, c = fit(np.ones(len(y), bool), 0.0 if chosen == "V1" else 0.25)
    print(f"chosen {chosen}; fusion A={np.round(A, 3).tolist()} c={np.round(c, 3).tolist()}")

    # step 2: the gate, record unit on dev2
    texts, y2 = P[DEV_GATE]["texts"], P[DEV_GATE]["y"]
    p0 = unit_probabilities(tagger, texts, "record", "mean")[0]
    tagger.ngram_head = type(head)(head.W, head.b, head.fuse_A, head.fuse_c, head.bits, head.orders, {"voc": (A, c)})
    tagger.use_fusion("voc")
    p1 = unit_probabilities(tagger, texts, "record", args.gate_record_pass)[0]
    tagger.ngram_head = head
    tagger.use_fusion("general")
    for name, p in (("V0", p0), (f"{chosen} + record_pass {args.gate_record_pass}", p1)):
        m3 = sentiment_metrics(p, y2, [0, 1, 2])
        b = y2 != 1
        m2 = sentiment_metrics(p[b], y2[b], [0, 2])
        print(f"dev2 record unit {name}: 3-class macro-F1 {m3['macro_f1']:.4f} acc {m3['accuracy']:.4f} "
              f"ece {m3['ece']:.4f} | neg/pos macro-F1 {m2['macro_f1']:.4f} | predicted {np.bincount(p.argmax(1), minlength=3).tolist()}")
    bs = paired_bootstrap(y2, p0, p1, [0, 1, 2])
    print(f"step 2 gate, {chosen} − V0: {json.dumps(bs)}")
    passed = bs["macro_f1_delta_95"][0] > 0
    print("gate", "PASSED" if passed else "FAILED")
    if args.out:
        out = Path(args.out)
        if out.resolve() != mdir.resolve():     # --out = --model adds the fusion in place (train_default.sh)
            if out.exists():
                shutil.rmtree(out)
            shutil.copytree(mdir, out)
        voc_head = type(head).load(out)
        voc_head.fusions = {**voc_head.fusions, "voc": (A, c)}
        voc_head.save(out)
        f = out / "training_report.json"
        rec = json.loads(f.read_text(encoding="utf-8"))
        rec["report"]["voc_fusion"] = {
            "variant": chosen, "fit": DEV_FIT, "fit_rows": len(y), "calib_rows": len(cal["y"]),
            "calib_share": 0.0 if chosen == "V1" else 0.25, "cv_macro_f1": {k: round(v, 4) for k, v in cv.items()},
            "gate": {"data": DEV_GATE, "unit": "record", "record_pass": args.gate_record_pass, **bs},
            "fusion_A": np.round(A, 4).tolist(), "fusion_c": np.round(c, 4).tolist(),
            "command": f"python scripts/voc_fusion_experiment.py --gate-record-pass {args.gate_record_pass} --out DIR"}
        f.write_text(json.dumps(rec, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"wrote {out} with the {chosen} fusion as 'voc'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
