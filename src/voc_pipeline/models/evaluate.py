"""``evaluate``: sentiment metrics on a labelled file, the held-out report, span/stage F1, baselines."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from voc_pipeline.models.corpus import LABEL2ID, read_table
from voc_pipeline.schema import SENTIMENT_LABELS

LABEL_ALIASES = {
    "neg": "neg", "negative": "neg", "부정": "neg", "0": "neg", "-1": "neg",
    "neu": "neu", "neutral": "neu", "중립": "neu",
    "pos": "pos", "positive": "pos", "긍정": "pos", "1": "pos",
}


# ----------------------------------------------------------------------------- metrics


def ece_score(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top-class probability (equal-width bins)."""
    conf = probs.max(1)
    pred = probs.argmax(1)
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs((pred[m] == y[m]).mean() - conf[m].mean())
    return float(ece)


def sentiment_metrics(probs: np.ndarray, y: np.ndarray, classes: Sequence[int]) -> dict:
    """probs over all 3 labels; restricted to ``classes`` (renormalised) when the gold has fewer."""
    from sklearn.metrics import f1_score

    classes = list(classes)
    p = restrict_to(probs, classes)
    yy = np.array([classes.index(v) for v in y])
    pred = p.argmax(1)
    return {
        "n": len(y), "accuracy": float((pred == yy).mean()),
        "macro_f1": float(f1_score(yy, pred, average="macro", labels=list(range(len(classes))))),
        "ece": ece_score(p, yy),
        "labels": [SENTIMENT_LABELS[c] for c in classes],
        "confusion": pd.crosstab(pd.Series(yy, name="gold"), pd.Series(pred, name="pred"))
        .reindex(index=range(len(classes)), columns=range(len(classes)), fill_value=0).to_numpy().tolist(),
    }


def restrict_to(probs: np.ndarray, classes: Sequence[int]) -> np.ndarray:
    """The probabilities of ``classes`` only, renormalised (a neg/pos set drops neutral)."""
    p = probs[:, list(classes)]
    return p / np.clip(p.sum(1, keepdims=True), 1e-12, None)


