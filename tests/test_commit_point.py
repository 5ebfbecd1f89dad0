"""Every request has one commit point (crm.web.App): what a view wrote is committed after it
returned, a request with a safe method keeps nothing, and an error rolls all of it back
before its page is drawn."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, has_request_context, redirect, session

from crm.auth.models import Role, Section
from crm.auth.services import live_sessions
from crm.errors import Conflict, PermissionDenied, ValidationFailed
from crm.extensions import db
from crm.saving import flash_outcome
from tests.conftest import csrf_token, sign_in
from tests.factories import UserFactory


def _sections() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Section.name).order_by(Section.name)))


def _write(name: str) -> None:
    db.session.add(Section(name=name))
    db.session.flush()


def test_a_write_that_returns_is_committed_and_a_read_keeps_nothing(own_app):
    @own_app.post("/test-write")
    def write():
        _write("Kept")
        return "written"

    @own_app.get("/test-read-that-writes")
    def read():
        _write("Not kept")
        return "read"

    client = own_app.test_client()
    own_app.config["WTF_CSRF_ENABLED"] = False

    assert client.post("/test-write").status_code == 200
    assert client.get("/test-read-that-writes").status_code == 200

    assert _sections() == ["Kept"]


def test_an_error_rolls_back_before_its_page_is_drawn(own_app):
    seen_while_drawing: list[int] = []

    @own_app.post("/test-conflict-after-a-write")
    def conflict_after_writing():
        _write("Written before the conflict")
        flash("Saved.", "success")
        raise Conflict("Someone saved first.", changes={"current_version": 2, "changes": []})

    @own_app.post("/test-refusal-after-a-write")
    def refusal_after_writing():
        _write("Written before the refusal")
        abort(403)

    @own_app.post("/test-rule-after-a-write")
    def rule_after_writing():
        _write("Written before the broken rule")
        raise ValidationFailed("Not like that.", field="name")

    @own_app.errorhandler(ValidationFailed)
    def count_while_drawing(error):
        seen_while_drawing.append(db.session.scalar(sa.select(sa.func.count(Section.id))))
        return error.message, 422

    own_app.config["WTF_CSRF_ENABLED"] = False
    client = own_app.test_client()
    sign_in(client, UserFactory(role=Role.ADMIN))

    conflict = client.post("/test-conflict-after-a-write")
    assert conflict.status_code == 409
    # The message queued before the conflict is shown neither on its page nor the next.
    assert "Saved." not in conflict.get_data(as_text=True)
    assert client.post("/test-refusal-after-a-write").status_code == 403
    assert client.post("/test-rule-after-a-write").status_code == 422

    # The page of the error saw none of the request's writes, and none was kept.
    assert seen_while_drawing == [0]
    assert _sections() == []
    with client.session_transaction() as stored:
        assert "_flashes" not in stored


def test_a_failing_commit_answers_with_an_error_and_keeps_no_message(own_app):
    @own_app.post("/test-duplicate")
    def duplicate():
        db.session.add(Section(name="Twice"))
        db.session.add(Section(name="Twice"))
        session["step"] = "saved"
        flash("Saved twice.", "success")
        return "looks fine until the commit"

    own_app.config.update(WTF_CSRF_ENABLED=False, PROPAGATE_TEST_ERRORS=False)
    client = own_app.test_client()

    response = client.post("/test-duplicate")

    assert response.status_code == 500
    assert "Saved twice." not in response.get_data(as_text=True)
    assert _sections() == []
    # The browser's session is rolled back with the database.
    with client.session_transaction() as stored:
        assert "_flashes" not in stored
        assert "step" not in stored


def test_a_message_from_an_earlier_request_is_shown_on_the_error_page(own_app):
    """A refusal rolls back its own request only: what the previous one queued (a warning
    that a recovery code was used, say) still reaches the reader."""

    @own_app.post("/test-done")
    def done():
        flash("Signed in with a recovery code.", "warning")
        return redirect("/test-refused")

    @own_app.get("/test-refused")
    def refused():
        abort(403)

    own_app.config["WTF_CSRF_ENABLED"] = False
    client = own_app.test_client()
    sign_in(client, UserFactory(role=Role.STAFF))

    response = client.post("/test-done", follow_redirects=True)

    assert response.status_code == 403
    assert "Signed in with a recovery code." in response.get_data(as_text=True)


def test_a_sign_out_whose_commit_fails_leaves_the_browser_signed_in(own_app, monkeypatch):
    """Signing out ends the server's session and the browser's together, or neither: a
    browser signed out of a session the server still honours could not end it again."""
    own_app.config["PROPAGATE_TEST_ERRORS"] = False
    client = own_app.test_client()
    user = UserFactory(role=Role.STAFF)
    sign_in(client, user)
    token = csrf_token(client.get("/account").get_data(as_text=True))

    commit = db.session.commit

    def fail() -> None:
        if has_request_context():  # the request's commit, not the test's own
            raise sa.exc.OperationalError("COMMIT", {}, Exception("the disk is full"))
        commit()

    monkeypatch.setattr(db.session, "commit", fail)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 500
    monkeypatch.undo()

    assert client.get("/account").status_code == 200
    assert live_sessions(user) != []


def test_an_error_page_sends_no_cookie_when_the_session_did_not_change(own_app):
    """Putting the session back is only for a request that changed it: otherwise every
    error page would send the cookie again (to an anonymous reader, an empty one)."""
    response = own_app.test_client().get("/no-such-page")

    assert response.status_code == 404
    assert response.headers.get("Set-Cookie") is None


def test_a_one_button_write_refused_permission_answers_403_not_a_message(own_app):
    @own_app.post("/test-refused-write")
    def refused_write():
        def write() -> None:
            raise PermissionDenied("Only administrators may do that.")

        flash_outcome(write, "Done.")
        return redirect("/account")

    own_app.config["WTF_CSRF_ENABLED"] = False
    client = own_app.test_client()
    sign_in(client, UserFactory(role=Role.STAFF))

    response = client.post("/test-refused-write")

    assert response.status_code == 403
    with client.session_transaction() as stored:
        assert "_flashes" not in stored
