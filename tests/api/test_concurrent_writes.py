"""Concurrent writes through the API: each answer describes the write it answers (the request
commits after its answer is built from the row it wrote: crm.web.App), never a version
another writer made since."""

from __future__ import annotations

import threading
from typing import Any

from crm.extensions import db

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
