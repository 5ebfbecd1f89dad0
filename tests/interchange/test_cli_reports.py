"""What `crm import-popolo` and `crm import-csv` print, word for word: the command line speaks
English (crm/i18n.py), whatever the pages say of the same import in the reader's language.
One roster and one file that give every kind of line the reports have: new chamber, party
and committee, Popolo ids set, people added, changed (names, other names, contacts,
identifiers, seats and committee seats), ended and left alone, people of other chambers,
and the warnings of an irregular file; every problem a row of a CSV file can have."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from crm.db import today, utcnow
from crm.extensions import db
from crm.parliament.models import Identifier, Party, Representative
from crm.parliament.services import LATEST_AHEAD
from tests.factories import ChamberFactory, StateFactory, seated_representative
from tests.interchange.factories import irregular_roster, irregular_roster_later, run, write


def _import(app, tmp_path, document, state, name: str, *extra: str):
    path = write(tmp_path, document, name)
    return run(
        app, "import-popolo", str(path), "--state", state.iso2, "--chamber", "Assembly", *extra
    )


@pytest.fixture
def state(app):
    state = StateFactory(name="Ruritania", timezone="Europe/Bucharest")
    ChamberFactory(state=state, name="Assembly", popolo_id=None, seats=9)
    db.session.add(Party(state=state, name="Red Party"))
    other = StateFactory(name="Elsewhere")
    rep = seated_representative(ChamberFactory(state=other), name="Someone Else")
    rep.identifiers.append(_identifier("parlament", "ap-7"))
    db.session.commit()
    return state


def _identifier(scheme: str, value: str) -> Identifier:
    return Identifier(scheme=scheme, value=value)


FIRST_REPORT = """\
Assembly of Ruritania: 5 added, 0 changed, 0 ended, 0 unchanged
  Assembly: Popolo id set to house
  party Red Party: Popolo id set to party/red
  new committee: Legal Affairs
  new committee: Budget
  new party: Green Party
  + Ana Popescu
  + Ion Ionescu
  + Maria Dinu
  + Vasile Bătrânu
  + Elena Popa
Not in this chamber (skipped): 1 person(s)
Warnings (11):
  persons[0].other_names[1]: "not a tag!" is not a language tag: left out
  persons[0].other_names[2] is longer than 200 characters: skipped
  persons[0].contact_details[0]: "not-an-address" is not a valid email: kept as "other"
  persons[0].contact_details[1].label is longer than 120 characters: shortened
  persons[0].contact_details[2] is longer than 300 characters: skipped
  persons[1] (Ion Ionescu): family_name is longer than 120 characters: shortened
  memberships[7] names no person: skipped
  memberships[6] names the person "p/nobody", who is not in the persons list: skipped
  memberships[1].role is longer than 80 characters: shortened
  the committee "Legal Affairs": abbreviation longer than 20 characters left out
  persons[1] (Ion Ionescu): the identifier wikidata Q501 already belongs to Ana Popescu: not kept
"""

SECOND_REPORT = """\
Dry run: nothing was written. The import would give:
Assembly of Ruritania: 1 added, 3 changed, 1 ended, 0 unchanged
  + Nou Venit
  ~ Ana Popescu: name Ana Popescu → Ana Popescu-Dinu; gender female → f; \
other name Anna Popescu (en); other name A. P.; phone +40 21 414 2222; \
website https://ana.example.org; email ana@parliament.example; fax +40 21 414 3333; \
address 1 Parliament Square; social @ana; other ana.popescu; identifier senat s-12; \
Legal Affairs: vice chair
  ~ Ion Ionescu: seat in Assembly: party Red Party → Green Party, constituency South → North, \
role {role} → deputy; new seat on Budget (member)
  ~ Maria Dinu: given name — → Maria; seat in Assembly: end date — → 2024-05-31; \
new seat in Assembly (Second term); new seat on Legal Affairs (rapporteur); \
seat on Budget ended {today}
  - Elena Popa: seat ended
Left alone (1):
  Vasile Bătrânu: archived, left as it is
Not in this chamber (skipped): 1 person(s)
Warnings (4):
  persons[1] (Ion Ionescu): family_name is longer than 120 characters: shortened
  memberships[6] names no person: skipped
  memberships[5] names the person "p/nobody", who is not in the persons list: skipped
  persons[0] (Ana Popescu-Dinu): the identifier parlament ap-7 already belongs to \
