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

from voc_pipeline.stages.aggregate import nps_score

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
    rec = records.drop_duplicates("record_id").set_index("record_id")
    rating = rec["rating_norm"].astype("float64")
    nps = rec["nps"].astype("float64")
    ids = mentions.groupby(["stage", "keyword", "polarity"])["record_id"].agg(lambda s: set(s))
    cols: dict[str, list] = {c: [] for c in IMPACT_COLUMNS}
    for stage, keyword, polarity in out[["stage", "keyword", "polarity"]].itertuples(index=False):
        theme = pd.Series(rec.index.isin(list(ids.get((stage, keyword, polarity), ()))), index=rec.index)
        r_lift, r_n = mean_lift(rating, theme)
        n_lift, n_n = nps_lift(nps, theme)
        cols["rating_lift"].append(r_lift)
        cols["nps_lift"].append(n_lift)
        cols["impact_records"].append(r_n)
        cols["nps_records"].append(n_n)
    for c, v in cols.items():
        out[c] = np.asarray(v, dtype="float64") if c.endswith("lift") else np.asarray(v, dtype="int64")
    return out
