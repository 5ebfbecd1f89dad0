"""Finding a person however their name is spelt: accents, scripts and name variants.

One rule (parliament.queries.NameMatch) serves the representatives list, the contact
form's picker, the invitation picker and the API; each is asked here.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.parliament.models import Representative
from crm.parliament.queries import NameMatch
from tests.conftest import sign_in
from tests.factories import OtherNameFactory, seated_representative
from tests.pages import page, representative_ids


@pytest.fixture
def people(world):
    chamber = world.home.chamber
    made = {
        "fatma": seated_representative(chamber, name="Fatma Yılmaz"),
        "abeysekera": seated_representative(chamber, name="Ranil Abeysekera"),
        "ivanov": seated_representative(chamber, name="Иван Иванов"),
        "sharma": seated_representative(chamber, name="राहुल शर्मा"),
        "fatima": seated_representative(chamber, name="Fatima Hassan"),
        "other": seated_representative(chamber, name="Ion Popescu"),
    }
    OtherNameFactory(representative=made["abeysekera"], name="රනිල් අබේසේකර", lang="si")
    from crm.parliament.services import refresh_search_text

    for rep in made.values():
        db.session.refresh(rep)
        refresh_search_text(rep)
    db.session.commit()
    return {key: rep.id for key, rep in made.items()}


def _found(state_id: int, q: str) -> list[int]:
    match = NameMatch(q)
    return list(
        db.session.scalars(
            sa.select(Representative.id)
            .where(Representative.state_id == state_id, match.condition)
            .order_by(*match.order, Representative.sort_name)
        )
    )


@pytest.mark.parametrize(
    ("q", "who"),
    [
        ("Fatima", "fatma"),  # a variant spelling
        ("Abeysekara", "abeysekera"),
        ("ivanov", "ivanov"),  # Latin letters find a Cyrillic name
        ("Sharma", "sharma"),  # … and a Devanagari one
        ("අබේසේකර", "abeysekera"),  # an other name in its own script
        ("yilmaz", "fatma"),  # accents and dotless i folded
        ("RANIL abeysekera", "abeysekera"),  # words in any case, each must match
        ("Ион", "other"),  # a name typed in another script finds a Latin one
    ],
)
def test_a_name_is_found_however_it_is_spelt(world, people, q, who):
    assert people[who] in _found(world.home.state.id, q)


def test_names_spelt_as_typed_come_before_those_that_only_sound_alike(world, people):
    found = _found(world.home.state.id, "Fatima")
    assert found.index(people["fatima"]) < found.index(people["fatma"])


def test_every_word_must_match_and_unrelated_names_are_left_out(world, people):
    assert _found(world.home.state.id, "Fatima Popescu") == []
    assert people["other"] not in _found(world.home.state.id, "Fatima")
    # Short words are matched as typed only: "Ana" would otherwise find every AN… name.
    assert not NameMatch("   ")


def test_the_list_and_the_contact_picker_use_the_same_rule(client, world, people):
    sign_in(client, world.member)
    iso2 = world.home.state.iso2
    listed = representative_ids(page(client, f"/representatives?state={iso2}&q=Fatima"))
    assert people["fatma"] in listed
    picker = page(client, f"/states/{iso2}/interactions/new?q=Abeysekara")
    assert picker.select_one(f"input#pick-{people['abeysekera']}") is not None


def test_renaming_and_other_names_refresh_the_keys(client, world, people):
    rep = db.session.get(Representative, people["other"])
    assert " PPSK " in rep.name_keys
    from crm.parliament.services import update_representative

    update_representative(world.admin, rep, {"name": "Ion Abeysekara"}, expected_version=None)
    db.session.commit()
    assert people["other"] in _found(world.home.state.id, "Abeysekera")
    assert people["other"] not in _found(world.home.state.id, "Popescu")
