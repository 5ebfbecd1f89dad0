"""Briefing packs asked for, made once on the job queue and kept, and the audit entry of
every pack made.

A pack is made for one reader, in one language: its cover and footer name them, with the
moment and a reference that finds its audit entry again (leaks can be traced, SPEC §4),
and what it shows depends on what they may read. So a made pack is kept under a job key
naming its kind, its record, its reader, their view of restricted content, its language
(one of crm.i18n.LOCALES: an English and a French pack of the same state are two jobs and
two files) and a digest of everything it shows: its HTML written for that reader with the
moment and reference left out, the day, and the print stylesheet and fonts. The same reader
asking again for a pack none of whose records changed finds the same job, and its PDF; a
change to anything the pack shows, to the reader's view, or a new day gives a new key, a
new job and a new PDF. Two readers never share a PDF, even with the same view: the copy
would name the wrong person, and a leak of it would be traced to them.

The digest is of the HTML rather than of the records read: the HTML is exactly what the
PDF shows, whatever the builders or the templates read, and reading a pack and writing
its HTML take a few percent of making its PDF (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import record
from crm.auth.models import User
from crm.briefings import packs, stored
from crm.briefings.queries import MAKE_PACK, TEMPLATES
from crm.extensions import db
from crm.i18n import DEFAULT_LOCALE, LOCALES, language_name, marked
from crm.jobs import services as jobs
from crm.jobs.models import Job, JobStatus
from crm.parliament.models import Representative
from crm.states.models import State
from crm.text import fold

if TYPE_CHECKING:
    from crm.briefings.render import Pdf

PRINTED = "briefing.printed"
# Bumped when a PDF would change with the same HTML (a new WeasyPrint, a template filter
# that prints differently): every pack kept is then made again.
VERSION = "1"

# Each kind's name for people, of its record (`state`, `name`: the representative's), and
# the heading of its page while it is made.
_KINDS = {
    "state": marked("State briefing pack of %(state)s"),
    "roster": marked("Full roster of %(state)s"),
    "representative": marked("Representative one-pager of %(name)s (%(state)s)"),
    "overview": marked("Coordinator overview"),
}
_PREPARING = {
    "state": marked("Preparing the state briefing pack of %(state)s"),
    "roster": marked("Preparing the full roster of %(state)s"),
    "representative": marked("Preparing the representative one-pager of %(name)s (%(state)s)"),
    "overview": marked("Preparing the coordinator overview"),
}
# In the HTML the key is a digest of: what a second making of the same pack changes.
_ANY_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
_ANY_REFERENCE = "0000-0000"


def slug(text: str) -> str:
    """An ASCII file-name part: "Ștefan Țăranu" → "stefan-taranu"."""
    ascii_text = fold(text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60] or "pack"


def describe(pack: Any) -> str:
    """The pack's name as the audit log keeps it, in English: "State briefing pack of
    Romania"."""
    return _KINDS[pack.kind] % _names(pack.target)


def describe_order(kind: str, target: State | Representative | None) -> str:
    """The name for people of the `kind` pack of `target`, in the reader's language."""
    return str(_(_KINDS[kind], **_names(target)))


def preparing(kind: str, target: State | Representative | None) -> str:
    """The heading of the page of the `kind` pack of `target` while it is made."""
    return str(_(_PREPARING[kind], **_names(target)))


def _names(target: State | Representative | None) -> dict[str, str]:
    if isinstance(target, Representative):
        return {"name": target.name, "state": target.state.name}
    if target is not None:
        return {"state": target.name}
    return {}


def language(asked_in: str | None = None) -> str:
    """The language a pack is made in: `asked_in` (one of crm.i18n.LOCALES, checked by the
    caller), else the reader's (the request's locale; English outside a request)."""
    if asked_in is not None:
        if asked_in not in LOCALES:
            raise ValueError(f"no pack is made in {asked_in!r}")
        return asked_in
    found = str(get_locale() or DEFAULT_LOCALE)
    return found if found in LOCALES else DEFAULT_LOCALE


def language_of(job: Job) -> str:
    """The language a pack's job makes it in (English for a job asked before packs had
    one)."""
    code = (job.arguments or {}).get("locale")
    return code if code in LOCALES else DEFAULT_LOCALE


def download_name(pack: Any) -> str:
    """`briefing-RO-romania-2026-12-03.pdf`: what the pack is about and its day, and the
    language it is made in when not English (`…-2026-12-03-fr.pdf`; call it under the
    pack's locale)."""
    parts: list[str]
    if isinstance(pack.target, Representative):
        rep = pack.target
        parts = ["briefing", rep.state.iso2, slug(rep.name), str(rep.id)]
    elif isinstance(pack.target, State):
        parts = ["roster" if pack.kind == "roster" else "briefing", pack.target.iso2]
        parts.append(slug(pack.target.name))
    else:
        parts = ["briefing", "overview"]
    parts.append(pack.today.isoformat())
    code = str(get_locale() or DEFAULT_LOCALE)
    if code != DEFAULT_LOCALE:  # a pack in another language than English says which
        parts.append(code)
    return "-".join(parts) + ".pdf"


