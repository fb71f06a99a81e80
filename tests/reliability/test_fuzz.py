"""Bounded hypothesis fuzzing of the readers (through ``read_source``) and of the masker.

Readers: random bytes and random csv/jsonl structures (quotes, delimiters, blank lines, CR/LF,
Korean, emoji, cp949 and UTF-8 with corrupted bytes, BOMs) never crash: the only errors are the
documented ``UnreadableInputError`` (E202, not a table) and ``ConfigError`` (E101, the mapped
column is not in the header); and every batch balances (records' input rows + quarantine ==
rows read), with every row numbered once. Masker (``Masker.mask_text``): never crashes, is
idempotent, its spans index the input and output, and the output keeps no generated PII.

    pytest tests/reliability/test_fuzz.py -s                       # counts printed at the end
    VOC_FUZZ_EXAMPLES=2000 pytest tests/reliability/test_fuzz.py -s # a longer local run
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voc_pipeline.config import ColumnMapping, SourceConfig
from voc_pipeline.errors import ConfigError, UnreadableInputError
from voc_pipeline.stages.ingest import read_source
from voc_pipeline.stages.mask import Masker

N = int(os.environ.get("VOC_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=N or 150, deadline=None, derandomize=not N,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
COUNTS: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    line = "fuzz inputs tried: " + ", ".join(f"{k}={v}" for k, v in sorted(COUNTS.items()))
    print("\n" + line)
    if path := os.environ.get("VOC_FUZZ_COUNTS"):
        Path(path).write_text(json.dumps(dict(COUNTS), indent=1), encoding="utf-8")


SOURCE = SourceConfig(name="fuzz", channel="review", path="x",
                      columns=ColumnMapping(id="id", text="text", created_at="date", rating="rating"))
CHAT = SourceConfig(name="chat", channel="chat", path="x",
                    columns=ColumnMapping(text="text", created_at="date", conversation_id="cid", speaker="speaker"))


def _ingest(data: bytes, suffix: str, source: SourceConfig = SOURCE) -> str:
    """Read ``data`` as a file; check the accounting; the outcome's name."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            rows = 0
            numbers: list[int] = []
            for batch in read_source(source, path, batch_rows=7, fallback_period="2026-W47", base_dir=tmp):
                recs, quar = batch.records, batch.quarantine
                assert int(recs["input_rows"].sum()) + len(quar) == batch.rows_read
                assert not recs["text"].isna().any() and (recs["text"].str.len() > 0).all()
                assert (quar["reason_code"].notna()).all() and (quar["excerpt"].str.len() <= 200).all()
                rows += batch.rows_read
                numbers += quar["source_row"].tolist()
                if source is not CHAT:
                    numbers += recs["source_row"].tolist()
            if source is not CHAT:   # every row once, none invented (csv: data records 1..n)
                assert len(set(numbers)) == len(numbers) == rows
                if suffix in (".csv", ".tsv"):
                    assert sorted(numbers) == list(range(1, rows + 1))
            return "read"
        except UnreadableInputError:
            return "unreadable"
        except ConfigError:
            return "no_text_column"


# --- readers ---------------------------------------------------------------------------------

@FUZZ
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".csv", ".tsv", ".jsonl", ".xlsx", ".parquet"]))
def test_random_bytes_never_crash_a_reader(data, suffix):
    COUNTS[f"bytes_{_ingest(data, suffix)}"] += 1


_cell = st.text(alphabet=st.sampled_from([*list('가나다배송환불 abc019"\',;|\t\r\n\\😀ㅠ★'), "\u3000", "\ufeff"]),
                max_size=12)
_header = st.sampled_from(["id,text,date,rating", "text", "id,text", "text,date", '"id","text"', "\ufeffid,text",
                           "id\ttext\tdate", "id;text", "nothing,here"])


