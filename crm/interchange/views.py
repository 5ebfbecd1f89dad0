"""Data in and out on the web: CSV and Popolo downloads, the CSV and Popolo roster uploads,
the calendar feed and the pages where people manage their calendar links and API tokens."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from crm.auth.models import TokenScope
from crm.auth.permissions import Action, Page, may, may_see_restricted, require
from crm.auth.reauth import stale_auth_redirect
from crm.auth.services import token_expires_at
from crm.db import reads_first, utcnow
from crm.interchange import calendar, csv_upload, csvio, imports, queries, roster_upload, services
from crm.interchange.csv_import import OTHER_COLUMNS, READ_ONLY_COLUMNS, TEXT_COLUMNS, CsvRejected
from crm.interchange.forms import (
    MAX_ROSTER_BYTES,
    MAX_UPLOAD_BYTES,
    ConfirmForm,
    CsvImportForm,
    PopoloImportForm,
    TokenForm,
)
from crm.interchange.popolo.export import export_chamber
from crm.jobs import progress as following
from crm.parliament.models import Representative
from crm.risk import services as risk_services
from crm.risk.queries import risk_config
from crm.saving import form_status, save
from crm.states.models import State
from crm.states.queries import get_state
from crm.states.urls import state_page
from crm.web import begin_write, current_actor, found, permitted, side_write, token_user

bp = Blueprint("interchange", __name__)

# The request of a roster upload may carry the largest roster and its form (other requests
# keep MAX_CONTENT_LENGTH): a bigger file is refused by its size next to the field.
ROSTER_REQUEST_BYTES = MAX_ROSTER_BYTES + 1024 * 1024


@bp.url_value_preprocessor
def _roster_upload_size(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Before any before_request: CSRF protection reads the form, with the limit then set.
    # Only for a signed-in user: to anyone else the app's limit stays.
    if endpoint == "interchange.import_popolo" and current_user.is_authenticated:
        request.max_content_length = max(
            ROSTER_REQUEST_BYTES, current_app.config["MAX_CONTENT_LENGTH"] or 0
        )


def _log_export(target: Any, what: str, restricted: bool = False) -> None:
    # The audit entry is written in a short transaction of its own.
    side_write(
        lambda: services.record_export(current_actor(), target, what=what, restricted=restricted)
    )


def _download(body: Any, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv(state: State, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]):
    filename = f"{state.iso2}-{name}-{g.today.isoformat()}.csv"
    # Built whole rather than streamed: the rows are read in chunks either way, and a
    # response finished inside the request cannot fail halfway through a download.
    body = "".join(csvio.csv_chunks(header, rows)).encode("utf-8")
    return _download(body, filename, "text/csv; charset=utf-8")


@bp.get("/states/<iso2>/data")
@login_required
@state_page
def state_data(state: State):
    return render_template(
        "interchange/state_data.html",
        state=state,
        may_import=may(current_actor(), Action.CREATE, Representative, state=state),
        sees_restricted=may_see_restricted(current_actor(), state.id),
    )


@bp.get("/states/<iso2>/representatives.csv")
@login_required
def representatives_csv(iso2: str):
    state = found(get_state(iso2))
    former = request.args.get("former") == "1"
    _log_export(state, f"Representatives of {state.name} (CSV{', with former' if former else ''})")
    rows = csvio.representative_rows(
        state,
        g.today,
        may_see_restricted=may_see_restricted(current_actor(), state.id),
        former=former,
        stale_days=current_app.config["STALE_STANCE_DAYS"],
    )
    return _csv(state, "representatives", csvio.REPRESENTATIVE_COLUMNS, rows)


@bp.get("/states/<iso2>/interactions.csv")
@login_required
def interactions_csv(iso2: str):
    state = found(get_state(iso2))
    allowed = may_see_restricted(current_actor(), state.id)
    _log_export(state, f"Interactions in {state.name} (CSV)", restricted=allowed)
    rows = csvio.interaction_rows(state, may_see_restricted=allowed)
    return _csv(state, "interactions", csvio.INTERACTION_COLUMNS, rows)


@bp.get("/states/<iso2>/risk/swing.csv")
@login_required
def swing_csv(iso2: str):
    """ "Who to meet next" of the state's risk page, as that reader sees it there."""
    require(current_actor(), "view", Page.DASHBOARD)
    state = found(get_state(iso2))
    result = found(risk_services.state_forecast_now(state, g.today, risk_config()))
    rows = risk_services.swing_rows(result, limit=25, reader=current_actor())
    _log_export(state, f"Who to meet next in {state.name} (CSV)")
    return _csv(state, "who-to-meet-next", csvio.SWING_COLUMNS, csvio.swing_rows(rows))


