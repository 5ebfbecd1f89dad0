"""The buttons' page: the pack is asked of the job queue, and a page says it is being
prepared and moves on to the PDF when it is ready, without a script. Here no worker runs
(the tests' broker is this process's memory): the job is made by `run_here`, as a web
request waiting for a pack would make it; tests/briefings/test_queue.py runs real ones.

A pack's job, its page and its PDF exist only for the reader it was made for, while they
may still see what it shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.auth.models import Role
from crm.briefings import services, tasks
from crm.briefings.queries import MAKE_PACK
from crm.db import utcnow
from crm.extensions import db
from crm.jobs.models import Job, JobStatus
from crm.web import CONTENT_SECURITY_POLICY
from tests.briefings.made import pack_jobs, printed
from tests.briefings.pdf import read
from tests.conftest import post_form, sign_in
from tests.pages import text
from tests.world import RESTRICTED_MARK


def progress_page(client, url: str, status: int = 200):
    from bs4 import BeautifulSoup

    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/html"
    return response, BeautifulSoup(response.get_data(as_text=True), "html.parser")


def assert_accessible_without_script(response, soup) -> None:
    """A heading, a status announced as such, no script of its own, under the strict CSP."""
    assert soup.select_one("main h1") is not None
    assert soup.select_one("main [role=status]") is not None
    assert not list(soup.select("main script"))
    assert not [s for s in soup.select("script") if not s.get("src")]  # nothing inline
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["Cache-Control"] == "private, no-store"


def test_the_button_asks_for_the_pack_and_shows_it_being_prepared(app, world):
    state = world.home.state
    client = sign_in(app.test_client(), world.member)
    response, soup = progress_page(client, f"/states/{state.iso2}/briefing")
    assert_accessible_without_script(response, soup)
    (job,) = pack_jobs()
    assert job.status is JobStatus.QUEUED
    assert job.requested_by_id == world.member.id
    assert text(soup.select_one("main h1")) == f"Preparing the state briefing pack of {state.name}"
    assert "Waiting for a worker" in text(soup.select_one("[role=status]"))
    # It comes again by itself, at the job's own address (which does not read the pack).
    assert response.headers["Refresh"] == f"2; url=/briefings/packs/{job.id}"
    assert printed() == []  # nothing made, nothing printed yet

    # A second click (or the page coming again) joins the same job.
    again, _ = progress_page(client, f"/states/{state.iso2}/briefing")
    assert again.headers["Refresh"] == response.headers["Refresh"]
    assert len(pack_jobs()) == 1
    page, soup = progress_page(client, f"/briefings/packs/{job.id}")
    assert_accessible_without_script(page, soup)
    assert page.headers["Refresh"] == f"2; url=/briefings/packs/{job.id}"
    # Someone who would rather the page stood still.
    still, soup = progress_page(client, f"/briefings/packs/{job.id}?refresh=off")
    assert "Refresh" not in still.headers
    assert soup.find("a", string="Show the progress now, and keep refreshing")


def test_the_page_moves_on_to_the_pdf_when_it_is_ready(app, world):
    client = sign_in(app.test_client(), world.member)
    progress_page(client, f"/states/{world.home.state.iso2}/briefing")
    (job,) = pack_jobs()
    tasks.run_here(job.id)  # what a worker does

    response, soup = progress_page(client, f"/briefings/packs/{job.id}")
    assert_accessible_without_script(response, soup)
    pdf_url = f"/briefings/packs/{job.id}.pdf"
    assert response.headers["Refresh"] == f"0; url={pdf_url}"
    link = soup.select_one(f'main a[href="{pdf_url}"]')
    assert link is not None
    assert "Download the PDF" in text(link)
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "private, no-store"
    assert pdf.headers["Content-Disposition"].startswith(
        f'attachment; filename="briefing-{world.home.state.iso2}-'
    )
    (entry,) = printed()
    assert entry.actor_id == world.member.id
    assert entry.after["reference"] in read(pdf.data).pages[-1]
    assert entry.after["reference"] in text(soup)
    assert RESTRICTED_MARK in read(pdf.data).squeezed()
    # Downloaded again, and through the fixed address: the same PDF, audited once.
    assert client.get(pdf_url).data == pdf.data
    assert client.get(f"/states/{world.home.state.iso2}/briefing.pdf").data == pdf.data
    assert len(printed()) == 1


def test_a_pack_made_before_from_the_same_records_is_there_at_once(app, world):
    client = sign_in(app.test_client(), world.staff)
    made = client.get("/briefings/overview.pdf")
    assert made.status_code == 200
    response, _ = progress_page(client, "/briefings/overview")
    (job,) = pack_jobs()
    assert response.headers["Refresh"] == f"0; url=/briefings/packs/{job.id}.pdf"
    assert client.get(f"/briefings/packs/{job.id}.pdf").data == made.data


def test_the_pdf_address_of_a_pack_not_yet_made_leads_to_its_page(app, world):
    client = sign_in(app.test_client(), world.staff)
    progress_page(client, f"/representatives/{world.home.reps[0].id}/briefing")
    (job,) = pack_jobs()
    response = client.get(f"/briefings/packs/{job.id}.pdf")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/briefings/packs/{job.id}"


# --- A pack that could not be made ---------------------------------------------------------


@pytest.fixture
def unwritable_packs_folder(app, tmp_path, monkeypatch):
    """A file where the packs' folder should be: every pack fails as it is kept."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setitem(app.config, "PACKS_FOLDER", str(blocked / "packs"))
    monkeypatch.setitem(app.config, "JOBS_MAX_ATTEMPTS", 1)
    return blocked