Someone Else of another state: not kept
"""


def test_the_roster_report_is_printed_in_english_word_for_word(app, state, tmp_path):
    first = _import(app, tmp_path, irregular_roster(), state, "first.json")
    assert (first.exit_code, first.output) == (0, FIRST_REPORT)
    vasile = _rep("Vasile Bătrânu")
    vasile.archived_at = utcnow()
    db.session.commit()

    second = _import(app, tmp_path, irregular_roster_later(), state, "second.json", "--dry-run")

    expected = SECOND_REPORT.format(role="r" * 80, today=today().isoformat())
    assert (second.exit_code, second.output) == (0, expected)


def _rep(name: str) -> Representative:
    return db.session.scalars(sa.select(Representative).where(Representative.name == name)).one()


CSV_HEADER = (
    "id,name,chamber,party,start_date,influence,languages,tags,email,phone,website,wikidata,"
    "popolo_id,do_not_contact,do_not_contact_reason,gender\n"
)


@pytest.fixture
def csv_state(app):
    state = StateFactory(name="Ruritania")
    house = ChamberFactory(state=state, name="Assembly")
    ChamberFactory(state=state, name="Senate")
    red = Party(state=state, name="Red Party", abbreviation="RP")
    green = Party(state=state, name="Green Party")
    db.session.add_all([red, green])
    ana = seated_representative(house, red, name="Ana Popescu")
    ana.identifiers.append(_identifier("wikidata", "Q501"))
    seated_representative(house, name="Ion Ionescu")
    seated_representative(house, name="Ion Ionescu")
    gone = seated_representative(house, name="Gone Person")
    gone.archived_at = utcnow()
    seated_representative(house, red, name="Petru Pop")
    for name in ("Former Member", "Old Member"):
        former = seated_representative(house, name=name)
        former.memberships[0].start_date = date(2015, 1, 1)
        former.memberships[0].end_date = date(2019, 1, 1)
    other = seated_representative(ChamberFactory(state=StateFactory()), name="Elsewhere")
    other.identifiers.append(_identifier("wikidata", "Q999"))
    db.session.commit()
    return state


def _csv(app, path, state, text: str | bytes, *extra: str):
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return run(app, "import-csv", str(path), "--state", state.iso2, *extra)


CSV_PROBLEMS = """\
{file}: line 2: name is longer than 200 characters
{file}: line 3: name is empty
{file}: line 4: chamber is empty
{file}: line 5: no chamber called “Moon” in Ruritania (Assembly, Senate)
{file}: line 6: no party called “Blue” in Ruritania (add it first)
{file}: line 7: wikidata “Q0” is not a Wikidata id such as Q12345
{file}: line 8: email “not-an-address”: Enter an e-mail address such as name@example.org.
{file}: line 9: phone “12”: Enter a number using digits, spaces and + ( ) - . / only.
{file}: line 10: website “javascript:x”: Enter a web address starting with http:// or https://.
{file}: line 11: start_date “31/12/2024” is not a date such as 2024-05-31
{file}: line 12: start_date must be between 1900-01-01 and {latest}
{file}: line 13: wikidata Q501 already belongs to Ana Popescu
{file}: line 14: wikidata Q999 belongs to someone in another state
{file}: line 16: wikidata Q777 is already given on line 15
{file}: line 17: start_date is empty: a new representative needs their seat's start
{file}: line 18: New One is already added on line 15
{file}: line 19: do_not_contact is yes: say why in do_not_contact_reason
{file}: line 21: Ana Popescu is already on line 20
{file}: line 22: Petru Pop sits for Red Party, not Green Party: change the party on their page \
(“Move party”)
{file}: line 23: Old Member already holds a seat in Assembly on 2018-01-01
{file}: line 24: no representative #99999 in Ruritania
{file}: line 25: Gone Person is archived: an administrator must restore them
{file}: line 26: 2 representatives called Ion Ionescu sat in Assembly: give the id column
{file}: line 27: influence “9” is not a number from 1 to 5
{file}: line 28: languages: at most 10, each at most 40 characters
{file}: line 29: do_not_contact “maybe” is not yes or no
{file}: line 30: more cells than the header has columns
Error: {file}: Nothing was imported: 27 problems in the file.
"""
# What is wrong with a file as a whole.
FILE_PROBLEMS = [
    (
        b"\xff\xfe",
        "The file is not UTF-8 text (byte 1). Save it as “CSV UTF-8” from your spreadsheet "
        "program.",
    ),
    (b"", "The file is empty."),
    (b"name,chamber\n\x00\n", "The file contains NUL characters: is it a CSV file?"),
    (b"name,chamber\n", "The file has a header but no rows."),
    (
        b"name,chambre,name,extra\nA,B,C,D\n",
        "line 1: unknown column(s): chambre, extra (see the README for the columns)\n"
        "{file}: line 1: missing column(s): chamber\n"
        "{file}: line 1: column(s) given twice: name",
    ),
]
CSV_CHANGES = """\
Dry run: nothing was written. The import would give:
Ruritania: 2 added, 2 changed, 0 unchanged
  + Nou Venit
  + Ion Ionescu
  ~ Ana Popescu-Dinu: name; gender; do not contact reason; influence; languages; tags; \
