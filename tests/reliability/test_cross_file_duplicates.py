"""policy cross_file_duplicate: the same id in two exports of one source and period."""

from __future__ import annotations

import pandas as pd

from voc_pipeline.config import ColumnMapping, SourceConfig
from voc_pipeline.stages.ingest import SeenIds, read_source


def _read(src, paths, base):
    seen = SeenIds()
    recs, quar, read = [], [], 0
    for p in paths:
        for b in read_source(src, p, base_dir=base, seen=seen):
            recs.append(b.records)
            quar.append(b.quarantine)
            read += b.rows_read
    return pd.concat(recs, ignore_index=True), pd.concat(quar, ignore_index=True), read


def test_later_export_of_the_same_week_is_quarantined_duplicate(tmp_path):
    mon, tue = tmp_path / "w47_mon.csv", tmp_path / "w47_tue.csv"
    mon.write_text("접수번호,접수일시,문의내용\nC1,2026-11-16 09:00,배송 언제 와요\nC2,2026-11-16 10:00,환불 문의\n",
                   encoding="utf-8")
    tue.write_text("접수번호,접수일시,문의내용\nC2,2026-11-16 10:00,환불 문의\nC3,2026-11-17 11:00,쿠폰 오류\n"
                   "C1,2026-10-01 09:00,다른 주의 같은 번호\n", encoding="utf-8")
    src = SourceConfig(name="complaints", channel="complaint", path="*.csv",
                       columns=ColumnMapping(id="접수번호", text="문의내용", created_at="접수일시"))
    recs, quar, read = _read(src, [mon, tue], tmp_path)
    assert read == 5 == len(recs) + len(quar)
    assert recs.source_id.tolist() == ["C1", "C2", "C3", "C1"]   # C1 of another period is not a duplicate
    assert quar.reason_code.tolist() == ["duplicate"] and quar.source_file.tolist() == ["w47_tue.csv"]
    assert "w47_mon.csv" in quar.reason[0]


def test_chat_conversation_in_two_exports(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    line = ('{"conversation_id": "CH1", "turn": %d, "speaker": "고객", "message": "환불 언제 돼요", '
            '"sent_at": "2026-11-16T10:00:00+09:00"}\n')
    a.write_text(line % 1, encoding="utf-8")
    b.write_text(line % 1 + line % 2, encoding="utf-8")
    src = SourceConfig(name="chats", channel="chat", path="*.jsonl",
                       columns=ColumnMapping(text="message", created_at="sent_at", conversation_id="conversation_id",
                                             speaker="speaker", turn="turn"))
    recs, quar, read = _read(src, [a, b], tmp_path)
    assert read == 3 == int(recs.input_rows.sum()) + len(quar)
    assert len(recs) == 1 and quar.reason_code.tolist() == ["duplicate", "duplicate"]
