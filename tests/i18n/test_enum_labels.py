"""The words of the enumerations (stage kinds, statuses, stances, vote options…) in the
reader's language: said where they are shown, in the menus of forms built once at import,
and as written outside a request (the command line, the demo data); the values the API and
the files carry never change."""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask_babel import force_locale

from crm.db import say
from crm.events.models import EventKind, EventStatus
from crm.extensions import db
from crm.i18n import LOCALES
from crm.interactions.models import FollowUpStatus
from crm.parliament.models import Stance
from crm.states.models import StageKind, StageStatus
from tests.conftest import sign_in


def test_a_label_is_said_in_the_readers_language_and_written_in_english_elsewhere(app):
    # Outside an app context (the command line, the demo data): the English words.
    assert StageKind.PLENARY_VOTE.label == "Plenary vote"
    assert Stance.FOR_RATIFICATION.short_label == "For"
    with app.test_request_context("/"):
        with force_locale("en"):
            assert StageKind.PLENARY_VOTE.label == "Plenary vote"
            assert Stance.LEANING_AGAINST.short_label == "Leaning against"
        for locale in LOCALES:
            if locale == "en":
                continue
            with force_locale(locale):
                assert StageKind.PLENARY_VOTE.label != "Plenary vote", locale
                assert Stance.FOR_RATIFICATION.label != "For ratification", locale
                assert Stance.FOR_RATIFICATION.short_label != "For", locale
                # The value never changes with the language.
                assert StageKind.PLENARY_VOTE.value == "plenary_vote"


def test_the_same_word_takes_its_own_context(app):
    """ "Cancelled" is said of an event and of a stage: two entries, each translated for
    its own noun (French: un événement annulé, une étape annulée)."""
    assert EventStatus.CANCELLED._label != StageStatus.CANCELLED._label
    assert EventStatus.CANCELLED._label[1] == StageStatus.CANCELLED._label[1]
    with app.test_request_context("/"), force_locale("fr"):
        assert say(EventStatus.CANCELLED._label) != "Cancelled"
        assert say(StageStatus.CANCELLED._label) != "Cancelled"
        assert say(FollowUpStatus.CANCELLED._label) != "Cancelled"


def test_pages_and_form_menus_show_the_labels_in_the_readers_language(app, client, world):
    world.member.locale = "fr"
    db.session.commit()
    sign_in(client, world.member)
    iso2 = world.home.state.iso2
    with app.test_request_context("/"), force_locale("fr"):
        vigil = EventKind.VIGIL.label
        statuses = [status.label for status in FollowUpStatus]
    assert vigil != "Vigil"
    # A menu built from the enum when the form class was defined.
    page = BeautifulSoup(
        client.get(f"/states/{iso2}/events/new").get_data(as_text=True), "html.parser"
    )
    options = [option.get_text(strip=True) for option in page.select("select option")]
    assert vigil in options, options
    assert "Vigil" not in options
    # A page listing follow-ups by status.
    html = client.get(f"/states/{iso2}/follow-ups").get_data(as_text=True)
    assert any(status in html for status in statuses)
