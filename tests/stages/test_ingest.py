import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from voc_pipeline.config import ColumnMapping, PeriodConfig, SourceConfig
from voc_pipeline.errors import ConfigError, UnreadableInputError
from voc_pipeline.schema import QUARANTINE_COLUMNS, RECORD_COLUMNS
from voc_pipeline.stages._ingest.dates import out_of_range, valid_range
from voc_pipeline.stages.ingest import MAX_TEXT_CHARS, read_source

PERIOD = PeriodConfig()


def ingest(source, path, **kw):
    kw.setdefault("period", PERIOD)
    batches = list(read_source(source, path, **kw))
    for b in batches:
        assert list(b.records.columns) == RECORD_COLUMNS
        assert list(b.quarantine.columns) == QUARANTINE_COLUMNS
        assert b.rows_read == int(b.records.input_rows.sum()) + len(b.quarantine)
        assert (b.quarantine.excerpt.str.len() <= 200).all()
    recs = pd.concat([b.records for b in batches], ignore_index=True)
    quar = pd.concat([b.quarantine for b in batches], ignore_index=True)
    return recs, quar, sum(b.rows_read for b in batches)


def complaint_source(path="complaints.csv", **cols):
    mapping = {"id": "접수번호", "text": "문의내용", "created_at": "접수일시", "customer_key": "고객연락처", **cols}
    return SourceConfig(name="cc", channel="complaint", path=path, columns=ColumnMapping(**mapping))


COMPLAINTS = (
    "접수번호,접수일시,고객연락처,문의내용\n"
    "A1,2026.11.16 09:12,010-1234-5678,배송이 너무 늦어요 ㅠㅠ\n"
    "A2,2026년 11월 17일 오후 3:05,010-1111-2222,\"환불 언제 되나요,\n정말 답답합니다\"\n"
    "A2,2026-11-17,010-1111-2222,같은 접수번호\n"
    "A3,어제,,날짜가 이상함\n"
    "A4,2026-11-18,,\n"
    "A5,2026-11-18,,열이,많음\n"
    "A7,20261119,,정상 행\n"
)


def test_cp949_complaints_end_to_end(tmp_path):
    p = tmp_path / "complaints.csv"
    p.write_bytes(COMPLAINTS.encode("cp949"))
    recs, quar, read = ingest(complaint_source(), p, base_dir=tmp_path)
    assert read == 7
    assert recs.source_id.tolist() == ["A1", "A2", "A7"]
    assert recs.text.tolist()[1] == "환불 언제 되나요,\n정말 답답합니다"
    assert recs.created_at.tolist()[1] == pd.Timestamp("2026-11-17 15:05", tz="Asia/Seoul")
    assert recs.period.tolist() == ["2026-W47"] * 3
    assert recs.source_file.unique().tolist() == ["complaints.csv"]
    assert recs.customer_key.tolist()[0] == "010-1234-5678"
    assert str(recs.created_at.dtype) == "datetime64[us, Asia/Seoul]"
    assert dict(zip(quar.source_row, quar.reason_code, strict=True)) == {
        3: "duplicate", 4: "bad_date", 5: "empty_text", 6: "malformed_row"}


def test_record_id_stable_and_independent_of_directory(tmp_path):
    a = tmp_path / "x" / "complaints.csv"
    b = tmp_path / "y" / "complaints.csv"
    for p in (a, b):
        p.parent.mkdir()
        p.write_bytes(COMPLAINTS.encode("cp949"))
    ids_a = ingest(complaint_source(), a)[0].record_id.tolist()
    assert ids_a == ingest(complaint_source(), a)[0].record_id.tolist()
    assert ids_a == ingest(complaint_source(), b)[0].record_id.tolist()
    assert len(set(ids_a)) == 3 and all(len(i) == 16 for i in ids_a)


