"""Span decoding over real Kiwi morphemes of Korean VOC sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.stages.bio import bio_labels

from voc_pipeline.stages.tag import Tagger, decode_spans, mentions_for_sentence, record_sentiment
from voc_pipeline.stages.tokenize import KiwiTokenizer


@pytest.fixture(scope="module")
def kiwi() -> KiwiTokenizer:
    return KiwiTokenizer(num_workers=1)


def _sentences(kiwi: KiwiTokenizer, *texts: str) -> pd.DataFrame:
    return kiwi(pd.DataFrame({"record_id": [f"r{i}" for i in range(len(texts))], "text": list(texts)}))



def test_decode_spans_bio_and_stray_inside():
    spans = decode_spans(["B-ASP", "I-ASP", "O", "I-NEG", "I-NEG", "B-POS"], [0.9] * 6)
    assert [(s.kind, s.first, s.last) for s in spans] == [("ASP", 0, 1), ("NEG", 3, 4), ("POS", 5, 5)]


def test_pain_mention_with_lemmas_and_offsets(kiwi):
    s = _sentences(kiwi, "박스가 다 파손됐어요ㅠㅠ").iloc[0]
    labels = bio_labels(s, {"박스": "ASP", "파손": "NEG", "되": "NEG", "었": "NEG", "어요": "NEG"})
    [m] = mentions_for_sentence("r0", 0, s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, [0.8] * len(labels))
    assert (m["aspect"], m["opinion"], m["polarity"]) == ("박스", "파손되다", "pain")
    assert "박스가 다 파손됐어요ㅠㅠ"[m["start"]:m["end"]] == "박스가 다 파손됐"


def test_two_mentions_pair_with_their_own_aspects(kiwi):
    text = "상담원은 친절했는데 환불이 안 돼요."
    s = _sentences(kiwi, text).iloc[0]
    labels = ["O"] * len(s.forms)
    for i, (f, t) in enumerate(zip(s.forms, s.tags, strict=True)):
        if f in ("상담원", "환불"):
            labels[i] = "B-ASP"
        elif f == "친절":
            labels[i] = "B-POS"
        elif f == "하" and t == "XSA":
            labels[i] = "I-POS"
        elif f == "안":
            labels[i] = "B-NEG"
        elif f == "되":
            labels[i] = "I-NEG"
    ms = mentions_for_sentence("r0", 0, s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, [1.0] * len(labels))
    assert [(m["aspect"], m["opinion"], m["polarity"]) for m in ms] == [
        ("상담원", "친절하다", "praise"),
        ("환불", "안 되다", "pain"),
    ]
    assert text[ms[1]["start"]:ms[1]["end"]] == "환불이 안 돼"


def test_implicit_aspect_keeps_opinion(kiwi):
    s = _sentences(kiwi, "진짜 별로예요").iloc[0]
    labels = ["B-NEG" if f == "별로" else "O" for f in s.forms]
    [m] = mentions_for_sentence("r0", 0, s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, [0.7] * len(labels))
    assert m["aspect"] is None and m["polarity"] == "pain" and m["opinion"].startswith("별로")


class _FixedModel:
    """A stand-in with fixed outputs, to test the stage's bookkeeping (not the model)."""

    def __init__(self, probs):
        self.probs = probs

    def predict(self, sentences):
        from voc_pipeline.models.tagger import TaggerOutput

        offsets = np.concatenate([[0], np.cumsum([len(s) for s in sentences])])
        return TaggerOutput(np.array(self.probs[: len(sentences)]), np.zeros(offsets[-1], dtype=np.int8),
                            np.ones(offsets[-1], dtype=np.float32), offsets)


def test_record_sentiment_is_length_weighted(kiwi):
    sents = _sentences(kiwi, "네. 배송이 일주일 넘게 안 와서 너무 화가 나고 답답합니다")
    assert len(sents) == 2
    tagged, mentions = Tagger(_FixedModel([[0.1, 0.2, 0.7], [0.8, 0.1, 0.1]]))(sents)
    assert mentions.empty
    stage = Tagger(_FixedModel([[0.1, 0.2, 0.7], [0.8, 0.1, 0.1]]))
    records = record_sentiment(pd.DataFrame({"record_id": ["r0", "r9"]}),
                               stage.record_probabilities(["r0", "r9"], tagged))
    assert records["sentiment"].tolist() == ["neg", "neu"]
    assert records["sentiment_score"].iloc[0] < 0 and records["sentiment_score"].iloc[1] == 0


