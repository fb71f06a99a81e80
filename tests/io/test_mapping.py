import json

import openpyxl
import pytest
import yaml

from voc_pipeline.config import config_from_dict
from voc_pipeline.errors import InputNotFoundError
from voc_pipeline.io.files import input_files, source_files
from voc_pipeline.io.mapping import infer_sources, sources_to_yaml


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_infer_complaint_cp949(tmp_path):
    p = write(tmp_path, "민원_2026W47.csv",
              "접수번호,접수일시,고객연락처,상품명,문의내용\n1,2026-11-16 09:00,010-1234-5678,마우스,배송이 늦어요\n",
              "cp949")
    (s,) = infer_sources([p])
    assert s.name == "민원_2026W47" and s.channel == "complaint"
    c = s.columns
    assert (c.id, c.text, c.created_at, c.customer_key, c.product) == ("접수번호", "문의내용", "접수일시", "고객연락처", "상품명")


def test_infer_review_with_title_and_scale(tmp_path):
    p = write(tmp_path, "reviews.csv", "review_id,title,body,stars,date\n1,굿,정말 좋아요,5,2026-11-16\n2,별로,그냥 그래요,2,2026-11-16\n")
    (s,) = infer_sources([p])
    assert s.channel == "review"
    assert s.columns.text == ["title", "body"] and s.columns.rating == "stars" and s.columns.rating_scale == 5


def test_infer_chat_jsonl(tmp_path):
    turns = [{"대화ID": "c1", "순번": 1, "화자": "고객", "발화내용": "결제가 안 돼요", "일시": "2026-11-16"}]
    p = write(tmp_path, "kakao.jsonl", "\n".join(json.dumps(t, ensure_ascii=False) for t in turns))
    (s,) = infer_sources([p])
    assert s.channel == "chat"
    assert (s.columns.conversation_id, s.columns.speaker, s.columns.turn, s.columns.text) == ("대화ID", "화자", "순번", "발화내용")


def test_infer_from_content_when_headers_unhelpful(tmp_path):
    p = write(tmp_path, "export.csv",
              "a,b,c\n1,2026-11-16,배송이 너무 늦고 포장도 엉망이었어요\n2,2026-11-17,환불 처리가 빨라서 좋았습니다\n")
    (s,) = infer_sources([p])
    assert s.columns.text == "c" and s.columns.created_at == "b"


def test_infer_xlsx_agent_notes(tmp_path):
    p = tmp_path / "상담메모.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["상담원 메모 내보내기"])
    wb.active.append(["메모ID", "등록일", "상담메모"])
    wb.active.append([1, "2026-11-16", "고객이 교환 요청, 매장 안내함"])
    wb.save(p)
    (s,) = infer_sources([p])
    assert s.channel == "agent_note" and s.columns.text == "상담메모" and s.columns.id == "메모ID"


def test_yaml_round_trip(tmp_path):
    a = write(tmp_path, "reviews.csv", "리뷰ID,리뷰내용,평점\n1,좋아요,5\n")
    b = write(tmp_path, "chat.csv", "conversation_id,speaker,turn,message\nc1,고객,1,안녕하세요\n")
    sources = infer_sources([a, b], base_dir=tmp_path)
    text = sources_to_yaml(sources)
    assert "# " in text and "채널" in text
    cfg = config_from_dict(yaml.safe_load(text), base_dir=tmp_path)
    assert [s.model_dump() for s in cfg.sources] == [s.model_dump() for s in sources]
    assert cfg.sources[0].path == "chat.csv"


def test_unique_source_names(tmp_path):
    (tmp_path / "x").mkdir()
    a = write(tmp_path, "a.csv", "text\n가\n")
    b = write(tmp_path / "x", "a.csv", "text\n나\n")
    assert sorted(s.name for s in infer_sources([a, b])) == ["a", "a_2"]


def test_source_files(tmp_path):
    from voc_pipeline.config import ColumnMapping, SourceConfig

    d = tmp_path / "exports"
    d.mkdir()
    for n in ("b.csv", "a.xlsx", "~$a.xlsx", ".hidden.csv", "readme.md"):
        (d / n).write_text("x")
    src = SourceConfig(name="s", channel="complaint", path="exports", columns=ColumnMapping(text="t"))
    assert [p.name for p in source_files(src, tmp_path)] == ["a.xlsx", "b.csv"]
    glob_src = src.model_copy(update={"path": "exports/*.csv"})
    assert [p.name for p in source_files(glob_src, tmp_path)] == [".hidden.csv", "b.csv"] or \
        [p.name for p in source_files(glob_src, tmp_path)] == ["b.csv"]
    with pytest.raises(InputNotFoundError):
        source_files(src.model_copy(update={"path": "nope/*.csv"}), tmp_path)
    assert [p.name for p in input_files([d])] == ["a.xlsx", "b.csv"]
    with pytest.raises(InputNotFoundError):
        input_files([tmp_path / "missing"])
