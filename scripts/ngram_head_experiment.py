"""Experiment: a hashed subword n-gram head fused with a trained model's sentiment logits (models/ngram_head.py).

    nice -n 19 .venv/bin/python scripts/ngram_head_experiment.py --model src/voc_pipeline/resources/model \
        --work /tmp/helper4 [--out /tmp/fusion_model] [--C 4] [--orders uni,bi,tri,tag] [--bits 18] \
        [--commerce-head --fusion-dev data/dev/commerce_dev.jsonl --fusion-dev-share 0.5 [--commerce-dev-weight 10]]

Rebuilds the model's own splits (``train.prepare`` with the training_report config: same files, salt,
seed, caps, synthetic rows; Kiwi from ``--cache-dir``), fits the head on the TRAIN split, fits the
fusion on one half of the class-balanced CALIB split and reports the other half (model alone, head
alone, fused), so settings are chosen without the test split or data/eval. With ``--out``, the
model directory is copied there with ``ngram_head.npz`` (fusion refitted on the whole balanced calib
sample, as ``train`` does); score it with ``benchmarks/model_eval.py --model OUT --no-baseline``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(REPO / "src/voc_pipeline/resources/model"))
    ap.add_argument("--work", default="/tmp/helper4")
    ap.add_argument("--cache-dir", default=str(REPO / "checkpoints/kiwi"))
    ap.add_argument("--bits", type=int, default=18)
    ap.add_argument("--orders", default="uni,bi,tri,tag")
    ap.add_argument("--C", default="4", help="comma-separated list to compare")
    ap.add_argument("--synthetic-weight", type=float, default=1.0, help="sample weight of synthetic rows")
    ap.add_argument("--extra-synthetic", type=int, default=0, help="more synthetic commerce rows for the head only")
    ap.add_argument("--drop-nsmc-neutral", action="store_true", help="head: no NSMC 5–6★ rows as neutral")
    ap.add_argument("--commerce-head", action="store_true",
                    help="--out: also a head on the synthetic commerce rows, read by the fusion")
    ap.add_argument("--fusion-dev", default=None, help="--out: labelled commerce jsonl joining the fusion fit "
                    "(data/dev/commerce_dev.jsonl; never data/eval)")
    ap.add_argument("--fusion-dev-share", type=float, default=0.5)
    ap.add_argument("--commerce-dev-weight", type=float, default=0.0,
                    help="--out: the commerce head also learns from the --fusion-dev rows at this weight each "
                         "(variant (c′); its dev logits cross-fitted)")
    ap.add_argument("--reuse-general-head", action="store_true",
                    help="--out: keep --model's general head (fitted with the same settings on the same split) and "
                         "fit only the commerce head and the fusion; skips the calib half-split report")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    from voc_pipeline.models.encoding import MorphemeEncoder
    from voc_pipeline.models.evaluate import sentiment_metrics
    from voc_pipeline.models.ngram_head import NgramHead, encode_all, fit_fusion, fit_head
    from voc_pipeline.models.tagger import _read_config, load_tagger
    from voc_pipeline.models.train import _balanced, prepare, trained_config

    mdir = Path(args.model)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    cfg = trained_config(mdir, REPO, args.cache_dir)
    sp_file = work / "splits.pkl"
    if sp_file.is_file():
        splits = pickle.loads(sp_file.read_bytes())
    else:
        splits = prepare(cfg, log)
        sp_file.write_bytes(pickle.dumps(splits))
    tr, calib = splits["train"], splits["calib"]
    log(f"train {len(tr)}, calib {len(calib)}")
    if args.extra_synthetic:
        from voc_pipeline.models.train import synthetic_frame
        from voc_pipeline.stages.tokenize import KiwiTokenizer

        ex_file = work / f"extra_synth_{args.extra_synthetic}.pkl"
        if ex_file.is_file():
            extra = pickle.loads(ex_file.read_bytes())
        else:
            extra = synthetic_frame(args.extra_synthetic, cfg.seed + 1, KiwiTokenizer(), False)
            ex_file.write_bytes(pickle.dumps(extra))
        tr = pd.concat([tr, extra], ignore_index=True)
    if args.drop_nsmc_neutral:
        tr = tr[~((tr["source"] == "nsmc_dev") & (tr["label_id"] == 1))].reset_index(drop=True)
    orders = tuple(args.orders.split(","))
    if args.reuse_general_head and args.out:
        return write_out(args, mdir, tr, calib, float(args.C.split(",")[0]), orders, cfg.seed)
    conf = _read_config(mdir)
    tok = MorphemeEncoder(str(mdir / "tokenizer.json"))
    lab = tr[tr["label_id"] >= 0].reset_index(drop=True)
    t0 = time.time()
    X = encode_all(tok, lab["morphs"].tolist(), conf.max_morphemes, conf.max_subwords, conf.use_tags, args.bits, orders)
    y = lab["label_id"].to_numpy()
    log(f"train features {X.shape} nnz {X.nnz} in {time.time() - t0:.0f}s; classes {np.bincount(y).tolist()}")
    sw = np.where(lab["source"].to_numpy() == "synthetic", args.synthetic_weight, 1.0)

    cal = _balanced(calib[calib["label_id"] >= 0], cfg.seed, per_class=4000)
    tagger = load_tagger(str(mdir), threads=1)
    tagger.ngram_head = None          # the transformer alone, even when --model already has a head
    # the model's logits as the tagger computes them (temperature-scaled log-probabilities)
    model_lp = np.log(np.clip(tagger.predict(cal["morphs"].tolist()).sentiment, 1e-12, None))
    Xc = encode_all(tok, cal["morphs"].tolist(), conf.max_morphemes, conf.max_subwords, conf.use_tags, args.bits, orders)
    yc = cal["label_id"].to_numpy()
    rng = np.random.default_rng(cfg.seed)
    half = rng.permutation(len(cal)) % 2 == 0              # fit fusion on half A, report half B
    nsmc_b = (~half) & (cal["source"].to_numpy() == "nsmc_dev") & np.isin(yc, [0, 2])

    def report(name, probs):
        m2 = sentiment_metrics(probs[nsmc_b], yc[nsmc_b], [0, 2])
        m3 = sentiment_metrics(probs[~half], yc[~half], [0, 1, 2])
        log(f"{name:28s} calib-B NSMC neg/pos acc {m2['accuracy']:.4f} ece {m2['ece']:.4f} | "
            f"3-class macro-F1 {m3['macro_f1']:.4f} ece {m3['ece']:.4f}")
        return m2["accuracy"]

    def softmax(z):
        z = np.exp(z - z.max(1, keepdims=True))
        return z / z.sum(1, keepdims=True)

    report("model alone", softmax(model_lp))
    best = None
    for C in [float(c) for c in args.C.split(",")]:
        t0 = time.time()
        W, b = fit_head(X, y, C=C, sample_weight=sw)
        head = NgramHead(W.astype(np.float16), b, np.zeros((3, 6)), np.zeros(3), args.bits, orders)
        hl = np.asarray(Xc @ head.W, dtype=np.float64) + head.b
        log(f"C={C}: fitted in {time.time() - t0:.0f}s")
        report(f"head alone C={C}", softmax(hl))
        A, c = fit_fusion(model_lp[half], hl[half], yc[half])
        acc = report(f"fused C={C}", softmax(np.concatenate([model_lp, hl], 1) @ A.T + c))
        log(f"fusion A={np.round(A, 3).tolist()} c={np.round(c, 3).tolist()}")
        if best is None or acc > best[0]:
            best = (acc, C, W, b, hl)
    acc, C = best[:2]
    log(f"best C={C} (calib-B NSMC acc {acc:.4f})")
    if args.out:
        write_out(args, mdir, tr, calib, C, orders, cfg.seed)


def write_out(args, mdir: Path, tr, calib, C: float, orders: tuple[str, ...], seed: int) -> None:
    """Exactly what `train` does after saving a model (models/ngram_head.fit_for_model), into a copy."""
    from voc_pipeline.models.ngram_head import NgramHead, fit_for_model

    general = None
    if args.reuse_general_head:
        shipped = NgramHead.load(mdir)
        if shipped is None or shipped.bits != args.bits or shipped.orders != orders:
            raise SystemExit(f"--reuse-general-head: {mdir} has no head with bits {args.bits} and orders {orders}")
        general = (shipped.W[:, :3], shipped.b[:3])
    out = Path(args.out)
    if out.resolve() != mdir.resolve():
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(mdir, out, ignore=shutil.ignore_patterns("checkpoints", "cache"))
    rep = fit_for_model(out, tr, calib, bits=args.bits, orders=orders, C=C, seed=seed,
                        synthetic_weight=args.synthetic_weight, commerce_head=args.commerce_head,
                        fusion_dev=args.fusion_dev, dev_share=args.fusion_dev_share,
                        commerce_dev_weight=args.commerce_dev_weight, general_head=general, log=log)
    f = out / "training_report.json"
    rec = json.loads(f.read_text(encoding="utf-8"))
    rec["report"]["ngram_head"] = rep
    rec["config"].update({"ngram_head": True, "ngram_bits": args.bits, "ngram_c": C,
                          "commerce_head": args.commerce_head, "fusion_dev": args.fusion_dev,
                          "fusion_dev_share": args.fusion_dev_share,
                          "commerce_dev_weight": args.commerce_dev_weight})
    f.write_text(json.dumps(rec, ensure_ascii=False, indent=2), encoding="utf-8")
    log(f"wrote {out}/ngram_head.npz ({rep['bytes'] / 1e6:.1f} MB): {json.dumps(rep)}")


if __name__ == "__main__":
    sys.exit(main())
