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

Every address takes the language the pack is made in as `?lang=` (one of
crm.i18n.LOCALES; by default the reader's, and anything else is refused with a 400): an
English and a French pack are two jobs and two PDFs. A pack's page names its language and
offers the others (links, no script), and a one-pager first the representative's own
language when the CRM speaks it.

A pack's job and its PDF are shown only to the reader it was made for, while they may
still print its record and see what it shows (crm.briefings.queries.pack_job): to
anyone else it does not exist (404).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from crm.auth.models import User
from crm.auth.permissions import Action, Page
from crm.briefings import queries, services, stored, tasks
from crm.briefings.queries import PackJob
from crm.dates import format_when
from crm.db import reads_first, utcnow
from crm.extensions import db
from crm.i18n import LOCALES, language_name
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


# The words of the pages' margins, which the print stylesheet (static/pdf/pack.css) sets in
# English: said again in the pack's language by a <style> of its own (templates/pdf/base.html;
# a document's style comes before the stylesheet WeasyPrint is handed).
_COUNTERS = {"\0page\0": "counter(page)", "\0pages\0": "counter(pages)"}
_COUNTER = re.compile("(" + "|".join(map(re.escape, _COUNTERS)) + ")")


def _css_string(text: str) -> str:
    """`text` as a CSS string: quotes and backslashes escaped, and nothing that could end
    the <style> element it is written in."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>&' or not c.isprintable() else c for c in text)
    return f'"{escaped}"'


@bp.app_template_global("pack_margins")
def pack_margins() -> Markup:
    """The CSS of the margins' words in the reader's language: the marking at the top and
    "Page 3 of 12" at the foot, its counters where the translation puts them."""
    page = _("Page %(page)s of %(pages)s", page="\0page\0", pages="\0pages\0")
    parts = [_COUNTERS.get(part) or _css_string(part) for part in _COUNTER.split(page) if part]
    marking = _css_string(_("RESTRICTED · campaign use only"))
    numbers = " ".join(parts)
    css = (
        f"@page {{ @top-right {{ content: {marking}; }} @bottom-right {{ content: {numbers}; }} }}"
    )
    return Markup(css)  # noqa: S704 (every text in it is a CSS string escaped by _css_string)


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
    job_id = _asked_for(services.ask(kind, target, actor, locale=_language()), actor)
    job = tasks.wait_for(job_id)
    if job is not None and (path := stored.path_of(job)) is not None:
        return _download(job, path)
    # Still being made after the longest a request may wait, failed, or gone: the
    # progress page says which, with a way on; a script is told to come back.
    made = queries.pack_job(job_id, actor)
    if made is None:
        return _unavailable(_("The pack could not be made; please ask for it again."))
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
    asked = services.ask(kind, target, actor, locale=_language())
    if request.method == "POST":
        begin_write()  # the pack was read without holding the write lock
        job = services.ask_for(asked, actor, retry_failed=True)
        return redirect(url_for(".progress", job_id=job.id), 303)
    made = queries.pack_job(_asked_for(asked, actor), actor)
    if made is None:  # its reader's access changed in the meantime
        return _unavailable(_("Your access changed while the pack was asked for; ask again."))
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


def _language() -> str:
    """The language the pack is asked in: the address's `lang`, one of the CRM's
    languages, or by default the reader's; any other is refused (400), never guessed."""
    code = request.args.get("lang")
    if not code:
        return services.language()
    if code not in LOCALES:
        abort(400, description=_("Packs are made only in the languages the CRM speaks."))
    return code


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


def _ask_url(made: PackJob, lang: str) -> str | None:
    """Where the pack is asked for again, in `lang` (named in the address unless it is
    the reader's: what an address without one asks for)."""
    if lang == services.language():
        return _ask_url_in(made)
    return _ask_url_in(made, lang=lang)


def _ask_url_in(made: PackJob, **lang: Any) -> str | None:
    if made.kind in _ASK_STATE_KIND and isinstance(made.target, State):
        return url_for(_ASK_STATE_KIND[made.kind], iso2=made.target.iso2, **lang)
    if made.kind == "representative" and made.target is not None:
        return url_for(".ask_representative_pack", representative_id=made.target.id, **lang)
    if made.kind == "overview":
        return url_for(".ask_overview_pack", **lang)
    return None


@dataclass(frozen=True)
class Language:
    """A language a pack may be asked in, offered on its page: its code, its name in
    itself, and where the pack is asked for in it."""

    code: str
    name: str
    url: str


def _languages(made: PackJob, made_in: str) -> list[Language]:
    """The languages the pack may be asked in besides the one it is made in."""
    return [
        Language(code, language_name(code), url)
        for code in LOCALES
        if code != made_in and (url := _ask_url(made, code)) is not None
    ]


def _own_languages(made: PackJob, made_in: str) -> list[Language]:
    """The representative's own languages that the CRM speaks, in the order recorded,
    for their one-pager (besides the one it is made in)."""
    if made.kind != "representative" or not isinstance(made.target, Representative):
        return []
    codes = [tag.replace("_", "-").split("-")[0].lower() for tag in made.target.languages or []]
    return [
        Language(code, language_name(code), url)
        for code in dict.fromkeys(codes)
        if code in LOCALES and code != made_in and (url := _ask_url(made, code)) is not None
    ]


def _progress(made: PackJob, status: int = 200) -> Response:
    job = made.job
    here = url_for(".progress", job_id=job.id)
    path = stored.path_of(job) if job.status is JobStatus.SUCCEEDED else None
    pdf_url = url_for(".download", job_id=job.id) if path is not None else None
    refreshing = following.refreshing(job.status.is_open)
    made_in = services.language_of(job)
    response = Response(
        render_template(
            "briefings/progress.html",
            made=made,
            job=job,
            title=services.describe_order(made.kind, made.target),
            preparing=services.preparing(made.kind, made.target),
            made_in=made_in,
            languages=_languages(made, made_in),
            own_languages=_own_languages(made, made_in),
            pdf_url=pdf_url,
            ask_url=_ask_url(made, made_in),
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
            "errors/error.html", status=503, title=_("The pack is not available"), detail=detail
        ),
        status=503,
        mimetype="text/html",
    )
    response.headers["Retry-After"] = str(following.RETRY_AFTER_SECONDS)
    return response


def _max_attempts() -> int:
    return int(current_app.config["JOBS_MAX_ATTEMPTS"])
