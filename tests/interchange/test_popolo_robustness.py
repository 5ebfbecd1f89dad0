"""`crm import-popolo` on the files the real world has: irregular ones import, broken ones
are refused in one line with nothing written.

The documents are built here in the shapes of EveryPolitician's `ep-popolo-v1.0.json`
(identifiers, other names in many scripts, partial dates, several legislative periods,
parties that are referenced but not listed, memberships of a party or a cabinet…), then
broken on purpose: keys deleted, values replaced by nulls, numbers, lists, objects, long
text or NUL characters, the text cut short, bytes that are not UTF-8. The shared
Micronesia file is broken the same ways when it is there.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.extensions import db
from crm.parliament.models import (
    Chamber,
    ContactKind,
    Identifier,
    Membership,
    Party,
    Representative,
)
from crm.states.models import StageKind, State
from tests.conftest import SHARED, row_counts
from tests.factories import (
    AgreementFactory,
    ChamberFactory,
    StageFactory,
    StateFactory,
    seated_representative,
)
from tests.interchange.factories import MICRONESIA, run, write

needs_shared = pytest.mark.skipif(
    not SHARED.exists(), reason="../shared is not beside the checkout"
)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- Files in EveryPolitician's shapes ---------------------------------------------------------


def everypolitician(tag: str = "") -> dict[str, Any]:
    """An `ep-popolo-v1.0.json` roster with the irregularities real ones have.

    Three legislative periods (the last one open), dates given as years or months, a
    change of party within a term, parties referenced but not listed, `party/unknown`, a
    party and a cabinet membership that are no seats, a person with only a name, one with
    no membership at all, one full of nulls, two people of the same name, names in
    Arabic, Devanagari and Cyrillic script. `tag` goes in front of every person id and
    identifier, so that the same roster can go into several states of one database
    without its identifiers being taken.
    """
    amina, rajesh, ivan = f"{tag}person/3b4f-amina", f"{tag}person/rajesh", f"{tag}person/ivan"
    john1, john2 = f"{tag}person/john-smith-1", f"{tag}person/john-smith-2"
    nour = f"{tag}person/nour"
    return {
        "persons": [
            {
                "id": amina,
                "name": "Amina Al-Sayed",
                "sort_name": "Al-Sayed, Amina",
                "given_name": "Amina",
                "family_name": "Al-Sayed",
                "gender": "female",
                "birth_date": "1970",
                "email": "amina@majlis.example",
                "image": "https://majlis.example/img/amina.jpg",
                "images": [{"url": "https://majlis.example/img/amina.jpg"}],
                "links": [{"note": "Wikipedia (ar)", "url": "https://ar.wikipedia.org/wiki/X"}],
                "identifiers": [
                    {"scheme": "everypolitician_legacy", "identifier": f"{tag}ep-0001"},
                    {"scheme": "wikidata", "identifier": f"{tag}Q101"},
                    {"scheme": "wikidata", "identifier": f"{tag}Q101"},
                    {"scheme": "viaf", "identifier": f"{tag}4711"},
                ],
                "other_names": [
                    {"lang": "ar", "name": "أمينة السيد", "note": "multilingual"},
                    {"lang": "en", "name": "Amina Al-Sayed", "note": "multilingual"},
                    {"lang": "ar", "name": "أمينة السيد", "note": "multilingual"},
                ],
                "contact_details": [
                    {"type": "twitter", "value": "amina_alsayed"},
                    {"type": "phone", "value": "+20 2 2794 1234"},
                ],
            },
            {
                "id": rajesh,
                "name": "राजेश कुमार",
                "gender": "male",
                "other_names": [{"lang": "en", "name": "Rajesh Kumar", "note": "multilingual"}],
                "identifiers": [{"scheme": "wikidata", "identifier": f"{tag}Q102"}],
            },
            {
                "id": ivan,
                "name": "Иван Петров",
                "sort_name": "Петров, Иван",
                "other_names": [{"lang": "en", "name": "Ivan Petrov", "note": "multilingual"}],
            },
            {"id": john1, "name": "John Smith", "birth_date": "1960-03"},
            {"id": john2, "name": "John Smith", "birth_date": "1985"},
            {"name": "Only A Name"},
            {"id": f"{tag}person/no-seat", "name": "Nadia Noseat"},
            {
                "id": nour,
                "name": "Nour Null",
                "given_name": None,
                "family_name": None,
                "sort_name": None,
                "gender": None,
                "email": None,
                "birth_date": None,
                "image": None,
                "other_names": None,
                "links": None,
                "identifiers": [
                    {"scheme": "wikidata", "identifier": None},
                    {"scheme": None, "identifier": f"{tag}orphan"},
                ],
                "contact_details": [
                    {"type": None, "value": None},
                    {"type": "email", "value": None},
                ],
            },
        ],
        "organizations": [
            {"classification": "legislature", "id": "legislature", "name": "Majlis", "seats": 9},
            {"classification": "party", "id": "party/green", "name": "Green Party"},
            {"classification": "party", "id": "party/independent", "name": "Independent"},
            {"classification": "party", "id": "party/unknown", "name": "Unknown"},
            {"classification": "executive", "id": "cabinet", "name": "Council of Ministers"},
        ],
        "events": [
            {
                "classification": "legislative period",
                "id": "term/1",
                "name": "First Majlis",
                "organization_id": "legislature",
                "start_date": "2010-05",
                "end_date": "2014-05",
            },
            {
                "classification": "legislative period",
                "id": "term/2",
                "name": "Second Majlis",
                "organization_id": "legislature",
                "start_date": "2014-06-01",
                "end_date": "2018",
            },
            {
                "classification": "legislative period",
                "id": "term/3",
                "name": "Third Majlis",
                "organization_id": "legislature",
                "start_date": "2019",
            },
            {"classification": "general election", "id": "election/2018", "name": "Elections"},
        ],
        "areas": [
            {"id": "area/cairo", "name": "القاهرة", "type": "constituency"},
            {"id": "area/n/a", "name": "n/a", "type": "constituency"},
            {"id": "area/north", "name": "North", "type": "constituency"},
        ],
        "memberships": [
            *(
                {
                    "person_id": amina,
                    "organization_id": "legislature",
                    "on_behalf_of_id": "party/green",
                    "area_id": "area/cairo",
                    "legislative_period_id": term,
                    "role": "member",
                }
                for term in ("term/1", "term/2", "term/3")
            ),
            # Party and cabinet memberships: not seats in the chamber.
            {"person_id": amina, "organization_id": "party/green", "start_date": "2009"},
            {
                "person_id": ivan,
                "organization_id": "cabinet",
                "role": "Minister of Justice",
                "start_date": "2019-02-01",
            },
            {
                "person_id": rajesh,
                "organization_id": "legislature",
                "on_behalf_of_id": "party/unknown",
                "area_id": "area/n/a",
                "legislative_period_id": "term/3",
                "start_date": "2019-03",
            },
            {
                "person_id": ivan,
                "organization_id": "legislature",
                "on_behalf_of_id": "party/red",  # not in organizations
                "area_id": "area/north",
                "legislative_period_id": "term/2",
            },
            {
                "person_id": john1,
                "organization_id": "legislature",
                "on_behalf_of_id": "party/independent",
                "area_id": "area/north",
                "legislative_period_id": "term/3",
            },
            # Files repeat memberships.
            {
                "person_id": john1,
                "organization_id": "legislature",
                "on_behalf_of_id": "party/independent",
                "area_id": "area/north",
                "legislative_period_id": "term/3",
            },
            # A change of party within the term: two memberships, one ended.
            {
                "person_id": john2,
                "organization_id": "legislature",
                "on_behalf_of_id": "party/blue",  # not in organizations
                "legislative_period_id": "term/3",
                "start_date": "2020",
                "end_date": "2021-06",
            },
            {
                "person_id": john2,
                "organization_id": "legislature",
                "on_behalf_of_id": "party/green",
                "legislative_period_id": "term/3",
                "start_date": "2021-07",
            },
            {
                "person_id": nour,
                "organization_id": "legislature",
                "on_behalf_of_id": None,
                "area_id": None,
                "post_id": None,
                "role": None,
                "legislative_period_id": "term/3",
                "start_date": None,
                "end_date": None,
            },
            {"person_id": f"{tag}person/not-listed", "organization_id": "legislature"},
        ],
        "meta": {"source": "https://morph.io/example/majlis", "generated": "2019-06-01"},
    }


def small(tag: str = "") -> dict[str, Any]:
    """A short valid roster, for breaking: two terms, a party, an area, three people."""
    one, two, three = f"{tag}p/1", f"{tag}p/2", f"{tag}p/3"
    return {
        "persons": [
            {
                "id": one,
                "name": "Salma Haddad",
                "given_name": "Salma",
                "family_name": "Haddad",
                "gender": "female",
                "email": "salma@example.org",
                "other_names": [{"lang": "ar", "name": "سلمى حداد", "note": "multilingual"}],
                "identifiers": [{"scheme": "wikidata", "identifier": f"{tag}Q1"}],
                "contact_details": [{"type": "phone", "value": "+961 1 000 000"}],
            },
            {"id": two, "name": "Пётр Иванов", "sort_name": "Иванов, Пётр"},
            {"id": three, "name": "Only Name"},
        ],
        "organizations": [
            {"classification": "legislature", "id": "legislature", "name": "Assembly"},
            {"classification": "party", "id": "party/a", "name": "Party A"},
        ],
        "events": [
            {
                "classification": "legislative period",
                "id": "term/1",
                "name": "First",
                "start_date": "2014",
                "end_date": "2018-05",
            },
            {
                "classification": "legislative period",
                "id": "term/2",
                "name": "Second",
                "start_date": "2018-06-01",
            },
        ],
        "areas": [{"id": "area/1", "name": "Hill", "type": "constituency"}],
        "memberships": [
            {
                "person_id": one,
                "organization_id": "legislature",
                "on_behalf_of_id": "party/a",
                "area_id": "area/1",
                "legislative_period_id": "term/1",
                "role": "member",
            },
            {
                "person_id": one,
                "organization_id": "legislature",
                "on_behalf_of_id": "party/a",
                "area_id": "area/1",
                "legislative_period_id": "term/2",
                "start_date": "2019-03",
            },
            {
                "person_id": two,
                "organization_id": "legislature",
                "on_behalf_of_id": "party/unknown",
                "legislative_period_id": "term/2",
            },
            {"person_id": two, "organization_id": "party/a"},
        ],
        "meta": {"source": "test"},
    }


def many_periods(persons: int, periods: int) -> dict[str, Any]:
    """A large roster: `persons` people over `periods` terms, most sitting in several."""
    size = persons * 2 // periods
    events = [
        {
            "classification": "legislative period",
            "id": f"term/{n}",
            "name": f"Term {n}",
            "start_date": f"{1980 + 4 * n}-01-01",
            **({"end_date": f"{1983 + 4 * n}-12-31"} if n < periods - 1 else {}),
        }
        for n in range(periods)
    ]
    memberships = []
    for n in range(periods):
        first = n * (persons - size) // max(periods - 1, 1)
        for p in range(first, first + size):
            memberships.append(
                {
                    "person_id": f"person/{p}",
                    "organization_id": "legislature",
                    "on_behalf_of_id": f"party/{p % 7}",
                    "area_id": f"area/{p % 40}",
                    "legislative_period_id": f"term/{n}",
                    "role": "member",
                }
            )
            memberships.append({"person_id": f"person/{p}", "organization_id": f"party/{p % 7}"})
    return {
        "persons": [
            {
                "id": f"person/{p}",
                "name": f"Депутат Номер {p}",
                "identifiers": [{"scheme": "wikidata", "identifier": f"Q9{p:06d}"}],
                "other_names": [{"lang": "en", "name": f"Deputy Number {p}"}],
            }
            for p in range(persons)
        ],
        "organizations": [
            {"classification": "legislature", "id": "legislature", "name": "Duma"},
            *(
                {"classification": "party", "id": f"party/{n}", "name": f"Party {n}"}
                for n in range(7)
            ),
        ],
        "areas": [{"id": f"area/{n}", "name": f"District {n}"} for n in range(40)],
        "events": events,
        "memberships": memberships,
    }


# --- Running the command --------------------------------------------------------------------------


def _import(app: Flask, path: Path, iso2: str, *extra: str, chamber: str = "Majlis") -> Result:
    return run(app, "import-popolo", str(path), "--state", iso2, "--chamber", chamber, *extra)


def _rep(name: str) -> Representative:
    return db.session.scalars(sa.select(Representative).where(Representative.name == name)).one()


def _by_popolo_id(popolo_id: str) -> Representative:
    return db.session.scalars(
        sa.select(Representative)
        .join(Identifier)
        .where(Identifier.scheme == "popolo", Identifier.value == popolo_id)
    ).one()


def _current_seats(chamber: Chamber) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Membership)
        .where(
            Membership.chamber_id == chamber.id,
            sa.or_(Membership.end_date.is_(None), Membership.end_date >= date.today()),
        )
    )


def _no_crash(result: Result) -> None:
    """Whatever happened, it was not a Python error."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{result.output}"
    )
    assert "Traceback" not in result.output


