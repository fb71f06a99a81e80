"""Opinion polarity from the opinion's own words (docs/model.md "Opinion polarity", ``model.opinion_polarity``):
the polarity lexicon with negation and negating prefixes, a negated predicate, a contrast clause — over
the model's span label or the fill's sentence polarity. Real Kiwi morphemes with hand-set labels (what
a model might output); sentences written for these tests, none from data/dev or data/eval."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from tests.stages.bio import bio_labels, one_sentence

from voc_pipeline.config import ModelConfig
from voc_pipeline.models.weak import Lexicon
from voc_pipeline.stages.tag import (
    OPINION_POLARITIES,
    fill_opinion_labels,
    lexical_polarity,
    sentence_mentions,
    set_opinion_polarity,
)
from voc_pipeline.stages.tokenize import KiwiTokenizer

POS = np.array([0.03, 0.07, 0.9])


@pytest.fixture(scope="module")
def kiwi() -> KiwiTokenizer:
    return KiwiTokenizer(num_workers=1)


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon.load()


def _mentions(kiwi, lex, text, spans, mode, probs=None):
    s = one_sentence(kiwi, text)
    labels = bio_labels(s, spans)
    conf = [1.0] * len(labels)
    before = labels
    if probs is not None:
        labels, conf = fill_opinion_labels(s.forms, s.tags, s.starts, s.lens, labels, probs, "predicate_guarded", 0.5)
    labels = set_opinion_polarity(s.forms, s.tags, labels, lex, mode, before)
    return [(m["aspect"], m["opinion"], m["polarity"])
            for m in sentence_mentions(s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, conf, "merge_no_stop")]


def test_modes_and_config():
    assert OPINION_POLARITIES == ("none", "lexicon", "lexicon_negation", "lexicon_contrast")
    from typing import get_args

    assert get_args(ModelConfig.model_fields["opinion_polarity"].annotation) == OPINION_POLARITIES
    assert ModelConfig(opinion_polarity="lexicon").opinion_polarity == "lexicon"
    with pytest.raises(ValidationError):
        ModelConfig(opinion_polarity="sentence")
    with pytest.raises(ValueError, match="opinion_polarity"):
        set_opinion_polarity([], [], [], None, "bogus")


@pytest.mark.parametrize(("text", "spans", "old", "new"), [
    # a negating prefix on a positive root: the model read 정확 as praise
    ("사용 설명이 부정확해요", {"설명": "ASP", "부": "POS", "정확": "POS", "하": "POS"},
     ("설명", "부정확하다", "praise"), ("설명", "부정확하다", "pain")),
    ("상담 직원이 불친절해요", {"직원": "ASP", "불": "POS", "친절": "POS", "하": "POS"},
     ("직원", "불친절하다", "praise"), ("직원", "불친절하다", "pain")),
    # 안 before a positive word, -지 않다 after a negative one
    ("포장 상태가 안 좋아요", {"상태": "ASP", "좋": "POS"}, ("상태", "안 좋다", "praise"),
     ("상태", "안 좋다", "pain")),
    ("청소기 소리가 하나도 시끄럽지 않아요", {"소리": "ASP", "시끄럽": "NEG"},
     ("소리", "시끄럽다", "pain"), ("소리", "시끄럽다", "praise")),
    # a negative noun + 없다
    ("사이즈는 불만 없어요", {"사이즈": "ASP", "불만": "NEG", "없": "NEG"}, ("사이즈", "불만 없다", "pain"),
     ("사이즈", "불만 없다", "praise")),
])
def test_lexicon_overrides_the_label(kiwi, lex, text, spans, old, new):
    assert _mentions(kiwi, lex, text, spans, "none") == [old]
    for mode in ("lexicon", "lexicon_negation", "lexicon_contrast"):
        assert _mentions(kiwi, lex, text, spans, mode) == [new]


@pytest.mark.parametrize(("text", "spans"), [
    # words the lexicon does not know keep the label (무겁다 is praise for a blanket, pain for a laptop)
    ("이불이 묵직하니 무거워요", {"이불": "ASP", "무겁": "POS"}),
    # the lexicon agrees with the label: nothing moves (sarcasm is not this rule's)
    ("배송 참 빠르네요", {"배송": "ASP", "빠르": "POS"}),
])
def test_unknown_or_agreeing_words_keep_the_label(kiwi, lex, text, spans):
    before = _mentions(kiwi, lex, text, spans, "none")
    for mode in OPINION_POLARITIES:
        assert _mentions(kiwi, lex, text, spans, mode) == before


def test_negated_unknown_predicate_is_pain(kiwi, lex):
    # the fill gives 안 오다 the (wrong) positive sentence polarity
    text, spans = "주문한 택배가 아직 안 와요", {"택배": "ASP"}
    assert _mentions(kiwi, lex, text, spans, "none", POS) == [("택배", "안 오다", "praise")]
    assert _mentions(kiwi, lex, text, spans, "lexicon", POS) == [("택배", "안 오다", "praise")]
    assert _mentions(kiwi, lex, text, spans, "lexicon_negation", POS) == [("택배", "안 오다", "pain")]
    s = one_sentence(kiwi, "얼룩이 지워지지 않아요")
    i = s.forms.index("지우")
    assert lexical_polarity(s.forms, s.tags, i, i + 1, lex, negation=True) == "NEG"
    assert lexical_polarity(s.forms, s.tags, i, i + 1, lex, negation=False) is None


def test_contrast_flips_a_fill_opinion_only(kiwi, lex):
    # 깔끔하다 (the model's, praise) -ㄴ데 | 배송 … 걸리다 (the fill's, the sentence's praise): contrast -> pain
    text, spans = "포장은 깔끔한데 배송이 너무 오래 걸렸어요", {"포장": "ASP", "깔끔": "POS", "하": "POS", "배송": "ASP"}
    old = _mentions(kiwi, lex, text, spans, "lexicon_negation", POS)
    assert ("배송", "너무 오래 걸리다", "praise") in old or ("배송", "걸리다", "praise") in old
    new = _mentions(kiwi, lex, text, spans, "lexicon_contrast", POS)
    assert ("포장", "깔끔하다", "praise") in new
    assert any(m[0] == "배송" and m[2] == "pain" for m in new)
    # -지만
    text, spans = "화면은 선명하지만 배터리가 금방 닳아요", {"화면": "ASP", "선명": "POS", "하": "POS", "배터리": "ASP"}
    new = _mentions(kiwi, lex, text, spans, "lexicon_contrast", POS)
    assert ("배터리", "닳다", "pain") in new or ("배터리", "금방 닳다", "pain") in new
    # a model span after the contrast keeps the model's label
    text, spans = "디자인은 예쁘지만 가격도 착해요", {"디자인": "ASP", "예쁘": "POS", "가격": "ASP", "착하": "POS"}
    assert _mentions(kiwi, lex, text, spans, "lexicon_contrast") == _mentions(kiwi, lex, text, spans, "none")


def test_tagger_sets_polarity_as_the_labels_do(kiwi):
    """The tag stage runs the fusion, the fill, then ``set_opinion_polarity`` (the order span_eval uses)."""
    import pandas as pd

    from voc_pipeline.config import domain_path
    from voc_pipeline.models.tagger import load_tagger
    from voc_pipeline.models.weak import weak_spans
    from voc_pipeline.stages.tag import Tagger, fuse_span_labels, fusion_lexicon, mentions_for_sentence

    model = load_tagger(None, threads=1)
    lexicon = fusion_lexicon(None, domain_path("commerce"))
    texts = ["설명서가 부정확해요", "상담원은 친절했는데 환불이 안 돼요", "택배가 아직도 안 와요", "재질이 부드럽고 핏이 예뻐요",
             "배터리가 금방 닳지는 않아요"]
    sents = kiwi(pd.DataFrame({"record_id": [f"r{i}" for i in range(len(texts))], "text": texts}))
    out = model.predict([list(zip(s.forms, s.tags, strict=True)) for s in sents.itertuples()])
    for mode in OPINION_POLARITIES:
        tagged, fast = Tagger(model, span_fusion="fill", lexicon=lexicon, span_pairing="merge_no_stop",
                              opinion_fill="predicate_guarded", opinion_polarity=mode)(sents)
        probs = tagged[["p_neg", "p_neu", "p_pos"]].to_numpy()
        rows = []
        for i, s in enumerate(sents.itertuples()):
            labels, conf = fuse_span_labels(out.labels_of(i), weak_spans(list(zip(s.forms, s.tags, strict=True)),
                                                                         lexicon), "fill", out.confidence_of(i))
            before = labels
            labels, conf = fill_opinion_labels(s.forms, s.tags, s.starts, s.lens, labels, probs[i],
                                               "predicate_guarded", 0.5, conf)
            labels = set_opinion_polarity(s.forms, s.tags, labels, lexicon, mode, before)
            rows += mentions_for_sentence(s.record_id, s.sentence_index, s.forms, s.tags, s.lemmas, s.starts,
                                          s.lens, labels, conf, "merge_no_stop")
        assert fast.to_dict("records") == pd.DataFrame(rows, columns=fast.columns).to_dict("records")
        if mode != "none":
            assert not any(r["opinion"] == "부정확하다" and r["polarity"] == "praise" for r in rows)
    with pytest.raises(ValueError, match="opinion_polarity"):
        Tagger(model, opinion_polarity="sentence")
