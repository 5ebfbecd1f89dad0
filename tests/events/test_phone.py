"""The event pages in a real browser: on a 360px phone, under the CSP, and checked by axe."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from crm.events.models import Event, Invitation
from crm.extensions import db
from crm.states.models import State
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    in_browser,
    needs_chromium,
    serious_violations,
    sideways_overflow,
    sign_in,
    watch,
)

pytestmark = needs_chromium


def _romanian_event() -> Event:
    """A Romanian demo event, one with guests if there is one."""
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    in_romania = sa.select(Event).where(Event.state_id == romania.id).order_by(Event.id)
    return (
        db.session.scalars(
            in_romania.where(Event.invitations.any(Invitation.id.is_not(None)))
        ).first()
        or db.session.scalars(in_romania).first()
    )


def _pages(base: str) -> list[str]:
    event = _romanian_event()
    return [
        f"{base}/events",
        f"{base}/events?when=all&state=RO",
        f"{base}/events/calendar",
        f"{base}/states/RO/events/calendar?month={event.starts_at:%Y-%m}",
        f"{base}/states/RO/events",
        f"{base}/events/{event.id}",
        f"{base}/events/{event.id}/edit",
        f"{base}/events/{event.id}/invitations/new",
        f"{base}/states/RO/events/new",
    ]


def test_event_pages_fit_a_phone_and_keep_to_the_policy(live_server):
    pages = _pages(live_server)

    def check(chromium) -> None:
        context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        phone = context.new_page()
        watched = watch(phone)
        sign_in(phone, live_server, "section.ro@demo.example")
        for url in pages:
            response = phone.goto(url)
            assert response.status == 200, url
            overflow = sideways_overflow(phone)
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a phone"
        assert watched.hosts() == {urlsplit(live_server).netloc}
        assert watched.blocked == []
        context.close()

    in_browser(check)


def test_the_calendar_is_a_list_of_busy_days_on_a_phone(live_server):
    event = _romanian_event()
    url = f"{live_server}/states/RO/events/calendar?month={event.starts_at:%Y-%m}"
    title = event.title

    def check(chromium) -> None:
        context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        phone = context.new_page()
        sign_in(phone, live_server, "staff@demo.example")
        phone.goto(url)
        visible_cells = phone.locator("table.calendar td:visible")
        busy = phone.locator("table.calendar td.calendar-busy")
        # Only days with events (and today) are shown, one under another.
        assert visible_cells.count() <= busy.count() + 1
        assert phone.get_by_role("link", name=title).first.is_visible()
        context.close()

    in_browser(check)


@pytest.mark.parametrize(
    ("email", "viewport"),
    [
        ("section.ro@demo.example", PHONE),
        ("staff@demo.example", PHONE),
        ("section.ro@demo.example", DESKTOP),
    ],
)
def test_no_serious_accessibility_violations(live_server, email, viewport):
    pages = _pages(live_server)

    def check(chromium) -> dict[str, list]:
        # axe injects a script, which the page's policy rightly forbids: only this context
        # bypasses it.
        context = chromium.new_context(viewport=viewport, bypass_csp=True)
        page = context.new_page()
        sign_in(page, live_server, email)
        problems = {}
        for url in pages:
            if page.goto(url).status != 200:
                continue  # forms staff may not open
            if serious := serious_violations(page):
                problems[url] = serious
        context.close()
        return problems

    assert in_browser(check) == {}