def _refused_cleanly(result: Result, before: dict[str, int]) -> None:
    """A refusal: a non-zero exit, one line naming the problem, and no row changed."""
    _no_crash(result)
    assert result.exit_code != 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), result.output
    assert row_counts() == before


def _imports_or_is_refused(app: Flask, path: Path, iso2: str, chamber: str) -> Result:
    """The property every file must have: it imports (and then again with no change), or it
    is refused cleanly."""
    before = row_counts()
    result = _import(app, path, iso2, chamber=chamber)
    if result.exit_code != 0:
        _refused_cleanly(result, before)
        return result
    _no_crash(result)
    again = _import(app, path, iso2, chamber=chamber)
    _no_crash(again)
    assert again.exit_code == 0, again.output
    assert ": 0 added, 0 changed, 0 ended," in again.output, (result.output, again.output)
    return result


def _new_state() -> str:
    """A state of its own for one example (committed, as the command runs on its own)."""
    state = StateFactory(timezone="Asia/Amman")
    iso2 = state.iso2
    db.session.commit()
    return iso2


@pytest.fixture
def state(app):
    return StateFactory(timezone="Africa/Cairo")


# --- 1. Irregular but valid files import, with the right results ---------------------------------


def test_an_everypolitician_shaped_file_imports_with_the_right_results(app, state, tmp_path):
    result = _import(app, write(tmp_path, everypolitician()), state.iso2)

    assert result.exit_code == 0, result.output
    _no_crash(result)
    assert "new chamber: Majlis (unicameral, 9 seats)" in result.output
    assert "8 added, 0 changed, 0 ended" in result.output
    assert 'names the person "person/not-listed", who is not in the persons list' in result.output

    chamber = db.session.scalars(sa.select(Chamber).where(Chamber.state_id == state.id)).one()
    assert (chamber.name, chamber.seats, chamber.popolo_id) == ("Majlis", 9, "legislature")
    # Listed parties by their name, unlisted ones by their id; "unknown" is no party.
    parties = {p.name: p.popolo_id for p in db.session.scalars(sa.select(Party))}
    assert parties == {
        "Green Party": "party/green",
        "Independent": "party/independent",
        "red": "party/red",
        "blue": "party/blue",
    }
    # Only the open term seats people now; the earlier ones are history.
    assert _current_seats(chamber) == 7

    amina = _rep("Amina Al-Sayed")
    assert (amina.sort_name, amina.given_name, amina.family_name, amina.gender) == (
        "Al-Sayed, Amina",
        "Amina",
        "Al-Sayed",
        "female",
    )
    seats = sorted(amina.memberships, key=lambda m: m.start_date)
    assert [(m.legislative_period, m.start_date, m.end_date) for m in seats] == [
        ("First Majlis", date(2010, 5, 1), date(2014, 5, 31)),
        ("Second Majlis", date(2014, 6, 1), date(2018, 12, 31)),
        ("Third Majlis", date(2019, 1, 1), None),
    ]
    assert {(m.party.name, m.constituency, m.role) for m in seats} == {
        ("Green Party", "القاهرة", "member")
    }
    # Repeated identifiers and other names are kept once.
    assert sorted((i.scheme, i.value) for i in amina.identifiers) == [
        ("everypolitician_legacy", "ep-0001"),
        ("popolo", "person/3b4f-amina"),
        ("viaf", "4711"),
        ("wikidata", "Q101"),
    ]
    assert sorted((o.name, o.lang) for o in amina.other_names) == [
        ("Amina Al-Sayed", "en"),
        ("أمينة السيد", "ar"),
    ]
    assert {(c.kind, c.value) for c in amina.contact_details} == {
        (ContactKind.EMAIL, "amina@majlis.example"),
        (ContactKind.SOCIAL, "amina_alsayed"),
        (ContactKind.PHONE, "+20 2 2794 1234"),
    }
    assert "أمينة السيد" in amina.search_text

    rajesh = _rep("राजेश कुमार")
    assert "rajesh kumar" in rajesh.search_text
    # party/unknown is no party and the "n/a" area no constituency; a month is its first day.
    assert [(m.party_id, m.constituency, m.start_date, m.end_date) for m in rajesh.memberships] == [
        (None, None, date(2019, 3, 1), None)
    ]
    # A former member: the seat of the earlier term only, not the cabinet post.
    ivan = _rep("Иван Петров")
    assert ivan.sort_name == "Петров, Иван"
    assert [
        (m.party.name, m.constituency, m.role, m.start_date, m.end_date) for m in ivan.memberships
    ] == [("red", "North", None, date(2014, 6, 1), date(2018, 12, 31))]

    # Two people of the same name stay two people.
    first, second = _by_popolo_id("person/john-smith-1"), _by_popolo_id("person/john-smith-2")
    assert first.id != second.id
    assert [(m.party.name, m.start_date) for m in first.memberships] == [
        ("Independent", date(2019, 1, 1))
    ]
    assert sorted((m.start_date, m.end_date, m.party.name) for m in second.memberships) == [
        (date(2020, 1, 1), date(2021, 6, 30), "blue"),
        (date(2021, 7, 1), None, "Green Party"),
    ]
    # Someone the file gives no membership, or no id, is taken as a member of unknown dates.
    for name in ("Only A Name", "Nadia Noseat"):
        rep = _rep(name)
        assert [(m.start_date, m.end_date, m.party_id) for m in rep.memberships] == [
            (None, None, None)
        ]
    assert _rep("Only A Name").identifiers == []
    # Nulls are missing values: nothing is blanked, invented or refused.
    nour = _rep("Nour Null")
    assert (nour.given_name, nour.gender, nour.sort_name) == (None, None, "Nour Null")
    assert nour.contact_details == []
    assert nour.other_names == []
    assert [(i.scheme, i.value) for i in nour.identifiers] == [("popolo", "person/nour")]
    assert [(m.legislative_period, m.start_date, m.party_id) for m in nour.memberships] == [
        ("Third Majlis", date(2019, 1, 1), None)
    ]