def test_a_failed_pack_says_so_and_can_be_tried_again(app, world, unwritable_packs_folder):
    client = sign_in(app.test_client(), world.member)
    ask = f"/states/{world.home.state.iso2}/briefing"
    progress_page(client, ask)
    (job,) = pack_jobs()
    tasks.run_here(job.id)
    (job,) = pack_jobs()
    assert job.status is JobStatus.FAILED
    assert printed() == []  # the failure took its audit entry with it

    response, soup = progress_page(client, f"/briefings/packs/{job.id}")
    assert_accessible_without_script(response, soup)
    assert "Refresh" not in response.headers  # nothing more to wait for
    assert text(soup.select_one("main h1")).endswith(": not made")
    status = text(soup.select_one("[role=status]"))
    assert "could not be made" in status
    assert f"job {job.id}" in status
    assert "NotADirectoryError" not in text(soup)  # the details are for admins
    form = soup.select_one(f'main form[method=post][action="{ask}"]')
    assert form is not None
    assert "Try again" in text(form)
    # Asking again without the button does not run a broken job again.
    progress_page(client, ask)
    assert pack_jobs()[0].status is JobStatus.FAILED
    # The fixed address says it could not be made: never a server error.
    fixed = client.get(f"/states/{world.home.state.iso2}/briefing.pdf")
    assert fixed.status_code == 503
    assert fixed.headers["Retry-After"]
    assert "could not be made" in fixed.get_data(as_text=True)

    unwritable_packs_folder.unlink()  # the disk is fixed
    answer = post_form(client, ask, page=f"/briefings/packs/{job.id}")
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/briefings/packs/{job.id}"
    (job,) = pack_jobs()
    assert job.status is JobStatus.QUEUED
    retried = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "job_retried"))
    assert retried.actor_id == world.member.id
    tasks.run_here(job.id)
    response, _ = progress_page(client, f"/briefings/packs/{job.id}")
    assert response.headers["Refresh"] == f"0; url=/briefings/packs/{job.id}.pdf"
    assert len(printed()) == 1


def test_a_pack_another_process_is_making_is_waited_for_never_made_twice(app, world, monkeypatch):
    """A worker elsewhere holds the job (its claim is current): the fixed address waits
    for it, and after the longest a request may wait says so (503, come back), without
    laying the pack out a second time at once."""
    monkeypatch.setattr(tasks, "REQUEST_WAIT_SECONDS", 1.0)
    asked = services.ask("state", world.home.state, world.staff)
    job = Job(
        kind=MAKE_PACK,
        key=asked.key,
        arguments=asked.arguments,
        status=JobStatus.RUNNING,
        attempts=1,
        worker="elsewhere:1",
        lease_until=utcnow() + timedelta(minutes=5),
        requested_by_id=world.staff.id,
    )
    db.session.add(job)
    db.session.commit()
    client = sign_in(app.test_client(), world.staff)
    response = client.get(f"/states/{world.home.state.iso2}/briefing.pdf")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.headers["Refresh"] == f"2; url=/briefings/packs/{job.id}"
    assert "Being laid out" in response.get_data(as_text=True)
    (held,) = pack_jobs()
    assert (held.status, held.worker, held.attempts) == (JobStatus.RUNNING, "elsewhere:1", 1)
    assert printed() == []


# --- Only for the reader it was made for ----------------------------------------------------


def _made_for(app, world, who: str, ask: str) -> Job:
    client = sign_in(app.test_client(), getattr(world, who))
    progress_page(client, ask)
    job = pack_jobs()[-1]
    tasks.run_here(job.id)
    return job


