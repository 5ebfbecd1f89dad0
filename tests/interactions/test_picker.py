"""Issue 12: a contact form a section can trust — a picker that tells homonyms apart, no
stance lost, "do not contact" enforced, a confirmation before archiving, and the contacts
list filtered by a name typed rather than a list of everyone."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.interactions.models import FollowUp, Interaction
from crm.parliament.models import Representative, StanceRecord
from tests.conftest import counting_queries, row_counts, sign_in
from tests.factories import (
    ChamberFactory,
    MembershipFactory,
    OtherNameFactory,
    RepresentativeFactory,
)
from tests.interactions.helpers import form_values, get_form, soup_of
from tests.world import build_world


def _counts() -> dict[str, int]:
    db.session.rollback()
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Interaction, StanceRecord, FollowUp, AuditEntry)
    }


def _new_url(world) -> str:
    return f"/states/{world.home.state.iso2}/interactions/new"


def _homonyms(world) -> list[Representative]:
    """Three Dragoș Sârbu in the home parliament: two chambers, two parties, three
    constituencies; one with his name in Cyrillic too."""
    home = world.home
    senate = ChamberFactory(state=home.state, name="Senate", position=2)
    seats = [
        (home.chamber, home.parties[0], "Cluj"),
        (home.chamber, home.parties[1], "Iași"),
        (senate, home.parties[0], "Bucharest"),
    ]
    people = []
    for chamber, party, constituency in seats:
        rep = RepresentativeFactory(
            state=home.state, name="Dragoș Sârbu", given_name="Dragoș", family_name="Sârbu"
        )
        MembershipFactory(
            representative=rep, chamber=chamber, party=party, constituency=constituency
        )
        people.append(rep)
    OtherNameFactory(representative=people[1], name="Драгош Сырбу", lang="ru")
    db.session.commit()
    return people


def _candidate_text(soup, rep_id: int) -> str:
    box = soup.find("input", attrs={"name": "representatives", "value": str(rep_id)})
    assert box is not None, rep_id
    return " ".join(box.find_parent("li").get_text(" ", strip=True).split())


def test_homonyms_in_the_search_results_can_be_told_apart(client, app):
    world = build_world()
    people = _homonyms(world)
    sign_in(client, world.member.email)
    for url in (
        f"{_new_url(world)}?q=sarbu",  # the form, without JavaScript
        f"/states/{world.home.state.iso2}/interactions/people?q=dragos+sarbu",  # the fragment
    ):
        soup = soup_of(client.get(url))
        texts = [_candidate_text(soup, rep.id) for rep in people]
        assert len(set(texts)) == 3, texts
        assert "Home Assembly" in texts[0]
        assert "Cluj" in texts[0]
        assert "Iași" in texts[1]
        assert "Senate" in texts[2]
        assert "Bucharest" in texts[2]
        assert (
            world.home.parties[1].name in texts[1]
            or (world.home.parties[1].abbreviation or "\0") in texts[1]
        )
        cyrillic = soup.find("span", string="Драгош Сырбу")
        assert cyrillic is not None
        assert cyrillic["lang"] == "ru"


def test_the_do_not_contact_flag_shows_beside_the_name_in_every_list(client, app):
    world = build_world()
    flagged = world.home.reps[3]
    flagged.do_not_contact = True
    db.session.commit()
    sign_in(client, world.member.email)
    for url in (
        _new_url(world),  # the chamber lists
        f"{_new_url(world)}?q={flagged.name.replace(' ', '+')}",  # a search
        f"{_new_url(world)}?representative={flagged.id}&representative={world.home.reps[2].id}",
    ):
        soup = soup_of(client.get(url))
        assert "Do not contact" in _candidate_text(soup, flagged.id), url
        if "?q=" not in url:
            assert "Do not contact" not in _candidate_text(soup, world.home.reps[2].id), url


def test_the_search_with_several_matches_makes_a_fixed_number_of_queries(client, app):
    world = build_world()
    _homonyms(world)
    sign_in(client, world.member.email)
    url = f"/states/{world.home.state.iso2}/interactions/people?q=sarbu"
    client.get(url)
    with counting_queries() as few:
        client.get(url)
    for n in range(6):
        rep = RepresentativeFactory(state=world.home.state, name=f"Ion Sârbu {n}")
        MembershipFactory(representative=rep, chamber=world.home.chamber)
        OtherNameFactory(representative=rep, name=f"Сырбу {n}")
    db.session.commit()
    with counting_queries() as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(soup_of(response).select("input[name=representatives]")) == 9
    assert many.count == few.count


def test_the_fragment_is_only_for_those_who_may_log_a_contact_in_the_state(client, app):
    world = build_world()
    url = f"/states/{world.home.state.iso2}/interactions/people?q=member"
    for who, status in (("member", 200), ("other_member", 403), ("staff", 403)):
        sign_in(client, getattr(world, who).email)
        response = client.get(url)
        assert response.status_code == status, who
        if status == 403:
            assert world.home.reps[0].name not in response.get_data(as_text=True)
    assert client.get("/states/QQQ/interactions/people?q=a").status_code == 404


def test_people_already_in_the_form_are_not_offered_again(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    rep = world.home.reps[2]
    url = f"/states/{world.home.state.iso2}/interactions/people?q=member&chosen={rep.id}"
    offered = {i["value"] for i in soup_of(client.get(url)).select("input[name=representatives]")}
    assert str(rep.id) not in offered
    assert str(world.home.reps[3].id) in offered


def test_enter_in_the_name_field_searches_and_find_comes_back_to_the_picker(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    soup = soup_of(client.get(_new_url(world)))
    form = soup.select_one("main form[method=post]")
    # Enter presses the form's first submit button: the search, never the save.
    first = form.select("button[type=submit], input[type=submit]")[0]
    assert (first["name"], first["value"]) == ("refine", "find")
    assert first["formaction"].endswith("#representatives")
    find = form.find("button", string="Find", class_="button")
    assert find["formaction"].endswith("#representatives")
    assert soup.find(id="representatives") is not None
    script = soup.find("script", src=True)
    assert script["src"].endswith("/static/js/picker.js")
    assert script.has_attr("defer")


def _ticked_without_stance(client, world):
    """The form as sent when two people are ticked in the lists and Save is pressed at
    once: no stance field was ever shown for them."""
    home = world.home
    url = _new_url(world)
    data = get_form(client, url) | {
        "representatives": [str(home.reps[2].id), str(home.reps[3].id)],
        "summary": ["Met them in the corridor."],
    }
    return url, data


def test_people_ticked_without_a_stance_choice_are_refused_by_name(client, app):
    world = build_world()
    home = world.home
    sign_in(client, world.member.email)
    url, data = _ticked_without_stance(client, world)
    before, rows = _counts(), row_counts(ignore=("user_sessions",))
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert _counts() == before
    assert row_counts(ignore=("user_sessions",)) == rows
    soup = soup_of(response)
    # Each of them comes back in the list of people met, with a stance choice and a message
    # beside it that names them.
    for rep in (home.reps[2], home.reps[3]):
        hidden = soup.find("input", attrs={"value": str(rep.id), "type": "hidden"})
        prefix = hidden["name"].removesuffix("-representative")
        error = soup.find(id=f"{prefix}-stance-error")
        assert error is not None
        assert f"Choose the stance {rep.name} showed, or “No stance seen”." in error.get_text()
        select = soup.find("select", attrs={"name": f"{prefix}-stance"})
        assert select["aria-invalid"] == "true"
        assert "No stance seen" in select.get_text()
        assert soup.find("input", attrs={"id": f"met-{rep.id}"}).has_attr("checked")
    assert soup.find("textarea", attrs={"name": "summary"}).get_text().strip() == (
        "Met them in the corridor."
    )


def test_no_stance_seen_saves_the_person_as_met_without_a_stance_record(client, app):
    world = build_world()
    home = world.home
    sign_in(client, world.member.email)
    url, data = _ticked_without_stance(client, world)
    refused = soup_of(client.post(url, data=data))
    data = form_values(refused)
    prefixes = {
        data[name][0]: name.removesuffix("-representative")
        for name in data
        if name.startswith("stances-") and name.endswith("-representative")
    }
    data[f"{prefixes[str(home.reps[2].id)]}-stance"] = ["none"]
    data[f"{prefixes[str(home.reps[3].id)]}-stance"] = ["leaning_for"]
    response = client.post(url, data=data)
    assert response.status_code == 302
    interaction = db.session.scalars(sa.select(Interaction).order_by(Interaction.id.desc())).first()
    assert {r.id for r in interaction.representatives} == {home.reps[2].id, home.reps[3].id}
    records = db.session.scalars(
        sa.select(StanceRecord).where(StanceRecord.interaction_id == interaction.id)
    ).all()
    assert [(r.representative_id, r.stance.value) for r in records] == [
        (home.reps[3].id, "leaning_for")
    ]


def _flagged_form(client, world):
    home = world.home
    flagged = home.reps[3]
    flagged.do_not_contact = True
    flagged.do_not_contact_reason = "Asked us in writing to stop."
    db.session.commit()
    url = _new_url(world)
    data = get_form(client, f"{url}?representative={flagged.id}") | {
        "summary": ["Spoke after the hearing."],
        "stances-0-stance": ["none"],
    }
    return url, data, flagged


def test_a_contact_with_someone_who_asked_not_to_be_contacted_needs_a_reason(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    url, data, flagged = _flagged_form(client, world)
    # The confirmation is there from the start, beside the people met.
    soup = soup_of(client.get(f"{url}?representative={flagged.id}"))
    block = soup.find(id="do-not-contact")
    assert block is not None
    assert not block.has_attr("hidden")
    assert "Asked us in writing to stop." in block.get_text()
    before = _counts()
    for extra, field in (
        ({}, "do_not_contact_reason"),
        ({"do_not_contact_confirmed": ["y"]}, "do_not_contact_reason"),
        (
            {"do_not_contact_reason": ["The committee chair asked us to."]},
            "do_not_contact_confirmed",
        ),
        (
            {"do_not_contact_confirmed": ["y"], "do_not_contact_reason": ["x" * 501]},
            "do_not_contact_reason",
        ),
    ):
        response = client.post(url, data=data | extra)
        assert response.status_code == 422, extra
        error = soup_of(response).find(id=f"{field}-error")
        assert error is not None, extra
        assert _counts() == before, extra
    response = client.post(url, data=data)
    assert (
        f"{flagged.name} asked not to be contacted"
        in soup_of(response).find(id="do_not_contact_reason-error").get_text()
    )


def test_with_confirmation_and_reason_the_contact_is_saved_and_the_reason_audited(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    url, data, flagged = _flagged_form(client, world)
    reason = "They called us and asked for the legal note."
    response = client.post(
        url, data=data | {"do_not_contact_confirmed": ["y"], "do_not_contact_reason": [reason]}
    )
    assert response.status_code == 302
    interaction = db.session.scalars(sa.select(Interaction).order_by(Interaction.id.desc())).first()
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "interaction.created", AuditEntry.target_id == str(interaction.id)
        )
    )
    assert entry.after["do_not_contact_override"] == {
        "reason": reason,
        "representative_ids": [flagged.id],
    }


def test_a_contact_with_nobody_flagged_keeps_no_override(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    url = _new_url(world)
    data = get_form(client, f"{url}?representative={world.home.reps[2].id}") | {
        "summary": ["A chat."],
        "stances-0-stance": ["none"],
        # A confirmation left over from someone unticked is not kept.
        "do_not_contact_confirmed": ["y"],
        "do_not_contact_reason": ["No longer relevant."],
    }
    assert client.post(url, data=data).status_code == 302
    entry = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "interaction.created")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert "do_not_contact_override" not in entry.after


def test_archiving_a_contact_asks_first(client, app):
    world = build_world()
    interaction = world.home.interaction
    sign_in(client, world.member.email)
    show = soup_of(client.get(f"/interactions/{interaction.id}"))
    # The contact's page has no one-tap archive: a link to the question.
    assert show.find("form", action=f"/interactions/{interaction.id}/archive") is None
    link = show.find("a", href=f"/interactions/{interaction.id}/archive")
    assert link is not None
    response = client.get(link["href"])
    assert response.status_code == 200
    soup = soup_of(response)
    assert "Archive this contact?" in soup.find("h1").get_text()
    assert world.home.reps[0].name in soup.find("main").get_text()
    form = soup.find("form", action=f"/interactions/{interaction.id}/archive")
    assert form["method"] == "post"
    db.session.rollback()
    assert db.session.get(Interaction, interaction.id).archived_at is None
    # Pressing the button archives it.
    response = client.post(form["action"], data=form_values(soup))
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Interaction, interaction.id).archived_at is not None
    # Asked again, it says so.
    again = client.get(f"/interactions/{interaction.id}/archive")
    assert again.status_code == 302


def test_only_those_who_may_archive_see_the_question(client, app):
    world = build_world()
    url = f"/interactions/{world.home.interaction.id}/archive"
    for who in ("other_member", "staff"):
        sign_in(client, getattr(world, who).email)
        assert client.get(url).status_code == 403, who
    assert client.get("/interactions/999999/archive").status_code == 404


def test_the_contacts_list_is_filtered_by_a_name_typed(client, app):
    world = build_world()
    home = world.home
    sign_in(client, world.member.email)
    iso2 = home.state.iso2
    everyone = soup_of(client.get(f"/states/{iso2}/interactions"))
    # A search box, not a list of every representative.
    assert everyone.find("input", attrs={"name": "person", "type": "search"}) is not None
    assert everyone.find("select", attrs={"name": "representative"}) is None

    def listed(query: str) -> set[int]:
        response = client.get(f"/states/{iso2}/interactions?{query}")
        assert response.status_code == 200, query
        return {
            int(a["href"].rsplit("/", 1)[1]) for a in soup_of(response).select("a.activity-date")
        }

    with_first = listed(f"person={home.reps[0].name.upper().replace(' ', '+')}")
    assert home.interaction.id in with_first
    assert home.restricted.id not in with_first  # met reps[1] only
    assert listed("person=nobody+of+that+name") == set()
    assert client.get(f"/states/{iso2}/interactions?person={'x' * 101}").status_code == 400
    # A link naming someone by id still works.
    assert listed(f"representative={home.reps[0].id}") == with_first


def test_other_readers_learn_nothing_of_restricted_contacts_from_the_name_filter(client, app):
    world = build_world()
    home = world.home
    sign_in(client, world.staff.email)
    body = client.get(
        f"/states/{home.state.iso2}/interactions?person={home.reps[1].name.replace(' ', '+')}"
    ).get_data(as_text=True)
    assert f"/interactions/{home.restricted.id}" not in body
    assert "0 contacts" in body or "No contacts match" in body


def test_a_follow_up_due_date_is_kept_when_refused_for_a_stance(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    url, data = _ticked_without_stance(client, world)
    due = (date.today() + timedelta(days=4)).isoformat()
    data |= {"follow_ups-0-title": ["Send the note"], "follow_ups-0-due_on": [due]}
    soup = soup_of(client.post(url, data=data))
    assert soup.find("input", attrs={"name": "follow_ups-0-due_on"})["value"] == due


def test_a_contact_form_sent_twice_saves_one_contact_and_shows_it(client, app):
    world = build_world()
    home = world.home
    sign_in(client, world.member.email)
    url, data = _ticked_without_stance(client, world)
    refused = soup_of(client.post(url, data=data))
    data = form_values(refused)
    assert data["submission_key"][0], "the form carries its key through a refusal"
    for name in [n for n in data if n.startswith("stances-") and n.endswith("-stance")]:
        data[name] = ["none"]
    before = _counts()
    first = client.post(url, data=data)
    # A double tap, or a resend after a timeout: the same form with the same key.
    again = client.post(url, data=data)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    after = _counts()
    assert after["Interaction"] == before["Interaction"] + 1
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "This contact was already saved." in shown
    contact_id = int(first.headers["Location"].split("/")[-1])
    created = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "interaction.created", AuditEntry.target_id == str(contact_id)
        )
    ).all()
    assert len(created) == 1
    met = db.session.get(Interaction, contact_id).representatives
    assert {r.id for r in met} == {home.reps[2].id, home.reps[3].id}


def test_adding_someone_who_asked_not_to_be_contacted_to_a_saved_contact_needs_a_reason(
    client, app
):
    world = build_world()
    home = world.home
    sign_in(client, world.member.email)
    flagged = home.reps[3]
    flagged.do_not_contact = True
    flagged.do_not_contact_reason = "Asked us in writing to stop."
    db.session.commit()
    contact = home.interaction
    assert flagged not in contact.representatives
    url = f"/interactions/{contact.id}/edit"
    data = get_form(client, url)
    data["representatives"] = [*data.get("representatives", []), str(flagged.id)]
    before = _counts()
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    error = soup_of(refused).find(id="do_not_contact_reason-error")
    assert f"{flagged.name} asked not to be contacted" in error.get_text()
    assert _counts() == before
    db.session.expire_all()
    assert flagged not in db.session.get(Interaction, contact.id).representatives

    reason = "They asked for the legal note at the hearing."
    data = form_values(soup_of(refused)) | {
        "do_not_contact_confirmed": ["y"],
        "do_not_contact_reason": [reason],
    }
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert flagged in db.session.get(Interaction, contact.id).representatives
    entry = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "interaction.updated", AuditEntry.target_id == str(contact.id))
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.after["do_not_contact_override"] == {
        "reason": reason,
        "representative_ids": [flagged.id],
    }
    # Someone the contact already names is not asked about again.
    again = get_form(client, url) | {"summary": ["Edited once more."]}
    assert client.post(url, data=again).status_code == 302