@pytest.mark.parametrize("key", ["organizations", "areas", "events", "meta", "memberships"])
def test_a_file_missing_a_whole_section_still_imports(app, state, tmp_path, key):
    document = everypolitician()
    del document[key]

    result = _import(app, write(tmp_path, document), state.iso2)

    _no_crash(result)
    assert result.exit_code == 0, result.output
    assert "8 added" in result.output
    amina = _rep("Amina Al-Sayed")
    constituencies = {m.constituency for m in amina.memberships}
    if key == "areas":
        assert constituencies == {None}
    elif key == "memberships":
        # Without memberships, the file is the list of the chamber's members.
        assert [(m.start_date, m.end_date) for m in amina.memberships] == [(None, None)]
    else:
        assert constituencies == {"القاهرة"}
    if key == "events":
        # Without the periods, a seat is as dated as its membership: the ids name the terms.
        assert {m.legislative_period for m in amina.memberships} == {"term/1", "term/2", "term/3"}
    again = _import(app, write(tmp_path, document), state.iso2)
    assert "0 added, 0 changed, 0 ended, 8 unchanged" in again.output, again.output


def test_people_with_the_same_identifier_do_not_break_the_import(app, state, tmp_path):
    """EveryPolitician files have mistakes: two people with one Wikidata id."""
    document = everypolitician()
    document["persons"][4]["identifiers"] = [{"scheme": "wikidata", "identifier": "Q101"}]

    result = _import(app, write(tmp_path, document), state.iso2)

    _no_crash(result)
    assert result.exit_code == 0, result.output
    assert "8 added" in result.output
    assert "wikidata Q101" in result.output  # the warning names the identifier
    holder = db.session.scalars(
        sa.select(Identifier).where(Identifier.scheme == "wikidata", Identifier.value == "Q101")
    ).one()
    assert holder.representative.name == "Amina Al-Sayed"
    again = _import(app, write(tmp_path, document), state.iso2)
    assert "0 added, 0 changed, 0 ended, 8 unchanged" in again.output, again.output


