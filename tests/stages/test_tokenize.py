"""The tokenize stage's sentence frame on real Korean VOC text: one row per non-blank sentence, offsets
into the record's text, dictionary-form lemmas."""

from __future__ import annotations

import pandas as pd
import pytest

from voc_pipeline.stages.tokenize import SENTENCE_FRAME_COLUMNS, KiwiTokenizer

TEXTS = [
    "배송이 너무 늦어요. 상담원 연결은 30분 넘게 기다렸고요!! 그래도 제품은 좋네요",
    "5.2.0 업데이트 후 쿠폰 적용 오류 문의 다수, 개발팀 전달",
    "고객이 매장 교환 약속 받았다고 하는데 매장 확인 불가. 11/10 통화 이력에 매장 무료교환 안내 있음.",
    "",
    "   ",
    "ㅋㅋㅋㅋ 진짜 최악... 환불해주세요ㅠㅠ",
    "상담원이 \"내일 다시 연락드리겠습니다. 꼭요.\"라고 했는데 연락이 없네요.",
    "사이즈 정말 딱 맞아요 👍 재구매 의사 있습니다\n\n포장도 꼼꼼했어요",
    "?!",
]


@pytest.fixture(scope="module")
def tokenizer() -> KiwiTokenizer:
    return KiwiTokenizer(num_workers=1, multi_word_dictionary=False)


def test_sentences_and_offsets(tokenizer):
    records = pd.DataFrame({"record_id": [f"r{i}" for i in range(len(TEXTS))], "text": TEXTS})
    frame = tokenizer(records)
    assert list(frame.columns) == SENTENCE_FRAME_COLUMNS
    # several sentences per record, numbered from 0 in order; none from the empty or blank records
    assert frame.groupby("record_id").size()["r0"] >= 3
    for _, sentences in frame.groupby("record_id"):
        assert sentences["sentence_index"].tolist() == list(range(len(sentences)))
        assert sentences["char_start"].is_monotonic_increasing
    assert not frame["record_id"].isin(["r3", "r4"]).any()
    for row in frame.itertuples():
        text = TEXTS[int(row.record_id[1:])]
        assert row.text == text[row.char_start:row.char_end]
        assert row.text.strip() and len(row.forms) == len(row.tags) == len(row.lemmas) == len(row.starts)
        assert all(row.char_start <= s and s + n <= row.char_end for s, n in zip(row.starts, row.lens, strict=True))


def test_predicate_lemmas_and_empty_input(tokenizer):
    frame = tokenizer(pd.DataFrame({"record_id": ["a"], "text": ["배송이 늦어요"]}))
    lemmas = dict(zip(frame.loc[0, "forms"], frame.loc[0, "lemmas"], strict=True))
    assert lemmas["늦"] == "늦다" and lemmas["배송"] == "배송"
    empty = tokenizer(pd.DataFrame({"record_id": [], "text": []}))
    assert list(empty.columns) == SENTENCE_FRAME_COLUMNS and empty.empty