@bp.get("/states/<iso2>/events.csv")
@login_required
def events_csv(iso2: str):
    state = found(get_state(iso2))
    _log_export(state, f"Events in {state.name} (CSV)")
    return _csv(state, "events", csvio.EVENT_COLUMNS, csvio.event_rows(state))


@bp.get("/states/<iso2>/chambers/<int:chamber_id>/popolo.json")
@login_required
def chamber_popolo(iso2: str, chamber_id: int):
    state = found(get_state(iso2))
    chamber = found(queries.get_chamber(state, chamber_id))
    _log_export(chamber, f"Roster of the {chamber.name} of {state.name} (Popolo JSON)")
    body = json.dumps(export_chamber(chamber), ensure_ascii=False, indent=2) + "\n"
    filename = f"{state.iso2}-chamber-{chamber.id}.popolo.json"
    return _download(body, filename, "application/json")


@bp.route("/states/<iso2>/representatives/import", methods=["GET", "POST"])
@reads_first
@login_required
def import_csv(iso2: str):
    state = found(get_state(iso2))
    actor = permitted(Action.CREATE, Representative, state=state)
    form = CsvImportForm()
    errors: list = []
    if form.validate_on_submit():
        raw, source = _upload(form)
        if raw is not None:
            # What is wrong with the file as a whole is said at once; its rows are checked
            # against the records by a worker, as is the write: no request holds a server for
            # the seconds 20,000 rows take (crm/interchange/imports.py).
            try:
                upload = csv_upload.read_upload(raw, source)
            except CsvRejected as error:
                errors = error.errors
                form.form_errors.append(imports.nothing_imported(len(errors)))
            else:
                # The reading above held no write lock (reads_first); the job's row is
                # written under it, and sent to the queue once committed.
                begin_write()
                job = csv_upload.submit_csv_import(
                    actor,
                    state,
                    upload,
                    check_only=bool(form.check_only.data),
                    form_key=form.sent_key,
                    ip_address=request.remote_addr,
                )
                return redirect(
                    url_for("interchange.import_progress", iso2=state.iso2, job_id=job.id)
                )
    return _import_page(state, form, _roster_form(state, formdata=None), errors)


@bp.route("/states/<iso2>/representatives/import/popolo", methods=["GET", "POST"])
@reads_first
@login_required
def import_popolo(iso2: str):
    state = found(get_state(iso2))
    actor = permitted(Action.CREATE, Representative, state=state)
    form = _roster_form(state)
    if form.validate_on_submit():
        chamber = _chosen_chamber(form, state)
        raw = _roster_file(form)
        if raw is not None and chamber is not None:
            # The whole file is read here (a Popolo document is one JSON value); the import,
            # which writes as it matches, is a worker's (crm/interchange/roster_upload.py).
            try:
                upload = roster_upload.read_roster_upload(
                    raw,
                    form.roster.data.filename[:120],
                    state,
                    chamber,
                    (form.organization_id.data or "").strip() or None,
                )
            except roster_upload.RosterRejected as error:
                field = getattr(form, error.field or "roster")
                field.errors = [*field.errors, error.message]
            else:
                begin_write()
                job = roster_upload.submit_popolo_import(
                    actor,
                    state,
                    chamber,
                    upload,
                    check_only=bool(form.roster_check_only.data),
                    form_key=form.sent_key,
                )
                return redirect(
                    url_for("interchange.import_progress", iso2=state.iso2, job_id=job.id)
                )
    return _import_page(state, CsvImportForm(formdata=None), form, [])


