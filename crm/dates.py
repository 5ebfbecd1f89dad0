"""Dates and times in the reader's language: `format_when` formats a date as strftime's
format says in English, with the language's names of months and days (CLDR patterns, read
by Babel once for each format and language)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from babel import Locale
from babel.dates import (
    format_date,
    format_datetime,
    get_day_names,
    get_month_names,
    tokenize_pattern,
)
from flask_babel import get_locale, pgettext

from crm.i18n import DEFAULT_LOCALE

# strftime's directives as CLDR patterns (what Babel formats in the reader's language).
_DIRECTIVES = {
    "%d": "dd",
    "%-d": "d",
    "%m": "MM",
    "%b": "MMM",
    "%B": "MMMM",
    "%Y": "yyyy",
    "%y": "yy",
    "%H": "HH",
    "%M": "mm",
    "%S": "ss",
    "%a": "EEE",
    "%A": "EEEE",
}
# The directives that name something in a language (the others are digits).
_NAMES = ("%b", "%B", "%a", "%A")
_DIRECTIVE = re.compile(r"%-?[a-zA-Z]")


def _pattern(fmt: str, value: date) -> str:
    """`fmt` as a CLDR pattern: directives mapped, words between them translated and quoted
    ("%d %B %Y at %H:%M" is "dd MMMM yyyy 'à' HH:mm" in French), %Z the zone's name. A month
    without its day is named on its own ("декабрь 2026", not the "декабря" of a date).

    Worked out once for each format, word for "at" and zone name (`_cldr`): a page shows
    a hundred dates in a handful of formats, and reading the format again for each date
    made a page in any language but English a few per cent slower (issue 14). The word is
    still asked of the catalog for each date, as the page's language may change."""
    zone = value.tzname() if "%Z" in fmt and isinstance(value, datetime) else None
    at = pgettext("between a date and a time", "at") if _says_at(fmt) else None
    return _cldr(fmt, at, zone)


@functools.lru_cache(maxsize=1024)
def _cldr(fmt: str, at: str | None, zone: str | None) -> str:
    """`_pattern` of `fmt`, with `at` for the word "at" between a date and a time and `zone`
    for %Z."""
    parts: list[str] = []
    # Words between directives are quoted as one run: two quoted runs side by side ("' '"
    # then "'EET'") read as a quoted apostrophe in CLDR ("17:30 'EET").
    words = ""
    position = 0
    alone = "%B" in fmt and "%d" not in fmt and "%-d" not in fmt
    for match in _DIRECTIVE.finditer(fmt):
        words += _word(fmt[position : match.start()], at)
        directive = match.group()
        position = match.end()
        if directive == "%Z":
            words += zone or ""
            continue
        parts.append(_quoted(words))
        words = ""
        if directive == "%B" and alone:
            parts.append("LLLL")
        elif directive in _DIRECTIVES:
            parts.append(_DIRECTIVES[directive])
        else:
            raise ValueError(f"No CLDR pattern for {directive} in {fmt!r}")
    parts.append(_quoted(words + _word(fmt[position:], at)))
    return "".join(parts)


@functools.lru_cache(maxsize=256)
def _says_at(fmt: str) -> bool:
    """Whether the words between `fmt`'s directives hold "at" (translated by `_word`)."""
    return any(text.strip() == "at" for text in _DIRECTIVE.split(fmt))


def _word(text: str, at: str | None) -> str:
    if at is not None and text.strip() == "at":
        # The only word our formats hold: "%d %B %Y at %H:%M".
        return text.replace("at", at)
    return text


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'" if text else ""


def format_when(value: date | datetime, fmt: str) -> str:
    """`value` formatted as strftime's `fmt` formats it in English, in the reader's
    language: the same order of day, month and year, with the language's names of months
    and days ("04 déc. 2026", "04 дек. 2026")."""
    locale = get_locale()
    names = any(name in fmt for name in _NAMES)
    if locale is None or locale.language == DEFAULT_LOCALE or not names:
        return value.strftime(fmt)
    pattern = _pattern(fmt, value)
    if not isinstance(value, datetime) and ("%H" in fmt or "%M" in fmt):
        # A day with a time of day, as strftime gives it: midnight.
        value = datetime.combine(value, time())
    fields = _fields(locale, pattern)
    if fields is None:
        return _formatted(value, pattern, locale)
    return "".join(field if isinstance(field, str) else field(value) for field in fields)


def _formatted(value: date, pattern: str, locale: Locale) -> str:
    """`value` in the CLDR `pattern`, as Babel formats it."""
    if isinstance(value, datetime):
        return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=locale)
    return format_date(value, pattern, locale=locale)


# A date's part as Babel writes it for each field our patterns hold (`_DIRECTIVES`), by the
# field's letter: a number is its digits, zero-padded to the field's length.
_NUMBERS: dict[str, Callable[[Any], int]] = {
    "d": lambda value: value.day,
    "M": lambda value: value.month,
    "H": lambda value: value.hour,
    "m": lambda value: value.minute,
    "s": lambda value: value.second,
}
_MONTH_WIDTHS = {3: "abbreviated", 4: "wide", 5: "narrow"}
_DAY_WIDTHS = {3: "abbreviated", 4: "wide", 5: "narrow", 6: "short"}


@functools.lru_cache(maxsize=1024)
def _fields(locale: Locale, pattern: str) -> tuple[str | Callable[[Any], str], ...] | None:
    """`pattern` read once for `locale`: its words as they are, and for each field what
    writes it, with the language's names of months and days looked up here. What Babel
    writes, without reading the pattern and looking the names up again for each date
    (issue 14); None where the pattern holds a field not written here (Babel writes it)."""
    fields: list[str | Callable[[Any], str]] = []
    for _kind, token in tokenize_pattern(pattern):
        if isinstance(token, str):
            fields.append(token)
            continue
        char, length = token
        if char in _NUMBERS and (char != "M" or length <= 2):
            number = _NUMBERS[char]
            fields.append(lambda value, n=number, length=length: f"{n(value):0{length}d}")
        elif char == "y":
            last = -2 if length == 2 else None  # "yy": the year's last two digits
            fields.append(lambda value, length=length, last=last: f"{value.year:0{length}d}"[last:])
        elif char in "ML" and length in _MONTH_WIDTHS:
            context = "format" if char == "M" else "stand-alone"
            names = get_month_names(_MONTH_WIDTHS[length], context, locale)
            months = {month: names[month] for month in range(1, 13)}
            fields.append(lambda value, months=months: months[value.month])
        elif char == "E" and max(length, 3) in _DAY_WIDTHS:
            names = get_day_names(_DAY_WIDTHS[max(length, 3)], "format", locale)
            days = {day: names[day] for day in range(7)}
            fields.append(lambda value, days=days: days[value.weekday()])
        else:
            return None
    return tuple(fields)
