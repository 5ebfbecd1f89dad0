"""What the API's endpoints share: the blueprint (bearer tokens, no shared caches), the
parser, routing with the documented answers, and finding the records a request names."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_smorest import Blueprint
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest, UnprocessableEntity

from crm import submissions
from crm.api import PROBLEM_JSON
from crm.api import schemas as s
from crm.api.auth import api_user, authenticate
from crm.auth.permissions import Action, may
from crm.errors import DomainError, NotFound, ValidationFailed
from crm.extensions import db
from crm.states.models import State
from crm.states.queries import get_state


class _Parser(FlaskParser):
    """webargs' parser, refusing with 400 the JSON that Python cannot read back (a number
    of thousands of digits, nesting deeper than the interpreter allows) instead of failing."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs answers these itself
        except (ValueError, RecursionError) as error:
            raise BadRequest("The JSON body holds a number too long or nesting too deep.") from (
                error
            )


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


bp = _Blueprint(
    "api",
    __name__,
    url_prefix="/api/v1",
    description="The campaign's data for other tools: the same records and rules as the pages.",
)
bp.before_request(authenticate)


@bp.after_request
def _no_shared_caches(response):
    # Answers depend on who asks and may hold restricted content.
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Authorization")
    return response


# Ids in paths: a number outside the database's 32-bit ids names no row, so routing answers
# 404 before any query runs.
ID = f"int(min=1, max={s.MAX_ID})"


View = Callable[..., Any]


def _operation(
    method: str,
    path: str,
    status: int,
    answer: Any,
    problems: tuple[int, ...],
    *,
    args: type | None = None,
    body: type | None = None,
    idempotent: bool = False,
) -> Callable[[View], View]:
    """Route an operation and document it: its answer, the problem documents it may answer
    with (401 for every one: each needs a token), and the query-string arguments or the body
    it reads, passed as keywords. Unknown query parameters are refused: a typo in a filter
    must not silently return everything. An `idempotent` one reads `Idempotency-Key`."""

    def decorate(view: View) -> View:
        for problem in (401, *problems):
            view = bp.alt_response(problem, schema=s.Problem, content_type=PROBLEM_JSON)(view)
        view = bp.response(status, answer)(view)
        if idempotent:
            view = _once_per_key(view)
            view = bp.arguments(s.IdempotencyHeader, location="headers", as_kwargs=True)(view)
        if args is not None:
            view = bp.arguments(args, location="query", as_kwargs=True, unknown=RAISE)(view)
        if body is not None:
            view = bp.arguments(body, as_kwargs=True)(view)
        return bp.route(path, methods=[method])(view)

    return decorate


def get(path: str, answer: Any, *problems: int, args: type | None = None) -> Callable[[View], View]:
    return _operation("GET", path, 200, answer, problems, args=args)


def listing(path: str, args: type, item: type, name: str) -> Callable[[View], View]:
    """A GET answering a page of `item`s (the schema `name`); a state `args` names may be
    unknown (404)."""
    return get(path, s.page_of(item, name), 404, args=args)


def post(path: str, body: type, answer: type, *problems: int) -> Callable[[View], View]:
    """A POST that makes a record and answers it (201), once per `Idempotency-Key`."""
    return _operation("POST", path, 201, answer, problems, body=body, idempotent=True)


def _once_per_key(view: View) -> View:
    """Carry out a POST once per `Idempotency-Key` of its user (crm.submissions).

    The key is claimed before the view writes, in the request's transaction, and the answer
    stored with it when it succeeds (2xx); the same request sent again answers the same
    status and body, marked `Idempotency-Replayed: true`, and writes nothing. The same key
    with another request (method, path or body) is refused with 422. Anything the view
    raises rolls the claim back with its write (crm.web.App): the key stays unused."""

    @functools.wraps(view)
    def once(*args: Any, idempotency_key: str | None = None, **kwargs: Any) -> Response:
        if idempotency_key is None:
            response: Response = view(*args, **kwargs)
            return response
        claimed = submissions.claim(api_user().id, idempotency_key, _request_fingerprint())
        if not claimed.first:
            if not claimed.same_request:
                raise _key_reused()
            return _replay(claimed.row)
        response = view(*args, **kwargs)
        if 200 <= response.status_code < 300:
            submissions.remember(
                claimed,
                response.status_code,
                location=response.headers.get("Location"),
                body=response.get_json(),
            )
        else:
            submissions.release(claimed)
        return response

    return once


def _request_fingerprint() -> str:
    # The body as parsed JSON: the same request however its JSON was spaced or ordered.
    return submissions.fingerprint(request.method, request.path, request.get_json(silent=True))


def _key_reused() -> UnprocessableEntity:
    error = UnprocessableEntity()
    error.data = {
        "messages": {
            "headers": {
                "Idempotency-Key": [
                    "This key was used for another request (another body or path). Send a "
                    "new key for a new request."
                ]
            }
        }
    }
    return error


def _replay(row: submissions.SubmissionKey) -> Response:
    response = jsonify(row.body)
    response.status_code = row.status or 201
    if row.location:
        response.headers["Location"] = row.location
    response.headers["Idempotency-Replayed"] = "true"
    return response


def patch(path: str, body: type, answer: type, *problems: int) -> Callable[[View], View]:
    return _operation("PATCH", path, 200, answer, problems, body=body)


# The services name fields as the pages' forms do; the API's bodies name these by their ids.
BODY_FIELDS = {
    "representatives": "representative_ids",
    "participants": "participant_ids",
    "representative": "representative_id",
    "assignee": "assignee_id",
    "section": "section_id",
    "stage": "stage_id",
    "do_not_contact_reason": "do_not_contact_override",
}


@contextmanager
def body_field_names(**renamed: str) -> Iterator[None]:
    """A broken rule raised in the block names its field as the request's body does (and as
    `renamed` says, where one body names a field otherwise). (The request commits at its
    end and rolls back on any error: crm.web.App.)"""
    try:
        yield
    except DomainError as error:
        if error.field:
            error.field = renamed.get(error.field) or BODY_FIELDS.get(error.field, error.field)
        raise


def find_state(iso2: str) -> State:
    found = get_state(iso2)
    if found is None:
        raise NotFound(f"No state {iso2.upper()!r}.")
    return found


def state_field(iso2: str) -> State:
    """A state named in a request body: unknown is invalid input, not a missing page."""
    found = get_state(iso2)
    if found is None:
        raise ValidationFailed(f"No state {iso2.upper()!r}.", field="state")
    return found


def named_record(model: type, record_id: int | None, *, field: str) -> Any:
    """A record named by id in a request body, or None when none is named."""
    if record_id is None:
        return None
    found = db.session.get(model, record_id)
    if found is None:
        raise ValidationFailed("No such record.", field=field)
    return found


def optional_state(args: dict[str, Any]) -> State | None:
    return find_state(args["state"]) if args.get("state") else None


def stale_days() -> int:
    return int(current_app.config["STALE_STANCE_DAYS"])


def paginate(stmt, args: dict[str, Any]):
    return db.paginate(stmt, page=args["page"], per_page=args["per_page"], error_out=False)


def shown(record: Any, missing: str) -> Any:
    """A record a path names; an archived one only to those who may restore it (to anyone
    else it is not there)."""
    if record is None or (
        record.archived_at is not None and not may(api_user(), Action.RESTORE, record)
    ):
        raise NotFound(missing)
    return record
