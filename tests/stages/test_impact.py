"""Remove-theme impact on rating and NPS, on hand-computed examples."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from voc_pipeline.stages import impact


def _records() -> pd.DataFrame:
    # r1, r2 carry 배송+늦다 (ratings 0.0, 0.5); r3, r4 do not (1.0, 0.5); r5 is unrated
    return pd.DataFrame({
        "record_id": ["r1", "r2", "r3", "r4", "r5"],
        "rating_norm": [0.0, 0.5, 1.0, 0.5, None],
        "nps": [2.0, 10.0, 9.0, 7.0, 0.0],
    })


def _mentions() -> pd.DataFrame:
    return pd.DataFrame({
        "record_id": ["r1", "r2", "r2", "r5", "r3"],
        "stage": ["delivery", "delivery", "delivery", "refund", "delivery"],
        "keyword": ["배송+늦다", "배송+늦다", "배송+늦다", "환불+안 되다", "배송+빠르다"],
        "polarity": ["pain", "pain", "pain", "pain", "praise"],
    })


def test_mean_lift_hand_computed():
    rec = _records().set_index("record_id")
    theme = pd.Series([True, True, False, False, False], index=rec.index)
    lift, n = impact.mean_lift(rec["rating_norm"], theme)
    # all rated: (0 + .5 + 1 + .5) / 4 = 0.5; without the theme: (1 + .5) / 2 = 0.75
    assert lift == pytest.approx(0.25) and n == 2
    # the closed form n_T / (N - n_T) * (mean_all - mean_T) = 2 / 2 * (0.5 - 0.25)
    assert lift == pytest.approx(2 / 2 * (0.5 - 0.25))


def test_nps_lift_hand_computed():
    rec = _records().set_index("record_id")
    theme = pd.Series([True, False, False, False, True], index=rec.index)  # nps 2 and 0: detractors
    lift, n = impact.nps_lift(rec["nps"], theme)
    # all: promoters {10, 9} 2/5, detractors {2, 0} 2/5 -> 0; without: {10, 9, 7} -> 100 * 2/3
    assert lift == pytest.approx(100 * 2 / 3) and n == 2


def test_add_impact_columns():
    points = pd.DataFrame({"stage": ["delivery", "refund", "delivery"],
                           "keyword": ["배송+늦다", "환불+안 되다", "배송+빠르다"],
                           "polarity": ["pain", "pain", "praise"]})
    out = impact.add_impact(points, _records(), _mentions()).set_index("keyword")
    late = out.loc["배송+늦다"]
    assert late["rating_lift"] == pytest.approx(0.25) and late["impact_records"] == 2  # r2 counted once
    # nps: all 0 (2 promoters, 2 detractors of 5 = 40 - 40); without r1, r2: {9, 7, 0} -> 100 * (1/3 - 1/3)
    assert late["nps_lift"] == pytest.approx(0.0) and late["nps_records"] == 2
    refund = out.loc["환불+안 되다"]  # only unrated r5: no rating evidence
    assert math.isnan(refund["rating_lift"]) and refund["impact_records"] == 0
    # nps without r5 {2, 10, 9, 7}: 100 * (2/4 - 1/4) = 25; all: 0
    assert refund["nps_lift"] == pytest.approx(25.0) and refund["nps_records"] == 1
    praise = out.loc["배송+빠르다"]  # praise: removing it would lower the rating
    # without r3: (0 + .5 + .5) / 3 = 1/3; all 0.5
    assert praise["rating_lift"] == pytest.approx(1 / 3 - 0.5)


def test_theme_covering_every_rated_record_is_nan():
    rec = pd.DataFrame({"record_id": ["a", "b"], "rating_norm": [0.2, 0.4], "nps": [None, None]})
    m = pd.DataFrame({"record_id": ["a", "b"], "stage": ["use"] * 2, "keyword": ["품질+나쁘다"] * 2,
                      "polarity": ["pain"] * 2})
    out = impact.add_impact(m[["stage", "keyword", "polarity"]].drop_duplicates(), rec, m).iloc[0]
    assert math.isnan(out["rating_lift"]) and out["impact_records"] == 2
    assert math.isnan(out["nps_lift"]) and out["nps_records"] == 0


def test_empty_points():
    out = impact.add_impact(pd.DataFrame(), _records(), _mentions())
    assert out.empty and set(impact.IMPACT_COLUMNS) <= set(out.columns)
