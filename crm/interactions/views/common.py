"""What the interactions pages share: the blueprint, the state a URL names, and who a
follow-up may be given to."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint
from flask_babel import gettext as _
from wtforms.fields import SelectChoice

from crm.auth.models import User
from crm.interactions import services
from crm.states.models import State
from crm.states.queries import get_state
from crm.web import current_actor, found

bp = Blueprint("interactions", __name__)


def state_or_404(iso2: str) -> State:
    return found(get_state(iso2, load=(State.sections,)))


def assignee_choices(
    state: State, keep: Iterable[User] = ()
) -> tuple[list[User], list[SelectChoice]]:
    """Who may do the state's follow-ups (and `keep`, already named), and them as the
    choices of an assignee field: the contact form's follow-ups and a follow-up's own form."""
    people = services.allowed_people(state, current_actor(), keep=keep)
    return people, [SelectChoice("", _("Nobody yet"))] + [
        SelectChoice(str(u.id), u.name) for u in people
    ]
