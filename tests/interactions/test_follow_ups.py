"""Follow-ups: "my follow-ups", the state's list, done / cancelled / reopened, editing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.interactions.models import FollowUp, FollowUpStatus
from tests.conftest import csrf_token, login, sign_in
from tests.factories import PASSWORD, FollowUpFactory
from tests.interactions.helpers import form_values, get_form, soup_of
from tests.world import build_world


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def _fresh(follow_up_id: int) -> FollowUp:
    db.session.expire_all()
    return db.session.get(FollowUp, follow_up_id)


def _post(client, url: str, data: dict | None = None):
    token = csrf_token(client.get("/account").get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def test_my_follow_ups_put_the_overdue_first_then_the_rest_by_due_date(client, app):
    world = build_world()
    state, member = world.home.state, world.member
    today = date.today()

    def make(title, days, **kwargs):
        due = today + timedelta(days=days) if days is not None else None
        return FollowUpFactory(state=state, title=title, due_on=due, assignee=member, **kwargs)

    make("In ten days", 10)
    make("Undated", None)
    make("Five days late", -5)
    make("Tomorrow", 1)
    make("One day late", -1)
    make("Done already", -3, status=FollowUpStatus.DONE)
    make("Cancelled", 2, status=FollowUpStatus.CANCELLED)
    FollowUpFactory(state=state, title="Someone else's", due_on=today, assignee=world.other_member)
    sign_in(client, member.email)

    soup = soup_of(client.get("/follow-ups"))
    open_titles = [t.get_text() for t in soup.select("#open-heading ~ ul .activity-title strong")]
    mine = ["Five days late", "One day late", "Tomorrow", "In ten days", "Undated"]
    assert [t for t in open_titles if t in mine] == mine
    # The world's two follow-ups (due in a week) sit between tomorrow and ten days.
    assert open_titles.index("Home open follow-up") == 3
    overdue = [
        item.select_one(".activity-title").get_text(strip=True)
        for item in soup.select("#open-heading ~ ul > li.is-overdue")
    ]
    assert overdue == ["Five days late", "One day late"]
    closed = soup.select_one("details.closed-follow-ups")
    assert {"Done already", "Cancelled"} <= {s.get_text() for s in closed.select("strong")}
    assert "Someone else's" not in soup.get_text()


def test_marking_done_cancelling_and_reopening_are_audited(client, app):
    world = build_world()
    follow_up = world.home.follow_up
    sign_in(client, world.member.email)

    response = _post(client, f"/follow-ups/{follow_up.id}/done", {"next": "/follow-ups"})
    assert (response.status_code, response.headers["Location"]) == (302, "/follow-ups")
    saved = _fresh(follow_up.id)
    assert saved.status is FollowUpStatus.DONE
    assert saved.completed_at is not None
    [entry] = _audit("follow_up.done")
    assert (entry.actor_id, entry.after["status"]) == (world.member.id, "done")

    # Done twice is refused, and says why.
    response = _post(client, f"/follow-ups/{follow_up.id}/done", {"next": "/follow-ups"})
    assert response.status_code == 302
    assert "already done" in client.get("/follow-ups").get_data(as_text=True)
    assert len(_audit("follow_up.done")) == 1

    assert _post(client, f"/follow-ups/{follow_up.id}/reopen").status_code == 302
    saved = _fresh(follow_up.id)
    assert saved.status is FollowUpStatus.OPEN
    assert saved.completed_at is None
    assert _post(client, f"/follow-ups/{follow_up.id}/cancel").status_code == 302
    assert _fresh(follow_up.id).status is FollowUpStatus.CANCELLED
    assert len(_audit("follow_up.reopened")) == len(_audit("follow_up.cancelled")) == 1


def test_the_way_back_after_a_button_never_leaves_the_site(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    response = _post(
        client, f"/follow-ups/{world.home.follow_up.id}/done", {"next": "//evil.example/x"}
    )
    assert response.headers["Location"] == "/follow-ups"


# Coordinators keep follow-ups in any state: tests/activity/test_coordinator_contacts.py
@pytest.mark.parametrize("who", ["other_member", "staff"])
def test_others_may_not_change_a_follow_up(client, app, who):
    world = build_world()
    follow_up = world.home.follow_up
    login(client, getattr(world, who).email, PASSWORD)
    for action in ("done", "cancel", "reopen"):
        assert _post(client, f"/follow-ups/{follow_up.id}/{action}").status_code == 403
    assert client.get(f"/follow-ups/{follow_up.id}/edit").status_code == 403
    assert _fresh(follow_up.id).status is FollowUpStatus.OPEN
    assert _post(client, "/follow-ups/999999/done").status_code == 404


def test_a_states_follow_ups_show_the_open_ones_with_the_overdue_marked(client, app):
    world = build_world()
    state = world.home.state
    FollowUpFactory(state=state, title="Late one", due_on=date.today() - timedelta(days=2))
    FollowUpFactory(state=state, title="Closed one", status=FollowUpStatus.DONE)
    FollowUpFactory(state=world.other.state, title="Elsewhere")
    sign_in(client, world.staff.email)

    soup = soup_of(client.get(f"/states/{state.iso2}/follow-ups"))
    items = soup.select("main ul.activity > li")
    titles = [i.select_one(".activity-title") for i in items]
    texts = [t.get_text(strip=True) if t else "(restricted)" for t in titles]
    assert texts[0] == "Late one"
    assert "is-overdue" in items[0]["class"]
    assert "Closed one" not in texts
    assert "Elsewhere" not in texts
    assert "Home open follow-up" in texts
    # Staff read, but change nothing: no buttons.
    assert soup.select("main ul.activity form") == []

    done = soup_of(client.get(f"/states/{state.iso2}/follow-ups?status=done"))
    assert "Closed one" in done.get_text()
    assert client.get(f"/states/{state.iso2}/follow-ups?status=lost").status_code == 400


def test_a_follow_up_about_a_representative_without_a_contact(client, app):
    world = build_world()
    rep = world.home.reps[2]
    sign_in(client, world.member.email)
    url = f"/follow-ups/new?state={world.home.state.iso2}"
    data = get_form(client, f"{url}&representative={rep.id}")
    assert data["representative"] == [str(rep.id)]
    assert data["assignee"] == [str(world.member.id)]
    due = date.today() + timedelta(days=4)
    data |= {"title": ["Ask for the committee timetable"], "due_on": [due.isoformat()]}
    response = client.post(url, data=data)
    assert (response.status_code, response.headers["Location"]) == (
        302,
        f"/representatives/{rep.id}",
    )
    follow_up = db.session.scalar(
        sa.select(FollowUp).where(FollowUp.title == "Ask for the committee timetable")
    )
    assert (follow_up.representative_id, follow_up.interaction_id, follow_up.due_on) == (
        rep.id,
        None,
        due,
    )
    [entry] = _audit("follow_up.created")
    assert entry.actor_id == world.member.id
    rep_page = client.get(f"/representatives/{rep.id}").get_data(as_text=True)
    assert "Ask for the committee timetable" in rep_page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": [""]}, "title"),
        ({"title": ["x" * 301]}, "title"),
        ({"details": ["x" * 5001]}, "details"),
        ({"due_on": ["2026-02-30"]}, "due_on"),
        ({"due_on": ["{yesterday}"]}, "due_on"),
        ({"due_on": ["2099-01-01"]}, "due_on"),
        ({"assignee": ["{staff}"]}, "assignee"),
        ({"assignee": ["{other_member}"]}, "assignee"),
        ({"representative": ["{other_rep}"]}, "representative"),
        ({"representative": ["abc"]}, "representative"),
    ],
)
def test_a_bad_follow_up_is_refused_next_to_the_field(client, app, changes, field):
    world = build_world()
    sign_in(client, world.member.email)
    url = f"/follow-ups/new?state={world.home.state.iso2}"
    names = {
        "{yesterday}": (date.today() - timedelta(days=1)).isoformat(),
        "{staff}": str(world.staff.id),
        "{other_member}": str(world.other_member.id),
        "{other_rep}": str(world.other.reps[0].id),
    }
    data = get_form(client, url) | {"title": ["Call back"]}
    data |= {key: [names.get(v, v) for v in values] for key, values in changes.items()}
    count = db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp))
    response = client.post(url, data=data)
    assert response.status_code == 422
    soup = soup_of(response)
    assert soup.find(id=f"{field}-error").get_text(strip=True)
    assert soup.find(attrs={"name": field}).get("aria-invalid") == "true"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == count
    assert _audit("follow_up.created") == []


def test_a_follow_up_needs_a_state_the_user_works_on(client, app):
    world = build_world()
    sign_in(client, world.member.email)
    assert client.get("/follow-ups/new").status_code == 404
    assert client.get("/follow-ups/new?state=QQ1").status_code == 404
    assert client.get(f"/follow-ups/new?state={world.other.state.iso2}").status_code == 403


def test_two_tabs_editing_one_follow_up(client, app):
    world = build_world()
    follow_up = world.home.follow_up
    sign_in(client, world.member.email)
    start = follow_up.version
    url = f"/follow-ups/{follow_up.id}/edit"
    first_tab, second_tab = get_form(client, url), get_form(client, url)
    assert client.post(url, data=first_tab | {"title": ["From tab one"]}).status_code == 302
    response = client.post(url, data=second_tab | {"title": ["From tab two"]})
    assert response.status_code == 409
    soup = soup_of(response)
    assert "From tab one" in soup.find(class_="conflict").get_text()
    assert _fresh(follow_up.id).title == "From tab one"
    assert client.post(url, data=form_values(soup)).status_code == 302
    saved = _fresh(follow_up.id)
    assert (saved.title, saved.version) == ("From tab two", start + 2)
    assert len(_audit("follow_up.updated")) == 2


def test_an_overdue_follow_up_can_be_edited_without_moving_its_date(client, app):
    world = build_world()
    late = FollowUpFactory(
        state=world.home.state,
        title="Late",
        due_on=date.today() - timedelta(days=3),
        assignee=world.member,
    )
    sign_in(client, world.member.email)
    url = f"/follow-ups/{late.id}/edit"
    response = client.post(url, data=get_form(client, url) | {"details": ["Still to do."]})
    assert response.status_code == 302
    assert _fresh(late.id).details == "Still to do."
