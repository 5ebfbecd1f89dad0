"""Reads of the packs made on the job queue: what a pack is about, and a pack's job as
its reader may see it."""

from __future__ import annotations

from dataclasses import dataclass

from crm.auth.models import User
from crm.auth.permissions import Action, Page, may, may_see_restricted
from crm.errors import DomainError
from crm.extensions import db
from crm.jobs.models import Job
from crm.parliament.models import Representative
from crm.parliament.queries import get_representative
from crm.states.models import State
from crm.states.queries import get_state

# The task that makes a pack (crm/briefings/tasks.py): the kind of its jobs, and the
# start of their keys.
MAKE_PACK = "briefings.make_pack"

# Each pack: its print template, and what it is about (a state, a representative, or
# nothing: the overview).
TEMPLATES = {
    "state": "pdf/state.html",
    "roster": "pdf/roster.html",
    "representative": "pdf/representative.html",
    "overview": "pdf/overview.html",
}
ABOUT: dict[str, type[State] | type[Representative] | None] = {
    "state": State,
    "roster": State,
    "representative": Representative,
    "overview": None,
}


def target_of(kind: str, target_id: int | None) -> State | Representative | None:
    """The record a pack of `kind` is about (None for the overview), read as its builder
    needs it; DomainError when it is gone."""
    about = ABOUT[kind]
    if about is None:
        return None
    found: State | Representative | None
    if about is Representative:
        found = get_representative(target_id or 0)
    else:
        state = db.session.get(State, target_id or 0)
        found = get_state(state.iso2) if state is not None else None
    if found is None:
        raise DomainError("The record this pack is about no longer exists.")
    return found


def view_of(kind: str, target: State | Representative | None, reader: User | None) -> bool:
    """Whether the `kind` pack of `target` shows `reader` restricted content, as its
    builder decides (crm/briefings/packs): the overview never does."""
    if kind == "overview" or target is None:
        return False
    if isinstance(target, Representative):
        return may_see_restricted(reader, target.state_id)
    return may_see_restricted(reader, target.id)


def may_print(kind: str, target: State | Representative | None, reader: User) -> bool:
    if kind == "overview":
        return may(reader, Action.VIEW, Page.OVERVIEW_PACK)
    return may(reader, Action.PRINT, target)


@dataclass(frozen=True)
class PackJob:
    """A pack's job, with what the pack is about."""

    job: Job
    kind: str
    target: State | Representative | None


def pack_job(job_id: int, reader: User) -> PackJob | None:
    """The job making a pack, if it was made for `reader` and for what they may see now:
    they may still print its record, and their view of restricted content is the one it
    was made with. None otherwise, whether or not the job exists: another reader's pack,
    even one with less in it, is not even said to exist."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != MAKE_PACK:
        return None
    arguments = job.arguments or {}
    kind = arguments.get("pack")
    if kind not in TEMPLATES:
        return None
    # Both: the key names the reader, and the row says who asked.
    if job.requested_by_id != reader.id or arguments.get("reader") != reader.id:
        return None
    try:
        target = target_of(kind, arguments.get("target"))
    except DomainError:
        return None
    if not may_print(kind, target, reader):
        return None
    if view_of(kind, target, reader) is not bool(arguments.get("restricted")):
        return None
    return PackJob(job=job, kind=kind, target=target)
