"""Column contracts between stages and of the output tables (design.md §4).

Internal frames are pandas DataFrames; the output tables are written with the Arrow schemas
below so that every period partition has identical types.
"""

from __future__ import annotations

import pyarrow as pa

# --- internal frames -------------------------------------------------------------------------

#: ingest -> mask. ``text`` and ``customer_key`` are RAW here; mask replaces them.
RECORD_COLUMNS = [
    "record_id", "source_id", "source", "channel", "source_file", "source_row", "created_at",
    "period", "customer_key", "product", "text", "rating", "rating_norm", "nps", "input_rows",
]

#: ingest -> mask. ``excerpt`` is RAW here; mask replaces it.
QUARANTINE_COLUMNS = ["source", "source_file", "source_row", "reason_code", "reason", "excerpt"]

#: stable reason codes for quarantine rows
REASON_CODES = {
    "encoding": "바이트를 해석할 수 없음 / undecodable bytes",
    "malformed_row": "열 개수가 맞지 않거나 따옴표가 깨진 행 / malformed row",
    "empty_text": "본문이 비어 있음 / empty text",
    "bad_date": "날짜를 해석할 수 없음 / unparseable date",
    "date_out_of_range": "날짜가 유효 범위 밖 / date outside period.valid_from..valid_until",
    "bad_rating": "평점을 해석할 수 없음 / unparseable rating",
    "too_long": "본문이 너무 김 / text too long",
    "duplicate": "같은 ID의 중복 행 / duplicate row",
    "no_customer_turn": "고객 발화가 없는 상담 / chat without customer turns",
}

# --- output tables ---------------------------------------------------------------------------

RECORDS_SCHEMA = pa.schema([
    ("record_id", pa.string()),
    ("source_id", pa.string()),
    ("source", pa.string()),
    ("channel", pa.string()),
    ("source_file", pa.string()),
    ("source_row", pa.int64()),
    ("created_at", pa.timestamp("us", tz="Asia/Seoul")),
    ("customer_key", pa.string()),
    ("product", pa.string()),
    ("text", pa.string()),
    ("rating", pa.float64()),
    ("rating_norm", pa.float64()),
    ("nps", pa.float64()),
    ("sentiment", pa.string()),
    ("sentiment_score", pa.float64()),
    ("stages", pa.list_(pa.string())),
    ("pii_types", pa.list_(pa.string())),
    ("input_rows", pa.int32()),
])

SENTENCES_SCHEMA = pa.schema([
    ("record_id", pa.string()),
    ("sentence_index", pa.int32()),
    ("char_start", pa.int32()),
    ("char_end", pa.int32()),
    ("text", pa.string()),
    ("sentiment", pa.string()),
    ("sentiment_score", pa.float64()),
    ("stage", pa.string()),
])

MENTIONS_SCHEMA = pa.schema([
    ("record_id", pa.string()),
    ("sentence_index", pa.int32()),
    ("aspect", pa.string()),
    ("opinion", pa.string()),
    ("keyword", pa.string()),
    ("polarity", pa.string()),
    ("start", pa.int32()),
    ("end", pa.int32()),
    ("stage", pa.string()),
    ("confidence", pa.float64()),
])

QUARANTINE_SCHEMA = pa.schema([
    ("source", pa.string()),
    ("source_file", pa.string()),
    ("source_row", pa.int64()),
    ("reason_code", pa.string()),
    ("reason", pa.string()),
    ("excerpt", pa.string()),
])

PAIN_POINTS_SCHEMA = pa.schema([
    ("stage", pa.string()),
    ("stage_name", pa.string()),
    ("keyword", pa.string()),
    ("polarity", pa.string()),
    ("mentions", pa.int64()),
    ("records", pa.int64()),
    ("negative_share", pa.float64()),
    ("avg_rating_norm", pa.float64()),
    ("share_of_stage", pa.float64()),
    ("previous_mentions", pa.int64()),
    ("change", pa.int64()),
    ("status", pa.string()),
    ("p_value", pa.float64()),
    ("example_record_ids", pa.list_(pa.string())),
    ("example_quotes", pa.list_(pa.string())),
    # trend context (stages/aggregate.py) and impact (stages/impact.py), docs/metrics.md
    ("mentions_per_1k", pa.float64()),
    ("previous_period", pa.string()),
    ("previous_mentions_per_1k", pa.float64()),
    ("rating_lift", pa.float64()),
    ("nps_lift", pa.float64()),
    ("impact_records", pa.int64()),
    ("nps_records", pa.int64()),
])

