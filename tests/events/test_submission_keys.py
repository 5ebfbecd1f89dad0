"""The new-event form is carried out once however often it is sent: a double tap, a resend
after a timeout, two sendings at the same moment (crm.saving.save_once, crm.submissions)."""

from __future__ import annotations

import threading
import time
from typing import Any

import sqlalchemy as sa
from bs4 import BeautifulSoup
from sqlalchemy.orm import Session

from crm.audit.models import AuditEntry
from crm.events.models import Event
from crm.extensions import db
from crm.submissions import SubmissionKey
from tests.conftest import sign_in as signed_in
from tests.events.factories import form_values
from tests.events.test_workflows import WINTER


def _events() -> list[Event]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Event).order_by(Event.id)))


def _url(world) -> str:
    return f"/states/{world.home.state.iso2}/events/new"


def _form(client, world, **changes: str) -> dict[str, str]:
    data = form_values(client.get(_url(world)).text)
    return data | {
        "title": "Vigil at the parliament",
        "kind": "vigil",
        "starts_at": f"{WINTER:%Y-%m-%d}T18:00",
    } | changes  # fmt: skip


def _key_in(html: str) -> str:
    field = BeautifulSoup(html, "html.parser").select_one("input[name=submission_key]")
    assert field is not None
    assert field["type"] == "hidden"
    return str(field["value"])


def test_the_form_carries_a_fresh_key_each_time_it_is_opened(sign_in, world):
    client = sign_in("member")
    first = _key_in(client.get(_url(world)).text)
    second = _key_in(client.get(_url(world)).text)
    assert len(first) >= 20
    assert first != second


def test_sending_the_form_twice_plans_the_event_once_and_shows_it(sign_in, world):
    client = sign_in("member")
    data = _form(client, world)
    before = len(_events())
    first = client.post(_url(world), data=data)
    assert first.status_code == 302
    # A resend after a timeout: the same form, the same key.
    again = client.post(_url(world), data=data)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    events = _events()
    assert len(events) == before + 1
    assert first.headers["Location"] == f"/events/{events[-1].id}"
    created = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "event.created")
    ).all()
    assert len(created) == 1
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "This event was already saved." in shown
    assert "Vigil at the parliament" in shown


def test_a_form_shown_again_with_errors_keeps_its_key_and_saves_once_corrected(sign_in, world):
    client = sign_in("member")
    data = _form(client, world, title="")
    response = client.post(_url(world), data=data)
    assert response.status_code == 422
    assert _key_in(response.text) == data["submission_key"]
    # A rule of the service (not the form's) refused it: that sending left the key unused.
    refused = client.post(
        _url(world), data=data | {"title": "Vigil", "ends_at": f"{WINTER:%Y-%m-%d}T17:00"}
    )
    assert refused.status_code == 422
    assert "The event cannot end before it starts." in refused.text
    assert _key_in(refused.text) == data["submission_key"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionKey)) == 0
    before = len(_events())
    saved = client.post(_url(world), data=data | {"title": "Vigil"})
    assert saved.status_code == 302
    assert len(_events()) == before + 1


def test_a_key_used_for_other_values_saves_nothing_and_gives_the_form_a_new_key(sign_in, world):
    client = sign_in("member")
    data = _form(client, world)
    assert client.post(_url(world), data=data).status_code == 302
    before = len(_events())
    response = client.post(_url(world), data=data | {"title": "Something else"})
    assert response.status_code == 422
    assert "already been sent with other values" in response.text
    assert len(_events()) == before
    new_key = _key_in(response.text)
    assert new_key != data["submission_key"]
    # Sent again as shown (with its new key), it is saved: a conscious second event.
    resent = client.post(
        _url(world), data=data | {"title": "Something else", "submission_key": new_key}
    )
    assert resent.status_code == 302
    assert len(_events()) == before + 1


def test_another_user_sending_the_same_key_gets_nothing_of_the_first(app, sign_in, world):
    member = sign_in("member")
    data = _form(member, world)
    first = member.post(_url(world), data=data)
    assert first.status_code == 302
    # The admin sends a form with the member's key (seen over a shoulder, or guessed).
    admin = sign_in("admin")
    theirs = _form(admin, world) | {"submission_key": data["submission_key"]}
    before = len(_events())
    response = admin.post(_url(world), data=theirs)
    assert response.status_code == 302
    assert response.headers["Location"] != first.headers["Location"]
    assert len(_events()) == before + 1
    assert "already saved" not in admin.get(response.headers["Location"]).text


def test_a_damaged_key_is_refused_at_the_top_of_the_form(sign_in, world):
    client = sign_in("member")
    data = _form(client, world, submission_key="not a key")
    before = len(_events())
    response = client.post(_url(world), data=data)
    assert response.status_code == 422
    assert "The form was damaged; try again." in response.text
    assert _key_in(response.text) != "not a key"
    assert len(_events()) == before


def test_two_sendings_at_the_same_moment_plan_the_event_once(app, world):
    """The second sending starts while the first holds its claim uncommitted: it waits for
    the first, then answers with the first's outcome."""
    url = _url(world)
    email = world.member.email
    clients = [signed_in(app.test_client(), email) for _ in range(2)]
    data = _form(clients[0], world)
    # The same form; each session has its own CSRF token (not part of what is compared).
    sent = [data, data | {"csrf_token": _form(clients[1], world)["csrf_token"]}]
    before = len(_events())
    db.session.commit()
    claimed = threading.Event()
    answers: dict[int, Any] = {}
    errors: list[BaseException] = []

    def hold_the_claim(session: Session, _context: Any) -> None:
        if not claimed.is_set() and any(isinstance(o, SubmissionKey) for o in session.new):
            claimed.set()
            time.sleep(0.5)  # the other sending starts meanwhile and must wait for us

    def send(n: int) -> None:
        try:
            if n == 1:
                assert claimed.wait(10)
            answers[n] = clients[n].post(url, data=sent[n])
        except BaseException as error:  # a failure in a thread fails the test below
            errors.append(error)

    sa.event.listen(Session, "after_flush", hold_the_claim)
    try:
        threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sa.event.remove(Session, "after_flush", hold_the_claim)

    assert errors == []
    assert [answers[n].status_code for n in range(2)] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert len(_events()) == before + 1
