"""The translation catalogs cannot fall behind the code: every string marked in the code and
the templates is in the template catalog, every locale has every entry translated, none
fuzzy, and each translation keeps its source's placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from crm.i18n import DEFAULT_LOCALE, LOCALES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "crm" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "marked": None, "marked_label": ((1, "c"), 2)}  # fmt: skip
# %(name)s, %s, %d … and Jinja-style {name} are all placeholders the translation must keep.
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdifr]|%[sdifr]|\{[A-Za-z_]\w*\}")


def _catalog(path: Path, locale: str | None = None):
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def _ids(catalog) -> set[str]:
    return {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id
    }


def _marked() -> set[str]:
    """Every string marked for translation in the code and the templates, as `make
    translations` extracts them."""
    found: set[str] = set()
    for folder, method in ((ROOT / "crm", "python"), (ROOT / "templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(folder),
            method_map=[(pattern, method)],
            keywords=KEYWORDS,
            # Babel skips folders whose names start with "_" unless told: templates/_macros.
            directory_filter=lambda path: not Path(path).name.startswith("."),
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_template_catalog_holds_every_string_marked_in_the_code():
    missing = _marked() - _ids(_catalog(TRANSLATIONS / "messages.pot"))
    assert not missing, f"run `make translations` and translate: {sorted(missing)[:20]}"


@pytest.mark.parametrize("locale", [each for each in LOCALES if each != DEFAULT_LOCALE])
def test_every_entry_is_translated_none_fuzzy_with_its_placeholders(locale: str):
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    catalog = _catalog(path, locale)
    assert _ids(catalog) >= _ids(_catalog(TRANSLATIONS / "messages.pot")), (
        f"{locale}: run `make translations`"
    )
    problems = []
    for message in catalog:
        if not message.id:
            continue
        sources = [message.id] if isinstance(message.id, str) else list(message.id)
        targets = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {sources[0]!r}")
        if not all(target and target.strip() for target in targets):
            problems.append(f"untranslated: {sources[0]!r}")
            continue
        wanted = sorted(PLACEHOLDER.findall(sources[-1]))
        for target in targets:
            if sorted(PLACEHOLDER.findall(target)) != wanted:
                problems.append(f"placeholders differ: {sources[0]!r} → {target!r}")
    assert not problems, f"{locale}: " + "; ".join(problems)


def test_every_locale_has_a_catalog_and_nothing_else_does():
    have = {path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert have == set(LOCALES) - {DEFAULT_LOCALE}


def _labelled_enums():
    import crm.models  # noqa: F401  (every model's enums)
    from crm.db import LabelledEnum

    found, waiting = [], list(LabelledEnum.__subclasses__())
    while waiting:
        cls = waiting.pop()
        found.append(cls)
        waiting.extend(cls.__subclasses__())
    return found


def test_every_enum_label_is_in_the_catalog_with_its_context():
    """Stage kinds, statuses, stances…: each member's words, with the context that tells a
    translator what they are said of, are entries of the template catalog."""
    entries = {
        (message.context, message.id)
        for message in _catalog(TRANSLATIONS / "messages.pot")
        if message.id
    }
    labels = [(member._label, cls.__name__) for cls in _labelled_enums() for member in cls]
    assert len(labels) > 100
    missing = [(name, label) for label, name in labels if tuple(label) not in entries]
    assert not missing, f"mark them with crm.i18n.marked_label: {missing[:10]}"
