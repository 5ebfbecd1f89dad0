"""Briefing packs asked for, made once on the job queue and kept, and the audit entry of
every pack made.

A pack is made for one reader: its cover and footer name them, with the moment and a
reference that finds its audit entry again (leaks can be traced, SPEC §4), and what it
shows depends on what they may read. So a made pack is kept under a job key naming its
kind, its record, its reader, their view of restricted content and a digest of
everything it shows: its HTML written for that reader with the moment and reference
left out, the day, and the print stylesheet and fonts. The same reader asking again for a
pack none of whose records changed finds the same job, and its PDF; a change to anything
the pack shows, to the reader's view, or a new day gives a new key, a new job and a new
PDF. Two readers never share a PDF, even with the same view: the copy would name the
wrong person, and a leak of it would be traced to them.

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

from crm.audit.models import AuditEntry
from crm.audit.services import record
from crm.auth.models import User
from crm.briefings import packs, stored
from crm.briefings.queries import MAKE_PACK, TEMPLATES
from crm.extensions import db
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

_KINDS = {
    "state": "State briefing pack",
    "roster": "Full roster",
    "representative": "Representative one-pager",
    "overview": "Coordinator overview",
}
# In the HTML the key is a digest of: what a second making of the same pack changes.
_ANY_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
_ANY_REFERENCE = "0000-0000"


def slug(text: str) -> str:
    """An ASCII file-name part: "Ștefan Țăranu" → "stefan-taranu"."""
    ascii_text = fold(text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60] or "pack"


def describe(pack: Any) -> str:
    """The pack's name for people: "State briefing pack of Romania"."""
    return describe_order(pack.kind, pack.target)


def describe_order(kind: str, target: State | Representative | None) -> str:
    """The name for people of the `kind` pack of `target`."""
    name = _KINDS[kind]
    if isinstance(target, Representative):
        return f"{name} of {target.name} ({target.state.name})"
    if target is not None:
        return f"{name} of {target.name}"
    return name


def download_name(pack: Any) -> str:
    """`briefing-RO-romania-2026-12-03.pdf`: what the pack is about and its day."""
    parts: list[str]
    if isinstance(pack.target, Representative):
        rep = pack.target
        parts = ["briefing", rep.state.iso2, slug(rep.name), str(rep.id)]
    elif isinstance(pack.target, State):
        parts = ["roster" if pack.kind == "roster" else "briefing", pack.target.iso2]
        parts.append(slug(pack.target.name))
    else:
        parts = ["briefing", "overview"]
    return "-".join([*parts, pack.today.isoformat()]) + ".pdf"


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
    kind: str, target: State | Representative | None, reader: User | None, *, via: str = "web"
) -> Asked:
    """Read the `kind` pack of `target` as `reader` sees it, and name the job making it."""
    pack = build(kind, target, reader)
    html = render_template(
        TEMPLATES[kind],
        pack=replace(pack, imprint=replace(pack.imprint, at=_ANY_MOMENT, reference=_ANY_REFERENCE)),
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
            digest.hexdigest(),
        ]
    )
    arguments = {
        "pack": kind,
        "target": target_id,
        "reader": reader_id,
        "restricted": restricted,
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


def record_printed(actor: Any, pack: Any, pdf: Pdf, *, via: str = "web") -> AuditEntry:
    """Audit a generated pack: who, which pack of what, its reference and whether it held
    restricted content. Written once per PDF made, in the transaction that marks its job
    done (a PDF served again from storage is the same document, with the same reference,
    for the same reader); never while laying it out."""
    entry = record(
        actor,
        PRINTED,
        pack.target,
        summary=f"{describe(pack)}, {pdf.pages} page{'' if pdf.pages == 1 else 's'}, "
        f"reference {pack.imprint.reference}"
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