@pytest.mark.parametrize(
    ("text", "tagged", "opinion"),
    [
        ("포장이 꼼꼼했어요", {"하"}, "꼼꼼하다"),  # the model marked only the 하 suffix
        ("쿠폰이 안 돼요", {"안"}, "안 되다"),  # a bare negator takes its predicate
        ("쿠폰 적용이 안 돼서 정가로 샀어요", {"안"}, "안 되다"),  # ... also when Kiwi calls 되 a suffix
        ("택배가 안 와요", {"오"}, "안 오다"),  # the negator before the span belongs to it
        ("직원이 너무 불친절했어요", {"친절"}, "불친절"),  # a glued prefix is part of the word (below)
    ],
)
def test_cut_opinions_are_repaired(kiwi, text, tagged, opinion):
    s = _sentences(kiwi, text).iloc[0]
    labels = ["B-ASP" if i == 0 else ("B-NEG" if f in tagged else "O") for i, f in enumerate(s.forms)]
    [m] = mentions_for_sentence("r0", 0, s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, [1.0] * len(labels))
    assert m["opinion"] == opinion


@pytest.mark.parametrize(
    ("text", "span_forms", "opinion"),
    [
        ("상담원이 불친절해요", ("친절", "하", "어요"), "불친절하다"),
        ("직원이 너무 불친절했어요", ("친절", "하", "었", "어요"), "불친절하다"),
        ("응대가 무성의해요", ("성의", "하"), "무성의하다"),
        ("포장이 비위생적이에요", ("위생", "적", "이"), "비위생적이다"),
        ("설명이 부정확해요", ("하", "어요"), "부정확하다"),  # root and prefix both taken back
    ],
)
def test_a_negating_prefix_belongs_to_the_opinion(kiwi, text, span_forms, opinion):
    # 불|친절: the model may start the opinion after Kiwi's XPN prefix; without it the opinion reads
    # as its opposite (상담원 + 친절하다 as a pain point)
    s = _sentences(kiwi, text).iloc[0]
    first = list(s.forms).index(span_forms[0])
    labels = ["B-ASP"] + ["O"] * (len(s.forms) - 1)
    for k in range(len(span_forms)):
        assert s.forms[first + k] == span_forms[k]
        labels[first + k] = ("B-" if k == 0 else "I-") + "NEG"
    [m] = mentions_for_sentence("r0", 0, s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, [1.0] * len(labels))
    assert m["opinion"] == opinion
    prefix = list(s.tags).index("XPN")
    assert m["start"] <= s.starts[prefix] < m["end"]      # the quoted surface keeps the prefix


@pytest.mark.parametrize(("text", "opinion_forms"), [
    ("가격만큼 해요", {"하", "어요"}),          # a bare light verb judges nothing
    ("상담원 연결까지 한 시간 기다렸어요", {"한"}),   # a determiner cut from 한 시간
])
def test_contentless_opinions_are_not_mentions(kiwi, text, opinion_forms):
    s = _sentences(kiwi, text).iloc[0]
    labels = ["B-NEG" if f in opinion_forms and i == min(j for j, g in enumerate(s.forms) if g in opinion_forms)
              else ("I-NEG" if f in opinion_forms else "O") for i, f in enumerate(s.forms)]
    assert any(lab != "O" for lab in labels)
    assert mentions_for_sentence("r0", 0, s.forms, s.tags, s.lemmas, s.starts, s.lens, labels,
                                 [0.9] * len(labels)) == []


def test_a_negated_light_verb_is_still_an_opinion(kiwi):
    s = _sentences(kiwi, "결제가 안 돼요").iloc[0]
    labels = bio_labels(s, {"결제": "ASP", "안": "NEG", "되": "NEG", "어요": "NEG"})
    [m] = mentions_for_sentence("r0", 0, s.forms, s.tags, s.lemmas, s.starts, s.lens, labels, [0.9] * len(labels))
    assert (m["aspect"], m["opinion"]) == ("결제", "안 되다")


# ----------------------------------------------------------------------------- the whole-record pass


