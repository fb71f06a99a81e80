"""policy excerpt_cut: a cut quarantine excerpt never ends in half a number / e-mail / word."""

from __future__ import annotations

from voc_pipeline.io.readers import EXCERPT_CHARS, excerpt
from voc_pipeline.stages.mask import Masker


def test_short_text_is_kept_whole():
    assert excerpt("  배송이 늦어요  ") == "배송이 늦어요"


def test_cut_never_leaves_a_partial_phone_card_or_email():
    masker = Masker()
    for pii in ("010-2291-7740", "010 2291 7740", "4111 1111 1111 1111", "minjun.kim@example.com"):
        for pad in range(150, 200):
            text = "가" * pad + " 연락처 " + pii + " 로 연락 주세요 " + "나" * 300
            cut = excerpt(text)
            assert len(cut) <= EXCERPT_CHARS and cut.endswith("…")
            masked = masker.mask_text(cut).text
            digits = "".join(c for c in pii if c.isdigit())
            assert not digits or digits[:4] not in "".join(c for c in masked if c.isdigit()), (pad, pii, masked)
            assert "minjun" not in masked


def test_long_run_without_separator_is_cut_in_place():
    assert len(excerpt("가" * 30_000)) == EXCERPT_CHARS
