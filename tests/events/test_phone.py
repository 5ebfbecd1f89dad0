"""The event pages in a real browser: on a 360px phone, under the CSP, and checked by axe."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from crm.events.models import Event, Invitation
from crm.extensions import db
from crm.states.models import State
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (CI installs it)"
)

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def in_browser(work: Callable[[Any], Any]) -> Any:
    """Run `work(chromium)` with a Chromium of its own, on a thread of its own.

    tests/browser keeps a session-wide Playwright on the main thread, and a second sync
    Playwright on the same thread would clash with it; a thread has its own event loop.
    """

    def run() -> Any:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                return work(chromium)
            finally:
                chromium.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("impunity-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


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
        for url in pages:
            response = phone.goto(url)
            assert response.status == 200, url
            overflow = phone.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a phone"
        hosts = {urlsplit(u).netloc for u in requested if not u.startswith(("data:", "about:"))}
        assert hosts == {urlsplit(live_server).netloc}
        assert blocked == []
        context.close()

    in_browser(check)


def test_the_calendar_is_a_list_of_busy_days_on_a_phone(live_server):
    event = _romanian_event()
    url = f"{live_server}/states/RO/events/calendar?month={event.starts_at:%Y-%m}"
    title = event.title

    def check(chromium) -> None:
        context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        phone = context.new_page()
        _sign_in(phone, live_server, "staff@demo.example")
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

    def check(chromium) -> dict[str, list[str]]:
        from axe_playwright_python.sync_playwright import Axe

        # axe injects a script, which the page's policy rightly forbids: only this context
        # bypasses it.
        context = chromium.new_context(viewport=viewport, bypass_csp=True)
        page = context.new_page()
        _sign_in(page, live_server, email)
        axe = Axe()
        problems = {}
        for url in pages:
            if page.goto(url).status != 200:
                continue  # forms staff may not open
            results = axe.run(page)
            serious = [
                v["id"]
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                problems[url] = serious
        context.close()
        return problems

    assert in_browser(check) == {}
