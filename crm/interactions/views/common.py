"""What the interactions pages share: the blueprint, the state a URL names, errors of sub-forms."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
)

from crm.errors import DomainError
from crm.forms import show_error
from crm.states.models import State
from crm.states.queries import get_state
from crm.web import found

bp = Blueprint("interactions", __name__)


def state_or_404(iso2: str) -> State:
    return found(get_state(iso2, load=(State.sections,)))


def show_list_error(form: Any, error: DomainError) -> None:
    # Errors about a whole list of sub-forms have no single field to sit next to.
    if error.field in ("stances", "follow_ups"):
        form.form_errors.append(error.message)
    else:
        show_error(form, error)
