"""Uploading a chamber's Popolo roster on the state's import page: what cannot be imported at
all is said next to its field at once; the import is a job's, in the uploader's name, all or
nothing and once, shown on the same progress page as a CSV import's — only to those who may
import into that state."""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.auth.models import Role
from crm.extensions import db
from crm.interchange.forms import MAX_ROSTER_BYTES
from crm.jobs.models import Job, JobStatus
from crm.parliament.models import Membership, Representative
from tests.conftest import SHARED, csrf_token, row_counts, sign_in
from tests.factories import ChamberFactory, StateFactory, section_member
from tests.interchange.factories import MICRONESIA, many_people, roster
from tests.interchange.jobs import post_multipart, run_job, run_queued_jobs
from tests.pages import page, text

# Requests of their own (sign-in) may write these; an upload adds a job's row too.
SIGNING_IN = ("user_sessions", "audit_entries", "security_events", "sign_in_throttles")
ASKING = ("jobs", *SIGNING_IN)
ROSTER_PEOPLE = ("Ana Popescu", "Ion Ionescu", "Maria Dinu", "Vasile Bătrânu")


def _import_page(iso2: str) -> str:
    return f"/states/{iso2}/representatives/import"


def _upload_url(iso2: str) -> str:
    return f"/states/{iso2}/representatives/import/popolo"


def _json(document) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _send(client, iso2: str, fields: dict, token: str | None = None):
    if token is None:
        token = csrf_token(client.get("/account").get_data(as_text=True))
    return post_multipart(client, _upload_url(iso2), {**fields, "csrf_token": token})


def _upload(client, world, content: bytes | None = None, **fields):
    """Upload `content` (the test roster) for the home state's chamber."""
    data = {"chamber": str(world.home.chamber.id), **fields}
    if "roster" not in data:
        data["roster"] = (content if content is not None else _json(roster()), "assembly.json")
    return _send(client, world.home.state.iso2, data)


def _progress_path(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    path = urlsplit(response.headers["Location"]).path
    assert re.fullmatch(r"/states/[A-Z]{2}/imports/\d+", path), path
    return path


def _job_id(path: str) -> int:
    return int(path.rsplit("/", 1)[1])


def _named(*names: str) -> list[Representative]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Representative).where(Representative.name.in_(names))))


def _roster_entries() -> list[AuditEntry]:
    db.session.rollback()
    return list(
        db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "popolo.imported"))
    )


def _jobs() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Job))


# --- Uploading, and the job doing the import ------------------------------------------------------


def test_a_member_uploads_a_roster_and_its_job_imports_it_in_their_name(app, client, world):
    sign_in(client, world.member)
    form = page(client, _import_page(world.home.state.iso2))
    heading = form.find("h2", string="Import a Popolo roster (JSON)")
    assert heading is not None
    offered = [o.text for o in form.select("#chamber option")]
    assert offered == ["Choose a chamber", world.home.chamber.name]

    path = _progress_path(_upload(client, world))

    # The request asked for the import; it did not do it.
    assert _named(*ROSTER_PEOPLE) == []
    assert "Waiting for a worker to start" in text(page(client, path))

    (job,) = run_queued_jobs(app)

    assert job.status is JobStatus.SUCCEEDED, job.last_error
    assert job.result["outcome"] == "imported"
    assert job.requested_by_id == world.member.id
    assert (job.done, job.total) == (4, 4)
    assert "file_zlib_b64" not in job.arguments  # dropped once done
    people = _named(*ROSTER_PEOPLE)
    assert sorted(p.name for p in people) == sorted(ROSTER_PEOPLE)
    assert {p.state_id for p in people} == {world.home.state.id}
    seats = db.session.scalars(
        sa.select(Membership).where(Membership.representative_id.in_([p.id for p in people]))
    ).all()
    assert {m.chamber_id for m in seats} == {world.home.chamber.id}
    (entry,) = _roster_entries()
    assert (entry.actor_id, entry.actor_email) == (world.member.id, world.member.email)
    assert entry.summary.startswith("Popolo roster assembly.json: ")
    created = db.session.scalars(
        sa.select(AuditEntry.actor_id).where(
            AuditEntry.action == "representative.created",
            AuditEntry.target_id.in_([str(p.id) for p in people]),
        )
    ).all()
    assert created == [world.member.id] * 4

    soup = page(client, path)
    body = text(soup)
    chamber, state = world.home.chamber.name, world.home.state.name
    assert "Refresh" not in client.get(path).headers
    assert f"Imported: {chamber} of {state}: 4 added, 0 changed," in body
    # The report as the command line prints it: who was added, whose seat ended.
    items = [li.get_text(" ", strip=True) for li in soup.select("main ul.plain li")]
    assert "+ Ana Popescu" in items
    assert "new party: Green Party" in items
    ended = [i for i in items if i.endswith(": seat ended")]
    assert len(ended) == job.result["ended"] > 0  # the world's members, not in the file
    # The state's import page lists it beside the CSV imports.
    listing = page(client, _import_page(world.home.state.iso2))
    (link,) = [a for a in listing.select("main a[href]") if a["href"] == path]
    assert link.text == "assembly.json"
    assert "roster imported: 4 added, 0 changed" in text(listing)