def test_a_namesake_with_only_a_name_is_the_same_person_at_the_next_import(app, state, tmp_path):
    """A third "John Smith" with only his name beside two with ids, and a second "Only A
    Name": nobody is added twice, nobody's seat is ended."""
    document = everypolitician()
    document["persons"] += [{"name": "John Smith"}, {"name": "Only A Name", "gender": "female"}]
    path = write(tmp_path, document)
    assert "10 added" in _import(app, path, state.iso2).output

    again = _import(app, path, state.iso2)

    assert "0 added, 0 changed, 0 ended, 10 unchanged" in again.output, again.output
    names = db.session.scalars(sa.select(Representative.name)).all()
    assert (names.count("John Smith"), names.count("Only A Name")) == (3, 2)
    open_seats = db.session.scalar(
        sa.select(sa.func.count()).select_from(Membership).where(Membership.end_date.is_(None))
    )
    assert open_seats == 9


def test_namesakes_with_ids_are_never_paired_by_order(app, state, tmp_path):
    """Two "Ali Khan"s entered by hand, and two in a file with their own ids: the file cannot
    say which is which, so neither is matched by name (no one's stances move to the wrong
    person); both are added, with a warning."""
    chamber = ChamberFactory(state=state, name="Majlis")
    hand = [seated_representative(chamber, name="Ali Khan") for _ in range(2)]
    db.session.commit()
    document = small()
    document["persons"] += [
        {"id": "p/ak1", "name": "Ali Khan"},
        {"id": "p/ak2", "name": "Ali Khan"},
    ]
    document["memberships"] += [
        {
            "person_id": f"p/ak{n}",
            "organization_id": "legislature",
            "legislative_period_id": "term/2",
        }
        for n in (1, 2)
    ]
    result = _import(app, write(tmp_path, document), state.iso2)
    assert result.exit_code == 0, result.output
    assert "2 people named Ali Khan in the file and 2 on record" in result.output
    db.session.expire_all()
    for rep in hand:
        assert not [i for i in db.session.get(Representative, rep.id).identifiers
                    if i.scheme == "popolo"]  # fmt: skip
    assert _by_popolo_id("p/ak1").id not in {r.id for r in hand}