def read_labelled(data: str | Path, text_column: str = "text", label_column: str = "label",
                  limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """(texts, label ids) of a labelled csv/tsv/jsonl/parquet; rows without a known label are skipped
    (labels neg/neu/pos and their aliases, ``normalise_labels``)."""
    df = read_table(data)
    for c in (text_column, label_column):
        if c not in df.columns:
            raise ValueError(f"{data}: column '{c}' not found (columns: {', '.join(map(str, df.columns))})")
    labels = normalise_labels(df[label_column].tolist())
    keep = [i for i, lab in enumerate(labels) if lab is not None]
    if limit:
        keep = keep[:limit]
    return [str(df[text_column].iloc[i]) for i in keep], np.array([LABEL2ID[labels[i]] for i in keep], dtype=np.int64)


def normalise_labels(values) -> list[str | None]:
    out = []
    for v in values:
        s = str(v).strip().lower() if v is not None and not (isinstance(v, float) and np.isnan(v)) else ""
        out.append(LABEL_ALIASES.get(s))
    return out


# ----------------------------------------------------------------------------- evaluation units

#: ``text``: each text is one model sequence (Kiwi morphemes of the whole text), how the model is
#: trained; ``record``: what ``voc-pipeline run`` writes in records.sentiment (the text masked, split
#: into Kiwi sentences, the model run per sentence, ``stages.tag.record_sentiment`` aggregating).
UNITS = ("text", "record")

#: a record with no sentence (only emoticons, say) is neutral in the pipeline
_NO_SENTENCE = np.array([0.0, 1.0, 0.0])


def record_unit_probabilities(tagger, texts: Sequence[str], config=None) -> tuple[np.ndarray, float, float]:
    """(n, 3) record probabilities of ``texts`` as the pipeline computes them, with the seconds spent
    in mask + Kiwi and in the model.

    It runs the pipeline's own stage code (``pipeline.Stages.prepare``: masking + ``KiwiTokenizer``
    with the run's settings; ``stages.tag.Tagger`` and its ``record_probabilities`` under the config's
    ``model.record_pass``, what ``Stages.complete`` hands ``record_sentiment``) rather than a copy, so
    the protocol cannot drift from what users get. ``config``: the PipelineConfig of the run being
    mirrored (default: the default run).
    """
    from voc_pipeline.config import PipelineConfig
    from voc_pipeline.pipeline import Stages
    from voc_pipeline.stages.tag import Tagger

    config = config or PipelineConfig()
    # the masker needs a secret only for customer keys, which these frames do not have
    stages = Stages(config, secret=b"", only="prepare")
    records = pd.DataFrame({"record_id": [f"r{i}" for i in range(len(texts))], "text": list(texts)})
    stages.prepare(records.head(1), pd.DataFrame())      # Kiwi loads lazily: keep that out of the timing
    t0 = time.perf_counter()
    prepared = stages.prepare(records, pd.DataFrame())
    t_kiwi = time.perf_counter() - t0
    t0 = time.perf_counter()
    stage = Tagger(tagger, record_pass=config.model.record_pass)
    before = tagger.fusion
    tagger.use_fusion(config.model.sentiment_fusion)      # as `Stages` does for a run
    try:
        sentences, _ = stage(prepared.sentences)
        p = stage.record_probabilities(records["record_id"], sentences)
    finally:
        tagger.fusion = before
    t_model = time.perf_counter() - t0
    p = np.where(np.isnan(p).any(axis=1, keepdims=True), _NO_SENTENCE, p)
    return p, t_kiwi, t_model


def text_unit_probabilities(tagger, texts: Sequence[str]) -> tuple[np.ndarray, float, float]:
    """(n, 3) probabilities with each whole text as one model sequence, and the Kiwi / model seconds."""
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    kt = KiwiTokenizer()
    kt.morphemes(["워밍업 문장입니다"])     # Kiwi loads its model lazily: keep that out of the timing
    t0 = time.perf_counter()
    morphs = kt.morphemes(list(texts))
    t_kiwi = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = tagger.predict(morphs)
    return out.sentiment, t_kiwi, time.perf_counter() - t0


def unit_probabilities(tagger, texts: Sequence[str], unit: str = "text",
                       record_pass: str | None = None) -> tuple[np.ndarray, float, float]:
    """``record_pass``: the record unit's ``model.record_pass`` (None: the default config's). Both units
    use the tagger's sentiment fusion (``Tagger.use_fusion``)."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    if unit == "record":
        return record_unit_probabilities(tagger, texts, record_pass_config(record_pass, tagger.fusion))
    return text_unit_probabilities(tagger, texts)


def record_pass_config(record_pass: str | None = None, fusion: str | None = None):
    """The default run's PipelineConfig, with ``model.record_pass`` and ``model.sentiment_fusion`` set
    when given."""
    from voc_pipeline.config import ModelConfig, PipelineConfig

    given = {k: v for k, v in (("record_pass", record_pass), ("sentiment_fusion", fusion)) if v is not None}
    return PipelineConfig(model=ModelConfig(**given)) if given else PipelineConfig()


# ----------------------------------------------------------------------------- evaluate a file


def evaluate_file(model: str | None, data: str, text_column: str = "text", label_column: str = "label",
                  baseline: bool = False, baseline_train: Sequence[str] | None = None, batch_size: int = 64,
                  limit: int | None = None, unit: str = "text", record_pass: str | None = None,
                  fusion: str | None = None, log=print) -> dict:
    """Scores of ``model`` on a labelled file; ``unit`` (UNITS): how a text becomes probabilities;
    ``fusion``: the sentiment fusion (ngram_head.FUSIONS; default: the config default, what `run` uses)."""
    from voc_pipeline.models.tagger import load_tagger

    texts, y = read_labelled(data, text_column, label_column, limit)
    classes = sorted(set(y.tolist()))
    # a neg/pos file: predictions are restricted to those two
    classes = [0, 2] if set(classes) <= {0, 2} else [0, 1, 2]
    tagger = load_tagger(model, batch_size=batch_size, fusion=fusion)
    probs, t_kiwi, t_model = unit_probabilities(tagger, texts, unit, record_pass)
    res = sentiment_metrics(probs, y, classes)
    res.update({
        "model_id": tagger.model_id, "model_hash": tagger.model_hash[:16], "file": str(data), "unit": unit,
        "sentiment_fusion": tagger.fusion,
        "record_pass": record_pass_config(record_pass).model.record_pass if unit == "record" else None,
        "texts_per_s": round(len(texts) / max(t_model, 1e-9), 1),
        "texts_per_s_with_kiwi": round(len(texts) / max(t_model + t_kiwi, 1e-9), 1),
    })
    if baseline:
        res["baseline"] = tfidf_baseline_scores(texts, y, classes, baseline_train or _default_train_files(tagger),
                                                log=log)
        b = res["baseline"]["macro_f1"]
        res["macro_f1_ratio_vs_baseline"] = round(res["macro_f1"] / b, 3) if b else None
    return res


def _default_train_files(tagger) -> list[str]:
    rep = Path(tagger.path) / "training_report.json"
    if rep.is_file():
        return json.loads(rep.read_text(encoding="utf-8"))["config"]["data"]
    from voc_pipeline.models.corpus import shared_data_dir

    return [str(shared_data_dir() / "nsmc" / "nsmc_dev.parquet")]


_BASELINE_CACHE: dict = {}


def train_tfidf_baseline(train_files: Sequence[str], seed: int = 13, max_rows: int = 200000, salt: str = "voc-v0",
                         labels: Sequence[str] = ("neg", "neu", "pos")):
    """Char 1–3-gram TF-IDF + logistic regression on the balanced labelled TRAIN split of the same files,
    trained on the label set being evaluated (binary files: a neg/pos classifier)."""
    import hashlib
    import os
    import pickle

    key = (tuple(Path(f).name for f in train_files), seed, max_rows, salt, tuple(labels))
    if key in _BASELINE_CACHE:
        return _BASELINE_CACHE[key]
    cache_dir = os.environ.get("VOC_BASELINE_CACHE")   # optional on-disk cache (benchmarks)
    cache = Path(cache_dir) / f"tfidf-{hashlib.sha1(repr(key).encode()).hexdigest()[:12]}.pkl" if cache_dir else None
    if cache is not None and cache.is_file():
        _BASELINE_CACHE[key] = pickle.loads(cache.read_bytes())
        return _BASELINE_CACHE[key]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from voc_pipeline.models.corpus import group_split, load_training_file

    frames = []
    for f in train_files:
        d = load_training_file(f)
        d = d[(group_split(d["group"].tolist(), salt=salt) == "train") & d["label"].isin(list(labels))]
        frames.append(d)
    d = pd.concat(frames, ignore_index=True)
    per = max_rows // len(labels)
    d = pd.concat([g.sample(min(len(g), per), random_state=seed) for _, g in d.groupby("label")])
    clf = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, max_features=300000,
                                        sublinear_tf=True),
                        LogisticRegression(max_iter=1000, C=2.0))
    clf.fit(d["text"].tolist(), d["label"].map(LABEL2ID).to_numpy())
    _BASELINE_CACHE[key] = clf
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(clf))
    return clf


def tfidf_baseline_scores(texts, y, classes, train_files, log=print) -> dict:
    clf = train_tfidf_baseline(list(train_files), labels=[SENTIMENT_LABELS[c] for c in classes])
    proba = np.zeros((len(texts), 3))
    p = clf.predict_proba(texts)
    for j, c in enumerate(clf.classes_):
        proba[:, c] = p[:, j]
    r = sentiment_metrics(proba, y, classes)
    return {k: r[k] for k in ("n", "accuracy", "macro_f1", "ece")}


# ----------------------------------------------------------------------------- held-out report


def nsmc_balanced_test(test: pd.DataFrame, seed: int, per_class: int = 5000) -> pd.DataFrame:
    t = test[(test["source"] == "nsmc_dev") & test["label_id"].isin([0, 2])]
    if t.empty:
        return t
    return pd.concat([g.sample(min(len(g), per_class), random_state=seed) for _, g in t.groupby("label_id")])


def heldout_report(model_dir: str, test: pd.DataFrame, seed: int = 13, log=print) -> dict:
    """Scores on the held-out groups (movies/comments never trained on), plus the commerce checks."""
    from voc_pipeline.models.tagger import load_tagger

    tagger = load_tagger(model_dir)
    rep: dict = {}
    nsmc = nsmc_balanced_test(test, seed)
    if len(nsmc):
        out = tagger.predict(nsmc["morphs"].tolist())
        rep["nsmc_heldout_balanced"] = _short(sentiment_metrics(out.sentiment, nsmc["label_id"].to_numpy(), [0, 2]))
        log(f"NSMC held-out movies (balanced neg/pos): {rep['nsmc_heldout_balanced']}")
    kote = test[(test["source"] == "kote") & (test["label_id"] >= 0)]
    if len(kote):
        out = tagger.predict(kote["morphs"].tolist())
        rep["kote_heldout_3class"] = _short(sentiment_metrics(out.sentiment, kote["label_id"].to_numpy(), [0, 1, 2]))
        log(f"KOTE held-out (3-class): {rep['kote_heldout_3class']}")
    sample = nsmc if len(nsmc) else test
    rep["speed"] = throughput(tagger, sample["morphs"].tolist()[:4000])
    log(f"speed: {rep['speed']}")
    return rep


def _short(m: dict) -> dict:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items() if k in
            ("n", "accuracy", "macro_f1", "ece")}


def throughput(tagger, morphs: list, repeats: int = 2) -> dict:
    tagger.predict(morphs[:256])
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        tagger.predict(morphs)
        best = max(best, len(morphs) / (time.perf_counter() - t0))
    return {"texts_per_s": round(best, 1), "threads": tagger_threads(tagger), "backend": tagger.backend_name,
            "batch_size": tagger.batch_size, "n": len(morphs)}


def tagger_threads(tagger) -> int:
    threads = getattr(tagger.backend, "threads", None)
    if threads is None:
        import torch

        threads = torch.get_num_threads()
    return int(threads)


# ----------------------------------------------------------------------------- commerce checks


def danawa_frame(path: str | Path) -> pd.DataFrame:
    """danawa shop reviews: 1–2 stars -> neg, 4–5 -> pos, 3 -> neu (the 1–5 rule of corpus.py)."""
    from voc_pipeline.models.corpus import rating_to_label

    d = pd.read_parquet(path)
    d["label"] = [rating_to_label(r, 5) for r in d["rating"]]
    return d


def danawa_text_frame(reviews: str | Path, labels: str | Path) -> pd.DataFrame:
    """danawa shop reviews with the labels people gave them by reading the text (neg/neu/pos).

    ``labels`` is the project's own annotation (data/eval/danawa_text_labels.tsv: ``id``, ``label``):
    the review text stays in ../shared (its licence forbids copying it) and is joined here by id.
    Every labelled id must be in ``reviews`` and every label one of neg/neu/pos, or it raises: a
    silently shorter test set would change the score without saying so.
    """
    lab = pd.read_csv(labels, sep="\t", dtype={"id": str, "label": str}, keep_default_na=False)
    bad = sorted(set(lab["label"]) - set(LABEL2ID))
    if bad:
        raise ValueError(f"{labels}: labels other than neg/neu/pos: {bad}")
    if lab["id"].duplicated().any():
        raise ValueError(f"{labels}: duplicated ids: {lab.loc[lab['id'].duplicated(), 'id'].tolist()[:5]}")
    d = pd.read_parquet(reviews, columns=["id", "rating", "text"]).astype({"id": str})
    missing = sorted(set(lab["id"]) - set(d["id"]))
    if missing:
        raise ValueError(f"{labels}: {len(missing)} ids not in {reviews}, e.g. {missing[:5]}")
    return lab[["id", "label"]].merge(d, on="id", how="left", validate="one_to_one")


def nsmc_heldout_balanced(data_dir: str | Path, seed: int = 13, salt: str = "voc-v0") -> pd.DataFrame:
    """The model card's NSMC held-out sample: neg/pos reviews of movies in the ``salt`` test split,
    5,000 of each (``seed``), as the training report and ``benchmarks/model_eval.py`` score it."""
    from voc_pipeline.models.corpus import group_split, load_training_file

    nsmc = load_training_file(Path(data_dir) / "nsmc/nsmc_dev.parquet")
    nsmc = nsmc[(group_split(nsmc["group"].tolist(), salt=salt) == "test") & nsmc["label"].isin(["neg", "pos"])]
    nsmc = nsmc.assign(label_id=nsmc["label"].map(LABEL2ID)).reset_index(drop=True)
    return pd.concat([g.sample(min(len(g), 5000), random_state=seed) for _, g in nsmc.groupby("label_id")])



def kote_heldout(data_dir: str | Path, salt: str = "voc-v0") -> pd.DataFrame:
    """The model card's KOTE held-out set: every labelled comment in the ``salt`` test split."""
    from voc_pipeline.models.corpus import group_split, load_training_file

    kote = load_training_file(Path(data_dir) / "kote/kote.parquet")
    return kote[(group_split(kote["group"].tolist(), salt=salt) == "test") & kote["label"].notna()]


# ----------------------------------------------------------------------------- spans


def extend_opinions_to_word(spans, text: str):
    """Opinion spans end where their word ends (늦 -> 늦었어요): the surface a reader quotes."""
    out = []
    for s, e, t in spans:
        if t in {"NEG", "POS"}:
            while e < len(text) and not text[e].isspace() and text[e] not in ".,!?~":
                e += 1
        out.append((s, e, t))
    return out


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "pred": n_pred, "gold": n_gold}


