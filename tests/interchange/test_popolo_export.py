"""`crm export-popolo` and the round trips: export → import changes nothing, and a database
filled from an export exports the same document."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.interchange.popolo.committees import committee_role
from crm.parliament.models import (
    CommitteeMembership,
    CommitteeRole,
    ContactDetail,
    ContactKind,
    Identifier,
    Membership,
    OtherName,
    Representative,
)
from tests.conftest import SHARED, row_counts
from tests.factories import (
    ChamberFactory,
    CommitteeFactory,
    PartyFactory,
    RepresentativeFactory,
    StateFactory,
    seated_representative,
)
from tests.interchange.factories import MICRONESIA, roster, run, write

NOTHING_TO_DO = "0 added, 0 changed, 0 ended"


def _chamber_with_history():
    """A chamber whose members were entered by hand: no Popolo ids, every kind of detail."""
    state = StateFactory(name="Roundtripia", timezone="Asia/Kathmandu")
    chamber = ChamberFactory(state=state, name="National Assembly", seats=7)
    green, red = (
        PartyFactory(state=state, name="Green", abbreviation="GR"),
        PartyFactory(state=state, name="Red", abbreviation=None),
    )
    ana = seated_representative(chamber, green, name="Ana Popescu", gender="female")
    ana.other_names.append(OtherName(name="आना पोपेस्कु", lang="ne", note="Devanagari"))
    ana.contact_details += [
        ContactDetail(kind=ContactKind.EMAIL, value="ana@parliament.example", label="Office"),
        ContactDetail(kind=ContactKind.WEBSITE, value="https://ana.example/"),
    ]
    ana.identifiers.append(Identifier(scheme="wikidata", value="Q42"))
    ana.memberships[0].legislative_period = "2022–2027"
    ana.memberships[0].constituency = "Kathmandu 1"
    # A change of party: the first seat ended, a second began.
    mover = seated_representative(chamber, red, name="Ion Mover")
    first = mover.memberships[0]
    first.end_date = date.today() - timedelta(days=30)
    mover.memberships.append(
        Membership(chamber=chamber, party=green, start_date=first.end_date + timedelta(days=1))
    )
    seated_representative(chamber, None, name="Maria Independent")
    former = RepresentativeFactory(state=state, name="Vasile Former")
    former.memberships.append(
        Membership(
            chamber=chamber,
            party=red,
            start_date=date(2010, 1, 1),
            end_date=date(2014, 12, 31),
            legislative_period="2010–2014",
        )
    )
    undated = RepresentativeFactory(state=state, name="Undated Member")
    undated.memberships.append(Membership(chamber=chamber, party=red, role="speaker"))
    # Committee seats and roles, one of them past.
    foreign = CommitteeFactory(chamber=chamber, name="Foreign Affairs")
    legal = CommitteeFactory(chamber=chamber, name="Legal Affairs")
    ana.committee_memberships.append(
        CommitteeMembership(
            committee=foreign, role=CommitteeRole.CHAIR, start_date=date(2023, 2, 1)
        )
    )
    mover.committee_memberships += [
        CommitteeMembership(committee=foreign, role=CommitteeRole.RAPPORTEUR),
        CommitteeMembership(
            committee=legal, start_date=date(2020, 1, 1), end_date=date(2021, 6, 30)
        ),
    ]
    db.session.commit()
    return state, chamber


def _export(app, state, chamber_name, tmp_path, name="export.json"):
    path = tmp_path / name
    result = run(app, "export-popolo", "--state", state.iso2, "--chamber", chamber_name,
                 "-o", str(path))  # fmt: skip
    assert result.exit_code == 0, result.output
    return path, json.loads(path.read_text(encoding="utf-8"))


def _import(app, path, state, chamber_name, *extra):
    result = run(app, "import-popolo", str(path), "--state", state.iso2, "--chamber",
                 chamber_name, *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def test_the_export_is_popolo_with_persons_parties_terms_and_areas(app, tmp_path):
    state, chamber = _chamber_with_history()
    _path, document = _export(app, state, chamber.name, tmp_path)

    assert set(document) == {"meta", "persons", "organizations", "memberships", "events", "areas"}
    names = [p["name"] for p in document["persons"]]
    assert "Vasile Former" in names
    assert len(names) == 5
    ana = next(p for p in document["persons"] if p["name"] == "Ana Popescu")
    assert ana["other_names"] == [{"name": "आना पोपेस्कु", "lang": "ne", "note": "Devanagari"}]
    assert {"scheme": "wikidata", "identifier": "Q42"} in ana["identifiers"]
    assert {"type": "email", "value": "ana@parliament.example", "label": "Office"} in ana[
        "contact_details"
    ]
    classifications = [o["classification"] for o in document["organizations"]]
    assert classifications == ["legislature", "party", "party", "committee", "committee"]
    chamber_org = document["organizations"][0]["id"]
    committees = {
        o["id"]: o for o in document["organizations"] if o["classification"] == "committee"
    }
    assert {o["parent_id"] for o in committees.values()} == {chamber_org}
    seats = [m for m in document["memberships"] if m["organization_id"] in committees]
    assert sorted((committees[m["organization_id"]]["name"], m["role"]) for m in seats) == [
        ("Foreign Affairs", "chair"),
        ("Foreign Affairs", "rapporteur"),
        ("Legal Affairs", "member"),
    ]
    assert document["organizations"][0]["seats"] == 7
    assert {e["name"] for e in document["events"]} == {"2022–2027", "2010–2014"}
    assert [a["name"] for a in document["areas"]] == ["Kathmandu 1"]
    org_ids = {o["id"] for o in document["organizations"]}
    person_ids = {p["id"] for p in document["persons"]}
    for membership in document["memberships"]:
        assert membership["person_id"] in person_ids
        assert membership["organization_id"] in org_ids
        assert membership.get("on_behalf_of_id", document["organizations"][1]["id"]) in org_ids


def test_exporting_then_importing_into_the_same_database_changes_nothing(app, tmp_path):
    state, chamber = _chamber_with_history()
    path, _document = _export(app, state, chamber.name, tmp_path)
    before = row_counts()

    output = _import(app, path, state, chamber.name, "--dry-run")

    assert NOTHING_TO_DO in output
    assert "5 unchanged" in output
    assert "new party" not in output
    assert "Popolo id set" not in output
    assert row_counts() == before
    # For real, too: still nothing but the entry saying it was imported.
    output = _import(app, path, state, chamber.name)
    assert NOTHING_TO_DO in output
    after = row_counts()
    assert after.pop("audit_entries") == before.pop("audit_entries") + 1
    assert after == before


def test_a_database_filled_from_an_export_exports_the_same_document(app, fresh_app, tmp_path):
    state, chamber = _chamber_with_history()
    iso2 = state.iso2
    path, original = _export(app, state, chamber.name, tmp_path)

    with fresh_app() as empty:
        copy = StateFactory(iso2=iso2, name="Roundtripia", timezone="Asia/Kathmandu")
        output = _import(empty, path, copy, "National Assembly")
        assert "5 added" in output
        _again_path, again = _export(empty, copy, "National Assembly", tmp_path, "again.json")
        # And importing the original again there changes nothing either.
        assert NOTHING_TO_DO in _import(empty, path, copy, "National Assembly", "--dry-run")

    assert again == original


def test_an_imported_roster_exports_and_reimports_unchanged(app, fresh_app, tmp_path):
    state = StateFactory(iso2="QS")
    _import(app, write(tmp_path, roster()), state, "Assembly")
    path, exported = _export(app, state, "Assembly", tmp_path)

    assert NOTHING_TO_DO in _import(app, path, state, "Assembly", "--dry-run")
    # The file's own ids are kept: the export speaks the source's language.
    assert {p["id"] for p in exported["persons"]} == {
        "person/ana-popescu",
        "person/ion-ionescu",
        "person/maria-dinu",
        "person/old-timer",
    }
    with fresh_app() as empty:
        copy = StateFactory(iso2="QS")
        _import(empty, path, copy, "Assembly")
        _path, again = _export(empty, copy, "Assembly", tmp_path, "again.json")
    assert again == exported


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside the checkout")
def test_micronesia_round_trips_through_an_export(app, tmp_path):
    state = StateFactory(iso2="FM", name="Micronesia", timezone="Pacific/Pohnpei")
    _import(app, SHARED / MICRONESIA, state, "Congress")
    path, document = _export(app, state, "Congress", tmp_path)
    assert len(document["persons"]) == 21
    assert NOTHING_TO_DO in _import(app, path, state, "Congress", "--dry-run")
    # And the original file still agrees with what the export put back.
    assert NOTHING_TO_DO in _import(app, SHARED / MICRONESIA, state, "Congress", "--dry-run")


def test_export_to_the_standard_output_and_an_unknown_chamber(app):
    state, chamber = _chamber_with_history()
    result = run(app, "export-popolo", "--state", state.iso2, "--chamber", "national assembly")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["meta"]["chamber"] == chamber.name
    missing = run(app, "export-popolo", "--state", state.iso2, "--chamber", "Senate")
    assert missing.exit_code != 0
    assert "has no chamber 'Senate' (National Assembly)" in missing.output


def test_the_export_of_a_chamber_for_signed_in_users(app, client, tmp_path, as_user):
    from crm.auth.models import Role
    from tests.factories import UserFactory

    state, chamber = _chamber_with_history()
    url = f"/states/{state.iso2}/chambers/{chamber.id}/popolo.json"
    assert client.get(url).status_code == 302
    as_user(UserFactory(role=Role.STAFF))
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert len(response.get_json()["persons"]) == 5
    other_chamber = ChamberFactory()
    assert (
        client.get(f"/states/{state.iso2}/chambers/{other_chamber.id}/popolo.json").status_code
        == 404
    )
    assert (
        client.get(f"/states/{state.iso2}/chambers/99999999999999/popolo.json").status_code == 404
    )


def _committee_seats(state) -> set[tuple[str, str, str, date | None, date | None]]:
    db.session.rollback()
    found = db.session.scalars(
        sa.select(CommitteeMembership)
        .join(CommitteeMembership.representative)
        .where(Representative.state_id == state.id)
    )
    return {
        (s.representative.name, s.committee.name, s.role.value, s.start_date, s.end_date)
        for s in found
    }


def test_committee_seats_follow_the_file(app, tmp_path):
    state, chamber = _chamber_with_history()
    _path, document = _export(app, state, chamber.name, tmp_path)
    persons = {p["name"]: p["id"] for p in document["persons"]}
    committees = {
        o["name"]: o["id"] for o in document["organizations"] if o["classification"] == "committee"
    }
    seats = document["memberships"]
    # Ana becomes vice-chair; Ion Mover's open seat is gone from the file; Maria joins a
    # committee the database does not have yet.
    for seat in seats:
        if seat["person_id"] == persons["Ana Popescu"] and seat["organization_id"] in (
            committees.values()
        ):
            seat["role"] = "Vice-Chairperson"
    document["memberships"] = [
        s
        for s in seats
        if not (s["person_id"] == persons["Ion Mover"] and s.get("role") == "rapporteur")
    ]
    document["organizations"].append(
        {
            "id": "committee/human-rights",
            "name": "Human Rights",
            "classification": "committee",
            "parent_id": document["organizations"][0]["id"],
        }
    )
    document["memberships"].append(
        {
            "person_id": persons["Maria Independent"],
            "organization_id": "committee/human-rights",
            "role": "member",
            "start_date": "2024-03-01",
        }
    )
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document), encoding="utf-8")

    output = _import(app, edited, state, chamber.name)
    assert "new committee: Human Rights" in output
    assert "Foreign Affairs: vice chair" in output
    assert "seat on Foreign Affairs ended" in output
    assert "new seat on Human Rights (member)" in output
    today = date.today()
    assert _committee_seats(state) == {
        ("Ana Popescu", "Foreign Affairs", "vice_chair", date(2023, 2, 1), None),
        ("Ion Mover", "Foreign Affairs", "rapporteur", None, today),
        ("Ion Mover", "Legal Affairs", "member", date(2020, 1, 1), date(2021, 6, 30)),
        ("Maria Independent", "Human Rights", "member", date(2024, 3, 1), None),
    }
    assert NOTHING_TO_DO in _import(app, edited, state, chamber.name)

    # A file that seats nobody on committees (most rosters; this one still lists them)
    # leaves every seat alone.
    document["memberships"] = [
        m
        for m in document["memberships"]
        if m["organization_id"] not in committees.values()
        and m["organization_id"] != "committee/human-rights"
    ]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(document), encoding="utf-8")
    before = _committee_seats(state)
    assert NOTHING_TO_DO in _import(app, bare, state, chamber.name)
    assert _committee_seats(state) == before

    # Someone who leaves the chamber leaves its committees the file lists.
    document = json.loads(edited.read_text(encoding="utf-8"))
    document["persons"] = [p for p in document["persons"] if p["name"] != "Ana Popescu"]
    document["memberships"] = [
        m for m in document["memberships"] if m["person_id"] != persons["Ana Popescu"]
    ]
    left = tmp_path / "left.json"
    left.write_text(json.dumps(document), encoding="utf-8")
    assert "1 ended" in _import(app, left, state, chamber.name)
    assert ("Ana Popescu", "Foreign Affairs", "vice_chair", date(2023, 2, 1), today) in (
        _committee_seats(state)
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("Chairperson", CommitteeRole.CHAIR),
        ("chair", CommitteeRole.CHAIR),
        ("Chairman of the committee", CommitteeRole.CHAIR),
        ("President", CommitteeRole.CHAIR),
        ("Vice-Chair", CommitteeRole.VICE_CHAIR),
        ("vice_chair", CommitteeRole.VICE_CHAIR),
        ("Deputy Chairwoman", CommitteeRole.VICE_CHAIR),
        ("Rapporteur", CommitteeRole.RAPPORTEUR),
        ("Deputy member", CommitteeRole.MEMBER),  # a substitute, not a vice-chair
        ("Civil service member", CommitteeRole.MEMBER),
        ("member", CommitteeRole.MEMBER),
        (None, CommitteeRole.MEMBER),
    ],
)
def test_committee_roles_are_read_from_the_words_files_use(role, expected):
    assert committee_role(role) is expected
