"""Mention pairing (stages/tag.py ``sentence_mentions``, config ``model.span_pairing``) on real Kiwi
morphemes with hand-set span labels: which aspect an opinion is paired with under each mode."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.stages.bio import one_sentence, with_span_labels

from voc_pipeline.config import ModelConfig, config_from_dict
from voc_pipeline.errors import ConfigError
from voc_pipeline.stages.tag import SPAN_PAIRINGS, Tagger, mentions_for_sentence, sentence_mentions
from voc_pipeline.stages.tokenize import KiwiTokenizer


@pytest.fixture(scope="module")
def kiwi() -> KiwiTokenizer:
    return KiwiTokenizer(num_workers=1)


def _labels(s, marks: list[tuple[str, str]]) -> list[str]:
    """BIO labels from (form, label) marks in order: each mark labels the next morpheme with that form."""
    labels = ["O"] * len(s.forms)
    pos = 0
    for form, label in marks:
        pos = s.forms.index(form, pos)
        labels[pos] = label
        pos += 1
    return labels


def _pairs(kiwi, text, marks, pairing):
    s = one_sentence(kiwi, text)
    labels = _labels(s, marks)
    return [(m["aspect"], m["opinion"], m["polarity"])
            for m in sentence_mentions(s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, [1.0] * len(labels),
                                       pairing)]


def test_a_lexicon_aspect_right_after_the_models_is_merged_into_one_compound(kiwi):
    # the model tags 회원가입, the lexicon 절차 (fill): two aspect spans, the nearer one won
    marks = [("회원", "B-ASP"), ("가입", "I-ASP"), ("절차", "B-ASP"), ("복잡", "B-NEG"), ("하", "I-NEG")]
    text = "회원가입 절차가 너무 복잡해요"
    assert _pairs(kiwi, text, marks, "nearest") == [("절차", "복잡하다", "pain")]
    assert _pairs(kiwi, text, marks, "merge_adjacent") == [("회원가입 절차", "복잡하다", "pain")]
    assert _pairs(kiwi, text, marks, "merge_skip_oblique") == [("회원가입 절차", "복잡하다", "pain")]
    # glued compound and a genitive 의 between are merged too; a subject particle between is not
    assert _pairs(kiwi, "포장상태가 엉망이에요", [("포장", "B-ASP"), ("상태", "B-ASP"), ("엉망", "B-NEG")],
                  "merge_adjacent") == [("포장상태", "엉망", "pain")]
    assert _pairs(kiwi, "제품의 품질이 좋아요", [("제품", "B-ASP"), ("품질", "B-ASP"), ("좋", "B-POS")],
                  "merge_adjacent") == [("제품 품질", "좋다", "praise")]
    assert _pairs(kiwi, "색상이 화면이랑 달라요", [("색상", "B-ASP"), ("화면", "B-ASP"), ("다르", "B-NEG")],
                  "merge_adjacent") == [("화면", "다르다", "pain")]


def test_the_standard_of_a_comparison_is_not_the_judged_aspect(kiwi):
    for text, marks, subject, standard in (
        ("배송비가 상품보다 비싸요", [("배송비", "B-ASP"), ("상품", "B-ASP"), ("비싸", "B-NEG")], "배송비", "상품"),
        ("색상이 화면이랑 완전 달라요", [("색상", "B-ASP"), ("화면", "B-ASP"), ("다르", "B-NEG")], "색상", "화면"),
        ("택배 상자가 비에 다 젖어 있었어요", [("택배", "B-ASP"), ("상자", "I-ASP"), ("비", "B-ASP"), ("젖", "B-NEG")],
         "택배 상자", "비"),
    ):
        assert _pairs(kiwi, text, marks, "nearest")[0][0] == standard, text
        assert _pairs(kiwi, text, marks, "merge_adjacent")[0][0] == standard, text
        assert _pairs(kiwi, text, marks, "merge_skip_oblique")[0][0] == subject, text
        assert _pairs(kiwi, text, marks, "merge_no_bound")[0][0] == subject, text


def test_an_oblique_aspect_is_kept_when_it_is_the_only_one_of_its_clause(kiwi):
    # 배송 belongs to 빨랐는데; 포장에 is the only aspect of the second clause and stays its aspect
    marks = [("배송", "B-ASP"), ("빠르", "B-POS"), ("포장", "B-ASP"), ("문제", "B-NEG")]
    assert _pairs(kiwi, "배송은 빨랐는데 포장에 문제가 있어요", marks, "merge_skip_oblique") == [
        ("배송", "빠르다", "praise"), ("포장", "문제", "pain")]
    # a lone oblique aspect is still paired (배송에 불만이 많아요)
    assert _pairs(kiwi, "배송에 불만이 많아요", [("배송", "B-ASP"), ("불만", "B-NEG")],
                  "merge_skip_oblique") == [("배송", "불만", "pain")]
    # a conjunction: 배송이랑 포장이 -> the unmarked nearest, as before
    assert _pairs(kiwi, "배송이랑 포장이 좋아요", [("배송", "B-ASP"), ("포장", "B-ASP"), ("좋", "B-POS")],
                  "merge_skip_oblique") == [("포장", "좋다", "praise")]


def test_foreign_letter_aspects_are_kept_by_the_new_modes(kiwi):
    marks = [("ARS", "B-ASP"), ("복잡", "B-NEG"), ("하", "I-NEG"), ("상담원", "B-ASP")]
    text = "ARS가 너무 복잡해서 상담원까지 못 가겠어요"
    # the old trimming drops the SL morpheme as punctuation, so the aspect after the opinion wins
    assert _pairs(kiwi, text, marks, "nearest") == [("상담원", "복잡하다", "pain")]
    for mode in ("merge_adjacent", "merge_skip_oblique", "merge_no_bound", "merge_no_stop"):
        assert _pairs(kiwi, text, marks, mode) == [("ARS", "복잡하다", "pain")]


def test_spans_are_character_offsets_of_the_paired_morphemes(kiwi):
    text = "회원가입 절차가 너무 복잡해요"
    s = one_sentence(kiwi, text)
    labels = _labels(s, [("회원", "B-ASP"), ("가입", "I-ASP"), ("절차", "B-ASP"), ("복잡", "B-NEG"), ("하", "I-NEG")])
    [near] = sentence_mentions(s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, [0.8] * len(labels), "nearest")
    [merged] = sentence_mentions(s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, [0.8] * len(labels),
                                 "merge_skip_oblique")
    assert text[slice(*near["aspect_span"])] == "절차"
    assert text[slice(*merged["aspect_span"])] == "회원가입 절차"
    assert text[slice(*merged["opinion_span"])] == "복잡해"
    assert text[merged["start"]:merged["end"]] == "회원가입 절차가 너무 복잡해"
    # the mentions frame's rows are the same mention without the span fields
    [row] = mentions_for_sentence("r0", 0, s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, [0.8] * len(labels),
                                  "merge_skip_oblique")
    assert row == {"record_id": "r0", "sentence_index": 0,
                   **{k: v for k, v in merged.items() if k not in ("aspect_span", "opinion_span")}}


def test_default_mode_and_bad_modes(kiwi):
    import typing

    from voc_pipeline.models.tagger import load_tagger

    assert ModelConfig().span_pairing == "merge_no_stop"
    assert typing.get_args(ModelConfig.model_fields["span_pairing"].annotation) == SPAN_PAIRINGS
    s = one_sentence(kiwi, "배송이 늦어요")
    with pytest.raises(ValueError, match="span_pairing"):
        sentence_mentions(s.forms, s.tags, s.lemmas, s.starts, s.lens, ["O"] * len(s.forms), [1.0] * len(s.forms),
                          "closest")
    with pytest.raises(ValueError, match="span_pairing"):
        Tagger(load_tagger(None, threads=1), span_pairing="closest")
    with pytest.raises(ConfigError, match="span_pairing"):
        config_from_dict({"sources": [], "model": {"span_pairing": "closest"}})


def test_tagger_pairs_by_its_mode(kiwi):
    """The stage itself: the same model labels, two pairings (a model whose predict returns set labels)."""
    from voc_pipeline.models.tagger import load_tagger

    sents = kiwi(pd.DataFrame({"record_id": ["r0"], "text": ["배송비가 상품보다 비싸요"]}))
    s = next(sents.itertuples())
    labels = _labels(s, [("배송비", "B-ASP"), ("상품", "B-ASP"), ("비싸", "B-NEG")])
    fixed = with_span_labels(load_tagger(None, threads=1), labels)
    _, near = Tagger(fixed, span_pairing="nearest")(sents)
    _, skip = Tagger(fixed, span_pairing="merge_skip_oblique")(sents)
    assert list(near["aspect"]) == ["상품"] and list(skip["aspect"]) == ["배송비"]


def test_bound_and_relational_nouns_are_no_part_of_an_aspect(kiwi):
    # 덕분 (Kiwi: NNG, a relational noun): once glued into 블프기획전덕분 by merge_skip_oblique
    text = "블프 기획전 덕분에 싸게 샀어요"
    marks = [("기획전", "B-ASP"), ("덕분", "B-ASP"), ("싸", "B-POS")]
    assert _pairs(kiwi, text, marks, "merge_skip_oblique") == [("기획전 덕분", "싸다", "praise")]
    assert _pairs(kiwi, text, marks, "merge_no_bound") == [("기획전", "싸다", "praise")]
    # the same inside one model span, and at its edge
    assert _pairs(kiwi, text, [("기획전", "B-ASP"), ("덕분", "I-ASP"), ("싸", "B-POS")],
                  "merge_no_bound") == [("기획전", "싸다", "praise")]
    # 때문 (NNB): a bound noun; the noun before it stays the aspect
    assert _pairs(kiwi, "배송 때문에 화나요", [("배송", "B-ASP"), ("때문", "B-ASP"), ("화", "B-NEG"), ("나", "I-NEG")],
                  "merge_no_bound") == [("배송", "화나다", "pain")]
    # a span of only such a noun is no aspect: 대신 alone leaves the opinion to the aspect before it
    assert _pairs(kiwi, "택배 교환 대신 매장이 가까워요", [("교환", "B-ASP"), ("대신", "B-ASP"), ("가깝", "B-POS")],
                  "merge_no_bound") == [("교환", "가깝다", "praise")]
    # two aspects with a relational noun between are not adjacent, so not merged
    assert _pairs(kiwi, "주문 이후 연락이 없어요", [("주문", "B-ASP"), ("이후", "I-ASP"), ("연락", "I-ASP"), ("없", "B-NEG")],
                  "merge_no_bound") == [("연락", "없다", "pain")]
    # 것 (NNB, 쌓이는 게): the noun before the clause is the aspect, not 것
    assert _pairs(kiwi, "적립금 쌓이는 게 쏠쏠해요", [("적립금", "B-ASP"), ("것", "B-ASP"), ("쏠쏠하", "B-POS")],
                  "merge_no_bound") == [("적립금", "쏠쏠하다", "praise")]


def test_a_counter_and_a_true_compound_are_kept(kiwi):
    # a bound noun counting a number (3일: SN + NNB) is content
    assert _pairs(kiwi, "배송 3일 걸렸어요", [("배송", "B-ASP"), ("3", "B-ASP"), ("일", "I-ASP"), ("걸리", "B-NEG")],
                  "merge_no_bound") == [("배송 3일", "걸리다", "pain")]
    # a true compound still merges
    for text, marks, aspect in (
        ("포장 상태가 엉망이에요", [("포장", "B-ASP"), ("상태", "B-ASP"), ("엉망", "B-NEG")], "포장 상태"),
        ("회원가입 절차가 너무 복잡해요", [("회원", "B-ASP"), ("가입", "I-ASP"), ("절차", "B-ASP"), ("복잡", "B-NEG"),
                                   ("하", "I-NEG")], "회원가입 절차"),
    ):
        assert _pairs(kiwi, text, marks, "merge_no_bound")[0][0] == aspect, text
