"""Week-over-week change: journey-map trend columns, the ``alerts`` table, ``pain_point_candidates``.

Definitions (docs/metrics.md, "Trends"):
- journey_map ``status``: a pooled two-proportion z-test of the stage's negative-sentence share,
  this period vs the previous one. ``rising`` (more negative) / ``falling`` when two-sided
  p < 0.05 and both periods' negative sentences together number >= 5; ``new`` when there is no
  previous period, or the stage has sentences now and had none before; else ``stable``.
- alerts: every significant deterioration of the period, one row each (kinds in ``ALERT_KINDS``).
- candidates: keys (keyword x polarity) never seen in any earlier period, or left ``unmapped``,
  with at least ``MIN_CANDIDATE_MENTIONS`` mentions: for the analyst to name or map to a stage.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from voc_pipeline.schema import UNMAPPED_STAGE
from voc_pipeline.stages._stats import binomial_two_sided_p, normal_two_sided_p
from voc_pipeline.stages.aggregate import ALPHA, MIN_TREND_COUNT, PreviousPeriod

#: a brand-new pain point is alerted when it has at least this many mentions in its first period
MIN_NEW_ALERT_MENTIONS = 5
#: a new or unmapped key becomes a candidate with at least this many mentions
MIN_CANDIDATE_MENTIONS = 3

ALERT_KINDS = {
    "pain_rising": "불만 급증",
    "pain_new": "새 불만",
    "praise_falling": "칭찬 감소",
    "stage_worsening": "단계 부정 비율 상승",
}

ALERT_COLUMNS = ["period", "kind", "stage", "stage_name", "keyword", "polarity", "metric", "previous", "current",
                 "p_value", "message"]
CANDIDATE_COLUMNS = ["period", "keyword", "polarity", "aspect", "opinion", "stage", "stage_name", "stages",
                     "mentions", "records", "reasons", "example_record_ids", "example_quotes"]


def two_proportion_test(x_now: int, n_now: int, x_prev: int, n_prev: int) -> float:
    """Two-sided p of the pooled two-proportion z-test (x_now/n_now vs x_prev/n_prev)."""
    if n_now <= 0 or n_prev <= 0:
        return float("nan")
    pooled = (x_now + x_prev) / (n_now + n_prev)
    if pooled in (0.0, 1.0):
        return 1.0
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_now + 1 / n_prev))
    z = (x_now / n_now - x_prev / n_prev) / se
    return normal_two_sided_p(z)


def share_status(x_now: int, n_now: int, x_prev: int, n_prev: int, has_previous: bool) -> tuple[str, float]:
    """Status of a share (e.g. negative sentences / sentences) between two periods."""
    if not has_previous or (n_prev <= 0 < n_now):
        return "new", float("nan")
    if n_now <= 0 or x_now + x_prev < MIN_TREND_COUNT:
        return "stable", float("nan")
    p = two_proportion_test(x_now, n_now, x_prev, n_prev)
    if not p < ALPHA:
        return "stable", p
    return ("rising" if x_now / n_now > x_prev / n_prev else "falling"), p


def journey_trend(current: pd.DataFrame, previous: pd.DataFrame | None, previous_period: str | None) -> pd.DataFrame:
    """journey_map rows + previous period's values, change and status of the negative share."""
    out = current.copy()
    prev = None
    if previous is not None and not previous.empty:
        prev = previous.set_index("stage")[["records", "sentences", "negative_share", "sentiment_index"]]
    cols: dict[str, list] = {k: [] for k in ("previous_records", "previous_sentiment_index", "sentiment_index_change",
                                             "previous_negative_share", "status", "p_value")}
    for stage, n_now, share_now, si in out[["stage", "sentences", "negative_share", "sentiment_index"]].itertuples(
            index=False):
        has = prev is not None and stage in prev.index
        n_prev = int(prev.at[stage, "sentences"]) if has else 0
        share_prev = float(prev.at[stage, "negative_share"]) if has and n_prev else np.nan
        si_prev = float(prev.at[stage, "sentiment_index"]) if has and n_prev else np.nan
        x_now = round(share_now * n_now) if n_now else 0
        x_prev = round(share_prev * n_prev) if n_prev else 0
        status, p = share_status(x_now, int(n_now), x_prev, n_prev, prev is not None)
        cols["previous_records"].append(int(prev.at[stage, "records"]) if has else (0 if prev is not None else None))
        cols["previous_sentiment_index"].append(si_prev)
        cols["sentiment_index_change"].append(si - si_prev)
        cols["previous_negative_share"].append(share_prev)
        cols["status"].append(status)
        cols["p_value"].append(p)
    for k, v in cols.items():
        out[k] = v
    out["previous_period"] = previous_period
    return out