def _match(pred, gold, exact: bool) -> int:
    used = set()
    tp = 0
    for s, e, t in pred:
        for k, (gs, ge, gt) in enumerate(gold):
            if k in used or gt != t:
                continue
            if (exact and s == gs and e == ge) or (not exact and s < ge and e > gs):
                used.add(k)
                tp += 1
                break
    return tp


def stage_map(domain_yaml: str | Path) -> dict[str, str]:
    import yaml

    d = yaml.safe_load(Path(domain_yaml).read_text(encoding="utf-8"))
    m = {}
    for st in d.get("stages") or []:
        for w in st.get("keywords") or []:
            m[str(w)] = st["id"]
    for a, b in (d.get("synonyms") or {}).items():
        if b in m and a not in m:
            m[str(a)] = m[str(b)]
    return m


def _stage_of(text: str, kw: dict[str, str]) -> str | None:
    t = text.replace(" ", "")
    if t in kw:
        return kw[t]
    for w in sorted(kw, key=len, reverse=True):   # compound aspects: longest known keyword inside
        if len(w) >= 2 and w in t:
            return kw[w]
    return None


def span_eval(path: str | Path, model: str | None = None, domain_yaml: str | Path | None = None,
              lexicon_only: bool = False, fusion: str | Sequence[str] = "model", pairing: str | None = None,
              opinion_fill: str | None = None, opinion_fill_confidence: float | None = None,
              opinion_polarity: str | None = None) -> dict:
    """Span F1 (aspect, opinion+polarity; overlap and exact) and stage F1 on hand-labelled sentences,
    and the mention-level score (``mentions``: ``mention_scores``).

    ``fusion``: how the model's spans are fused with the lexicon's (``stages.tag.SPAN_FUSIONS``; the
    pipeline's ``model.span_fusion``, through the same ``fuse_span_labels``). A list of modes scores
    each on one model pass and returns ``{mode: result}``. Ignored under ``lexicon_only``.
    ``pairing``: how mentions pair an opinion with an aspect (``stages.tag.SPAN_PAIRINGS``, the run's
    ``model.span_pairing``; None = the config default); it moves only the ``mentions`` block.
    ``opinion_fill`` / ``opinion_fill_confidence``: the opinion fill run after the fusion (``stages.tag.
    OPINION_FILLS``, ``fill_opinion_labels``, with the model's sentence sentiment: the run's
    ``model.opinion_fill`` / ``model.opinion_fill_confidence``; None = the config default), on every
    fusion mode scored; not under ``lexicon_only`` (no sentence sentiment there).
    ``opinion_polarity``: how opinion spans' polarity is set after the fill (``stages.tag.OPINION_POLARITIES``,
    ``set_opinion_polarity``; the run's ``model.opinion_polarity``; None = the config default).
    """
    from voc_pipeline.config import ModelConfig
    from voc_pipeline.models.weak import Lexicon, weak_spans
    from voc_pipeline.stages.tag import SPAN_FUSIONS

    pairing = pairing or ModelConfig().span_pairing
    modes = [fusion] if isinstance(fusion, str) else list(fusion)
    if bad := [m for m in modes if m not in SPAN_FUSIONS]:
        raise ValueError(f"fusion must be one of {', '.join(SPAN_FUSIONS)}, not {bad}")
    rows, toks = span_rows(path)
    if lexicon_only:
        lex = Lexicon.load(domain_yaml=domain_yaml)
        labels = [weak_spans([(t.form, t.tag) for t in ts], lex) for ts in toks]
        return {**_span_scores(rows, toks, labels, domain_yaml),
                "mentions": mention_scores(rows, toks, labels, domain_yaml, pairing)}
    fill, tau = opinion_fill_settings(opinion_fill, opinion_fill_confidence)
    polarity = opinion_polarity or ModelConfig().opinion_polarity
    labels = span_labels(toks, model, domain_yaml, modes, fill, tau, polarity)
    results = {mode: {**_span_scores(rows, toks, labels[mode], domain_yaml), "fusion": mode,
                      **({"opinion_fill": fill, "opinion_fill_confidence": tau} if fill != "none" else {}),
                      **({"opinion_polarity": polarity} if polarity != "none" else {}),
                      "mentions": mention_scores(rows, toks, labels[mode], domain_yaml, pairing)} for mode in modes}
    return results[modes[0]] if isinstance(fusion, str) else results


