"""The three packs through the test client: content, print features, restricted content,
access and the audit entry every generation writes."""

from __future__ import annotations

import re

import pytest

from crm.briefings import stored
from crm.extensions import db
from crm.jobs.models import JobStatus
from tests.briefings.made import pack_jobs, printed
from tests.briefings.pdf import read
from tests.conftest import sign_in
from tests.world import RESTRICTED_MARK


def download(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="briefing-[A-Za-z0-9-]+\.pdf"', disposition)
    return read(response.data)


# --- The state pack -------------------------------------------------------------------------


def test_state_pack_holds_every_section_of_a_seeded_state(app, world):
    home = world.home
    client = sign_in(app.test_client(), world.staff)
    pdf = download(client, f"/states/{home.state.iso2}/briefing.pdf")
    text = " ".join(pdf.text.split())

    # Cover
    assert "STATE BRIEFING PACK" in text
    assert world.campaign.name in text
    assert home.state.name in text
    assert "RESTRICTED" in text
    # At a glance
    assert "Before parliament" in text  # agreement status
    assert home.state.rome_statute_status.label in text
    assert "probability of ratification" in text.lower()  # a label set in capitals
    assert "Committee vote" in text  # the next stage
    # Key messages
    assert "Impunity is not an option." in text
    # The parliament: chambers, parties, stance by party
    assert "Home Assembly" in text
    assert "Home Government Party" in text
    assert "Home Opposition Party" in text
    assert "Stance by party in the Home Assembly" in text
    assert "Home Foreign Affairs" in text
    # Priority targets: a profile of each
    assert "Priority targets" in text
    assert "Ask:" in text
    # Contacts of the last 90 days, events, stages and follow-ups
    assert "Home open meeting summary" in text
    assert "Home vigil" in text
    assert "Plenary vote" in text
    assert "Home open follow-up" in text
    # The roster with current stances
    for rep in home.reps:
        assert rep.name in text
    assert "Leaning for" in text
    assert "Against ratification" in text
    # Nothing of the other state's records
    assert "Other open meeting summary" not in text


def test_state_pack_print_features(app, world):
    home = world.home
    client = sign_in(app.test_client(), world.staff)
    pdf = download(client, f"/states/{home.state.iso2}/briefing.pdf")

    pages = pdf.pages
    assert len(pages) >= 6
    for number, page_text in enumerate(pages, start=1):
        # "Page X of Y" and who generated it, on every page.
        assert f"Page {number} of {len(pages)}" in page_text
        assert world.staff.email in page_text
    metadata = pdf.reader.metadata
    assert metadata.title == f"Briefing pack: {home.state.name}"
    assert world.staff.email in metadata.author
    assert home.state.name in metadata.subject
    assert pdf.language == "en"
    titles = [title for _depth, title in pdf.bookmarks()]
    for section in (
        "Contents",
        "At a glance",
        "Key messages",
        "The parliament",
        "Priority targets",
        "Contacts of the last 90 days",
        "Stages and upcoming events",
        "Open follow-ups",
        "Appendix: roster and current stances",
    ):
        assert section in titles
    assert (1, "Home Assembly") in pdf.bookmarks()  # chambers nest under the parliament
    # The table of contents gives each section's page.
    contents = " ".join(pages[1].split())
    assert re.search(r"Key messages \d+", contents)
    assert re.search(r"Appendix: roster and current stances \d+", contents)


@pytest.mark.parametrize(
    ("who", "sees"),
    [("staff", False), ("other_member", False), ("member", True), ("coordinator", True)],
)
def test_restricted_content_only_for_those_allowed(app, world, who, sees):
    client = sign_in(app.test_client(), getattr(world, who))
    pdf = download(client, f"/states/{world.home.state.iso2}/briefing.pdf")
    text = pdf.squeezed()
    assert (RESTRICTED_MARK in text) is sees
    for part in ("summary", "outcome", "follow-up"):
        assert (f"{RESTRICTED_MARK}Home-{part}" in text) is sees
    # Everyone learns that a restricted contact happened, and when.
    assert ("Itscontentisshownonlytothesection" in text) is not sees
    assert ("includesrestrictedcontacts" in text) is sees


def test_state_pack_audit_entry_names_the_pack_and_its_reference(app, world):
    state = world.home.state
    client = sign_in(app.test_client(), world.member)
    before = len(printed())
    pdf = download(client, f"/states/{state.iso2}/briefing.pdf")
    entries = printed()
    assert len(entries) == before + 1
    entry = entries[-1]
    assert entry.actor_id == world.member.id
    assert entry.actor_email == world.member.email
    assert (entry.target_type, entry.target_id, entry.state_id) == (
        "states",
        str(state.id),
        state.id,
    )
    assert entry.summary.startswith(f"State briefing pack of {state.name}")
    assert entry.after["pack"] == "state"
    assert entry.after["restricted_content"] is True
    assert entry.after["pages"] == len(pdf.pages)
    # The reference printed in every footer finds the entry again (leaks can be traced).
    assert entry.after["reference"] in pdf.pages[-1]
    assert entry.after["reference"] in entry.summary


def test_an_unchanged_pack_downloaded_again_is_served_from_storage_and_audited_once(app, world):
    client = sign_in(app.test_client(), world.staff)
    url = f"/states/{world.home.state.iso2}/briefing.pdf"
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    # The same document: the reference of its one audit entry in its footer.
    assert second.data == first.data
    (entry,) = printed()
    assert entry.after["reference"] in read(second.data).pages[-1]
    (job,) = pack_jobs()
    assert job.status is JobStatus.SUCCEEDED
    assert job.result["audit_entry"] == entry.id


def test_a_change_to_anything_the_pack_shows_makes_a_new_pack(app, world):
    client = sign_in(app.test_client(), world.staff)
    url = f"/states/{world.home.state.iso2}/briefing.pdf"
    before = download(client, url)
    world.home.interaction.summary = "Home open meeting summary, corrected"
    db.session.commit()
    after = download(client, url)
    assert "corrected" in after.text
    assert "corrected" not in before.text
    first, second = printed()
    assert first.after["reference"] != second.after["reference"]
    assert len(pack_jobs()) == 2


def test_a_change_the_pack_does_not_show_keeps_the_pack(app, world):
    client = sign_in(app.test_client(), world.staff)
    url = f"/states/{world.home.state.iso2}/briefing.pdf"
    before = client.get(url).data
    world.other.interaction.summary = "Other open meeting summary, corrected"
    db.session.commit()
    assert client.get(url).data == before
    assert len(printed()) == 1


def test_two_readers_never_share_a_pack(app, world):
    """Even with the same view (staff and another state's section see no restricted
    content here): the copy names its reader, and a leak is traced to them."""
    url = f"/states/{world.home.state.iso2}/briefing.pdf"
    texts = {}
    for who in ("member", "staff", "other_member"):
        client = sign_in(app.test_client(), getattr(world, who))
        texts[who] = download(client, url)
    for who, pdf in texts.items():
        assert getattr(world, who).email in pdf.pages[-1]
    assert RESTRICTED_MARK in texts["member"].squeezed()
    assert RESTRICTED_MARK not in texts["staff"].squeezed()
    assert RESTRICTED_MARK not in texts["other_member"].squeezed()
    assert [entry.actor_id for entry in printed()] == [
        world.member.id,
        world.staff.id,
        world.other_member.id,
    ]
    assert len({job.key for job in pack_jobs()}) == 3


def test_a_reader_whose_access_narrowed_is_never_served_the_wider_pack(app, world):
    client = sign_in(app.test_client(), world.member)
    url = f"/states/{world.home.state.iso2}/briefing.pdf"
    assert RESTRICTED_MARK in download(client, url).squeezed()
    world.member.sections = []  # no longer the home state's section
    db.session.commit()
    assert RESTRICTED_MARK not in download(client, url).squeezed()
    wider, narrower = pack_jobs()
    assert wider.arguments["restricted"] is True
    assert narrower.arguments["restricted"] is False


def test_a_pack_no_longer_kept_is_made_again(app, world):
    client = sign_in(app.test_client(), world.staff)
    url = f"/states/{world.home.state.iso2}/briefing.pdf"
    download(client, url)
    (job,) = pack_jobs()
    stored.path_of(job).unlink()
    download(client, url)
    assert len(printed()) == 2
    (remade,) = pack_jobs()
    assert stored.path_of(remade) is not None


def test_unknown_state_is_not_found(app, world):
    client = sign_in(app.test_client(), world.staff)
    assert client.get("/states/00/briefing.pdf").status_code == 404
    assert printed() == []


def test_a_state_code_in_lower_case_redirects(app, world):
    client = sign_in(app.test_client(), world.staff)
    iso2 = world.home.state.iso2
    response = client.get(f"/states/{iso2.lower()}/briefing.pdf")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/states/{iso2}/briefing.pdf")


@pytest.mark.parametrize(
    "url",
    [
        "/states/{iso2}/briefing.pdf",
        "/representatives/{rep}/briefing.pdf",
        "/briefings/overview.pdf",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(app, world, url):
    target = url.format(iso2=world.home.state.iso2, rep=world.home.reps[0].id)
    response = app.test_client().get(target)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    assert printed() == []


# --- The representative one-pager ---------------------------------------------------------


def test_representative_one_pager(app, world):
    rep = world.home.reps[0]  # chairs the foreign affairs committee, met in the open meeting
    client = sign_in(app.test_client(), world.staff)
    pdf = download(client, f"/representatives/{rep.id}/briefing.pdf")
    text = " ".join(pdf.text.split())
    assert rep.name in text
    assert "Home Assembly" in text
    assert "Home Government Party" in text
    assert "Home Foreign Affairs (chair)" in text
    assert "Stance history" in text
    assert "Public statement" in text
    assert "Home open meeting summary" in text  # recent contacts
    assert "Asks for this meeting" in text
    assert "Impunity is not an option." in text  # key messages
    assert "Home open follow-up" in text
    assert pdf.reader.metadata.title == f"Meeting brief: {rep.name}"
    assert len(pdf.pages) <= 2
    entry = printed()[-1]
    assert (entry.target_type, entry.target_id) == ("representatives", str(rep.id))
    assert entry.state_id == world.home.state.id
    assert entry.summary.startswith(f"Representative one-pager of {rep.name}")


@pytest.mark.parametrize(
    ("who", "sees"), [("staff", False), ("other_member", False), ("member", True)]
)
def test_one_pager_restricted_content_only_for_those_allowed(app, world, who, sees):
    rep = world.home.reps[1]  # met in the restricted meeting
    client = sign_in(app.test_client(), getattr(world, who))
    text = download(client, f"/representatives/{rep.id}/briefing.pdf").squeezed()
    for part in ("summary", "outcome", "stance-note", "follow-up"):
        assert (f"{RESTRICTED_MARK}Home-{part}" in text) is sees, part
    # For those who may not see it, the restricted meeting is linked to no person (SPEC §2):
    # not even as "restricted contact" or "restricted follow-up" on this person's page; the
    # stance observed there shows its value, "from a restricted source", and its month.
    assert "Restrictedcontact" not in text
    assert "Restrictedfollow-up" not in text
    assert ("fromarestrictedsource" in text.lower()) is not sees


def test_unknown_representative_is_not_found(app, world):
    client = sign_in(app.test_client(), world.staff)
    assert client.get("/representatives/999999/briefing.pdf").status_code == 404


# --- The coordinator overview ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "coordinator", "admin"])
def test_overview_for_coordinators_staff_and_admins(app, world, who):
    client = sign_in(app.test_client(), getattr(world, who))
    pdf = download(client, "/briefings/overview.pdf")
    text = " ".join(pdf.text.split())
    assert "coordinator overview" in text.lower()
    assert world.home.state.name in text
    assert world.other.state.name in text
    assert "Parliaments at a glance" in text
    assert pdf.reader.metadata.title == "Coordinator overview"
    entry = printed()[-1]
    assert entry.target_type is None
    assert entry.summary.startswith("Coordinator overview")


@pytest.mark.parametrize("who", ["member", "other_member"])
def test_section_members_may_not_print_the_overview(app, world, who):
    client = sign_in(app.test_client(), getattr(world, who))
    assert client.get("/briefings/overview.pdf").status_code == 403
    assert printed() == []


# --- Buttons ------------------------------------------------------------------------------------


def test_dashboard_offers_the_overview_only_to_those_who_may_print_it(app, world):
    client = sign_in(app.test_client(), world.coordinator)
    assert 'href="/briefings/overview"' in client.get("/dashboard").text
    client = sign_in(app.test_client(), world.member)
    assert "/briefings/overview" not in client.get("/dashboard").text


@pytest.mark.parametrize("where", ["/states/{iso2}/risk", "/states/{iso2}"])
def test_state_pages_offer_the_state_pack(app, world, where):
    client = sign_in(app.test_client(), world.staff)
    iso2 = world.home.state.iso2
    assert f'href="/states/{iso2}/briefing"' in client.get(where.format(iso2=iso2)).text


def test_a_representatives_page_offers_the_one_pager(app, world):
    client = sign_in(app.test_client(), world.staff)
    rep = world.home.reps[0]
    assert (
        f'href="/representatives/{rep.id}/briefing"'
        in client.get(f"/representatives/{rep.id}").text
    )


def test_a_state_with_nothing_recorded_still_prints(app, world):
    from tests.factories import StateFactory

    bare = StateFactory(name="Emptyland")  # no agreement, no chamber, no member
    client = sign_in(app.test_client(), world.staff)
    text = " ".join(download(client, f"/states/{bare.iso2}/briefing.pdf").text.split())
    assert "Emptyland" in text
    assert "No key messages recorded." not in text  # the campaign's messages still apply
    assert "No current members are recorded." in text
