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
    """One row per stage x keyword x polarity with volume, rating, trend and example quotes."""
    if mentions.empty:
        return pd.DataFrame()
    rec = records.set_index("record_id")
    quotes = sentences.set_index(["record_id", "sentence_index"])["text"]
    stage_totals = mentions.groupby(["stage", "polarity"]).size()
    n_now = len(records)
    rows = []
    for (stage, keyword, polarity), group in mentions.groupby(["stage", "keyword", "polarity"], sort=False):
        ids = group["record_id"].unique()
        rs = rec.loc[ids]
        prev = previous.mentions.get((stage, keyword, polarity), 0) if previous else 0
        status, p = trend_status(len(group), prev, n_now, previous.records if previous else 0, previous is not None)
        best = group.sort_values(["confidence", "record_id"], ascending=[False, True]).drop_duplicates("record_id")
        examples = best.head(EXAMPLES)
        rows.append({
            "stage": stage,
            "stage_name": taxonomy.stage_name(stage),
            "keyword": keyword,
            "polarity": polarity,
            "mentions": len(group),
            "records": len(ids),
            "negative_share": float((rs["sentiment"] == "neg").mean()),
            "avg_rating_norm": float(rs["rating_norm"].mean()) if rs["rating_norm"].notna().any() else np.nan,
            "share_of_stage": len(group) / int(stage_totals.loc[(stage, polarity)]),
            "mentions_per_1k": 1000.0 * len(group) / n_now if n_now else np.nan,
            "previous_period": previous.period if previous else None,
            "previous_mentions": prev,
            "previous_mentions_per_1k": (1000.0 * prev / previous.records) if previous and previous.records else np.nan,
            "change": len(group) - prev,
            "status": status,
            "p_value": p,
            "example_record_ids": examples["record_id"].tolist(),
            "example_quotes": [
                str(quotes.get((r, s), "")) for r, s in examples[["record_id", "sentence_index"]].itertuples(index=False)
            ],
        })
    out = pd.DataFrame(rows)
    out["_order"] = out["stage"].map(taxonomy.order)
    out = out.sort_values(["_order", "polarity", "mentions", "keyword"], ascending=[True, True, False, True])
    return out.drop(columns="_order").reset_index(drop=True)


def journey_map(
    records: pd.DataFrame, sentences: pd.DataFrame, points: pd.DataFrame, taxonomy: Taxonomy
) -> pd.DataFrame:
    """One row per stage in taxonomy order (plus ``unmapped`` last)."""
    rows = []
    exploded = records[["record_id", "stages", "rating_norm", "nps"]].explode("stages")
    for order, stage_id in enumerate([*taxonomy.stage_ids, UNMAPPED_STAGE]):
        sents = sentences[sentences["stage"] == stage_id]
        if stage_id == UNMAPPED_STAGE:
            recs = records[records["stages"].map(len) == 0]
        else:
            recs = exploded[exploded["stages"] == stage_id]
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