def span_rows(path: str | Path) -> tuple[list[dict], list]:
    """A hand-labelled span file's rows and their Kiwi tokens (what ``span_eval`` scores)."""
    from voc_pipeline.stages.tokenize import KiwiTokenizer

    rows = [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]
    return rows, list(KiwiTokenizer().kiwi.tokenize([r["text"] for r in rows]))


def opinion_fill_settings(opinion_fill: str | None = None, confidence: float | None = None) -> tuple[str, float]:
    """(mode, tau) of the opinion fill: the given ones, else the config's (``model.opinion_fill``,
    ``model.opinion_fill_confidence``)."""
    from voc_pipeline.config import ModelConfig
    from voc_pipeline.stages.tag import OPINION_FILLS

    fill = opinion_fill or ModelConfig().opinion_fill
    if fill not in OPINION_FILLS:
        raise ValueError(f"opinion_fill must be one of {', '.join(OPINION_FILLS)}, not {fill!r}")
    return fill, float(ModelConfig().opinion_fill_confidence if confidence is None else confidence)


def span_labels(toks, model: str | None, domain_yaml: str | Path | None, modes: Sequence[str],
                opinion_fill: str | None = None, opinion_fill_confidence: float | None = None,
                opinion_polarity: str | None = None) -> dict[str, list]:
    """{fusion mode: each sentence's BIO labels} from one model pass, fused with the lexicon as the
    pipeline does (``stages.tag.fuse_span_labels``; the lexicon: ``fusion_lexicon``), then the opinion
    fill (``stages.tag.fill_opinion_labels`` with the model's sentence sentiment; None = the config's),
    then the opinion polarity (``stages.tag.set_opinion_polarity``; None = the config's)."""
    from voc_pipeline.config import ModelConfig
    from voc_pipeline.models.tagger import load_tagger
    from voc_pipeline.models.weak import weak_spans
    from voc_pipeline.stages.tag import (
        fill_opinion_labels,
        fuse_span_labels,
        fusion_lexicon,
        set_opinion_polarity,
    )

    morphs = [[(t.form, t.tag) for t in ts] for ts in toks]
    tagger = load_tagger(model)     # the default run's sentiment fusion: the opinion fill reads the sentiment
    out = tagger.predict(morphs)
    model_labels = out.span_labels
    polarity = opinion_polarity or ModelConfig().opinion_polarity   # set_opinion_polarity checks it
    lex = fusion_lexicon(tagger.path, domain_yaml) if set(modes) != {"model"} or polarity != "none" else None
    lexicon_labels = [weak_spans(m, lex) for m in morphs] if set(modes) != {"model"} else None
    labels = {mode: model_labels if mode == "model" else
              [fuse_span_labels(ml, ll, mode)[0] for ml, ll in zip(model_labels, lexicon_labels, strict=True)]
              for mode in modes}
    fill, tau = opinion_fill_settings(opinion_fill, opinion_fill_confidence)
    if fill == "none" and polarity == "none":
        return labels
    probs = np.asarray(out.sentiment, dtype="float64")
    cols = [([t.form for t in ts], [t.tag for t in ts], [t.start for t in ts], [t.len for t in ts]) for ts in toks]
    filled = {mode: [fill_opinion_labels(*c, labs, p, fill, tau)[0] for c, labs, p in zip(cols, ls, probs, strict=True)]
              for mode, ls in labels.items()} if fill != "none" else labels
    if polarity == "none":
        return filled
    return {mode: [set_opinion_polarity(c[0], c[1], f, lex, polarity, b)
                   for c, f, b in zip(cols, filled[mode], labels[mode], strict=True)] for mode in modes}


