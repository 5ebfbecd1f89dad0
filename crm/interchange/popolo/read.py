"""Reading Popolo JSON: from bytes to checked values, or one line naming the problem.

Real files are irregular (EveryPolitician's leave out `posts`, some persons have only a
name, dates come as years, months, days or timestamps), so what can be read is read, and
what cannot is refused with a message that says where: `persons[3].name`, or the line and
column of a JSON syntax error. Nothing here touches the database.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

# Line breaks and other control characters, which a message quoting the file must not print.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class PopoloError(Exception):
    """A file that cannot be imported. The message is one line, meant for the user."""

    def __init__(self, message: str) -> None:
        message = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), message)
        super().__init__(message)
        self.message = message


# --- JSON -------------------------------------------------------------------------------------


def load_json(raw: bytes) -> Any:
    """Parse a file's bytes as JSON (UTF-8, with or without a byte order mark)."""
    if not raw.strip():
        raise PopoloError("the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PopoloError(
            f"the file is not UTF-8 text (byte {error.start + 1} cannot be read)"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise PopoloError(_json_problem(text, error)) from None
    except RecursionError:
        raise PopoloError("the JSON is nested too deeply to read") from None
    except ValueError:
        # Python reads no integer of more than 4300 digits (a guard against slow parsing).
        raise PopoloError("not valid JSON: a number in it is too long to read") from None


def _json_problem(text: str, error: json.JSONDecodeError) -> str:
    where = f"line {error.lineno}, column {error.colno}"
    message = error.msg[0].lower() + error.msg[1:]
    if message.endswith(" starting at"):
        message = message.removesuffix(" starting at")
    string_to_the_end = message.startswith("unterminated string") and '"' not in text[
        error.pos + 1 :
    ].replace('\\"', "")
    if error.pos >= len(text.rstrip()) or string_to_the_end:
        return f"not valid JSON: the file ends too early at {where} (is it truncated?)"
    before = text[: error.pos].rstrip()
    if before.endswith(",") and text[error.pos : error.pos + 1] in "}]":
        return f"not valid JSON: a comma before a closing bracket at {where} ({message})"
    return f"not valid JSON at {where}: {message}"


# --- Checked values ------------------------------------------------------------------------------


def kind_of(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", str: "text"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def an_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PopoloError(f"{path} must be an object, but it is {kind_of(value)}")
    return value


def list_at(parent: dict[str, Any], key: str, path: str) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PopoloError(f"{path}{key} must be a list, but it is {kind_of(value)}")
    return value


def text_at(obj: dict[str, Any], key: str, path: str) -> str | None:
    """A text value, stripped; None when missing or blank. Numbers are taken as text (ids)."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PopoloError(f"{path}.{key} must be text, but it is {kind_of(value)}")
    text = str(value).strip()
    if "\x00" in text:
        raise PopoloError(f"{path}.{key} contains a NUL character")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            # "\ud800" alone is valid JSON, but half of a character: no database stores it.
            code = ord(text[error.start])
            raise PopoloError(
                f'{path}.{key} contains "\\u{code:04x}", half of a character (a lone surrogate)'
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
    problem = f'{path} is "{value[:40]}", which is not a date (use YYYY-MM-DD)'
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
        raise PopoloError(f"{path} is {parsed.isoformat()}, which is out of range")
    return parsed


def date_at(obj: dict[str, Any], key: str, path: str, *, end: bool = False) -> date | None:
    value = text_at(obj, key, path)
    return parse_date(value, f"{path}.{key}", end=end) if value else None


def limited(value: str | None, limit: int, what: str, warn: Callable[[str], None]) -> str | None:
    if value is not None and len(value) > limit:
        warn(f"{what} is longer than {limit} characters: shortened")
        return value[:limit].rstrip()
    return value
