"""Per-period tables: the journey map and the pain-point table with its trend.

Definitions (docs/metrics.md):
- sentence shares per stage: negative_share = neg sentences / sentences of the stage (likewise
  positive_share); sentiment_index = 100 x (positive_share - negative_share).
- nps = 100 x (promoters 9-10 - detractors 0-6) / records with an NPS answer.
- pain-point trend: the current and previous period's mention counts are compared against their
  record volumes with an exact conditional binomial test (two Poisson rates): under "no change",
  x_now ~ Binomial(x_now + x_prev, n_now / (n_now + n_prev)). ``rising``/``falling`` when the
  two-sided p < 0.05 and x_now + x_prev >= 5; ``new`` when the key had no mention in the previous
  period (or there is none); otherwise ``stable``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from voc_pipeline.schema import UNMAPPED_STAGE
from voc_pipeline.stages._stats import binomial_two_sided_p
from voc_pipeline.stages.journey import Taxonomy

KEY = ["stage", "keyword", "polarity"]
ALPHA = 0.05
MIN_TREND_COUNT = 5
EXAMPLES = 3
TOP_POINTS = 3


@dataclass(frozen=True)
class PreviousPeriod:
    """What trend tests need from the period before: its record volume and mention counts."""

    period: str
    records: int
    mentions: dict[tuple[str, str, str], int]  # (stage, keyword, polarity) -> mentions


def trend_status(now: int, prev: int, n_now: int, n_prev: int, has_previous: bool) -> tuple[str, float]:
    if not has_previous or prev == 0:
        return "new", float("nan")
    total = now + prev
    if total < MIN_TREND_COUNT or n_now <= 0 or n_prev <= 0:
        return "stable", float("nan")
    p = binomial_two_sided_p(now, total, n_now / (n_now + n_prev))
    if p >= ALPHA:
        return "stable", float(p)
    return ("rising" if now / n_now > prev / n_prev else "falling"), float(p)


def nps_score(values: pd.Series) -> float:
    v = values.dropna()
    if v.empty:
        return float("nan")
    return float(100.0 * ((v >= 9).mean() - (v <= 6).mean()))


def pain_points(
    records: pd.DataFrame,
    sentences: pd.DataFrame,
    mentions: pd.DataFrame,
    taxonomy: Taxonomy,
    previous: PreviousPeriod | None,
) -> pd.DataFrame:
    """One row per stage x keyword x polarity with volume, rating, trend and example quotes.

    Vectorised (group-bys over the period's mentions): a period holds thousands of keys, and a
    Python loop per key was most of the aggregation time. ``sentences`` needs ``record_id``,
    ``sentence_index`` and ``text`` of at least the example sentences (``example_sentences``):
    the pipeline reads only those, not every sentence of the period. The pipeline itself builds
    the same table part by part (``stages.period.PeriodTables``); both end in ``point_counts``
    and ``with_examples``.
    """
    if mentions.empty:
        return pd.DataFrame()
    m = mentions[[*KEY, "record_id", "sentence_index", "confidence"]]
    # integer codes instead of string group-bys and joins: a period holds ~a mention per record
    codes, keys = key_codes(m)
    distinct, rec = distinct_key_records(m, codes, records[["record_id", "sentiment", "rating_norm"]])
    named = ~m["record_id"].isna().to_numpy()[distinct["row"].to_numpy()]
    out = point_counts(keys, codes, distinct["k"].to_numpy(), named, distinct["pos"].to_numpy(),
                       (rec["sentiment"] == "neg").to_numpy(dtype=bool, na_value=False),
                       rec["rating_norm"].to_numpy(dtype="float64", na_value=np.nan), len(records), taxonomy,
                       previous)
    return with_examples(out, example_mentions(m)[[*KEY, "record_id", "sentence_index"]], sentences, taxonomy)


def point_counts(keys: pd.DataFrame, codes: np.ndarray, dk: np.ndarray, named: np.ndarray, pos: np.ndarray,
                 record_neg: np.ndarray, record_rating: np.ndarray, n_now: int, taxonomy: Taxonomy,
                 previous: PreviousPeriod | None) -> pd.DataFrame:
    """The pain-point rows (``keys``, one per key code) without examples: ``codes`` each mention's key
    code (-1: a part missing); ``dk``, ``named``, ``pos`` per distinct (key, record) pair in order of
    first appearance: its key code, whether the record id is present, the record's row in
    ``record_neg`` / ``record_rating`` (the period's records without repeated ids; -1: not there)."""
    key = KEY
    in_key = codes >= 0
    out = keys.assign(mentions=np.bincount(codes[in_key], minlength=len(keys)).astype("int64"))
    # record-level counts and shares: each record counts once per key, however often it mentions it
    out["records"] = np.bincount(dk[named], minlength=len(keys)).astype("int64")
    found = pos >= 0
    is_neg = np.zeros(len(dk), dtype="float64")
    is_neg[found] = record_neg[pos[found]]
    rating = np.full(len(dk), np.nan)
    rating[found] = record_rating[pos[found]]
    out["negative_share"] = pd.Series(is_neg).groupby(dk).mean().reindex(range(len(keys))).to_numpy()
    out["avg_rating_norm"] = pd.Series(rating).groupby(dk).mean().reindex(range(len(keys))).to_numpy()
    stage_totals = out.groupby(["stage", "polarity"])["mentions"].transform("sum")
    out["share_of_stage"] = out["mentions"] / stage_totals
    out["stage_name"] = out["stage"].map(taxonomy.stage_name)
    out["mentions_per_1k"] = 1000.0 * out["mentions"] / n_now if n_now else np.nan
    prev_counts = previous.mentions if previous else {}
    out["previous_period"] = previous.period if previous else None
    out["previous_mentions"] = [
        prev_counts.get(k, 0) for k in out[key].itertuples(index=False, name=None)
    ]
    out["previous_mentions_per_1k"] = (
        1000.0 * out["previous_mentions"] / previous.records if previous and previous.records else np.nan
    )
    out["change"] = out["mentions"] - out["previous_mentions"]
    tested = [
        trend_status(int(now), int(prev), n_now, previous.records if previous else 0, previous is not None)
        for now, prev in zip(out["mentions"], out["previous_mentions"], strict=True)
    ]
    out["status"] = [t[0] for t in tested]
    out["p_value"] = [t[1] for t in tested]
    return out


def with_examples(out: pd.DataFrame, best: pd.DataFrame, sentences: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """``point_counts`` rows + example record ids and quotes, in the table's order and columns.
    ``best``: the example mentions (KEY, record_id, sentence_index) in ``example_mentions`` order;
    ``sentences``: record_id, sentence_index and text of (at least) their sentences."""
    key = KEY
    # examples: each key's most confident mentions, one per record, ties by record id
    quotes = sentences[["record_id", "sentence_index", "text"]]
    best = best.merge(quotes, on=["record_id", "sentence_index"], how="left")
    best["text"] = best["text"].fillna("").astype(str)
    examples = best.groupby(key, sort=False).agg(example_record_ids=("record_id", list),
                                                 example_quotes=("text", list))
    out = out.merge(examples.reset_index(), on=key, how="left")
    out["_order"] = out["stage"].map(taxonomy.order)
    out = out.sort_values(["_order", "polarity", "mentions", "keyword"], ascending=[True, True, False, True])
    columns = ["stage", "stage_name", "keyword", "polarity", "mentions", "records", "negative_share",
               "avg_rating_norm", "share_of_stage", "mentions_per_1k", "previous_period", "previous_mentions",
               "previous_mentions_per_1k", "change", "status", "p_value", "example_record_ids", "example_quotes"]
    return out[columns].reset_index(drop=True)


def example_mentions(mentions: pd.DataFrame) -> pd.DataFrame:
    """The mentions quoted as each key's examples: its most confident ones, one per record, at most
    ``EXAMPLES``, ties by record id (in that order).

    The same rows, in the same order, as ``mentions.sort_values(["confidence", "record_id"],
    ascending=[False, True], kind="stable").drop_duplicates([*KEY, "record_id"])
    .groupby(KEY, sort=False).head(EXAMPLES)``, computed over integer codes."""
    codes, _ = key_codes(mentions)
    rid, _ = pd.factorize(mentions["record_id"], sort=True)
    rid = np.where(rid < 0, np.iinfo(np.int64).max, rid)          # a missing id sorts last, like NaN
    return mentions.iloc[example_rows(codes, rid, mentions["confidence"].to_numpy(dtype="float64", na_value=np.nan))]


def example_rows(codes: np.ndarray, rank: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Positions of the example mentions (see ``example_mentions``) from each mention's key code
    (-1: none), record rank (the record ids' sort order; a missing id ranks last) and confidence,
    in the order (confidence descending, NaN last; record rank; position)."""
    order = np.lexsort((rank, -confidence))   # stable: equal (confidence, rank) keep their positions
    k, r = codes[order], rank[order]
    # the first (best) mention of each (key, record); a missing id is one record
    by = np.lexsort((r, k))                   # stable: a (key, record)'s best mention comes first
    kb, rb = k[by], r[by]
    keep = np.zeros(len(order), dtype=bool)
    keep[by[np.r_[True, (kb[1:] != kb[:-1]) | (rb[1:] != rb[:-1])]]] = True
    del by, kb, rb
    keep &= k >= 0
    order, k = order[keep], k[keep]
    nth = pd.Series(k).groupby(k).cumcount().to_numpy()
    return order[nth < EXAMPLES]


def key_codes(mentions: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """(int64 code of each mention's (stage, keyword, polarity), -1 when a part is missing; the keys,
    one row per code, in order of first appearance)."""
    codes = mentions.groupby(KEY, sort=False).ngroup().fillna(-1).to_numpy().astype(np.int64)
    present, first = np.unique(codes, return_index=True)
    first = first[present >= 0]
    return codes, mentions[KEY].iloc[first].reset_index(drop=True)


def distinct_key_records(mentions: pd.DataFrame, codes: np.ndarray,
                         records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The distinct (key, record) pairs of the mentions in order of first appearance (like
    ``drop_duplicates`` on key + record_id), keys with a missing part left out: ``k`` key code,
    ``row`` the first mention's position, ``pos`` the record's row in the returned records
    (``records`` without repeated ids), -1 when the record is not there."""
    rec = records.drop_duplicates("record_id")
    rid, _ = pd.factorize(mentions["record_id"], use_na_sentinel=False)
    first = ~pd.DataFrame({"k": codes, "r": rid}).duplicated().to_numpy() & (codes >= 0)
    row = np.flatnonzero(first)
    pos = pd.Index(rec["record_id"]).get_indexer(mentions["record_id"].iloc[row])
    return pd.DataFrame({"k": codes[row], "row": row, "pos": pos}), rec


def example_sentences(mentions: pd.DataFrame) -> pd.DataFrame:
    """(record_id, sentence_index) of every sentence ``pain_points`` quotes, once each."""
    if mentions.empty:
        return pd.DataFrame({"record_id": pd.Series(dtype="str"), "sentence_index": pd.Series(dtype="int32")})
    cols = ["stage", "keyword", "polarity", "record_id", "sentence_index", "confidence"]
    best = example_mentions(mentions[cols])
    return best[["record_id", "sentence_index"]].drop_duplicates().reset_index(drop=True)


def journey_map(
    records: pd.DataFrame, sentences: pd.DataFrame, points: pd.DataFrame, taxonomy: Taxonomy
) -> pd.DataFrame:
    """One row per stage in taxonomy order (plus ``unmapped`` last). ``records.stages`` may be
    lists or an Arrow list column; ``sentences`` needs only ``stage`` and ``sentiment``."""
    stages = records["stages"]
    lists = pa.array(stages) if isinstance(stages.dtype, pd.ArrowDtype) else pa.array(
        stages.to_numpy(dtype=object), type=pa.list_(pa.string()), from_pandas=True)
    sentence_counts = {}
    for stage_id in [*taxonomy.stage_ids, UNMAPPED_STAGE]:
        sents = sentences[sentences["stage"] == stage_id]
        sentence_counts[stage_id] = (len(sents), int((sents["sentiment"] == "neg").sum()),
                                     int((sents["sentiment"] == "pos").sum()))
    return journey_rows(stage_records(lists, taxonomy), records["rating_norm"].to_numpy(dtype="float64", na_value=np.nan),
                        records["nps"].to_numpy(dtype="float64", na_value=np.nan), sentence_counts, points, taxonomy)


def stage_records(lists: pa.Array | pa.ChunkedArray, taxonomy: Taxonomy, offset: int = 0) -> dict[str, np.ndarray]:
    """Per stage (taxonomy order, then ``unmapped``): the rows (+ ``offset``) of the records whose
    ``stages`` list names it, a record once per listed stage, in record order (like
    ``explode("stages")``); ``unmapped``: the records with no stage at all."""
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks() if lists.num_chunks != 1 else lists.chunk(0)
    parent = pc.list_parent_indices(lists).to_numpy()
    flat = pc.list_flatten(lists)
    rows = {}
    for stage_id in taxonomy.stage_ids:
        rows[stage_id] = parent[pc.fill_null(pc.equal(flat, stage_id), False).to_numpy(zero_copy_only=False)] + offset
    rows[UNMAPPED_STAGE] = np.flatnonzero(pc.fill_null(pc.list_value_length(lists), 0).to_numpy() == 0) + offset
    return rows


def journey_rows(stage_rows: dict[str, np.ndarray], rating: np.ndarray, nps: np.ndarray,
                 sentence_counts: dict[str, tuple[int, int, int]], points: pd.DataFrame,
                 taxonomy: Taxonomy) -> pd.DataFrame:
    """The journey map from each stage's record rows (``stage_records``) into the period's ``rating``
    and ``nps`` arrays, and its sentence counts (sentences, negative, positive)."""
    rows = []
    for order, stage_id in enumerate([*taxonomy.stage_ids, UNMAPPED_STAGE]):
        at = stage_rows.get(stage_id, np.empty(0, dtype=np.int64))
        recs = pd.DataFrame({"rating_norm": rating[at], "nps": nps[at]})
        n_sents, n_neg, n_pos = sentence_counts.get(stage_id, (0, 0, 0))
        neg = n_neg / n_sents if n_sents else np.nan
        pos = n_pos / n_sents if n_sents else np.nan
        stage_points = points[points["stage"] == stage_id] if not points.empty else points

        def top(polarity: str, stage_points=stage_points) -> list[str]:
            if stage_points.empty:
                return []
            sel = stage_points[stage_points["polarity"] == polarity]
            return sel.nlargest(TOP_POINTS, "mentions")["keyword"].tolist()

        rows.append({
            "stage_order": order,
            "stage": stage_id,
            "stage_name": taxonomy.stage_name(stage_id),
            "records": len(recs),
            "sentences": n_sents,
            "negative_share": neg,
            "positive_share": pos,
            "sentiment_index": 100.0 * (pos - neg) if n_sents else np.nan,
            "avg_rating_norm": float(recs["rating_norm"].mean()) if recs["rating_norm"].notna().any() else np.nan,
            "nps": nps_score(recs["nps"]),
            "top_pain_points": top("pain"),
            "top_praise_points": top("praise"),
        })
    return pd.DataFrame(rows)


def previous_from_points(period: str, records: int, points: pd.DataFrame) -> PreviousPeriod:
    counts = {}
    if not points.empty:
        counts = {
            (s, k, p): int(m)
            for s, k, p, m in points[["stage", "keyword", "polarity", "mentions"]].itertuples(index=False)
        }
    return PreviousPeriod(period=period, records=records, mentions=counts)
