"""Mention precision (docs/model.md "Mention precision"): the opinion fill ``predicate_guarded`` passes
over predicates that judge nothing (requests, wishes, questions, reported speech, a background action
as the only head, a copula on a bound noun) and person/time subjects; the pairing ``merge_no_stop`` cuts
person/time nouns out of aspects and drops opinions made only of degree adverbs. Real Kiwi morphemes
with hand-set labels; sentences written for these tests, none from data/dev or data/eval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.stages.bio import bio_labels

from voc_pipeline.stages.tag import (
    CONTENTLESS_ADVERBS,
    OPINION_FILLS,
    SPAN_PAIRINGS,
    STOP_ASPECT_NOUNS,
    fill_opinion_labels,
    is_contentless_opinion,
    sentence_mentions,
)
from voc_pipeline.stages.tokenize import KiwiTokenizer

NEG = np.array([0.9, 0.06, 0.04])
POS = np.array([0.03, 0.07, 0.9])


@pytest.fixture(scope="module")
def kiwi() -> KiwiTokenizer:
    return KiwiTokenizer(num_workers=1)


def _mentions(kiwi, text, spans, probs, mode="predicate_guarded", pairing="merge_no_bound"):
    [s] = list(kiwi(pd.DataFrame({"record_id": ["r0"], "text": [text]})).itertuples())
    labels, conf = fill_opinion_labels(s.forms, s.tags, s.starts, s.lens, bio_labels(s, spans), probs, mode, 0.5)
    return [(m["aspect"], m["opinion"], m["polarity"])
            for m in sentence_mentions(s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, conf, pairing)]


def test_modes_listed():
    assert "predicate_guarded" in OPINION_FILLS and "merge_no_stop" in SPAN_PAIRINGS
    assert {"고객", "요즘", "오늘"} <= STOP_ASPECT_NOUNS and {"자꾸", "정", "너무"} <= CONTENTLESS_ADVERBS


@pytest.mark.parametrize(("text", "spans", "probs", "before"), [
    # requests: an action verb or the auxiliary 주다 with -세요 / -ㄹ래요
    ("남은 차액 돌려주세요", {"차액": "ASP"}, NEG, [("차액", "돌려주다", "pain")]),
    ("뽁뽁이 좀 넣어주세요", {"뽁뽁이": "ASP"}, NEG, [("뽁뽁이", "넣다", "pain")]),
    ("상담원이랑 직접 얘기할래요", {"상담원": "ASP"}, NEG, [("상담원", "얘기하다", "pain")]),
    # a wish after -면
    ("환불 좀 빨리 해주시면 좋겠어요", {"환불": "ASP"}, NEG, [("환불", "빨리 하다", "pain")]),
    # questions
    ("이 가방 아직 파나요?", {"가방": "ASP"}, NEG, [("가방", "팔다", "pain")]),
    ("교환 기사님 언제쯤 오세요?", {"교환": "ASP"}, NEG, [("교환", "오다", "pain")]),
    # reported speech
    ("적립금 준다고 해서", {"적립금": "ASP"}, NEG, [("적립금", "주다", "pain")]),
    # a copula on a bound noun
    ("아직도 택배 중이에요", {"택배": "ASP"}, POS, [("택배", "중이다", "praise")]),
    ("마일리지 쌓이는 게 쏠쏠한 것이에요", {"마일리지": "ASP"}, POS, [("마일리지", "것이다", "praise")]),
])
def test_guarded_fill_skips_what_judges_nothing(kiwi, text, spans, probs, before):
    assert _mentions(kiwi, text, spans, probs, "predicate_subject") == before
    assert _mentions(kiwi, text, spans, probs) == []


@pytest.mark.parametrize(("text", "spans", "probs", "expected"), [
    # judgements stay: a statement in -세요 on an adjective (honorific), a negated verb, a counted copula
    ("택배 기사님이 참 친절하세요", {"택배": "ASP", "기사": "ASP"}, POS, [("택배 기사", "친절하다", "praise")]),
    ("쿠폰이 안 들어와요", {"쿠폰": "ASP"}, NEG, [("쿠폰", "안 들어오다", "pain")]),
    ("쿠폰 신청했는데 안 들어왔어요", {"쿠폰": "ASP"}, NEG, [("쿠폰", "안 들어오다", "pain")]),
    ("배송이 벌써 3일째예요", {"배송": "ASP"}, NEG, [("배송", "3일째이다", "pain")]),
    ("디자인은 예쁜데 무거워요", {"디자인": "ASP"}, POS, [("디자인", "예쁘다", "praise")]),
])
def test_guarded_fill_keeps_judgements(kiwi, text, spans, probs, expected):
    assert _mentions(kiwi, text, spans, probs) == expected


def test_guarded_fill_takes_no_background_action_alone(kiwi):
    # the background action is the only head of 교환's stretch (처리 starts the next one)
    text, spans = "교환 신청했는데 처리가 안 돼요", {"교환": "ASP", "처리": "ASP", "안": "NEG", "되": "NEG"}
    assert _mentions(kiwi, text, spans, NEG, "predicate_subject") == [
        ("교환", "신청하다", "pain"), ("처리", "안 되다", "pain")]
    assert _mentions(kiwi, text, spans, NEG) == [("처리", "안 되다", "pain")]


def test_guarded_fill_takes_no_time_or_person_subject(kiwi):
    # no span at all: 요즘 is a time noun, 배송 the subject
    assert _mentions(kiwi, "요즘은 너무 늦어요", {}, NEG, "predicate_subject") == [("요즘", "늦다", "pain")]
    assert _mentions(kiwi, "요즘은 너무 늦어요", {}, NEG) == []
    assert _mentions(kiwi, "요즘 배송이 너무 늦어요", {}, NEG) == [("배송", "늦다", "pain")]
    assert _mentions(kiwi, "고객센터가 너무 느려요", {}, NEG) == [("고객센터", "느리다", "pain")]


@pytest.mark.parametrize(("text", "spans", "before", "after"), [
    # a person noun: an agent's note on the customer
    ("고객 강한 불만 표출", {"고객": "ASP", "불만": "NEG"}, [("고객", "불만", "pain")], [(None, "불만", "pain")]),
    # a time noun before the judged aspect: the aspect before it is taken
    ("끈이 하루 만에 끊어졌어요", {"끈": "ASP", "하루": "ASP", "끊어지": "NEG"},
     [("하루", "끊어지다", "pain")], [("끈", "끊어지다", "pain")]),
    ("고객님 주문 건 확인했습니다", {"고객": "ASP", "님": "ASP", "주문": "ASP", "확인": "POS"},
     [("고객님 주문", "확인", "praise")], [("주문", "확인", "praise")]),
    # a compound keeps its person noun: 고객센터 is the service, not the customer
    ("고객센터 연결이 안 돼요", {"고객": "ASP", "센터": "ASP", "연결": "ASP", "안": "NEG", "되": "NEG"},
     [("고객센터 연결", "안 되다", "pain")], [("고객센터 연결", "안 되다", "pain")]),
])
def test_no_stop_pairing_cuts_person_and_time_nouns(kiwi, text, spans, before, after):
    assert _mentions(kiwi, text, spans, NEG, "none", "merge_no_bound") == before
    assert _mentions(kiwi, text, spans, NEG, "none", "merge_no_stop") == after


@pytest.mark.parametrize(("text", "spans", "before"), [
    ("카드결제 하는데 자꾸 실패해요", {"카드": "ASP", "결제": "ASP", "자꾸": "NEG"}, [("카드결제", "자꾸", "pain")]),
    ("정사이즈로 샀는데 딱 좋아요", {"사이즈": "ASP", "정": "POS"}, [("사이즈", "정", "praise")]),
])
def test_no_stop_pairing_drops_contentless_opinions(kiwi, text, spans, before):
    assert _mentions(kiwi, text, spans, NEG, "none", "merge_no_bound") == before
    assert _mentions(kiwi, text, spans, NEG, "none", "merge_no_stop") == []


@pytest.mark.parametrize(("lemma", "contentless"), [
    ("자꾸", True), ("정", True), ("좀 하다", True), ("너무", True), ("않다", True),
    ("하다", False), ("안 되다", False), ("잘 되다", False), ("너무 늦다", False), ("별로", False), ("", False),
])
def test_is_contentless_opinion(lemma, contentless):
    assert is_contentless_opinion(lemma) is contentless