def test_a_large_file_over_many_periods_imports_and_reimports_unchanged(app, state, tmp_path):
    document = many_periods(persons=2500, periods=8)
    assert len(document["memberships"]) == 10_000
    path = write(tmp_path, document)

    first = _import(app, path, state.iso2, chamber="Duma")

    assert first.exit_code == 0, first.output[-2000:]
    _no_crash(first)
    assert "Importing persons" in first.output
    assert "2500 added, 0 changed, 0 ended" in first.output
    chamber = db.session.scalars(sa.select(Chamber).where(Chamber.state_id == state.id)).one()
    assert _current_seats(chamber) == 625  # those of the last term
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Membership))
    assert total == len(document["memberships"]) // 2
    before = row_counts()

    again = _import(app, path, state.iso2, chamber="Duma")

    assert "0 added, 0 changed, 0 ended, 2500 unchanged" in again.output, again.output[-2000:]
    after = row_counts()
    assert after.pop("audit_entries") == before.pop("audit_entries") + 1
    assert after == before


# --- 2. Importing again changes nothing; who is gone has their seat ended ------------------------


def _counts_of_people() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Representative, Membership, Identifier, Party, Chamber)
    }


def test_importing_the_irregular_file_again_changes_nothing(app, state, tmp_path):
    path = write(tmp_path, everypolitician())
    assert _import(app, path, state.iso2).exit_code == 0
    before = row_counts()
    people = _counts_of_people()
    versions = {r.id: r.version for r in db.session.scalars(sa.select(Representative))}

    again = _import(app, path, state.iso2)

    assert again.exit_code == 0, again.output
    assert "0 added, 0 changed, 0 ended, 8 unchanged" in again.output
    assert not [line for line in again.output.splitlines() if line[:4] in ("  + ", "  ~ ", "  - ")]
    assert _counts_of_people() == people
    after = row_counts()
    assert after.pop("audit_entries") == before.pop("audit_entries") + 1
    assert after == before
    assert {r.id: r.version for r in db.session.scalars(sa.select(Representative))} == versions


def test_someone_gone_from_the_file_has_their_seat_ended_not_deleted(app, state, tmp_path):
    assert _import(app, write(tmp_path, everypolitician()), state.iso2).exit_code == 0
    people = _counts_of_people()
    document = everypolitician()
    document["persons"] = [p for p in document["persons"] if p.get("id") != "person/john-smith-1"]

    result = _import(app, write(tmp_path, document, "gone.json"), state.iso2)

    assert result.exit_code == 0, result.output
    assert "0 added, 0 changed, 1 ended, 7 unchanged" in result.output
    assert "- John Smith: seat ended" in result.output
    assert _counts_of_people() == people
    gone = _by_popolo_id("person/john-smith-1")
    assert gone.archived_at is None
    assert [m.end_date for m in gone.memberships] == [date.today()]
    # The other John Smith keeps his seat.
    assert sorted(
        m.end_date or date.max for m in _by_popolo_id("person/john-smith-2").memberships
    ) == [date(2021, 6, 30), date.max]
    again = _import(app, write(tmp_path, document, "gone.json"), state.iso2)
    assert "0 added, 0 changed, 0 ended, 7 unchanged" in again.output, again.output


# --- 4. A dry run writes nothing and says what would happen -------------------------------------


def test_a_dry_run_of_an_irregular_file_writes_nothing(app, state, tmp_path):
    before = row_counts()

    result = _import(app, write(tmp_path, everypolitician()), state.iso2, "--dry-run")

    assert result.exit_code == 0, result.output
    _no_crash(result)
    assert "Dry run: nothing was written" in result.output
    assert "8 added, 0 changed, 0 ended" in result.output
    assert "new chamber: Majlis" in result.output
    assert "new party: blue" in result.output
    assert "+ राजेश कुमार" in result.output
    assert "+ Иван Петров" in result.output
    assert row_counts() == before