def span_sentence_counts(rows: list[dict], toks, pred_labels, domain_yaml=None) -> list[dict]:
    """Each sentence's span counts, what ``_span_scores`` sums: ``asp`` / ``opn`` / ``all`` ->
    (tp overlap, tp exact, pred, gold); with ``domain_yaml``, ``stage`` -> (tp, pred, gold).
    Per sentence so that a paired bootstrap (``paired_f1_bootstrap``) resamples sentences."""
    from voc_pipeline.stages._tag.fusion import _bio_spans  # the BIO walk the tag stage decodes with

    kw = stage_map(domain_yaml) if domain_yaml else {}
    out = []
    for r, ts, labs in zip(rows, toks, pred_labels, strict=True):
        pred = [(ts[a].start, ts[b - 1].start + ts[b - 1].len, kind) for kind, a, b in _bio_spans(labs)]
        pred = extend_opinions_to_word(pred, r["text"])
        gold = []
        for m in r.get("mentions") or []:
            if m.get("aspect") and m.get("aspect_start") is not None:
                gold.append((m["aspect_start"], m["aspect_end"], "ASP"))
            if m.get("opinion") and m.get("opinion_start") is not None:
                gold.append((m["opinion_start"], m["opinion_end"], "NEG" if m["polarity"] == "pain" else "POS"))
        gold = list(dict.fromkeys(gold))
        c: dict = {}
        for key, sel in (("asp", {"ASP"}), ("opn", {"NEG", "POS"}), ("all", {"ASP", "NEG", "POS"})):
            p = [x for x in pred if x[2] in sel]
            g = [x for x in gold if x[2] in sel]
            c[key] = (_match(p, g, exact=False), _match(p, g, exact=True), len(p), len(g))
        if kw:
            gs = {m["stage"] for m in r.get("mentions") or [] if m.get("stage")}
            ps = {s for s in (_stage_of(r["text"][a:b], kw) for a, b, t in pred if t == "ASP") if s}
            c["stage"] = (len(gs & ps), len(ps), len(gs))
        out.append(c)
    return out


