"""Impact of a pain point on ratings and NPS: the remove-theme formula.

For a theme T (the records of the period that carry the pain-point key) and a score s over the
period's records that have one:

    lift(T) = score(records without T) - score(all records)

i.e. how much the period's score would rise if the records carrying T were as satisfied as the
rest (equivalently, if the theme were removed). For the mean rating this is
``n_T / (N - n_T) * (mean_all - mean_T)`` (docs/metrics.md). NaN when no scored
record carries the theme (no evidence) or every scored record does (nothing to compare with).
For praise keys the lift is negative: what the score would lose without that praise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from voc_pipeline.stages.aggregate import KEY, distinct_key_records, key_codes, nps_score

IMPACT_COLUMNS = ["rating_lift", "nps_lift", "impact_records", "nps_records"]


def mean_lift(values: pd.Series, theme: pd.Series) -> tuple[float, int]:
    """(lift of the mean, scored records in the theme); ``values`` and ``theme`` share an index."""
    scored = values.notna()
    n_theme = int((scored & theme).sum())
    if n_theme == 0 or n_theme == int(scored.sum()):
        return float("nan"), n_theme
    return float(values[scored & ~theme].mean() - values[scored].mean()), n_theme


def nps_lift(values: pd.Series, theme: pd.Series) -> tuple[float, int]:
    """(lift of the NPS, -100..100 points, answered records in the theme)."""
    answered = values.notna()
    n_theme = int((answered & theme).sum())
    if n_theme == 0 or n_theme == int(answered.sum()):
        return float("nan"), n_theme
    return nps_score(values[answered & ~theme]) - nps_score(values[answered]), n_theme


def add_impact(points: pd.DataFrame, records: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """pain_points + rating_lift (rating_norm points, 0..1 scale), nps_lift (NPS points),
    impact_records (rated records with the key) and nps_records (NPS-answered records with the key)."""
    out = points.copy()
    if out.empty:
        for c in IMPACT_COLUMNS:
            out[c] = pd.Series(dtype="float64")
        return out
    # Vectorised form of mean_lift / nps_lift over every key at once: per key, the scored records
    # of the theme and their rating sum (NPS: promoters and detractors) against the period totals.
    # Over integer codes (key code, record position), not string joins.
    codes, keys = key_codes(mentions)
    distinct, rec = distinct_key_records(mentions, codes, records[["record_id", "rating_norm", "nps"]])
    return impact_columns(out, keys, distinct["k"].to_numpy(), distinct["pos"].to_numpy(),
                          rec["rating_norm"].astype("float64"), rec["nps"].astype("float64"))


def impact_columns(out: pd.DataFrame, keys: pd.DataFrame, dk: np.ndarray, pos: np.ndarray, rating: pd.Series,
                   nps: pd.Series) -> pd.DataFrame:
    """``out`` (pain-point rows, KEY columns) + the impact columns, from the distinct (key, record)
    pairs (``dk`` key code into ``keys``, ``pos`` the record's row in ``rating`` / ``nps``, -1: not
    in the period) and the period's records without repeated ids (``rating``, ``nps``)."""
    key = KEY
    theme = pos >= 0                                # an inner join: keys of records in the period
    k, pos = dk[theme], pos[theme]
    t_rating = rating.to_numpy()[pos]
    t_nps = nps.to_numpy()[pos]
    per_key = pd.DataFrame({
        "rated": ~np.isnan(t_rating), "rating_sum": np.nan_to_num(t_rating, nan=0.0), "answered": ~np.isnan(t_nps),
        "promoter": t_nps >= 9, "detractor": t_nps <= 6,
    }).groupby(k).agg(impact_records=("rated", "sum"), rating_sum=("rating_sum", "sum"),
                      nps_records=("answered", "sum"), promoters=("promoter", "sum"),
                      detractors=("detractor", "sum"))
    per_key = keys.iloc[per_key.index].reset_index(drop=True).join(per_key.reset_index(drop=True))
    t = out[key].merge(per_key, on=key, how="left").fillna(0)
    n_rated, total = int(rating.notna().sum()), float(rating.sum())
    rest = n_rated - t["impact_records"]
    valid = (t["impact_records"] > 0) & (rest > 0)
    lift = (total - t["rating_sum"]) / rest.where(rest > 0) - (total / n_rated if n_rated else np.nan)
    out["rating_lift"] = np.where(valid, lift, np.nan).astype("float64")
    n_nps = int(nps.notna().sum())
    nps_all = nps_score(nps)
    rest_n = n_nps - t["nps_records"]
    valid_n = (t["nps_records"] > 0) & (rest_n > 0)
    p_all, d_all = float((nps >= 9).sum()), float((nps <= 6).sum())
    nps_rest = 100.0 * ((p_all - t["promoters"]) - (d_all - t["detractors"])) / rest_n.where(rest_n > 0)
    out["nps_lift"] = np.where(valid_n, nps_rest - nps_all, np.nan).astype("float64")
    out["impact_records"] = t["impact_records"].to_numpy().astype("int64")
    out["nps_records"] = t["nps_records"].to_numpy().astype("int64")
    return out
