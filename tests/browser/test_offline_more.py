"""Issue 12, part 6b, more of it: an event planned on a phone (390×844) without a connection
is kept on the phone (crm/static/js/offline.js), its form opens again from the offline
worker's copy (sw.js), and it is sent once when the connection returns, at the time typed
in the state's own time zone; the "Waiting on this phone" panel passes axe on a phone and a
desktop, names its buttons, and fits a 390-pixel screen."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from crm.events.models import Event
from crm.extensions import db
from crm.states.models import State
from tests.browser.helpers import (
    in_browser,
    needs_chromium,
    serious_violations,
    sideways_overflow,
    watch,
)
from tests.browser.test_offline import (
    FORM,
    PHONE_390,
    READ_STORE,
    _cached_forms,
    _fill,
    _open_form_online,
    _romanian,
    _sent,
    _waiting,
)

pytestmark = needs_chromium

EVENT_FORM = "/states/RO/events/new"
DESKTOP_1366 = {"width": 1366, "height": 900}


def _events(title: str) -> list[Event]:
    db.session.rollback()  # end the test's read snapshot: the server wrote since
    return list(db.session.scalars(sa.select(Event).where(Event.title == title)))


def _await(flag: threading.Event, running: Future, timeout: float = 60) -> None:
    """Wait for the browser's thread to raise `flag`; if it fails first, its error."""
    deadline = time.monotonic() + timeout
    while not flag.wait(0.1):
        if running.done():
            running.result()
            raise AssertionError("the browser finished without getting there")
        assert time.monotonic() < deadline, "the browser never got there"


def test_an_event_planned_offline_is_kept_and_sent_once(live_server):
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    romania_id, zone = romania.id, ZoneInfo(romania.timezone)
    rep_id = _romanian().id
    title = "Vigil outside the Senate, planned without any signal"
    db.session.rollback()

    kept, checked = threading.Event(), threading.Event()

    def steps(chromium: Any) -> dict:
        context = chromium.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
        # Signs in and lets the offline worker take charge of the pages.
        page = _open_form_online(context, live_server, rep_id)
        page.goto(f"{live_server}{EVENT_FORM}")
        seen: dict = {"watched": watch(page)}
        # The worker keeps its copy after the page has arrived: going offline sooner would
        # leave nothing to reopen.
        seen["copies"] = _cached_forms(page, 2)
        context.set_offline(True)
        page.get_by_label("Title", exact=True).fill(title)
        page.locator("input[name=starts_at]").fill("2026-12-20T18:00")
        page.get_by_label("City", exact=True).fill("Cluj-Napoca")
        page.get_by_role("button", name="Save event").click()
        page.locator("#offline-note").wait_for()
        seen["note"] = page.locator("#offline-note").inner_text()
        seen["store"] = [json.loads(item) for item in page.evaluate(READ_STORE)]
        kept.set()
        assert checked.wait(30)  # the test's thread has looked in the database meanwhile
        # Offline, the bare form opens again from the worker's copy.
        page.reload()
        seen["reopened"] = page.get_by_role("heading", name="Plan an event").is_visible()
        seen["copy note"] = page.locator("#offline-note").inner_text()
        page.locator("#offline-count").wait_for(state="visible")
        seen["count after reload"] = _waiting(page)
        context.set_offline(False)
        seen["kept after"] = _sent(page)
        page.reload()  # another page load sends nothing more
        page.locator("#offline-count").wait_for(state="hidden")
        seen["kept after reload"] = _sent(page)
        context.close()
        return seen

    # The browser works on a thread of its own; the database is read from the test's.
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(in_browser, steps)
        try:
            _await(kept, running)
            before = _events(title)
        finally:
            checked.set()
        seen = running.result()

    assert seen["copies"] == [f"{live_server}{EVENT_FORM}", f"{live_server}{FORM}"]
    assert "Saved on this phone — will be sent when you are back online." in seen["note"]
    [item] = seen["store"]
    assert item["url"] == EVENT_FORM
    assert item["label"] == f"Event in Romania: {title}"
    assert before == []
    assert seen["reopened"]
    assert "this form was kept on this phone" in seen["copy note"]
    assert seen["count after reload"].startswith("1 waiting on this phone")
    assert seen["kept after"] == []
    assert seen["kept after reload"] == []
    assert seen["watched"].blocked == []

    [event] = _events(title)
    assert event.state_id == romania_id
    assert event.city == "Cluj-Napoca"
    assert event.starts_at == datetime(2026, 12, 20, 18, 0, tzinfo=zone).astimezone(UTC)
    assert event.status.value == "planned"


def test_the_waiting_panel_passes_axe_on_a_phone_and_a_desktop(live_server):
    rep_id = _romanian().id
    summary = "Logged in a tunnel; the server is out of reach."
    db.session.rollback()

    def look(chromium: Any, viewport: dict, *, phone: bool) -> dict:
        # axe injects a script, which the page's policy rightly forbids: only this context
        # bypasses it.
        context = chromium.new_context(
            viewport=viewport, is_mobile=phone, has_touch=phone, bypass_csp=True
        )
        page = _open_form_online(context, live_server, rep_id)
        context.set_offline(True)
        _fill(page, summary)
        page.get_by_role("button", name="Save contact").click()
        page.locator("#offline-note").wait_for()
        # Online, but the server cannot take it: the contact keeps waiting.
        page.route(f"**{FORM}", lambda route: route.abort())
        context.set_offline(False)
        page.goto(f"{live_server}/follow-ups")
        panel = page.locator("#offline-waiting")
        panel.wait_for(state="visible")
        panel.get_by_role("button", name="Send now").wait_for()
        seen = {
            "kept": len(page.evaluate(READ_STORE)),
            "heading": panel.get_by_role("heading", name="Waiting on this phone").count(),
            "buttons": panel.get_by_role("button").count(),
            "named": sum(
                panel.get_by_role("button", name=name, exact=True).count()
                for name in ("Discard", "Send now")
            ),
            "overflow": sideways_overflow(page),
            "panel overflow": panel.evaluate("(p) => p.scrollWidth - p.clientWidth"),
            "panel right": panel.evaluate("(p) => p.getBoundingClientRect().right"),
            "axe": serious_violations(page),
        }
        context.close()
        return seen

    def steps(chromium: Any) -> dict:
        return {
            "phone": look(chromium, PHONE_390, phone=True),
            "desktop": look(chromium, DESKTOP_1366, phone=False),
        }

    seen = in_browser(steps)
    for label, width in (("phone", 390), ("desktop", 1366)):
        found = seen[label]
        assert found["kept"] == 1, label
        assert found["axe"] == [], label
        assert found["heading"] == 1, label
        assert found["buttons"] == found["named"] == 2, label
        assert found["overflow"] == 0, label
        assert found["panel overflow"] == 0, label
        assert found["panel right"] <= width, label