do not contact; email ana@parliament.example; phone +40 21 000 000; \
website https://ana.example.org; identifier wikidata Q502; identifier popolo ap/1
  ~ Former Member: new seat in Assembly
"""


def test_every_problem_of_a_csv_file_is_printed_in_english_word_for_word(app, csv_state, tmp_path):
    ids = {name: _rep(name).id for name in ("Ana Popescu", "Gone Person", "Former Member")}
    rows = [
        "," + "n" * 201 + ",Assembly,,2024-01-01,,,,,,,,,,,",
        ",,Assembly,,2024-01-01,,,,,,,,,,,",
        ",Nobody,,,2024-01-01,,,,,,,,,,,",
        ",Nobody,Moon,,2024-01-01,,,,,,,,,,,",
        ",Nobody,Assembly,Blue,2024-01-01,,,,,,,,,,,",
        ",Nobody,Assembly,,2024-01-01,,,,,,,Q0,,,,",
        ",Nobody,Assembly,,2024-01-01,,,,not-an-address,,,,,,,",
        ",Nobody,Assembly,,2024-01-01,,,,,12,,,,,,",
        ",Nobody,Assembly,,2024-01-01,,,,,,javascript:x,,,,,",
        ",Nobody,Assembly,,31/12/2024,,,,,,,,,,,",
        ",Nobody,Assembly,,1700-01-01,,,,,,,,,,,",
        "{Former Member},Former Member,Assembly,,,,,,,,,Q501,,,,",
        ",Nobody,Assembly,,2024-01-01,,,,,,,Q999,,,,",
        ",New One,Assembly,,2024-01-01,,,,,,,Q777,,,,",
        ",New Two,Assembly,,2024-01-01,,,,,,,Q777,,,,",
        ",No Start,Assembly,,,,,,,,,,,,,",
        ",New One,Assembly,,2024-01-01,,,,,,,,,,,",
        ",Quiet,Assembly,,2024-01-01,,,,,,,,,yes,,",
        "{Ana Popescu},Ana Popescu,Assembly,,,,,,,,,,,,,",
        "{Ana Popescu},Ana Popescu,Assembly,,,,,,,,,,,,,",
        ",Petru Pop,Assembly,Green Party,,,,,,,,,,,,",
        ",Old Member,Assembly,,2018-01-01,,,,,,,,,,,",
        "99999,Someone,Assembly,,,,,,,,,,,,,",
        "{Gone Person},Gone Person,Assembly,,,,,,,,,,,,,",
        ",Ion Ionescu,Assembly,,,,,,,,,,,,,",
        ",Nobody,Assembly,,2024-01-01,9,,,,,,,,,,",
        ",Nobody,Assembly,,2024-01-01,,a;b;c;d;e;f;g;h;i;j;k,,,,,,,,,",
        ",Nobody,Assembly,,2024-01-01,,,,,,,,,maybe,,",
        ",Nobody,Assembly,,2024-01-01,,,,,,,,,,,,extra",
    ]
    text = CSV_HEADER + "".join(_ids(row, ids) + "\n" for row in rows)
    path = tmp_path / "reps.csv"
    latest = (today() + LATEST_AHEAD).isoformat()

    result = _csv(app, path, csv_state, text)

    assert result.exit_code != 0
    assert result.output == CSV_PROBLEMS.format(file=path, latest=latest)
    for content, problem in FILE_PROBLEMS:
        result = _csv(app, path, csv_state, content)
        problems = 3 if problem.count("\n") else 1
        said = "problems" if problems > 1 else "problem"
        expected = (
            f"{path}: {problem.format(file=path)}\n"
            f"Error: {path}: Nothing was imported: {problems} {said} in the file.\n"
        )
        assert (result.exit_code != 0, result.output) == (True, expected)


def test_what_a_csv_file_changes_is_printed_in_english_word_for_word(app, csv_state, tmp_path):
    ids = {name: _rep(name).id for name in ("Ana Popescu", "Former Member")}
    rows = (
        "{Ana Popescu},Ana Popescu-Dinu,Assembly,RP,,4,ro;fr,EU,ana@parliament.example,"
        "+40 21 000 000,https://ana.example.org,Q502,ap/1,yes,Asked us not to,female",
        "{Former Member},Former Member,Assembly,Green Party,2024-01-01,,,,,,,,,,,",
        ",Nou Venit,Senate,,2024-02-02,,,,,,,,,,,",
        ",Ion Ionescu,Senate,,2024-02-02,,,,,,,,,,,",
    )
    text = CSV_HEADER + "".join(_ids(row, ids) + "\n" for row in rows)

    result = _csv(app, tmp_path / "reps.csv", csv_state, text, "--dry-run")

    assert (result.exit_code, result.output) == (0, CSV_CHANGES)


def _ids(row: str, ids: dict[str, int]) -> str:
    for name, rep_id in ids.items():
        row = row.replace("{" + name + "}", str(rep_id))
    return row
