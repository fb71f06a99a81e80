"""Infer a source (channel + ColumnMapping) from an export's Korean/English headers and content,
and write sources as an editable YAML config (``voc-pipeline init``).

Headers are compared after lower-casing and removing spaces, ``_`` and ``-``. Exact synonym
matches win over "contains" matches; a column is used for one field only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from voc_pipeline.config import ColumnMapping, SourceConfig

#: field -> header synonyms (Korean and English), most specific first
SYNONYMS: dict[str, tuple[str, ...]] = {
    "conversation_id": ("conversation_id", "대화ID", "대화번호", "상담ID", "세션ID", "chat_id",
                        "session_id", "thread_id", "room_id", "채팅방ID"),
    "speaker": ("speaker", "화자", "발화자", "발신자", "작성자구분", "role", "sender", "sender_type"),
    "turn": ("turn", "turn_index", "순번", "발화순서", "메시지순번", "seq", "sequence", "msg_seq"),
    "id": ("접수번호", "리뷰ID", "리뷰번호", "상담번호", "문의번호", "민원번호", "티켓번호", "메모ID",
           "ticket_id", "review_id", "note_id", "id", "번호", "no"),
    "title": ("제목", "title", "subject", "리뷰제목", "문의제목"),
    "text": ("문의내용", "리뷰내용", "상담내용", "민원내용", "불만내용", "메모내용", "상담메모", "메시지",
             "발화내용", "내용", "본문", "메모", "의견", "후기", "message", "text", "content",
             "review", "body", "comment", "note", "utterance", "description"),
    "created_at": ("접수일시", "작성일시", "작성일", "작성일자", "등록일시", "등록일", "일시", "접수일",
                   "상담일시", "발화시각", "시각", "날짜", "date", "datetime", "created_at",
                   "createdat", "timestamp", "time", "created"),
    "rating": ("평점", "별점", "만족도", "점수", "rating", "score", "stars", "star"),
    "nps": ("추천의향", "추천점수", "nps", "nps_score", "recommend"),
    "customer_key": ("고객연락처", "연락처", "고객ID", "회원ID", "고객번호", "회원번호", "휴대폰",
                     "전화번호", "customer_id", "user_id", "member_id", "phone", "customer", "email"),
    "product": ("상품명", "제품명", "상품", "제품", "모델명", "서비스명", "product", "product_name", "item"),
}

#: which fields' synonyms may also match by substring ("고객문의내용" contains "문의내용")
_CONTAINS_OK = {"text", "created_at", "rating", "product", "customer_key", "title"}

#: channel hints in file names (lower-cased stem)
FILE_CHANNEL_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("chat", ("chat", "채팅", "talk", "톡", "대화")),
    ("review", ("review", "리뷰", "후기", "평점")),
    ("agent_note", ("note", "메모", "agent", "상담원")),
    ("complaint", ("complaint", "민원", "불만", "접수", "voc", "ticket", "문의")),
    ("chat", ("상담",)),
)

_HANGUL = re.compile(r"[가-힣]")


def _norm(name: Any) -> str:
    return re.sub(r"[\s_\-]+", "", str(name or "")).lower()


def known_header_names() -> list[str]:
    return [s for names in SYNONYMS.values() for s in names]


def _match_headers(columns: Sequence[str]) -> dict[str, str]:
    """field -> column, by exact synonym first, then by substring for some fields."""
    found: dict[str, str] = {}
    used: set[str] = set()
    normed = {c: _norm(c) for c in columns}
    for contains in (False, True):
        for field, names in SYNONYMS.items():
            if field in found or (contains and field not in _CONTAINS_OK):
                continue
            for syn in names:
                s = _norm(syn)
                hit = next(
                    (c for c in columns if c not in used
                     and (normed[c] == s or (contains and len(s) >= 2 and s in normed[c]))),
                    None,
                )
                if hit is not None:
                    found[field] = hit
                    used.add(hit)
                    break
    return found


def _sample_rows(path: Path, limit: int = 200) -> tuple[list[str], list[dict[str, Any]]]:
    from voc_pipeline.io.readers import open_table

    reader = open_table(path)
    rows: list[dict[str, Any]] = []
    for raw in reader:
        if raw.values is not None:
            rows.append(raw.values)
        if len(rows) >= limit:
            break
    return list(reader.columns), rows


def _column_stats(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    from voc_pipeline.io.readers import as_text
    from voc_pipeline.stages._ingest.dates import parse_datetime

    stats: dict[str, dict[str, float]] = {}
    for c in columns:
        values = [r.get(c) for r in rows]
        texts = [as_text(v) for v in values]
        filled = [t for t in texts if t]
        n = max(1, len(filled))
        dates = 0
        for v, t in zip(values, texts, strict=True):
            if not t or (isinstance(v, int | float) and not 20000 <= v <= 80000):
                continue
            try:
                parse_datetime(v)
                dates += 1
            except ValueError:
                pass
        stats[c] = {
            "filled": len(filled) / max(1, len(rows)),
            "avg_len": sum(len(t) for t in filled) / n,
            "hangul": sum(bool(_HANGUL.search(t)) for t in filled) / n,
            "dates": dates / n,
            "unique": len(set(filled)) / n,
        }
    return stats


def _guess_channel(stem: str, fields: dict[str, str]) -> str:
    if "speaker" in fields and "conversation_id" in fields:
        return "chat"
    if "rating" in fields:
        return "review"
    if any(k in _norm(fields.get("text", "")) for k in ("상담메모", "메모", "note", "agent")):
        return "agent_note"
    low = stem.lower()
    for channel, hints in FILE_CHANNEL_HINTS:
        if any(h in low for h in hints):
            return channel
    return "complaint"


def _infer_rating_scale(rows: Sequence[dict[str, Any]], column: str) -> float | None:
    from voc_pipeline.stages._ingest.ratings import infer_scale, parse_rating

    values = [parse_rating(r.get(column)) for r in rows]
    nums = [x for x, _ in values if not math.isnan(x)]
    if not nums:
        return None
    return infer_scale(max(nums), {s for _, s in values if s})


def infer_mapping(columns: Sequence[str], rows: Sequence[dict[str, Any]], stem: str = "") -> tuple[str, ColumnMapping]:
    """(channel, mapping) from headers, then content for what the headers did not say."""
    fields = _match_headers(columns)
    stats = _column_stats(columns, rows)
    used = set(fields.values())
    if "text" not in fields:
        # policy content_text: the longest average Korean text column
        candidates = [c for c in columns if c not in used and stats[c]["hangul"] >= 0.5]
        candidates = candidates or [c for c in columns if c not in used]
        if candidates:
            fields["text"] = max(candidates, key=lambda c: (stats[c]["avg_len"] * (0.5 + stats[c]["hangul"])))
            used.add(fields["text"])
    if "created_at" not in fields:
        # policy content_date: a column whose values mostly parse as dates
        dated = [c for c in columns if c not in used and stats[c]["dates"] >= 0.8 and stats[c]["filled"] > 0]
        if dated:
            fields["created_at"] = dated[0]
            used.add(dated[0])
    if "text" not in fields:
        fields["text"] = columns[0] if columns else "text"
    title = fields.pop("title", None)
    text: str | list[str] = [title, fields["text"]] if title else fields["text"]
    channel = _guess_channel(stem, {**fields, "text": fields["text"]})
    if channel != "chat":
        for f in ("conversation_id", "speaker", "turn"):
            fields.pop(f, None)
    rating_scale = _infer_rating_scale(rows, fields["rating"]) if "rating" in fields else None
    mapping = ColumnMapping(
        id=fields.get("id"), text=text, created_at=fields.get("created_at"),
        rating=fields.get("rating"), rating_scale=rating_scale, nps=fields.get("nps"),
        customer_key=fields.get("customer_key"), product=fields.get("product"),
        conversation_id=fields.get("conversation_id"), speaker=fields.get("speaker"),
        turn=fields.get("turn"),
    )
    return channel, mapping


def _source_name(stem: str, taken: set[str]) -> str:
    base = re.sub(r"[/\\=\n\r]+", "_", stem).strip() or "source"
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    taken.add(name)
    return name


def infer_sources(paths: Iterable[Path], base_dir: Path | str | None = None) -> list[SourceConfig]:
    """One source per file (name = file stem, made unique), channel and mapping inferred.
    ``path`` is written relative to ``base_dir`` when given and possible."""
    taken: set[str] = set()
    out: list[SourceConfig] = []
    for path in sorted(Path(p) for p in paths):
        columns, rows = _sample_rows(path)
        channel, mapping = infer_mapping(columns, rows, path.stem)
        shown = path
        if base_dir is not None:
            try:
                shown = path.resolve().relative_to(Path(base_dir).resolve())
            except ValueError:
                shown = path
        out.append(SourceConfig(name=_source_name(path.stem, taken), channel=channel,
                                path=shown.as_posix(), columns=mapping))
    return out


_FIELD_COMMENTS = {
    "id": "내보내기 자체 ID(접수번호 등) — 없으면 null",
    "text": "본문 열 (목록이면 줄바꿈으로 이어 붙임: [제목, 본문])",
    "created_at": "작성/접수 일시",
    "rating": "평점/별점",
    "rating_scale": "평점 만점(5, 10, 100) — 비우면 파일에서 추정",
    "nps": "추천의향 0–10",
    "customer_key": "고객 식별 열(연락처/회원ID) — 가명처리됨",
    "product": "상품/제품명",
    "conversation_id": "상담(대화) ID — 채팅 발화를 묶는 열",
    "speaker": "화자 열(고객/상담사)",
    "turn": "발화 순서 열",
}


def _scalar(v: Any) -> str:
    return yaml.safe_dump(v, allow_unicode=True, default_flow_style=True, width=1000).strip().removesuffix("...").strip()


def sources_to_yaml(sources: Sequence[SourceConfig]) -> str:
    """An editable config (loadable by ``load_config``) with Korean comments."""
    lines = [
        "# voc-pipeline 설정 — `voc-pipeline init`이 입력 파일을 보고 추정해 만든 초안입니다.",
        "# 열 이름과 채널을 확인하고 고친 뒤 `voc-pipeline run --config <이 파일>`로 실행하세요.",
        "# 채널: complaint(민원/불만 접수) | review(리뷰·평점) | chat(채팅 상담) | agent_note(상담 메모)"
        " | survey | email | other",
        "",
        "# domain: commerce          # 고객 여정 분류(configs/domains)",
        "# period: {granularity: week, timezone: Asia/Seoul}",
        "",
        "sources:",
    ]
    for s in sources:
        lines += [
            f"  - name: {_scalar(s.name)}",
            f"    channel: {s.channel}          # 추정한 채널",
            f"    path: {_scalar(s.path)}",
            f"    format: {s.format}            # auto = 확장자로 판단",
            f"    encoding: {_scalar(s.encoding)}          # null = 자동 감지(BOM → UTF-8 → cp949)",
        ]
        if s.sheet is not None:
            lines.append(f"    sheet: {_scalar(s.sheet)}            # Excel 시트")
        lines.append("    columns:")
        cols = s.columns.model_dump()
        for field, comment in _FIELD_COMMENTS.items():
            value = cols.get(field)
            if value is None and field in ("conversation_id", "speaker", "turn") and s.channel != "chat":
                continue
            lines.append(f"      {field}: {_scalar(value)}    # {comment}")
        if s.channel == "chat":
            lines.append(f"    customer_speakers: {_scalar(list(s.customer_speakers))}    # 고객 발화로 볼 화자 값")
    return "\n".join(lines) + "\n"
