"""MorphemeEncoder's per-form memo: bounded, and a cleared memo changes no id."""

from __future__ import annotations

from voc_pipeline.models.encoding import MorphemeEncoder
from voc_pipeline.models.tagger import default_model_dir

SENTENCES = [
    ["배송", "이", "너무", "늦", "어서", "화", "가", "났", "어요"],
    ["상담원", "분", "이", "친절", "하", "게", "안내", "해", "주", "셔서", "감사", "합니다"],
    ["포장", "이", "엉망", "이", "고", "박스", "가", "젖", "어서", "왔", "네요"],
    ["쿠폰", "이", "적용", "이", "안", "돼요"],
    ["환불", "요청", "한", "지", "일주일", "이", "지났", "는데", "아직", "도", "처리", "가", "안", "됐", "습니다"],
]


def _encoder() -> MorphemeEncoder:
    return MorphemeEncoder(str(default_model_dir() / "tokenizer.json"))


def test_the_memo_never_outgrows_its_cap_and_a_cleared_memo_gives_the_same_ids(monkeypatch):
    unbounded = _encoder()
    expected = unbounded.encode_words(SENTENCES, 64)
    distinct = len({f for s in SENTENCES for f in s})
    assert len(unbounded._cache) == distinct          # every form memoised once

    small = _encoder()
    monkeypatch.setattr(small, "_CACHE_SIZE", 5)
    for _ in range(3):                                 # the memo fills and is cleared several times
        got = small.encode_words(SENTENCES, 64)
        assert len(small._cache) <= 5
        for a, b in zip(expected, got, strict=True):
            assert (a == b).all()