def _import_page(state: State, form: CsvImportForm, roster_form: PopoloImportForm, errors: list):
    """The state's import page, with its two uploads (one of them sent, or neither)."""
    return render_template(
        "interchange/import_csv.html",
        state=state,
        form=form,
        roster_form=roster_form,
        errors=errors,
        columns=_column_help(),
        recent=[imports.ImportProgress(job) for job in imports.recent_imports(state)],
    ), form_status()


def _roster_form(state: State, **kwargs: Any) -> PopoloImportForm:
    form = PopoloImportForm(**kwargs)
    form.offer([(chamber.id, chamber.name) for chamber in state.chambers])
    return form


def _chosen_chamber(form: PopoloImportForm, state: State):
    chamber = queries.get_chamber(state, form.chamber.data or 0)
    if chamber is None:
        message = (
            _("Choose one of the chambers of %(state)s.", state=state.name)
            if form.chamber.data
            else _("Choose the chamber the roster is of.")
        )
        form.chamber.errors = [*form.chamber.errors, message]
    return chamber


def _roster_file(form: PopoloImportForm) -> bytes | None:
    upload = form.roster.data
    if upload is None or not getattr(upload, "filename", ""):
        form.roster.errors = [*form.roster.errors, _("Choose a Popolo JSON file.")]
        return None
    raw: bytes = upload.read(MAX_ROSTER_BYTES + 1)
    if len(raw) > MAX_ROSTER_BYTES:
        limit = MAX_ROSTER_BYTES // (1024 * 1024)
        message = _("The file is larger than %(size)d MB.", size=limit)
        form.roster.errors = [*form.roster.errors, message]
        return None
    return raw


@bp.get("/states/<iso2>/imports/<int:job_id>")
@login_required
@state_page
def import_progress(state: State, job_id: int):
    # Who may not import into this state learns nothing of its imports, nor whether this
    # id is one: refused before the job is looked up. A job that is no import (CSV or
    # Popolo), or another state's, is not found, like an id that does not exist.
    permitted(Action.CREATE, Representative, state=state)
    progress = imports.ImportProgress(found(imports.get_import(state, job_id)))
    refreshing = following.refreshing(progress.is_open)
    here = url_for(".import_progress", iso2=state.iso2, job_id=job_id)
    response = make_response(
        render_template(
            "interchange/import_progress.html",
            state=state,
            progress=progress,
            here=here,
            refreshing=refreshing,
        )
    )
    return following.follow(response, here, refreshing=refreshing)


def _upload(form: CsvImportForm) -> tuple[bytes | None, str]:
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        raw = upload.read(MAX_UPLOAD_BYTES + 1)
        source = upload.filename[:120]
    elif form.csv.data and form.csv.data.strip():
        raw = form.csv.data.encode("utf-8")
        source = imports.PASTED
    else:
        form.file.errors = [*form.file.errors, _("Choose a CSV file, or paste the rows below.")]
        return None, ""
    if len(raw) > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        message = _("The file is larger than %(size)d MB: split it.", size=limit)
        form.file.errors = [*form.file.errors, message]
        return None, ""
    return raw, source


def _column_help() -> dict[str, list[str]]:
    return {
        "text": sorted(TEXT_COLUMNS),
        "other": sorted(OTHER_COLUMNS),
        "ignored": sorted(READ_ONLY_COLUMNS),
    }


# --- The calendar feed and calendar links -----------------------------------------------------