# --- Asking for a pack ------------------------------------------------------------------------


def build(kind: str, target: State | Representative | None, reader: User | None) -> Any:
    """What the `kind` pack of `target` shows `reader` (None: the command line)."""
    if kind == "overview":
        return packs.overview_pack(reader)
    if kind == "representative" and isinstance(target, Representative):
        return packs.representative_pack(target, reader)
    if kind == "state" and isinstance(target, State):
        return packs.state_pack(target, reader)
    if kind == "roster" and isinstance(target, State):
        return packs.roster_pack(target, reader)
    raise ValueError(f"no {kind} pack of {target!r}")


@dataclass(frozen=True)
class Asked:
    """A pack asked for: what it shows now, the key of the job that makes it, and what
    that job is told."""

    pack: Any
    key: str
    arguments: dict[str, Any]


def ask(
    kind: str,
    target: State | Representative | None,
    reader: User | None,
    *,
    via: str = "web",
    locale: str | None = None,
) -> Asked:
    """Read the `kind` pack of `target` as `reader` sees it in `locale` (by default the
    reader's language: see `language`), and name the job making it."""
    code = language(locale)
    with force_locale(code):
        pack = build(kind, target, reader)
        html = render_template(
            TEMPLATES[kind],
            pack=replace(
                pack, imprint=replace(pack.imprint, at=_ANY_MOMENT, reference=_ANY_REFERENCE)
            ),
        )
    digest = hashlib.sha256()
    for part in (VERSION, _print_files_digest(), kind, pack.today.isoformat(), html):
        digest.update(part.encode())
        digest.update(b"\0")
    restricted = bool(pack.can_see_restricted)
    target_id = target.id if target is not None else None
    reader_id = reader.id if reader is not None else None
    key = ":".join(
        [
            MAKE_PACK,
            kind,
            str(target_id or 0),
            str(reader_id or 0),
            "restricted" if restricted else "open",
            code,
            digest.hexdigest(),
        ]
    )
    arguments = {
        "pack": kind,
        "target": target_id,
        "reader": reader_id,
        "restricted": restricted,
        "locale": code,
        "via": via,
    }
    return Asked(pack=pack, key=key, arguments=arguments)


def ask_for(asked: Asked, reader: User | None, *, retry_failed: bool = False) -> Job:
    """The job making the pack asked for: the one asked for before (its PDF, when made and
    still kept, is the pack), or a new one, queued once the caller's transaction commits.
    A failed job is queued again only when `retry_failed` (a "Try again" button, the
    command line): a page that is merely reloaded must not retry a broken pack for ever."""
    job = jobs.submit(MAKE_PACK, asked.key, asked.arguments, requested_by=reader)
    if job.status is JobStatus.SUCCEEDED and stored.path_of(job) is None:
        # Made, but its file is gone (kept for a day or two, or the folder was emptied):
        # the row names nothing any more, and the same key makes it again.
        db.session.delete(job)
        db.session.flush()
        job = jobs.submit(MAKE_PACK, asked.key, asked.arguments, requested_by=reader)
    elif retry_failed and job.status is JobStatus.FAILED:
        job = jobs.retry(reader, job)
    return job


def record_printed(
    actor: Any, pack: Any, pdf: Pdf, *, via: str = "web", locale: str = DEFAULT_LOCALE
) -> AuditEntry:
    """Audit a generated pack: who, which pack of what, in which language, its reference
    and whether it held restricted content (in English, as the audit log keeps every
    entry). Written once per PDF made, in the transaction that marks its job done (a PDF
    served again from storage is the same document, with the same reference, for the same
    reader); never while laying it out."""
    entry = record(
        actor,
        PRINTED,
        pack.target,
        summary=f"{describe(pack)}, {pdf.pages} page{'' if pdf.pages == 1 else 's'}, "
        f"reference {pack.imprint.reference}"
        + ("" if locale == DEFAULT_LOCALE else f", in {language_name(locale, 'en')}")
        + (", with restricted content" if pack.can_see_restricted else "")
        + (" (command line)" if via == "cli" else ""),
        after={
            "pack": pack.kind,
            "reference": pack.imprint.reference,
            "pages": pdf.pages,
            "bytes": len(pdf.data),
            "restricted_content": bool(pack.can_see_restricted),
            "generated_at": pack.imprint.at.isoformat(),
            "via": via,
        },
    )
    db.session.flush()
    return entry


@cache
def _files_digest(static: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted([*(static / "pdf").rglob("*"), *(static / "fonts").rglob("*")]):
        if path.is_file():
            digest.update(path.relative_to(static).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _print_files_digest() -> str:
    """A digest of the print stylesheets and the fonts (read once per process): a new
    stylesheet makes every pack again."""
    return _files_digest(Path(current_app.static_folder or "").resolve())
