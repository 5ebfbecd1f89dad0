"""Adding a representative whose name matches a record of the state: "Add anyway?"."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.db import utcnow
from crm.extensions import db
from crm.parliament.models import Representative
from tests.conftest import SIGN_IN_TABLES, every_row
from tests.factories import MembershipFactory, RepresentativeFactory
from tests.parliament.helpers import field_error, page_text, post, sign_in


def _url(world) -> str:
    return f"/states/{world.home.state.iso2}/representatives/new"


def _data(world, name: str = "Simona Ene", **changes: str) -> dict[str, str]:
    return {
        "name": name,
        "influence": "3",
        "chamber": str(world.home.chamber.id),
        "party": str(world.home.parties[0].id),
        "start_date": "2024-12-20",
        **changes,
    }


@pytest.fixture
def simona(world) -> Representative:
    rep = RepresentativeFactory(state=world.home.state, given_name="Simona", family_name="Ene")
    MembershipFactory(
        representative=rep,
        chamber=world.home.chamber,
        party=world.home.parties[1],
        constituency="Constanța",
    )
    db.session.commit()
    return rep


def _named(name: str) -> list[int]:
    return list(db.session.scalars(sa.select(Representative.id).where(Representative.name == name)))


@pytest.mark.parametrize("typed", ["Simona Ene", "simona ENE", "Simóna Ene", "Симона Ене"])
def test_a_name_like_an_existing_one_asks_add_anyway_and_writes_nothing(
    client, world, simona, typed
):
    sign_in(client, world, "member")
    before = every_row(ignore=SIGN_IN_TABLES)

    response = post(client, _url(world), _data(world, typed))

    assert response.status_code == 422
    assert every_row(ignore=SIGN_IN_TABLES) == before
    assert "may be someone already recorded (Simona Ene)" in field_error(
        response, "confirm_duplicate"
    )
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    [row] = soup.select("table.duplicate-candidates tbody tr")
    assert row.find("a", href=f"/representatives/{simona.id}").get_text() == "Simona Ene"
    cells = [td.get_text(strip=True) for td in row.find_all("td")]
    assert cells == ["Home Assembly", "Home Opposition Party", "Constanța"]
    assert "Add anyway?" in page_text(response)


def test_confirming_adds_the_second_record(client, world, simona):
    sign_in(client, world, "member")
    response = post(client, _url(world), _data(world, confirm_duplicate="y"))
    assert response.status_code == 302
    assert len(_named("Simona Ene")) == 2


def test_an_archived_record_is_a_candidate_and_says_so(client, world, simona):
    simona.archived_at = utcnow()
    db.session.commit()
    sign_in(client, world, "member")
    response = post(client, _url(world), _data(world))
    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    [row] = soup.select("table.duplicate-candidates tbody tr")
    assert "Archived" in row.get_text()


def test_a_namesake_in_another_state_or_a_different_name_is_no_duplicate(client, world, simona):
    RepresentativeFactory(state=world.other.state, given_name="Ana", family_name="Pop")
    sign_in(client, world, "member")
    assert post(client, _url(world), _data(world, "Ana Pop")).status_code == 302
    # Every word must match: "Simona Popescu" is not Simona Ene.
    assert post(client, _url(world), _data(world, "Simona Popescu")).status_code == 302