def test_checking_a_roster_only_shows_what_it_would_do_and_writes_nothing(app, client, world):
    sign_in(client, world.member)
    before = row_counts(ignore=ASKING)

    path = _progress_path(_upload(client, world, roster_check_only="y"))
    (job,) = run_queued_jobs(app)

    assert (job.status, job.result["outcome"]) == (JobStatus.SUCCEEDED, "checked")
    assert row_counts(ignore=ASKING) == before
    assert _named(*ROSTER_PEOPLE) == []
    assert _roster_entries() == []
    soup = page(client, path)
    body = text(soup)
    assert soup.select_one("main h1").text.strip() == "Checking assembly.json"
    assert "The file is fine; nothing was imported yet." in body
    assert "4 added, 0 changed" in body
    assert "+ Ana Popescu" in body


def test_a_check_twice_writes_nothing_and_an_import_delivered_twice_writes_once(app, client, world):
    sign_in(client, world.member)
    before = row_counts(ignore=ASKING)
    checks = [_progress_path(_upload(client, world, roster_check_only="y")) for _ in range(2)]
    assert checks[0] != checks[1]  # no submission key sent: each sending asks anew
    run_queued_jobs(app)
    run_job(app, _job_id(checks[0]))  # and one delivered again
    assert row_counts(ignore=ASKING) == before

    path = _progress_path(_upload(client, world))
    (first,) = run_queued_jobs(app)
    done = (first.status, first.attempts, dict(first.result), first.finished_at)
    after = row_counts()

    again = run_job(app, _job_id(path))

    assert done[0] is JobStatus.SUCCEEDED
    assert (again.status, again.attempts, again.result, again.finished_at) == done
    assert row_counts() == after
    assert len(_roster_entries()) == 1
    assert len(_named(*ROSTER_PEOPLE)) == 4


def test_a_job_that_keeps_failing_writes_nothing_and_keeps_the_file_for_a_retry(app, client, world):
    sign_in(client, world.member)
    path = _progress_path(_upload(client, world))
    job = db.session.get_one(Job, _job_id(path))
    # The stored file is damaged: every attempt fails on it, as on any unexpected error.
    job.arguments = {**job.arguments, "file_zlib_b64": "bm90IGNvbXByZXNzZWQ="}
    db.session.commit()
    before = row_counts(ignore=ASKING)

    (job,) = run_queued_jobs(app)

    assert job.status is JobStatus.FAILED
    assert job.arguments["file_zlib_b64"] == "bm90IGNvbXByZXNzZWQ="
    assert row_counts(ignore=ASKING) == before
    assert "The import failed, and nothing was imported." in text(page(client, path))


def test_a_chamber_renamed_after_the_upload_is_still_the_one_imported_into(app, client, world):
    sign_in(client, world.member)
    path = _progress_path(_upload(client, world))
    world.home.chamber.name = "Renamed Assembly"
    db.session.commit()

    (job,) = run_queued_jobs(app)

    assert job.result["outcome"] == "imported", job.result
    assert "Imported: Renamed Assembly of" in text(page(client, path))
    assert {m.chamber_id for p in _named("Ana Popescu") for m in p.memberships} == {
        world.home.chamber.id
    }


def test_an_uploader_who_may_no_longer_import_gets_a_refusal_and_nothing_is_written(
    app, client, world
):
    sign_in(client, world.member)
    path = _progress_path(_upload(client, world))
    world.member.role = Role.STAFF  # moved on before a worker got to the file
    db.session.commit()
    before = row_counts(ignore=ASKING)

    (job,) = run_queued_jobs(app)

    assert (job.status, job.result["outcome"]) == (JobStatus.SUCCEEDED, "refused")
    assert row_counts(ignore=ASKING) == before
    admin = sign_in(app.test_client(), world.admin)
    assert "may no longer change these representatives" in text(page(admin, path))


