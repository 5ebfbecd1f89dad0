"""Reading Popolo JSON: from bytes to checked values, or one line naming the problem.

Real files are irregular (EveryPolitician's leave out `posts`, some persons have only a
name, dates come as years, months, days or timestamps), so what can be read is read, and
what cannot is refused with a message that says where: `persons[3].name`, or the line and
column of a JSON syntax error. Nothing here touches the database.

What is said of a file is `Said` (crm/said.py): English on the command line, in the reader's
language on the import's page. The paths into the file (`persons[3].name`) and Python's own
words for a JSON syntax error stay as they are.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from crm.i18n import marked_label
from crm.said import Said

# Line breaks and other control characters, which a message quoting the file must not print.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class PopoloError(Exception):
    """A file that cannot be imported. The message is one line, meant for the user: English
    as it stands (the command line), said in the reader's language where a page shows it
    (crm.said.translated)."""

    def __init__(self, message: str | Said) -> None:
        message = one_line(message)
        super().__init__(str(message))
        self.message = message


def one_line(words: Any) -> Any:
    """Words that quote the file, with its line breaks and control characters escaped."""
    if isinstance(words, Said):
        values = {key: one_line(value) for key, value in words.values.items()}
        return Said(words.message, values, plural=words.plural, context=words.context)
    if isinstance(words, str):
        return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), words)
    return words


# --- JSON -------------------------------------------------------------------------------------


def load_json(raw: bytes) -> Any:
    """Parse a file's bytes as JSON (UTF-8, with or without a byte order mark)."""
    if not raw.strip():
        raise PopoloError(Said.gettext("the file is empty"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PopoloError(
            Said.gettext(
                "the file is not UTF-8 text (byte %(byte)d cannot be read)", byte=error.start + 1
            )
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PopoloError(_json_problem(text, error)) from None
    except RecursionError:
        raise PopoloError(Said.gettext("the JSON is nested too deeply to read")) from None
    except ValueError:
        # Python reads no integer of more than 4300 digits (a guard against slow parsing).
        raise PopoloError(
            Said.gettext("not valid JSON: a number in it is too long to read")
        ) from None


def _json_problem(text: str, error: json.JSONDecodeError) -> Said:
    where = {"line": error.lineno, "column": error.colno}
    # Python's words for the syntax error (English).
    message = error.msg[0].lower() + error.msg[1:]
    if message.endswith(" starting at"):
        message = message.removesuffix(" starting at")
    string_to_the_end = message.startswith("unterminated string") and '"' not in text[
        error.pos + 1 :
    ].replace('\\"', "")
    if error.pos >= len(text.rstrip()) or string_to_the_end:
        return Said.gettext(
            "not valid JSON: the file ends too early at line %(line)d, column %(column)d "
            "(is it truncated?)",
            **where,
        )
    before = text[: error.pos].rstrip()
    if before.endswith(",") and text[error.pos : error.pos + 1] in "}]":
        return Said.gettext(
            "not valid JSON: a comma before a closing bracket at line %(line)d, column "
            "%(column)d (%(problem)s)",
            problem=message,
            **where,
        )
    return Said.gettext(
        "not valid JSON at line %(line)d, column %(column)d: %(problem)s", problem=message, **where
    )


# --- Checked values ------------------------------------------------------------------------------

# What a JSON value is, inside a sentence ("but it is a list").
_KINDS = {
    dict: marked_label("a kind of JSON value", "an object"),
    list: marked_label("a kind of JSON value", "a list"),
    bool: marked_label("a kind of JSON value", "true/false"),
    str: marked_label("a kind of JSON value", "text"),
}


def kind_of(value: Any) -> Said | str:
    if type(value) in _KINDS:
        return Said.pgettext(*_KINDS[type(value)])
    if isinstance(value, int | float):
        return Said.pgettext("a kind of JSON value", "a number")
    return type(value).__name__


def an_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PopoloError(
            Said.gettext(
                "%(path)s must be an object, but it is %(kind)s", path=path, kind=kind_of(value)
            )
        )
    return value


def list_at(parent: dict[str, Any], key: str, path: str) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        where = f"{path}{key}"
        raise PopoloError(
            Said.gettext(
                "%(path)s must be a list, but it is %(kind)s", path=where, kind=kind_of(value)
            )
        )
    return value


def text_at(obj: dict[str, Any], key: str, path: str) -> str | None:
    """A text value, stripped; None when missing or blank. Numbers are taken as text (ids)."""
    value = obj.get(key)
    if value is None:
        return None
    where = f"{path}.{key}"
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PopoloError(
            Said.gettext(
                "%(path)s must be text, but it is %(kind)s", path=where, kind=kind_of(value)
            )
        )
    text = str(value).strip()
    if "\x00" in text:
        raise PopoloError(Said.gettext("%(path)s contains a NUL character", path=where))
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            # "\ud800" alone is valid JSON, but half of a character: no database stores it.
            escaped = f"\\u{ord(text[error.start]):04x}"
            raise PopoloError(
                Said.gettext(
                    '%(path)s contains "%(code)s", half of a character (a lone surrogate)',
                    path=where,
                    code=escaped,
                )
            ) from None
    return text or None


_DATE = re.compile(
    r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


def parse_date(value: str, path: str, *, end: bool = False) -> date:
    """A Popolo date: YYYY, YYYY-MM, YYYY-MM-DD or a timestamp (its date is taken).

    A partial date means its first day, or for an end date its last day.
    """
    match = _DATE.fullmatch(value)
    problem = Said.gettext(
        '%(path)s is "%(value)s", which is not a date (use YYYY-MM-DD)', path=path, value=value[:40]
    )
    if not match:
        raise PopoloError(problem)
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else (12 if end else 1)
    try:
        if match.group(3):
            day = int(match.group(3))
        else:
            day = calendar.monthrange(year, month)[1] if end else 1
        parsed = date(year, month, day)
    except ValueError:
        raise PopoloError(problem) from None
    if not 1800 <= parsed.year <= 2200:
        raise PopoloError(
            Said.gettext("%(path)s is %(date)s, which is out of range", path=path, date=parsed)
        )
    return parsed


def date_at(obj: dict[str, Any], key: str, path: str, *, end: bool = False) -> date | None:
    value = text_at(obj, key, path)
    return parse_date(value, f"{path}.{key}", end=end) if value else None


def limited(
    value: str | None, limit: int, what: str | Said, warn: Callable[[Said], None]
) -> str | None:
    """`value` at most `limit` characters long, with a warning when it was longer."""
    if value is not None and len(value) > limit:
        warn(shortened(what, limit))
        return value[:limit].rstrip()
    return value


def shortened(what: str | Said, limit: int) -> Said:
    """The warning that `what` was cut to `limit` characters."""
    return Said.ngettext(
        "%(what)s is longer than %(num)d character: shortened",
        "%(what)s is longer than %(num)d characters: shortened",
        limit,
        what=what,
    )
