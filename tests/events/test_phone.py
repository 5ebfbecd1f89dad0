"""The event pages in a real browser: on a 360px phone, under the CSP, and checked by axe."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from crm.events.models import Event, Invitation
from crm.extensions import db
from crm.states.models import State

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (CI installs it)"
)

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("impunity-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _pages(base: str) -> list[str]:
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    with_guests = (
        db.session.scalars(
            sa.select(Event)
            .where(Event.state_id == romania.id, Event.invitations.any(Invitation.id.is_not(None)))
            .order_by(Event.id)
        ).first()
        or db.session.scalars(sa.select(Event).where(Event.state_id == romania.id)).first()
    )
    return [
        f"{base}/events",
        f"{base}/events?when=all&state=RO",
        f"{base}/events/calendar",
        f"{base}/states/RO/events/calendar?month={with_guests.starts_at:%Y-%m}",
        f"{base}/states/RO/events",
        f"{base}/events/{with_guests.id}",
        f"{base}/events/{with_guests.id}/edit",
        f"{base}/events/{with_guests.id}/invitations/new",
        f"{base}/states/RO/events/new",
    ]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def test_event_pages_fit_a_phone_and_keep_to_the_policy(phone, live_server):
    requested: list[str] = []
    blocked: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))
    phone.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    _sign_in(phone, live_server, "section.ro@demo.example")
    for url in _pages(live_server):
        response = phone.goto(url)
        assert response.status == 200, url
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a phone"
    hosts = {urlsplit(u).netloc for u in requested if not u.startswith(("data:", "about:"))}
    assert hosts == {urlsplit(live_server).netloc}
    assert blocked == []


def test_the_calendar_is_a_list_of_busy_days_on_a_phone(phone, live_server):
    _sign_in(phone, live_server, "staff@demo.example")
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    event = db.session.scalars(sa.select(Event).where(Event.state_id == romania.id)).first()
    phone.goto(f"{live_server}/states/RO/events/calendar?month={event.starts_at:%Y-%m}")
    visible_cells = phone.locator("table.calendar td:visible")
    busy = phone.locator("table.calendar td.calendar-busy")
    # Only days with events (and today) are shown, one under another.
    assert visible_cells.count() <= busy.count() + 1
    assert phone.get_by_role("link", name=event.title).first.is_visible()


@pytest.mark.parametrize(
    ("email", "viewport"),
    [
        ("section.ro@demo.example", PHONE),
        ("staff@demo.example", PHONE),
        ("section.ro@demo.example", DESKTOP),
    ],
)
def test_no_serious_accessibility_violations(browser, live_server, email, viewport):
    from axe_playwright_python.sync_playwright import Axe

    # axe injects a script, which the page's policy rightly forbids: only this context
    # bypasses it.
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    try:
        _sign_in(page, live_server, email)
        axe = Axe()
        problems = {}
        for url in _pages(live_server):
            response = page.goto(url)
            if response.status != 200:
                continue  # forms staff may not open
            results = axe.run(page)
            serious = [
                v["id"]
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                problems[url] = serious
        assert problems == {}
    finally:
        context.close()
