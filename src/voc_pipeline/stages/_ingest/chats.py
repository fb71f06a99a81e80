"""Chat turns -> conversations (policy names in docs/ingest.md)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: speaker values that are the customer (besides ``source.customer_speakers``)
CUSTOMER_SPEAKERS = frozenset({
    "고객", "customer", "user", "client", "손님", "구매자", "회원", "사용자", "이용자", "cust", "visitor",
})
#: speaker values that are the company side; never in the record text
AGENT_SPEAKERS = frozenset({
    "상담사", "상담원", "agent", "bot", "챗봇", "system", "시스템", "operator", "매니저", "admin",
    "staff", "직원", "counselor", "assistant", "봇", "상담봇", "자동응답",
})


def _norm(value: Any) -> str:
    return "".join(str(value or "").split()).lower()


class SpeakerRule:
    """policy chat_speakers: customer = configured ``customer_speakers`` or a common customer
    value (고객/customer/user/client/손님...), case-insensitive; everything else, including
    unknown values, is the company side and never enters the text."""

    def __init__(self, customer_speakers: Iterable[str]):
        self.customer = {_norm(s) for s in customer_speakers} | CUSTOMER_SPEAKERS

    def is_customer(self, value: Any) -> bool:
        return _norm(value) in self.customer


def turn_key(value: Any, source_row: int) -> tuple[float, int]:
    """Order turns by the numeric turn column, then by file position (missing/odd turns last)."""
    try:
        x = float(str(value).strip())
        if math.isfinite(x):
            return (x, source_row)
    except (TypeError, ValueError):
        pass
    return (math.inf, source_row)


@dataclass(slots=True)
class Conversation:
    conversation_id: str
    first_row: int
    turns: list[tuple[tuple[float, int], int, dict[str, Any]]] = field(default_factory=list)

    def ordered(self) -> list[tuple[int, dict[str, Any]]]:
        return [(row, values) for _, row, values in sorted(self.turns, key=lambda t: t[0])]