def _span_scores(rows: list[dict], toks, pred_labels, domain_yaml) -> dict:
    per = span_sentence_counts(rows, toks, pred_labels, domain_yaml)
    res = {"n_sentences": len(rows)}
    for key in ("asp", "opn", "all"):
        tpo, tpe, npred, ngold = (sum(c[key][k] for c in per) for k in range(4))
        res[key] = {"overlap": _prf(tpo, npred, ngold), "exact": _prf(tpe, npred, ngold)}
    if domain_yaml and stage_map(domain_yaml):
        res["stage"] = _prf(*(sum(c["stage"][k] for c in per) for k in range(3)))
    return res


def _overlaps(a, b) -> bool:
    return a is not None and b is not None and a[0] < b[1] and a[1] > b[0]


def _gold_mentions(row: dict) -> list[dict]:
    return [{"aspect_span": (m["aspect_start"], m["aspect_end"]) if m.get("aspect_start") is not None else None,
             "opinion_span": (m["opinion_start"], m["opinion_end"]), "polarity": m["polarity"],
             "stage": m.get("stage")} for m in row.get("mentions") or []]


def pair_matches(pred: dict, gold: dict, strict_implicit: bool = False) -> bool:
    """A predicted mention is the gold one: opinion spans overlap, same polarity, and the aspect spans
    overlap. A gold mention with an implicit aspect (none in the text, or not the annotator's to name)
    accepts any predicted aspect, or none; ``strict_implicit``: only none."""
    if pred["polarity"] != gold["polarity"] or not _overlaps(pred["opinion_span"], gold["opinion_span"]):
        return False
    if gold["aspect_span"] is None:
        return pred["aspect_span"] is None or not strict_implicit
    return _overlaps(pred["aspect_span"], gold["aspect_span"])


