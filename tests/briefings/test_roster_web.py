"""A state's full roster as a pack of its own on the web (`/states/<iso2>/roster`, and the
PDF at `/states/<iso2>/roster.pdf`): every sitting member, with the state pack's
permission, restricted-content rule, job, storage and audit entry; the state pack's cut
roster appendix prints its address (no command line), and the state's page links to it.

The worlds here are small, so the state pack's cap is lowered to cut its appendix."""

from __future__ import annotations

import re
from typing import Any

import pytest

from crm.auth import permissions
from crm.auth.permissions import Action
from crm.briefings import queries, tasks
from crm.briefings.packs import state as state_packs
from crm.jobs.models import JobStatus
from tests.briefings.made import pack_jobs, printed
from tests.briefings.pdf import ReadPdf, read, squeeze
from tests.conftest import post_form, sign_in
from tests.pages import text
from tests.restricted.conftest import INSIDERS, OUTSIDERS, SECRET_MARK, SECRET_NAME, near, squeezed
from tests.restricted.conftest import world as secret_world  # noqa: F401 (a fixture)
from tests.world import RESTRICTED_MARK

PUBLIC_URL = "https://crm.example.org"
CAP = 2  # the home state has 4 sitting members


@pytest.fixture
def cut(monkeypatch):
    """The state pack's roster appendix stops at CAP members (ROSTER_CAP is 40)."""
    monkeypatch.setitem(state_packs.state_pack.__kwdefaults__, "roster_cap", CAP)


@pytest.fixture
def public_url(app, monkeypatch) -> str:
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC_URL)
    return PUBLIC_URL


def download(client, url: str, prefix: str = "roster") -> ReadPdf:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(rf'attachment; filename="{prefix}-[A-Za-z0-9-]+\.pdf"', disposition)
    return read(response.data)


def link_targets(pdf: ReadPdf) -> list[str]:
    """The addresses the PDF's links open."""
    found = []
    for page in pdf.reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and "/URI" in action:
                found.append(str(action["/URI"]))
    return found


# --- The full roster ----------------------------------------------------------------------------


def test_the_full_roster_lists_every_sitting_member_of_a_state_whose_pack_is_cut(app, world, cut):
    home = world.home
    client = sign_in(app.test_client(), world.staff)
    pack = download(client, f"/states/{home.state.iso2}/briefing.pdf", prefix="briefing")
    assert "most influential" in pack.text
    appendix = pack.text[pack.text.rfind("Appendix: roster and current stances") :]
    assert sum(rep.name in appendix for rep in home.reps) == CAP  # cut

    pdf = download(client, f"/states/{home.state.iso2}/roster.pdf")
    body = " ".join(pdf.text.split())
    for rep in home.reps:
        assert rep.name in body
    assert f"All {len(home.reps)} current members" in body
    assert "most influential" not in body
    for rep in world.other.reps:
        assert rep.name not in body
    assert pdf.reader.metadata.title == f"Roster: {home.state.name}"
    assert world.staff.email in pdf.pages[-1]
    # Audited once, as the packs are, and kept: asked again, the same PDF.
    roster_entries = [e for e in printed() if e.after["pack"] == "roster"]
    (entry,) = roster_entries
    assert entry.actor_id == world.staff.id
    assert (entry.target_type, entry.target_id) == ("states", str(home.state.id))
    assert entry.summary.startswith(f"Full roster of {home.state.name}")
    assert entry.after["reference"] in pdf.pages[-1]
    again = client.get(f"/states/{home.state.iso2}/roster.pdf")
    assert squeeze(read(again.data).text) == squeeze(pdf.text)
    assert len([e for e in printed() if e.after["pack"] == "roster"]) == 1


