"""The Romania section logs a meeting from a phone, in a real browser, under the real CSP.

Each test drives its own Chromium in a thread of its own: Playwright's sync API allows one
instance per thread, and the session-wide browser of tests/browser is only visible there.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUp, Interaction
from crm.parliament.models import Representative, Stance, StanceRecord
from crm.states.models import State
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium is not installed (CI installs it)"
)

PHONE = {"width": 360, "height": 740}
T = TypeVar("T")


def in_browser(steps: Callable[..., T]) -> T:
    """Run `steps(browser)` against a fresh headless Chromium, in a thread of its own."""

    def work() -> T:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                return steps(chromium)
            finally:
                chromium.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def on_phone(steps: Callable[..., T]) -> T:
    def with_page(chromium) -> T:
        context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        try:
            return steps(context.new_page())
        finally:
            context.close()

    return in_browser(with_page)


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("impunity-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/login")


def _romanian() -> Representative:
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    return db.session.scalars(
        sa.select(Representative)
        .where(Representative.state_id == romania.id, Representative.do_not_contact.is_(False))
        .order_by(Representative.id)
    ).first()


def _fits(page) -> int:
    # After a form post the next page may still be loading: measure the page that arrived.
    page.wait_for_load_state("load")
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_the_romania_section_logs_a_meeting_from_a_phone(live_server):
    rep = _romanian()
    second = db.session.scalars(
        sa.select(Representative)
        .where(Representative.state_id == rep.state_id, Representative.id != rep.id)
        .order_by(Representative.id)
    ).first()
    rep_id, second_id, second_name = rep.id, second.id, second.family_name or second.name
    db.session.rollback()  # the browser's requests write: hold no read lock meanwhile

    def steps(phone) -> dict:
        seen: dict = {"blocked": [], "requested": [], "overflow": {}}
        phone.on("request", lambda request: seen["requested"].append(request.url))
        phone.on(
            "console",
            lambda message: (
                seen["blocked"].append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        _sign_in(phone, live_server, "section.ro@demo.example")
        phone.goto(f"{live_server}/representatives/{rep_id}")
        phone.get_by_role("link", name="Log a contact").click()
        seen["overflow"]["form"] = _fits(phone)
        # Find a second person by name, without losing what was typed.
        phone.get_by_label("Summary").fill("Met in the corridor after the plenary.")
        phone.get_by_label("Find a representative by name").fill(second_name)
        phone.get_by_role("button", name="Find").click()
        seen["summary_kept"] = phone.get_by_label("Summary").input_value()
        phone.locator(f"#pick-{second_id}").check()
        phone.get_by_role("button", name="Add the ticked people").click()
        seen["overflow"]["form with two people"] = _fits(phone)
        phone.locator("select[name='stances-0-stance']").select_option("leaning_against")
        phone.get_by_label("Restricted", exact=False).check()
        phone.locator("details.follow-up-entries summary").click()
        phone.locator("input[name='follow_ups-0-title']").fill("Send the legal note")
        phone.get_by_role("button", name="Save contact").click()
        phone.wait_for_url(f"{live_server}/interactions/*")
        seen["saved"] = "Contact saved." in phone.content()
        seen["overflow"]["contact"] = _fits(phone)
        for path in ("/follow-ups", "/states/RO/follow-ups", "/states/RO/interactions"):
            seen[path] = phone.goto(f"{live_server}{path}").status
            seen["overflow"][path] = _fits(phone)
        return seen

    seen = on_phone(steps)
    assert seen["summary_kept"] == "Met in the corridor after the plenary."
    assert seen["saved"]
    assert all(seen[path] == 200 for path in ("/follow-ups", "/states/RO/interactions"))
    assert {where: px for where, px in seen["overflow"].items() if px > 0} == {}
    hosts = {urlsplit(u).netloc for u in seen["requested"] if not u.startswith(("data:", "about:"))}
    assert hosts == {urlsplit(live_server).netloc}
    assert seen["blocked"] == []

    db.session.rollback()  # end the test's read snapshot: the server wrote since
    interaction = db.session.scalars(sa.select(Interaction).order_by(Interaction.id.desc())).first()
    assert {r.id for r in interaction.representatives} == {rep_id, second_id}
    assert interaction.confidentiality is Confidentiality.RESTRICTED
    stance = db.session.scalar(
        sa.select(StanceRecord.stance).where(StanceRecord.interaction_id == interaction.id)
    )
    assert stance is Stance.LEANING_AGAINST
    title = db.session.scalar(
        sa.select(FollowUp.title).where(FollowUp.interaction_id == interaction.id)
    )
    assert title == "Send the legal note"


def test_the_nepal_section_cannot_log_a_romanian_meeting(live_server):
    rep_id = _romanian().id
    db.session.rollback()

    def steps(phone) -> dict:
        _sign_in(phone, live_server, "section.ne@demo.example")
        seen = {"page": phone.goto(f"{live_server}/representatives/{rep_id}").status}
        seen["log links"] = phone.get_by_role("link", name="Log a contact").count()
        seen["form"] = phone.goto(f"{live_server}/states/RO/interactions/new").status
        # In their own state's form, a Romanian id in the link is left out, with a message.
        url = f"{live_server}/states/NP/interactions/new?representative={rep_id}"
        seen["own form"] = phone.goto(url).status
        seen["message"] = "Only representatives of" in phone.content()
        seen["chosen"] = phone.locator(f"input[name=representatives][value='{rep_id}']").count()
        return seen

    assert on_phone(steps) == {
        "page": 200,
        "log links": 0,
        "form": 403,
        "own form": 200,
        "message": True,
        "chosen": 0,
    }


def test_no_serious_accessibility_violations(live_server):
    rep = _romanian()
    interaction = db.session.scalars(
        sa.select(Interaction).where(Interaction.state_id == rep.state_id)
    ).first()
    follow_up = db.session.scalars(
        sa.select(FollowUp).where(FollowUp.state_id == rep.state_id)
    ).first()
    paths = (
        f"/states/RO/interactions/new?representative={rep.id}",
        "/states/RO/interactions/new?q=a",
        f"/interactions/{interaction.id}",
        f"/interactions/{interaction.id}/edit",
        "/states/RO/interactions",
        "/follow-ups",
        "/states/RO/follow-ups",
        "/follow-ups/new?state=RO",
        f"/follow-ups/{follow_up.id}/edit",
    )
    db.session.rollback()

    def steps(chromium) -> dict:
        from axe_playwright_python.sync_playwright import Axe

        # axe injects a script, which the page's policy rightly forbids: only this context
        # bypasses it.
        context = chromium.new_context(viewport=PHONE, bypass_csp=True)
        page = context.new_page()
        try:
            _sign_in(page, live_server, "section.ro@demo.example")
            axe = Axe()
            problems = {}
            for path in paths:
                page.goto(f"{live_server}{path}")
                results = axe.run(page)
                serious = [
                    (v["id"], [n["target"] for n in v["nodes"]][:3])
                    for v in results.response["violations"]
                    if v["impact"] in ("serious", "critical")
                ]
                if serious:
                    problems[path] = serious
            return problems
        finally:
            context.close()

    assert in_browser(steps) == {}
