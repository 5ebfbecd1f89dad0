"""Text folding for search: one spelling for names across case, accents and ligatures."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import jellyfish
from anyascii import anyascii

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


_WORD = re.compile(r"[a-z0-9]+")
# Metaphone writes "sh" as X and "th" as 0; transliterations of one name differ on both.
_SOUNDS_ALIKE = str.maketrans({"X": "S", "0": "T"})


def search_text(names: Iterable[str | None]) -> str:
    """The folded names and their Latin spelling, joined with spaces, for a LIKE search: a
    Latin spelling finds a Cyrillic, Devanagari, Sinhala or Arabic name."""
    parts: dict[str, None] = {}
    for name in names:
        if name:
            parts[fold(name)] = None
            parts[transliterate(name)] = None
    return " ".join(parts)


def name_columns(names: Iterable[str | None]) -> dict[str, str]:
    """A representative's two search columns for these names (the name first)."""
    names = list(names)
    return {"search_text": search_text(names), "name_keys": name_keys(names)}


def like_pattern(term: str) -> str:
    """A LIKE pattern matching `term` anywhere, with wildcards in it escaped (ESCAPE '\\')."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def transliterate(text: str) -> str:
    """`text` folded, then written in Latin letters (Иванов → ivanov, शर्मा → srma).

    anyascii covers every script; it keeps no accents, so Latin names come out folded.
    """
    return anyascii(fold(text)).lower()


def name_words(names: Iterable[str | None]) -> list[str]:
    """Every word of the names, in Latin letters, without repeats."""
    words: dict[str, None] = {}
    for name in names:
        if name:
            words.update(dict.fromkeys(_WORD.findall(transliterate(name))))
    return list(words)


def sound_key(word: str) -> str:
    """A key that spellings of one name share (Fatima, Fatma, Фатима → FTM).

    Metaphone of the Latin spelling, with the sounds that transliterations write in several
    ways made one: "sh" and "s" (Sharma, शर्मा → srma), "th" and "t", and a final "h"
    (Fatemeh, فاطمة → ftmh).
    """
    key = jellyfish.metaphone(word).translate(_SOUNDS_ALIKE)
    return key.rstrip("H") or key


def name_keys(names: Iterable[str | None]) -> str:
    """The sound keys of every word of the names, space-separated and padded with spaces, so
    that a key or a key's beginning is found with LIKE '% KEY%'."""
    keys = dict.fromkeys(k for k in map(sound_key, name_words(names)) if k)
    return f" {' '.join(keys)} " if keys else ""