def test_the_roster_button_page_makes_it_as_a_job_and_moves_on_to_the_pdf(app, world):
    state = world.home.state
    client = sign_in(app.test_client(), world.member)
    ask = f"/states/{state.iso2}/roster"
    response = client.get(ask)
    assert response.status_code == 200
    (job,) = pack_jobs()
    assert job.status is JobStatus.QUEUED
    assert job.arguments["pack"] == "roster"
    assert job.arguments["restricted"] is True  # the home state's section
    assert job.key.split(":")[1:5] == ["roster", str(state.id), str(world.member.id), "restricted"]
    assert response.headers["Refresh"] == f"2; url=/briefings/packs/{job.id}"
    assert f"Preparing the full roster of {state.name}" in response.get_data(as_text=True)
    assert printed() == []

    tasks.run_here(job.id)  # what a worker does
    page = client.get(f"/briefings/packs/{job.id}")
    assert page.headers["Refresh"] == f"0; url=/briefings/packs/{job.id}.pdf"
    pdf = client.get(f"/briefings/packs/{job.id}.pdf")
    assert pdf.headers["Content-Disposition"].startswith(
        f'attachment; filename="roster-{state.iso2}-'
    )
    # The fixed address answers with the same, made once.
    assert client.get(f"/states/{state.iso2}/roster.pdf").data == pdf.data
    (entry,) = printed()
    assert entry.after["pack"] == "roster"
    assert entry.after["restricted_content"] is True


