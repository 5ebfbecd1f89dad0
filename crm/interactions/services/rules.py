"""The checks the writes about contacts and follow-ups share: when a contact may have
happened, how long its texts may be, who may be named in it (representatives met, people
taking part, a follow-up's assignee), and a follow-up's text and due date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_number
from flask_babel import gettext as _

from crm.auth.models import User
from crm.db import today, utcnow
from crm.errors import ValidationFailed
from crm.interactions import queries
from crm.interactions.models import Interaction
from crm.parliament.models import Representative
from crm.states.models import State

MAX_PEOPLE = 50
EARLIEST_CONTACT = datetime(1990, 1, 1, tzinfo=UTC)
# A phone's clock may run a little ahead of the server's.
CLOCK_SLACK = timedelta(minutes=10)
LATEST_DUE = timedelta(days=5 * 366)


def _check_occurred_at(occurred_at: datetime) -> None:
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    if occurred_at < EARLIEST_CONTACT:
        raise ValidationFailed(_("That date is too far in the past."), field="occurred_at")
    if occurred_at > utcnow() + CLOCK_SLACK:
        raise ValidationFailed(
            _("A contact cannot be logged before it happens."), field="occurred_at"
        )


def _check_text(value: str | None, *, field: str, required: str | None, limit: int) -> None:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(required, field=field)
    if len(text) > limit:
        raise ValidationFailed(
            _("At most %(limit)s characters.", limit=format_number(limit)), field=field
        )


def _representatives(
    state: State, ids: Sequence[int], *, keep: Iterable[Representative] = ()
) -> list[Representative]:
    """The representatives named by `ids`, all of `state` and not archived (unless kept)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise ValidationFailed(_("Choose at least one representative."), field="representatives")
    if len(wanted) > MAX_PEOPLE:
        raise ValidationFailed(
            _("At most %(limit)s representatives per contact.", limit=format_number(MAX_PEOPLE)),
            field="representatives",
        )
    found = queries.representatives_by_ids(wanted)
    kept = {r.id for r in keep}
    chosen = []
    for rep_id in wanted:
        rep = found.get(rep_id)
        if rep is None or rep.state_id != state.id:
            # The same answer for another state's person and for no one: ids are not a
            # way to learn what exists elsewhere.
            raise ValidationFailed(
                _(
                    "Representative %(id)s is not in the parliament of %(state)s: choose the "
                    "people met from the list.",
                    id=rep_id,
                    state=state.name,
                ),
                field="representatives",
            )
        if rep.archived_at is not None and rep.id not in kept:
            raise ValidationFailed(
                _(
                    "%(name)s's record is archived; ask an administrator to restore it first.",
                    name=rep.name,
                ),
                field="representatives",
            )
        chosen.append(rep)
    return chosen


def representatives_met(state: State, ids: Sequence[int]) -> list[Representative]:
    """The people a new contact names, checked as `record_interaction` checks them (a form
    that refuses for another reason still says what is wrong with them)."""
    return _representatives(state, ids)


def allowed_people(state: State, actor: User, *, keep: Iterable[User] = ()) -> list[User]:
    """Who may be named as taking part in, or doing, the state's work.

    The state's section members, the actor, and whoever is already named (so that an edit
    does not drop someone who has since moved to another section).
    """
    people = {u.id: u for u in queries.state_users(state)}
    for user in (actor, *keep):
        people.setdefault(user.id, user)
    return sorted(people.values(), key=lambda u: (u.name.casefold(), u.id))


def _people(
    state: State, actor: User, ids: Sequence[int], *, field: str, keep: Iterable[User] = ()
) -> list[User]:
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > MAX_PEOPLE:
        raise ValidationFailed(
            _("At most %(limit)s people.", limit=format_number(MAX_PEOPLE)), field=field
        )
    allowed = {u.id: u for u in allowed_people(state, actor, keep=keep)}
    unknown = [i for i in wanted if i not in allowed]
    if unknown:
        raise ValidationFailed(
            _(
                "Choose people from the list: only members of the section for %(state)s can be "
                "named here.",
                state=state.name,
            ),
            field=field,
        )
    return [allowed[i] for i in wanted]


def _assignee(
    state: State, actor: User, assignee_id: int | None, *, keep: User | None = None
) -> User | None:
    if assignee_id is None:
        return None
    [user] = _people(
        state, actor, [assignee_id], field="assignee", keep=[keep] if keep is not None else []
    )
    return user


def _observed_on(occurred_at: datetime, state: State) -> date:
    """The day a stance was seen: the contact's date where it happened.

    A contact early in the morning east of UTC is already "tomorrow" by the UTC calendar
    that `record_stance` checks against; it is today's observation, not a future one.
    """
    return min(occurred_at.astimezone(ZoneInfo(state.timezone)).date(), today())


def _audit_links(interaction: Interaction) -> dict[str, list[str]]:
    return {
        "representatives": [r.name for r in interaction.representatives],
        "participants": [u.email for u in interaction.participants],
    }


def _check_follow_up_text(
    title: str | None, details: str | None, *, field_prefix: str = ""
) -> None:
    _check_text(
        title, field=field_prefix or "title", required=_("Say what is to be done."), limit=300
    )
    _check_text(details, field=field_prefix or "details", required=None, limit=5_000)


def _check_due_not_too_far(due_on: date | None, *, field: str) -> None:
    if due_on is not None and due_on > today() + LATEST_DUE:
        raise ValidationFailed(_("That due date is more than five years away."), field=field)
