"""Trends: the two-proportion test by hand, journey-map trend columns, alerts and candidates,
and a synthetic four-week history (tests/report/synthetic.py) whose answers are known."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.report.synthetic import WEEKS, build_dataset

from voc_pipeline.io.dataset import read_table
from voc_pipeline.stages import trends
from voc_pipeline.stages.aggregate import PreviousPeriod


def test_two_proportion_test_hand_computed():
    # 30/100 vs 15/100: pooled 0.225, se = sqrt(.225 * .775 * (1/100 + 1/100)) = 0.059055, z = 2.5400
    assert trends.two_proportion_test(30, 100, 15, 100) == pytest.approx(0.011083, abs=1e-5)
    assert trends.two_proportion_test(15, 100, 30, 100) == pytest.approx(0.011083, abs=1e-5)
    assert trends.two_proportion_test(10, 100, 10, 100) == pytest.approx(1.0)
    assert trends.two_proportion_test(0, 10, 0, 10) == 1.0
    assert math.isnan(trends.two_proportion_test(1, 0, 1, 10))


def test_share_status_rules():
    assert trends.share_status(30, 100, 15, 100, True) == ("rising", pytest.approx(0.011083, abs=1e-5))
    assert trends.share_status(15, 100, 30, 100, True)[0] == "falling"
    assert trends.share_status(12, 100, 10, 100, True)[0] == "stable"
    assert trends.share_status(4, 5, 0, 5, True)[0] == "stable"  # 4 + 0 < 5: too few to decide
    assert trends.share_status(3, 10, 0, 0, True)[0] == "new"  # sentences now, none before
    assert trends.share_status(0, 0, 3, 10, True)[0] == "stable"
    assert trends.share_status(3, 10, 3, 10, False)[0] == "new"


def _jm(neg: float, sentences: int, si: float) -> pd.DataFrame:
    return pd.DataFrame({"stage": ["delivery"], "stage_name": ["배송"], "records": [sentences],
                         "sentences": [sentences], "negative_share": [neg], "sentiment_index": [si]})


def test_journey_trend_columns():
    out = trends.journey_trend(_jm(0.3, 100, -20.0), _jm(0.15, 100, 10.0), "2026-W46").iloc[0]
    assert out["previous_period"] == "2026-W46" and out["previous_records"] == 100
    assert out["previous_sentiment_index"] == 10.0 and out["sentiment_index_change"] == -30.0
    assert out["previous_negative_share"] == 0.15
    assert out["status"] == "rising" and out["p_value"] == pytest.approx(0.011083, abs=1e-5)
    first = trends.journey_trend(_jm(0.3, 100, -20.0), None, None).iloc[0]
    assert first["status"] == "new" and math.isnan(first["previous_sentiment_index"])


def _points(**over) -> pd.DataFrame:
    row = {"stage": "delivery", "stage_name": "배송", "keyword": "배송+늦다", "polarity": "pain", "mentions": 30,
           "records": 30, "previous_mentions": 10, "status": "rising", "p_value": 0.001,
           "example_record_ids": ["r1"], "example_quotes": ["배송이 늦어요"]}
    row.update(over)
    return pd.DataFrame([row])


def test_alerts_kinds_and_messages():
    prev = PreviousPeriod("2026-W46", 100, {})
    jm = trends.journey_trend(_jm(0.3, 100, -20.0), _jm(0.15, 100, 10.0), "2026-W46").assign(stage_name="배송")
    pts = pd.concat([
        _points(),
        _points(keyword="환불+안 되다", previous_mentions=0, mentions=6, status="new", p_value=float("nan")),
        _points(keyword="포장+예쁘다", polarity="praise", previous_mentions=30, mentions=10, status="falling"),
        _points(keyword="배송+빠르다", polarity="praise", status="rising"),  # good news: no alert
        _points(keyword="박스+찢어지다", previous_mentions=0, mentions=4, status="new"),  # below 5: no alert
    ], ignore_index=True)
    a = trends.alerts("2026-W47", pts, jm, prev, 100)
    assert sorted(a["kind"]) == ["pain_new", "pain_rising", "praise_falling", "stage_worsening"]
    rising = a[a["kind"] == "pain_rising"].iloc[0]
    assert (rising["previous"], rising["current"]) == (10.0, 30.0)
    assert rising["message"] == "[배송] 불만 '배송+늦다' 급증: 10→30건 (1천 건당 100.0→300.0, p=0.001)"
    new = a[a["kind"] == "pain_new"].iloc[0]
    assert new["p_value"] == pytest.approx(2 * 0.5 ** 6)  # Binomial(6, 100/200): all 6 in this period
    stage = a[a["kind"] == "stage_worsening"].iloc[0]
    assert stage["metric"] == "negative_share" and (stage["previous"], stage["current"]) == (0.15, 0.3)
    assert list(a["p_value"]) == sorted(a["p_value"])
    assert trends.alerts("2026-W44", pts, jm, None, 100).empty  # no previous period: nothing to compare


def test_candidates_new_and_unmapped():
    pts = pd.concat([
        _points(),  # known
        _points(keyword="사은품+없다", mentions=3, status="new"),  # new, 3 mentions: a candidate
        _points(keyword="쿠폰+안 되다", mentions=2, status="new"),  # new but below the minimum
        _points(keyword="뭔가+이상하다", stage="unmapped", stage_name="미분류", mentions=5),  # known but unmapped
    ], ignore_index=True)
    mentions = pd.DataFrame({"record_id": ["a", "b", "c"], "keyword": ["사은품+없다"] * 3, "polarity": ["pain"] * 3,
                             "aspect": ["사은품", "사은품", "사은 품"], "opinion": ["없다"] * 3})
    known = {("배송+늦다", "pain"), ("뭔가+이상하다", "pain")}
    c = trends.candidates("2026-W47", pts, mentions, known).set_index("keyword")
    assert sorted(c.index) == ["뭔가+이상하다", "사은품+없다"]
    assert c.loc["사은품+없다", "reasons"] == ["new_key"] and c.loc["사은품+없다", "aspect"] == "사은품"
    assert c.loc["사은품+없다", "records"] == 3
    assert c.loc["뭔가+이상하다", "reasons"] == ["unmapped"]
    first = trends.candidates("2026-W44", pts, mentions, None)
    assert list(first["keyword"]) == ["뭔가+이상하다"]  # first period: nothing is "new"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    root = tmp_path_factory.mktemp("hist")
    build_dataset(root)
    return root


def test_synthetic_history_statuses(history):
    pp = read_table(history, "pain_points").set_index(["period", "keyword"])
    expected = {
        "배송+늦다": ["new", "stable", "rising", "falling"],
        "포장+파손되다": ["new", "stable", "stable", "stable"],
        "배송+빠르다": ["new", "stable", "stable", "falling"],
    }
    for key, statuses in expected.items():
        assert [pp.loc[(w, key), "status"] for w in WEEKS] == statuses, key
    assert pp.loc[("2026-W46", "환불+안 되다"), "status"] == "new"
    assert pp.loc[("2026-W47", "환불+안 되다"), "status"] == "stable"
    late = pp.loc[("2026-W46", "배송+늦다")]
    assert (late["previous_period"], late["previous_mentions"], late["change"]) == ("2026-W45", 20, 40)
    assert (late["mentions_per_1k"], late["previous_mentions_per_1k"]) == (300.0, 100.0)
    jm = read_table(history, "journey_map").set_index(["period", "stage"])
    assert [jm.loc[(w, "delivery"), "status"] for w in WEEKS] == ["new", "stable", "rising", "stable"]
    assert jm.loc[("2026-W46", "delivery"), "previous_negative_share"] == 0.5


def test_synthetic_history_alerts_and_candidates(history):
    alerts = read_table(history, "alerts")
    got = sorted(zip(alerts["period"], alerts["kind"], alerts["keyword"].fillna(""), strict=True))
    assert got == [
        ("2026-W46", "pain_new", "환불+안 되다"),
        ("2026-W46", "pain_rising", "배송+늦다"),
        ("2026-W46", "stage_worsening", ""),
        ("2026-W47", "praise_falling", "배송+빠르다"),
    ]
    cands = read_table(history, "pain_point_candidates")
    got = sorted(zip(cands["period"], cands["keyword"], strict=True))
    assert got == [("2026-W46", "환불+안 되다"), ("2026-W47", "뭔가+이상하다")]
    unm = cands[cands["keyword"] == "뭔가+이상하다"].iloc[0]
    assert list(unm["reasons"]) == ["new_key", "unmapped"] and unm["aspect"] == "뭔가"


def test_rerun_of_last_week_uses_committed_history(history, tmp_path):
    """Re-aggregating W47 alone against the committed W44-W46 gives the same W47 tables."""
    import shutil

    root = tmp_path / "out"
    shutil.copytree(history, root)
    build_dataset(root, weeks=["2026-W47"], run_id="20261124T000000000000Z")
    for table in ("pain_points", "journey_map", "alerts", "pain_point_candidates", "journeys"):
        a = read_table(history, table)
        b = read_table(root, table)
        a, b = (t[t["period"] == "2026-W47"].reset_index(drop=True) for t in (a, b))
        pd.testing.assert_frame_equal(a, b, check_categorical=False)


# ---- candidates: the vectorised version against the per-key loop it replaced --------------------
def _reference_candidates(period: str, points: pd.DataFrame, mentions: pd.DataFrame, known: set[tuple[str, str]] | None,
               min_mentions: int = trends.MIN_CANDIDATE_MENTIONS) -> pd.DataFrame:
    """The per-key loop ``trends.candidates`` had before it was vectorised: the oracle.

    Keys first seen this period (not in ``known``, the keys of every earlier period) or only placed
    on ``unmapped``, with at least ``min_mentions`` mentions in the period (all stages together).
    ``known=None`` means there is no earlier period: nothing is "new" then, only unmapped keys count."""
    if points.empty:
        return pd.DataFrame(columns=trends.CANDIDATE_COLUMNS)
    # only keys with the volume to be candidates are looked at (a period has thousands of keys)
    pair = ["keyword", "polarity"]
    points = points[points.groupby(pair)["mentions"].transform("sum") >= min_mentions]
    # reasons per key, vectorised; then only the candidates' mentions are looked at
    keep = (points["stage"] == trends.UNMAPPED_STAGE).groupby([points["keyword"], points["polarity"]]).transform("all")
    keep = keep.to_numpy(dtype=bool, copy=True)
    if known is not None:
        keep |= ~pd.MultiIndex.from_frame(points[pair]).isin(list(known))
    points = points[keep]
    wanted = set(zip(points["keyword"], points["polarity"], strict=True))
    by_key: dict = {}
    if not mentions.empty and wanted:
        hit = pd.MultiIndex.from_frame(mentions[pair]).isin(list(wanted))
        by_key = dict(tuple(mentions[hit].groupby(pair)))
    rows = []
    for (keyword, polarity), group in points.groupby(pair, sort=True):
        total = int(group["mentions"].sum())
        reasons = []
        if known is not None and (keyword, polarity) not in known:
            reasons.append("new_key")
        if (group["stage"] == trends.UNMAPPED_STAGE).all():
            reasons.append("unmapped")
        if not reasons:
            continue
        top = group.sort_values(["mentions", "stage"], ascending=[False, True]).iloc[0]
        m = by_key.get((keyword, polarity), mentions.iloc[0:0])
        aspect = opinion = None
        if not m.empty and "aspect" in m.columns:
            aspects = m["aspect"].dropna()
            aspect = str(aspects.value_counts().index[0]) if len(aspects) else None
            opinion = str(m["opinion"].dropna().value_counts().index[0]) if m["opinion"].notna().any() else None
        rows.append({
            "period": period, "keyword": keyword, "polarity": polarity, "aspect": aspect, "opinion": opinion,
            "stage": top["stage"], "stage_name": top["stage_name"], "stages": group["stage"].tolist(),
            "mentions": total, "records": int(m["record_id"].nunique()) if not m.empty else int(group["records"].sum()),
            "reasons": reasons, "example_record_ids": list(top["example_record_ids"]),
            "example_quotes": list(top["example_quotes"]),
        })
    if not rows:
        return pd.DataFrame(columns=trends.CANDIDATE_COLUMNS)
    out = pd.DataFrame(rows)[trends.CANDIDATE_COLUMNS]
    return out.sort_values(["mentions", "keyword"], ascending=[False, True]).reset_index(drop=True)


def _assert_same_candidates(points, mentions, known):
    got = trends.candidates("P", points, mentions, known)
    want = _reference_candidates("P", points, mentions, known)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    def values(frame, col):   # a missing aspect is None or NaN depending on how pandas built the frame
        return [None if not isinstance(v, list) and pd.isna(v) else v for v in frame[col].tolist()]

    for col in got.columns:
        assert values(got, col) == values(want, col), col


def test_candidates_equal_the_per_key_loop_on_the_synthetic_history(history):
    points = read_table(history, "pain_points")
    mentions = read_table(history, "mentions")
    for period in sorted(points["period"].unique()):
        p = points[points["period"] == period].drop(columns=["period"])
        m = mentions[mentions["period"] == period]
        _assert_same_candidates(p, m, None)
        _assert_same_candidates(p, m, set(trends.keys_of(p.head(len(p) // 2))))


_KEYWORDS = st.sampled_from(["배송+지연", "포장+파손", "환불+안 되다", "상담원+불친절", "쿠폰+먹통"])
_ASPECTS = st.sampled_from(["배송", "택배", "포장", "박스", None])


@given(rows=st.lists(st.tuples(_KEYWORDS, st.sampled_from(["pain", "praise"]),
                               st.sampled_from(["delivery", "unmapped", "refund"]), st.integers(1, 6)),
                     min_size=1, max_size=25),
       mention_rows=st.lists(st.tuples(_KEYWORDS, st.sampled_from(["pain", "praise"]), _ASPECTS,
                                       st.sampled_from(["늦다", "지연", None]), st.integers(0, 6)), max_size=60),
       known_share=st.integers(0, 2))
@settings(max_examples=80, deadline=None)
def test_candidates_equal_the_per_key_loop_on_generated_periods(rows, mention_rows, known_share):
    """Ties between aspects or opinions of a key are frequent here: they must be settled the same way."""
    points = pd.DataFrame(rows, columns=["keyword", "polarity", "stage", "mentions"])
    points = points.drop_duplicates(["stage", "keyword", "polarity"]).reset_index(drop=True)
    points["stage_name"] = points["stage"].str.upper()
    points["records"] = points["mentions"]
    points["example_record_ids"] = [[f"r{i}"] for i in range(len(points))]
    points["example_quotes"] = [[f"q{i}"] for i in range(len(points))]
    mentions = pd.DataFrame(mention_rows, columns=["keyword", "polarity", "aspect", "opinion", "rid"])
    mentions["record_id"] = "r" + mentions.pop("rid").astype(str)
    known = None if known_share == 0 else set(trends.keys_of(points.iloc[::known_share]))
    _assert_same_candidates(points, mentions, known)