def _rate(x: int, n: int) -> float:
    return 1000.0 * x / n if n else float("nan")


def alerts(period: str, points: pd.DataFrame, journey: pd.DataFrame, previous: PreviousPeriod | None,
           records: int) -> pd.DataFrame:
    """The period's significant deteriorations, most significant first. No previous period: none."""
    rows: list[dict] = []
    if previous is None:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    n_prev = previous.records
    if not points.empty:
        for r in points.itertuples(index=False):
            base = {"period": period, "stage": r.stage, "stage_name": r.stage_name, "keyword": r.keyword,
                    "polarity": r.polarity, "metric": "mentions", "previous": float(r.previous_mentions),
                    "current": float(r.mentions)}
            rates = f"1천 건당 {_rate(r.previous_mentions, n_prev):.1f}→{_rate(r.mentions, records):.1f}"
            if r.polarity == "pain" and r.status == "rising":
                rows.append({**base, "kind": "pain_rising", "p_value": r.p_value,
                             "message": f"[{r.stage_name}] 불만 '{r.keyword}' 급증: {r.previous_mentions}→{r.mentions}건"
                                        f" ({rates}, p={r.p_value:.2g})"})
            elif r.polarity == "pain" and r.status == "new" and r.mentions >= MIN_NEW_ALERT_MENTIONS:
                q = records / (records + n_prev) if records + n_prev else float("nan")
                p = binomial_two_sided_p(int(r.mentions), int(r.mentions), q) if q == q else float("nan")
                rows.append({**base, "kind": "pain_new", "p_value": p,
                             "message": f"[{r.stage_name}] 새 불만 '{r.keyword}' {r.mentions}건 "
                                        f"(이전 기간 {previous.period} 0건)"})
            elif r.polarity == "praise" and r.status == "falling":
                rows.append({**base, "kind": "praise_falling", "p_value": r.p_value,
                             "message": f"[{r.stage_name}] 칭찬 '{r.keyword}' 감소: {r.previous_mentions}→{r.mentions}건"
                                        f" ({rates}, p={r.p_value:.2g})"})
    if not journey.empty and "status" in journey.columns:
        for r in journey.itertuples(index=False):
            if r.status != "rising":
                continue
            rows.append({
                "period": period, "kind": "stage_worsening", "stage": r.stage, "stage_name": r.stage_name,
                "keyword": None, "polarity": None, "metric": "negative_share",
                "previous": r.previous_negative_share, "current": r.negative_share, "p_value": r.p_value,
                "message": f"[{r.stage_name}] 부정 문장 비율 상승: {r.previous_negative_share:.0%}→"
                           f"{r.negative_share:.0%} (감성지수 {r.previous_sentiment_index:+.0f}→"
                           f"{r.sentiment_index:+.0f}, p={r.p_value:.2g})",
            })
    if not rows:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    out = pd.DataFrame(rows)[ALERT_COLUMNS]
    out["_k"] = out["kind"].map(list(ALERT_KINDS).index)
    return out.sort_values(["p_value", "_k", "stage", "keyword"], na_position="last").drop(columns="_k").reset_index(
        drop=True)


def keys_of(points: pd.DataFrame) -> set[tuple[str, str]]:
    """The (keyword, polarity) keys of a pain_points frame."""
    if points.empty:
        return set()
    return set(points[["keyword", "polarity"]].itertuples(index=False, name=None))