def test_a_dry_run_shows_what_would_be_added_changed_and_ended(app, state, tmp_path):
    assert _import(app, write(tmp_path, everypolitician()), state.iso2).exit_code == 0
    document = everypolitician()
    document["persons"] = [p for p in document["persons"] if p.get("id") != "person/rajesh"]
    document["persons"][0]["other_names"].append({"lang": "fr", "name": "Amina Al-Saïd"})
    document["persons"].append({"id": "person/new", "name": "Ніна Нова"})
    document["memberships"].append(
        {
            "person_id": "person/new",
            "organization_id": "legislature",
            "on_behalf_of_id": "party/violet",
            "legislative_period_id": "term/3",
            "start_date": "2021-07",
        }
    )
    before = row_counts()

    result = _import(app, write(tmp_path, document, "next.json"), state.iso2, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "1 added, 1 changed, 1 ended" in result.output
    assert "new party: violet" in result.output
    assert "+ Ніна Нова" in result.output
    assert "~ Amina Al-Sayed: other name Amina Al-Saïd (fr)" in result.output
    assert "- राजेश कुमार: seat ended" in result.output
    assert row_counts() == before


# --- 3. Broken files: imported or refused in one line, never half written ------------------------


def _paths(node: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*here, index))


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(
        st.text(max_size=8), st.one_of(st.none(), st.integers(), st.text(max_size=8)), max_size=3
    ),
    st.text(max_size=30),
    st.text(max_size=10).map(lambda text: f"{text}\x00{text}"),
    st.sampled_from(
        [
            "",
            "   ",
            "x" * 5000,
            "ش" * 300,
            "\ud800",  # a lone surrogate: valid JSON (escaped), not valid Unicode
            "2015",
            "2015-02",
            "2015-02-30",
            "1066",
            "9999-12-31",
            "2019-03-01T10:00:00+02:00",
            "party/none",
            "party/unknown",
            "party/",
            "legislature",
            "cabinet",
            "term/1",
            "term/2",
            "area/n/a",
            "p/1",
            "p/2",
            "none",
            "Assembly",
            "party",
            "legislative period",
            "javascript:alert(1)",
            "@handle",
        ]
    ),
)


def _mutate(data: st.DataObject, document: Any) -> Any:
    """Break a document in one to three places: delete a key or an item, replace a value,
    repeat an item."""
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        path = data.draw(st.sampled_from(list(_paths(document))), label="where")
        action = data.draw(st.sampled_from(["delete", "replace", "repeat"]), label="what")
        if not path:
            if action == "replace":
                document = data.draw(ODD_VALUES, label="document")
            continue
        parent = _at(document, path[:-1])
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            # An odd value, or another value of the same file (an id, a date, a name…).
            texts = sorted({v for p in _paths(document) if isinstance(v := _at(document, p), str)})
            value = st.one_of(ODD_VALUES, st.sampled_from(texts)) if texts else ODD_VALUES
            parent[path[-1]] = data.draw(value, label="value")
        elif isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
    return document


def _encode(data: st.DataObject, document: Any) -> bytes:
    indent = data.draw(st.sampled_from([None, 2]), label="indent")
    ascii_only = data.draw(st.booleans(), label="ensure_ascii")
    text = json.dumps(document, ensure_ascii=ascii_only, indent=indent)
    # A lone surrogate written raw is not UTF-8: that file must be refused too.
    return text.encode("utf-8", "surrogatepass")


def test_broken_files_are_imported_or_refused_cleanly(app, tmp_path):
    @FUZZ
    @given(st.data())
    def check(data: st.DataObject) -> None:
        iso2 = _new_state()
        document = _mutate(data, data.draw(st.sampled_from([small, everypolitician]))(f"{iso2}-"))
        path = tmp_path / "mutated.json"
        path.write_bytes(_encode(data, document))
        _imports_or_is_refused(app, path, iso2, "Majlis")

    check()


def test_broken_files_are_refused_over_an_earlier_import_too(app, tmp_path):
    """Over a roster imported before, a refused file leaves every row as it was."""
    iso2 = _new_state()
    assert _import(app, write(tmp_path, small()), iso2, chamber="Assembly").exit_code == 0

    @FUZZ
    @given(st.data())
    def check(data: st.DataObject) -> None:
        document = _mutate(data, small())
        path = tmp_path / "mutated.json"
        path.write_bytes(_encode(data, document))
        before = row_counts()
        result = _import(app, path, iso2, chamber="Assembly")
        if result.exit_code != 0:
            _refused_cleanly(result, before)
        else:
            _no_crash(result)
            again = _import(app, path, iso2, chamber="Assembly")
            assert ": 0 added, 0 changed, 0 ended," in again.output, (result.output, again.output)
            # Put the roster back, for the next example.
            restored = _import(app, write(tmp_path, small()), iso2, chamber="Assembly")
            assert restored.exit_code == 0, restored.output
            steady = _import(app, write(tmp_path, small()), iso2, chamber="Assembly")
            assert ": 0 added, 0 changed, 0 ended," in steady.output, steady.output

    check()


def test_truncated_files_are_refused(app, tmp_path):
    iso2 = _new_state()
    text = json.dumps(small(), ensure_ascii=False, indent=2).encode()

    @FUZZ
    @given(st.integers(0, len(text) - 1))
    def check(cut: int) -> None:
        path = tmp_path / "cut.json"
        path.write_bytes(text[:cut])
        before = row_counts()
        result = _import(app, path, iso2, chamber="Assembly")
        _refused_cleanly(result, before)
        assert any(
            words in result.output
            for words in ("not valid JSON", "the file is empty", "not UTF-8 text")
        ), result.output

    check()


ENCODINGS = {"latin-1": "Müller", "cp1251": "Пётр", "cp1256": "سلمى", "utf-16": "Bătrânu",
             "utf-32": "Bătrânu"}  # fmt: skip


@pytest.mark.parametrize(("encoding", "name"), ENCODINGS.items(), ids=ENCODINGS.keys())
def test_a_file_in_another_encoding_is_refused(app, tmp_path, encoding, name):
    iso2 = _new_state()
    document = small()
    document["persons"][0]["name"] = name
    path = tmp_path / "other.json"
    path.write_bytes(json.dumps(document, ensure_ascii=False).encode(encoding, "replace"))
    before = row_counts()
    result = _import(app, path, iso2, chamber="Assembly")
    _refused_cleanly(result, before)
    assert "not UTF-8 text" in result.output


