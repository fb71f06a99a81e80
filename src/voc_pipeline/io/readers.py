"""csv / xlsx / jsonl / parquet -> raw rows (column -> value) with their ``source_row`` numbers.

Every reader streams: it holds one row (csv/jsonl/xlsx) or one Arrow record batch (parquet) at a
time. A reader never drops a row silently: a row it cannot parse comes out as a :class:`RawRow`
with ``values=None`` and a quarantine reason (``encoding``, ``malformed_row``). Completely blank
lines (csv/jsonl) and completely blank spreadsheet rows are not rows and are not counted.

``source_row`` is 1-based: csv = data record number (header excluded; a quoted field spanning
lines is one record), xlsx = the sheet's row number, jsonl = the physical line number,
parquet = row number in the file.
"""

from __future__ import annotations

import csv
import json
import math
import re
import sys
import zipfile
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from voc_pipeline.errors import UnreadableInputError
from voc_pipeline.io.encoding import EncodingGuess, decode_line, detect_encoding

EXCERPT_CHARS = 200
#: a quoted csv field may span at most this many physical lines; beyond that (or at end of file)
#: the quote is taken as unterminated: the record's first line is quarantined and reading resumes
#: on the next physical line.
MAX_RECORD_LINES = 500
# The csv module refuses fields over 128 KiB ("field larger than field limit"); a long review is
# a valid row (ingest quarantines it as too_long, policy too_long), not a malformed one.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

FORMAT_BY_SUFFIX = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".parquet": "parquet", ".pq": "parquet",
}
SUPPORTED_SUFFIXES = frozenset(FORMAT_BY_SUFFIX)


@dataclass(slots=True)
class RawRow:
    source_row: int
    values: dict[str, Any] | None        # None: rejected while reading (see reason_code)
    reason_code: str | None = None
    reason: str | None = None
    excerpt: str = ""


def detect_format(path: Path, fmt: str = "auto") -> str:
    if fmt and fmt != "auto":
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UnreadableInputError(
            f"예전 Excel(.xls) 형식은 읽을 수 없습니다. .xlsx 또는 .csv로 저장해 주세요: {path}",
            f"legacy .xls is not supported, save as .xlsx or .csv: {path}",
        )
    if suffix not in FORMAT_BY_SUFFIX:
        raise UnreadableInputError(
            f"지원하지 않는 파일 형식입니다({suffix or '확장자 없음'}): {path}",
            f"unsupported file type ({suffix or 'no extension'}): {path}",
        )
    return FORMAT_BY_SUFFIX[suffix]


#: what a cut excerpt drops from its end: a run of ASCII letters/digits and the separators of
#: phone, card, account, e-mail and id spellings (so no half number survives to dodge the masker)
_CUT_TAIL = re.compile(r"[\s0-9A-Za-z@._+\-()/:#*]*$")
_CUT_BACKOFF = 60


def excerpt(text: str) -> str:
    """At most ``EXCERPT_CHARS`` characters of ``text`` for a quarantine row (RAW; the mask stage
    masks it). policy excerpt_cut: a longer text is cut at a word boundary and any trailing run of
    digits/ASCII/separators is dropped, so the masker never sees a truncated phone, card, e-mail
    or name that it could no longer recognise; the cut is marked with '…'."""
    text = text.strip()
    if len(text) <= EXCERPT_CHARS:
        return text
    n = EXCERPT_CHARS - 1   # room for the '…'
    cut = text[:n]
    if not text[n].isspace():
        # back off to the last separator within _CUT_BACKOFF chars (a word, csv field or line);
        # a longer run without any separator is not a word: it is cut where it is
        at = max(cut.rfind(c, n - _CUT_BACKOFF) for c in (" ", "\t", "\n", ",", ";", "|"))
        cut = cut[:at] if at > 0 else cut
    head, tail = cut[:-_CUT_BACKOFF], cut[-_CUT_BACKOFF:]
    return (head + _CUT_TAIL.sub("", tail)).rstrip() + "…"


