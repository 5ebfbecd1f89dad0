"""A long list counts its rows only up to a cap, then says "more than" and pages on by
"next": counting 100,000 representatives cost more than showing a page of them."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import Membership, Representative
from crm.states.models import State
from crm.states.queries import current_membership_filter
from tests.conftest import sign_in
from tests.pages import page, representative_ids, text


def _seated_in(iso2: str) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Representative.id)
            .join(State, State.id == Representative.state_id)
            .join(Membership, Membership.representative_id == Representative.id)
            .where(
                State.iso2 == iso2,
                Representative.archived_at.is_(None),
                current_membership_filter(date.today()),
            )
        )
    )


def test_past_the_cap_the_list_says_more_than_and_pages_on_to_its_last_row(demo_app, demo_client):
    seated = _seated_in("MH")
    assert len(seated) > 20
    demo_app.config.update(PAGE_SIZE=10, COUNT_CAP=20)
    sign_in(demo_client, "staff@demo.example")

    first = page(demo_client, "/representatives?state=MH")
    assert "More than 20 representatives; showing 1–10." in text(first)
    assert "page 1 of" not in text(first)
    assert "Page 1 of" not in text(first)
    nav = first.select_one("nav.pagination")
    assert nav is not None
    assert "Page 1" in text(nav)
    # No numbered links: there is no last page to name.
    assert [a["rel"] for a in nav.find_all("a")] == [["next"]]

    seen: list[int] = []
    url = "/representatives?state=MH"
    for number in range(1, 20):
        soup = page(demo_client, url)
        seen += representative_ids(soup)
        following = soup.select_one('nav.pagination a[rel="next"]')
        if following is None:
            break
        assert soup.select_one('nav.pagination a[rel="prev"]') is not None or number == 1
        url = following["href"]
    else:
        raise AssertionError("the list never ended")
    # Every seated member once, in name order, and the last page offers no next one.
    assert len(seen) == len(set(seen))
    assert set(seen) == seated
    names = [db.session.get(Representative, i).sort_name for i in seen]
    assert names == sorted(names)


def test_under_the_cap_the_list_counts_exactly(demo_app, demo_client):
    seated = _seated_in("MH")
    demo_app.config.update(PAGE_SIZE=10, COUNT_CAP=len(seated))
    sign_in(demo_client, "staff@demo.example")
    soup = page(demo_client, "/representatives?state=MH")
    assert f"{len(seated)} representatives; showing 1–10." in text(soup)
    assert "More than" not in text(soup)
    pages = -(-len(seated) // 10)
    assert f"Page 1 of {pages} ({len(seated)} in all)" in text(soup.select_one("nav.pagination"))


def _contact_ids(soup) -> list[int]:
    return [
        int(a["href"].rsplit("/", 1)[1])
        for a in soup.select("main a.activity-date")
        if a["href"].rsplit("/", 1)[1].isdigit()
    ]


def _walk(client, url: str) -> list[int]:
    seen: list[int] = []
    for _ in range(50):
        soup = page(client, url)
        seen += _contact_ids(soup)
        following = soup.select_one('nav.pagination a[rel="next"]')
        if following is None:
            return seen
        url = following["href"]
    raise AssertionError("the list never ended")


def test_a_states_contacts_past_the_cap_page_on_to_the_same_contacts(demo_app, demo_client):
    sign_in(demo_client, "coordinator@demo.example")
    demo_app.config.update(PAGE_SIZE=4)
    counted = _walk(demo_client, "/states/RO/interactions")
    assert len(counted) > 8
    assert f"{len(counted)} contacts; showing 1–4, newest first." in text(
        page(demo_client, "/states/RO/interactions")
    )

    demo_app.config.update(COUNT_CAP=8)
    first = page(demo_client, "/states/RO/interactions")
    assert "More than 8 contacts; showing 1–4, newest first." in text(first)
    assert _walk(demo_client, "/states/RO/interactions") == counted
