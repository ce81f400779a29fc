"""The date and timestamp formats accepted on import (the standard's, and the common deviations)."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from ..errors import EdxmlError
from ..types import VN_TZ

__all__ = ["parse_date", "parse_timestamp"]

_DATE_RE = re.compile(
    r"(?:(?P<y>\d{4})(?P<s1>[/-])(?P<m>\d{1,2})(?P=s1)(?P<d>\d{1,2})"
    r"|(?P<d2>\d{1,2})(?P<s2>[/-])(?P<m2>\d{1,2})(?P=s2)(?P<y2>\d{4}))"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d{1,6})?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_DATE_FORMATS = "yyyy/MM/dd, yyyy-MM-dd or dd/MM/yyyy, optionally followed by HH:mm:ss"


def _match_date(value: str, path: str) -> tuple[datetime, bool, bool]:
    """(naive-or-aware datetime, had a time part, was in the canonical format)."""
    match = _DATE_RE.fullmatch(value)
    if match is None:
        raise EdxmlError("bad_date", f"Bad date in {path}: {value!r} (expected {_DATE_FORMATS})", path)
    g = match.groupdict()
    year, month, day = (g["y"], g["m"], g["d"]) if g["y"] else (g["y2"], g["m2"], g["d2"])
    try:
        parsed = datetime(int(year), int(month), int(day), int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0))
    except ValueError as exc:
        raise EdxmlError("bad_date", f"Bad date in {path}: {value!r} ({exc})", path) from exc
    if g["tz"]:
        tz = g["tz"].replace(":", "")
        if tz == "Z":
            offset = 0
        else:
            offset = (int(tz[1:3]) * 60 + int(tz[3:5])) * (1 if tz[0] == "+" else -1)
        parsed = parsed.replace(tzinfo=timezone(timedelta(minutes=offset))).astimezone(VN_TZ)
    canonical = bool(g["y"]) and g["s1"] == "/" and len(g["m"]) == 2 and len(g["d"]) == 2
    return parsed, g["H"] is not None, canonical


def parse_date(value: str, path: str = "", warn: Callable[[str], None] | None = None) -> date:
    """A date in any accepted format (time part, if any, dropped)."""
    parsed, _has_time, canonical = _match_date(value.strip(), path)
    if warn and (not canonical or _has_time):
        warn(f"{path}: date {value.strip()!r} is not in the standard yyyy/MM/dd format")
    return parsed.date()


def parse_timestamp(value: str, path: str = "", warn: Callable[[str], None] | None = None) -> datetime:
    """A timestamp in any accepted format, returned aware in Vietnam time (UTC+07:00)."""
    parsed, has_time, canonical = _match_date(value.strip(), path)
    if warn and (not canonical or not has_time or parsed.tzinfo is not None):
        warn(f"{path}: timestamp {value.strip()!r} is not in the standard yyyy/MM/dd HH:mm:ss format")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VN_TZ)
    return parsed

