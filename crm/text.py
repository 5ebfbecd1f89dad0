"""Text folding for search: one spelling for names across case, accents and ligatures."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# Letters that do not decompose into a base letter plus an accent.
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})


def fold(text: str) -> str:
    """Lower-case and strip Latin, Greek and Cyrillic accents (ș → s, é → e).

    Only the combining diacritical marks block (U+0300–U+036F) is dropped: the vowel signs
    of Devanagari, Sinhala, Arabic or Hebrew are combining marks too, but they are part of
    the letters and must stay.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    kept = "".join(ch for ch in decomposed if not 0x0300 <= ord(ch) <= 0x036F)
    return unicodedata.normalize("NFC", kept)


def search_text(names: Iterable[str | None]) -> str:
    """The folded names joined with spaces, for a LIKE search."""
    return " ".join(fold(n) for n in names if n)


def like_pattern(term: str) -> str:
    """A LIKE pattern matching `term` anywhere, with wildcards in it escaped (ESCAPE '\\')."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