# --- What is said at once ------------------------------------------------------------------------


def _several_houses() -> bytes:
    document = roster()
    document["organizations"].append(
        {"id": "senate", "name": "Senate", "classification": "upper house"}
    )
    document["memberships"].append(
        {
            "person_id": "person/maria-dinu",
            "organization_id": "senate",
            "legislative_period_id": "term/2",
        }
    )
    return _json(document)


BAD_FILES = [
    pytest.param(b"", "The file cannot be imported: the file is empty.", id="empty"),
    pytest.param(
        b'{"persons": [\n  {"name": "Ana"},\n]}',
        "not valid JSON: a comma before a closing bracket at line 3, column 1",
        id="not-json",
    ),
    pytest.param(
        '{"persons": [{"name": "Ăna"}]}'.encode("utf-16"),
        "the file is not UTF-8 text",
        id="not-utf8",
    ),
    pytest.param(b"[1, 2]", "expected a Popolo document", id="a-list"),
    pytest.param(
        b'{"organizations": []}',
        "the file has no persons list: is it a Popolo document?",
        id="no-persons",
    ),
    pytest.param(
        _json({"persons": []}), "the persons list is empty: there is nobody to import", id="nobody"
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_a_file_that_is_no_popolo_roster_is_refused_next_to_the_field(
    client, world, content, message
):
    sign_in(client, world.member)
    before = row_counts(ignore=SIGNING_IN)  # not even a job

    response = _upload(client, world, content)

    assert response.status_code == 422
    error = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(
        "#roster-error"
    )
    assert error is not None, response.get_data(as_text=True)[:3000]
    assert message in error.text
    assert row_counts(ignore=SIGNING_IN) == before


def test_a_file_over_the_size_limit_is_refused_next_to_the_field(client, world):
    sign_in(client, world.member)
    before = row_counts(ignore=SIGNING_IN)
    big = b'{"persons": [' + b" " * MAX_ROSTER_BYTES + b"]}"

    response = _upload(client, world, big)

    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "The file is larger than 20 MB." in soup.select_one("#roster-error").text
    assert row_counts(ignore=SIGNING_IN) == before


def test_a_file_just_under_the_size_limit_is_read(client, world):
    """The limit is the file's, not the request's (which is raised for this upload only)."""
    sign_in(client, world.member)
    padded = _json(roster())[:-1] + b" " * (MAX_ROSTER_BYTES - len(_json(roster()))) + b"}"
    assert len(padded) == MAX_ROSTER_BYTES
    _progress_path(_upload(client, world, padded))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"roster": None}, "roster", "Choose a Popolo JSON file.", id="no-file"),
        pytest.param(
            {"organization_id": "parliament/9"},
            "organization_id",
            'The file has no organization with the id "parliament/9".',
            id="unknown-organization",
        ),
        pytest.param({"chamber": ""}, "chamber", "Choose the chamber the roster is of.", id="none"),
        pytest.param(
            {"chamber": "x"}, "chamber", "Choose the chamber the roster is of.", id="junk"
        ),
        pytest.param(
            {"chamber": "other"}, "chamber", "Choose one of the chambers of", id="other-state"
        ),
    ],
)
def test_a_wrong_choice_is_refused_next_to_its_field(client, world, fields, field, message):
    sign_in(client, world.member)
    before = row_counts(ignore=SIGNING_IN)
    if fields.get("chamber") == "other":
        fields = {"chamber": str(world.other.chamber.id)}
    if "roster" in fields:
        fields = {"roster": (b"", "")}  # the browser's empty file input

    response = _upload(client, world, **fields)

    assert response.status_code == 422
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    error = soup.select_one(f"#{field}-error")
    assert error is not None, text(soup)[:2000]
    assert message in error.text
    assert row_counts(ignore=SIGNING_IN) == before
    # The page is the import page again, with both uploads.
    assert soup.select_one(f'form[action="{_upload_url(world.home.state.iso2)}"]') is not None
    assert soup.select_one(f'form[action="{_import_page(world.home.state.iso2)}"]') is not None