def test_bytes_that_are_not_utf8_are_refused(app, tmp_path):
    iso2 = _new_state()
    text = json.dumps(small(), ensure_ascii=False).encode()

    @FUZZ
    @given(
        st.integers(0, len(text)),
        st.sampled_from([b"\xff", b"\xfe", b"\xc3", b"\x80", b"\xed\xa0\x80", b"\xf8\x88\x80"]),
    )
    def check(where: int, junk: bytes) -> None:
        path = tmp_path / "bytes.json"
        path.write_bytes(text[:where] + junk + text[where:])
        before = row_counts()
        result = _import(app, path, iso2, chamber="Assembly")
        _refused_cleanly(result, before)
        assert "not UTF-8 text" in result.output

    check()


def test_a_utf8_file_with_a_byte_order_mark_imports(app, tmp_path):
    iso2 = _new_state()
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(small(), ensure_ascii=False).encode())
    result = _import(app, path, iso2, chamber="Assembly")
    assert result.exit_code == 0, result.output
    assert "3 added" in result.output


HUGE = "1" + "0" * 5000  # Python reads no integer of more than 4300 digits
ODD_TEXTS = {
    "a huge integer": (
        '{"persons": [{"id": HUGE, "name": "A"}]}'.replace("HUGE", HUGE),
        "not valid JSON: a number in it is too long to read",
    ),
    "a huge integer as seats": (
        '{"persons": [{"name": "A"}], "organizations": [{"seats": HUGE}]}'.replace("HUGE", HUGE),
        "not valid JSON: a number in it is too long to read",
    ),
    "a lone surrogate in a name": (
        '{"persons": [{"name": "A\\ud800"}]}',
        'persons[0].name contains "\\ud800", half of a character (a lone surrogate)',
    ),
    "a lone surrogate in an id": (
        '{"persons": [{"id": "\\udfff", "name": "A"}]}',
        'persons[0].id contains "\\udfff"',
    ),
    "a lone surrogate in a party id": (
        '{"persons": [{"id": "a", "name": "A"}], '
        '"memberships": [{"person_id": "a", "on_behalf_of_id": "party/\\ud83d"}]}',
        'memberships[0].on_behalf_of_id contains "\\ud83d"',
    ),
    "a lone surrogate in an other name": (
        '{"persons": [{"name": "A", "other_names": [{"name": "\\ude00"}]}]}',
        'persons[0].other_names[0].name contains "\\ude00"',
    ),
    "NUL in a name": (
        '{"persons": [{"name": "A\\u0000B"}]}',
        "persons[0].name contains a NUL character",
    ),
    "a line break in a date": (
        '{"persons": [{"id": "a", "name": "A"}], '
        '"memberships": [{"person_id": "a", "start_date": "2015\\n01"}]}',
        'memberships[0].start_date is "2015\\n01", which is not a date',
    ),
    "a terminal escape in a date": (
        '{"persons": [{"id": "a", "name": "A"}], '
        '"memberships": [{"person_id": "a", "end_date": "\\u001b[2J"}]}',
        'memberships[0].end_date is "\\x1b[2J", which is not a date',
    ),
}


@pytest.mark.parametrize(("text", "message"), ODD_TEXTS.values(), ids=ODD_TEXTS.keys())
def test_odd_json_values_are_refused_in_one_line(app, tmp_path, text, message):
    iso2 = _new_state()
    path = tmp_path / "odd.json"
    path.write_text(text, encoding="utf-8")
    before = row_counts()
    result = _import(app, path, iso2, chamber="Assembly")
    _refused_cleanly(result, before)
    assert message in result.output, result.output


def test_numbers_and_nan_where_text_is_expected_are_read_as_text(app, tmp_path):
    iso2 = _new_state()
    document = '{"persons": [{"id": 7, "name": NaN}, {"id": 8.5, "name": 1e3}]}'
    result = _import(app, write(tmp_path, document), iso2, chamber="Assembly")
    assert result.exit_code == 0, result.output
    assert {
        (r.name, r.identifiers[0].value) for r in db.session.scalars(sa.select(Representative))
    } == {("nan", "7"), ("1000.0", "8.5")}


VOTE = {
    "vote_events": [
        {
            "id": "ve-1",
            "motion": {"text": "That the agreement be ratified."},
            "start_date": "2024-03-01T10:30:00Z",
            "result": "pass",
            "counts": [
                {"option": "yes", "value": 2},
                {"option": "no", "value": 1},
                {"option": "yes", "value": 1, "group": {"name": "Party A"}},
            ],
            "votes": [
                {"voter_id": "p/1", "option": "yes"},
                {"voter_id": "p/2", "option": "no"},
                {"voter": {"name": "Only Name"}, "option": "yes"},
            ],
        }
    ]
}


def test_broken_vote_events_are_recorded_or_refused_cleanly(app, tmp_path):
    iso2 = _new_state()
    assert _import(app, write(tmp_path, small()), iso2, chamber="Assembly").exit_code == 0
    state = db.session.scalars(sa.select(State).where(State.iso2 == iso2)).one()
    stage = StageFactory(
        agreement=AgreementFactory(state=state),
        kind=StageKind.PLENARY_VOTE,
        chamber=state.chambers[0],
        scheduled_on=date(2024, 3, 2),
    )
    stage_id = str(stage.id)

    @FUZZ
    @given(st.data())
    def check(data: st.DataObject) -> None:
        path = tmp_path / "vote.json"
        path.write_bytes(_encode(data, _mutate(data, copy.deepcopy(VOTE))))
        before = row_counts()
        result = run(app, "import-votes", str(path), "--stage", stage_id)
        if result.exit_code != 0:
            _refused_cleanly(result, before)
        else:
            _no_crash(result)

    check()


