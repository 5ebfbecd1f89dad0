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

from flask import Blueprint, Response
from flask_login import login_required

from crm.auth.permissions import Action, Page
from crm.briefings import packs, services
from crm.parliament.queries import get_representative
from crm.states.models import State
from crm.states.urls import state_page
from crm.text import fold
from crm.web import current_actor, found, permitted, side_write

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


def _deliver(pack, template: str, *name: str) -> Response:
    """The pack as a PDF download, `briefing-<name>-<its day>.pdf`; its printing is audited."""
    # WeasyPrint is imported on the first pack, not with the app: it takes a second.
    from crm.briefings.render import render_pdf

    pdf = render_pdf(template, pack=pack)
    # The audit entry is written in a short transaction of its own, after the rendering:
    # never render inside a write transaction.
    side_write(lambda: services.record_printed(current_actor(), pack, pdf))
    filename = "-".join(["briefing", *name, pack.today.isoformat()]) + ".pdf"
    response = Response(pdf.data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _print(target, build, template: str, *name: str) -> Response:
    """The pack `build` makes of `target`, for a reader who may print it (else 403)."""
    actor = permitted(Action.PRINT, target)
    return _deliver(build(target, actor), template, *name)


@bp.get("/states/<iso2>/briefing.pdf")
@login_required
@state_page
def state_pack(state: State):
    return _print(state, packs.state_pack, "pdf/state.html", state.iso2, slug(state.name))


@bp.get("/representatives/<int:representative_id>/briefing.pdf")
@login_required
def representative_pack(representative_id: int):
    rep = found(get_representative(representative_id))
    name = (rep.state.iso2, slug(rep.name), str(rep.id))
    return _print(rep, packs.representative_pack, "pdf/representative.html", *name)


@bp.get("/briefings/overview.pdf")
@login_required
def overview_pack():
    actor = permitted(Action.VIEW, Page.OVERVIEW_PACK)
    return _deliver(packs.overview_pack(actor), "pdf/overview.html", "overview")
