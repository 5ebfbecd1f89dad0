"""The packs: asked for from a button, made on the job queue, and downloaded.

The buttons lead to `/…/briefing` (a state's full roster: `/states/<iso2>/roster`),
which asks for the pack and shows a page that says it is being prepared and moves on to
the PDF when it is ready: a `Refresh` header (no script, so the strict
Content-Security-Policy is no obstacle and nothing needs JavaScript). Asking twice finds
the same job; a pack already made for this reader from the same records is there at
once. The fixed addresses `/…/briefing.pdf` (and `/states/<iso2>/roster.pdf`) answer
with the PDF itself, for links, scripts and API users: from storage when it is current,
otherwise after waiting for its job (made in the request when no worker takes it).
Nothing is laid out inside a write transaction (crm/briefings/tasks.py).

A pack's job and its PDF are shown only to the reader it was made for, while they may
still print its record and see what it shows (crm.briefings.queries.pack_job): to
anyone else it does not exist (404).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import login_required

from crm.auth.models import User
from crm.auth.permissions import Action, Page
from crm.briefings import queries, services, stored, tasks
from crm.briefings.queries import PackJob
from crm.db import reads_first, utcnow
from crm.extensions import db
from crm.i18n import format_when
from crm.jobs import progress as following
from crm.jobs.models import Job, JobStatus
from crm.parliament.models import Representative
from crm.parliament.queries import get_representative
from crm.states.models import State
from crm.states.urls import state_page
from crm.web import begin_write, current_actor, found, permitted, side_write

bp = Blueprint("briefings", __name__)

_FILENAME = re.compile(r"[A-Za-z0-9-]+\.pdf")


@bp.app_template_filter("local_date")
def local_date(value: datetime | None, tz: str | None = None, fmt: str = "%d %b %Y") -> str:
    """The day a UTC datetime falls on in a state's time zone (no time, no zone name)."""
    if value is None:
        return ""
    return format_when(value.astimezone(ZoneInfo(tz or "UTC")), fmt)


# --- The fixed addresses: the PDF itself -----------------------------------------------------


# A state's two packs, its briefing pack and its full roster, are one view each with the
# pack's kind as a parameter: the same permission, restricted-content rule, job, storage
# and audit entry.
@bp.get("/states/<iso2>/briefing.pdf", endpoint="state_pack", defaults={"kind": "state"})
@bp.get("/states/<iso2>/roster.pdf", endpoint="roster_pack", defaults={"kind": "roster"})
@login_required
@state_page
def state_kind_pack(state: State, kind: str):
    return _pdf(kind, state, permitted(Action.PRINT, state))


@bp.get("/representatives/<int:representative_id>/briefing.pdf")
@login_required
def representative_pack(representative_id: int):
    rep = found(get_representative(representative_id))
    return _pdf("representative", rep, permitted(Action.PRINT, rep))


@bp.get("/briefings/overview.pdf")
@login_required
def overview_pack():
    return _pdf("overview", None, permitted(Action.VIEW, Page.OVERVIEW_PACK))


def _pdf(kind: str, target: State | Representative | None, actor: User) -> Response:
    job_id = _asked_for(services.ask(kind, target, actor), actor)
    job = tasks.wait_for(job_id)
    if job is not None and (path := stored.path_of(job)) is not None:
        return _download(job, path)
    # Still being made after the longest a request may wait, failed, or gone: the
    # progress page says which, with a way on; a script is told to come back.
    made = queries.pack_job(job_id, actor)
    if made is None:
        return _unavailable("The pack could not be made; please ask for it again.")
    response = _progress(made, status=503)
    response.headers["Retry-After"] = str(following.RETRY_AFTER_SECONDS)
    return response


# --- The buttons: ask, and show the progress -------------------------------------------------


@bp.route(
    "/states/<iso2>/briefing",
    methods=["GET", "POST"],
    endpoint="ask_state_pack",
    defaults={"kind": "state"},
)
@bp.route(
    "/states/<iso2>/roster",
    methods=["GET", "POST"],
    endpoint="ask_roster_pack",
    defaults={"kind": "roster"},
)
@reads_first
@login_required
@state_page
def ask_state_kind_pack(state: State, kind: str):
    return _ask(kind, state, permitted(Action.PRINT, state))


