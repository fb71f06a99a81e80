"""Date/time parsing for Korean exports (policy names in docs/ingest.md).

``parse_datetime(value, tz)`` returns a tz-aware ``pd.Timestamp`` in ``tz``, ``None`` for an empty
value, or raises ``ValueError`` for a non-empty value it cannot read (-> quarantine ``bad_date``).
Naive times are taken as local time in ``tz``; times with an offset are converted.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from voc_pipeline.config import default_valid_until

EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_SERIAL_RANGE = (20000.0, 80000.0)   # 1954-10 .. 2119-01

_WEEKDAY = r"(?:\s*\(?\s*(?:[월화수목금토일](?:요일)?|mon|tue|wed|thu|fri|sat|sun)[a-z]*\s*\)?)?"
_AMPM = r"(오전|오후|am|pm|a\.m\.|p\.m\.)"
_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[.\-/]|년)\s*(?P<m>\d{1,2})\s*(?:[.\-/]|월)\s*(?P<d>\d{1,2})\s*(?:일)?\.?"
    + _WEEKDAY
    + r"(?:\s*[T\s]\s*(?P<ap1>" + _AMPM[1:-1] + r")?\s*"
    r"(?P<H>\d{1,2})\s*(?::|시)\s*(?:(?P<M>\d{1,2})\s*(?:분)?)?"
    r"(?:\s*:?\s*(?P<S>\d{1,2})(?P<frac>\.\d+)?\s*(?:초)?)?"
    r"\s*(?P<ap2>" + _AMPM[1:-1] + r")?"
    r"\s*(?P<tz>Z|UTC|GMT|KST|[+-]\d{2}:?\d{2})?)?\s*$",
    re.IGNORECASE,
)
_DIGITS_RE = re.compile(r"^\d+$")
_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")


def _excel_serial(x: float) -> datetime:
    return EXCEL_EPOCH + timedelta(seconds=round(x * 86400))


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(tz)
    except (ValueError, ZoneInfoNotFoundError):
        return None   # pandas names the error in tz_localize


def _localize(ts: pd.Timestamp, tz: str) -> pd.Timestamp:
    if ts.tzinfo is None:
        zone = _zone(tz)
        if zone is not None and ts.nanosecond == 0:
            # the common case, 3x faster than tz_localize: a wall time the zone neither skips nor
            # repeats (both folds give one offset); DST gaps and overlaps keep the policy below
            local = ts.to_pydatetime()
            if zone.utcoffset(local) == zone.utcoffset(local.replace(fold=1)):
                return pd.Timestamp(local.replace(tzinfo=zone))
        return ts.tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
    return ts.tz_convert(tz)


def _from_number(x: float) -> datetime | pd.Timestamp:
    lo, hi = EXCEL_SERIAL_RANGE
    if lo <= x <= hi:
        return _excel_serial(x)  # policy excel_serial
    if float(x).is_integer():
        return _from_digits(str(int(x)))
    raise ValueError(f"not a date: {x}")


def _from_digits(s: str) -> datetime | pd.Timestamp:
    n = len(s)
    if n == 8:
        return datetime.strptime(s, "%Y%m%d")
    if n == 12:
        return datetime.strptime(s, "%Y%m%d%H%M")
    if n == 14:
        return datetime.strptime(s, "%Y%m%d%H%M%S")
    if n == 10:   # policy epoch: unix seconds (UTC)
        return pd.Timestamp(int(s), unit="s", tz="UTC")
    if n == 13:   # unix milliseconds (UTC)
        return pd.Timestamp(int(s), unit="ms", tz="UTC")
    if n == 5:
        return _from_number(float(s))
    raise ValueError(f"not a date: {s}")


def _hour(h: int, ap: str | None) -> int:
    if not ap:
        return h
    ap = ap.lower().replace(".", "")
    if ap in ("오후", "pm") and h < 12:
        return h + 12
    if ap in ("오전", "am") and h == 12:
        return 0
    return h


@lru_cache(maxsize=65536)
def _parse_string(s: str) -> pd.Timestamp:
    if _DIGITS_RE.match(s):
        return pd.Timestamp(_from_digits(s))
    if _NUMBER_RE.match(s):
        return pd.Timestamp(_from_number(float(s)))
    m = _DATE_RE.match(s)
    if m is None:
        raise ValueError(f"not a date: {s!r}")
    hour = int(m["H"]) if m["H"] else 0
    hour = _hour(hour, m["ap1"] or m["ap2"])
    micro = min(999_999, round(float(m["frac"]) * 1e6)) if m["frac"] else 0
    dt = datetime(int(m["y"]), int(m["m"]), int(m["d"]), hour,
                  int(m["M"] or 0), int(m["S"] or 0), micro)
    ts = pd.Timestamp(dt)
    tzs = (m["tz"] or "").upper()
    if tzs in ("Z", "UTC", "GMT"):
        ts = ts.tz_localize("UTC")
    elif tzs == "KST":
        ts = ts.tz_localize("Asia/Seoul")
    elif tzs:
        sign = 1 if tzs[0] == "+" else -1
        digits = tzs[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        ts = (ts - pd.Timedelta(minutes=offset)).tz_localize("UTC")
    return ts


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT:
        return True
    return isinstance(value, str) and not value.strip()


def parse_datetime(value: Any, tz: str = "Asia/Seoul") -> pd.Timestamp | None:
    """A tz-aware Timestamp in ``tz``; None when empty; ValueError when unparseable."""
    if is_empty(value):
        return None
    if isinstance(value, pd.Timestamp):
        ts = value
    elif isinstance(value, datetime):
        ts = pd.Timestamp(value)
    elif isinstance(value, date):
        ts = pd.Timestamp(datetime(value.year, value.month, value.day))
    elif isinstance(value, np.datetime64):
        ts = pd.Timestamp(value)
    elif isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    elif isinstance(value, int | float | np.integer | np.floating):
        ts = pd.Timestamp(_from_number(float(value)))
    else:
        s = str(value).strip()
        try:
            ts = _parse_string(s)
        except (ValueError, OverflowError) as err:
            raise ValueError(f"not a date: {s!r}") from err
    if ts is pd.NaT:
        return None
    return _localize(ts, tz)


def period_of(ts: pd.Timestamp, granularity: str = "week") -> str:
    """ISO week '2026-W47', month '2026-11' or day '2026-11-16' of a local timestamp."""
    if granularity == "week":
        year, week, _ = ts.isocalendar()
        return f"{year}-W{week:02d}"
    if granularity == "month":
        return f"{ts.year:04d}-{ts.month:02d}"
    return f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d}"


def valid_range(valid_from: date, valid_until: date | None, tz: str,
                now: pd.Timestamp | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) of the instants a record may carry (policy date_out_of_range): local midnight of
    ``valid_from`` to the local midnight after ``valid_until``, which defaults to tomorrow (``now``,
    default the current time, in ``tz``): nothing is dated in the future beyond a day of clock skew."""
    start = pd.Timestamp(valid_from).tz_localize(tz)
    if valid_until is None:
        valid_until = default_valid_until(tz, now)
    return start, pd.Timestamp(valid_until + timedelta(days=1)).tz_localize(tz)



def out_of_range(ts: pd.Timestamp | None, valid: tuple[pd.Timestamp, pd.Timestamp]) -> str | None:
    """The quarantine detail for a timestamp outside ``valid`` (``valid_range``), else None."""
    start, end = valid
    if ts is None or start <= ts < end:
        return None
    last = (end - pd.Timedelta(days=1)).date()
    return f"{ts.strftime('%Y-%m-%d %H:%M')} ∉ {start.date()}..{last}"