@pytest.mark.parametrize("who", ["other_member", "staff", "coordinator", "admin"])
def test_nobody_else_learns_a_pack_exists(app, world, who):
    """Not even readers with a wider view (a coordinator, an admin): the copy names the
    member it was made for. Their answer is the one for a job that never existed."""
    job = _made_for(app, world, "member", f"/states/{world.home.state.iso2}/briefing")
    client = sign_in(app.test_client(), getattr(world, who))
    for url in (f"/briefings/packs/{job.id}", f"/briefings/packs/{job.id}.pdf"):
        assert client.get(url).status_code == 404
    missing = job.id + 1000
    for url in (f"/briefings/packs/{missing}", f"/briefings/packs/{missing}.pdf"):
        assert client.get(url).status_code == 404


def test_a_reader_whose_view_narrowed_loses_their_wider_pack(app, world):
    job = _made_for(app, world, "member", f"/states/{world.home.state.iso2}/briefing")
    client = sign_in(app.test_client(), world.member)
    assert client.get(f"/briefings/packs/{job.id}.pdf").status_code == 200
    world.member.sections = []
    db.session.commit()
    for url in (f"/briefings/packs/{job.id}", f"/briefings/packs/{job.id}.pdf"):
        assert client.get(url).status_code == 404


def test_a_reader_who_may_no_longer_print_loses_the_overview(app, world):
    job = _made_for(app, world, "staff", "/briefings/overview")
    client = sign_in(app.test_client(), world.staff)
    assert client.get(f"/briefings/packs/{job.id}.pdf").status_code == 200
    world.staff.role = Role.SECTION  # sections do not print the overview
    db.session.commit()
    for url in (f"/briefings/packs/{job.id}", f"/briefings/packs/{job.id}.pdf"):
        assert client.get(url).status_code == 404


def test_another_kind_of_job_is_no_pack(app, world):
    job = Job(kind="risk.daily_snapshot", key="risk.daily_snapshot:x", arguments={})
    job.requested_by_id = world.member.id
    db.session.add(job)
    db.session.commit()
    client = sign_in(app.test_client(), world.member)
    assert client.get(f"/briefings/packs/{job.id}").status_code == 404


@pytest.mark.parametrize(
    "url", ["/states/{iso2}/briefing", "/representatives/{rep}/briefing", "/briefings/overview"]
)
def test_anonymous_visitors_asking_for_a_pack_are_sent_to_sign_in(app, world, url):
    target = url.format(iso2=world.home.state.iso2, rep=world.home.reps[0].id)
    response = app.test_client().get(target)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert pack_jobs() == []


@pytest.mark.parametrize("who", ["member", "other_member", "staff", "coordinator", "admin"])
@pytest.mark.parametrize("url", ["/states/{iso2}/briefing", "/representatives/{rep}/briefing"])
def test_everyone_signed_in_may_ask_for_a_state_pack_or_one_pager(app, world, who, url):
    client = sign_in(app.test_client(), getattr(world, who))
    target = url.format(iso2=world.other.state.iso2, rep=world.other.reps[1].id)
    response, soup = progress_page(client, target)
    assert_accessible_without_script(response, soup)
    assert RESTRICTED_MARK not in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["member", "other_member"])
def test_sections_may_not_ask_for_the_overview(app, world, who):
    client = sign_in(app.test_client(), getattr(world, who))
    assert client.get("/briefings/overview").status_code == 403
    assert pack_jobs() == []


def test_a_pack_asked_for_with_one_view_is_never_made_with_another(app, world):
    """Access gained between asking and making: the job asked for the view without
    restricted content (its key says so), so the worker makes nothing rather than the wider
    view, which would be served to that key once the access is gone again."""
    home = world.home.state
    reader = world.other_member  # another state's section: no restricted content here
    client = sign_in(app.test_client(), reader)
    progress_page(client, f"/states/{home.iso2}/briefing")
    (job,) = pack_jobs()
    assert job.arguments["restricted"] is False

    home_section = world.member.sections[0]
    reader.sections.append(home_section)  # the worker finds the reader in the home section
    db.session.commit()
    tasks.run_here(job.id)
    (job,) = pack_jobs()
    assert job.status is not JobStatus.SUCCEEDED
    assert "access changed" in (job.last_error or "")
    assert printed() == []

    reader.sections.remove(home_section)  # and out of it again, the same day
    db.session.commit()
    pdf = read(client.get(f"/states/{home.iso2}/briefing.pdf").data)
    assert RESTRICTED_MARK not in pdf.squeezed()