@bp.route("/representatives/<int:representative_id>/briefing", methods=["GET", "POST"])
@reads_first
@login_required
def ask_representative_pack(representative_id: int):
    rep = found(get_representative(representative_id))
    return _ask("representative", rep, permitted(Action.PRINT, rep))


@bp.route("/briefings/overview", methods=["GET", "POST"])
@reads_first
@login_required
def ask_overview_pack():
    return _ask("overview", None, permitted(Action.VIEW, Page.OVERVIEW_PACK))


def _ask(kind: str, target: State | Representative | None, actor: User) -> Response:
    """GET asks for the pack (the job asked for before, if any) and shows its progress;
    POST, the page's "Try again", also runs a failed job again."""
    asked = services.ask(kind, target, actor)
    if request.method == "POST":
        begin_write()  # the pack was read without holding the write lock
        job = services.ask_for(asked, actor, retry_failed=True)
        return redirect(url_for(".progress", job_id=job.id), 303)
    made = queries.pack_job(_asked_for(asked, actor), actor)
    if made is None:  # its reader's access changed in the meantime
        return _unavailable("Your access changed while the pack was asked for; ask again.")
    return _progress(made)


@bp.get("/briefings/packs/<int:job_id>")
@login_required
def progress(job_id: int):
    return _progress(_own(job_id))


@bp.get("/briefings/packs/<int:job_id>.pdf")
@login_required
def download(job_id: int):
    made = _own(job_id)
    path = stored.path_of(made.job) if made.job.status is JobStatus.SUCCEEDED else None
    if path is None:  # not made yet, or no longer kept: the page says which
        return redirect(url_for(".progress", job_id=job_id), 303)
    return _download(made.job, path)


# --- Inside ------------------------------------------------------------------------------------


def _asked_for(asked: services.Asked, actor: User) -> int:
    """The id of the job making the pack, found or queued in a short write of its own (a
    GET's transaction is rolled back)."""
    ids: list[int] = []
    side_write(lambda: ids.append(services.ask_for(asked, actor).id))
    return ids[0]


def _own(job_id: int) -> PackJob:
    """The pack job the signed-in user may follow, or 404 (see queries.pack_job)."""
    return found(queries.pack_job(job_id, current_actor()))


def _download(job: Job, path: Any) -> Response:
    name = (job.result or {}).get("filename")
    filename = name if isinstance(name, str) and _FILENAME.fullmatch(name) else "briefing.pdf"
    response = Response(path.read_bytes(), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# The button page of each of a state's packs.
_ASK_STATE_KIND = {"state": ".ask_state_pack", "roster": ".ask_roster_pack"}


def _ask_url(made: PackJob) -> str | None:
    """Where the pack is asked for again."""
    if made.kind in _ASK_STATE_KIND and isinstance(made.target, State):
        return url_for(_ASK_STATE_KIND[made.kind], iso2=made.target.iso2)
    if made.kind == "representative" and made.target is not None:
        return url_for(".ask_representative_pack", representative_id=made.target.id)
    if made.kind == "overview":
        return url_for(".ask_overview_pack")
    return None


def _progress(made: PackJob, status: int = 200) -> Response:
    job = made.job
    here = url_for(".progress", job_id=job.id)
    path = stored.path_of(job) if job.status is JobStatus.SUCCEEDED else None
    pdf_url = url_for(".download", job_id=job.id) if path is not None else None
    refreshing = following.refreshing(job.status.is_open)
    response = Response(
        render_template(
            "briefings/progress.html",
            made=made,
            job=job,
            title=services.describe_order(made.kind, made.target),
            pdf_url=pdf_url,
            ask_url=_ask_url(made),
            here=here,
            gone=job.status is JobStatus.SUCCEEDED and path is None,
            waited=max(int((utcnow() - job.created_at).total_seconds()), 0),
            refreshing=refreshing,
            max_attempts=_max_attempts(),
        ),
        status=status,
        mimetype="text/html",
    )
    return following.follow(response, here, refreshing=refreshing, then=pdf_url)


def _unavailable(detail: str) -> Response:
    db.session.rollback()
    response = Response(
        render_template(
            "errors/error.html", status=503, title="The pack is not available", detail=detail
        ),
        status=503,
        mimetype="text/html",
    )
    response.headers["Retry-After"] = str(following.RETRY_AFTER_SECONDS)
    return response


def _max_attempts() -> int:
    return int(current_app.config["JOBS_MAX_ATTEMPTS"])
