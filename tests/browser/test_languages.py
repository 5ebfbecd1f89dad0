"""The main pages in Arabic (right to left) and in French, on a phone (390×844) and a
laptop (1366×900): the page says its language and direction, nothing scrolls sideways,
nothing is loaded from elsewhere, and axe-core finds nothing serious."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from crm.auth.models import User
from crm.extensions import db
from crm.parliament.models import Representative
from crm.states.models import KeyMessage, State
from tests.browser.helpers import serious_violations, sideways_overflow, sign_in, watch

SCREENS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 900}}
READER = "coordinator@demo.example"


def _pages(base: str) -> list[str]:
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    rep = db.session.scalars(
        sa.select(Representative).where(Representative.state_id == romania.id)
    ).first()
    message = db.session.scalars(sa.select(KeyMessage).order_by(KeyMessage.id)).first()
    return [
        f"{base}/dashboard",
        f"{base}/states/RO/risk",
        f"{base}/states/RO",
        f"{base}/representatives?state=RO",
        f"{base}/representatives/{rep.id}",
        f"{base}/states/RO/interactions/new",
        f"{base}/events",
        f"{base}/activity",
        f"{base}/account",
        # The campaign's key messages, kept by coordinators in every language.
        f"{base}/campaign/key-messages",
        f"{base}/campaign/key-messages/{message.id}/edit",
    ]


def _speaks(locale: str) -> None:
    reader = db.session.scalars(sa.select(User).where(User.email == READER)).one()
    reader.locale = locale
    db.session.commit()


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize(("locale", "direction"), [("ar", "rtl"), ("fr", "ltr")])
def test_the_main_pages_fit_and_say_their_language(browser, live_server, locale, direction, screen):
    _speaks(locale)
    # axe injects a script, which the page's policy rightly forbids: only this context
    # bypasses it; the policy itself is checked by the pages' own requests below.
    context = browser.new_context(viewport=SCREENS[screen], bypass_csp=True)
    page = context.new_page()
    try:
        watched = watch(page)
        sign_in(page, live_server, READER)  # the sign-in page is English: no choice yet
        problems = {}
        for url in _pages(live_server):
            response = page.goto(url)
            assert response.status == 200, url
            html = page.locator("html")
            assert html.get_attribute("lang") == locale, url
            assert html.get_attribute("dir") == direction, url
            overflow = sideways_overflow(page)
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px ({locale}, {screen})"
            if serious := serious_violations(page):
                problems[url] = serious
        assert problems == {}
        assert watched.hosts() == {urlsplit(live_server).netloc}
    finally:
        context.close()
        _speaks(None)
