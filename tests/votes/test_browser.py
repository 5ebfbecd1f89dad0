"""Recording a 345-seat plenary vote from a phone, without JavaScript, in a real browser.

Each test drives its own Chromium on a thread of its own (tests/browser/helpers.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from crm.extensions import db
from crm.states.models import Agreement, Stage, StageKind, State
from crm.votes.models import Vote, VoteEvent
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


def _romanian_plenary_vote() -> Stage:
    return db.session.scalar(
        sa.select(Stage)
        .join(Stage.agreement)
        .join(Agreement.state)
        .where(State.iso2 == "RO", Stage.kind == StageKind.PLENARY_VOTE)
        .order_by(Stage.position)
        .limit(1)
    )


def test_a_section_records_a_plenary_vote_from_a_phone(live_server):
    stage_id = _romanian_plenary_vote().id
    db.session.rollback()

    def record(browser) -> dict[str, Any]:
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False
        )
        phone = context.new_page()
        seen: dict[str, Any] = {"watched": watch(phone), "overflow": {}}
        sign_in(phone, live_server, "section.ro@demo.example")
        for path in ("/states/RO/agreement", f"/stages/{stage_id}", f"/stages/{stage_id}/vote"):
            assert phone.goto(live_server + path).status == 200, path
            seen["overflow"][path] = sideways_overflow(phone)
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

    seen = in_browser(record)
    assert seen["rows"] == 345
    assert all(px <= 0 for px in seen["overflow"].values()), seen["overflow"]
    assert seen["landed"] == f"/stages/{stage_id}"
    assert "Saved the vote" in seen["page"]
    assert seen["watched"].hosts() == {urlsplit(live_server).netloc}
    assert seen["watched"].blocked == []
    recorded = db.session.scalars(
        sa.select(Vote).join(Vote.vote_event).where(VoteEvent.stage_id == stage_id)
    )
    assert sorted(v.option.value for v in recorded) == ["no", "yes"]


def test_the_agreement_stage_and_vote_pages_have_no_serious_accessibility_problems(live_server):
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

    def check(browser) -> dict[str, list]:
        # axe injects a script, which the pages' policy rightly forbids: only this context
        # bypasses it.
        context = browser.new_context(viewport=PHONE, bypass_csp=True)
        page = context.new_page()
        sign_in(page, live_server, "coordinator@demo.example")
        problems = {}
        for path in paths:
            page.goto(live_server + path)
            if serious := serious_violations(page):
                problems[path] = serious
        context.close()
        return problems

    assert in_browser(check) == {}
