"""A section member on a phone: sign in and browse, under the real Content-Security-Policy."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import Representative
from crm.states.models import State
from tests.browser.helpers import PHONE, serious_violations, sideways_overflow, sign_in, watch


def _pages(base: str) -> list[str]:
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    rep = db.session.scalars(
        sa.select(Representative).where(Representative.state_id == romania.id)
    ).first()
    return [
        f"{base}/dashboard",
        f"{base}/states/RO/risk",
        f"{base}/states",
        f"{base}/states/RO",
        f"{base}/states/IN",
        f"{base}/representatives?state=RO",
        f"{base}/representatives/{rep.id}",
        f"{base}/account",
    ]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def test_pages_fit_a_phone_and_load_nothing_from_elsewhere(phone, live_server):
    watched = watch(phone)
    sign_in(phone, live_server, "section.ro@demo.example")
    for url in _pages(live_server):
        response = phone.goto(url)
        assert response.status == 200, url
        overflow = sideways_overflow(phone)
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a phone"
    assert watched.hosts() == {urlsplit(live_server).netloc}
    assert watched.blocked == [], "the pages break their own Content-Security-Policy"


def test_sign_out_from_a_phone(phone, live_server):
    sign_in(phone, live_server, "staff@demo.example")
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url(f"{live_server}/login")
    phone.goto(f"{live_server}/states")
    assert urlsplit(phone.url).path == "/login"


def test_no_serious_accessibility_violations(browser, live_server):
    # axe injects a script, which the page's policy rightly forbids: only this context
    # bypasses it.
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    try:
        problems = {}
        for url in [f"{live_server}/login", *_pages(live_server)]:
            if url.endswith("/dashboard"):
                sign_in(page, live_server, "coordinator@demo.example")
            page.goto(url)
            if serious := serious_violations(page):
                problems[url] = serious
        assert problems == {}
    finally:
        context.close()