@bp.get("/calendar.ics")
def calendar_feed():
    raw = request.args.get("token", "")
    user = token_user(raw, TokenScope.CALENDAR)
    if user is None:
        # The same answer for a wrong, revoked or expired token: nothing to probe.
        abort(404)
    body = calendar.build_feed(
        user,
        utcnow(),
        event_url=lambda e: url_for("events.show", event_id=e.id, _external=True),
        stage_url=lambda s: url_for("states.stage", stage_id=s.id, _external=True),
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="icc-campaign.ics"'
    # The URL is a credential, and the feed is one user's: no shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Calendar links and API tokens are managed alike: each kind has its page and its revoke
# route (their path, and the endpoints of the two), registered below.
TOKEN_ROUTES = {
    TokenScope.CALENDAR: ("/account/calendar", "calendar_links", "revoke_calendar_link"),
    TokenScope.API: ("/account/api-tokens", "api_tokens", "revoke_api_token"),
}
TOKEN_PAGES = {
    scope: (f"interchange.{page}", f"interchange.{revoke}")
    for scope, (_path, page, revoke) in TOKEN_ROUTES.items()
}


def _tokens_page(scope: TokenScope):
    actor = current_actor()
    if request.method == "POST":
        # A new credential needs a recent password (and code): crm.auth.reauth.
        stale = stale_auth_redirect(url_for(TOKEN_PAGES[scope][0]))
        if stale is not None:
            return stale
    form = TokenForm.for_scope(scope)
    created = created_expires_at = None
    if form.validate_on_submit():
        saved = save(
            form,
            lambda: services.create_personal_token(
                actor, name=form.name.data or "", scope=scope, days=form.days.data
            ),
        )
        if saved.ok:
            raw, token = saved.value
            if scope is TokenScope.CALENDAR:
                created = url_for("interchange.calendar_feed", token=raw, _external=True)
            else:
                created = raw
            created_expires_at = token.expires_at
            form.name.data = ""
    status = 200 if created else form_status()
    page, revoke = TOKEN_PAGES[scope]
    return render_template(
        "interchange/tokens.html",
        scope=scope.value,
        page_endpoint=page,
        revoke_endpoint=revoke,
        form=form,
        tokens=services.personal_tokens(actor, scope),
        created=created,
        created_expires_at=created_expires_at,
        now=utcnow(),
        expires_at=token_expires_at,
        revoke_form=ConfirmForm(),
    ), status


def _revoke_token(token_id: int, scope: TokenScope):
    token = queries.get_token(token_id)
    if token is None or token.scope is not scope:
        abort(404)
    actor = current_actor()
    page = TOKEN_PAGES[scope][0]
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for(page))
    services.revoke_personal_token(actor, token, scope)
    if scope is TokenScope.CALENDAR:
        flash(_("The calendar link “%(name)s” no longer works.", name=token.name), "success")
    else:
        flash(_("The API token “%(name)s” no longer works.", name=token.name), "success")
    return redirect(url_for(page))


for _scope, (_path, _page, _revoke) in TOKEN_ROUTES.items():
    bp.add_url_rule(
        _path, _page, login_required(partial(_tokens_page, _scope)), methods=["GET", "POST"]
    )
    bp.add_url_rule(
        f"{_path}/<int:token_id>/revoke",
        _revoke,
        login_required(partial(_revoke_token, scope=_scope)),
        methods=["POST"],
    )


@bp.get("/admin/tokens")
@login_required
def admin_tokens():
    """Every live calendar link and API token, so an administrator can revoke a leaked one."""
    require(current_actor(), Action.VIEW, Page.USER_ADMIN)
    return render_template(
        "admin/tokens.html",
        tokens=queries.live_tokens(),
        nouns=services.TOKEN_NOUN,
        now=utcnow(),
        expires_at=token_expires_at,
        form=ConfirmForm(),
    )


@bp.post("/admin/tokens/<int:token_id>/revoke")
@login_required
def admin_revoke_token(token_id: int):
    actor = permitted(Action.VIEW, Page.USER_ADMIN)
    token = found(queries.get_token(token_id))
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("interchange.admin_tokens"))
    services.revoke_personal_token(actor, token, token.scope)
    named = {"name": token.name, "email": token.user.email}
    if token.scope is TokenScope.CALENDAR:
        flash(_("The calendar link “%(name)s” of %(email)s no longer works.", **named), "success")
    else:
        flash(_("The API token “%(name)s” of %(email)s no longer works.", **named), "success")
    return redirect(url_for("interchange.admin_tokens"))
