"""Issue 12 on a phone (390×844): the picker answers as one types, a stance is chosen beside
each person ticked, and Enter never saves a half-written contact — in a real browser under
the real Content-Security-Policy."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa

from crm.extensions import db
from crm.interactions.models import FollowUp, Interaction
from crm.parliament.models import Representative, StanceRecord
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

PHONE_390 = {"width": 390, "height": 844}


def _two_romanians() -> list[Representative]:
    romania = db.session.scalar(sa.select(State).where(State.iso2 == "RO"))
    return list(
        db.session.scalars(
            sa.select(Representative)
            .where(
                Representative.state_id == romania.id,
                Representative.do_not_contact.is_(False),
                Representative.archived_at.is_(None),
            )
            .order_by(Representative.id)
            .limit(2)
        )
    )


def test_two_people_met_with_their_stances_in_a_few_taps(live_server):
    first, second = _two_romanians()
    people = [(r.id, r.name) for r in (first, second)]
    db.session.rollback()  # the browser's requests write: hold no read lock meanwhile

    def steps(chromium) -> dict:
        context = chromium.new_context(viewport=PHONE_390, is_mobile=True, has_touch=True)
        phone = context.new_page()
        seen: dict = {"watched": watch(phone), "taps": 0, "loads": 0}
        sign_in(phone, live_server, "section.ro@demo.example")
        phone.on("framenavigated", lambda frame: seen.__setitem__("loads", seen["loads"] + 1))

        def tap(locator) -> None:
            seen["taps"] += 1
            locator.click()

        def choose(select, value: str) -> None:
            seen["taps"] += 2  # open the list, pick one
            select.select_option(value)

        phone.goto(f"{live_server}/states/RO/interactions/new")
        seen["overflow"] = sideways_overflow(phone)
        for rep_id, name in people:
            phone.get_by_label("Find a representative by name").fill(name)
            box = phone.locator(f"#picker-results #pick-{rep_id}")
            box.wait_for()  # results come without a page load
            tap(box)
            stance = phone.locator(f"#pick-{rep_id} ~ .stance-beside select[name$='-stance']")
            choose(stance, "leaning_against" if rep_id == people[0][0] else "none")
        seen["loads after picking"] = seen["loads"]
        tap(phone.get_by_label("Summary"))
        phone.get_by_label("Summary").fill("Met them both after the plenary.")
        tap(phone.locator("details.follow-up-entries summary"))
        tap(phone.locator("input[name='follow_ups-0-title']"))
        phone.locator("input[name='follow_ups-0-title']").fill("Send the legal note")
        tap(phone.get_by_role("button", name="Save contact"))
        phone.wait_for_url(f"{live_server}/interactions/*")
        seen["saved"] = "Contact saved." in phone.content()
        context.close()
        return seen

    seen = in_browser(steps)
    assert seen["saved"]
    assert seen["loads after picking"] == 1  # the form itself: typing loaded no page
    assert seen["loads"] == 2  # the form, then the saved contact
    assert seen["taps"] == 10
    assert seen["overflow"] == 0
    assert seen["watched"].hosts() == {urlsplit(live_server).netloc}
    assert seen["watched"].blocked == []

    db.session.rollback()  # end the test's read snapshot: the server wrote since
    interaction = db.session.scalars(sa.select(Interaction).order_by(Interaction.id.desc())).first()
    assert {r.id for r in interaction.representatives} == {people[0][0], people[1][0]}
    records = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.interaction_id == interaction.id)
    ).all()
    assert [(r.representative_id, r.stance.value) for r in records] == [
        (people[0][0], "leaning_against")
    ]
    assert db.session.scalars(
        sa.select(FollowUp.title).where(FollowUp.interaction_id == interaction.id)
    ).all() == ["Send the legal note"]


def test_without_javascript_enter_in_the_name_field_searches_and_saves_nothing(live_server):
    first, _second = _two_romanians()
    rep_id, name = first.id, first.name
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Interaction))
    db.session.rollback()

    def steps(chromium) -> dict:
        context = chromium.new_context(viewport=PHONE_390, java_script_enabled=False)
        page = context.new_page()
        sign_in(page, live_server, "section.ro@demo.example")
        page.goto(f"{live_server}/states/RO/interactions/new")
        page.get_by_label("Summary").fill("Half-written")
        page.get_by_label("Find a representative by name").fill(name)
        page.get_by_label("Find a representative by name").press("Enter")
        page.wait_for_load_state("load")
        seen = {
            "url": page.url,
            "found": page.locator(f"#pick-{rep_id}").count(),
            "summary": page.get_by_label("Summary").input_value(),
        }
        # Ticked, and Save pressed at once: refused, with a stance choice beside them.
        page.locator(f"#pick-{rep_id}").check()
        page.get_by_role("button", name="Save contact").click()
        page.wait_for_load_state("load")
        seen["refused"] = page.locator(".field-error", has_text="No stance seen").count()
        context.close()
        return seen

    seen = in_browser(steps)
    assert seen["url"].endswith("/states/RO/interactions/new#representatives")
    assert seen["found"] == 1
    assert seen["summary"] == "Half-written"
    assert seen["refused"] == 1
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == before


def test_the_form_has_no_serious_accessibility_violations(live_server):
    first, _second = _two_romanians()
    paths = (
        "/states/RO/interactions/new",
        f"/states/RO/interactions/new?representative={first.id}&q=a",
    )
    interaction = db.session.scalars(
        sa.select(Interaction).where(
            Interaction.state_id == first.state_id, Interaction.archived_at.is_(None)
        )
    ).first()
    paths += (f"/interactions/{interaction.id}/archive", "/states/RO/interactions?person=a")
    rep_id, rep_name = first.id, first.name
    db.session.rollback()

    def steps(chromium) -> dict:
        problems = {}
        for label, viewport in (("phone", PHONE_390), ("desktop", DESKTOP)):
            # axe injects a script, which the page's policy rightly forbids: only this
            # context bypasses it.
            context = chromium.new_context(viewport=viewport, bypass_csp=True)
            page = context.new_page()
            sign_in(page, live_server, "section.ro@demo.example")
            for path in paths:
                page.goto(f"{live_server}{path}")
                if serious := serious_violations(page):
                    problems[(label, path)] = serious
            # With a stance choice shown beside someone ticked in the results.
            page.goto(f"{live_server}/states/RO/interactions/new?q={rep_name}")
            page.locator(f"#pick-{rep_id}").check()
            page.locator(".stance-beside select").first.wait_for()
            if serious := serious_violations(page):
                problems[(label, "ticked")] = serious
            context.close()
        return problems

    assert in_browser(steps) == {}