def test_a_file_with_several_possible_chambers_asks_for_the_organization_id(app, client, world):
    sign_in(client, world.member)
    before = row_counts(ignore=SIGNING_IN)

    response = _upload(client, world, _several_houses())

    assert response.status_code == 422
    error = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(
        "#organization_id-error"
    )
    assert "several organizations that could be the chamber (legislature, senate)" in error.text
    assert "Organization id in the file" in error.text
    assert "--organization" not in error.text
    assert row_counts(ignore=SIGNING_IN) == before

    # Given, it is imported from that organization.
    path = _progress_path(_upload(client, world, _several_houses(), organization_id="legislature"))
    (job,) = run_queued_jobs(app)
    assert job.result["outcome"] == "imported", job.result
    assert job.arguments["organization_id"] == "legislature"
    assert "Imported:" in text(page(client, path))


def test_a_state_without_a_chamber_is_told_so_and_offered_no_roster_form(app, client):
    state = StateFactory(timezone="Europe/Bucharest")
    admin = section_member(state)
    db.session.commit()
    sign_in(client, admin)

    soup = page(client, _import_page(state.iso2))

    assert f"{state.name} has no chamber on record" in text(soup)
    assert soup.select_one(f'form[action="{_upload_url(state.iso2)}"]') is None
    before = row_counts(ignore=SIGNING_IN)
    response = _send(client, state.iso2, {"roster": (_json(roster()), "a.json"), "chamber": "1"})
    assert response.status_code == 422
    assert row_counts(ignore=SIGNING_IN) == before


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_member", "staff", "coordinator"])
def test_who_may_not_import_into_the_state_may_not_upload_a_roster(app, client, world, who):
    sign_in(client, getattr(world, who))
    assert client.get(_upload_url(world.home.state.iso2)).status_code == 403
    before = row_counts(ignore=("security_events",))

    response = _upload(client, world)

    assert response.status_code == 403
    assert row_counts(ignore=("security_events",)) == before
    assert run_queued_jobs(app) == []


def test_a_roster_import_is_found_only_under_its_own_state(app, client, world):
    sign_in(client, world.member)
    path = _progress_path(_upload(client, world, roster_check_only="y"))
    job_id = _job_id(path)
    home, there = world.home.state.iso2, world.other.state.iso2
    reader = sign_in(app.test_client(), world.other_member)
    colleague = sign_in(app.test_client(), section_member(world.home.state))
    admin = sign_in(app.test_client(), world.admin)

    # Another state's reader: refused under this state, as for an id that does not exist;
    # under their own state, the job is not found.
    assert reader.get(path).status_code == 403
    assert reader.get(f"/states/{home}/imports/{job_id + 1000}").status_code == 403
    assert reader.get(f"/states/{there}/imports/{job_id}").status_code == 404
    assert admin.get(f"/states/{there}/imports/{job_id}").status_code == 404
    assert admin.get(path).status_code == 200
    assert colleague.get(path).status_code == 200
    assert "assembly.json" not in reader.get(path).get_data(as_text=True)


@pytest.mark.skipif(not (SHARED / MICRONESIA).exists(), reason="../shared is not beside us")
def test_the_micronesia_congress_file_is_uploaded_and_imported(app, client):
    state = StateFactory(iso2="FM", name="Micronesia", timezone="Pacific/Pohnpei")
    chamber = ChamberFactory(state=state, name="Congress", seats=14)
    member = section_member(state)
    db.session.commit()
    sign_in(client, member)

    response = _send(
        client,
        "FM",
        {"roster": ((SHARED / MICRONESIA).read_bytes(), "fm.json"), "chamber": str(chamber.id)},
    )
    path = _progress_path(response)
    (job,) = run_queued_jobs(app)

    assert job.status is JobStatus.SUCCEEDED, job.last_error
    assert "Imported: Congress of Micronesia: 21 added, 0 changed, 0 ended" in text(
        page(client, path)
    )


def test_progress_counts_persons_as_the_job_imports_them(app, client, world):
    sign_in(client, world.member)
    document = copy.deepcopy(many_people(30))
    path = _progress_path(_upload(client, world, _json(document)))

    (job,) = run_queued_jobs(app)

    assert (job.done, job.total) == (30, 30)
    assert job.result["added"] == 30
    assert "Imported:" in text(page(client, path))


def test_the_larger_limit_is_only_for_a_signed_in_user(app, client, world):
    """Signed out, a roster upload is held to the app's own request limit: nobody who is
    not signed in makes the server read 20 MB."""
    body = b'{"persons": [' + b" " * app.config["MAX_CONTENT_LENGTH"] + b"]}"
    before = row_counts()

    response = post_multipart(
        client, _upload_url(world.home.state.iso2), {"roster": (body, "a.json")}
    )

    assert response.status_code == 413
    assert row_counts() == before