def test_a_failed_roster_is_tried_again_from_its_own_page(app, world, tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setitem(app.config, "PACKS_FOLDER", str(blocked / "packs"))
    monkeypatch.setitem(app.config, "JOBS_MAX_ATTEMPTS", 1)
    client = sign_in(app.test_client(), world.staff)
    ask = f"/states/{world.home.state.iso2}/roster"
    client.get(ask)
    (job,) = pack_jobs()
    tasks.run_here(job.id)
    page = client.get(f"/briefings/packs/{job.id}").get_data(as_text=True)
    assert f'action="{ask}"' in page  # "Try again" asks for the roster again
    blocked.unlink()
    answer = post_form(client, ask, page=f"/briefings/packs/{job.id}")
    assert answer.status_code == 303
    tasks.run_here(job.id)
    (entry,) = printed()
    assert entry.after["pack"] == "roster"


# --- Who may have it --------------------------------------------------------------------------


@pytest.fixture
def staff_may_not_print(world, monkeypatch):
    """A rule under which staff may not print a state's packs (today every role may)."""
    allowed = permissions.may

    def may(user: Any, action: Any, target: Any, *, state: Any = None) -> bool:
        if getattr(user, "id", None) == world.staff.id and Action(action) is Action.PRINT:
            return False
        return allowed(user, action, target, state=state)

    monkeypatch.setattr(permissions, "may", may)
    monkeypatch.setattr(queries, "may", may)


@pytest.mark.parametrize("suffix", ["", ".pdf"])
def test_the_roster_is_refused_to_a_reader_who_may_not_print_the_state_pack(
    app, world, staff_may_not_print, suffix
):
    iso2 = world.home.state.iso2
    client = sign_in(app.test_client(), world.staff)
    assert client.get(f"/states/{iso2}/briefing{suffix}").status_code == 403
    assert client.get(f"/states/{iso2}/roster{suffix}").status_code == 403
    assert pack_jobs() == []
    assert printed() == []
    page = client.get(f"/states/{iso2}").get_data(as_text=True)
    assert f'href="/states/{iso2}/roster"' not in page
    assert f'href="/states/{iso2}/briefing"' not in page


def test_the_roster_of_another_readers_job_does_not_exist_for_them(app, world):
    client = sign_in(app.test_client(), world.member)
    client.get(f"/states/{world.home.state.iso2}/roster")
    (job,) = pack_jobs()
    tasks.run_here(job.id)
    other = sign_in(app.test_client(), world.staff)
    assert other.get(f"/briefings/packs/{job.id}").status_code == 404
    assert other.get(f"/briefings/packs/{job.id}.pdf").status_code == 404


def test_an_unknown_state_has_no_roster_and_a_visitor_signs_in_first(app, world):
    client = sign_in(app.test_client(), world.staff)
    for url in ("/states/00/briefing.pdf", "/states/00/roster.pdf", "/states/00/roster"):
        assert client.get(url).status_code == 404, url
    iso2 = world.home.state.iso2
    lower = client.get(f"/states/{iso2.lower()}/roster.pdf")
    assert lower.status_code == 301
    assert lower.headers["Location"].endswith(f"/states/{iso2}/roster.pdf")
    for url in (f"/states/{iso2}/roster.pdf", f"/states/{iso2}/roster"):
        response = app.test_client().get(url)
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
    assert printed() == []


@pytest.mark.parametrize(("who", "sees"), [("staff", False), ("member", True)])
def test_the_roster_shows_a_restricted_stances_day_only_to_those_allowed(app, world, who, sees):
    rep = world.home.reps[1]  # their stance was observed in the restricted meeting
    assert rep.stance_restricted
    assert rep.stance_on is not None
    day = rep.stance_on.strftime("%d %b %Y")
    client = sign_in(app.test_client(), getattr(world, who))
    pdf = download(client, f"/states/{world.home.state.iso2}/roster.pdf")
    line = next(line for line in pdf.text.splitlines() if rep.name in line)
    assert (day in line) is sees, line
    assert RESTRICTED_MARK not in pdf.squeezed()


# In a PDF's text, a table row is a line or two: "near" is that close.
PDF_NEAR = 300


@pytest.mark.parametrize("who", OUTSIDERS)
def test_the_roster_links_the_restricted_contact_to_nobody(secret_world, who):  # noqa: F811
    world = secret_world
    text_ = read(world.get(who, f"/states/{world.iso2}/roster.pdf").data).text
    assert SECRET_NAME in text_
    for line in text_.splitlines():
        if SECRET_MARK in line:
            assert world.traces_in(line) == [], line
    assert near(squeezed(text_), SECRET_MARK, world.trace_pattern(), PDF_NEAR) == []


@pytest.mark.parametrize("who", INSIDERS)
def test_the_roster_shows_the_restricted_stances_day_to_those_allowed(secret_world, who):  # noqa: F811
    world = secret_world
    text_ = read(world.get(who, f"/states/{world.iso2}/roster.pdf").data).text
    # The check above finds the contact's day by the person when it is there to be found.
    assert near(squeezed(text_), SECRET_MARK, world.trace_pattern(), PDF_NEAR) != []


# --- Where the state pack and the state's page say it is --------------------------------------


def test_a_cut_state_pack_prints_the_rosters_address_and_no_command(app, world, cut, public_url):
    iso2 = world.home.state.iso2
    client = sign_in(app.test_client(), world.staff)
    pdf = download(client, f"/states/{iso2}/briefing.pdf", prefix="briefing")
    address = f"{public_url}/states/{iso2}/roster"
    assert address in pdf.squeezed()
    assert address in link_targets(pdf)  # and a link, for those reading it on a screen
    assert "flask" not in pdf.text.lower()
    assert "--roster" not in pdf.text


def test_a_state_pack_with_every_member_points_nowhere(app, world, public_url):
    iso2 = world.home.state.iso2
    client = sign_in(app.test_client(), world.staff)
    pdf = download(client, f"/states/{iso2}/briefing.pdf", prefix="briefing")
    assert f"All {len(world.home.reps)} current members" in " ".join(pdf.text.split())
    assert f"/states/{iso2}/roster" not in pdf.squeezed()
    assert "flask" not in pdf.text.lower()


def test_the_state_page_links_to_the_full_roster(app, world):
    from bs4 import BeautifulSoup

    iso2 = world.home.state.iso2
    client = sign_in(app.test_client(), world.staff)
    soup = BeautifulSoup(client.get(f"/states/{iso2}").get_data(as_text=True), "html.parser")
    link = soup.select_one(f'main a[href="/states/{iso2}/roster"]')
    assert link is not None
    assert text(link).startswith("Full roster (PDF)")
    # Next to the briefing pack's.
    assert link.find_parent("p").select_one(f'a[href="/states/{iso2}/briefing"]') is not None


def test_a_cut_pack_made_outside_a_request_prints_the_same_address(
    app, runner, world, cut, public_url, tmp_path
):
    """A worker and the command line have no request to take a host from: the address
    comes from PUBLIC_URL, as in the web's packs. `crm briefings --roster` still writes the
    full roster, for scripts."""
    iso2 = world.home.state.iso2
    result = runner.invoke(
        args=["crm", "briefings", "--state", iso2, "--roster", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    pack = read(next(tmp_path.glob(f"briefing-{iso2}-*.pdf")).read_bytes())
    assert f"{public_url}/states/{iso2}/roster" in pack.squeezed()
    assert "flask" not in pack.text.lower()
    roster = read(next(tmp_path.glob(f"roster-{iso2}-*.pdf")).read_bytes())
    for rep in world.home.reps:
        assert rep.name in roster.text
