"""Issue 12's remaining pages in a real browser: the do-not-contact confirmation appears
beside the people met as soon as a flagged person is ticked, and holds the save until it
is given; the duplicate warning, the merge pages and the contact's archive question pass
axe on a phone and a desktop."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.interactions.models import Interaction
from crm.parliament.models import Representative
from crm.states.models import State
from tests.browser.helpers import DESKTOP, in_browser, needs_chromium, serious_violations, sign_in

pytestmark = needs_chromium

PHONE_390 = {"width": 390, "height": 844}


def _romanians(flagged: bool, count: int) -> list[Representative]:
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    return list(
        db.session.scalars(
            sa.select(Representative)
            .where(
                Representative.state_id == romania.id,
                Representative.do_not_contact.is_(flagged),
                Representative.archived_at.is_(None),
            )
            .order_by(Representative.id)
            .limit(count)
        )
    )


def test_a_flagged_person_ticked_asks_for_a_reason_before_the_contact_is_saved(live_server):
    [flagged] = _romanians(True, 1)
    rep_id, rep_name = flagged.id, flagged.name
    db.session.rollback()  # the browser's requests write: hold no read lock meanwhile
    reason = "They asked us for the legal opinion themselves."

    def steps(chromium: Any) -> dict:
        context = chromium.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
        page = context.new_page()
        seen: dict = {}
        sign_in(page, live_server, "section.ro@demo.example")
        page.goto(f"{live_server}/states/RO/interactions/new?q={rep_name}")
        block = page.locator("#do-not-contact")
        seen["shown before ticking"] = block.is_visible()
        page.locator(f"#pick-{rep_id}").check()
        block.wait_for(state="visible")
        seen["names"] = page.locator("#do-not-contact-names").inner_text()
        page.locator(".stance-beside select").first.select_option("none")
        page.locator("#summary").fill("Met at their request after the hearing.")
        page.get_by_role("button", name="Save contact").click()
        # The server refuses it, next to the reason (the page may first check the line).
        error = page.locator("#do_not_contact_reason-error")
        error.wait_for(state="visible", timeout=15_000)
        seen["refused"] = error.inner_text()
        page.locator("#do_not_contact_confirmed").check()
        page.locator("#do_not_contact_reason").fill(reason)
        page.get_by_role("button", name="Save contact").click()
        page.wait_for_url(re.compile(r"/interactions/\d+$"), timeout=15_000)
        seen["saved at"] = page.url
        context.close()
        return seen

    seen = in_browser(steps)
    assert seen["shown before ticking"] is False
    assert rep_name in seen["names"]
    assert f"{rep_name} asked not to be contacted" in seen["refused"]
    contact_id = int(seen["saved at"].rstrip("/").split("/")[-1])
    db.session.rollback()
    assert rep_id in [r.id for r in db.session.get(Interaction, contact_id).representatives]
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "interaction.created", AuditEntry.target_id == str(contact_id)
        )
    )
    assert entry.after["do_not_contact_override"] == {
        "reason": reason,
        "representative_ids": [rep_id],
    }


def test_the_duplicate_warning_merge_and_archive_pages_have_no_serious_violations(live_server):
    first, second = _romanians(False, 2)
    existing_name = first.name
    interaction_id = db.session.scalar(
        sa.select(Interaction.id).where(
            Interaction.state_id == first.state_id, Interaction.archived_at.is_(None)
        )
    )
    coordinator_paths = (
        f"/representatives/{first.id}/merge?q={second.name.split()[-1]}",
        f"/representatives/{first.id}/merge/{second.id}",
    )
    db.session.rollback()

    def steps(chromium: Any) -> dict:
        problems: dict = {}
        for label, viewport in (("phone", PHONE_390), ("desktop", DESKTOP)):
            # axe injects a script, which the page's policy rightly forbids: only this
            # context bypasses it.
            context = chromium.new_context(viewport=viewport, bypass_csp=True)
            page = context.new_page()
            sign_in(page, live_server, "section.ro@demo.example")
            page.goto(f"{live_server}/states/RO/representatives/new")
            page.locator("#name").fill(existing_name)
            page.locator("#chamber").select_option(index=1)
            page.locator("#start_date").fill("2024-12-20")
            page.locator("main form [type=submit]").last.click()
            page.locator("#duplicates-heading").wait_for()
            if serious := serious_violations(page):
                problems[(label, "add anyway?")] = serious
            page.goto(f"{live_server}/interactions/{interaction_id}/archive")
            if serious := serious_violations(page):
                problems[(label, "archive")] = serious
            context.close()
            context = chromium.new_context(viewport=viewport, bypass_csp=True)
            page = context.new_page()
            sign_in(page, live_server, "coordinator@demo.example")
            for path in coordinator_paths:
                page.goto(f"{live_server}{path}")
                if serious := serious_violations(page):
                    problems[(label, path)] = serious
            context.close()
        return problems

    assert in_browser(steps) == {}