def opinion_matches(pred: dict, gold: dict) -> bool:
    """Polarity by opinion: opinion spans overlap and polarity equal, whatever the aspects."""
    return pred["polarity"] == gold["polarity"] and _overlaps(pred["opinion_span"], gold["opinion_span"])


def _match_mentions(pred: list[dict], gold: list[dict], same) -> list[tuple[int, int]]:
    """(pred index, gold index) one-to-one, each predicted mention (in order) taking the first unused
    gold mention it ``same``s."""
    used: set[int] = set()
    out = []
    for i, p in enumerate(pred):
        for k, g in enumerate(gold):
            if k not in used and same(p, g):
                used.add(k)
                out.append((i, k))
                break
    return out


def predicted_mentions(rows: list[dict], toks, pred_labels, pairing: str = "nearest",
                       domain_yaml: str | Path | None = None) -> list[list[dict]]:
    """Each sentence's mentions as the pipeline makes them from its labels: ``stages.tag.sentence_mentions``
    (pairing, lemmas, CONTENTLESS_OPINIONS), the stage and keyword from ``stages.journey.JourneyMapper``
    over the sentence (the run's rules: the aspect's stage, else the nearest stage noun, else a pattern).
    Opinion spans end where their word ends (as span F1's ``extend_opinions_to_word``)."""
    from voc_pipeline.stages.tag import sentence_mentions
    from voc_pipeline.stages.tokenize import lemma_of

    out = []
    for r, ts, labs in zip(rows, toks, pred_labels, strict=True):
        forms, tags = [t.form for t in ts], [t.tag for t in ts]
        lemmas = [lemma_of(t.form, t.tag, getattr(t, "lemma", None)) for t in ts]
        ms = sentence_mentions(forms, tags, lemmas, [t.start for t in ts], [t.len for t in ts], labs,
                               [1.0] * len(ts), pairing)
        for m in ms:
            (s, e, _), = extend_opinions_to_word([(*m["opinion_span"], "NEG")], r["text"])
            m["opinion_span"] = (s, e)
        out.append(ms)
    if domain_yaml:
        from voc_pipeline.stages.journey import JourneyMapper, load_taxonomy

        mapper = JourneyMapper(load_taxonomy(domain_yaml))
        sentences = pd.DataFrame({
            "record_id": [str(i) for i in range(len(rows))], "sentence_index": 0, "text": [r["text"] for r in rows],
            "lemmas": [[lemma_of(t.form, t.tag, getattr(t, "lemma", None)) for t in ts] for ts in toks],
            "tags": [[t.tag for t in ts] for ts in toks], "starts": [[t.start for t in ts] for ts in toks]})
        flat = [(i, m) for i, ms in enumerate(out) for m in ms]
        mentions = pd.DataFrame({"record_id": [str(i) for i, _ in flat], "sentence_index": 0,
                                 "aspect": [m["aspect"] for _, m in flat], "opinion": [m["opinion"] for _, m in flat],
                                 "start": [m["start"] for _, m in flat]})
        _, mapped = mapper(sentences, mentions)
        for (_, m), stage, keyword in zip(flat, mapped["stage"], mapped["keyword"], strict=True):
            m["stage"], m["keyword"] = stage, keyword
    return out


def mention_sentence_counts(rows: list[dict], toks, pred_labels, domain_yaml: str | Path | None = None,
                            pairing: str = "nearest") -> list[dict]:
    """Each sentence's mention counts, what ``mention_scores`` sums: ``pred``, ``gold``, the matched
    ``pair`` / ``pair_strict`` / ``opinion``, ``implicit_pred`` / ``implicit_gold`` and, with
    ``domain_yaml``, ``stage_opinion`` / ``stage_pair`` -> (stage right, matched)."""
    preds = predicted_mentions(rows, toks, pred_labels, pairing, domain_yaml)
    out = []
    for r, pred in zip(rows, preds, strict=True):
        gold = _gold_mentions(r)
        c: dict = {"pred": len(pred), "gold": len(gold),
                   "implicit_pred": sum(m["aspect_span"] is None for m in pred),
                   "implicit_gold": sum(m.get("aspect") is None for m in r.get("mentions") or [])}
        for key, same in (("pair", pair_matches), ("pair_strict", lambda p, g: pair_matches(p, g, True)),
                          ("opinion", opinion_matches)):
            matched = _match_mentions(pred, gold, same)
            c[key] = len(matched)
            if key != "pair_strict" and domain_yaml:
                c["stage_" + key] = (sum(pred[i]["stage"] == gold[k]["stage"] for i, k in matched), len(matched))
        out.append(c)
    return out