def test_batches_are_bounded(tmp_path):
    p = tmp_path / "big.csv"
    p.write_text("id,text\n" + "".join(f"{i},문의 {i}\n" for i in range(25)), encoding="utf-8")
    src = SourceConfig(name="s", channel="complaint", path="big.csv", columns=ColumnMapping(id="id", text="text"))
    batches = list(read_source(src, p, batch_rows=10, period=PERIOD, fallback_period="2026-W47"))
    assert [b.rows_read for b in batches] == [10, 10, 5]
    assert batches[0].records.period.unique().tolist() == ["2026-W47"]
    assert batches[0].records.created_at.isna().all()


def test_missing_date_without_fallback_is_bad_date(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("id,text,date\n1,좋아요,\n2,별로,2026-11-16\n", encoding="utf-8")
    src = SourceConfig(name="s", channel="review", path="a.csv",
                       columns=ColumnMapping(id="id", text="text", created_at="date"))
    recs, quar, _ = ingest(src, p)
    assert quar.reason_code.tolist() == ["bad_date"] and recs.source_id.tolist() == ["2"]
    recs, quar, _ = ingest(src, p, fallback_period="2026-W40")
    assert recs.period.tolist() == ["2026-W40", "2026-W47"] and quar.empty


def test_created_at_column_keeps_every_instant(tmp_path):
    """created_at is microseconds in the configured zone: offsets converted, a missing date NaT (with
    a fallback period), fractions kept, and a year outside pandas' nanosecond range still read."""
    p = tmp_path / "a.csv"
    p.write_text("id,text,date\n1,좋아요,2026-11-16 09:15:30.123456\n2,별로,\n3,배송 늦음,2026-11-16T00:30:00Z\n"
                 "4,환불 요청,2999-01-01 10:00\n", encoding="utf-8")
    src = SourceConfig(name="s", channel="review", path="a.csv",
                       columns=ColumnMapping(id="id", text="text", created_at="date"))
    far = date(3000, 1, 1)   # the 2999 row is a mistyped year under the default range (next test)
    for period in (PeriodConfig(valid_until=far), PeriodConfig(timezone="America/New_York", valid_until=far)):
        recs, quar, _ = ingest(src, p, period=period, fallback_period="2026-W47", batch_rows=2)
        tz = period.timezone
        assert quar.empty and str(recs.created_at.dtype) == f"datetime64[us, {tz}]"
        want = [pd.Timestamp("2026-11-16 09:15:30.123456", tz=tz), pd.NaT,
                pd.Timestamp("2026-11-16 00:30", tz="UTC").tz_convert(tz), pd.Timestamp("2999-01-01 10:00", tz=tz)]
        got = recs.set_index("source_id").created_at
        assert got["1"] == want[0] and pd.isna(got["2"])
        assert got["3"] == want[2] and got["4"] == want[3]


def test_mistyped_years_are_quarantined_not_given_a_period(tmp_path):
    """Policy date_out_of_range: a year typed 2996 (or 1026) would open its own period, and the
    latest period is the one the report and `run` lead with; such rows are quarantined with the range."""
    p = tmp_path / "a.csv"
    p.write_text("id,text,date\n1,결제 오류,2996-11-16 09:15\n2,배송 늦음,1026-11-16\n3,좋아요,2026-11-16\n"
                 "4,환불 문의,2026-11-17\n", encoding="utf-8")
    src = SourceConfig(name="s", channel="review", path="a.csv",
                       columns=ColumnMapping(id="id", text="text", created_at="date"))
    recs, quar, read = ingest(src, p)
    assert recs.source_id.tolist() == ["3", "4"] and read == 4
    assert quar.reason_code.tolist() == ["date_out_of_range"] * 2
    assert "2996-11-16 09:15 ∉ 2000-01-01.." in quar.reason[0]
    # the bounds are configuration: local days, both inclusive
    narrow = PeriodConfig(valid_from=date(2026, 11, 17), valid_until=date(2026, 11, 17))
    recs, quar, _ = ingest(src, p, period=narrow)
    assert recs.source_id.tolist() == ["4"] and len(quar) == 3
    assert "∉ 2026-11-17..2026-11-17" in quar.reason[2]


def test_chat_with_a_mistyped_year_is_quarantined(tmp_path):
    turns = [dict(t, ts=t["ts"].replace("2026", "2062")) if t["conversation_id"] == "c1" else t for t in CHAT_TURNS]
    p = tmp_path / "chat.jsonl"
    p.write_text("\n".join(json.dumps(t, ensure_ascii=False) for t in turns) + "\n", encoding="utf-8")
    recs, quar, read = ingest(chat_source(), p)
    assert recs.empty and read == 6
    # every turn of the conversation is a quarantine row (docs/ingest.md, chats)
    assert sorted(quar.reason_code.tolist()) == ["date_out_of_range"] * 3 + ["malformed_row", "no_customer_turn",
                                                                             "no_customer_turn"]


def test_default_range_ends_tomorrow_in_the_configured_zone():
    # 2026-11-24 20:00 UTC is already 2026-11-25 in Seoul: Seoul's tomorrow is the 26th
    now = pd.Timestamp("2026-11-24 20:00", tz="UTC")
    start, end = valid_range(date(2000, 1, 1), None, "Asia/Seoul", now=now)
    assert start == pd.Timestamp("2000-01-01", tz="Asia/Seoul")
    assert end == pd.Timestamp("2026-11-27", tz="Asia/Seoul")   # exclusive: all of the 26th is valid
    assert out_of_range(pd.Timestamp("2026-11-26 23:59", tz="Asia/Seoul"), (start, end)) is None
    assert out_of_range(pd.Timestamp("2026-11-27 00:00", tz="Asia/Seoul"), (start, end)) is not None
    assert out_of_range(None, (start, end)) is None   # no date: the fallback period's business


def test_period_granularity(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("text,date\n좋아요,2026-11-16 23:30\n", encoding="utf-8")
    src = SourceConfig(name="s", channel="review", path="a.csv", columns=ColumnMapping(text="text", created_at="date"))
    assert ingest(src, p, period=PeriodConfig(granularity="month"))[0].period.tolist() == ["2026-11"]
    assert ingest(src, p, period=PeriodConfig(granularity="day"))[0].period.tolist() == ["2026-11-16"]


def test_title_and_body_text_and_too_long(tmp_path):
    p = tmp_path / "a.csv"
    long = "가" * (MAX_TEXT_CHARS + 1)
    p.write_text(f"제목,본문\n배송 문의,언제 와요?\n,본문만\n제목만,\n긴 글,{long}\n", encoding="utf-8")
    src = SourceConfig(name="s", channel="complaint", path="a.csv", columns=ColumnMapping(text=["제목", "본문"]))
    recs, quar, read = ingest(src, p, fallback_period="2026-W47")
    assert recs.text.tolist() == ["배송 문의\n언제 와요?", "본문만", "제목만"]
    assert quar.reason_code.tolist() == ["too_long"] and len(quar.excerpt[0]) == 200
    assert read == 4


def test_ratings_scale_inferred_per_file(tmp_path):
    p = tmp_path / "reviews.csv"
    p.write_text("리뷰ID,리뷰내용,평점,추천의향\n1,최고,5,10\n2,보통,3점,7\n3,별로,★☆☆☆☆,\n4,??,모름,11\n",
                 encoding="utf-8")
    src = SourceConfig(name="r", channel="review", path="reviews.csv",
                       columns=ColumnMapping(id="리뷰ID", text="리뷰내용", rating="평점", nps="추천의향"))
    recs, quar, _ = ingest(src, p, fallback_period="2026-W47")
    assert quar.empty
    assert recs.rating.tolist()[:3] == [5.0, 3.0, 1.0] and pd.isna(recs.rating[3])
    assert recs.rating_norm.tolist()[:3] == [1.0, 0.5, 0.0]
    assert recs.nps.tolist()[:3][:2] == [10.0, 7.0] and recs.nps.isna().tolist()[2:] == [True, True]


def test_hundred_point_scale(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("text,score\n좋아요,90점\n나빠요,20\n", encoding="utf-8")
    src = SourceConfig(name="s", channel="survey", path="s.csv", columns=ColumnMapping(text="text", rating="score"))
    recs = ingest(src, p, fallback_period="2026-W47")[0]
    assert recs.rating_norm.tolist() == [0.9, 0.2]


def test_xlsx_reviews_with_title_row_and_blank_rows(tmp_path):
    p = tmp_path / "리뷰.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["11월 상품 리뷰"])
    ws.append(["리뷰번호", "작성일자", "상품명", "리뷰내용", "별점"])
    ws.append([1, datetime(2026, 11, 16, 10, 0), "무선 마우스", "클릭감이 좋아요", 5])
    ws.append([None] * 5)
    ws.append([2, 46343, "무선 마우스", "배송 중 파손", 1])
    ws.append([3, "46344", "키보드", None, 4])
    wb.save(p)
    src = SourceConfig(name="rv", channel="review", path="리뷰.xlsx",
                       columns=ColumnMapping(id="리뷰번호", text="리뷰내용", created_at="작성일자",
                                             rating="별점", product="상품명"))
    recs, quar, read = ingest(src, p)
    assert read == 3  # the blank sheet row is not a row
    assert recs.source_row.tolist() == [3, 5]
    assert recs.created_at.tolist()[1] == pd.Timestamp("2026-11-17", tz="Asia/Seoul")
    assert recs["product"].tolist() == ["무선 마우스", "무선 마우스"]
    assert recs.source_id.tolist() == ["1", "2"]
    assert quar.reason_code.tolist() == ["empty_text"] and quar.source_row.tolist() == [6]


def test_parquet_source(tmp_path):
    p = tmp_path / "reviews.parquet"
    pq.write_table(pa.table({
        "review_id": ["r1", "r2"],
        "created_at": pa.array([datetime(2026, 11, 16, 1, 0), None], pa.timestamp("us", tz="UTC")),
        "review": ["좋아요", "배송 지연"],
        "rating": [5, 2],
    }), p)
    src = SourceConfig(name="pq", channel="review", path="reviews.parquet",
                       columns=ColumnMapping(id="review_id", text="review", created_at="created_at",
                                             rating="rating", rating_scale=5))
    recs, _, _ = ingest(src, p, fallback_period="2026-W47")
    assert recs.created_at[0] == pd.Timestamp("2026-11-16 10:00", tz="Asia/Seoul")
    assert pd.isna(recs.created_at[1]) and recs.rating_norm.tolist() == [1.0, 0.25]


CHAT_TURNS = [
    {"conversation_id": "c1", "turn": 2, "speaker": "상담사", "message": "확인해 드리겠습니다.", "ts": "2026-11-16 09:01"},
    {"conversation_id": "c1", "turn": 1, "speaker": "고객", "message": "주문한 지 일주일인데 배송이 안 와요", "ts": "2026-11-16 09:00"},
    {"conversation_id": "c2", "turn": 1, "speaker": "bot", "message": "무엇을 도와드릴까요?", "ts": "2026-11-16 10:00"},
    {"conversation_id": "c1", "turn": 3, "speaker": "Customer", "message": "빨리 부탁드려요", "ts": "2026-11-16 09:02"},
    {"conversation_id": "c2", "turn": 2, "speaker": "agent", "message": "상담을 종료합니다", "ts": "2026-11-16 10:05"},
    {"conversation_id": "", "turn": 1, "speaker": "고객", "message": "대화ID 없음", "ts": "2026-11-16 10:05"},
]


def chat_source(**kw):
    return SourceConfig(name="chat", channel="chat", path="chat.jsonl",
                        columns=ColumnMapping(text="message", conversation_id="conversation_id",
                                              speaker="speaker", turn="turn", created_at="ts"), **kw)


def test_chats_group_customer_turns(tmp_path):
    p = tmp_path / "chat.jsonl"
    p.write_text("\n".join(json.dumps(t, ensure_ascii=False) for t in CHAT_TURNS) + "\n", encoding="utf-8")
    recs, quar, read = ingest(chat_source(), p)
    assert read == 6
    assert len(recs) == 1
    r = recs.iloc[0]
    assert r.text == "주문한 지 일주일인데 배송이 안 와요\n빨리 부탁드려요"
    assert r.input_rows == 3 and r.source_row == 2 and r.source_id == "c1"
    assert r.created_at == pd.Timestamp("2026-11-16 09:00", tz="Asia/Seoul")
    assert "확인해" not in r.text
    assert sorted(quar.reason_code.tolist()) == ["malformed_row", "no_customer_turn", "no_customer_turn"]


def test_chats_custom_speaker(tmp_path):
    p = tmp_path / "chat.csv"
    p.write_text("대화ID,순번,화자,발화내용,일시\nk1,1,A,안녕하세요 결제가 안돼요,2026-11-16\nk1,2,B,확인할게요,2026-11-16\n",
                 encoding="utf-8")
    src = SourceConfig(name="chat", channel="chat", path="chat.csv", customer_speakers=["A"],
                       columns=ColumnMapping(text="발화내용", conversation_id="대화ID", speaker="화자",
                                             turn="순번", created_at="일시"))
    recs, _, read = ingest(src, p)
    assert recs.text.tolist() == ["안녕하세요 결제가 안돼요"] and read == 2


def test_chat_batches_count_conversations(tmp_path):
    p = tmp_path / "chat.csv"
    lines = ["cid,speaker,text"] + [f"c{i},고객,문의 {i}\nc{i},상담원,답변 {i}" for i in range(5)]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    src = SourceConfig(name="chat", channel="chat", path="chat.csv",
                       columns=ColumnMapping(text="text", conversation_id="cid", speaker="speaker"))
    batches = list(read_source(src, p, batch_rows=2, period=PERIOD, fallback_period="2026-W47"))
    assert [len(b.records) for b in batches] == [2, 2, 1]
    assert sum(b.rows_read for b in batches) == 10


def test_empty_and_header_only_files(tmp_path):
    for content in (b"", "접수번호,접수일시,고객연락처,문의내용\n".encode("cp949")):
        p = tmp_path / "complaints.csv"
        p.write_bytes(content)
        recs, quar, read = ingest(complaint_source(), p)
        assert read == 0 and recs.empty and quar.empty


def test_garbage_csv_raises_naming_file(tmp_path):
    p = tmp_path / "complaints.csv"
    p.write_bytes(bytes(range(256)) * 50)
    with pytest.raises(UnreadableInputError, match=r"complaints\.csv"):
        ingest(complaint_source(), p)


def test_missing_mapped_column_is_config_error(tmp_path):
    p = tmp_path / "complaints.csv"
    p.write_text("번호,내용\n1,가\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="문의내용"):
        ingest(complaint_source(), p)


def test_encoding_errors_quarantined_rest_read(tmp_path):
    p = tmp_path / "complaints.csv"
    good = COMPLAINTS.encode("cp949")
    p.write_bytes(good + b"A9,2026-11-20,,\xff\xfe\xfd\n")
    recs, quar, read = ingest(complaint_source(), p)
    assert read == 8 and len(recs) == 3 and quar.reason_code.tolist()[-1] == "encoding"


def test_source_file_never_absolute(tmp_path):
    p = tmp_path / "complaints.csv"
    p.write_bytes(COMPLAINTS.encode("cp949"))
    recs = ingest(complaint_source(), p.resolve())[0]
    assert not Path(recs.source_file[0]).is_absolute()
