import math
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voc_pipeline.stages._ingest.chats import SpeakerRule
from voc_pipeline.stages._ingest.dates import parse_datetime, period_of
from voc_pipeline.stages._ingest.ratings import infer_scale, normalize, parse_nps, parse_rating

KST = "Asia/Seoul"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026.11.16 09:12", "2026-11-16 09:12"),
        ("2026-11-16", "2026-11-16 00:00"),
        ("2026/11/16 9:12:03", "2026-11-16 09:12:03"),
        ("2026년 11월 16일 오후 3:05", "2026-11-16 15:05"),
        ("2026년 11월 16일 오전 12:05", "2026-11-16 00:05"),
        ("2026. 11. 16. 오후 12:30", "2026-11-16 12:30"),
        ("2026년 11월 16일 (월) 15시 5분", "2026-11-16 15:05"),
        ("20261116", "2026-11-16 00:00"),
        ("202611160912", "2026-11-16 09:12"),
        ("2026-11-16T00:12:00Z", "2026-11-16 09:12"),
        ("2026-11-16T09:12:00+09:00", "2026-11-16 09:12"),
        ("2026-11-16T02:12:00+02:00", "2026-11-16 09:12"),
        ("2026-11-16 09:12 PM", "2026-11-16 21:12"),
        (46342, "2026-11-16 00:00"),
        (46342.5, "2026-11-16 12:00"),
        ("46342", "2026-11-16 00:00"),
        (datetime(2026, 11, 16, 9, 12), "2026-11-16 09:12"),
        (date(2026, 11, 16), "2026-11-16 00:00"),
        (pd.Timestamp("2026-11-16 00:12", tz="UTC"), "2026-11-16 09:12"),
    ],
)
def test_dates(value, expected):
    assert parse_datetime(value, KST) == pd.Timestamp(expected, tz=KST)


@pytest.mark.parametrize("value", [None, "", "   ", float("nan")])
def test_empty_dates(value):
    assert parse_datetime(value, KST) is None


@pytest.mark.parametrize("value", ["어제", "2026-02-30", "2026-11-16 25:00", "abc", "123", True, 5])
def test_bad_dates(value):
    with pytest.raises(ValueError):
        parse_datetime(value, KST)


@settings(max_examples=300, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 12, 31)),
       tz=st.sampled_from(["Asia/Seoul", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC"]))
def test_naive_times_localize_as_pandas_policy(moment, tz):
    """The fast path (zoneinfo, unambiguous wall times) gives what pandas' tz_localize policy gives
    (ambiguous -> standard time, skipped -> shifted forward), DST edges included."""
    got = parse_datetime(moment.isoformat(sep=" "), tz)
    want = pd.Timestamp(moment).tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
    assert got == want and got.utcoffset() == want.utcoffset() and str(got.tzinfo) == str(want.tzinfo)


@pytest.mark.parametrize("wall", ["2026-03-08 02:30", "2026-11-01 01:30"])
def test_dst_gap_and_overlap_keep_the_policy(wall):
    got = parse_datetime(wall, "America/New_York")
    assert got == pd.Timestamp(wall).tz_localize("America/New_York", ambiguous=False, nonexistent="shift_forward")


def test_period_iso_week_boundaries():
    assert period_of(pd.Timestamp("2026-01-01", tz=KST)) == "2026-W01"
    assert period_of(pd.Timestamp("2027-01-01", tz=KST)) == "2026-W53"
    assert period_of(pd.Timestamp("2026-11-16", tz=KST), "month") == "2026-11"


@pytest.mark.parametrize(
    ("value", "rating", "scale"),
    [
        (5, 5.0, None), ("4점", 4.0, None), ("★★★★☆", 4.0, 5.0), ("⭐⭐⭐", 3.0, None),
        ("4/5", 4.0, 5.0), ("8/10", 8.0, 10.0), ("90점", 90.0, None), ("5점 만점에 4점", 4.0, 5.0),
        ("4.5", 4.5, None), ("매우 만족", 5.0, 5.0), ("불만족", 2.0, 5.0), ("４점", 4.0, None),
    ],
)
def test_ratings(value, rating, scale):
    assert parse_rating(value) == (rating, scale)


@pytest.mark.parametrize("value", [None, "", "모름", "-", True, float("inf"), -3, "4/0"])
def test_unparseable_ratings_are_nan(value):
    assert math.isnan(parse_rating(value)[0])


@pytest.mark.parametrize(
    ("rating", "scale", "norm"),
    [(5, 5, 1.0), (1, 5, 0.0), (3, 5, 0.5), (10, 10, 1.0), (1, 10, 0.0), (90, 100, 0.9), (0, 100, 0.0)],
)
def test_normalize(rating, scale, norm):
    assert normalize(rating, scale) == pytest.approx(norm)


def test_out_of_range_normalizes_to_nan():
    assert math.isnan(normalize(0, 5)) and math.isnan(normalize(6, 5))


def test_infer_scale():
    assert (infer_scale(5), infer_scale(9), infer_scale(95), infer_scale(4, {10.0})) == (5, 10, 100, 10)


def test_nps():
    assert parse_nps("9") == 9.0 and parse_nps(0) == 0.0
    assert math.isnan(parse_nps(11)) and math.isnan(parse_nps("4/5")) and math.isnan(parse_nps("x"))


def test_speaker_rule():
    rule = SpeakerRule(["A"])
    assert rule.is_customer("A") and rule.is_customer("Customer") and rule.is_customer(" 고객 ")
    assert not rule.is_customer("상담사") and not rule.is_customer("챗봇") and not rule.is_customer("??")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=True), st.none(),
                 st.text(alphabet="★☆⭐점/ 0123456789.만족매우", max_size=12)))
def test_rating_parser_never_crashes_and_norm_in_range(value):
    rating, own = parse_rating(value)
    for scale in (own, 5.0, 10.0, 100.0, infer_scale(rating if not math.isnan(rating) else 0)):
        n = normalize(rating, scale)
        assert math.isnan(n) or 0.0 <= n <= 1.0
