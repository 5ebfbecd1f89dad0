"""Words a service says where nobody reads them yet (`Said`), kept with their values, and
said in the reader's language where a page shows them (`translated`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext, pgettext


class Said:
    """Words a service says where nobody reads them yet (a worker checking an uploaded file,
    the command line), kept with their values: English as they stand (`str`: the command
    line, the audit log), and said in the reader's language where a page shows them
    (`translated`). Made as gettext's own calls are, so that the catalogs' extraction
    finds them: `Said.gettext("no party called “%(name)s”", name=name)`,
    `Said.ngettext(singular, plural, num, ...)`, `Said.pgettext(context, message)`.

    A value may itself be `Said`, said with its sentence, or a list of words (said one after
    the other, with commas); a date is written as ISO 8601, as the files write it. `kept`
    and `Said.of` carry them through a job's JSON result."""

    __slots__ = ("context", "message", "plural", "values")

    def __init__(
        self,
        message: str,
        values: dict[str, Any] | None = None,
        *,
        plural: str | None = None,
        context: str | None = None,
    ) -> None:
        self.message = message
        self.values = {key: _plain(value) for key, value in (values or {}).items()}
        self.plural = plural
        self.context = context

    @classmethod
    def gettext(cls, message: str, **values: Any) -> Said:
        return cls(message, values)

    @classmethod
    def ngettext(cls, singular: str, plural: str, num: int, **values: Any) -> Said:
        return cls(singular, {**values, "num": num}, plural=plural)

    @classmethod
    def pgettext(cls, context: str, message: str, **values: Any) -> Said:
        return cls(message, values, context=context)

    def __str__(self) -> str:
        """In English, as gettext says it where there is no catalog."""
        values = {key: _english(value) for key, value in self.values.items()}
        words = self.message
        if self.plural is not None and values["num"] != 1:
            words = self.plural
        return words % values if values else words

    def __repr__(self) -> str:
        return f"Said({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Said) and self.kept() == other.kept()

    def __hash__(self) -> int:
        return hash(self.message)

    def translated(self) -> str:
        """In the reader's language (English where there is no reader)."""
        values = {key: _translated(value) for key, value in self.values.items()}
        if self.plural is not None:
            num = values.pop("num")
            return ngettext(self.message, self.plural, num, **values)
        if self.context is not None:
            return pgettext(self.context, self.message, **values)
        return _(self.message, **values)

    def kept(self) -> dict[str, Any]:
        """As JSON keeps it (a job's result)."""
        kept: dict[str, Any] = {
            "message": self.message,
            "values": {key: _kept(value) for key, value in self.values.items()},
        }
        if self.plural is not None:
            kept["plural"] = self.plural
        if self.context is not None:
            kept["context"] = self.context
        return kept

    @classmethod
    def of(cls, kept: Any) -> Said | str:
        """Words `kept` rebuilt; an older job's words (a string) as they were kept."""
        if not isinstance(kept, dict) or not isinstance(kept.get("message"), str):
            return "" if kept is None else str(kept)
        values = {key: _rebuilt(value) for key, value in (kept.get("values") or {}).items()}
        return cls(kept["message"], values, plural=kept.get("plural"), context=kept.get("context"))


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(each) for each in value]
    return value


def _english(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(each) for each in value)
    return str(value) if isinstance(value, Said) else value


def _translated(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(translated(each) for each in value)
    return value.translated() if isinstance(value, Said) else value


def _kept(value: Any) -> Any:
    if isinstance(value, list):
        return [_kept(each) for each in value]
    return value.kept() if isinstance(value, Said) else value


def _rebuilt(value: Any) -> Any:
    if isinstance(value, list):
        return [_rebuilt(each) for each in value]
    return Said.of(value) if isinstance(value, dict) else value


def translated(words: Said | str | dict[str, Any] | None) -> str:
    """Words a service said (`Said`, or as a job's result keeps them) in the reader's
    language; a plain string (data, or an older job's English) as it is."""
    if isinstance(words, dict):
        words = Said.of(words)
    if isinstance(words, Said):
        return words.translated()
    return "" if words is None else str(words)
