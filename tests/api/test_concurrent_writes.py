"""Concurrent writes through the API: each answer describes the write it answers (the request
commits after its answer is built from the row it wrote: crm.web.App), never a version
another writer made since."""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from crm.extensions import db
from crm.interactions.models import Interaction

WRITERS = 4
EDITS = 10


def test_each_answer_to_concurrent_edits_describes_its_own_write(app, bearer, world):
    interaction = world.home.interaction
    url = f"/api/v1/interactions/{interaction.id}"
    headers = bearer(world.member)
    db.session.commit()
    answers: list[tuple[int, str, dict[str, Any]]] = []
    errors: list[BaseException] = []

    def edit(writer: int) -> None:
        client = app.test_client()
        try:
            for n in range(EDITS):
                version = client.get(url, headers=headers).get_json()["version"]
                summary = f"Writer {writer}, edit {n}"
                response = client.patch(
                    url, json={"version": version, "summary": summary}, headers=headers
                )
                answers.append((response.status_code, summary, response.get_json()))
        except BaseException as error:  # a failure in a thread fails the test below
            errors.append(error)

    threads = [threading.Thread(target=edit, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    # Someone else saving first is a conflict (409); nothing else may go wrong.
    assert {status for status, _, _ in answers} <= {200, 409}
    saved = [(summary, body) for status, summary, body in answers if status == 200]
    assert len(saved) >= EDITS
    assert [body["summary"] for _, body in saved] == [summary for summary, _ in saved]
    versions = [body["version"] for _, body in saved]
    assert len(set(versions)) == len(versions)


def test_an_answer_is_built_from_the_row_its_write_produced(app, bearer, world):
    """The same, made certain: someone else saves the contact the moment this write has
    committed; the answer still shows this write, not theirs."""
    interaction = world.home.interaction
    interaction_id, version = interaction.id, interaction.version
    url = f"/api/v1/interactions/{interaction_id}"
    headers = bearer(world.member)
    db.session.commit()

    def note_this_write(session: Session, _context: Any, _instances: Any) -> None:
        if any(isinstance(obj, Interaction) for obj in session.dirty):
            session.info["wrote the contact"] = True

    def someone_else_saves(session: Session) -> None:
        if session.info.pop("wrote the contact", False):
            with db.engine.begin() as other:
                other.execute(
                    sa.update(Interaction)
                    .where(Interaction.id == interaction_id)
                    .values(summary="Someone else's", version=Interaction.version + 1)
                )

    sa.event.listen(Session, "before_flush", note_this_write)
    sa.event.listen(Session, "after_commit", someone_else_saves)
    try:
        response = app.test_client().patch(
            url, json={"version": version, "summary": "Mine"}, headers=headers
        )
    finally:
        sa.event.remove(Session, "before_flush", note_this_write)
        sa.event.remove(Session, "after_commit", someone_else_saves)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["summary"], body["version"]) == ("Mine", version + 1)
    db.session.rollback()
    assert db.session.get(Interaction, interaction_id).summary == "Someone else's"