def _most_common(frame: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """Per key, the most frequent non-null ``column`` value as a str (None when there is none).
    A tie is settled exactly as ``Series.value_counts().index[0]`` over that key's rows settles it."""
    present = frame[frame[column].notna()]
    if present.empty:
        return pd.Series(dtype=object)
    sizes = present.groupby([*keys, column], sort=False).size()
    best = sizes.groupby(level=list(range(len(keys)))).transform("max")
    winners = sizes[sizes == best]
    counts = winners.groupby(level=list(range(len(keys)))).size()
    result = winners.reset_index(level=-1).groupby(level=list(range(len(keys))))[column].first().astype(str)
    for key in counts.index[counts.to_numpy() > 1]:   # a tie: value_counts' own order decides
        rows = present[(present[keys] == pd.Series(key, index=keys)).all(axis=1)]
        result.loc[key] = str(rows[column].value_counts().index[0])
    return result


def candidate_points(points: pd.DataFrame, known: set[tuple[str, str]] | None,
                     min_mentions: int = MIN_CANDIDATE_MENTIONS) -> pd.DataFrame:
    """The pain-point rows of the candidate keys (see ``candidates``): only their mentions are
    looked at, so a caller reading mentions part by part keeps only these keys' rows."""
    if points.empty:
        return points
    # only keys with the volume to be candidates are looked at (a period has thousands of keys)
    pair = ["keyword", "polarity"]
    points = points[points.groupby(pair)["mentions"].transform("sum") >= min_mentions]
    # reasons per key, vectorised; then only the candidates' mentions are looked at
    keep = (points["stage"] == UNMAPPED_STAGE).groupby([points["keyword"], points["polarity"]]).transform("all")
    keep = keep.to_numpy(dtype=bool, copy=True)
    if known is not None:
        keep |= ~pd.MultiIndex.from_frame(points[pair]).isin(list(known))
    return points[keep]


def candidates(period: str, points: pd.DataFrame, mentions: pd.DataFrame, known: set[tuple[str, str]] | None,
               min_mentions: int = MIN_CANDIDATE_MENTIONS) -> pd.DataFrame:
    """Keys first seen this period (not in ``known``, the keys of every earlier period) or only placed
    on ``unmapped``, with at least ``min_mentions`` mentions in the period (all stages together).
    ``known=None`` means there is no earlier period: nothing is "new" then, only unmapped keys count."""
    points = candidate_points(points, known, min_mentions)
    if points.empty:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    pair = ["keyword", "polarity"]
    # Per key, vectorised (a period has hundreds of candidates; a pandas loop per key cost ~1 ms each).
    keys = pd.MultiIndex.from_frame(points[pair])
    grouped = points.groupby(pair, sort=True)
    out = grouped["mentions"].sum().rename("mentions").to_frame()
    all_unmapped = (points["stage"] == UNMAPPED_STAGE).groupby([points["keyword"], points["polarity"]]).all()
    is_new = ~out.index.isin(list(known)) if known is not None else np.zeros(len(out), dtype=bool)
    out["reasons"] = [[r for r, on in (("new_key", n), ("unmapped", u)) if on]
                      for n, u in zip(is_new, all_unmapped.reindex(out.index).to_numpy(), strict=True)]
    out["stages"] = grouped["stage"].agg(list)
    # the key's top row: most mentions, then the first stage id
    top = points.sort_values([*pair, "mentions", "stage"], ascending=[True, True, False, True]).drop_duplicates(pair)
    top = top.set_index(pair)
    for c in ("stage", "stage_name", "example_record_ids", "example_quotes"):
        out[c] = top[c].reindex(out.index)
    out["aspect"], out["opinion"], out["records"] = None, None, grouped["records"].sum()
    if not mentions.empty:
        m = mentions[pd.MultiIndex.from_frame(mentions[pair]).isin(keys.unique())]
        if not m.empty:
            out["records"] = m.groupby(pair)["record_id"].nunique().reindex(out.index).fillna(out["records"])
            if "aspect" in m.columns:
                for col in ("aspect", "opinion"):
                    found = _most_common(m, pair, col).reindex(out.index)
                    out[col] = found.astype(object).where(found.notna(), None)
    out = out.reset_index()
    out["period"] = period
    out["records"] = out["records"].astype(int)
    out["mentions"] = out["mentions"].astype(int)
    out["example_record_ids"] = out["example_record_ids"].map(list)
    out["example_quotes"] = out["example_quotes"].map(list)
    out = out[CANDIDATE_COLUMNS]
    return out.sort_values(["mentions", "keyword"], ascending=[False, True]).reset_index(drop=True)
