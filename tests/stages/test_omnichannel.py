"""Omnichannel journeys and repeat contacts on hand-built customers."""

from __future__ import annotations

import pandas as pd

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
