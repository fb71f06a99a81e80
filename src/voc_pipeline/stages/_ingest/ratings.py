"""Rating and NPS parsing (policy names in docs/ingest.md).

A rating value is read into ``(rating, scale)``: the raw number and, when the notation says so,
its own scale ("4/5" -> 5, "★★★★☆" -> 5). ``rating_norm`` = (rating - low) / (scale - low) with
low = 0 for scales of 100 points and more, else 1 (star and 10-point scales start at 1).
Values outside [low, scale] keep ``rating`` and get ``rating_norm`` NaN; unparseable non-empty
values keep the record with rating NaN (they are not quarantined).
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

NAN = float("nan")

_FILLED_STARS = set("★⭐✭✮✯✰✪🌟")
_EMPTY_STARS = set("☆✩")
_HALF_STARS = set("⯪⯨")
_FRACTION_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:점|개|stars?)?\s*(?:/|out of|중)\s*(\d+(?:\.\d+)?)\s*(?:점|개|stars?)?$", re.I)
_OUT_OF_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*점\s*만점(?:에|중)?\s*(\d+(?:\.\d+)?)\s*점?$")
_NUMBER_RE = re.compile(r"^[+]?(\d+(?:\.\d+)?)\s*(?:점|stars?|개|pt|pts|points?)?\.?$", re.I)

#: satisfaction words (5-point Likert) -> rating
LIKERT = {
    "매우만족": 5.0, "아주만족": 5.0, "만족": 4.0, "보통": 3.0, "불만족": 2.0, "불만": 2.0,
    "매우불만족": 1.0, "매우불만": 1.0, "아주불만족": 1.0,
    "verysatisfied": 5.0, "satisfied": 4.0, "neutral": 3.0, "dissatisfied": 2.0,
    "verydissatisfied": 1.0,
}


def parse_rating(value: Any) -> tuple[float, float | None]:
    """(rating, scale from the notation or None). rating is NaN when empty or unparseable.
    Never raises."""
    try:
        return _parse_rating(value)
    except (ValueError, TypeError, OverflowError):
        return NAN, None


def _parse_rating(value: Any) -> tuple[float, float | None]:
    if value is None or isinstance(value, bool):
        return NAN, None
    if isinstance(value, int | float):
        x = float(value)
        return (x, None) if math.isfinite(x) and x >= 0 else (NAN, None)
    if hasattr(value, "item") and not isinstance(value, str):   # numpy scalars
        return _parse_rating(value.item())
    s = unicodedata.normalize("NFKC", str(value)).strip()
    if not s:
        return NAN, None
    stars = [c for c in s if c in _FILLED_STARS or c in _EMPTY_STARS or c in _HALF_STARS]
    if stars and len(stars) == len(s.replace(" ", "")):
        filled = sum(c in _FILLED_STARS for c in stars) + 0.5 * sum(c in _HALF_STARS for c in stars)
        has_empty = any(c in _EMPTY_STARS or c in _HALF_STARS for c in stars)
        return float(filled), (float(len(stars)) if has_empty else None)
    if m := _FRACTION_RE.match(s):
        x, scale = float(m[1]), float(m[2])
        return (x, scale) if scale > 0 else (NAN, None)
    if m := _OUT_OF_RE.match(s):
        return float(m[2]), float(m[1])
    if m := _NUMBER_RE.match(s):
        return float(m[1]), None
    key = re.sub(r"\s+", "", s).lower()
    if key in LIKERT:
        return LIKERT[key], 5.0
    return NAN, None


def infer_scale(max_value: float, notation_scales: set[float] | frozenset = frozenset()) -> float:
    """policy rating_scale_inference: the largest notation scale seen, else from the max value:
    <= 5 -> 5, <= 10 -> 10, else 100."""
    if notation_scales:
        return max(notation_scales)
    if not math.isfinite(max_value) or max_value <= 5:
        return 5.0
    if max_value <= 10:
        return 10.0
    return 100.0


def scale_low(scale: float) -> float:
    return 0.0 if scale >= 100 else 1.0


def normalize(rating: float, scale: float | None) -> float:
    """rating_norm in 0..1, NaN when rating is NaN or outside [low, scale]."""
    if scale is None or not math.isfinite(rating) or not math.isfinite(scale):
        return NAN
    low = scale_low(scale)
    if scale <= low or rating < low or rating > scale:
        return NAN
    return (rating - low) / (scale - low)


def parse_nps(value: Any) -> float:
    """0..10 recommend score, NaN when empty, unparseable or out of range."""
    x, scale = parse_rating(value)
    if scale not in (None, 10.0) or not math.isfinite(x) or not 0 <= x <= 10:
        return NAN
    return x
