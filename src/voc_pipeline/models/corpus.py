"""Training corpora: read labelled files, weak sentiment labels, splits by movie/product, Kiwi cache.

Label decisions (docs/model.md §2):

* NSMC 1–10 ratings: 1–4 -> neg, 9–10 -> pos (the NSMC rule), 5–6 -> neu, 7–8 -> dropped from the
  sentiment loss (mildly positive but too mixed to be a clean class). 5–6 reviews are "mixed /
  lukewarm" and are the only rating-derived neutral signal in a movie corpus.
* 1–5 star scales (shops): 1–2 -> neg, 3 -> neu, 4–5 -> pos.
* KOTE (no rating): complaint flag or >= 2 negative emotions -> neg; no negative emotion and at least
  one positive emotion -> pos; only "없음"/cognitive emotions (깨달음, 신기함/관심, 놀람) -> neu.
* Splits are by ``movie_id``/``product`` hashed with a salt (never by row).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from voc_pipeline.schema import SENTIMENT_LABELS

LABEL2ID = {lab: i for i, lab in enumerate(SENTIMENT_LABELS)}
IGNORE = -100

KOTE_POSITIVE = {
    "환영/호의", "감동/감탄", "존경", "기쁨", "행복", "고마움", "뿌듯함", "흐뭇함(귀여움/예쁨)",
    "즐거움/신남", "편안/쾌적", "안심/신뢰", "아껴주는",
}
KOTE_NEUTRAL_OK = {"없음", "깨달음", "신기함/관심", "놀람", "기대감"}


def shared_data_dir() -> Path:
    """<repo>/../shared/data (the read-only real data next to the checkout)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent.parent / "shared" / "data"
        if (parent / "pyproject.toml").is_file() and cand.is_dir():
            return cand
    return Path.cwd().parent / "shared" / "data"


def rating_to_label(rating: float, scale: int) -> str | None:
    """Weak sentiment label from a rating; None = not used for the sentiment loss."""
    if rating is None or (isinstance(rating, float) and np.isnan(rating)):
        return None
    r = float(rating)
    if scale >= 10:
        if r <= 4:
            return "neg"
        if r >= 9:
            return "pos"
        if r <= 6:
            return "neu"
        return None
    if r <= 2:
        return "neg"
    if r >= 4:
        return "pos"
    return "neu"


def kote_label(labels: Sequence[str], complaint: bool, n_negative: int) -> str | None:
    labels = set(labels)
    if complaint or n_negative >= 2:
        return "neg"
    if n_negative == 0 and labels & KOTE_POSITIVE:
        return "pos"
    if n_negative == 0 and labels and labels <= KOTE_NEUTRAL_OK:
        return "neu"
    return None


def group_split(groups: Sequence[str], salt: str = "voc-v0", test: float = 0.05, calib: float = 0.05) -> np.ndarray:
    """'train' / 'calib' / 'test' per row from a stable hash of its group (movie/product)."""
    out = []
    cache: dict[str, str] = {}
    for g in groups:
        g = str(g)
        s = cache.get(g)
        if s is None:
            h = int(hashlib.sha1(f"{salt}:{g}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
            s = "test" if h < test else ("calib" if h < test + calib else "train")
            cache[g] = s
        out.append(s)
    return np.asarray(out)


def read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    suf = path.suffix.lower()
    if suf == ".parquet":
        return pd.read_parquet(path)
    if suf in {".jsonl", ".json"}:
        return pd.read_json(path, lines=suf == ".jsonl", dtype=False)
    if suf in {".csv", ".tsv", ".txt"}:
        sep = "\t" if suf in {".tsv", ".txt"} else ","
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raise ValueError(f"unsupported file type: {path} (csv, tsv, jsonl, parquet)")


def load_training_file(path: str | Path) -> pd.DataFrame:
    """Any supported labelled file -> frame[text, label (neg/neu/pos or None), group, source].

    Recognised shapes: NSMC (``rating`` 1–10, ``movie_id``), KOTE (``complaint``, ``labels``), shop
    reviews (``rating`` 1–5, ``product``), or a generic file with ``text`` and ``label``.
    """
    path = Path(path)
    df = read_table(path)
    if "text" not in df.columns:
        raise ValueError(f"{path}: needs a 'text' column")
    text = df["text"].astype(object).where(df["text"].notna(), "").astype(str)
    name = path.stem
    if "complaint" in df.columns and "labels" in df.columns:
        labels = [kote_label(list(ls), bool(c), int(n)) for ls, c, n in
                  zip(df["labels"], df["complaint"], df["n_negative_emotions"], strict=True)]
        group = df["id"].astype(str).map(lambda x: f"kote:{x}")
    elif "rating" in df.columns:
        ratings = pd.to_numeric(df["rating"], errors="coerce")
        scale = 10 if ratings.max() > 5 else 5
        labels = [rating_to_label(r, scale) for r in ratings]
        gcol = "movie_id" if "movie_id" in df.columns else ("product" if "product" in df.columns else None)
        group = df[gcol].astype(str) if gcol else df.index.astype(str)
        group = group.map(lambda x: f"{name}:{x}")
    elif "label" in df.columns:
        labels = [lab if lab in LABEL2ID else None for lab in df["label"].astype(object)]
        group = df.index.astype(str).map(lambda x: f"{name}:{x}")
    else:
        labels = [None] * len(df)
        group = df.index.astype(str).map(lambda x: f"{name}:{x}")
    out = pd.DataFrame({"text": text.to_numpy(dtype=object), "label": pd.Series(labels, dtype=object),
                        "group": np.asarray(group, dtype=object)})
    if "rating" in df.columns:
        out["rating"] = pd.to_numeric(df["rating"], errors="coerce").to_numpy()
    out["source"] = name
    out = out[out["text"].str.strip().str.len() > 0].reset_index(drop=True)
    return out


def tokenize_cached(texts: Sequence[str], cache: Path | None, tokenizer=None, chunk: int = 20000):
    """Kiwi (form, tag) lists for texts, cached in a parquet file keyed by the texts' hash."""
    key = hashlib.sha1("\x1e".join(texts).encode()).hexdigest()[:16]
    if cache is not None:
        f = Path(cache) / f"kiwi-{key}.parquet"
        if f.is_file():
            t = pd.read_parquet(f)
            return [list(zip(fs, ts, strict=True)) for fs, ts in zip(t["forms"], t["tags"], strict=True)]
    if tokenizer is None:
        from voc_pipeline.stages.tokenize import KiwiTokenizer

        tokenizer = KiwiTokenizer()
    morphs: list[list[tuple[str, str]]] = []
    for i in range(0, len(texts), chunk):
        morphs.extend(tokenizer.morphemes(list(texts[i:i + chunk])))
    if cache is not None:
        Path(cache).mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"forms": [[f for f, _ in m] for m in morphs],
                      "tags": [[t for _, t in m] for m in morphs]}).to_parquet(f)
    return morphs
