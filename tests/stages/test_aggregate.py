"""Journey map and pain-point aggregation on hand-computed examples."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from voc_pipeline.config import domain_path
from voc_pipeline.stages import aggregate
from voc_pipeline.stages.journey import load_taxonomy


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(domain_path("commerce"))


def test_trend_status_rules():
    # 30 mentions in 100 records vs 10 in 100: a real rise (p ~ 0.001)
    status, p = aggregate.trend_status(30, 10, 100, 100, True)
    assert status == "rising" and p < 0.01
    assert aggregate.trend_status(10, 30, 100, 100, True)[0] == "falling"
    # the same rate with twice the volume is not a rise
    assert aggregate.trend_status(20, 10, 200, 100, True)[0] == "stable"
    # too few mentions to decide anything
    assert aggregate.trend_status(3, 1, 100, 100, True)[0] == "stable"
    assert aggregate.trend_status(4, 0, 100, 100, True)[0] == "new"
    assert aggregate.trend_status(4, 0, 100, 0, False)[0] == "new"


def test_nps_score():
    assert aggregate.nps_score(pd.Series([10, 9, 8, 3, None])) == pytest.approx(100 * (2 / 4 - 1 / 4))
    assert math.isnan(aggregate.nps_score(pd.Series([None], dtype="float64")))


def _tables():
    records = pd.DataFrame({
        "record_id": ["r1", "r2", "r3"],
        "sentiment": ["neg", "neg", "pos"],
        "rating_norm": [0.0, 0.25, 1.0],
        "nps": [2.0, None, 10.0],
        "stages": [["delivery"], ["delivery", "refund"], ["delivery"]],
    })
    sentences = pd.DataFrame({
        "record_id": ["r1", "r2", "r2", "r3"],
        "sentence_index": [0, 0, 1, 0],
        "text": ["배송이 너무 늦어요", "택배가 늦게 왔고", "환불도 안 돼요", "배송 빨라요"],
        "sentiment": ["neg", "neg", "neg", "pos"],
        "stage": ["delivery", "delivery", "refund", "delivery"],
    })
    mentions = pd.DataFrame({
        "record_id": ["r1", "r2", "r2", "r3"],
        "sentence_index": [0, 0, 1, 0],
        "keyword": ["배송+늦다", "배송+늦다", "환불+안 되다", "배송+빠르다"],
        "polarity": ["pain", "pain", "pain", "praise"],
        "stage": ["delivery", "delivery", "refund", "delivery"],
        "confidence": [0.9, 0.8, 0.7, 0.95],
    })
    return records, sentences, mentions


def test_pain_points_hand_computed(taxonomy):
    records, sentences, mentions = _tables()
    prev = aggregate.PreviousPeriod("2026-W46", 3, {("delivery", "배송+늦다", "pain"): 2})
    pp = aggregate.pain_points(records, sentences, mentions, taxonomy, prev).set_index("keyword")
    late = pp.loc["배송+늦다"]
    assert (late["mentions"], late["records"], late["previous_mentions"], late["change"]) == (2, 2, 2, 0)
    assert late["negative_share"] == 1.0
    assert late["avg_rating_norm"] == pytest.approx(0.125)
    assert late["share_of_stage"] == 1.0  # the only pain mention of delivery
    assert late["status"] == "stable"
    assert late["previous_period"] == "2026-W46"
    assert late["mentions_per_1k"] == pytest.approx(1000 * 2 / 3)
    assert late["previous_mentions_per_1k"] == pytest.approx(1000 * 2 / 3)
    assert late["example_quotes"] == ["배송이 너무 늦어요", "택배가 늦게 왔고"]
    assert pp.loc["환불+안 되다", "status"] == "new"
    assert pp.loc["배송+빠르다", "polarity"] == "praise"


def test_journey_map_hand_computed(taxonomy):
    records, sentences, mentions = _tables()
    pp = aggregate.pain_points(records, sentences, mentions, taxonomy, None)
    jm = aggregate.journey_map(records, sentences, pp, taxonomy).set_index("stage")
    assert list(jm.index) == [*taxonomy.stage_ids, "unmapped"]
    d = jm.loc["delivery"]
    assert d["records"] == 3 and d["sentences"] == 3
    assert d["negative_share"] == pytest.approx(2 / 3) and d["positive_share"] == pytest.approx(1 / 3)
    assert d["sentiment_index"] == pytest.approx(100 * (1 / 3 - 2 / 3))
    assert d["nps"] == pytest.approx(0.0)  # one promoter, one detractor
    assert d["top_pain_points"] == ["배송+늦다"] and d["top_praise_points"] == ["배송+빠르다"]
    assert jm.loc["order", "records"] == 0 and math.isnan(jm.loc["order", "sentiment_index"])
