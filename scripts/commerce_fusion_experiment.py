"""Experiment: fit the sentence fusion on calib + the commerce dev set, with span-head features (issue #4).

    nice -n 19 .venv/bin/python scripts/ngram_head_experiment.py --work /tmp/helper4   # caches the splits once
    nice -n 19 .venv/bin/python scripts/commerce_fusion_experiment.py dump --work /tmp/cdev
    nice -n 19 .venv/bin/python scripts/commerce_fusion_experiment.py cv --work /tmp/cdev --shares 0.25,0.5
    nice -n 19 .venv/bin/python scripts/commerce_fusion_experiment.py comhead --work /tmp/cdev \
        --C 4 --dev-weight 0,10 --shares 0.25,0.5,0.75

``dump`` computes, for the class-balanced calib sample (the one ``fit_for_model`` uses, from the
splits cached by scripts/ngram_head_experiment.py) and for data/dev/commerce_dev.jsonl, the inputs of
the fusion as inference computes them: the model's temperature-scaled log-probabilities, the n-gram
head's logits and the span-head features (``fusion_inputs`` below). ``cv`` compares fusion
variants by 5-fold cross-validation over the dev set (fit on calib half A + 4 dev folds, score the
5th) and on calib half B (NSMC neg/pos accuracy, the guard against losing movie accuracy), with and
without the span-head features. ``comhead`` adds a second n-gram head fitted on the synthetic commerce
rows of train (``--dev-weight`` > 0: also on the dev folds, its dev logits cross-fitted so the fusion
never reads a logit of a row the head was fitted on). Figures: docs/model.md §5.
data/eval is never read here.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ----------------------------------------------------------------------------- span-head sentence features (tried, not shipped)

SPAN_FEATURES = ("n_neg", "n_pos", "max_neg", "max_pos", "last_pol")


def span_features(span_p: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """(b, 5) sentence features read from the model's own token head (SPAN_LABELS order O, B/I-ASP, B/I-NEG, B/I-POS).

    The token head was trained with synthetic commerce frames (models/synth.py), so its opinion
    spans carry commerce polarity the sentence head, trained mostly on movie ratings, may miss.
    Per sentence, over the morphemes inside the window: log1p of the number of NEG and POS spans
    (argmax label), the highest probability of NEG and of POS at any morpheme, and the polarity of
    the last opinion morpheme (+1 POS, -1 NEG, 0 none; in "A는 좋은데 B가 별로" the last clause
    usually carries the weight).
    """
    p = np.where(inside[..., None], span_p, 0.0)
    neg = p[..., 3] + p[..., 4]
    pos = p[..., 5] + p[..., 6]
    arg = np.where(inside, span_p.argmax(axis=-1), 0)
    is_neg = (arg == 3) | (arg == 4)
    is_pos = (arg == 5) | (arg == 6)
    prev = np.concatenate([np.zeros_like(arg[:, :1]), arg[:, :-1]], axis=1)
    n_neg = ((arg == 3) | ((arg == 4) & (prev != 3) & (prev != 4))).sum(axis=1)   # spans, BIO-repaired
    n_pos = ((arg == 5) | ((arg == 6) & (prev != 5) & (prev != 6))).sum(axis=1)
    t = arg.shape[1]
    opin = is_neg | is_pos
    last = np.where(opin.any(axis=1), t - 1 - np.argmax(opin[:, ::-1], axis=1), 0)
    rows = np.arange(arg.shape[0])
    last_pol = np.where(opin.any(axis=1), np.where(is_pos[rows, last], 1.0, -1.0), 0.0)
    return np.stack([np.log1p(n_neg), np.log1p(n_pos), neg.max(axis=1, initial=0.0), pos.max(axis=1, initial=0.0),
                     last_pol], axis=1).astype(np.float64)


def span_inside(enc: dict[str, np.ndarray], lengths: np.ndarray) -> np.ndarray:
    """(b, w) bool: morpheme positions of the batch that the model labels (inside the window and the sentence)."""
    inside = enc["word_index"] >= 0
    return inside & (np.arange(inside.shape[1])[None, :] < np.asarray(lengths)[:, None])


def fusion_inputs(tagger, morphs, head=None, batch_size: int = 256):
    """(model log-probs, head logits, span features) of morpheme sentences, computed as ``Tagger.predict`` does.

    Model log-probabilities are the temperature-scaled ones (no head); head logits are zeros when
    ``head`` is None. Used at fit time, so the fusion sees exactly the inputs inference gives it.
    """
    from voc_pipeline.models.encoding import encode

    cfg = tagger.config
    n = len(morphs)
    lp, hl, sf = np.zeros((n, 3)), np.zeros((n, 3)), np.zeros((n, len(SPAN_FEATURES)))
    for i in range(0, n, batch_size):
        batch = morphs[i:i + batch_size]
        enc = encode(tagger.tokenizer, batch, cfg.max_morphemes, cfg.max_subwords, cfg.use_tags)
        sentiment, span = tagger.backend.forward(enc)
        z = sentiment.astype(np.float64) / tagger.temperature
        z = np.exp(z - z.max(axis=1, keepdims=True))
        lp[i:i + len(batch)] = np.log(np.clip(z / z.sum(axis=1, keepdims=True), 1e-12, None))   # as probs() reads them
        if head is not None:
            hl[i:i + len(batch)] = head.logits(enc)
        sp = np.exp(span - span.max(-1, keepdims=True))
        sp /= sp.sum(-1, keepdims=True)
        sf[i:i + len(batch)] = span_features(sp, span_inside(enc, np.fromiter(map(len, batch), np.int64, len(batch))))
    return lp, hl, sf


def dump(args) -> None:
    from voc_pipeline.models.corpus import LABEL2ID
    from voc_pipeline.models.ngram_head import NgramHead, _balanced_sample
    from voc_pipeline.models.tagger import load_tagger
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    tagger = load_tagger(args.model, threads=1)
    head = NgramHead.load(args.model)
    if not (work / "calib.npz").is_file():
        splits = pickle.loads(Path(args.splits).read_bytes())
        seed = json.loads((Path(args.model) / "training_report.json").read_text())["config"]["seed"]
        cal = _balanced_sample(splits["calib"][splits["calib"]["label_id"] >= 0], seed, 4000)
        lp, hl, sf = fusion_inputs(tagger, cal["morphs"].tolist(), head)
        np.savez(work / "calib.npz", lp=lp, hl=hl, sf=sf, y=cal["label_id"].to_numpy(),
                 nsmc=(cal["source"] == "nsmc_dev").to_numpy())
        log(f"calib {len(cal)} rows dumped")
    if not Path(args.dev).is_file():
        return
    dev = pd.read_json(args.dev, lines=True)
    morphs = KiwiTokenizer().morphemes(dev["text"].tolist())
    lp, hl, sf = fusion_inputs(tagger, morphs, head)
    np.savez(work / "dev.npz", lp=lp, hl=hl, sf=sf, y=dev["label"].map(LABEL2ID).to_numpy())
    log(f"dev {len(dev)} rows dumped")


def _softmax(z: np.ndarray) -> np.ndarray:
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def _predict(A, c, lp, hl, sf):
    x = np.concatenate([lp, hl] + ([sf] if A.shape[1] > 6 else []), axis=1)
    return _softmax(x @ A.T + c)


def cv(args) -> None:
    from voc_pipeline.models.evaluate import sentiment_metrics
    from voc_pipeline.models.ngram_head import NgramHead, balanced_weights, fit_fusion

    work = Path(args.work)
    cal, dev = np.load(work / "calib.npz"), np.load(work / "dev.npz")
    yc, yd = cal["y"], dev["y"]
    rng = np.random.default_rng(13)
    half = rng.permutation(len(yc)) % 2 == 0               # fit on calib half A, guard on half B
    nsmc_b = (~half) & cal["nsmc"] & np.isin(yc, [0, 2])
    folds = np.random.default_rng(7).permutation(len(yd)) % args.folds
    shipped = NgramHead.load(args.model)

    def report(name, oof, guard_probs):
        m3 = sentiment_metrics(oof, yd, [0, 1, 2])
        m2 = sentiment_metrics(oof[yd != 1], yd[yd != 1], [0, 2])
        accs = [sentiment_metrics(g[nsmc_b], yc[nsmc_b], [0, 2])["accuracy"] for g in guard_probs]
        log(f"{name:34s} dev 3-cl F1 {m3['macro_f1']:.4f} acc {m3['accuracy']:.4f} ece {m3['ece']:.4f} | "
            f"neg/pos F1 {m2['macro_f1']:.4f} | calib-B NSMC acc {np.mean(accs):.4f}")
        return {"name": name, "dev_f1": m3["macro_f1"], "dev_ece": m3["ece"], "dev_binary_f1": m2["macro_f1"],
                "nsmc_b": float(np.mean(accs)), "confusion": m3["confusion"]}

    def cal_probs(A, c):
        return _predict(A, c, cal["lp"], cal["hl"], cal["sf"])

    results = []
    dp = _predict(shipped.fuse_A, shipped.fuse_c, dev["lp"], dev["hl"], dev["sf"])
    results.append(report("shipped fusion (whole calib)", dp, [cal_probs(shipped.fuse_A, shipped.fuse_c)]))
    results.append(report("model alone (temperature)", np.exp(dev["lp"]), [np.exp(cal["lp"])]))
    for use_span in (False, True):
        for share in [0.0] + [float(v) for v in args.shares.split(",")]:
            for l2 in [float(v) for v in args.l2.split(",")]:
                oof, guards = np.zeros((len(yd), 3)), []
                for k in range(args.folds):
                    tr = folds != k
                    lp = np.concatenate([cal["lp"][half], dev["lp"][tr]])
                    hl = np.concatenate([cal["hl"][half], dev["hl"][tr]])
                    sf = np.concatenate([cal["sf"][half], dev["sf"][tr]])
                    y = np.concatenate([yc[half], yd[tr]])
                    grp = np.array(["calib"] * int(half.sum()) + ["dev"] * int(tr.sum()), dtype=object)
                    w = balanced_weights(y, grp, {"dev": share})
                    keep = w > 0
                    heads = np.concatenate([hl, sf], 1) if use_span else hl
                    A, c = fit_fusion(lp[keep], heads[keep], y[keep], l2=l2, sample_weight=w[keep])
                    oof[~tr] = _predict(A, c, dev["lp"][~tr], dev["hl"][~tr], dev["sf"][~tr])
                    guards.append(cal_probs(A, c))
                name = f"{'span+' if use_span else ''}fusion dev share {share} l2 {l2}"
                results.append(report(name, oof, guards))
    (work / "cv_results.json").write_text(json.dumps(results, indent=1))


def _features(work: Path, args):
    """Hashed n-gram features (the shipped head's encoding) of the synthetic train rows, calib sample, dev."""
    from scipy.sparse import load_npz, save_npz

    from voc_pipeline.models.corpus import LABEL2ID
    from voc_pipeline.models.ngram_head import _balanced_sample, encode_all
    from voc_pipeline.models.tagger import load_tagger
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    names = ("syn", "cal", "dev")
    if all((work / f"X_{n}.npz").is_file() for n in names):
        return {n: load_npz(work / f"X_{n}.npz").tocsr() for n in names}, np.load(work / "y_syn.npy")
    tagger = load_tagger(args.model, threads=1)
    cfg = tagger.config
    splits = pickle.loads(Path(args.splits).read_bytes())
    seed = json.loads((Path(args.model) / "training_report.json").read_text())["config"]["seed"]
    syn = splits["train"][(splits["train"]["source"] == "synthetic") & (splits["train"]["label_id"] >= 0)]
    cal = _balanced_sample(splits["calib"][splits["calib"]["label_id"] >= 0], seed, 4000)
    assert (cal["label_id"].to_numpy() == np.load(work / "calib.npz")["y"]).all()
    dev = pd.read_json(args.dev, lines=True)
    assert (dev["label"].map(LABEL2ID).to_numpy() == np.load(work / "dev.npz")["y"]).all()
    morphs = {"syn": syn["morphs"].tolist(), "cal": cal["morphs"].tolist(),
              "dev": KiwiTokenizer().morphemes(dev["text"].tolist())}
    out = {}
    for n in names:
        out[n] = encode_all(tagger.tokenizer, morphs[n], cfg.max_morphemes, cfg.max_subwords, cfg.use_tags)
        save_npz(work / f"X_{n}.npz", out[n])
    np.save(work / "y_syn.npy", syn["label_id"].to_numpy())
    return out, syn["label_id"].to_numpy()


def comhead(args) -> None:
    """A second, commerce-only n-gram head (synthetic frames [+ dev folds]) as 3 more fusion inputs."""
    from scipy.sparse import vstack

    from voc_pipeline.models.evaluate import sentiment_metrics
    from voc_pipeline.models.ngram_head import balanced_weights, fit_fusion, fit_head

    work = Path(args.work)
    X, y_syn = _features(work, args)
    cal, dev = np.load(work / "calib.npz"), np.load(work / "dev.npz")
    yc, yd = cal["y"], dev["y"]
    half = np.random.default_rng(13).permutation(len(yc)) % 2 == 0
    nsmc_b = (~half) & cal["nsmc"] & np.isin(yc, [0, 2])
    folds = np.random.default_rng(7).permutation(len(yd)) % args.folds

    def head_logits(rows_dev, C, dev_w):
        """Commerce head fitted on synthetic rows (+ the given dev rows at weight dev_w each)."""
        Xs, ys = X["syn"], y_syn
        sw = np.ones(len(ys))
        if rows_dev is not None and rows_dev.any():
            Xs = vstack([Xs, X["dev"][np.where(rows_dev)[0]]]).tocsr()
            ys = np.concatenate([ys, yd[rows_dev]])
            sw = np.concatenate([sw, np.full(int(rows_dev.sum()), dev_w)])
        W, b = fit_head(Xs, ys, C=C, sample_weight=sw)
        W = W.astype(np.float16).astype(np.float32)
        return lambda M: np.asarray(M @ W, dtype=np.float64) + b

    def fold_logits(C, dev_w):
        """Per outer fold k: commerce-head logits on calib, on dev rows outside k (cross-fitted when the
        head also learns from dev rows, so the fusion never sees a logit of a row the head was fitted on)
        and on dev fold k."""
        if dev_w == 0:
            f = head_logits(None, C, 0.0)
            lc, ld = f(X["cal"]), f(X["dev"])
            return [(lc, ld[folds != k], ld[folds == k]) for k in range(args.folds)]
        out = []
        for k in range(args.folds):
            tr = folds != k
            f_out = head_logits(tr, C, dev_w)
            ch_tr = np.zeros((int(tr.sum()), 3))
            idx_tr = np.where(tr)[0]
            for j in set(range(args.folds)) - {k}:
                sel = folds[idx_tr] == j
                ch_tr[sel] = head_logits(tr & (folds != j), C, dev_w)(X["dev"][idx_tr[sel]])
            out.append((f_out(X["cal"]), ch_tr, f_out(X["dev"][np.where(~tr)[0]])))
        return out

    for C in [float(v) for v in args.C.split(",")]:
        for dev_w in [float(v) for v in args.dev_weight.split(",")]:
            t0 = time.time()
            per_fold = fold_logits(C, dev_w)
            for natural in (False, True):
                for share in [float(v) for v in args.shares.split(",")]:
                    oof, guards = np.zeros((len(yd), 3)), []
                    for k, (ch_cal, ch_tr, ch_te) in enumerate(per_fold):
                        tr = folds != k
                        lp = np.concatenate([cal["lp"][half], dev["lp"][tr]])
                        hl = np.concatenate([np.concatenate([cal["hl"][half], ch_cal[half]], 1),
                                             np.concatenate([dev["hl"][tr], ch_tr], 1)])
                        y = np.concatenate([yc[half], yd[tr]])
                        grp = np.array(["calib"] * int(half.sum()) + ["dev"] * int(tr.sum()), dtype=object)
                        w = balanced_weights(y, grp, {"dev": share}, natural=("dev",) if natural else ())
                        A, c = fit_fusion(lp, hl, y, sample_weight=w)
                        oof[~tr] = _softmax(np.concatenate([dev["lp"][~tr], dev["hl"][~tr], ch_te], 1) @ A.T + c)
                        guards.append(_softmax(np.concatenate([cal["lp"], cal["hl"], ch_cal], 1) @ A.T + c))
                    m3 = sentiment_metrics(oof, yd, [0, 1, 2])
                    m2 = sentiment_metrics(oof[yd != 1], yd[yd != 1], [0, 2])
                    acc = np.mean([sentiment_metrics(g[nsmc_b], yc[nsmc_b], [0, 2])["accuracy"] for g in guards])
                    log(f"comhead C {C} devw {dev_w} {'natural ' if natural else ''}share {share}: dev 3-cl F1 "
                        f"{m3['macro_f1']:.4f} ece {m3['ece']:.4f} neg/pos F1 {m2['macro_f1']:.4f} | calib-B NSMC "
                        f"{acc:.4f} | {m3['confusion']} ({time.time() - t0:.0f}s)")

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("stage", choices=["dump", "cv", "comhead"])
    ap.add_argument("--model", default=str(REPO / "src/voc_pipeline/resources/model"))
    ap.add_argument("--splits", default="/tmp/helper4/splits.pkl")
    ap.add_argument("--dev", default=str(REPO / "data/dev/commerce_dev.jsonl"))
    ap.add_argument("--work", default="/tmp/cdev")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--shares", default="0.1,0.25,0.5", help="dev share of the fusion's weight")
    ap.add_argument("--l2", default="0.001")
    ap.add_argument("--C", default="4")
    ap.add_argument("--dev-weight", default="0", help="comhead: sample weight of each dev row (0 = synthetic only)")
    a = ap.parse_args()
    sys.exit({"dump": dump, "cv": cv, "comhead": comhead}[a.stage](a))
