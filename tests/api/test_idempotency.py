"""`Idempotency-Key` on every POST of the API: a request sent again is answered again, not
carried out again (crm.api.views.common, crm.submissions)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm.audit.models import AuditEntry
from crm.events.models import Event
from crm.extensions import db
from crm.submissions import KEPT_FOR, SubmissionKey

URL = "/api/v1/events"


def _body(world, **changes: Any) -> dict[str, Any]:
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    return {
        "state": world.home.state.iso2,
        "title": "Vigil before the vote",
        "kind": "vigil",
        "starts_at": starts,
    } | changes


def _count(model: type) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _post(client, headers, body, key: str | None):
    extra = {"Idempotency-Key": key} if key is not None else {}
    return client.post(URL, json=body, headers=headers | extra)


def test_a_post_sent_again_with_its_key_is_answered_again_and_written_once(client, bearer, world):
    headers = bearer(world.member)
    body = _body(world)
    before, audited = _count(Event), _count(AuditEntry)
    first = _post(client, headers, body, "retry-7f3a")
    assert first.status_code == 201
    assert "Idempotency-Replayed" not in first.headers
    # The same JSON written in another order is the same request.
    again = _post(client, headers, dict(reversed(body.items())), "retry-7f3a")
    assert again.status_code == 201
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _count(Event) == before + 1
    assert _count(AuditEntry) == audited + 1


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(client, bearer, world):
    headers = bearer(world.member)
    assert _post(client, headers, _body(world), "k-1").status_code == 201
    before = _count(Event)
    response = _post(client, headers, _body(world, title="Another vigil"), "k-1")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "Idempotency-Key" in response.get_json()["errors"]["headers"]
    assert _count(Event) == before
    # ... and so with another path.
    rep = world.home.reps[3]
    stance = {
        "stance": "undecided",
        "source": "media",
        "observed_on": str(datetime.now(UTC).date()),
    }
    response = client.post(
        f"/api/v1/representatives/{rep.id}/stances",
        json=stance,
        headers=headers | {"Idempotency-Key": "k-1"},
    )
    assert response.status_code == 422


def test_keys_are_the_users_own(client, bearer, world):
    """Another user's key is a different key: it reveals and replays nothing."""
    body = _body(world)
    first = _post(client, bearer(world.member), body, "shared-key")
    assert first.status_code == 201
    before = _count(Event)
    theirs = _post(client, bearer(world.admin), body, "shared-key")
    assert theirs.status_code == 201
    assert "Idempotency-Replayed" not in theirs.headers
    assert theirs.get_json()["id"] != first.get_json()["id"]
    assert _count(Event) == before + 1
    # A user refused the write learns nothing about the key either.
    refused = _post(client, bearer(world.other_member), body, "shared-key")
    assert refused.status_code == 403
    assert "id" not in refused.get_json()


def test_a_failed_request_leaves_its_key_unused(client, bearer, world):
    headers = bearer(world.member)
    starts = datetime.now(UTC) + timedelta(days=3)
    broken = _body(world, ends_at=(starts - timedelta(days=1)).isoformat())
    refused = _post(client, headers, broken, "try-again")
    assert refused.status_code == 422
    assert _count(SubmissionKey) == 0
    fixed = _post(client, headers, _body(world), "try-again")
    assert fixed.status_code == 201
    assert "Idempotency-Replayed" not in fixed.headers


def test_without_a_key_every_post_is_carried_out(client, bearer, world):
    headers = bearer(world.member)
    before = _count(Event)
    assert _post(client, headers, _body(world), None).status_code == 201
    assert _post(client, headers, _body(world), None).status_code == 201
    assert _count(Event) == before + 2
    assert _count(SubmissionKey) == 0


def test_a_key_that_is_too_long_or_has_spaces_is_refused(client, bearer, world):
    headers = bearer(world.member)
    before = _count(Event)
    for key in ("x" * 101, "two words"):
        response = _post(client, headers, _body(world), key)
        assert response.status_code == 422, key
        assert "Idempotency-Key" in response.get_json()["errors"]["headers"]
    assert _count(Event) == before


def test_a_key_is_forgotten_after_a_day(client, bearer, world):
    headers = bearer(world.member)
    body = _body(world)
    assert _post(client, headers, body, "old").status_code == 201
    db.session.execute(
        sa.update(SubmissionKey).values(created_at=datetime.now(UTC) - KEPT_FOR - timedelta(1))
    )
    db.session.commit()
    before = _count(Event)
    again = _post(client, headers, body, "old")
    assert again.status_code == 201
    assert "Idempotency-Replayed" not in again.headers
    assert _count(Event) == before + 1
    assert _count(SubmissionKey) == 1


def test_every_post_documents_the_header(client):
    document = client.get("/api/v1/openapi.json").get_json()
    posts = [item["post"] for item in document["paths"].values() if "post" in item]
    assert len(posts) >= 4
    for operation in posts:
        [header] = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key"
        assert header["required"] is False
        assert header["schema"]["maxLength"] == 100
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in ("get", "patch"):
                assert all(p["in"] != "header" for p in operation.get("parameters", []))


def test_two_requests_at_the_same_moment_are_carried_out_once(app, bearer, world):
    """The second request arrives while the first holds its claim uncommitted: it waits,
    then answers with the first's answer."""
    headers = bearer(world.member) | {"Idempotency-Key": "at-once"}
    body = _body(world)
    before = _count(Event)
    db.session.commit()
    claimed = threading.Event()
    answers: dict[int, Any] = {}
    errors: list[BaseException] = []

    def hold_the_claim(session: Session, _context: Any) -> None:
        if not claimed.is_set() and any(isinstance(o, SubmissionKey) for o in session.new):
            claimed.set()
            time.sleep(0.5)  # the other request starts meanwhile and must wait for us

    def send(n: int) -> None:
        try:
            if n == 1:
                assert claimed.wait(10)
            answers[n] = app.test_client().post(URL, json=body, headers=headers)
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
    assert [answers[n].status_code for n in range(2)] == [201, 201]
    assert answers[1].headers["Idempotency-Replayed"] == "true"
    assert answers[0].get_json() == answers[1].get_json()
    assert _count(Event) == before + 1