class _Counting:
    """The real model, with the sequences ``predict`` was given recorded."""

    def __init__(self, model):
        self.model = model
        self.calls: list[list] = []

    def fits_window(self, sentences):
        return self.model.fits_window(sentences)

    def predict(self, sentences):
        self.calls.append([list(s) for s in sentences])
        return self.model.predict(sentences)


@pytest.fixture(scope="module")
def model():
    from voc_pipeline.models.tagger import load_tagger

    return load_tagger(None, threads=1)


MIXED = "배송은 빨랐어요. 근데 사이즈가 너무 작아서 교환 신청했는데 일주일째 답이 없네요. 정말 실망입니다."
SHORT = "포장이 꼼꼼해서 좋았어요"
#: 12 sentences, ~100 morphemes: beyond the 64-morpheme window
LONG = " ".join(["배송이 너무 늦어서 화가 났어요.", "상담원은 그래도 친절했습니다."] * 6)


def _concat(sents: pd.DataFrame, rid: str) -> list[tuple[str, str]]:
    rows = sents[sents["record_id"] == rid]
    return [(f, t) for forms, tags in zip(rows["forms"], rows["tags"], strict=True)
            for f, t in zip(forms, tags, strict=True)]


def test_whole_record_pass_only_for_multi_sentence_records_within_the_window(kiwi, model):
    sents = _sentences(kiwi, MIXED, SHORT, LONG)
    counts = sents.groupby("record_id").size()
    assert counts["r0"] == 3 and counts["r1"] == 1 and counts["r2"] >= 10
    assert model.fits_window([_concat(sents, "r0"), _concat(sents, "r2")]).tolist() == [True, False]
    spy = _Counting(model)
    stage = Tagger(spy, record_pass="whole")
    tagged, _ = stage(sents)
    spy.calls.clear()
    whole = stage.whole_records(tagged)
    assert whole.index.tolist() == ["r0"]
    # one extra sequence, the record's morphemes in order (the sentence pass is not repeated)
    assert spy.calls == [[_concat(sents, "r0")]]
    assert np.allclose(whole.loc["r0"].to_numpy(), model.predict([_concat(sents, "r0")]).sentiment[0], atol=1e-6)
    probs = stage.record_probabilities(["r0", "r1", "r2"], tagged)
    mean = Tagger(model).record_probabilities(["r0", "r1", "r2"], tagged)
    assert np.allclose(probs[0], whole.loc["r0"].to_numpy())
    assert not np.allclose(probs[0], mean[0], atol=1e-3)       # the pass changes the multi-sentence record
    # a one-sentence record and a record beyond the window keep the sentence mean
    assert np.array_equal(probs[1:], mean[1:])
    blend = Tagger(model, record_pass="blend").record_probabilities(["r0", "r1", "r2"], tagged)
    assert np.allclose(blend[0], (mean[0] + probs[0]) / 2) and np.array_equal(blend[1:], mean[1:])


def test_mean_makes_no_extra_pass_and_one_sentence_records_cost_nothing(kiwi, model):
    sents = _sentences(kiwi, MIXED, SHORT, "좋아요")
    spy = _Counting(model)
    tagged, _ = Tagger(spy)(sents)
    Tagger(spy).record_probabilities(["r0", "r1", "r2"], tagged)
    assert len(spy.calls) == 1                                 # the sentence pass only
    spy.calls.clear()
    only_short = _sentences(kiwi, SHORT, "좋아요")
    Tagger(spy, record_pass="whole").record_probabilities(["r0", "r1"], Tagger(model)(only_short)[0])
    assert spy.calls == []


def test_the_record_pass_leaves_sentences_and_mentions_alone(kiwi, model):
    sents = _sentences(kiwi, MIXED, SHORT, LONG, "상담원은 친절했는데 환불이 안 돼요. 다시는 안 삽니다.")
    base_sents, base_mentions = Tagger(model)(sents)
    assert not base_mentions.empty
    for record_pass in ("whole", "blend"):
        stage = Tagger(model, record_pass=record_pass)
        got_sents, got_mentions = stage(sents)
        stage.record_probabilities(["r0", "r1", "r2", "r3"], got_sents)
        pd.testing.assert_frame_equal(got_sents, base_sents)
        pd.testing.assert_frame_equal(got_mentions, base_mentions)


