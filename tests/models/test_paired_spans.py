"""Per-sentence span / mention counts (models/evaluate.py ``span_sentence_counts``,
``mention_sentence_counts``: what ``span_eval`` sums) and the paired sentence bootstrap over them
(``paired_f1_bootstrap``, scripts/compare_spans.py), on hand-made labels whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from tests.models.test_mention_score import _gold, _labels

from voc_pipeline.config import domain_path
from voc_pipeline.models.evaluate import (
    _span_scores,
    mention_scores,
    mention_sentence_counts,
    paired_f1_bootstrap,
    span_sentence_counts,
)
from voc_pipeline.stages.tokenize import KiwiTokenizer


@pytest.fixture(scope="module")
def two_sentences():
    rows = [_gold("배송이 너무 늦어요", "배송", "너무 늦어요", "pain", "delivery"),
            _gold("색상이 화면이랑 완전 달라요", "색상", "완전 달라요", "pain", "use")]
    toks = list(KiwiTokenizer(num_workers=1).kiwi.tokenize([r["text"] for r in rows]))
    marks = [[("배송", "B-ASP"), ("늦", "B-NEG")],
             [("색상", "B-ASP"), ("화면", "B-ASP"), ("다르", "B-NEG"), ("어요", "I-NEG")]]
    return rows, toks, [_labels(ts, m) for ts, m in zip(toks, marks, strict=True)]


def test_span_counts_per_sentence_and_their_sum_is_span_eval(two_sentences):
    rows, toks, labels = two_sentences
    dom = domain_path("commerce")
    per = span_sentence_counts(rows, toks, labels, dom)
    # (tp overlap, tp exact, pred, gold): 배송 exact, 늦어요 overlaps 너무 늦어요 only; 화면 is a false aspect
    assert per[0]["all"] == (2, 1, 2, 2) and per[1]["all"] == (2, 1, 3, 2)
    assert per[0]["asp"] == (1, 1, 1, 1) and per[1]["asp"] == (1, 1, 2, 1)
    assert per[0]["stage"] == (1, 1, 1)
    total = _span_scores(rows, toks, labels, dom)["all"]["overlap"]
    assert (total["pred"], total["gold"], total["f1"]) == (5, 4, round(2 * 4 / 9, 4))


def test_mention_counts_per_sentence_and_their_sum_is_mention_scores(two_sentences):
    rows, toks, labels = two_sentences
    dom = domain_path("commerce")
    near = mention_sentence_counts(rows, toks, labels, dom, "nearest")
    # the second sentence's opinion pairs with the nearer 화면 under nearest: an opinion hit, not a pair
    assert [(c["pair"], c["opinion"], c["pred"], c["gold"]) for c in near] == [(1, 1, 1, 1), (0, 1, 1, 1)]
    fixed = mention_sentence_counts(rows, toks, labels, dom, "merge_skip_oblique")
    assert [c["pair"] for c in fixed] == [1, 1]
    assert mention_scores(rows, toks, labels, dom, "nearest")["pair"]["f1"] == 0.5


def test_paired_f1_bootstrap_known_answers(two_sentences):
    a = [(1, 2, 2), (0, 1, 1)]           # F1 = 2·1 / (3 + 3)
    b = [(2, 2, 2), (1, 1, 1)]           # F1 = 1
    r = paired_f1_bootstrap(a, b, resamples=500, seed=1)
    assert (r["a"], r["b"], r["delta"], r["n"]) == (0.3333, 1.0, 0.6667, 2)
    assert r["delta_95"][0] > 0 and r["delta_95"][1] <= 1.0
    same = paired_f1_bootstrap(a, a, resamples=100)
    assert same["delta"] == 0.0 and same["delta_95"] == [0.0, 0.0]
    assert paired_f1_bootstrap(a, b, resamples=200, seed=3) == paired_f1_bootstrap(a, b, resamples=200, seed=3)
    with pytest.raises(ValueError):
        paired_f1_bootstrap(a, b[:1])
    # the mention pair counts of nearest (A) vs merge_skip_oblique (B) on the two sentences: 0.5 -> 1.0; a
    # resample holds sentence 1 only (Δ 0), sentence 2 only (Δ 1) or both (Δ 0.5)
    rows, toks, labels = two_sentences
    dom = domain_path("commerce")
    ca, cb = ([(c["pair"], c["pred"], c["gold"]) for c in mention_sentence_counts(rows, toks, labels, dom, p)]
              for p in ("nearest", "merge_skip_oblique"))
    m = paired_f1_bootstrap(ca, cb, resamples=400, seed=0)
    assert (m["a"], m["b"], m["delta"]) == (0.5, 1.0, 0.5)
    assert m["delta_95"] == [0.0, 1.0]
    assert np.isclose(paired_f1_bootstrap(ca, cb, resamples=4000, seed=0)["delta"], 0.5)
