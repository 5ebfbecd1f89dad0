"""Posting an upload as a browser does, and running the jobs it asked for here and now
(`run_queued_jobs`, from tests/jobs/queues.py)."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from tests.jobs.queues import run_job, run_queued_jobs

__all__ = ["post_multipart", "run_job", "run_queued_jobs"]


def post_multipart(client: FlaskClient, url: str, fields: dict) -> TestResponse:
    """POST a form with files ((content, name) pairs) as a browser does. The body is built in
    memory: the test client would spool a big one to a temporary file it never closes."""
    values = {
        name: FileStorage(io.BytesIO(value[0]), filename=value[1], content_type="text/csv")
        if isinstance(value, tuple)
        else value
        for name, value in fields.items()
    }
    boundary, body = encode_multipart(values)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
