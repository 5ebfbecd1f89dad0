"""The phone walk-through of issue 12, in a real browser: a section member's first screen
holds "Log a contact" on the home, state and representative pages, and a failed save puts
the focus on the error summary (no script)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import Representative
from crm.states.models import State
from tests.browser.helpers import (
    DESKTOP,
    in_browser,
    needs_chromium,
    serious_violations,
    sideways_overflow,
    sign_in,
    watch,
)

pytestmark = needs_chromium

# The phone of the walk-through.
WALK_THROUGH = {"width": 390, "height": 844}

T = TypeVar("T")


def _in(viewport: dict[str, int], steps: Callable[[Any], T], **options: Any) -> T:
    def with_page(chromium: Any) -> T:
        context = chromium.new_context(viewport=viewport, **options)
        try:
            return steps(context.new_page())
        finally:
            context.close()

    return in_browser(with_page)


def _on_first_screen(page: Any, locator: Any) -> bool:
    """Whether the element is wholly inside the viewport with the page scrolled to the top."""
    page.evaluate("window.scrollTo(0, 0)")
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def _romanian_rep_id() -> int:
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    rep_id = db.session.scalars(
        sa.select(Representative.id)
        .where(Representative.state_id == romania.id, Representative.archived_at.is_(None))
        .order_by(Representative.id)
    ).first()
    db.session.rollback()  # the browser's requests write (sign-in): hold no read lock
    return rep_id


def test_log_a_contact_is_on_the_first_screen_of_a_phone(live_server):
    rep_id = _romanian_rep_id()

    def steps(page: Any) -> dict:
        seen: dict = {"watched": watch(page), "first screen": {}, "overflow": {}}
        sign_in(page, live_server, "section.ro@demo.example")
        page.goto(f"{live_server}/")
        seen["landed"] = urlsplit(page.url).path
        for path in ("/", "/states/RO", f"/representatives/{rep_id}"):
            page.goto(f"{live_server}{path}")
            log = page.locator("main").get_by_role("link", name="Log a contact").first
            seen["first screen"][path] = _on_first_screen(page, log)
            seen["overflow"][path] = sideways_overflow(page)
        page.goto(f"{live_server}/")
        plan = page.locator("main").get_by_role("link", name="Plan an event")
        seen["plan on first screen"] = _on_first_screen(page, plan)
        page.locator("main").get_by_role("link", name="Log a contact").first.click()
        seen["form"] = urlsplit(page.url).path
        return seen

    seen = _in(WALK_THROUGH, steps, is_mobile=True, has_touch=True)
    assert seen["landed"] == "/"
    assert seen["first screen"] == {
        "/": True,
        "/states/RO": True,
        f"/representatives/{rep_id}": True,
    }
    assert seen["plan on first screen"]
    assert seen["form"] == "/states/RO/interactions/new"
    assert {path: px for path, px in seen["overflow"].items() if px > 0} == {}
    assert seen["watched"].blocked == []


def test_a_failed_save_focuses_the_error_summary(live_server):
    def steps(page: Any) -> dict:
        sign_in(page, live_server, "section.ro@demo.example")
        page.goto(f"{live_server}/follow-ups/new?state=RO")
        page.get_by_role("button", name="Save follow-up").click()
        page.wait_for_load_state("load")
        focused = page.evaluate(
            "[document.activeElement.className, document.activeElement.getAttribute('role')]"
        )
        summary = page.locator(".error-summary")
        link = summary.get_by_role("link").first
        link.click()
        return {
            "focused": focused,
            "summary on first screen": _on_first_screen(page, summary),
            "after the link": page.evaluate("location.hash"),
        }

    seen = _in(WALK_THROUGH, steps, is_mobile=True, has_touch=True)
    assert seen["focused"] == ["error-summary", "alert"]
    assert seen["summary on first screen"]
    assert seen["after the link"] == "#title"


def test_the_home_has_no_serious_accessibility_violations(live_server):
    def steps_for(page: Any) -> dict:
        sign_in(page, live_server, "section.ro@demo.example")
        found = {}
        for path in ("/", "/follow-ups?state=ZZ", "/states/RO/follow-ups?q=a"):
            page.goto(f"{live_server}{path}")
            found[path] = serious_violations(page)
        return found

    # axe injects a script, which the page's policy rightly forbids: only these contexts
    # bypass it.
    for viewport in (WALK_THROUGH, DESKTOP):
        found = _in(viewport, steps_for, bypass_csp=True)
        assert {path: v for path, v in found.items() if v} == {}, viewport
