"""Journey-stage mapping with the shipped commerce taxonomy on real Korean sentences."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voc_pipeline.config import domain_path
from voc_pipeline.stages.journey import JourneyMapper, load_taxonomy
from voc_pipeline.stages.tokenize import KiwiTokenizer


@pytest.fixture(scope="module")
def mapper() -> JourneyMapper:
    return JourneyMapper(load_taxonomy(domain_path("commerce")))


@pytest.fixture(scope="module")
def kiwi() -> KiwiTokenizer:
    return KiwiTokenizer(num_workers=1)


@pytest.mark.parametrize(
    ("aspect", "stage"),
    [("배송", "delivery"), ("택배", "delivery"), ("쿠폰", "payment"), ("상담원", "support"),
     ("환불", "refund"), ("로그인", "explore"), ("품절", "order"), ("배송 기사", "delivery")],
)
def test_aspect_to_stage(mapper, aspect, stage):
    assert mapper.stage_of_aspect(aspect) == stage


def test_the_aspect_cache_stays_bounded_and_changes_no_answer(monkeypatch):
    from voc_pipeline.stages import journey

    aspects = ["배송", "택배기사", "쿠폰", "상담원", "환불", "로그인", "품절", "배송비환불", "고양이", "포장"] * 3
    fresh = JourneyMapper(load_taxonomy(domain_path("commerce")))
    expected = [fresh._stage_of_aspect(a) for a in aspects]   # uncached
    monkeypatch.setattr(journey, "_ASPECT_CACHE_SIZE", 4)
    cached = JourneyMapper(load_taxonomy(domain_path("commerce")))
    got = []
    for a in aspects:
        got.append(cached.stage_of_aspect(a))
        assert len(cached._aspect_cache) <= 4
    assert got == expected
    assert "delivery" in got and None in got


def test_synonyms_make_one_key(mapper):
    assert mapper.keyword("택배", "늦다") == mapper.keyword("배송", "느리다") == "배송+지연"
    assert mapper.keyword("배송", "안 늦다") == "배송+안 늦다"  # negated praise keeps its own key
    assert mapper.keyword(None, "별로이다") == mapper.keyword(None, "별로") == "별로"
    assert mapper.keyword("포장 상태", "엉망이다") == mapper.keyword("포장상태", "엉망이다") == "포장상태+엉망"


def test_unknown_aspect_falls_back_to_sentence_then_unmapped(kiwi, mapper):
    sents = kiwi(pd.DataFrame({"record_id": ["a", "b"], "text": ["배송 온 날 보니 그게 엉망이에요", "그냥 그래요"]}))
    mentions = pd.DataFrame({
        "record_id": ["a", "b"], "sentence_index": [0, 0], "aspect": ["그것", None],
        "opinion": ["엉망이다", "그렇다"], "polarity": ["pain", "pain"], "start": [10, 3], "end": [15, 6],
        "confidence": [0.9, 0.9],
    })
    sents, mentions = mapper(sents, mentions)
    assert mentions["stage"].tolist() == ["delivery", "unmapped"]
    assert sents["stage"].tolist() == ["delivery", "unmapped"]
    records = mapper.record_stages(pd.DataFrame({"record_id": ["a", "b"]}), sents, mentions)
    assert records["stages"].tolist() == [["delivery"], []]


def test_record_stages_follow_journey_order(kiwi, mapper):
    sents = kiwi(pd.DataFrame({"record_id": ["a"], "text": ["환불은 빨랐어요. 쿠폰이 안 먹혀요. 배송은 늦었고요."]}))
    mentions = pd.DataFrame(columns=["record_id", "sentence_index", "aspect", "opinion", "polarity", "start", "end"])
    sents, mentions = mapper(sents, mentions)
    records = mapper.record_stages(pd.DataFrame({"record_id": ["a"]}), sents, mentions)
    assert records["stages"].iloc[0] == ["payment", "delivery", "refund"]


def test_compounds_split_by_kiwi_still_map(kiwi, mapper):
    sents = kiwi(pd.DataFrame({"record_id": ["a", "b"], "text": ["택배사 바뀌고 나서 별로예요", "재구매 의사 없어요"]}))
    mentions = pd.DataFrame(columns=["record_id", "sentence_index", "aspect", "opinion", "polarity", "start", "end"])
    sents, _ = mapper(sents, mentions)
    assert sents["stage"].tolist() == ["delivery", "loyalty"]


def test_stage_patterns_decide_when_no_keyword_does():
    import re

    from voc_pipeline.stages.journey import Stage, Taxonomy

    tax = Taxonomy("t", "t", (Stage("pay", "결제", ("결제",), (re.compile(r"카드\s?승인"),)),
                              Stage("cs", "상담", ("상담",), (re.compile(r"(?i)call\s?back"),))))
    m = JourneyMapper(tax)
    assert m.stage_of_sentence("카드 승인이 두 번 됐어요", [], []) == "pay"
    assert m.stage_of_sentence("CALLBACK 요청했는데 연락이 없네요", [], []) == "cs"   # inline flag kept
    assert m.stage_of_sentence("그냥 그래요", [], []) is None


def test_longest_keyword_inside_wins_and_ties_go_to_the_first_configured():
    from voc_pipeline.stages.journey import Stage, Taxonomy

    tax = Taxonomy("t", "t", (Stage("delivery", "배송", ("배송", "택배")),
                              Stage("payment", "결제", ("배송비", "결제")),
                              Stage("refund", "환불", ("환불",))))
    m = JourneyMapper(tax)
    assert m.stage_of_aspect("배송비환불") == "payment"      # 배송비 (3) beats 배송 and 환불 (2)
    assert m.stage_of_aspect("환불택배") == "delivery"       # a tie of length: 택배 was configured first
    assert m.stage_of_aspect("택배상자") == "delivery"
    assert m.stage_of_aspect("상자") is None


@pytest.mark.parametrize(("pattern", "first"), [
    (r"배송\s*(이|가)?\s*늦", "배"), (r"(아직|여태)\s*안\s*와", "아여"), (r"(한\s*시간|\d+\s*분)", r"한\d"),
    (r"[가-힣]+요", "가-힣"), (r"\s*배송", None), (r"^배송", None), (r"(?i)call", None), (r"(?:배송|)늦", None),
])
def test_first_characters_of_a_pattern(pattern, first):
    from voc_pipeline.stages.journey import _first_chars

    assert _first_chars(pattern) == first


_PATTERN_ALPHABET = "배송이가늦어요아직안와한시간분 0123456789대기택배사바뀌쿠폰적용결제실패광고문자"


@given(st.text(alphabet=_PATTERN_ALPHABET, max_size=40))
@settings(max_examples=300, deadline=None)
def test_the_first_character_guard_never_changes_a_pattern_decision(text):
    """The combined pattern with its first-character lookahead matches exactly when one stage
    pattern of the shipped taxonomy does (property over texts made of the patterns' own pieces)."""
    mapper = _commerce_mapper()
    assert mapper._any_pattern.pattern.startswith("(?=[")
    anyone = any(p.search(text) for s in mapper.taxonomy.stages for p in s.patterns)
    assert bool(mapper._any_pattern.search(text)) == anyone


def _commerce_mapper() -> JourneyMapper:
    global _MAPPER
    if _MAPPER is None:
        _MAPPER = JourneyMapper(load_taxonomy(domain_path("commerce")))
    return _MAPPER


_MAPPER: JourneyMapper | None = None