def test_an_unknown_record_pass_is_refused(model):
    with pytest.raises(ValueError, match="record_pass"):
        Tagger(model, record_pass="max")


# ----------------------------------------------------------------------------- record temperature
class _WithRecordTemperature:
    """The real model, with a config.json ``record_temperature`` as ``models.tagger`` loads it."""

    def __init__(self, model, temperatures: dict[str, float]):
        self.model = model
        self.record_temperatures = temperatures

    def fits_window(self, sentences):
        return self.model.fits_window(sentences)

    def predict(self, sentences):
        return self.model.predict(sentences)


def test_temper_keeps_every_argmax_and_raises_the_odds_to_1_over_t(kiwi, model):
    from voc_pipeline.stages.tag import temper

    sents = _sentences(kiwi, MIXED, SHORT, "배송 언제 오나요?", "환불이 안 돼서 너무 화가 나요", "그냥 그래요")
    probs = Tagger(model)(sents)[0][["p_neg", "p_neu", "p_pos"]].to_numpy()
    assert np.array_equal(temper(probs, 1.0), probs)
    for t in (0.62, 1.7):
        got = temper(probs, t)
        assert np.array_equal(got.argmax(1), probs.argmax(1))
        assert np.allclose(got.sum(1), 1.0)
        # the odds between any two labels are raised to the power 1/T
        assert np.allclose(got[:, 0] / got[:, 2], (probs[:, 0] / probs[:, 2]) ** (1 / t), rtol=1e-6)
        # T < 1 sharpens every row, T > 1 flattens it
        assert (np.sign(got.max(1) - probs.max(1)) == (1 if t < 1 else -1)).all()
    nan = temper(np.array([[np.nan] * 3, [0.2, 0.3, 0.5]]), 0.5)
    assert np.isnan(nan[0]).all() and not np.isnan(nan[1]).any()
    with pytest.raises(ValueError, match="temperature"):
        temper(probs, 0.0)


def test_record_temperature_applies_only_under_its_record_pass_and_moves_no_label(kiwi, model):
    from voc_pipeline.stages.tag import temper

    sents = _sentences(kiwi, MIXED, SHORT, "상담원은 친절했는데 환불이 안 돼요. 다시는 안 삽니다.", "ㅋㅋ")
    ids = ["r0", "r1", "r2", "r3", "r9"]           # r9: no sentence at all
    tempered_model = _WithRecordTemperature(model, {"mean": 0.62})
    base = Tagger(model).record_probabilities(ids, Tagger(model)(sents)[0])
    stage = Tagger(tempered_model)
    assert stage.record_temperature == 0.62
    got = stage.record_probabilities(ids, stage(sents)[0])
    has = ~np.isnan(base).any(axis=1)
    assert np.allclose(got[has], temper(base[has], 0.62)) and np.isnan(got[~has]).all()
    assert not np.allclose(got[has], base[has], atol=1e-3)
    records = pd.DataFrame({"record_id": ids})
    before, after = record_sentiment(records, base), record_sentiment(records, got)
    assert after["sentiment"].tolist() == before["sentiment"].tolist()
    assert after["sentiment_score"].iloc[-1] == 0.0 and after["sentiment"].iloc[-1] == "neu"
    # sharper: every record's |score| grows (or stays when p_pos = p_neg), its sign never flips
    assert (np.abs(after["sentiment_score"]) >= np.abs(before["sentiment_score"]) - 1e-12).all()
    assert (np.sign(after["sentiment_score"]) == np.sign(before["sentiment_score"])).all()
    # stored for mean only: whole and blend are exactly as without it
    for record_pass in ("whole", "blend"):
        other = Tagger(tempered_model, record_pass=record_pass)
        assert other.record_temperature == 1.0
        plain = Tagger(model, record_pass=record_pass)
        assert np.array_equal(other.record_probabilities(ids, other(sents)[0]),
                              plain.record_probabilities(ids, plain(sents)[0]), equal_nan=True)
    # T 1.0 (or a model without the key, as _FixedModel above) is the identity
    one = Tagger(_WithRecordTemperature(model, {"mean": 1.0}))
    assert np.array_equal(one.record_probabilities(ids, one(sents)[0]), base, equal_nan=True)