def mention_scores(rows: list[dict], toks, pred_labels, domain_yaml: str | Path | None = None,
                   pairing: str = "nearest") -> dict:
    """Mention-level scores: the pipeline's own mentions (``predicted_mentions``) vs the gold mentions.

    - ``pair``: P/R/F1 of mentions right on aspect AND opinion AND polarity (``pair_matches``; an
      implicit gold aspect accepts any predicted aspect); ``pair_strict``: an implicit gold aspect
      accepts only a mention without aspect;
    - ``opinion``: P/R/F1 of polarity by opinion (``opinion_matches``, aspects ignored);
    - ``stage_accuracy``: of the opinion-matched mentions, the share whose journey stage (the run's
      ``JourneyMapper``; ``unmapped`` counts as wrong) is the gold mention's; ``stage_accuracy_pair``:
      the same over the pair-matched ones. Needs ``domain_yaml``.
    """
    per = mention_sentence_counts(rows, toks, pred_labels, domain_yaml, pairing)
    total = {k: sum(c[k] for c in per) for k in ("pred", "gold", "pair", "pair_strict", "opinion",
                                                  "implicit_pred", "implicit_gold")}
    res = {"pairing": pairing,
           **{k: _prf(total[k], total["pred"], total["gold"]) for k in ("pair", "pair_strict", "opinion")},
           "implicit_pred": total["implicit_pred"], "implicit_gold": total["implicit_gold"]}
    if domain_yaml:
        for key, name in (("opinion", "stage_accuracy"), ("pair", "stage_accuracy_pair")):
            hit, n = (sum(c["stage_" + key][k] for c in per) for k in range(2))
            res[name] = {"accuracy": round(hit / n, 4) if n else 0.0, "n": n}
    return res


# ----------------------------------------------------------------------------- paired comparison


def paired_bootstrap(y: np.ndarray, probs_a: np.ndarray, probs_b: np.ndarray, classes: Sequence[int],
                     resamples: int = 2000, seed: int = 0) -> dict:
    """B − A on the same rows: macro-F1 and ECE differences with 95 % percentile intervals.

    Rows are resampled together for both models, so the interval reflects only how the two differ
    on this set (the ship rule: the interval must lie above zero).
    """
    from sklearn.metrics import f1_score

    classes = list(classes)
    pa, pb = restrict_to(probs_a, classes), restrict_to(probs_b, classes)
    yy = np.array([classes.index(v) for v in y])
    labels = list(range(len(classes)))
    rng = np.random.default_rng(seed)
    right_a, right_b = pa.argmax(1) == yy, pb.argmax(1) == yy
    d_f1, d_ece, d_acc = [], [], []
    for _ in range(resamples):
        i = rng.integers(0, len(yy), len(yy))
        d_f1.append(f1_score(yy[i], pb[i].argmax(1), average="macro", labels=labels)
                    - f1_score(yy[i], pa[i].argmax(1), average="macro", labels=labels))
        d_ece.append(ece_score(pb[i], yy[i]) - ece_score(pa[i], yy[i]))
        d_acc.append(right_b[i].mean() - right_a[i].mean())
    full = (f1_score(yy, pb.argmax(1), average="macro", labels=labels)
            - f1_score(yy, pa.argmax(1), average="macro", labels=labels))
    return {"macro_f1_delta": round(float(full), 4),
            "macro_f1_delta_95": [round(float(v), 4) for v in np.percentile(d_f1, [2.5, 97.5])],
            "ece_delta": round(ece_score(pb, yy) - ece_score(pa, yy), 4),
            "ece_delta_95": [round(float(v), 4) for v in np.percentile(d_ece, [2.5, 97.5])],
            "accuracy_delta": round(float(right_b.mean() - right_a.mean()), 4),
            "accuracy_delta_95": [round(float(v), 4) for v in np.percentile(d_acc, [2.5, 97.5])],
            "resamples": resamples, "n": len(yy)}


def paired_f1_bootstrap(counts_a, counts_b, resamples: int = 2000, seed: int = 0) -> dict:
    """B − A of a micro F1 summed over sentences, with its 95 % percentile interval.

    ``counts_a`` / ``counts_b``: per sentence (tp, pred, gold) of each model on the same sentences (from
    ``span_sentence_counts`` or ``mention_sentence_counts``); F1 = 2·Σtp / (Σpred + Σgold), what ``_prf``
    gives. Sentences are resampled together for both models.
    """
    a, b = np.asarray(counts_a, dtype=np.int64).reshape(-1, 3), np.asarray(counts_b, dtype=np.int64).reshape(-1, 3)
    if a.shape != b.shape:
        raise ValueError(f"A and B must count the same sentences ({len(a)} vs {len(b)})")

    def f1(c: np.ndarray) -> np.ndarray:          # c: (..., 3) summed counts
        den = c[..., 1] + c[..., 2]
        return np.where(den > 0, 2 * c[..., 0] / np.maximum(den, 1), 0.0)

    idx = np.random.default_rng(seed).integers(0, len(a), (resamples, len(a)))
    diff = f1(b[idx].sum(1)) - f1(a[idx].sum(1))
    return {"a": round(float(f1(a.sum(0))), 4), "b": round(float(f1(b.sum(0))), 4),
            "delta": round(float(f1(b.sum(0)) - f1(a.sum(0))), 4),
            "delta_95": [round(float(v), 4) for v in np.percentile(diff, [2.5, 97.5])],
            "resamples": resamples, "seed": seed, "n": len(a)}
