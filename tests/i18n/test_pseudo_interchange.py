"""The data pages (crm/interchange) in the pseudo-locale (tests/i18n/pseudo.py): the state's
data page, the import page with its refusals, an import's progress page at every stage and
with every outcome (CSV and Popolo), and the calendar-link and API-token pages with what they
flash. Nothing a reader sees or hears is left outside the markers but data.

The files themselves (CSV, Popolo JSON, iCal) are for tools and stay as they are. What the
importers say (crm/interchange/csv_import, crm/interchange/popolo: a row's problems, what a row
changes, a roster's report, why a file cannot be imported) is said on the page in the
reader's language, while the command line prints it in English: the jobs that said it may
even have run in English (a worker has no reader), as the last tests here check."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.auth.models import ApiToken, Role, TokenScope
from crm.auth.services import create_token
from crm.db import utcnow
from crm.extensions import db
from crm.interchange import imports, roster_upload
from crm.interchange.csv_import import OTHER_COLUMNS, READ_ONLY_COLUMNS, TEXT_COLUMNS
from crm.interchange.forms import MAX_UPLOAD_BYTES
from crm.interchange.services import MAX_TOKENS
from crm.jobs.models import Job, JobStatus
from crm.parliament.models import Chamber, Committee, Identifier, Party, Representative
from crm.states.models import State
from tests.conftest import csrf_token, sign_in
from tests.factories import StateFactory, seated_representative
from tests.i18n.pseudo import CLOSE, OPEN, pseudo, unmarked
from tests.i18n.test_pseudo_locale import _world_data
from tests.interchange.factories import irregular_roster, irregular_roster_later, roster
from tests.interchange.jobs import post_multipart, run_queued_jobs

HEADER = "name,chamber,party,constituency,start_date,do_not_contact,tags\n"
# The files the pages are given, and what in them the pages show (names, file names).
_TYPED = (
    "reps.csv",
    "check.csv",
    "bad.csv",
    "wrong.csv",
    "assembly.json",
    "broken.json",
    "Radu Ionescu",
    "Ioana Marin",
    "Elena Popa",
    "Ana Popescu",
    "Ion Ionescu",
    "Maria Dinu",
    "Vasile Bătrânu",
    "Cluj",
    "Phone",
    "Laptop",
    "Old phone",
    "Press office",
)
# Readers' times carry their zone.
_ZONES = ("UTC",)
# What makes an element's text one sentence of the catalogs with markup in it (a link, a
# piece of code), read whole: not when it holds something read on its own.
_READ_APART = "[lang], [title], [aria-label], [placeholder], [alt], input, select, textarea"


@pytest.fixture
def wrapped():
    with pseudo():
        yield


def _whole(html: str) -> str:
    """The page with each paragraph, item, caption and flash whose text is marked around
    markup (`<code>`, a link) read as one text; anything outside the markers is still
    found."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.select("main p, main li, main caption, main span, .flashes p"):
        if element.select_one(_READ_APART) is not None:
            continue
        text = element.get_text()
        if OPEN in text:
            element.string = text
    return str(soup)


def _data(world) -> tuple[str, ...]:
    """`_world_data`, and what the imports and tokens added: the tokens' names and
    prefixes, the links and tokens shown once."""
    every = set(_world_data(world)) | {*_TYPED, *_ZONES}
    every |= set(db.session.scalars(sa.select(State.name)))
    # The columns of a CSV file, named as its header row names them.
    every |= {*TEXT_COLUMNS, *OTHER_COLUMNS, *READ_ONLY_COLUMNS}
    for token in db.session.scalars(sa.select(ApiToken)):
        every |= {token.name, token.prefix}
    every -= {""}
    return tuple(sorted(every, key=len, reverse=True))


def _rows(world, *lines: str) -> bytes:
    chamber, party = world.home.chamber.name, world.home.parties[0].name
    body = "".join(line.format(chamber=chamber, party=party) + "\n" for line in lines)
    return (HEADER + body).encode("utf-8")


