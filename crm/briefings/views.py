"""The three packs as downloads.

Each request reads what the pack shows, lays the PDF out with no write transaction open,
then writes its audit entry in a short transaction of its own: a layout of several
seconds must never hold SQLite's write lock. No entry, no PDF: if the audit cannot be
written the request fails and nothing is handed out.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, redirect, url_for
from flask_login import current_user, login_required

from crm.auth.permissions import Action, Page, require
from crm.briefings import packs, services
from crm.parliament.queries import get_representative
from crm.states.queries import get_state
from crm.text import fold
from crm.web import side_write

bp = Blueprint("briefings", __name__)


@bp.app_template_filter("local_date")
def local_date(value: datetime | None, tz: str | None = None, fmt: str = "%d %b %Y") -> str:
    """The day a UTC datetime falls on in a state's time zone (no time, no zone name)."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz or "UTC")).strftime(fmt)


def slug(text: str) -> str:
    """An ASCII file-name part: "Ștefan Țăranu" → "stefan-taranu"."""
    ascii_text = fold(text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60] or "pack"


def _actor():
    return current_user._get_current_object()


def _deliver(pack, template: str, filename: str) -> Response:
    # WeasyPrint is imported on the first pack, not with the app: it takes a second.
    from crm.briefings.render import render_pdf

    pdf = render_pdf(template, pack=pack)
    # The audit entry is written in a short transaction of its own, after the rendering:
    # never render inside a write transaction.
    side_write(lambda: services.record_printed(_actor(), pack, pdf))
    response = Response(pdf.data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/states/<iso2>/briefing.pdf")
@login_required
def state_pack(iso2: str):
    state = get_state(iso2)
    if state is None:
        abort(404)
    if iso2 != state.iso2:
        return redirect(url_for("briefings.state_pack", iso2=state.iso2), 301)
    actor = _actor()
    require(actor, Action.PRINT, state)
    pack = packs.state_pack(state, actor)
    filename = f"briefing-{state.iso2}-{slug(state.name)}-{pack.today.isoformat()}.pdf"
    return _deliver(pack, "pdf/state.html", filename)


@bp.get("/representatives/<int:representative_id>/briefing.pdf")
@login_required
def representative_pack(representative_id: int):
    rep = get_representative(representative_id)
    if rep is None:
        abort(404)
    actor = _actor()
    require(actor, Action.PRINT, rep)
    pack = packs.representative_pack(rep, actor)
    filename = f"briefing-{rep.state.iso2}-{slug(rep.name)}-{rep.id}-{pack.today.isoformat()}.pdf"
    return _deliver(pack, "pdf/representative.html", filename)


@bp.get("/briefings/overview.pdf")
@login_required
def overview_pack():
    actor = _actor()
    require(actor, Action.VIEW, Page.OVERVIEW_PACK)
    pack = packs.overview_pack(actor)
    return _deliver(pack, "pdf/overview.html", f"briefing-overview-{pack.today.isoformat()}.pdf")
