"""The representative list (filters, search, pagination) and the representative page."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import Membership, OtherName, Party, Representative, Stance
from crm.states.models import State
from crm.states.queries import current_membership_filter
from tests.conftest import login
from tests.pages import page, representative_ids, text


@pytest.fixture
def staff(demo_client):
    login(demo_client, "staff@demo.example")
    return demo_client


def _state(iso2: str) -> State:
    return db.session.scalar(sa.select(State).where(State.iso2 == iso2))


def _seated(rep_id: int, **where) -> bool:
    stmt = sa.select(Membership.id).where(
        Membership.representative_id == rep_id, current_membership_filter(date.today())
    )
    for column, value in where.items():
        stmt = stmt.where(getattr(Membership, column) == value)
    return db.session.scalar(stmt) is not None


def test_list_pages_through_everyone_seated(staff, demo_app):
    first = representative_ids(page(staff, "/representatives"))
    second = representative_ids(page(staff, "/representatives?page=2"))
    assert len(first) == demo_app.config["PAGE_SIZE"]
    assert len(second) == demo_app.config["PAGE_SIZE"]
    assert not set(first) & set(second)
    assert all(_seated(rep_id) for rep_id in first + second)


def test_list_is_sorted_by_family_name(staff):
    ids = representative_ids(page(staff, "/representatives"))
    names = [db.session.get(Representative, i).sort_name for i in ids]
    assert names == sorted(names)


def test_filter_by_state(staff):
    romania = _state("RO")
    ids = representative_ids(page(staff, "/representatives?state=RO"))
    assert ids
    assert {db.session.get(Representative, i).state_id for i in ids} == {romania.id}


def test_filter_by_chamber_and_party(staff):
    romania = _state("RO")
    senate = next(c for c in romania.chambers if c.name == "Senate")
    party = db.session.scalars(sa.select(Party).where(Party.state_id == romania.id)).first()
    url = f"/representatives?state=RO&chamber={senate.id}&party={party.id}"
    ids = representative_ids(page(staff, url))
    assert ids
    assert all(_seated(i, chamber_id=senate.id, party_id=party.id) for i in ids)


def test_filter_by_stance(staff):
    ids = representative_ids(page(staff, "/representatives?state=RO&stance=leaning_against"))
    assert ids
    assert {db.session.get(Representative, i).stance for i in ids} == {Stance.LEANING_AGAINST}


def test_search_ignores_case_and_accents(staff):
    rep = db.session.scalars(
        sa.select(Representative).where(Representative.name.like("%Ș%"))
    ).first()
    assert rep is not None, "the demo has Romanian names with Ș"
    plain = rep.name.replace("Ș", "s").replace("ș", "s").replace("ă", "a").lower()
    ids = representative_ids(page(staff, f"/representatives?q={plain}"))
    assert rep.id in ids


def test_search_finds_names_written_in_another_script(staff):
    other = db.session.scalars(sa.select(OtherName).where(OtherName.lang == "hi")).first()
    ids = representative_ids(page(staff, f"/representatives?q={other.name}"))
    assert other.representative_id in ids


def test_former_members_are_listed_only_on_request(staff):
    former = db.session.scalars(
        sa.select(Representative).where(
            ~sa.exists().where(
                Membership.representative_id == Representative.id,
                current_membership_filter(date.today()),
            )
        )
    ).first()
    assert former is not None
    query = f"/representatives?q={former.name}"
    assert former.id not in representative_ids(page(staff, query))
    assert former.id in representative_ids(page(staff, query + "&former=y"))


@pytest.mark.parametrize(
    ("query", "field"),
    [("state=ZZ", "state"), ("stance=loves-us", "stance"), ("state=RO&chamber=999999", "chamber")],
)
def test_bad_filters_say_what_is_wrong_next_to_the_field(staff, query, field):
    soup = page(staff, f"/representatives?{query}", status=400)
    control = soup.find(attrs={"name": field})
    assert control is not None
    assert control.get("aria-invalid") == "true"
    described = control.get("aria-describedby", "")
    assert described
    assert soup.find(id=described.split()[0]).get_text(strip=True)


@pytest.mark.parametrize("number", ["0", "abc", "-3"])
def test_a_bad_page_number_is_explained(staff, number):
    soup = page(staff, f"/representatives?page={number}", status=400)
    assert soup.find(attrs={"role": "alert"}, string=lambda s: s and "page" in s.lower())


def test_a_page_past_the_end_is_empty_not_an_error(staff):
    soup = page(staff, "/representatives?state=FM&page=99")
    assert representative_ids(soup) == []


def test_representative_page_shows_seat_stances_and_names(staff):
    rep = db.session.scalars(
        sa.select(Representative)
        .join(OtherName)
        .where(Representative.stance != Stance.UNKNOWN)
        .order_by(Representative.id)
    ).first()
    soup = page(staff, f"/representatives/{rep.id}")
    body = text(soup)
    assert rep.name in body
    assert rep.stance.label in body
    for membership in rep.memberships:
        assert membership.chamber.name in body
    native = rep.other_names[0]
    assert soup.find(attrs={"lang": native.lang}, string=lambda s: s and native.name in s)


def test_unknown_representative_is_a_404(staff):
    page(staff, "/representatives/99999999", status=404)
    page(staff, "/representatives/not-a-number", status=404)
