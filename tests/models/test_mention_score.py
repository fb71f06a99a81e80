"""The mention-level score (models/evaluate.py ``mention_scores``, ``span_eval``'s ``mentions`` block):
hand-made predictions over real Kiwi morphemes with a known right or wrong pairing."""

from __future__ import annotations

import json

import pytest

from voc_pipeline.config import domain_path
from voc_pipeline.models.evaluate import mention_scores, pair_matches, predicted_mentions, span_eval
from voc_pipeline.stages.tokenize import KiwiTokenizer


@pytest.fixture(scope="module")
def kiwi() -> KiwiTokenizer:
    return KiwiTokenizer(num_workers=1)


def _gold(text: str, aspect: str | None, opinion: str, polarity: str, stage: str) -> dict:
    a = text.index(aspect) if aspect else None
    o = text.index(opinion)
    return {"text": text, "mentions": [{
        "aspect": aspect, "aspect_start": a, "aspect_end": a + len(aspect) if aspect else None,
        "opinion": opinion, "opinion_start": o, "opinion_end": o + len(opinion), "polarity": polarity, "stage": stage}]}


def _labels(toks, marks):
    labels, pos = ["O"] * len(toks), 0
    forms = [t.form for t in toks]
    for form, label in marks:
        pos = forms.index(form, pos)
        labels[pos] = label
        pos += 1
    return labels


def _score(kiwi, rows, marks, pairing="nearest"):
    toks = list(kiwi.kiwi.tokenize([r["text"] for r in rows]))
    labels = [_labels(ts, m) for ts, m in zip(toks, marks, strict=True)]
    return mention_scores(rows, toks, labels, domain_path("commerce"), pairing)


def test_right_opinion_with_the_wrong_aspect_is_an_opinion_hit_but_not_a_pair(kiwi):
    # gold (csd-0181): 색상 ... 완전 달라요, stage use; the comparison standard 화면 wins under nearest
    row = _gold("색상이 화면이랑 완전 달라요", "색상", "완전 달라요", "pain", "use")
    marks = [[("색상", "B-ASP"), ("화면", "B-ASP"), ("다르", "B-NEG"), ("어요", "I-NEG")]]
    near = _score(kiwi, [row], marks, "nearest")
    assert near["opinion"]["f1"] == 1.0
    assert near["pair"]["f1"] == 0.0 and near["pair"]["pred"] == near["pair"]["gold"] == 1
    assert near["stage_accuracy"] == {"accuracy": 0.0, "n": 1}       # 화면 -> explore
    fixed = _score(kiwi, [row], marks, "merge_skip_oblique")
    assert fixed["pair"]["f1"] == fixed["opinion"]["f1"] == 1.0
    assert fixed["stage_accuracy"] == {"accuracy": 1.0, "n": 1}       # 색상 -> use
    assert fixed["stage_accuracy_pair"] == {"accuracy": 1.0, "n": 1}


def test_wrong_polarity_and_missing_aspect_do_not_match(kiwi):
    row = _gold("배송이 너무 늦어요", "배송", "너무 늦어요", "pain", "delivery")
    pos = _score(kiwi, [row], [[("배송", "B-ASP"), ("늦", "B-POS")]])
    assert pos["opinion"]["f1"] == pos["pair"]["f1"] == 0.0
    bare = _score(kiwi, [row], [[("늦", "B-NEG")]])                 # no aspect tagged: opinion right, pair wrong
    assert bare["opinion"]["f1"] == 1.0 and bare["pair"]["f1"] == 0.0
    assert bare["implicit_pred"] == 1
    # the stage still comes from the sentence's nouns (journey rule 2), as in the run
    assert bare["stage_accuracy"] == {"accuracy": 1.0, "n": 1}


def test_implicit_gold_accepts_any_aspect_but_strict_only_none(kiwi):
    text = "카톡 광고 지겨워 죽겠어요 또 와요"
    row = {"text": text, "mentions": [
        _gold(text, "카톡 광고", "지겨워 죽겠어요", "pain", "discover")["mentions"][0],
        _gold(text, None, "또 와요", "pain", "discover")["mentions"][0]]}
    marks = [[("카톡", "B-ASP"), ("광고", "I-ASP"), ("지겹", "B-NEG"), ("오", "B-NEG")]]
    s = _score(kiwi, [row], marks)
    assert s["opinion"]["f1"] == 1.0
    assert s["pair"]["f1"] == 1.0                 # 또 와요 paired with 카톡 광고: accepted
    assert s["pair_strict"]["precision"] == 0.5   # ... but not under the strict reading
    assert s["implicit_gold"] == 1


def test_one_gold_mention_is_matched_once(kiwi):
    row = _gold("배송이 너무 늦어요", "배송", "너무 늦어요", "pain", "delivery")
    # two predicted opinions inside the one gold opinion (너무 | 늦어요): one hit, one false positive
    s = _score(kiwi, [row], [[("배송", "B-ASP"), ("너무", "B-NEG"), ("늦", "B-NEG")]])
    assert s["pair"]["pred"] == 2 and s["pair"]["precision"] == 0.5 and s["pair"]["recall"] == 1.0


def test_pair_matches_rules():
    g = {"aspect_span": (0, 2), "opinion_span": (4, 10), "polarity": "pain"}
    assert pair_matches({"aspect_span": (0, 1), "opinion_span": (8, 12), "polarity": "pain"}, g)
    assert not pair_matches({"aspect_span": (2, 3), "opinion_span": (8, 12), "polarity": "pain"}, g)
    assert not pair_matches({"aspect_span": (0, 2), "opinion_span": (10, 12), "polarity": "pain"}, g)
    assert not pair_matches({"aspect_span": None, "opinion_span": (4, 10), "polarity": "pain"}, g)
    implicit = {**g, "aspect_span": None}
    assert pair_matches({"aspect_span": (0, 2), "opinion_span": (4, 10), "polarity": "pain"}, implicit)
    assert not pair_matches({"aspect_span": (0, 2), "opinion_span": (4, 10), "polarity": "pain"}, implicit, True)


def test_predicted_mentions_carry_the_runs_keyword_and_stage(kiwi):
    rows = [{"text": "택배 늦었어요"}]
    toks = list(kiwi.kiwi.tokenize([r["text"] for r in rows]))
    [[m]] = predicted_mentions(rows, toks, [_labels(toks[0], [("택배", "B-ASP"), ("늦", "B-NEG")])], "nearest",
                               domain_path("commerce"))
    assert (m["keyword"], m["stage"]) == ("배송+지연", "delivery")    # synonyms and opinion_synonyms applied
    assert rows[0]["text"][slice(*m["opinion_span"])] == "늦었어요"   # to the word's end


def test_span_eval_has_a_mentions_block(tmp_path):
    f = tmp_path / "s.jsonl"
    rows = [_gold("색상이 화면이랑 완전 달라요", "색상", "완전 달라요", "pain", "use"),
            _gold("배송이 너무 늦어요", "배송", "너무 늦어요", "pain", "delivery")]
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    lx = span_eval(f, None, domain_path("commerce"), lexicon_only=True, pairing="nearest")
    m = lx["mentions"]
    assert m["pairing"] == "nearest"
    assert set(m) >= {"pair", "pair_strict", "opinion", "stage_accuracy", "stage_accuracy_pair"}
    assert m["pair"]["gold"] == 2
    assert span_eval(f, None, domain_path("commerce"), lexicon_only=True)["mentions"]["pairing"] == "merge_no_stop"
