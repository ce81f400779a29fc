"""Text helpers: diacritic-insensitive search keys for Vietnamese names."""
import unicodedata

from unidecode import unidecode


def search_key(*parts: str) -> str:
    """
    Lower-case ASCII form of the parts joined by spaces: "Sở Nội vụ" -> "so noi vu".
    Stored beside names so that "quyet dinh" finds "Quyết định" on SQLite and PostgreSQL
    alike, without the unaccent extension.
    """
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFC", text).replace("Đ", "D").replace("đ", "d")
    return " ".join(unidecode(text).lower().split())
