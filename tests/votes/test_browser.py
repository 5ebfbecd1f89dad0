"""Recording a 345-seat plenary vote from a phone, without JavaScript, in a real browser.

Each test drives its own Chromium in a thread of its own: the Playwright sync API refuses to
start while another feature's session-wide browser runs in the main thread.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.states.models import Agreement, Stage, StageKind, State
from crm.votes.models import Vote, VoteEvent
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (CI installs it)"
)

PHONE = {"width": 360, "height": 740}


def _in_a_browser(work: Callable[[Any], Any]) -> Any:
    """Run `work(browser)` with a fresh headless Chromium, in a thread of its own."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                try:
                    outcome["value"] = work(chromium)
                finally:
                    chromium.close()
        except BaseException as error:  # handed to the test's thread below
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _romanian_plenary_vote() -> Stage:
    return db.session.scalar(
        sa.select(Stage)
        .join(Stage.agreement)
        .join(Agreement.state)
        .where(State.iso2 == "RO", Stage.kind == StageKind.PLENARY_VOTE)
        .order_by(Stage.position)
        .limit(1)
    )


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("impunity-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_section_records_a_plenary_vote_from_a_phone(live_server):
    stage_id = _romanian_plenary_vote().id
    db.session.rollback()

    def record(browser) -> dict[str, Any]:
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
        )
        phone = context.new_page()
        seen: dict[str, Any] = {"requested": [], "blocked": [], "overflow": {}}
        phone.on("request", lambda request: seen["requested"].append(request.url))
        phone.on(
            "console",
            lambda m: (
                seen["blocked"].append(m.text) if "Content Security Policy" in m.text else None
            ),
        )
        _sign_in(phone, live_server, "section.ro@demo.example")
        for path in ("/states/RO/agreement", f"/stages/{stage_id}", f"/stages/{stage_id}/vote"):
            assert phone.goto(live_server + path).status == 200, path
            seen["overflow"][path] = phone.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
        rows = phone.locator("fieldset.roll-call-row")
        seen["rows"] = rows.count()
        phone.get_by_label("Result").select_option("fail")
        rows.nth(0).get_by_label("Yes").check()
        rows.nth(1).get_by_label("No", exact=True).check()
        phone.locator("#submit-bottom").click()
        phone.wait_for_load_state()
        seen["landed"] = urlsplit(phone.url).path
        seen["page"] = phone.content()
        context.close()
        return seen

    seen = _in_a_browser(record)
    assert seen["rows"] == 345
    assert all(px <= 0 for px in seen["overflow"].values()), seen["overflow"]
    assert seen["landed"] == f"/stages/{stage_id}"
    assert "Saved the vote" in seen["page"]
    hosts = {urlsplit(u).netloc for u in seen["requested"] if not u.startswith(("data:", "about:"))}
    assert hosts == {urlsplit(live_server).netloc}
    assert seen["blocked"] == []
    recorded = db.session.scalars(
        sa.select(Vote).join(Vote.vote_event).where(VoteEvent.stage_id == stage_id)
    )
    assert sorted(v.option.value for v in recorded) == ["no", "yes"]


def test_the_agreement_stage_and_vote_pages_have_no_serious_accessibility_problems(
    live_server,
):
    stage_id = _romanian_plenary_vote().id
    db.session.rollback()
    paths = (
        "/states/RO/agreement",
        "/states/RO/agreement/edit",
        "/states/RO/stages/new",
        f"/stages/{stage_id}",
        f"/stages/{stage_id}/edit",
        f"/stages/{stage_id}/vote",
    )

    def check(browser) -> dict[str, list[str]]:
        from axe_playwright_python.sync_playwright import Axe

        # axe injects a script, which the pages' policy rightly forbids: only this context
        # bypasses it.
        context = browser.new_context(viewport=PHONE, bypass_csp=True)
        page = context.new_page()
        _sign_in(page, live_server, "coordinator@demo.example")
        axe = Axe()
        problems = {}
        for path in paths:
            page.goto(live_server + path)
            serious = [
                f"{v['id']}: {v['nodes'][0]['target']}"
                for v in axe.run(page).response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                problems[path] = serious
        context.close()
        return problems

    assert _in_a_browser(check) == {}
