"""A request keeps its language's catalog (crm.i18n._KeptDomain) instead of finding it
again for every string; what it says still follows the language whenever that changes:
forced for an e-mail or a pack (force_locale), chosen anew (refresh), or another request."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale, gettext, ngettext, refresh

from crm.i18n import babel

TEMPLATE = "{{ _('States') }} / {{ ngettext('%(num)d state', '%(num)d states', 3) }}"


def _said() -> tuple[str, str, str]:
    return (
        gettext("States"),
        ngettext("%(num)d state", "%(num)d states", 3),
        render_template_string(TEMPLATE),
    )


def test_strings_follow_the_language_as_it_changes(app):
    with app.test_request_context("/states", headers={"Accept-Language": "fr"}):
        refresh()
        assert _said() == ("États", "3 États", "États / 3 États")
        with force_locale("ru"):
            assert _said() == ("Государства", "3 государства", "Государства / 3 государства")
            with force_locale("ar"):
                assert _said()[0] == "الدول"
            assert _said()[0] == "Государства"
        assert _said() == ("États", "3 États", "États / 3 États")
    with app.test_request_context("/states", headers={"Accept-Language": "es"}):
        refresh()
        assert _said()[0] == "Estados"
    with app.test_request_context("/api/v1/states", headers={"Accept-Language": "es"}):
        refresh()
        assert _said() == ("States", "3 states", "States / 3 states")


def test_the_catalog_is_found_once_a_language(app):
    with app.test_request_context("/states", headers={"Accept-Language": "pt"}):
        refresh()
        domain = babel.domain_instance
        first = domain.get_translations()
        assert domain.get_translations() is first
        with force_locale("ro"):
            romanian = domain.get_translations()
            assert romanian is not first
            assert domain.get_translations() is romanian
        assert domain.get_translations() is first


def test_outside_a_request_strings_are_english(app):
    assert gettext("States") == "States"
    with app.app_context():
        refresh()
        assert _said() == ("States", "3 states", "States / 3 states")