@st.composite
def _csv(draw) -> bytes:
    header = draw(_header)
    delim = "\t" if "\t" in header else ";" if ";" in header else ","
    rows = draw(st.lists(st.lists(_cell, min_size=0, max_size=6), max_size=12))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    if draw(st.booleans()):   # mostly well-formed rows of the header's width
        width = len(header.split(delim))
        rows = [r[:width] + [""] * (width - len(r)) if draw(st.integers(0, 4)) else r for r in rows]
    lines = [header] + [delim.join(r) for r in rows]
    text = eol.join(lines) + draw(st.sampled_from(["", eol, eol + eol]))
    encoding = draw(st.sampled_from(["utf-8", "cp949", "utf-8-sig"]))
    data = text.encode(encoding, errors="ignore")
    if data and draw(st.booleans()):   # corrupt a few bytes
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 3))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0x80, 0xFF))
        data = bytes(data)
    return data, header


def _source_for(header: str) -> SourceConfig:
    """Map only the columns the header names, so the fuzz reaches the rows (not E101)."""
    names = {n.strip('"\ufeff') for n in header.replace("\t", ",").replace(";", ",").split(",")}
    cols = {k: k for k in ("id", "date", "rating") if k in names}
    cols = {"created_at" if k == "date" else k: v for k, v in cols.items()}
    return SourceConfig(name="fuzz", channel="review", path="x", columns=ColumnMapping(text="text", **cols))


@FUZZ
@given(case=_csv())
def test_random_csv_structures(case):
    data, header = case
    COUNTS[f"csv_{_ingest(data, '.csv', _source_for(header))}"] += 1


@st.composite
def _jsonl(draw) -> bytes:
    def line():
        return draw(st.one_of(
            st.fixed_dictionaries({"id": _cell, "text": _cell, "date": st.sampled_from(["2026-11-16", "", "어제", "x"]),
                                   "cid": st.sampled_from(["a", "b", ""]), "speaker": st.sampled_from(["고객", "상담사"])})
            .map(lambda d: json.dumps(d, ensure_ascii=draw(st.booleans()))),
            _cell, st.just("[1,2]"), st.just('{"text": "열린'), st.just(""),
        ))
    data = "\n".join(line() for _ in range(draw(st.integers(0, 10)))).encode("utf-8")
    if data and draw(st.booleans()):
        data = bytearray(data)
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0x80, 0xFF))
        data = bytes(data)
    return data


@FUZZ
@given(data=_jsonl(), chat=st.booleans())
def test_random_jsonl_structures(data, chat):
    COUNTS[f"jsonl_{_ingest(data, '.jsonl', CHAT if chat else SOURCE)}"] += 1


# --- masker ----------------------------------------------------------------------------------

MASKER = Masker()
_PII = st.one_of(
    st.from_regex(r"010-[2-9]\d{3}-\d{4}", fullmatch=True),
    st.from_regex(r"[a-z]{3,8}\.[a-z]{2,6}@example\.(com|co\.kr)", fullmatch=True),
    st.sampled_from(["4111-1111-1111-1111", "900101-1234568", "minjun.kim77@example.com"]),
)
_TEXT = st.text(alphabet=st.sampled_from(list("가나다라배송환불이가요는 .,!?()-@0123456789abcXYZ\n😀ㅠㅋ[]")), max_size=80)


@settings(max_examples=N or 400, deadline=None, derandomize=not N, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200))
def test_masker_never_crashes_and_is_idempotent_on_any_text(text):
    COUNTS["masker_any_text"] += 1
    once = MASKER.mask_text(text)
    assert MASKER.mask_text(once.text).text == once.text
    for span in once.spans:
        assert 0 <= span.start < span.end <= len(text)
        assert once.text[span.out_start:span.out_end].startswith("[")


@settings(max_examples=N or 300, deadline=None, derandomize=not N, suppress_health_check=[HealthCheck.too_slow])
@given(before=_TEXT, pii=_PII, after=_TEXT)
def test_masker_removes_embedded_pii(before, pii, after):
    COUNTS["masker_embedded_pii"] += 1
    text = f"{before} {pii} {after}"
    out = MASKER.mask_text(text).text
    assert pii not in out
    assert MASKER.mask_text(out).text == out
