"""Every figure of the model card, on data never trained on. Writes MODEL/eval_results.json and the card.

    .venv/bin/python benchmarks/model_eval.py --model src/voc_pipeline/resources/model [--no-baseline] [--no-speed]

* NSMC: balanced neg/pos sample (5,000 + 5,000) of reviews of held-out movies (the model's test split),
  model vs a char 1–3-gram TF-IDF + LR trained on the same files' balanced labelled train split;
* KOTE held-out comments (3-class);
* danawa mouse reviews (commerce, never trained on): 1–2★ neg vs 4–5★ pos (binary), and 3-class;
  the same reviews labelled by reading their text (data/eval/danawa_text_labels.tsv): 3-class and neg/pos;
* data/eval/commerce_reviews.jsonl (hand-written, neg/neu/pos) when present;
* both review sets under two units (models.evaluate.UNITS): the old keys score each review as one
  model sequence (``text``); the ``*_record`` keys score what ``voc-pipeline run`` writes in
  records.sentiment (Kiwi sentences, the model per sentence, then ``model.record_pass``: ``record``;
  ``--record-pass`` picks it, default the config default); NSMC too (``nsmc_heldout_balanced_record``);
* data/eval/commerce_spans.jsonl: span and stage F1 of what `run` uses (the default model.span_fusion and
  model.opinion_fill), the model alone (no lexicon, no opinion fill) and the lexicon-only tagger;
  each with its ``mentions`` block (mention-level pair / opinion F1 and stage accuracy of the mentions `run` makes, under
  the default model.span_pairing), ``mentions_nearest_pairing`` (the same fusion, the old ``nearest`` pairing) and
  ``mentions_no_opinion_fill`` (the same fusion and pairing without the default model.opinion_fill);
* throughput vs the 12-layer 256-hidden fp32 reference (benchmarks/model_throughput.py).

NSMC and KOTE are scored with the head's general fusion, the commerce sets with ``--commerce-fusion``
(default: config ``model.sentiment_fusion``, what `run` uses; ``general`` when the directory has no voc fusion).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(REPO / "src/voc_pipeline/resources/model"))
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--out", default=None, help="results JSON (default MODEL/eval_results.json)")
    ap.add_argument("--record-pass", default=None, choices=["mean", "whole", "blend"],
                    help="the record unit's model.record_pass (default: the config default)")
    ap.add_argument("--commerce-fusion", default=None, choices=["voc", "general"],
                    help="the sentiment fusion for the commerce sets (default: the config default, what `run` "
                         "uses); NSMC and KOTE are always scored with the general fusion")
    args = ap.parse_args()

    from voc_pipeline.config import ModelConfig, domain_path
    from voc_pipeline.models.card import write_card
    from voc_pipeline.models.corpus import LABEL2ID, shared_data_dir
    from voc_pipeline.models.evaluate import (
        _short,
        danawa_frame,
        danawa_text_frame,
        kote_heldout,
        nsmc_heldout_balanced,
        record_pass_config,
        sentiment_metrics,
        span_eval,
        tfidf_baseline_scores,
        throughput,
        unit_probabilities,
    )
    from voc_pipeline.models.tagger import load_tagger
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    mdir = Path(args.model)
    rep = json.loads((mdir / "training_report.json").read_text(encoding="utf-8"))
    tcfg = rep["config"]
    seed, salt = tcfg["seed"], tcfg.get("split_salt", "voc-v0")
    data_dir = shared_data_dir()
    train_files = [str(data_dir / "nsmc/nsmc_dev.parquet"), str(data_dir / "kote/kote.parquet")]
    tagger = load_tagger(str(mdir))
    kt = KiwiTokenizer()
    res: dict = {"model_id": tagger.model_id, "model_hash": tagger.model_hash,
                 "command": f"{sys.executable.split('/')[-1]} benchmarks/model_eval.py --model {args.model}",
                 "record_pass": record_pass_config(args.record_pass).model.record_pass}
    commerce_fusion = args.commerce_fusion or ModelConfig().sentiment_fusion

    def score(texts, y, classes, key, baseline=True):
        morphs = kt.morphemes(list(texts))
        out = tagger.predict(morphs)
        res[key] = _short(sentiment_metrics(out.sentiment, np.asarray(y), classes))
        print(key, res[key], flush=True)
        if baseline and not args.no_baseline:
            res[key + "_baseline"] = tfidf_baseline_scores(list(texts), np.asarray(y), classes, train_files)
            print(key + "_baseline", res[key + "_baseline"], flush=True)
        return out

    def score_records(texts, y, classes, key):
        """The pipeline's record sentiment (``--unit record``); no baseline: TF-IDF has no sentences."""
        probs = unit_probabilities(tagger, list(texts), "record", args.record_pass)[0]
        res[key] = _short(sentiment_metrics(probs, np.asarray(y), classes))
        print(key, res[key], flush=True)

    # movie reviews and comments: the fusion fitted on their own corpora
    tagger.use_fusion("general")
    # NSMC held-out movies, balanced (same construction as the training report)
    nsmc = nsmc_heldout_balanced(data_dir, seed, salt)
    score(nsmc["text"], nsmc["label_id"], [0, 2], "nsmc_heldout_balanced")
    score_records(nsmc["text"], nsmc["label_id"], [0, 2], "nsmc_heldout_balanced_record")
    res["nsmc_tfidf_baseline"] = res.pop("nsmc_heldout_balanced_baseline", None)
    # KOTE held-out
    kote = kote_heldout(data_dir, salt)
    score(kote["text"], kote["label"].map(LABEL2ID), [0, 1, 2], "kote_heldout_3class", baseline=True)
    # commerce: the fusion `run` uses (the model directory's voc fusion when it has one)
    res["sentiment_fusion"] = {"nsmc_kote": "general", "commerce": tagger.use_fusion(commerce_fusion)}
    # danawa
    dan = danawa_frame(data_dir / "danawa/mouse_reviews.parquet")
    b = dan[dan["label"].isin(["neg", "pos"])]
    score(b["text"], b["label"].map(LABEL2ID), [0, 2], "danawa_binary")
    score(dan["text"], dan["label"].map(LABEL2ID), [0, 1, 2], "danawa_3class")
    score_records(b["text"], b["label"].map(LABEL2ID), [0, 2], "danawa_binary_record")
    score_records(dan["text"], dan["label"].map(LABEL2ID), [0, 1, 2], "danawa_3class_record")
    # the same danawa reviews labelled by reading their text (data/eval/danawa_text_labels.tsv)
    dt_labels = REPO / "data/eval/danawa_text_labels.tsv"
    if dt_labels.is_file():
        dt = danawa_text_frame(data_dir / "danawa/mouse_reviews.parquet", dt_labels)
        dt2 = dt[dt["label"] != "neu"]
        score(dt["text"], dt["label"].map(LABEL2ID), [0, 1, 2], "danawa_text_3class")
        score(dt2["text"], dt2["label"].map(LABEL2ID), [0, 2], "danawa_text_binary")
        score_records(dt["text"], dt["label"].map(LABEL2ID), [0, 1, 2], "danawa_text_3class_record")
        score_records(dt2["text"], dt2["label"].map(LABEL2ID), [0, 2], "danawa_text_binary_record")
    # the project's hand-written commerce reviews
    cr = REPO / "data/eval/commerce_reviews.jsonl"
    if cr.is_file() and cr.stat().st_size > 0:
        d = pd.read_json(cr, lines=True)
        d = d[d["label"].isin(["neg", "neu", "pos"])]
        if len(d):
            score(d["text"], d["label"].map(LABEL2ID), [0, 1, 2], "commerce_reviews")
            d2 = d[d["label"] != "neu"]
            score(d2["text"], d2["label"].map(LABEL2ID), [0, 2], "commerce_reviews_binary")
            score_records(d["text"], d["label"].map(LABEL2ID), [0, 1, 2], "commerce_reviews_record")
            score_records(d2["text"], d2["label"].map(LABEL2ID), [0, 2], "commerce_reviews_binary_record")
    cs = REPO / "data/eval/commerce_spans.jsonl"
    if cs.is_file() and cs.stat().st_size > 0:
        dom = domain_path("commerce")
        # the spans `run` makes mentions from (the default model.span_fusion and model.opinion_fill), and
        # the model's alone (no lexicon, no opinion fill)
        fusion, fill = ModelConfig().span_fusion, ModelConfig().opinion_fill
        res["spans"] = span_eval(cs, str(mdir), dom, fusion=fusion)
        if fusion != "model" or fill != "none":
            res["spans_model_only"] = span_eval(cs, str(mdir), dom, fusion="model", opinion_fill="none")
        res["spans_lexicon_only"] = span_eval(cs, None, dom, lexicon_only=True)
        if ModelConfig().span_pairing != "nearest":
            res["mentions_nearest_pairing"] = span_eval(cs, str(mdir), dom, fusion=fusion, pairing="nearest")["mentions"]
        if fill != "none":
            res["mentions_no_opinion_fill"] = span_eval(cs, str(mdir), dom, fusion=fusion, opinion_fill="none")["mentions"]
        d = pd.read_json(cs, lines=True)
        score(d["text"], d["sentiment"].map(LABEL2ID), [0, 1, 2], "commerce_spans_sentiment")
        print("spans", json.dumps(res["spans"]), "\nlexicon", json.dumps(res["spans_lexicon_only"]))
    if not args.no_speed:
        from benchmarks_model_throughput import reference_texts_per_s  # type: ignore[import-not-found]

        morphs = kt.morphemes(nsmc["text"].tolist()[:4000])
        t0 = time.perf_counter()
        kt.morphemes(nsmc["text"].tolist()[:4000])
        kiwi_tps = 4000 / (time.perf_counter() - t0)
        sp = throughput(load_tagger(str(mdir), batch_size=64, threads=2), morphs, repeats=3)   # the default backend
        ref = reference_texts_per_s(2)
        res["throughput"] = {"tagger_texts_per_s": sp["texts_per_s"], "reference_12L256H_fp32_texts_per_s": round(ref, 1),
                             "speedup": round(sp["texts_per_s"] / ref, 2), "kiwi_texts_per_s": round(kiwi_tps, 1),
                             "threads": 2, "batch_size": 64, "backend": sp.get("backend")}
        print("throughput", res["throughput"])
    out = Path(args.out) if args.out else mdir / "eval_results.json"
    out.write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
    write_card(mdir)
    print(json.dumps(res, ensure_ascii=False))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import importlib

    sys.modules["benchmarks_model_throughput"] = importlib.import_module("model_throughput")
    main()
