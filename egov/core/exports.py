"""Helpers shared by every export a user downloads (CSV, XLSX)."""
from __future__ import annotations

__all__ = ["spreadsheet_safe"]

# A cell starting with one of these is read as a formula by spreadsheet programs
# (CSV/formula injection, OWASP "CSV Injection").
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Return ``value`` so that a spreadsheet shows it as text, never runs it as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value