def _unique_names(names: Sequence[Any]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(names):
        name = "" if raw is None else str(raw).strip().lstrip("\ufeff").strip()
        if not name:
            name = f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def error_excerpt(text: str, delimiter: str = ",") -> str:
    """policy error_excerpt: the excerpt of a row that could not be read as a row (wrong field
    count, broken quotes, undecodable bytes) is its first field (usually the id) and its longest
    field (the free text) of its first line, not the whole record: short unmapped fields such as a
    bare customer name carry no context the masker could recognise them by, so they are left out."""
    line = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")   # a broken record: its first line only
    try:
        fields = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        fields = line.split(delimiter)
    fields = [f.strip() for f in fields if f and f.strip()]
    if len(fields) <= 1:
        return excerpt(line)
    longest = max(fields[1:], key=len)
    return excerpt(f"{fields[0]} | {longest}")


# --- csv -------------------------------------------------------------------------------------


def _ends_in_quote(text: str, delimiter: str, in_quotes: bool) -> bool:
    """RFC 4180 state after ``text``: whether we are inside a quoted field."""
    if '"' not in text:
        return in_quotes
    at_field_start = not in_quotes
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if in_quotes:
            if c == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 1
                else:
                    in_quotes = False
        elif c == '"' and at_field_start:
            in_quotes = True
        at_field_start = c in (delimiter, "\n", "\r") and not in_quotes
        i += 1
    return in_quotes


class CsvReader:
    """Line-based csv reader with per-line strict decoding (policy names in docs/ingest.md)."""

    format = "csv"

    def __init__(self, path: Path, encoding: str | None = None, delimiter: str | None = None):
        self.path = Path(path)
        self.guess: EncodingGuess = detect_encoding(self.path, encoding)
        self._lines = self._physical_lines()
        self._pushback: deque[tuple[str, bool, int]] = deque()
        header = self._header_line()
        if header is None:
            self.columns: list[str] = []
            self.delimiter = delimiter or ","
            return
        text, ok, _ = header
        if not ok:
            raise UnreadableInputError(
                f"머리글 행을 해석할 수 없습니다(인코딩 {self.guess.encoding}): {self.path}",
                f"cannot decode the header line as {self.guess.encoding}: {self.path}",
            )
        self.delimiter = delimiter or self._sniff(text)
        try:
            names = next(csv.reader([text], delimiter=self.delimiter))
        except (csv.Error, StopIteration):
            names = []
        self.columns = _unique_names(names)

    def _sniff(self, header: str) -> str:
        if self.path.suffix.lower() == ".tsv":
            return "\t"
        counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] > 0 else ","

    def _physical_lines(self) -> Iterator[tuple[str, bool, int]]:
        """(decoded text, decoded ok, physical line number)."""
        if not self.guess.line_based:
            try:
                with self.path.open(encoding=self.guess.encoding, newline="") as fh:
                    for n, line in enumerate(fh, start=1):
                        yield line.lstrip("\ufeff") if n == 1 else line, True, n
            except UnicodeDecodeError as err:
                raise UnreadableInputError(
                    f"파일을 {self.guess.encoding}(으)로 해석할 수 없습니다: {self.path}",
                    f"cannot decode {self.path} as {self.guess.encoding}: {err}",
                ) from None
            return
        with self.path.open("rb") as fh:
            fh.read(self.guess.bom_length)
            for n, raw in enumerate(fh, start=1):
                text, ok = decode_line(raw, self.guess.encoding)
                yield text, ok, n

    def _next_line(self) -> tuple[str, bool, int] | None:
        if self._pushback:
            return self._pushback.popleft()
        return next(self._lines, None)

    def _header_line(self) -> tuple[str, bool, int] | None:
        while (line := self._next_line()) is not None:
            if line[0].strip():
                return line
        return None

    def __iter__(self) -> Iterator[RawRow]:
        if not self.columns:
            return
        width = len(self.columns)
        row_no = 0
        while True:
            first = self._next_line()
            if first is None:
                return
            if not first[0].strip():
                continue  # blank line: not a row
            pending = [first]
            in_quotes = _ends_in_quote(first[0], self.delimiter, False)
            while in_quotes and len(pending) < MAX_RECORD_LINES:
                nxt = self._next_line()
                if nxt is None:
                    break
                pending.append(nxt)
                in_quotes = _ends_in_quote(nxt[0], self.delimiter, True)
            row_no += 1
            if in_quotes:
                # policy unterminated_quote: quarantine the first line, re-read the rest
                self._pushback.extendleft(reversed(pending[1:]))
                yield RawRow(row_no, None, "malformed_row",
                             f"닫히지 않은 따옴표 (줄 {first[2]}) / unterminated quote (line {first[2]})",
                             error_excerpt(first[0], self.delimiter))
                continue
            text = "".join(p[0] for p in pending)
            if not all(p[1] for p in pending):
                yield RawRow(row_no, None, "encoding",
                             f"{self.guess.encoding}로 해석할 수 없는 바이트 (줄 {first[2]}) / "
                             f"undecodable bytes for {self.guess.encoding} (line {first[2]})",
                             error_excerpt(text, self.delimiter))
                continue
            try:
                fields = next(csv.reader([p[0] for p in pending], delimiter=self.delimiter, strict=True))
            except (csv.Error, StopIteration) as err:
                yield RawRow(row_no, None, "malformed_row",
                             f"CSV 구문 오류 (줄 {first[2]}) / csv syntax error (line {first[2]}): {err}",
                             error_excerpt(text, self.delimiter))
                continue
            if len(fields) > width and not any(f.strip() for f in fields[width:]):
                fields = fields[:width]  # policy trailing_empty_fields: tolerated
            if len(fields) != width:
                yield RawRow(row_no, None, "malformed_row",
                             f"열 {width}개 예상, {len(fields)}개 (줄 {first[2]}) / "
                             f"expected {width} fields, got {len(fields)} (line {first[2]})",
                             error_excerpt(text, self.delimiter))
                continue
            yield RawRow(row_no, dict(zip(self.columns, fields, strict=True)))