# --- The shared Micronesia file, imported and broken --------------------------------------------


def _micronesia(tag: str = "") -> dict[str, Any]:
    document = json.loads((SHARED / MICRONESIA).read_text(encoding="utf-8"))
    for person in document["persons"]:
        person["id"] = tag + person["id"]
    for membership in document["memberships"]:
        membership["person_id"] = tag + membership["person_id"]
    return document


@needs_shared
def test_micronesia_with_a_member_gone_ends_that_seat(app, tmp_path):
    iso2 = _new_state()
    document = _micronesia()
    assert _import(app, write(tmp_path, document), iso2, chamber="Congress").exit_code == 0
    people = _counts_of_people()
    current = {
        m["person_id"] for m in document["memberships"] if m["legislative_period_id"] == "term/19"
    }
    gone = sorted(current)[0]
    document["persons"] = [p for p in document["persons"] if p["id"] != gone]
    document["memberships"] = [m for m in document["memberships"] if m["person_id"] != gone]

    result = _import(app, write(tmp_path, document, "gone.json"), iso2, chamber="Congress")

    assert result.exit_code == 0, result.output
    assert "0 added, 0 changed, 1 ended, 20 unchanged" in result.output
    assert _counts_of_people() == people
    rep = _by_popolo_id(gone)
    current_seats = [m for m in rep.memberships if m.legislative_period == "19th Congress"]
    assert [m.end_date for m in current_seats] == [date.today()]
    # The seats of earlier terms are history and stay as they were.
    assert all(m.end_date <= date(2015, 5, 10) for m in rep.memberships if m not in current_seats)


@needs_shared
def test_micronesia_enriched_the_everypolitician_way_imports(app, tmp_path):
    iso2 = _new_state()
    document = _micronesia()
    first = document["persons"][0]
    first.update(
        {
            "given_name": "Berney",
            "family_name": "Martin",
            "sort_name": "Martin, Berney",
            "gender": "male",
            "birth_date": "1955",
            "email": None,
            "other_names": [
                {"lang": "ar", "name": "بيرني مارتن", "note": "multilingual"},
                {"lang": "hi", "name": "बर्नी मार्टिन", "note": "multilingual"},
                {"lang": "ru", "name": "Берни Мартин", "note": "multilingual"},
            ],
            "identifiers": [
                {"scheme": "wikidata", "identifier": "Q4893199"},
                {"scheme": "viaf", "identifier": "123"},
                {"scheme": "wikidata", "identifier": "Q4893199"},
            ],
            "links": [
                {"note": "Wikipedia (en)", "url": "https://en.wikipedia.org/wiki/Berney_Martin"}
            ],
            "contact_details": [{"type": "email", "value": None}],
        }
    )
    membership = next(m for m in document["memberships"] if m["person_id"] == first["id"])
    membership["start_date"] = "2013-06"
    document["memberships"].append(
        {"person_id": first["id"], "organization_id": "party/none", "start_date": "2013"}
    )

    result = _import(app, write(tmp_path, document), iso2, chamber="Congress")

    assert result.exit_code == 0, result.output
    assert "21 added" in result.output
    rep = _rep("Berney Martin")
    assert {o.lang for o in rep.other_names} == {"ar", "hi", "ru"}
    assert sorted((i.scheme, i.value) for i in rep.identifiers) == [
        ("popolo", "person/berney_martin"),
        ("viaf", "123"),
        ("wikidata", "Q4893199"),
    ]
    assert date(2013, 6, 1) in {m.start_date for m in rep.memberships}
    again = _import(app, write(tmp_path, document), iso2, chamber="Congress")
    assert "0 added, 0 changed, 0 ended, 21 unchanged" in again.output, again.output


@needs_shared
@pytest.mark.parametrize("key", ["organizations", "areas", "events", "meta"])
def test_micronesia_without_a_section_imports(app, tmp_path, key):
    iso2 = _new_state()
    document = _micronesia()
    del document[key]
    result = _import(app, write(tmp_path, document), iso2, chamber="Congress")
    _no_crash(result)
    assert result.exit_code == 0, result.output
    assert "21 added" in result.output
    again = _import(app, write(tmp_path, document), iso2, chamber="Congress")
    assert "0 added, 0 changed, 0 ended, 21 unchanged" in again.output, again.output


@needs_shared
def test_micronesia_broken_is_imported_or_refused_cleanly(app, tmp_path):
    @settings(FUZZ, max_examples=25)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        iso2 = _new_state()
        document = _mutate(data, _micronesia(f"{iso2}-"))
        path = tmp_path / "micronesia.json"
        path.write_bytes(_encode(data, document))
        _imports_or_is_refused(app, path, iso2, "Congress")

    check()


@needs_shared
def test_micronesia_cut_anywhere_or_with_a_bad_byte_is_refused(app, tmp_path):
    iso2 = _new_state()
    raw = (SHARED / MICRONESIA).read_bytes().rstrip()

    @settings(FUZZ, max_examples=25)
    @given(st.integers(0, len(raw) - 1), st.sampled_from([None, b"\xff", b"\xc3\x28"]))
    def check(where: int, junk: bytes | None) -> None:
        path = tmp_path / "broken.json"
        path.write_bytes(raw[:where] if junk is None else raw[:where] + junk + raw[where:])
        before = row_counts()
        result = _import(app, path, iso2, chamber="Congress")
        _refused_cleanly(result, before)

    check()
