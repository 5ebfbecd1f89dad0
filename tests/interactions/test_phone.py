"""The Romania section logs a meeting from a phone, in a real browser, under the real CSP.

Each test drives its own Chromium on a thread of its own (tests/browser/helpers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa

from crm.extensions import db
from crm.interactions.models import Confidentiality, FollowUp, Interaction
from crm.parliament.models import Representative, Stance, StanceRecord
from crm.states.models import State
from tests.browser.helpers import (
    PHONE,
    in_browser,
    needs_chromium,
    serious_violations,
    sideways_overflow,
    sign_in,
    watch,
)

pytestmark = needs_chromium

T = TypeVar("T")


def on_phone(steps: Callable[..., T]) -> T:
    def with_page(chromium) -> T:
        context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        try:
            return steps(context.new_page())
        finally:
            context.close()

    return in_browser(with_page)


def _romanian() -> Representative:
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    return db.session.scalars(
        sa.select(Representative)
        .where(Representative.state_id == romania.id, Representative.do_not_contact.is_(False))
        .order_by(Representative.id)
    ).first()


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
        seen: dict = {"watched": watch(phone), "overflow": {}}
        sign_in(phone, live_server, "section.ro@demo.example")
        phone.goto(f"{live_server}/representatives/{rep_id}")
        phone.get_by_role("link", name="Log a contact").click()
        seen["overflow"]["form"] = sideways_overflow(phone)
        # Find a second person by name, without losing what was typed.
        phone.get_by_label("Summary").fill("Met in the corridor after the plenary.")
        phone.get_by_label("Find a representative by name").fill(second_name)
        phone.get_by_role("button", name="Find").click()
        seen["summary_kept"] = phone.get_by_label("Summary").input_value()
        phone.locator(f"#pick-{second_id}").check()
        phone.get_by_role("button", name="Add the ticked people").click()
        seen["overflow"]["form with two people"] = sideways_overflow(phone)
        phone.locator("select[name='stances-0-stance']").select_option("leaning_against")
        # Everyone met gets a stance choice, "No stance seen" included (issue 12).
        phone.locator("select[name='stances-1-stance']").select_option("none")
        phone.get_by_label("Restricted", exact=False).check()
        phone.locator("details.follow-up-entries summary").click()
        phone.locator("input[name='follow_ups-0-title']").fill("Send the legal note")
        phone.get_by_role("button", name="Save contact").click()
        phone.wait_for_url(f"{live_server}/interactions/*")
        seen["saved"] = "Contact saved." in phone.content()
        seen["overflow"]["contact"] = sideways_overflow(phone)
        for path in ("/follow-ups", "/states/RO/follow-ups", "/states/RO/interactions"):
            seen[path] = phone.goto(f"{live_server}{path}").status
            seen["overflow"][path] = sideways_overflow(phone)
        return seen

    seen = on_phone(steps)
    assert seen["summary_kept"] == "Met in the corridor after the plenary."
    assert seen["saved"]
    assert all(seen[path] == 200 for path in ("/follow-ups", "/states/RO/interactions"))
    assert {where: px for where, px in seen["overflow"].items() if px > 0} == {}
    assert seen["watched"].hosts() == {urlsplit(live_server).netloc}
    assert seen["watched"].blocked == []

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
        sign_in(phone, live_server, "section.ne@demo.example")
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
        # axe injects a script, which the page's policy rightly forbids: only this context
        # bypasses it.
        context = chromium.new_context(viewport=PHONE, bypass_csp=True)
        page = context.new_page()
        try:
            sign_in(page, live_server, "section.ro@demo.example")
            problems = {}
            for path in paths:
                page.goto(f"{live_server}{path}")
                if serious := serious_violations(page):
                    problems[path] = serious
            return problems
        finally:
            context.close()

    assert in_browser(steps) == {}