# --- jsonl -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


class JsonlReader:
    """One JSON object per line; ``columns`` = keys of the first 200 objects, in order seen."""

    format = "jsonl"
    PEEK = 200

    def __init__(self, path: Path, encoding: str | None = None):
        self.path = Path(path)
        self.guess = detect_encoding(self.path, encoding)
        if not self.guess.line_based:
            raise UnreadableInputError(f"JSONL은 UTF-8이어야 합니다: {path}", f"jsonl must be UTF-8: {path}")
        self._rows = self._parse()
        self._peeked: list[RawRow] = []
        cols: dict[str, None] = {}
        for row in self._rows:
            self._peeked.append(row)
            if row.values:
                cols.update(dict.fromkeys(row.values))
            if len(self._peeked) >= self.PEEK:
                break
        self.columns = list(cols)

    def _parse(self) -> Iterator[RawRow]:
        with self.path.open("rb") as fh:
            fh.read(self.guess.bom_length)
            for n, raw in enumerate(fh, start=1):
                text, ok = decode_line(raw, self.guess.encoding)
                if not text.strip():
                    continue
                if not ok:
                    yield RawRow(n, None, "encoding",
                                 f"{self.guess.encoding}로 해석할 수 없는 바이트 / undecodable bytes",
                                 excerpt(text))
                    continue
                try:
                    obj = json.loads(text)
                except ValueError as err:
                    yield RawRow(n, None, "malformed_row", f"JSON 오류 / invalid JSON: {err}", excerpt(text))
                    continue
                if not isinstance(obj, dict):
                    yield RawRow(n, None, "malformed_row", "JSON 객체가 아님 / not a JSON object",
                                 excerpt(text))
                    continue
                yield RawRow(n, {str(k): _plain(v) for k, v in obj.items()})

    def __iter__(self) -> Iterator[RawRow]:
        yield from self._peeked
        self._peeked = []
        yield from self._rows


# --- parquet ---------------------------------------------------------------------------------


class ParquetReader:
    format = "parquet"

    def __init__(self, path: Path, columns: Sequence[str] | None = None, batch_size: int = 4096):
        import pyarrow.parquet as pq

        self.path = Path(path)
        try:
            self._file = pq.ParquetFile(self.path)
        except Exception as err:  # pyarrow raises ArrowInvalid/OSError for non-parquet bytes
            raise UnreadableInputError(
                f"Parquet 파일을 읽을 수 없습니다: {path}", f"cannot read parquet file {path}: {err}"
            ) from None
        self.columns = list(self._file.schema_arrow.names)
        self._projection = [c for c in columns if c in self.columns] if columns else None
        self.batch_size = batch_size

    def __iter__(self) -> Iterator[RawRow]:
        n = 0
        for batch in self._file.iter_batches(batch_size=self.batch_size, columns=self._projection):
            for values in batch.to_pylist():
                n += 1
                yield RawRow(n, {k: _plain(v) for k, v in values.items()})


# --- xlsx ------------------------------------------------------------------------------------