NAMES = ("Radu Ionescu", "Ioana Marin")
GOOD = ("Radu Ionescu,{chamber},{party},Cluj,2024-12-20,no", "Ioana Marin,{chamber},,,2023-01-09,")
BAD = (
    "Elena Popa,{chamber},No Such Party,,2024-12-20,maybe",
    "Elena Popa,No Such Chamber,,,not a date,",
)


def data_pages(app, client, world, monkeypatch) -> list[tuple[str, str]]:
    home = world.home
    state = home.state.iso2
    import_url = f"/states/{state}/representatives/import"
    popolo_url = f"/states/{state}/representatives/import/popolo"
    pages: list[tuple[str, str]] = []

    def get(what: str, url: str, status: int = 200) -> str:
        response = client.get(url)
        assert response.status_code == status, (what, response.status_code)
        html = response.get_data(as_text=True)
        pages.append((what, html))
        return html

    def send(what: str, url: str, fields: dict, status: int) -> str:
        response = post_multipart(client, url, {**fields, "csrf_token": token})
        assert response.status_code == status, (what, response.status_code)
        html = response.get_data(as_text=True)
        pages.append((what, html))
        return html

    def asked(url: str, fields: dict) -> str:
        """An upload that asks for an import: the progress page's path."""
        response = post_multipart(client, url, {**fields, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return urlsplit(response.headers["Location"]).path

    def job_of(path: str) -> Job:
        db.session.expire_all()
        return db.session.get_one(Job, int(path.rsplit("/", 1)[1]))

    # The state's data page, to one who may import and read restricted contacts, and to one
    # who may do neither; a state with no chambers.
    sign_in(client, world.member)
    token = csrf_token(get("the state's data", f"/states/{state}/data"))
    sign_in(client, world.other_member)
    get("the state's data, another section", f"/states/{state}/data")
    bare = StateFactory()
    sign_in(client, world.admin)
    get("a state with no chambers", f"/states/{bare.iso2}/data")
    get("importing into a state with no chambers", f"/states/{bare.iso2}/representatives/import")

    # The import page, and what it refuses at once.
    sign_in(client, world.member)
    token = csrf_token(get("the import page", import_url))
    send("a CSV upload without a file", import_url, {}, 422)
    big = HEADER.encode() + b"x" * MAX_UPLOAD_BYTES
    send("a CSV file too big", import_url, {"file": (big, "wrong.csv")}, 422)
    send(
        "a CSV file wrong as a whole",
        import_url,
        {"file": (b"name,chambre,name\nA,B,C\n", "wrong.csv")},
        422,
    )
    send("a roster upload without a file or a chamber", popolo_url, {"chamber": ""}, 422)
    send(
        "a roster upload for no chamber of the state",
        popolo_url,
        {"chamber": "999999", "roster": (b"{}", "broken.json")},
        422,
    )
    send(
        "a roster that is no Popolo",
        popolo_url,
        {"chamber": str(home.chamber.id), "roster": (b"{not json", "broken.json")},
        422,
    )

    # A progress page at each stage before the outcome.
    checking = asked(import_url, {"file": (_rows(world, *GOOD), "check.csv"), "check_only": "y"})
    get("an import waiting", checking)
    job = job_of(checking)
    for status, done, what in (
        (JobStatus.RUNNING, 1, "an import checking"),
        (JobStatus.RUNNING, 2, "an import saving"),
        (JobStatus.RETRYING, 0, "an import interrupted"),
    ):
        job.status, job.done, job.total = status, done, 2
        db.session.commit()
        get(what, checking)
    job.status, job.done = JobStatus.QUEUED, 0
    db.session.commit()
    roster_checking = asked(
        popolo_url,
        {
            "chamber": str(home.chamber.id),
            "roster": (_json(roster()), "assembly.json"),
            "roster_check_only": "y",
        },
    )
    job = job_of(roster_checking)
    for status, done, what in (
        (JobStatus.QUEUED, 0, "a roster waiting"),
        (JobStatus.RUNNING, 1, "a roster checking"),
        (JobStatus.RUNNING, 4, "a roster saving"),
    ):
        job.status, job.done, job.total = status, done, 4
        db.session.commit()
        get(what, roster_checking)
    job.status, job.done = JobStatus.QUEUED, 0
    db.session.commit()

    # Outcomes: checked, imported, rejected (with fewer rows listed than found), refused,
    # failed; a roster's checked and imported, with fewer report lines kept than it had.
    monkeypatch.setattr(imports, "ERRORS_KEPT", 1)
    monkeypatch.setattr(imports, "NAMES_KEPT", 1)
    monkeypatch.setattr(roster_upload, "ERRORS_KEPT", 2)
    imported = asked(import_url, {"file": (_rows(world, *GOOD), "reps.csv")})
    rejected = asked(import_url, {"file": (_rows(world, *BAD), "bad.csv")})
    pasted = asked(import_url, {"csv": _rows(world, GOOD[0]).decode()})
    run_queued_jobs(app)
    roster_imported = asked(
        popolo_url, {"chamber": str(home.chamber.id), "roster": (_json(roster()), "assembly.json")}
    )
    tagged = [f"{name},{{chamber}},,,,,EU" for name in NAMES]
    changed = asked(import_url, {"file": (_rows(world, *tagged), "reps.csv")})
    failed = asked(import_url, {"file": (_rows(world, GOOD[1]), "reps.csv")})
    job = job_of(failed)
    job.arguments = {**job.arguments, "file_zlib_b64": "bm90IGNvbXByZXNzZWQ="}
    db.session.commit()
    run_queued_jobs(app)
    refused = asked(import_url, {"file": (_rows(world, *GOOD), "reps.csv")})
    role, world.member.role = world.member.role, Role.STAFF  # moved on before the worker came
    db.session.commit()
    run_queued_jobs(app)
    world.member.role = role
    db.session.commit()
    sign_in(client, world.member)
    for what, path in (
        ("a CSV checked", checking),
        ("a CSV imported", imported),
        ("pasted rows imported", pasted),
        ("a CSV with bad rows", rejected),
        ("a CSV import that changed someone", changed),
        ("a CSV import that failed", failed),
        ("a CSV import refused", refused),
        ("a roster checked", roster_checking),
        ("a roster imported", roster_imported),
    ):
        get(what, path)
        get(f"{what}, refreshing stopped", f"{path}?refresh=off")
    get("the import page with recent imports", import_url)
    return pages


def _json(document) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def test_the_data_and_import_pages(app, client, world, wrapped, monkeypatch):
    pages = data_pages(app, client, world, monkeypatch)
    data = _data(world)
    problems = {what: found for what, html in pages if (found := unmarked(_whole(html), data))}
    assert problems == {}
    # Every outcome was shown (the pages above are those they mean to be).
    said = " ".join(html for _what, html in pages)
    for words in ("Imported: ", "The file is fine", "Correct the rows below", "failed, and"):
        assert words in said, words
    # What is said inside a sentence is marked too (the check reads the sentence whole).
    assert f"{OPEN}{imports.MAY_NO_LONGER}{CLOSE}" in said
    assert f"Imported: {OPEN}{world.home.state.name}: 2 added" in said
    assert f"{OPEN}pasted rows{CLOSE}" in said


def token_pages(client, world) -> list[tuple[str, str]]:
    pages: list[tuple[str, str]] = []

    def get(what: str, url: str, status: int = 200) -> str:
        response = client.get(url)
        assert response.status_code == status, (what, response.status_code)
        html = response.get_data(as_text=True)
        pages.append((what, html))
        return html

    def post(what: str, url: str, data: dict, status: int) -> str:
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == status, (what, response.status_code)
        html = response.get_data(as_text=True)
        pages.append((what, html))
        return html

    def done(what: str, url: str, data: dict) -> str:
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code in (302, 303), (what, response.status_code)
        return get(what, response.headers["Location"])

    user = world.member
    sign_in(client, user)
    for scope, url in (
        (TokenScope.CALENDAR, "/account/calendar"),
        (TokenScope.API, "/account/api-tokens"),
    ):
        kind = scope.value
        token = csrf_token(get(f"{kind}: none yet", url))
        post(f"{kind}: a name too long", url, {"name": "x" * 200, "days": "30"}, 422)
        post(f"{kind}: a term refused", url, {"name": "Phone", "days": "400"}, 422)
        post(f"{kind}: made", url, {"name": "Phone", "days": "90"}, 200)
        post(f"{kind}: made without a name", url, {"name": "", "days": "365"}, 200)
        _raw, old = create_token(user, user, name="Old phone", scope=scope, days=30)
        old.expires_at = utcnow() - timedelta(seconds=1)
        _raw, used = create_token(user, user, name="Laptop", scope=scope, days=30)
        used.last_used_at = utcnow() - timedelta(days=1)
        db.session.commit()
        get(f"{kind}: live, used and expired", url)
        for n in range(MAX_TOKENS):
            create_token(user, user, name=f"Press office {n}", scope=scope)
        db.session.commit()
        post(f"{kind}: too many", url, {"name": "Phone", "days": "30"}, 422)
        done(f"{kind}: revoked", f"{url}/{used.id}/revoke", {})
    return pages


def _shown_once(html: str) -> tuple[str, ...]:
    """A new calendar link or API token, shown once: data."""
    shown = BeautifulSoup(html, "html.parser").select_one("main .notice .code")
    return (shown.get_text().strip(),) if shown is not None else ()


def _flashes(html: str) -> str:
    """Only the flashes of a page not of this feature (the administrators' token list)."""
    soup = BeautifulSoup(html, "html.parser")
    return "".join(str(flash) for flash in soup.select(".flashes p"))


def test_the_calendar_link_and_api_token_pages(app, client, world, wrapped):
    pages = token_pages(client, world)
    data = _data(world)
    problems = {
        what: found
        for what, html in pages
        if (found := unmarked(_whole(html), (*_shown_once(html), *data)))
    }
    assert problems == {}
    # What an administrator's revoking flashes, on their token list.
    admin = sign_in(app.test_client(), world.admin)
    token = csrf_token(admin.get("/admin/tokens").get_data(as_text=True))
    flashed = []
    for scope in TokenScope:
        live = db.session.scalars(
            sa.select(ApiToken).where(
                ApiToken.scope == scope, ApiToken.revoked_at.is_(None), ApiToken.name == "Phone"
            )
        ).first()
        response = admin.post(f"/admin/tokens/{live.id}/revoke", data={"csrf_token": token})
        assert response.status_code == 302
        flashed.append(_flashes(admin.get("/admin/tokens").get_data(as_text=True)))
    assert all(OPEN in flash and CLOSE in flash for flash in flashed)
    assert [unmarked(flash, data) for flash in flashed] == [[], []]


def test_the_check_finds_a_word_left_unmarked_here(app, client, world):
    """Outside the pseudo-locale nothing is marked: the check of these pages must say so."""
    sign_in(client, world.member)
    html = client.get(f"/states/{world.home.state.iso2}/data").get_data(as_text=True)
    assert any(re.search("Data in and out", found) for found in unmarked(_whole(html)))


# --- What the importers say, said when the page is read ---------------------------------------
# The jobs run first, outside the pseudo-locale, as a worker runs them (no reader, English);
# only the pages are asked for in it. Words a job kept already said would be left unmarked.

CSV_HEADER = (
    "id,name,chamber,party,start_date,influence,languages,tags,email,phone,website,wikidata,"
    "popolo_id,do_not_contact,do_not_contact_reason,gender\n"
)


def _problem_rows(world) -> list[str]:
    """A row for each problem a row can have (the header has 16 columns)."""
    home = world.home
    chamber = home.chamber.name
    sitting, other_party = home.reps[0], home.parties[1].name  # sits for parties[0]
    owner, archived = home.reps[1], home.reps[3]
    owner.identifiers.append(Identifier(scheme="wikidata", value="Q4242"))
    world.other.reps[0].identifiers.append(Identifier(scheme="wikidata", value="Q9999"))
    archived.archived_at = utcnow()
    for _twice in range(2):
        seated_representative(home.chamber, name="Namesake Twice")
    db.session.commit()

    def row(*cells: str) -> str:
        return ",".join((*cells, *[""] * (16 - len(cells))))

    return [
        row("", "n" * 201, chamber, "", "2024-01-01"),
        row("", "", chamber, "", "2024-01-01"),
        row("", "Nobody", "", "", "2024-01-01"),
        row("", "Nobody", "Moon", "", "2024-01-01"),
        row("", "Nobody", chamber, "Blue", "2024-01-01"),
        row("", "Nobody", chamber, "", "2024-01-01", "", "", "", "", "", "", "Q0"),
        row("", "Nobody", chamber, "", "2024-01-01", "", "", "", "not-an-address"),
        row("", "Nobody", chamber, "", "2024-01-01", "", "", "", "", "12"),
        row("", "Nobody", chamber, "", "2024-01-01", "", "", "", "", "", "javascript:x"),
        row("", "Nobody", chamber, "", "31/12/2024"),
        row("", "Nobody", chamber, "", "1700-01-01"),
        row(str(sitting.id), sitting.name, chamber, "", "", "", "", "", "", "", "", "Q4242"),
        row("", "Nobody", chamber, "", "2024-01-01", "", "", "", "", "", "", "Q9999"),
        row("", "New One", chamber, "", "2024-01-01", "", "", "", "", "", "", "Q777"),
        row("", "New Two", chamber, "", "2024-01-01", "", "", "", "", "", "", "Q777"),
        row("", "No Start", chamber),
        row("", "New One", chamber, "", "2024-01-01"),
        row("", "Quiet", chamber, "", "2024-01-01", "", "", "", "", "", "", "", "", "yes"),
        row(str(owner.id), owner.name, chamber),
        row(str(owner.id), owner.name, chamber),
        row("", sitting.name, chamber, other_party),
        row("99999", "Someone", chamber),
        row(str(archived.id), archived.name, chamber),
        row("", "Namesake Twice", chamber),
        row("", "Nobody", chamber, "", "2024-01-01", "9"),
        row("", "Nobody", chamber, "", "2024-01-01", "", "a;b;c;d;e;f;g;h;i;j;k"),
        row("", "Nobody", chamber, "", "2024-01-01", *[""] * 8, "maybe"),
        row("", "Nobody", chamber, "", "2024-01-01") + ",extra",
    ]


def _changing_rows(world) -> list[str]:
    """Rows that change someone in every way a row can, and add someone."""
    rep, chamber = world.home.reps[2], world.home.chamber.name
    return [
        f"{rep.id},{rep.name},{chamber},,,4,ro;fr,EU,member@parliament.example,+40 21 000 000,"
        "https://member.example.org,Q502,ap/1,yes,Asked us not to,female",
        f",Nou Venit,{chamber},,2024-02-02,,,,,,,,,,,",
    ]


def _names(world) -> tuple[str, ...]:
    """What the import pages show as it is: people's, parties', committees' and chambers'
    names, with `_data`'s."""
    names = set(_data(world))
    for column in (Representative.name, Party.name, Committee.name, Chamber.name):
        names |= set(db.session.scalars(sa.select(column)))
    return tuple(sorted(names - {""}, key=len, reverse=True))


def _pages_in_pseudo(client, pages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    shown = []
    with pseudo():
        for what, url in pages:
            response = client.get(url)
            assert response.status_code == 200, (what, response.status_code)
            shown.append((what, response.get_data(as_text=True)))
    return shown


def test_a_csv_files_problems_and_changes_are_said_in_the_readers_language(app, client, world):
    state = world.home.state.iso2
    import_url = f"/states/{state}/representatives/import"
    rows = _problem_rows(world)
    sign_in(client, world.member)
    token = csrf_token(client.get(import_url).get_data(as_text=True))
    asked = []
    for name, lines, check_only in (
        ("bad.csv", rows, True),
        ("reps.csv", _changing_rows(world), True),
        ("reps.csv", _changing_rows(world), False),
    ):
        fields = {"file": ((CSV_HEADER + "\n".join(lines) + "\n").encode(), name)}
        if check_only:
            fields["check_only"] = "y"
        response = post_multipart(client, import_url, {**fields, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        asked.append(urlsplit(response.headers["Location"]).path)
    # A state with no chamber yet: the row names one all the same.
    bare = StateFactory()
    admin = sign_in(app.test_client(), world.admin)
    bare_url = f"/states/{bare.iso2}/representatives/import"
    bare_token = csrf_token(admin.get(bare_url).get_data(as_text=True))
    line = "Nobody,Moon,,,2024-01-01,,\n"
    response = post_multipart(
        admin, bare_url, {"file": ((HEADER + line).encode(), "bad.csv"), "csrf_token": bare_token}
    )
    bare_path = urlsplit(response.headers["Location"]).path

    jobs = run_queued_jobs(app)  # in English, with no reader

    assert [job.result["outcome"] for job in jobs] == [
        "rejected",
        "checked",
        "imported",
        "rejected",
    ]
    # Every row has its problem but two: the first of two rows that clash.
    assert jobs[0].result["problems"] == len(rows) - 2
    assert all(isinstance(message, dict) for _line, message in jobs[0].result["errors"])
    pages = _pages_in_pseudo(
        client,
        [
            ("a CSV checked, with a problem in every row", asked[0]),
            ("a CSV checked, changing someone", asked[1]),
            ("a CSV imported, changing someone", asked[2]),
        ],
    )
    pages += _pages_in_pseudo(admin, [("a CSV for a state with no chambers", bare_path)])
    # What is wrong with a file as a whole is said at once, on the import page.
    with pseudo():
        for what, content in (
            ("a CSV file not in UTF-8", b"\xff\xfe"),
            ("an empty CSV file", b" "),
            ("a CSV file with NUL characters", b"name,chamber\n\x00\n"),
            ("a CSV file with a header only", b"name,chamber\n"),
            ("a CSV file with a wrong header", b"name,chambre,name,extra\nA,B,C,D\n"),
        ):
            fields = {"file": (content, "wrong.csv"), "csrf_token": token}
            response = post_multipart(client, import_url, fields)
            assert response.status_code == 422, (what, response.status_code)
            pages.append((what, response.get_data(as_text=True)))
    names = _names(world)
    problems = {what: found for what, html in pages if (found := unmarked(_whole(html), names))}
    assert problems == {}
    said = " ".join(html for _what, html in pages)
    # The check reads every problem, and what each row changes, each in a marked sentence.
    assert said.count(f"<td>{OPEN}") == (len(rows) - 2) + 1 + 7
    assert f"{OPEN}no party called “Blue”" in said
    assert f"{OPEN}email %(value)s{CLOSE}" not in said  # said whole, its value in it
    assert f"{OPEN}email member@parliament.example{CLOSE}" in said
    # The words inside a sentence are marked too.
    assert f"“not-an-address”: {OPEN}Enter an e-mail address" in said
    assert f"(add it first){CLOSE}" in said
    assert f"in {bare.name} ({OPEN}none yet{CLOSE}){CLOSE}" in said
    assert f"; {OPEN}do not contact reason{CLOSE}; " in said


def _roster_fields(document, chamber, *, check_only: bool = False, organization="house"):
    fields = {
        "chamber": str(chamber.id),
        "roster": (_json(document), "assembly.json"),
        "organization_id": organization,
    }
    if check_only:
        fields["roster_check_only"] = "y"
    return fields


def test_a_rosters_report_and_refusals_are_said_in_the_readers_language(app, client, world):
    home = world.home
    popolo_url = f"/states/{home.state.iso2}/representatives/import/popolo"
    import_url = f"/states/{home.state.iso2}/representatives/import"
    sign_in(client, world.member)
    token = csrf_token(client.get(import_url).get_data(as_text=True))

    def asked(fields: dict) -> str:
        response = post_multipart(client, popolo_url, {**fields, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return urlsplit(response.headers["Location"]).path

    # What is wrong with a roster as a whole is said at once, next to its field (before the
    # chamber is given the file's id: then it is found by it).
    refusals = []
    several = irregular_roster()
    several["memberships"][5]["legislative_period_id"] = "term/1"  # the senate's too
    with pseudo():
        for what, fields in (
            ("a roster that is a list", _roster_fields([], home.chamber)),
            ("a roster without persons", _roster_fields({"name": "x"}, home.chamber)),
            ("a roster with a bad date", _roster_fields(_bad_date(), home.chamber)),
            (
                "a roster without that organization",
                _roster_fields(several, home.chamber, organization="nope"),
            ),
            (
                "a roster with several chambers",
                _roster_fields(several, home.chamber, organization=""),
            ),
        ):
            response = post_multipart(client, popolo_url, {**fields, "csrf_token": token})
            assert response.status_code == 422, (what, response.status_code)
            refusals.append((what, response.get_data(as_text=True)))
    first = irregular_roster()
    # A party the state already has, which the file gives its Popolo id.
    first["organizations"][2]["name"] = home.parties[0].name
    imported = asked(_roster_fields(first, home.chamber))
    run_queued_jobs(app)
    vasile = db.session.scalars(
        sa.select(Representative).where(Representative.name == "Vasile Bătrânu")
    ).one()
    vasile.archived_at = utcnow()
    db.session.commit()
    later = irregular_roster_later()
    later["organizations"][2]["name"] = home.parties[0].name
    checked = asked(_roster_fields(later, home.chamber, check_only=True))
    long_party = irregular_roster()
    long_party["organizations"].append({"id": "party/long", "name": "p" * 201})
    long_party["memberships"][2]["on_behalf_of_id"] = "party/long"
    refused = asked(_roster_fields(long_party, home.chamber))

    jobs = run_queued_jobs(app)  # in English, with no reader

    assert [job.result["outcome"] for job in jobs] == ["checked", "refused"]
    pages = _pages_in_pseudo(
        client,
        [
            ("a roster imported, with warnings", imported),
            ("a roster checked, with every kind of line", checked),
            ("a roster the importer refused", refused),
            ("the import page listing them", import_url),
        ],
    )
    pages += refusals
    # Whom a check only would add is on record nowhere.
    names = (*_names(world), "Nou Venit")
    problems = {what: found for what, html in pages if (found := unmarked(_whole(html), names))}
    assert problems == {}
    said = " ".join(html for _what, html in pages)
    # Each line is said whole, with what it names; the words inside it are marked too.
    for line in (
        f"<li>{OPEN}Left alone (1):{CLOSE}</li>",
        f"<li>{OPEN}Vasile Bătrânu: archived, left as it is{CLOSE}</li>",
        f"<li>{OPEN}Not in this chamber (skipped): 1 person{CLOSE}</li>",
        f"<li>- {OPEN}Elena Popa: seat ended{CLOSE}</li>",
        f"<li>{OPEN}new party: Green Party{CLOSE}</li>",
        f"{OPEN}new seat on Budget ({OPEN}member{CLOSE}){CLOSE}",
        f"is not a valid {OPEN}email{CLOSE}: kept as",
        f"<strong>{OPEN}Nothing was imported: {OPEN}the party",
        f"found {OPEN}a list{CLOSE}{CLOSE}.{CLOSE}",
    ):
        assert line in said, line
    assert f"{OPEN}new seat on Budget ({OPEN}member{CLOSE}){CLOSE}" in said


def _bad_date() -> dict:
    document = irregular_roster()
    document["memberships"][2]["start_date"] = "31/12/2020"
    return document
