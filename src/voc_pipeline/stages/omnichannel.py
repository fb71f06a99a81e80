"""Omnichannel journeys: the records of one pseudonymous customer across channels.

Definitions (docs/metrics.md, "journeys"):
- A journey is every record of one ``customer_key`` (HMAC pseudonym) within a lookback window of
  the period and the ``LOOKBACK_PERIODS - 1`` periods before it. It has at least 2 records, and it
  belongs to the period of its last contact (so each journey appears once, in the period where it
  was last active; a customer who contacts again later reappears there with the longer journey).
- A record is a *repeat contact* when an earlier record of the same customer shares a journey
  stage with it and was created at most ``REPEAT_DAYS`` days before it, in any channel; a
  *cross-channel repeat* when such an earlier record came through a different channel (the call
  centre promised something, the store did not know).
Only pseudonymised keys, channel names, stage ids and record ids appear; no text.
"""

from __future__ import annotations

import pandas as pd

from voc_pipeline.schema import UNMAPPED_STAGE

LOOKBACK_PERIODS = 4
REPEAT_DAYS = 7

#: the records columns a journey needs
RECORD_COLUMNS = ["record_id", "customer_key", "channel", "created_at", "sentiment", "stages"]

JOURNEY_COLUMNS = [
    "period", "customer_key", "channels", "stages", "records", "record_ids", "path", "first_contact",
    "last_contact", "span_days", "cross_channel", "repeat_contacts", "cross_channel_repeats", "repeat_contact",
    "repeat_stages", "negative_records", "last_sentiment",
]


def journeys(records: pd.DataFrame, period: str, stage_order=None, repeat_days: float = REPEAT_DAYS) -> pd.DataFrame:
    """One row per customer with >= 2 records in ``records`` (the lookback window, with a
    ``period`` column) whose last contact falls in ``period``."""
    if records.empty:
        return pd.DataFrame(columns=JOURNEY_COLUMNS)
    order = stage_order or (lambda s: 0)
    keys = records["customer_key"]
    recs = records[keys.notna() & (keys.astype("string").str.len() > 0)].copy()
    if recs.empty:
        return pd.DataFrame(columns=JOURNEY_COLUMNS)
    recs["created_at"] = pd.to_datetime(recs["created_at"])
    recs = recs.sort_values(["customer_key", "created_at", "record_id"], kind="stable")
    window = pd.Timedelta(days=repeat_days)
    rows = []
    for key, g in recs.groupby("customer_key", sort=True):
        if len(g) < 2 or g["period"].iloc[-1] != period:
            continue
        times = g["created_at"].tolist()
        channels = g["channel"].astype(str).tolist()
        stages = [set(s) - {UNMAPPED_STAGE} if s is not None else set() for s in g["stages"].tolist()]
        repeats = cross = 0
        repeat_stages: set[str] = set()
        for j in range(1, len(g)):
            earlier = [i for i in range(j) if stages[i] & stages[j] and times[j] - times[i] <= window]
            if earlier:
                repeats += 1
                repeat_stages |= set().union(*(stages[i] & stages[j] for i in earlier))
                if any(channels[i] != channels[j] for i in earlier):
                    cross += 1
        all_stages = sorted(set().union(*stages), key=order)
        rows.append({
            "period": period,
            "customer_key": key,
            "channels": list(dict.fromkeys(channels)),
            "stages": all_stages,
            "records": len(g),
            "record_ids": g["record_id"].tolist(),
            "path": [f"{c}:{'/'.join(sorted(s, key=order)) or UNMAPPED_STAGE}" for c, s in zip(channels, stages,
                                                                                                strict=True)],
            "first_contact": times[0],
            "last_contact": times[-1],
            "span_days": (times[-1] - times[0]).total_seconds() / 86400,
            "cross_channel": len(set(channels)) > 1,
            "repeat_contacts": repeats,
            "cross_channel_repeats": cross,
            "repeat_contact": repeats > 0,
            "repeat_stages": sorted(repeat_stages, key=order),
            "negative_records": int((g["sentiment"] == "neg").sum()),
            "last_sentiment": g["sentiment"].iloc[-1],
        })
    if not rows:
        return pd.DataFrame(columns=JOURNEY_COLUMNS)
    out = pd.DataFrame(rows)[JOURNEY_COLUMNS]
    return out.sort_values(["cross_channel_repeats", "repeat_contacts", "records", "customer_key"],
                           ascending=[False, False, False, True]).reset_index(drop=True)
