"""A pseudo-locale for the tests: every string that goes through the catalogs comes out
wrapped in ⟦ ⟧, so any visible text of a page outside the markers was never marked for
translation (unless it is data: names, numbers, what people wrote).

It replaces the translations Flask-Babel hands out, for the apps of a `with pseudo():`
block; what a string says is unchanged, so pages work as in English."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import flask_wtf.i18n
from babel.support import NullTranslations
from bs4 import BeautifulSoup, NavigableString
from flask_babel import Domain

from crm.i18n import babel

OPEN, CLOSE = "⟦", "⟧"
_MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
# What may stand outside the markers: spaces, punctuation, symbols and digits.
_NOT_WORDS = re.compile(r"^[\W\d_]*$")
# Attributes people read or hear.
_READ = ("title", "aria-label", "placeholder", "alt")


class _Wrapping(NullTranslations):
    def ugettext(self, message: str) -> str:
        return f"{OPEN}{message}{CLOSE}"

    gettext = ugettext

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return f"{OPEN}{singular if n == 1 else plural}{CLOSE}"

    ngettext = ungettext

    def upgettext(self, context: str, message: str) -> str:
        return self.ugettext(message)

    def unpgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.ungettext(singular, plural, n)


class _PseudoDomain(Domain):
    def get_translations(self):
        return _Wrapping()


@contextlib.contextmanager
def pseudo() -> Iterator[None]:
    """Ours and WTForms' own messages ("Not a valid choice.", from its catalogs through
    Flask-WTF) alike."""
    before, wtforms_before = babel.domain_instance, flask_wtf.i18n._get_translations
    babel.domain_instance = _PseudoDomain()
    flask_wtf.i18n._get_translations = _Wrapping
    try:
        yield
    finally:
        babel.domain_instance = before
        flask_wtf.i18n._get_translations = wtforms_before


def unmarked(html: str, data: tuple[str, ...] = ()) -> list[str]:
    """The texts of a page a reader sees or hears that did not come through the catalogs:
    text nodes and read attributes, with every marked part and every `data` value taken
    out, that still hold a letter. Text in an element with a language of its own (a
    language named in itself, a name in its script) is data."""
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup.select("script, style, template, noscript"):
        hidden.decompose()
    texts: list[str] = []
    for node in soup.find_all(string=True):
        if type(node) is not NavigableString or node.parent is None:
            continue  # comments, the doctype
        if any(parent.name != "html" and parent.has_attr("lang") for parent in node.parents):
            continue
        texts.append(str(node))
    for element in soup.find_all(True):
        texts.extend(str(element[name]) for name in _READ if element.has_attr(name))
        if element.name == "input" and element.get("type") in ("submit", "button"):
            texts.append(str(element.get("value", "")))
    found = []
    for text in texts:
        rest = text
        while _MARKED.search(rest):
            rest = _MARKED.sub(" ", rest)
        for value in data:
            rest = rest.replace(value, " ")
        if not _NOT_WORDS.match(rest):
            found.append(" ".join(text.split()))
    return found
