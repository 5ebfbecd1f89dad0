"""Words said where nobody reads them yet (crm.said.Said): what the importers say of a file,
kept by a worker or printed by the command line in English, and said in the reader's language
when a page shows them. Outside a request (the command line, a worker) Flask-Babel answers in
the default locale, English, whatever the catalogs hold; so does the JSON API, whatever the
reader asks for (crm.i18n.TOOLS_SPEAK_ENGLISH)."""

from __future__ import annotations

import json
from datetime import date

from flask_babel import gettext, refresh

from crm.said import Said, translated

# Entries the French catalog already has (crm/translations/fr/LC_MESSAGES/messages.po).
E_MAIL = "Enter an e-mail address such as name@example.org."
E_MAIL_FR = "Saisissez une adresse e-mail comme nom@example.org."
PROBLEMS = (
    "Nothing was imported: %(num)d problem in the file.",
    "Nothing was imported: %(num)d problems in the file.",
)


def _words() -> Said:
    return Said.gettext(
        "%(column)s “%(value)s”: %(problem)s",
        column="email",
        value="not-an-address",
        problem=Said.gettext(E_MAIL),
    )


def test_outside_a_request_gettext_and_said_words_are_english(app):
    with app.app_context():
        refresh()
        assert gettext(E_MAIL) == E_MAIL
        assert _words().translated() == f"email “not-an-address”: {E_MAIL}"
        assert Said.ngettext(*PROBLEMS, 3).translated() == PROBLEMS[1] % {"num": 3}
        assert Said.pgettext("contact kind", "Email").translated() == "Email"


def test_a_page_says_them_in_the_readers_language_and_the_api_in_english(app):
    with app.test_request_context("/states", headers={"Accept-Language": "fr"}):
        refresh()
        # French quotes and spaces its own way.
        assert _words().translated() == f"email « not-an-address » : {E_MAIL_FR}"
        assert Said.ngettext(*PROBLEMS, 3).translated() == (
            "Rien n’a été importé : 3 problèmes dans le fichier."
        )
        assert Said.pgettext("contact kind", "Email").translated() == "E-mail"
        # What they are in English does not change with the reader.
        assert str(_words()) == f"email “not-an-address”: {E_MAIL}"
    with app.test_request_context("/api/v1/states", headers={"Accept-Language": "fr"}):
        refresh()  # the locale is kept in the application context, which the tests share
        assert _words().translated() == f"email “not-an-address”: {E_MAIL}"


def test_the_english_is_what_gettext_says_without_a_catalog():
    assert str(Said.ngettext(*PROBLEMS, 1)) == "Nothing was imported: 1 problem in the file."
    assert str(Said.ngettext(*PROBLEMS, 0)) == "Nothing was imported: 0 problems in the file."
    assert str(Said.gettext("The file is empty.")) == "The file is empty."
    # Without values nothing is formatted, as gettext does not.
    assert str(Said.gettext("50 % or more")) == "50 % or more"
    listed = Said.gettext("seat: %(changes)s", changes=[Said.gettext("a"), "b"])
    assert str(listed) == "seat: a, b"
    assert str(Said.gettext("on %(day)s", day=date(2024, 5, 31))) == "on 2024-05-31"


def test_what_a_job_keeps_is_json_and_comes_back_the_same(app):
    words = Said.gettext(
        "%(what)s and %(more)s on %(day)s",
        what=_words(),
        more=[Said.ngettext(*PROBLEMS, 2), "data"],
        day=date(2024, 5, 31),
    )
    kept = json.loads(json.dumps(words.kept()))
    assert Said.of(kept) == words
    assert str(Said.of(kept)) == str(words)
    with app.test_request_context("/states", headers={"Accept-Language": "fr"}):
        refresh()
        assert translated(kept) == words.translated()
        assert E_MAIL_FR in translated(kept)
        # An older job kept its words in English: said as they were kept.
        assert translated("no party called “Blue”") == "no party called “Blue”"
        assert translated(None) == ""
