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
from scipy.stats import binomtest

from voc_pipeline.schema import UNMAPPED_STAGE
from voc_pipeline.stages.journey import Taxonomy

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
    p = binomtest(now, total, n_now / (n_now + n_prev)).pvalue
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
    the pipeline reads only those, not every sentence of the period.
    """
    if mentions.empty:
        return pd.DataFrame()
    key = ["stage", "keyword", "polarity"]
    n_now = len(records)
    m = mentions[[*key, "record_id", "sentence_index", "confidence"]].copy()
    per_key = m.groupby(key, sort=False).agg(mentions=("record_id", "size"), records=("record_id", "nunique"))
    # record-level shares: each record counts once per key, however often it mentions it
    rec = records[["record_id", "sentiment", "rating_norm"]].drop_duplicates("record_id")
    distinct = m[[*key, "record_id"]].drop_duplicates().merge(rec, on="record_id", how="left")
    distinct["is_neg"] = (distinct["sentiment"] == "neg").astype("float64")
    shares = distinct.groupby(key, sort=False).agg(negative_share=("is_neg", "mean"),
                                                   avg_rating_norm=("rating_norm", "mean"))
    out = per_key.join(shares).reset_index()
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

    # examples: each key's most confident mentions, one per record, ties by record id
    quotes = sentences[["record_id", "sentence_index", "text"]]
    best = example_mentions(m).merge(quotes, on=["record_id", "sentence_index"], how="left")
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
    ``EXAMPLES``, ties by record id (in that order)."""
    key = ["stage", "keyword", "polarity"]
    return (
        mentions.sort_values(["confidence", "record_id"], ascending=[False, True], kind="stable")
        .drop_duplicates([*key, "record_id"])
        .groupby(key, sort=False)
        .head(EXAMPLES)
    )


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
    rows = []
    stages = records["stages"]
    lists = pa.array(stages) if isinstance(stages.dtype, pd.ArrowDtype) else pa.array(
        stages.to_numpy(dtype=object), type=pa.list_(pa.string()), from_pandas=True)
    # records x their stages (a record once per listed stage, in record order), like explode("stages")
    parent = pc.list_parent_indices(lists).to_numpy()
    flat = pc.list_flatten(lists)
    no_stage = np.flatnonzero(pc.fill_null(pc.list_value_length(lists), 0).to_numpy() == 0)
    rating = records["rating_norm"].to_numpy(dtype="float64", na_value=np.nan)
    nps = records["nps"].to_numpy(dtype="float64", na_value=np.nan)
    for order, stage_id in enumerate([*taxonomy.stage_ids, UNMAPPED_STAGE]):
        sents = sentences[sentences["stage"] == stage_id]
        if stage_id == UNMAPPED_STAGE:
            at = no_stage
        else:
            at = parent[pc.fill_null(pc.equal(flat, stage_id), False).to_numpy(zero_copy_only=False)]
        recs = pd.DataFrame({"rating_norm": rating[at], "nps": nps[at]})
        neg = float((sents["sentiment"] == "neg").mean()) if len(sents) else np.nan
        pos = float((sents["sentiment"] == "pos").mean()) if len(sents) else np.nan
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
            "sentences": len(sents),
            "negative_share": neg,
            "positive_share": pos,
            "sentiment_index": 100.0 * (pos - neg) if len(sents) else np.nan,
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
