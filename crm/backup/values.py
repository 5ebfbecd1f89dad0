"""Values as a backup writes them, and the checks a restore makes of each one."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from crm.backup.common import BackupError
from crm.db import UTCDateTime


def encoder(column: sa.Column[Any]) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, UTCDateTime | sa.Date):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(kind, sa.Enum):
        return lambda value: None if value is None else str(getattr(value, "value", value))
    return lambda value: value


def decoder(table: sa.Table, column: sa.Column[Any]) -> Callable[[Any], Any]:
    """Turns a JSON value back into what the column takes, refusing what it cannot hold."""
    kind = column.type
    where = f"{table.name}.{column.name}"

    def refuse(value: Any, wanted: str) -> BackupError:
        shown = json.dumps(value, ensure_ascii=False)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        return BackupError(f"{where} should be {wanted}, not {shown}")

    def checked(
        wanted: str, test: Callable[[Any], bool], convert: Callable[[Any], Any]
    ) -> Callable[[Any], Any]:
        def decode(value: Any) -> Any:
            if value is None:
                return None
            if not test(value):
                raise refuse(value, wanted)
            try:
                return convert(value)
            except (TypeError, ValueError, OverflowError):
                raise refuse(value, wanted) from None

        return decode

    if isinstance(kind, UTCDateTime):

        def aware(text: str) -> datetime:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                raise ValueError(text)
            return moment

        return checked("a date and time with its offset", _is_str, aware)
    if isinstance(kind, sa.Date):
        return checked("a date (YYYY-MM-DD)", _is_str, date.fromisoformat)
    if isinstance(kind, sa.Enum):
        allowed = set(kind.enums)
        return checked(
            f"one of {', '.join(sorted(allowed))}", lambda v: _is_str(v) and v in allowed, str
        )
    if isinstance(kind, sa.Boolean):
        return checked("true or false", lambda v: isinstance(v, bool), bool)
    if isinstance(kind, sa.Integer):
        return checked("a whole number", lambda v: is_int(v) and -(2**63) <= v < 2**63, int)
    if isinstance(kind, sa.Float):
        return checked(
            "a finite number",
            lambda v: is_int(v) or (isinstance(v, float) and math.isfinite(v)),
            float,
        )
    if isinstance(kind, sa.String):  # also Text
        limit = kind.length
        return checked(
            f"text of at most {limit} characters" if limit else "text",
            lambda v: _is_text(v) and (limit is None or len(v) <= limit),
            str,
        )
    if column.nullable:
        return lambda value: value

    def not_null(value: Any) -> Any:  # JSON that the application reads: never null
        if value is None:
            raise refuse(value, "a JSON value, not null")
        return value

    return not_null


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_text(value: Any) -> bool:
    """Text every database can hold: no NUL, no lone surrogate."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
