"""`crm import-popolo`: rosters from Popolo JSON, idempotent, with clear refusals."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.parliament.models import (
    Chamber,
    ContactKind,
    Identifier,
    Membership,
    Party,
    Representative,
    Stance,
)
from tests.conftest import SHARED, row_counts
from tests.factories import ChamberFactory, StateFactory, seated_representative
from tests.interchange.factories import (
    MICRONESIA,
    SPEC_EXAMPLES,
    many_people,
    roster,
    run,
    without_person,
    write,
)

needs_shared = pytest.mark.skipif(
    not SHARED.exists(), reason="../shared is not beside the checkout"
)


def _rep(name: str) -> Representative:
    return db.session.scalars(sa.select(Representative).where(Representative.name == name)).one()


def _import(app, path, state, *extra: str, chamber: str = "Assembly"):
    return run(app, "import-popolo", str(path), "--state", state.iso2, "--chamber", chamber, *extra)


@pytest.fixture
def state(app):
    return StateFactory(timezone="Europe/Bucharest")


def test_import_creates_people_parties_seats_and_names(app, state, tmp_path):
    result = _import(app, write(tmp_path, roster()), state)
    assert result.exit_code == 0, result.output
    assert "4 added, 0 changed, 0 ended" in result.output

    chamber = db.session.scalars(sa.select(Chamber).where(Chamber.state_id == state.id)).one()
    assert (chamber.name, chamber.seats, chamber.popolo_id) == ("Assembly", 6, "legislature")
    parties = {p.name: p for p in db.session.scalars(sa.select(Party))}
    # "none" means no party: those seats are independent.
    assert set(parties) == {"Green Party", "Red Party"}
    assert parties["Green Party"].popolo_id == "party/green"

    ana = _rep("Ana Popescu")
    assert (ana.given_name, ana.family_name, ana.sort_name, ana.gender) == (
        "Ana",
        "Popescu",
        "Popescu, Ana",
        "female",
    )
    assert {(o.name, o.lang, o.note) for o in ana.other_names} == {
        ("Ана Попеску", "ru", "multilingual"),
        ("Άννα Ποπέσκου", "el", None),
    }
    assert {(c.kind, c.value, c.label) for c in ana.contact_details} == {
        (ContactKind.EMAIL, "ana.popescu@parliament.example", None),
        (ContactKind.PHONE, "+40 21 414 1111", "Office"),
        (ContactKind.SOCIAL, "@anapopescu", "twitter"),
    }
    assert {(i.scheme, i.value) for i in ana.identifiers} == {
        ("popolo", "person/ana-popescu"),
        ("wikidata", "Q1001"),
        ("everypolitician_legacy", "ep-1001"),
    }
    seats = sorted(ana.memberships, key=lambda m: m.start_date)
    assert [(m.legislative_period, m.start_date, m.end_date) for m in seats] == [
        ("First Assembly", date(2015, 6, 1), date(2019, 5, 31)),
        ("Second Assembly", date(2019, 6, 1), None),
    ]
    assert {(m.party.name, m.constituency, m.role) for m in seats} == {
        ("Green Party", "North", "member")
    }
    # Its own start date wins over the period's; the party membership is not a seat.
    ion = _rep("Ion Ionescu")
    assert [(m.start_date, m.party.name) for m in ion.memberships] == [
        (date(2020, 2, 1), "Red Party")
    ]
    maria = _rep("Maria Dinu")
    assert [(m.party_id, m.constituency) for m in maria.memberships] == [(None, None)]
    assert _rep("Vasile Bătrânu").memberships[0].end_date == date(2019, 5, 31)


def test_a_person_with_no_sort_name_is_sorted_family_given(app, state, tmp_path):
    """As when added on the page (crm.parliament.models.sort_name_for)."""
    document = roster()
    ana = next(p for p in document["persons"] if p["name"] == "Ana Popescu")
    del ana["sort_name"]

    assert _import(app, write(tmp_path, document), state).exit_code == 0

    assert _rep("Ana Popescu").sort_name == "Popescu, Ana"


def test_imported_people_are_searchable_and_their_stance_unknown(app, state, tmp_path):
    assert _import(app, write(tmp_path, roster()), state).exit_code == 0
    ana = _rep("Ana Popescu")
    assert "ана попеску" in ana.search_text
    assert "batranu" in _rep("Vasile Bătrânu").search_text
    assert (ana.stance, ana.stance_on) == (Stance.UNKNOWN, None)


def test_importing_the_same_file_again_changes_nothing(app, state, tmp_path):
    path = write(tmp_path, roster())
    assert _import(app, path, state).exit_code == 0
    before = row_counts()
    versions = {r.id: r.version for r in db.session.scalars(sa.select(Representative))}

    again = _import(app, path, state)

    assert again.exit_code == 0, again.output
    assert "0 added, 0 changed, 0 ended, 4 unchanged" in again.output
    after = row_counts()
    # Only the entry saying who imported the file was written.
    assert after.pop("audit_entries") == before.pop("audit_entries") + 1
    assert after == before
    assert {r.id: r.version for r in db.session.scalars(sa.select(Representative))} == versions


def test_a_dry_run_reports_the_changes_and_writes_nothing(app, state, tmp_path):
    before = row_counts()
    result = _import(app, write(tmp_path, roster()), state, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written" in result.output
    assert "+ Ana Popescu" in result.output
    assert "new party: Green Party" in result.output
    assert row_counts() == before


def test_a_dry_run_shows_what_would_change_and_end(app, state, tmp_path):
    assert _import(app, write(tmp_path, roster()), state).exit_code == 0
    changed = without_person(roster(), "person/ion-ionescu")
    changed["persons"][0]["name"] = "Ana Maria Popescu"
    before = row_counts()

    result = _import(app, write(tmp_path, changed, "changed.json"), state, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "0 added, 1 changed, 1 ended" in result.output
    assert "~ Ana Popescu: name Ana Popescu → Ana Maria Popescu" in result.output
    assert "- Ion Ionescu: seat ended" in result.output
    assert row_counts() == before


def test_people_left_out_of_the_file_have_their_seat_ended_not_deleted(app, state, tmp_path):
    assert _import(app, write(tmp_path, roster()), state).exit_code == 0
    ion = _rep("Ion Ionescu")
    version = ion.version

    result = _import(app, write(tmp_path, without_person(roster(), "person/ion-ionescu")), state)

    assert result.exit_code == 0, result.output
    assert "0 added, 0 changed, 1 ended" in result.output
    ion = _rep("Ion Ionescu")
    assert ion.archived_at is None
    assert [m.end_date for m in ion.memberships] == [date.today()]
    assert ion.version > version
    ended = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "membership.ended")
    ).one()
    assert ended.target_id == str(ion.id)
    # Ending it again is no change.
    again = _import(app, write(tmp_path, without_person(roster(), "person/ion-ionescu")), state)
    assert "0 ended" in again.output


def test_a_seat_left_out_ends_with_the_files_last_period_when_that_is_over(app, state, tmp_path):
    assert _import(app, write(tmp_path, roster()), state).exit_code == 0
    document = without_person(roster(), "person/maria-dinu")
    document["events"][1]["end_date"] = "2023-05-31"

    assert _import(app, write(tmp_path, document, "ended.json"), state).exit_code == 0

    assert [m.end_date for m in _rep("Maria Dinu").memberships] == [date(2023, 5, 31)]


def test_people_are_matched_by_wikidata_when_the_popolo_id_changes(app, state, tmp_path):
    assert _import(app, write(tmp_path, roster()), state).exit_code == 0
    document = roster()
    document["persons"][1]["id"] = "new-ids/ion"
    for membership in document["memberships"]:
        if membership["person_id"] == "person/ion-ionescu":
            membership["person_id"] = "new-ids/ion"

    result = _import(app, write(tmp_path, document, "new-ids.json"), state)

    assert result.exit_code == 0, result.output
    assert "0 added, 1 changed, 0 ended" in result.output
    ion = _rep("Ion Ionescu")
    assert {("popolo", "person/ion-ionescu"), ("popolo", "new-ids/ion")} <= {
        (i.scheme, i.value) for i in ion.identifiers
    }


def test_a_representative_entered_by_hand_is_linked_not_duplicated(app, state, tmp_path):
    chamber = ChamberFactory(state=state, name="Assembly", seats=6)
    rep = seated_representative(chamber, name="Ion Ionescu", given_name="Ion")

    result = _import(app, write(tmp_path, roster()), state)

    assert result.exit_code == 0, result.output
    assert "3 added, 1 changed, 0 ended" in result.output
    ion = _rep("Ion Ionescu")
    assert ion.id == rep.id
    assert ("popolo", "person/ion-ionescu") in {(i.scheme, i.value) for i in ion.identifiers}
    # The hand-entered open seat became the file's seat rather than a second one.
    assert [(m.start_date, m.legislative_period) for m in ion.memberships] == [
        (date(2020, 2, 1), "Second Assembly")
    ]


def test_a_change_of_name_and_party_is_an_update(app, state, tmp_path):
    assert _import(app, write(tmp_path, roster()), state).exit_code == 0
    document = roster()
    document["persons"][2]["name"] = "Maria Dinu-Pop"
    document["memberships"][3]["on_behalf_of_id"] = "party/green"

    result = _import(app, write(tmp_path, document, "moved.json"), state)

    assert result.exit_code == 0, result.output
    maria = _rep("Maria Dinu-Pop")
    assert maria.memberships[0].party.name == "Green Party"
    assert "dinu-pop" in maria.search_text
    entry = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "representative.updated", AuditEntry.target_id == str(maria.id)
        )
    ).one()
    assert entry.before["name"] == "Maria Dinu"
    assert entry.after["name"] == "Maria Dinu-Pop"


def test_the_import_is_audited_with_who_imported_what(app, state, tmp_path):
    assert _import(app, write(tmp_path, roster(), "assembly.json"), state).exit_code == 0
    summary = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "popolo.imported")
    ).one()
    assert summary.actor_email.startswith("command line (")
    assert summary.state_id == state.id
    assert "assembly.json" in summary.summary
    assert summary.after["added"] == 4
    created = db.session.scalars(
        sa.select(AuditEntry.target_id).where(AuditEntry.action == "representative.created")
    ).all()
    assert len(created) == 4


def test_irregular_files_are_read_as_far_as_they_go(app, state, tmp_path):
    ChamberFactory(state=state, name="Assembly", seats=10)
    document = {
        # No organizations, no memberships, no posts; people with only a name.
        "persons": [
            {"name": "Only A Name"},
            {"id": "x-2", "name": "Given Family", "other_names": [{"name": "GF", "lang": "!!"}]},
            {"id": "x-3", "given_name": "Composed", "family_name": "Name"},
            {
                "id": "x-4",
                "name": "Odd Contacts",
                "contact_details": [
                    {"type": "email", "value": "not an address"},
                    {"type": "voice"},
                    {"type": "fax", "value": "+1 555 0100"},
                ],
            },
        ],
        "meta": {"source": "hand made"},
    }

    result = _import(app, write(tmp_path, document), state)

    assert result.exit_code == 0, result.output
    assert "4 added" in result.output
    assert "is not a language tag" in result.output
    assert _rep("Composed Name").memberships[0].start_date is None
    odd = _rep("Odd Contacts")
    assert {(c.kind, c.value) for c in odd.contact_details} == {
        (ContactKind.OTHER, "not an address"),
        (ContactKind.FAX, "+1 555 0100"),
    }
    assert [(o.name, o.lang) for o in _rep("Given Family").other_names] == [("GF", None)]
    # Importing it twice is still no change, even without ids.
    again = _import(app, write(tmp_path, document), state)
    assert "0 added, 0 changed, 0 ended, 4 unchanged" in again.output


def test_an_identifier_of_another_states_representative_is_not_taken(app, state, tmp_path):
    elsewhere = seated_representative(ChamberFactory(), name="Someone Else")
    elsewhere.identifiers.append(Identifier(scheme="wikidata", value="Q1002"))
    db.session.commit()

    result = _import(app, write(tmp_path, roster()), state)

    assert result.exit_code == 0, result.output
    assert "already belongs to Someone Else of another state" in result.output
    assert ("wikidata", "Q1002") not in {
        (i.scheme, i.value) for i in _rep("Ion Ionescu").identifiers
    }


def test_large_files_show_a_progress_bar(app, state, tmp_path):
    result = _import(app, write(tmp_path, many_people(220)), state, chamber="House")
    assert result.exit_code == 0, result.output
    assert "Importing persons" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Representative)) == 220


BAD_FILES = {
    "empty": ("", "the file is empty"),
    "a list": ("[1, 2]", "found a list"),
    "persons an object": ('{"persons": {"a": 1}}', "persons must be a list"),
    "no persons": ('{"organizations": []}', "no persons list"),
    "no one": ('{"persons": []}', "the persons list is empty"),
    "person a string": ('{"persons": ["Ana"]}', "persons[0] must be an object"),
    "nameless": ('{"persons": [{"id": "x"}]}', "persons[0] has no name"),
    "name a list": ('{"persons": [{"name": ["x"]}]}', "persons[0].name must be text"),
    "same id twice": (
        '{"persons": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]}',
        'the same id "a"',
    ),
    "bad date": (
        '{"persons": [{"id": "a", "name": "A"}], "memberships": '
        '[{"person_id": "a", "start_date": "soon"}]}',
        'memberships[0].start_date is "soon", which is not a date',
    ),
    "ends before it starts": (
        '{"persons": [{"id": "a", "name": "A"}], "memberships": '
        '[{"person_id": "a", "start_date": "2020-01-01", "end_date": "2019-01-01"}]}',
        "ends (2019-01-01) before it starts (2020-01-01)",
    ),
    "trailing comma": (
        '{"persons": [{"id": "a", "name": "A"},\n]}',
        "a comma before a closing bracket at line 2, column 1",
    ),
    "truncated": ('{"persons": [{"id": "a", "name": "Ana Pop', "the file ends too early"),
    "nested too deep": ("[" * 100_000, "nested too deeply"),
}


@pytest.mark.parametrize(("content", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_refused_with_one_clear_line_and_nothing_written(
    app, state, tmp_path, content, message
):
    assert _import(app, write(tmp_path, roster(), "good.json"), state).exit_code == 0
    before = row_counts()

    result = _import(app, write(tmp_path, content, "bad.json"), state)

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("Error: ")
    assert "bad.json" in result.output
    assert row_counts() == before


def test_a_file_that_is_not_utf8_is_refused(app, state, tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"persons": [{"name": "Bătrânu"}]}'.encode("utf-16"))
    result = _import(app, path, state)
    assert result.exit_code != 0
    assert "not UTF-8 text" in result.output


def test_an_unknown_state_is_refused(app, tmp_path):
    result = run(app, "import-popolo", str(write(tmp_path, roster())), "--state", "ZZ",
                 "--chamber", "Assembly")  # fmt: skip
    assert result.exit_code != 0
    assert "No state with the code 'ZZ'" in result.output


# --- The shared sample files ---------------------------------------------------------------------


@needs_shared
def test_the_popolo_spec_motion_with_a_trailing_comma_is_refused(app, state):
    before = row_counts()
    result = _import(app, SHARED / SPEC_EXAMPLES / "motion.invalid.json", state)
    assert result.exit_code != 0
    assert "not valid JSON" in result.output
    assert "line 16, column 1" in result.output
    assert "Traceback" not in result.output
    assert row_counts() == before


@needs_shared
@pytest.mark.parametrize("keep", [0.5, 0.999])
def test_a_truncated_everypolitician_file_is_refused(app, state, tmp_path, keep):
    raw = (SHARED / MICRONESIA).read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(raw[: int(len(raw) * keep)])
    before = row_counts()
    result = _import(app, path, state, chamber="Congress")
    assert result.exit_code != 0
    assert "the file ends too early" in result.output
    assert "(is it truncated?)" in result.output
    assert row_counts() == before


@needs_shared
def test_a_single_popolo_person_is_not_mistaken_for_a_roster(app, state):
    result = _import(app, SHARED / SPEC_EXAMPLES / "person.json", state)
    assert result.exit_code != 0
    assert "looks like a single Popolo record, not a roster" in result.output


@needs_shared
def test_the_spec_examples_of_a_person_and_a_membership_import(app, state, tmp_path):
    examples = SHARED / SPEC_EXAMPLES
    person = json.loads((examples / "person.json").read_text(encoding="utf-8"))
    membership = json.loads((examples / "membership.json").read_text(encoding="utf-8"))
    organization = json.loads((examples / "organization.json").read_text(encoding="utf-8"))
    membership["person_id"] = person["id"]
    document = {"persons": [person], "memberships": [membership], "organizations": [organization]}

    result = _import(app, write(tmp_path, document), state, chamber="House of the People")

    assert result.exit_code == 0, result.output
    rep = _rep("Mr. John Q. Public, Esq.")
    assert rep.gender == "male"
    assert {o.name for o in rep.other_names} == {"Mr. Ziggy Q. Public, Esq.", "Dragonsbane"}
    assert ("SIN", "046454286") in {(i.scheme, i.value) for i in rep.identifiers}
    assert {(c.kind, c.value) for c in rep.contact_details} == {
        (ContactKind.PHONE, "+1-555-555-0100"),
        (ContactKind.EMAIL, "jqpublic@xyz.example.com"),
    }
    # Timestamps are read as their date.
    assert [(m.start_date, m.end_date) for m in rep.memberships] == [
        (date(1970, 1, 1), date(1972, 1, 1))
    ]


@needs_shared
def test_the_micronesia_congress_file_imports_and_reimports_unchanged(app, tmp_path):
    state = StateFactory(iso2="FM", name="Micronesia", timezone="Pacific/Pohnpei")
    path = SHARED / MICRONESIA

    first = _import(app, path, state, chamber="Congress")

    assert first.exit_code == 0, first.output
    assert "21 added, 0 changed, 0 ended" in first.output
    chamber = db.session.scalars(sa.select(Chamber).where(Chamber.state_id == state.id)).one()
    assert (chamber.seats, chamber.popolo_id) == (14, "legislature")
    current = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Membership)
        .where(Membership.chamber_id == chamber.id, Membership.end_date.is_(None))
    )
    assert current == 12
    # The file's only party is "none": everyone sits without a party.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Party)) == 0
    assert "Chuuk" in {m.constituency for m in db.session.scalars(sa.select(Membership))}
    before = row_counts()

    dry = _import(app, path, state, "--dry-run", chamber="Congress")
    again = _import(app, path, state, chamber="Congress")

    assert "0 added, 0 changed, 0 ended, 21 unchanged" in dry.output
    assert "0 added, 0 changed, 0 ended, 21 unchanged" in again.output
    after = row_counts()
    assert after.pop("audit_entries") == before.pop("audit_entries") + 1
    assert after == before


def test_posts_give_the_constituency_when_a_membership_names_no_area(app, state, tmp_path):
    document = {
        "persons": [{"id": "a", "name": "Ana Post"}, {"id": "b", "name": "Bo Label"}],
        "organizations": [{"id": "h", "name": "Assembly", "classification": "legislature"}],
        "areas": [{"id": "area/r", "name": "Riverside"}],
        "posts": [
            {"id": "post/1", "label": "Member for Riverside", "area_id": "area/r"},
            {"id": "post/2", "label": "National list seat 4"},
        ],
        "memberships": [
            {"person_id": "a", "organization_id": "h", "post_id": "post/1"},
            {"person_id": "b", "organization_id": "h", "post_id": "post/2"},
        ],
    }
    assert _import(app, write(tmp_path, document), state).exit_code == 0
    assert _rep("Ana Post").memberships[0].constituency == "Riverside"
    assert _rep("Bo Label").memberships[0].constituency == "National list seat 4"


def test_a_file_with_two_houses_needs_the_one_to_import(app, state, tmp_path):
    document = {
        "persons": [{"id": "a", "name": "Ana Lower"}, {"id": "b", "name": "Bo Upper"}],
        "organizations": [
            {"id": "lower", "name": "House of Representatives", "classification": "lower house"},
            {"id": "upper", "name": "Senate", "classification": "upper house", "seats": 30},
        ],
        "memberships": [
            {"person_id": "a", "organization_id": "lower"},
            {"person_id": "b", "organization_id": "upper"},
        ],
    }
    path = write(tmp_path, document)

    unsure = _import(app, path, state, chamber="Upper House")
    assert unsure.exit_code != 0
    assert "several organizations that could be the chamber (lower, upper)" in unsure.output

    by_name = _import(app, path, state, chamber="Senate")
    assert "1 added" in by_name.output
    assert "Not in this chamber (skipped): 1" in by_name.output
    senate = db.session.scalars(sa.select(Chamber).where(Chamber.name == "Senate")).one()
    assert (senate.classification.value, senate.seats) == ("upper", 30)
    by_id = _import(app, path, state, "--organization", "lower", chamber="Lower House")
    assert by_id.exit_code == 0, by_id.output
    assert _rep("Ana Lower").memberships[0].chamber.name == "Lower House"