def _cell_text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _norm_header(v: Any) -> str:
    return "".join(_cell_text(v).lower().split()).replace("_", "")


class XlsxReader:
    """openpyxl read-only streaming; first sheet unless ``sheet`` (name, or 0-based index).

    policy ``title_row``: the header is the first row (of the first 30) with at least two
    non-empty cells that match known header names (mapping synonyms + configured columns);
    without such a row, the first row with at least two non-empty cells. Rows above the header
    (report titles, export dates) are not data and are not counted.
    """

    format = "xlsx"
    SCAN_ROWS = 30

    def __init__(self, path: Path, sheet: str | int | None = None, header_hints: Iterable[str] = ()):
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        self.path = Path(path)
        try:
            self._wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as err:
            raise UnreadableInputError(
                f"Excel 파일을 읽을 수 없습니다: {path}", f"cannot read xlsx file {path}: {err}"
            ) from None
        self.sheet_names = list(self._wb.sheetnames)
        try:
            if sheet is None:
                self._ws = self._wb.worksheets[0]
            elif isinstance(sheet, int):
                self._ws = self._wb.worksheets[sheet]
            else:
                self._ws = self._wb[sheet]
        except (IndexError, KeyError):
            self._wb.close()
            raise UnreadableInputError(
                f"시트 '{sheet}'가 없습니다 (있는 시트: {', '.join(self.sheet_names)}): {path}",
                f"no sheet '{sheet}' (sheets: {', '.join(self.sheet_names)}): {path}",
            ) from None
        from voc_pipeline.io.mapping import known_header_names

        known = {_norm_header(h) for h in known_header_names()} | {_norm_header(h) for h in header_hints}
        self._rows = self._ws.iter_rows(values_only=True)
        self._peeked: list[tuple[int, tuple]] = []
        self.header_row = 0
        self.columns: list[str] = []
        fallback: tuple[int, tuple] | None = None
        for n, row in enumerate(self._rows, start=1):
            self._peeked.append((n, row))
            filled = [c for c in row if _cell_text(c)]
            if len(filled) >= 2 and sum(_norm_header(c) in known for c in filled) >= 2:
                self._set_header(n, row)
                break
            if fallback is None and len(filled) >= 2:
                fallback = (n, row)
            if n >= self.SCAN_ROWS:
                break
        if not self.columns:
            if fallback is None:
                fallback = next(((n, r) for n, r in self._peeked if any(_cell_text(c) for c in r)), None)
            if fallback is not None:
                self._set_header(*fallback)
        self._peeked = [(n, r) for n, r in self._peeked if n > self.header_row]

    def _set_header(self, n: int, row: tuple) -> None:
        cells = list(row)
        while cells and not _cell_text(cells[-1]):
            cells.pop()
        self.header_row = n
        self.columns = _unique_names(cells)

    def __iter__(self) -> Iterator[RawRow]:
        if not self.columns:
            self._wb.close()
            return
        width = len(self.columns)

        def rows() -> Iterator[tuple[int, tuple]]:
            yield from self._peeked
            yield from enumerate(self._rows, start=self.header_row + 1 + len(self._peeked))

        try:
            for n, row in rows():
                cells = tuple(row[:width]) + (None,) * max(0, width - len(row))
                if not any(_cell_text(c) for c in cells):
                    continue  # policy blank_sheet_row: skipped, not counted
                yield RawRow(n, dict(zip(self.columns, cells, strict=True)))
        finally:
            self._wb.close()


# --- dispatch --------------------------------------------------------------------------------


def open_table(
    path: Path,
    fmt: str = "auto",
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    header_hints: Iterable[str] = (),
    columns: Sequence[str] | None = None,
):
    """A reader with ``.columns`` and iteration over :class:`RawRow`. ``columns`` is a
    projection hint (used by parquet only)."""
    path = Path(path)
    kind = detect_format(path, fmt)
    if kind == "csv":
        return CsvReader(path, encoding)
    if kind == "jsonl":
        return JsonlReader(path, encoding)
    if kind == "parquet":
        return ParquetReader(path, columns=columns)
    if kind == "xlsx":
        return XlsxReader(path, sheet=sheet, header_hints=header_hints)
    raise UnreadableInputError(f"알 수 없는 형식: {fmt}", f"unknown format: {fmt}")


def as_text(value: Any) -> str:
    """A cell value as stripped text ('' for missing); integral floats lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").strip()
    return str(value).strip()
