"""Importing representatives from the web: what is wrong with the file as a whole is said at
once; its rows are checked and written by a job, whose page shows how far it has got and
then what it did — only to those who may import into that state."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from crm.audit.models import AuditEntry
from crm.auth.models import Role
from crm.extensions import db
from crm.interchange.csv_import import MAX_ROWS
from crm.interchange.forms import MAX_UPLOAD_BYTES
from crm.jobs import services as jobs
from crm.jobs.models import Job, JobStatus
from crm.parliament.models import Representative
from crm.risk.tasks import DAILY_SNAPSHOT
from tests.conftest import csrf_token, login, row_counts, sign_in
from tests.factories import PASSWORD, UNKNOWN_ISO2, section_member
from tests.interchange.jobs import post_multipart, run_job, run_queued_jobs
from tests.pages import page, text

HEADER = (
    "name,given_name,family_name,chamber,party,constituency,start_date,influence,languages,"
    "tags,email,phone,wikidata,do_not_contact,do_not_contact_reason\n"
)
NEW_ROWS = (
    "Radu Ionescu,Radu,Ionescu,{chamber},{party},Cluj,2024-12-20,4,ro; hu,lawyer; EU,"
    "radu@parliament.example,+40 264 000 000,Q777,no,",
    '"Popa, Elena-Ștefania",,,{chamber},,,2023-01-09,,,,,,,yes,Asked us not to',
)
# Requests of their own (sign-in) and the job's row may be written; nothing else.
ASKING = ("jobs", "user_sessions", "audit_entries", "security_events", "sign_in_throttles")


def _rows(world, *lines: str) -> str:
    chamber, party = world.home.chamber.name, world.home.parties[0].name
    return HEADER + "".join(line.format(chamber=chamber, party=party) + "\n" for line in lines)


def _import_url(iso2: str) -> str:
    return f"/states/{iso2}/representatives/import"


def _upload(client, world, data: dict, *, iso2: str | None = None, token: str | None = None):
    if token is None:
        token = csrf_token(client.get("/account").get_data(as_text=True))
    return post_multipart(
        client, _import_url(iso2 or world.home.state.iso2), {**data, "csrf_token": token}
    )


def _file(world, *lines: str, name: str = "reps.csv") -> dict:
    return {"file": (_rows(world, *lines).encode("utf-8-sig"), name)}


def _progress_path(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    path = urlsplit(response.headers["Location"]).path
    assert re.fullmatch(r"/states/[A-Z]{2}/imports/\d+", path), path
    return path


def _job_id(path: str) -> int:
    return int(path.rsplit("/", 1)[1])


def page_of(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _named(name: str) -> list[Representative]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Representative).where(Representative.name == name)))


def _imported_entries() -> list[AuditEntry]:
    db.session.rollback()
    return list(
        db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "csv.imported"))
    )


# --- Uploading, and the job doing the import ------------------------------------------------------


def test_an_upload_is_imported_by_its_job_and_its_page_tells_what_it_did(app, client, world):
    sign_in(client, world.member)
    page(client, _import_url(world.home.state.iso2))

    path = _progress_path(_upload(client, world, _file(world, *NEW_ROWS)))

    # The request asked for the import; it did not do it.
    assert _named("Radu Ionescu") == []
    waiting = client.get(path)
    assert waiting.status_code == 200
    assert "Waiting for a worker to start" in waiting.get_data(as_text=True)

    (job,) = run_queued_jobs(app)

    assert job.status is JobStatus.SUCCEEDED, job.last_error
    assert (job.done, job.total, job.requested_by_id) == (2, 2, world.member.id)
    assert list(job.arguments) == ["state_id", "source", "check_only", "rows", "ip_address"]
    (radu,) = _named("Radu Ionescu")
    assert (radu.state_id, radu.influence, radu.languages) == (world.home.state.id, 4, ["ro", "hu"])
    (entry,) = _imported_entries()
    assert (entry.actor_id, entry.summary.split(":")[0], entry.ip_address) == (
        world.member.id,
        "CSV of representatives reps.csv",
        "127.0.0.1",
    )
    created = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "representative.created", AuditEntry.target_id == str(radu.id)
        )
    ).one()
    assert (created.actor_id, created.ip_address) == (world.member.id, "127.0.0.1")
    soup = page(client, path)
    assert f"Imported: {world.home.state.name}: 2 added, 0 changed, 0 unchanged." in text(soup)
    assert "Radu Ionescu" in text(soup)
    links = {a["href"] for a in soup.select("main a[href]")}
    assert f"/representatives?state={world.home.state.iso2}" in links


def test_bad_rows_are_listed_on_the_jobs_page_and_nothing_is_saved(app, client, world):
    sign_in(client, world.admin)
    before = row_counts(ignore=ASKING)
    content = _rows(
        world,
        NEW_ROWS[0],
        "Bad Date,,,{chamber},,,tomorrow,,,,,,,,",  # 3
        "No Chamber,,,Senate of Mars,,,2024-01-01,,,,,,,,",  # 4
        "Bad Party,,,{chamber},Purple,,2024-01-01,,,,,,,,",  # 5
    )

    path = _progress_path(_upload(client, world, {"csv": content}))
    (job,) = run_queued_jobs(app)

    assert job.status is JobStatus.SUCCEEDED, job.last_error
    assert job.result["outcome"] == "rejected"
    soup = page(client, path)
    body = text(soup)
    assert "Nothing was imported: 3 problems in the file." in body
    rows = [
        [cell.get_text(" ", strip=True) for cell in tr.select("th, td")]
        for tr in soup.select("tbody tr")
    ]
    state, chamber = world.home.state.name, world.home.chamber.name
    assert rows == [
        ["3", "start_date “tomorrow” is not a date such as 2024-05-31"],
        ["4", f"no chamber called “Senate of Mars” in {state} ({chamber})"],
        ["5", f"no party called “Purple” in {state} (add it first)"],
    ]
    assert row_counts(ignore=ASKING) == before
    assert _imported_entries() == []


def test_checking_a_file_shows_what_it_would_do_and_saves_nothing(app, client, world):
    sign_in(client, world.member)
    before = row_counts(ignore=ASKING)

    path = _progress_path(
        _upload(client, world, {"csv": _rows(world, *NEW_ROWS), "check_only": "y"})
    )
    run_queued_jobs(app)

    body = text(page(client, path))
    assert "The file is fine; nothing was imported yet." in body
    assert "Importing it would give: " in body
    assert "2 added, 0 changed, 0 unchanged" in body
    assert "Radu Ionescu" in body
    assert row_counts(ignore=ASKING) == before


def test_the_same_form_sent_twice_asks_for_one_import(app, client, world):
    sign_in(client, world.member)
    html = client.get(_import_url(world.home.state.iso2)).get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)
    token = csrf_token(html)
    content = _rows(world, *NEW_ROWS)

    first = _progress_path(
        _upload(client, world, {"csv": content, "submission_key": key}, token=token)
    )
    again = _progress_path(
        _upload(client, world, {"csv": content, "submission_key": key}, token=token)
    )
    other = _progress_path(_upload(client, world, {"csv": content}, token=token))

    assert first == again != other
    run_queued_jobs(app)
    assert len(_named("Radu Ionescu")) == 1


def test_a_job_delivered_twice_imports_once(app, client, world):
    sign_in(client, world.member)
    path = _progress_path(_upload(client, world, _file(world, *NEW_ROWS)))
    (first,) = run_queued_jobs(app)
    done = (first.status, first.attempts, dict(first.result), first.finished_at)
    before = row_counts()

    again = run_job(app, _job_id(path))

    assert done[0] is JobStatus.SUCCEEDED
    assert (again.status, again.attempts, again.result, again.finished_at) == done
    assert row_counts() == before
    assert len(_imported_entries()) == 1


def test_a_job_that_keeps_failing_is_shown_failed_and_writes_nothing(app, client, world):
    sign_in(client, world.member)
    path = _progress_path(_upload(client, world, _file(world, *NEW_ROWS)))
    job = db.session.get_one(Job, _job_id(path))
    # The stored file is damaged: every attempt fails on it, as on any unexpected error.
    job.arguments = {**job.arguments, "file_zlib_b64": "bm90IGNvbXByZXNzZWQ="}
    db.session.commit()
    before = row_counts(ignore=ASKING)

    (job,) = run_queued_jobs(app)

    assert job.status is JobStatus.FAILED
    assert job.attempts == app.config["JOBS_MAX_ATTEMPTS"] == 5
    assert row_counts(ignore=ASKING) == before
    body = text(page(client, path))
    assert "The import failed, and nothing was imported." in body
    assert f"job {job.id}" in body
    assert "zlib" not in body  # the error itself is for administrators (the jobs page)


def test_an_uploader_who_may_no_longer_import_gets_a_refusal_and_nothing_is_written(
    app, client, world
):
    sign_in(client, world.member)
    path = _progress_path(_upload(client, world, _file(world, *NEW_ROWS)))
    world.member.role = Role.STAFF  # moved on before a worker got to the file
    db.session.commit()
    before = row_counts(ignore=ASKING)

    (job,) = run_queued_jobs(app)

    assert (job.status, job.result["outcome"]) == (JobStatus.SUCCEEDED, "refused")
    assert row_counts(ignore=ASKING) == before
    admin = sign_in(app.test_client(), world.admin)
    assert "may no longer change these representatives" in text(page(admin, path))
    assert client.get(path).status_code == 403


# --- What is said at once ------------------------------------------------------------------------


def test_an_empty_submission_asks_for_a_file_next_to_the_field(client, world):
    sign_in(client, world.member)
    response = _upload(client, world, {})
    assert response.status_code == 422
    soup = page_of(response)
    assert "Choose a CSV file, or paste the rows below." in soup.select_one("#file-error").text


def test_a_file_over_the_size_limit_is_refused_next_to_the_field(client, world):
    sign_in(client, world.member)
    before = row_counts(ignore=ASKING)
    big = HEADER.encode() + b"x" * MAX_UPLOAD_BYTES
    response = _upload(client, world, {"file": (big, "big.csv")})
    assert response.status_code == 422
    assert "larger than 5 MB" in page_of(response).select_one("#file-error").text
    assert row_counts(ignore=ASKING) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"name,chamber\n", "The file has a header but no rows."),
        (b"name,chambre\nA,B\n", "unknown column(s): chambre"),
        (b"given_name\nA\n", "missing column(s): name, chamber"),
        (b"name,name,chamber\nA,B,C\n", "column(s) given twice: name"),
        ("name,chamber\nĂna,Senat\n".encode("utf-16"), "Save it as “CSV UTF-8”"),
        (b"name,chamber\n" + b"A,B\n" * (MAX_ROWS + 1), f"more than {MAX_ROWS} rows"),
    ],
)
def test_a_file_wrong_as_a_whole_is_refused_at_once(client, world, content, message):
    sign_in(client, world.member)
    before = row_counts(ignore=ASKING[1:])  # not even a job

    response = _upload(client, world, {"file": (content, "wrong.csv")})

    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Nothing was imported" in body
    assert message in body
    assert row_counts(ignore=ASKING[1:]) == before


# --- The progress page ---------------------------------------------------------------------------


def test_the_page_comes_again_by_itself_only_while_the_job_runs(app, client, world):
    sign_in(client, world.member)
    path = _progress_path(_upload(client, world, _file(world, *NEW_ROWS)))

    waiting = client.get(path)
    stopped = client.get(f"{path}?refresh=off")
    run_queued_jobs(app)
    finished = client.get(path)

    assert waiting.headers["Refresh"] == f"2; url={path}"
    assert "Refresh" not in stopped.headers
    assert "Refresh" not in finished.headers
    soup = page_of(waiting)
    assert soup.select_one("main h1").text.strip() == "Importing reps.csv"
    assert "Waiting for a worker" in soup.select_one("[role=status]").text
    assert f"{path}?refresh=off" in {a["href"] for a in soup.select("main a[href]")}
    assert soup.select_one("progress") is not None
    assert page_of(finished).select_one("[role=status]") is not None


def test_the_import_page_lists_the_states_recent_imports(app, client, world):
    sign_in(client, world.member)
    path = _progress_path(_upload(client, world, _file(world, *NEW_ROWS, name="roster-may.csv")))
    run_queued_jobs(app)

    soup = page(client, _import_url(world.home.state.iso2))

    (link,) = [a for a in soup.select("main a[href]") if a["href"] == path]
    assert link.text == "roster-may.csv"
    assert "imported: 2 added, 0 changed, 0 unchanged" in text(soup)
    other = page(
        sign_in(app.test_client(), world.other_member), _import_url(world.other.state.iso2)
    )
    assert path not in {a["href"] for a in other.select("main a[href]")}


@pytest.mark.parametrize("who", ["other_member", "staff", "coordinator"])
def test_who_may_not_import_into_the_state_learns_nothing_of_its_imports(app, client, world, who):
    sign_in(client, world.member)
    path = _progress_path(_upload(client, world, _file(world, *NEW_ROWS, name="secret-plan.csv")))
    job_id = _job_id(path)
    intruder = sign_in(app.test_client(), getattr(world, who))

    real = intruder.get(path)
    missing = intruder.get(path.replace(f"/{job_id}", f"/{job_id + 1000}"))

    # The same refusal for an import that exists and one that does not.
    assert real.status_code == missing.status_code == 403
    for response in (real, missing):
        assert "secret-plan" not in response.get_data(as_text=True)


def test_an_import_is_found_only_under_its_own_state(app, client, world):
    sign_in(client, world.member)
    home_path = _progress_path(_upload(client, world, _file(world, *NEW_ROWS)))
    home_id = _job_id(home_path)
    other = sign_in(app.test_client(), world.other_member)
    other_rows = f"name,chamber,start_date\nAna Other,{world.other.chamber.name},2024-01-01\n"
    other_id = _job_id(
        _progress_path(_upload(other, world, {"csv": other_rows}, iso2=world.other.state.iso2))
    )
    risk = jobs.submit(DAILY_SNAPSHOT, f"{DAILY_SNAPSHOT}:2026-12-01", {"on": "2026-12-01"})
    db.session.commit()
    home, there = world.home.state.iso2, world.other.state.iso2
    admin = sign_in(app.test_client(), world.admin)
    colleague = sign_in(app.test_client(), section_member(world.home.state))

    assert client.get(f"/states/{home}/imports/{other_id}").status_code == 404
    assert client.get(f"/states/{home}/imports/{risk.id}").status_code == 404
    assert client.get(f"/states/{home}/imports/99999999999").status_code == 404
    assert client.get(f"/states/{there}/imports/{home_id}").status_code == 403
    assert admin.get(f"/states/{there}/imports/{home_id}").status_code == 404
    assert admin.get(f"/states/{UNKNOWN_ISO2}/imports/{home_id}").status_code == 404
    assert admin.get(home_path).status_code == 200
    # The state's section shares its imports, whoever uploaded the file.
    assert colleague.get(home_path).status_code == 200
    assert other.get(f"/states/{there}/imports/{other_id}").status_code == 200
    moved = client.get(f"/states/{home.lower()}/imports/{home_id}")
    assert (moved.status_code, urlsplit(moved.headers["Location"]).path) == (301, home_path)


@pytest.mark.parametrize("who", ["other_member", "staff", "coordinator"])
def test_only_the_states_section_and_admins_may_import(client, world, who):
    login(client, getattr(world, who).email, PASSWORD)
    url = _import_url(world.home.state.iso2)
    assert client.get(url).status_code == 403
    # A refusal is written to the security log, and nothing else: not even a job.
    before = row_counts(ignore=("security_events",))
    assert _upload(client, world, {"csv": _rows(world, *NEW_ROWS)}).status_code == 403
    assert row_counts(ignore=("security_events",)) == before


def test_the_data_page_links_the_exports_and_the_import_for_those_allowed(client, world):
    iso = world.home.state.iso2
    sign_in(client, world.member.email)
    soup = page(client, f"/states/{iso}/data")
    links = {a["href"] for a in soup.select("main a[href]")}
    assert {
        f"/states/{iso}/representatives.csv",
        f"/states/{iso}/interactions.csv",
        f"/states/{iso}/events.csv",
        f"/states/{iso}/representatives/import",
        f"/states/{iso}/chambers/{world.home.chamber.id}/popolo.json",
        "/account/calendar",
    } <= links
    assert "restricted contacts included" in text(soup)
    other = page(client, f"/states/{world.other.state.iso2}/data")
    assert f"/states/{world.other.state.iso2}/representatives/import" not in {
        a["href"] for a in other.select("main a[href]")
    }
    assert "restricted contacts show only that they happened" in text(other)
    assert client.get(f"/states/{UNKNOWN_ISO2}/data").status_code == 404
