"""Omnichannel journeys and repeat contacts on hand-built customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from voc_pipeline.config import domain_path
from voc_pipeline.stages import omnichannel
from voc_pipeline.stages.journey import load_taxonomy


def _rec(rid, key, channel, when, stages, period="2026-W47", sentiment="neg"):
    return {"record_id": rid, "customer_key": key, "channel": channel,
            "created_at": pd.Timestamp(when, tz="Asia/Seoul"), "stages": stages, "period": period,
            "sentiment": sentiment}


def _records() -> pd.DataFrame:
    return pd.DataFrame([
        # the classic case: the call centre promises a free exchange, the customer chats about it 2 days later
        _rec("a1", "K-A", "complaint", "2026-11-16 10:00", ["refund"]),
        _rec("a2", "K-A", "chat", "2026-11-18 15:00", ["support", "refund"]),
        _rec("a3", "K-A", "review", "2026-11-20 09:00", ["use"], sentiment="pos"),
        # same channel, same stage, 10 days apart: not a repeat; journey started the week before
        _rec("b1", "K-B", "review", "2026-11-06 10:00", ["delivery"], period="2026-W45"),
        _rec("b2", "K-B", "review", "2026-11-16 10:00", ["delivery"]),
        # same channel repeat within 7 days
        _rec("c1", "K-C", "chat", "2026-11-16 10:00", ["delivery"]),
        _rec("c2", "K-C", "chat", "2026-11-17 10:00", ["delivery"]),
        # last contact in an earlier period: belongs to that period, not this one
        _rec("d1", "K-D", "chat", "2026-11-02 10:00", ["order"], period="2026-W45"),
        _rec("d2", "K-D", "complaint", "2026-11-03 10:00", ["order"], period="2026-W45"),
        # one record only; and no customer key at all
        _rec("e1", "K-E", "chat", "2026-11-16 10:00", ["order"]),
        _rec("f1", None, "chat", "2026-11-16 10:00", ["order"]),
        _rec("f2", "", "chat", "2026-11-16 11:00", ["order"]),
    ])


def test_journeys_of_the_period():
    taxonomy = load_taxonomy(domain_path("commerce"))
    j = omnichannel.journeys(_records(), "2026-W47", taxonomy.order).set_index("customer_key")
    assert sorted(j.index) == ["K-A", "K-B", "K-C"]
    a = j.loc["K-A"]
    assert a["channels"] == ["complaint", "chat", "review"] and a["cross_channel"]
    assert a["stages"] == ["use", "support", "refund"]  # taxonomy order
    assert a["path"] == ["complaint:refund", "chat:support/refund", "review:use"]
    assert (a["records"], a["repeat_contacts"], a["cross_channel_repeats"]) == (3, 1, 1)
    assert a["repeat_contact"] and a["repeat_stages"] == ["refund"]
    assert a["span_days"] == (pd.Timestamp("2026-11-20 09:00") - pd.Timestamp("2026-11-16 10:00")).total_seconds() / 86400
    assert a["negative_records"] == 2 and a["last_sentiment"] == "pos"
    b = j.loc["K-B"]
    assert b["repeat_contacts"] == 0 and not b["repeat_contact"] and not b["cross_channel"]
    assert b["first_contact"] == pd.Timestamp("2026-11-06 10:00", tz="Asia/Seoul")
    c = j.loc["K-C"]
    assert (c["repeat_contacts"], c["cross_channel_repeats"]) == (1, 0)
    # most actionable first: cross-channel repeats, then repeats
    assert list(j.index) == ["K-A", "K-C", "K-B"]


def test_journey_belongs_to_its_last_period():
    j = omnichannel.journeys(_records(), "2026-W45")
    assert list(j["customer_key"]) == ["K-D"]
    assert j.iloc[0]["cross_channel_repeats"] == 1


def test_repeat_window_is_configurable():
    j = omnichannel.journeys(_records(), "2026-W47", repeat_days=14).set_index("customer_key")
    assert j.loc["K-B", "repeat_contacts"] == 1


def test_no_text_in_journeys():
    assert not {"text", "excerpt", "example_quotes"} & set(omnichannel.JOURNEY_COLUMNS)
    assert omnichannel.journeys(pd.DataFrame(), "2026-W47").empty


def _reference_journeys(records: pd.DataFrame, period: str, stage_order=None,
                        repeat_days: float = omnichannel.REPEAT_DAYS) -> pd.DataFrame:
    """The definition, one customer at a time (the row-by-row form the vectorised one must equal)."""
    order = stage_order or (lambda s: 0)
    keys = records["customer_key"]
    recs = records[keys.notna() & (keys.astype("string").str.len() > 0)].copy()
    recs["created_at"] = pd.to_datetime(recs["created_at"])
    recs = recs.sort_values(["customer_key", "created_at", "record_id"], kind="stable")
    window = pd.Timedelta(days=repeat_days)
    rows = []
    for key, g in recs.groupby("customer_key", sort=True):
        if len(g) < 2 or g["period"].iloc[-1] != period:
            continue
        times = g["created_at"].tolist()
        channels = g["channel"].astype(str).tolist()
        stages = [set(s) - {"unmapped"} if s is not None else set() for s in g["stages"].tolist()]
        repeats = cross = 0
        repeat_stages: set[str] = set()
        for j in range(1, len(g)):
            earlier = [i for i in range(j) if stages[i] & stages[j] and times[j] - times[i] <= window]
            if earlier:
                repeats += 1
                repeat_stages |= set().union(*(stages[i] & stages[j] for i in earlier))
                if any(channels[i] != channels[j] for i in earlier):
                    cross += 1
        rows.append({
            "period": period, "customer_key": key, "channels": list(dict.fromkeys(channels)),
            "stages": sorted(set().union(*stages), key=order), "records": len(g),
            "record_ids": g["record_id"].tolist(),
            "path": [f"{c}:{'/'.join(sorted(s, key=order)) or 'unmapped'}" for c, s in zip(channels, stages,
                                                                                          strict=True)],
            "first_contact": times[0], "last_contact": times[-1],
            "span_days": (times[-1] - times[0]).total_seconds() / 86400,
            "cross_channel": len(set(channels)) > 1, "repeat_contacts": repeats, "cross_channel_repeats": cross,
            "repeat_contact": repeats > 0, "repeat_stages": sorted(repeat_stages, key=order),
            "negative_records": int((g["sentiment"] == "neg").sum()), "last_sentiment": g["sentiment"].iloc[-1],
        })
    if not rows:
        return pd.DataFrame(columns=omnichannel.JOURNEY_COLUMNS)
    out = pd.DataFrame(rows)[omnichannel.JOURNEY_COLUMNS]
    return out.sort_values(["cross_channel_repeats", "repeat_contacts", "records", "customer_key"],
                           ascending=[False, False, False, True]).reset_index(drop=True)


def _random_window(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stage_ids = ["discover", "order", "delivery", "use", "refund", "support", "unmapped"]
    start = pd.Timestamp("2026-11-02", tz="Asia/Seoul")
    when = start + pd.to_timedelta(rng.integers(0, 28 * 24, n) * 3600 // rng.choice([1, 3], n), unit="s")
    created = pd.Series(when).where(rng.random(n) > 0.03)               # a few undated records
    keys = np.array([f"K{k:03d}" for k in rng.integers(0, n // 4, n)], dtype=object)
    keys[rng.random(n) < 0.03] = None
    keys[rng.random(n) < 0.02] = ""
    return pd.DataFrame({
        "record_id": [f"r{i:05d}" for i in rng.permutation(n)],
        "customer_key": keys,
        "channel": rng.choice(["review", "chat", "complaint"], n),
        "created_at": created,
        "sentiment": rng.choice(["neg", "neu", "pos"], n),
        "stages": [list(rng.choice(stage_ids, rng.integers(0, 3), replace=False)) for _ in range(n)],
        "period": [f"2026-W{45 + (d.days // 7 if d == d else 3)}" for d in created - start],
    })


def _plain(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values (Arrow lists and numpy lists alike), NaN/NaT as None."""
    out = []
    for row in frame.to_dict("records"):
        out.append({k: (list(v) if isinstance(v, list | np.ndarray) else None if v is None or v != v else v)
                    for k, v in row.items()})
    return out


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_journeys_equal_the_definition(seed):
    taxonomy = load_taxonomy(domain_path("commerce"))
    window = _random_window(seed)
    for period in ("2026-W46", "2026-W48"):
        for days in (7, 2.5):
            expected = _reference_journeys(window, period, taxonomy.order, repeat_days=days)
            got = omnichannel.journeys(window, period, taxonomy.order, repeat_days=days)
            assert len(expected) > 10
            assert _plain(got) == _plain(expected)
            # the pipeline passes dictionary-encoded keys/channels/periods and Arrow stage lists
            compact = window.astype({"customer_key": "category", "channel": "category", "period": "category",
                                     "sentiment": "category"})
            compact["stages"] = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(window["stages"].tolist())))
            assert _plain(omnichannel.journeys(compact, period, taxonomy.order, repeat_days=days)) == _plain(expected)
