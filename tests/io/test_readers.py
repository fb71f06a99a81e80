import json
from datetime import datetime

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from voc_pipeline.errors import UnreadableInputError
from voc_pipeline.io.readers import as_text, detect_format, open_table


def rows(reader):
    return list(reader)


def test_csv_cp949_korean_headers(tmp_path):
    p = tmp_path / "민원.csv"
    p.write_bytes("접수번호,문의내용\n1,배송이 늦어요\n2,\"환불, 언제?\"\n".encode("cp949"))
    r = open_table(p)
    assert r.columns == ["접수번호", "문의내용"]
    out = rows(r)
    assert [x.source_row for x in out] == [1, 2]
    assert out[1].values == {"접수번호": "2", "문의내용": "환불, 언제?"}


def test_csv_bom_stripped_from_first_header(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes("\ufeffid,text\n1,좋아요\n".encode())
    assert open_table(p).columns == ["id", "text"]


def test_csv_multiline_quoted_field_is_one_row(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text('id,text\n1,"첫 줄\n둘째 줄"\n2,셋째\n', encoding="utf-8")
    out = rows(open_table(p))
    assert [x.source_row for x in out] == [1, 2]
    assert out[0].values["text"] == "첫 줄\n둘째 줄"


def test_csv_malformed_rows(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text('id,text\n1,a,b\n2\n3,"열린 따옴표\n4,ok\n5,ok,\n', encoding="utf-8")
    out = rows(open_table(p))
    codes = [(x.source_row, x.reason_code) for x in out]
    assert codes == [(1, "malformed_row"), (2, "malformed_row"), (3, "malformed_row"), (4, None), (5, None)]
    assert out[3].values == {"id": "4", "text": "ok"}
    assert out[4].values == {"id": "5", "text": "ok"}  # trailing empty field tolerated


def test_csv_undecodable_row_quarantined_not_replaced(tmp_path):
    p = tmp_path / "a.csv"
    body = "".join(f"{i},배송 문의입니다 {i}\n" for i in range(10)).encode("cp949")
    p.write_bytes("id,text\n".encode("cp949") + body + b"99,\xff\xff\xff\n")
    out = rows(open_table(p))
    assert out[-1].reason_code == "encoding" and out[-1].values is None
    assert all(x.values for x in out[:-1])
    assert out[0].values["text"] == "배송 문의입니다 0"


def test_csv_empty_and_header_only(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    assert open_table(empty).columns == [] and rows(open_table(empty)) == []
    header = tmp_path / "h.csv"
    header.write_text("id,text\n\n\n", encoding="utf-8")
    assert rows(open_table(header)) == []


def test_csv_tab_delimited(tmp_path):
    p = tmp_path / "a.tsv"
    p.write_text("id\ttext\n1\t좋음, 만족\n", encoding="utf-8")
    assert rows(open_table(p))[0].values == {"id": "1", "text": "좋음, 만족"}


def test_binary_garbage_csv(tmp_path):
    p = tmp_path / "garbage.csv"
    p.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(UnreadableInputError, match=r"garbage\.csv"):
        open_table(p)


def test_xlsx_title_row_and_sheets(tmp_path):
    p = tmp_path / "리뷰.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "요약"
    ws.append(["이 시트는 요약입니다"])
    ws2 = wb.create_sheet("리뷰")
    ws2.append(["2026년 11월 리뷰 내보내기"])
    ws2.append([])
    ws2.append(["리뷰ID", "작성일", "리뷰내용", "별점"])
    ws2.append([101, datetime(2026, 11, 16, 9, 12), "배송 빨라요", 5])
    ws2.append([None, None, None, None])
    ws2.append([102, "2026-11-17", "포장이 엉망", "2점"])
    wb.save(p)
    r = open_table(p, sheet="리뷰")
    assert r.columns == ["리뷰ID", "작성일", "리뷰내용", "별점"]
    out = rows(r)
    assert [x.source_row for x in out] == [4, 6]
    assert out[0].values["작성일"] == datetime(2026, 11, 16, 9, 12)
    assert rows(open_table(p, sheet=1))[1].values["리뷰내용"] == "포장이 엉망"
    with pytest.raises(UnreadableInputError, match=r"없음|no sheet"):
        open_table(p, sheet="없음")


def test_xlsx_not_a_zip(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"not a workbook")
    with pytest.raises(UnreadableInputError):
        open_table(p)


def test_jsonl(tmp_path):
    p = tmp_path / "chat.jsonl"
    lines = [json.dumps({"conversation_id": "c1", "speaker": "고객", "message": "안녕하세요"}, ensure_ascii=False),
             "", "{broken", "[1, 2]"]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = open_table(p)
    assert r.columns == ["conversation_id", "speaker", "message"]
    out = rows(r)
    assert [(x.source_row, x.reason_code) for x in out] == [(1, None), (3, "malformed_row"), (4, "malformed_row")]


def test_parquet_streams_batches(tmp_path):
    p = tmp_path / "r.parquet"
    pq.write_table(pa.table({"id": list(range(10_000)), "text": ["좋아요"] * 10_000}), p)
    r = open_table(p)
    out = rows(r)
    assert len(out) == 10_000 and out[-1].source_row == 10_000 and out[-1].values["id"] == 9999


def test_detect_format():
    from pathlib import Path
    assert detect_format(Path("a.CSV")) == "csv"
    with pytest.raises(UnreadableInputError):
        detect_format(Path("a.xls"))
    with pytest.raises(UnreadableInputError):
        detect_format(Path("a.docx"))


@pytest.mark.parametrize(("value", "text"), [(None, ""), (12345.0, "12345"), (float("nan"), ""), ("  a ", "a"), (3, "3")])
def test_as_text(value, text):
    assert as_text(value) == text