JOURNEY_MAP_SCHEMA = pa.schema([
    ("stage_order", pa.int32()),
    ("stage", pa.string()),
    ("stage_name", pa.string()),
    ("records", pa.int64()),
    ("sentences", pa.int64()),
    ("negative_share", pa.float64()),
    ("positive_share", pa.float64()),
    ("sentiment_index", pa.float64()),
    ("avg_rating_norm", pa.float64()),
    ("nps", pa.float64()),
    ("top_pain_points", pa.list_(pa.string())),
    ("top_praise_points", pa.list_(pa.string())),
    # week-over-week (stages/trends.py), docs/metrics.md
    ("previous_period", pa.string()),
    ("previous_records", pa.int64()),
    ("previous_sentiment_index", pa.float64()),
    ("sentiment_index_change", pa.float64()),
    ("previous_negative_share", pa.float64()),
    ("status", pa.string()),
    ("p_value", pa.float64()),
])

#: significant changes of a period, for a nightly job to send (stages/trends.py)
ALERTS_SCHEMA = pa.schema([
    ("kind", pa.string()),
    ("stage", pa.string()),
    ("stage_name", pa.string()),
    ("keyword", pa.string()),
    ("polarity", pa.string()),
    ("metric", pa.string()),
    ("previous", pa.float64()),
    ("current", pa.float64()),
    ("p_value", pa.float64()),
    ("message", pa.string()),
])

#: new or unmapped pain-point keys for the analyst to name or map (stages/trends.py)
PAIN_POINT_CANDIDATES_SCHEMA = pa.schema([
    ("keyword", pa.string()),
    ("polarity", pa.string()),
    ("aspect", pa.string()),
    ("opinion", pa.string()),
    ("stage", pa.string()),
    ("stage_name", pa.string()),
    ("stages", pa.list_(pa.string())),
    ("mentions", pa.int64()),
    ("records", pa.int64()),
    ("reasons", pa.list_(pa.string())),
    ("example_record_ids", pa.list_(pa.string())),
    ("example_quotes", pa.list_(pa.string())),
])

#: one pseudonymous customer's records across channels (stages/omnichannel.py); no text
JOURNEYS_SCHEMA = pa.schema([
    ("customer_key", pa.string()),
    ("channels", pa.list_(pa.string())),
    ("stages", pa.list_(pa.string())),
    ("records", pa.int64()),
    ("record_ids", pa.list_(pa.string())),
    ("path", pa.list_(pa.string())),
    ("first_contact", pa.timestamp("us", tz="Asia/Seoul")),
    ("last_contact", pa.timestamp("us", tz="Asia/Seoul")),
    ("span_days", pa.float64()),
    ("cross_channel", pa.bool_()),
    ("repeat_contacts", pa.int64()),
    ("cross_channel_repeats", pa.int64()),
    ("repeat_contact", pa.bool_()),
    ("repeat_stages", pa.list_(pa.string())),
    ("negative_records", pa.int64()),
    ("last_sentiment", pa.string()),
])

TABLE_SCHEMAS: dict[str, pa.Schema] = {
    "records": RECORDS_SCHEMA,
    "sentences": SENTENCES_SCHEMA,
    "mentions": MENTIONS_SCHEMA,
    "quarantine": QUARANTINE_SCHEMA,
    "pain_points": PAIN_POINTS_SCHEMA,
    "journey_map": JOURNEY_MAP_SCHEMA,
    "alerts": ALERTS_SCHEMA,
    "pain_point_candidates": PAIN_POINT_CANDIDATES_SCHEMA,
    "journeys": JOURNEYS_SCHEMA,
}

SENTIMENT_LABELS = ("neg", "neu", "pos")

#: token labels of the model's span head, over Kiwi morphemes (BIO).
#: ASP = aspect (what), NEG/POS = opinion with its polarity (how it was judged).
SPAN_LABELS = ("O", "B-ASP", "I-ASP", "B-NEG", "I-NEG", "B-POS", "I-POS")

UNMAPPED_STAGE = "unmapped"
