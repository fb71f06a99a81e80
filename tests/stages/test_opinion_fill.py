"""Opinion fill (stages/tag.py ``fill_opinion_labels``, config ``model.opinion_fill``): an aspect span
that no opinion span judges takes its governing predicate as an opinion with the sentence's polarity,
on real Kiwi morphemes with hand-set labels (docs/model.md "Opinion fill"). Sentences written for
these tests, none from data/dev or data/eval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.stages.bio import bio_labels, one_sentence

from voc_pipeline.config import ModelConfig, config_from_dict, domain_path
from voc_pipeline.errors import ConfigError
from voc_pipeline.stages._tag.fusion import _bio_spans
from voc_pipeline.stages.tag import (
    FILL_CONFIDENCE,
    OPINION_FILL_CONFIDENCE,
    OPINION_FILLS,
    Tagger,
    confident_sentences,
    fill_opinion_labels,
    fuse_span_labels,
    fusion_lexicon,
    mentions_for_sentence,
    sentence_mentions,
)
from voc_pipeline.stages.tokenize import KiwiTokenizer

NEG = np.array([0.9, 0.06, 0.04])
POS = np.array([0.03, 0.07, 0.9])
NEU = np.array([0.2, 0.7, 0.1])


@pytest.fixture(scope="module")
def kiwi() -> KiwiTokenizer:
    return KiwiTokenizer(num_workers=1)


def _mentions(kiwi, text, spans, probs, mode="predicate", tau=0.6):
    s = one_sentence(kiwi, text)
    labels, conf = fill_opinion_labels(s.forms, s.tags, s.starts, s.lens, bio_labels(s, spans), probs, mode, tau)
    return [(m["aspect"], m["opinion"], m["polarity"])
            for m in sentence_mentions(s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, conf, "merge_no_bound")]


@pytest.mark.parametrize(("text", "spans", "probs", "expected"), [
    # a plain adjective / verb after the aspect; the sentence's polarity
    ("충전기가 금방 뜨거워져요", {"충전기": "ASP"}, NEG, [("충전기", "뜨거워지다", "pain")]),
    ("상담원 응대가 친절해서 좋았어요", {"상담원": "ASP", "응대": "ASP"}, POS, [("상담원 응대", "친절하다", "praise")]),
    # a negator before it, -지 않다 after it
    ("주문 취소가 안 돼요", {"주문": "ASP", "취소": "ASP"}, NEG, [("주문 취소", "안 되다", "pain")]),
    ("포장 박스가 잘 안 닫혀요", {"박스": "ASP"}, NEG, [("박스", "안 닫히다", "pain")]),
    ("냄새가 도무지 빠지질 않네요", {"냄새": "ASP"}, NEG, [("냄새", "빠지 않다", "pain")]),
    # the root of a light predicate or a copula
    ("팝업 광고 짜증나요", {"팝업": "ASP", "광고": "ASP"}, NEG, [("팝업 광고", "짜증나다", "pain")]),
    ("할인 혜택이 쥐꼬리네요", {"할인": "ASP", "혜택": "ASP"}, NEG, [("할인 혜택", "쥐꼬리이다", "pain")]),
    ("리뷰 이벤트 장난 아니에요", {"리뷰": "ASP", "이벤트": "ASP"}, POS, [("리뷰 이벤트", "장난 아니다", "praise")]),
    # a noun-modifying predicate, a conditional clause and a background action are passed over
    ("앱 켤 때마다 뜨는 배너 너무 거슬려요", {"배너": "ASP"}, NEG, [("배너", "거슬리다", "pain")]),
    ("배송 조회하면 계속 준비 중이래요", {"배송": "ASP"}, NEG, [("배송", "준비 중이다", "pain")]),
    ("쿠폰 신청했는데 아직도 안 들어왔어요", {"쿠폰": "ASP"}, NEG, [("쿠폰", "안 들어오다", "pain")]),
])
def test_an_aspect_without_opinion_takes_its_governing_predicate(kiwi, text, spans, probs, expected):
    assert _mentions(kiwi, text, spans, probs) == expected


def test_an_adjective_in_a_background_clause_is_a_judgement(kiwi):
    # 예쁜데 judges 디자인 (not an action verb); 사이즈 takes its own predicate
    assert _mentions(kiwi, "디자인은 예쁜데 사이즈가 너무 작아요", {"디자인": "ASP", "사이즈": "ASP"}, NEG) == [
        ("디자인", "예쁘다", "pain"), ("사이즈", "작다", "pain")]


def test_only_a_confident_neg_or_pos_sentence_is_filled(kiwi):
    text, spans = "배송 언제 와요", {"배송": "ASP"}
    assert _mentions(kiwi, text, spans, NEU) == []
    assert _mentions(kiwi, text, spans, np.array([0.55, 0.3, 0.15])) == []          # below tau 0.6
    assert _mentions(kiwi, text, spans, np.array([0.55, 0.3, 0.15]), tau=0.5) == [("배송", "오다", "pain")]
    assert confident_sentences(np.stack([NEG, NEU, POS, [0.5, 0.1, 0.4]]), 0.6).tolist() == [True, False, True, False]


def test_an_aspect_with_an_opinion_in_its_stretch_is_left_alone_and_spans_are_kept(kiwi):
    s = one_sentence(kiwi, "결제는 빨랐는데 배송이 일주일 걸렸어요")
    labels = bio_labels(s, {"결제": "ASP", "빠르": "POS", "배송": "ASP"})
    filled, conf = fill_opinion_labels(s.forms, s.tags, s.starts, s.lens, labels, NEG, "predicate", 0.6,
                                       [0.9] * len(labels))
    assert set(_bio_spans(labels)) <= set(_bio_spans(filled))          # nothing moved or relabelled
    new = set(_bio_spans(filled)) - set(_bio_spans(labels))
    assert [(k, s.forms[a]) for k, a, _ in new] == [("NEG", "걸리")]     # only 배송 had no opinion
    assert [c for c, lab, old in zip(conf, filled, labels, strict=True) if lab != old] == [FILL_CONFIDENCE]


def test_predicate_subject_adds_a_subject_noun_only_in_a_sentence_with_no_span(kiwi):
    text = "충전 단자가 금방 헐거워졌어요"
    assert _mentions(kiwi, text, {}, NEG, "predicate") == []
    assert _mentions(kiwi, text, {}, NEG, "predicate_subject") == [("충전 단자", "헐겁다", "pain")]
    # a generic noun is no subject; a noun with no predicate after it is not tagged either
    assert _mentions(kiwi, "그건 진짜 별로예요", {}, NEG, "predicate_subject") == []
    s = one_sentence(kiwi, "배송은 어제 주문한 것")
    filled, _ = fill_opinion_labels(s.forms, s.tags, s.starts, s.lens, ["O"] * len(s.forms), NEG,
                                    "predicate_subject", 0.6)
    assert filled == ["O"] * len(s.forms)
    # with a span in the sentence, predicate_subject is predicate
    spans = {"화면": "ASP"}
    assert _mentions(kiwi, "화면이 자꾸 멈춰요", spans, NEG, "predicate_subject") == \
        _mentions(kiwi, "화면이 자꾸 멈춰요", spans, NEG, "predicate")


def test_none_changes_nothing_and_unknown_modes_are_refused(kiwi):
    s = one_sentence(kiwi, "충전기가 금방 뜨거워져요")
    labels = bio_labels(s, {"충전기": "ASP"})
    assert fill_opinion_labels(s.forms, s.tags, s.starts, s.lens, labels, NEG, "none", 0.0)[0] == labels
    with pytest.raises(ValueError, match="opinion_fill"):
        fill_opinion_labels(s.forms, s.tags, s.starts, s.lens, labels, NEG, "all", 0.6)
    from pathlib import Path

    import yaml

    data = yaml.safe_load((Path(__file__).resolve().parents[2] / "configs" / "default.yaml").read_text("utf-8"))
    data.setdefault("model", {})["opinion_fill"] = "predicate_subject"
    assert config_from_dict(data).model.opinion_fill == "predicate_subject"
    data["model"]["opinion_fill"] = "all"
    with pytest.raises(ConfigError, match="opinion_fill"):
        config_from_dict(data)
    assert ModelConfig().opinion_fill in OPINION_FILLS


@pytest.fixture(scope="module")
def model():
    from voc_pipeline.models.tagger import load_tagger

    return load_tagger(None, threads=1)


def test_tagger_fill_equals_fusing_and_filling_everyone_sentence(kiwi, model):
    """The fast path (only sentences with a model span or a confident sentiment are decoded) loses
    nothing against running the fusion and the fill over every sentence."""
    lexicon = fusion_lexicon(None, domain_path("commerce"))
    from voc_pipeline.models.weak import weak_spans

    texts = ["배송이 너무 늦어요", "주문번호 알려드릴게요", "지퍼가 한 번 쓰고 고장났어요", "네 감사합니다",
             "상담원은 친절했는데 환불이 안 돼요", "포장 상자 사진 첨부합니다", "반품 접수가 계속 안 돼요",
             "이 쇼핑몰 다시는 안 씁니다", "재질이 부드럽고 핏이 예뻐요"]
    sents = kiwi(pd.DataFrame({"record_id": [f"r{i}" for i in range(len(texts))], "text": texts}))
    for mode in ("predicate", "predicate_subject"):
        for fusion in ("fill", "model"):
            tagged, fast = Tagger(model, span_fusion=fusion, lexicon=lexicon, span_pairing="merge_no_bound",
                                  opinion_fill=mode)(sents)
            probs = tagged[["p_neg", "p_neu", "p_pos"]].to_numpy()
            out = model.predict([list(zip(s.forms, s.tags, strict=True)) for s in sents.itertuples()])
            rows = []
            for i, s in enumerate(sents.itertuples()):
                labels, conf = out.labels_of(i), out.confidence_of(i)
                if fusion != "model":
                    labels, conf = fuse_span_labels(labels, weak_spans(list(zip(s.forms, s.tags, strict=True)), lexicon),
                                                    fusion, conf)
                labels, conf = fill_opinion_labels(s.forms, s.tags, s.starts, s.lens, labels, probs[i], mode,
                                                   OPINION_FILL_CONFIDENCE, conf)
                rows += mentions_for_sentence(s.record_id, s.sentence_index, s.forms, s.tags, s.lemmas, s.starts,
                                              s.lens, labels, conf, "merge_no_bound")
            assert fast.to_dict("records") == pd.DataFrame(rows, columns=fast.columns).to_dict("records")
    with pytest.raises(ValueError, match="opinion_fill"):
        Tagger(model, opinion_fill="all")
