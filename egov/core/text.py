"""Text helpers shared by every app: diacritic-insensitive search keys, display names."""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from unidecode import unidecode

__all__ = ["search_key", "actor_display"]


def search_key(*parts: str) -> str:
    """
    Lower-case ASCII form of the parts joined by spaces: "Sở Nội vụ" -> "so noi vu".
    Stored beside names so that "quyet dinh" finds "Quyết định" on SQLite and PostgreSQL
    alike, without the unaccent extension.
    """
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFC", text).replace("Đ", "D").replace("đ", "d")
    if "\x85" in text:  # the one whitespace character unidecode drops: no word-by-word shortcut
        return " ".join(unidecode(text).lower().split())
    # unidecode works character by character and maps every other whitespace to a space, so word by
    # word gives the same key; names repeat their words ("Ủy ban nhân dân xã …"), hence the cache
    # (a directory sync computes 111,000 keys).
    return " ".join(w for word in text.split() for w in _word_key(word))


@lru_cache(maxsize=32768)
def _word_key(word: str) -> tuple[str, ...]:
    return tuple(unidecode(word).lower().split())


def actor_display(user) -> str:
    """The name shown for a user in timelines and registers ("" for the system)."""
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username()).strip()
