"""What the interactions pages share: the blueprint and the state a URL names."""

from __future__ import annotations

from flask import Blueprint

from crm.states.models import State
from crm.states.queries import get_state
from crm.web import found

bp = Blueprint("interactions", __name__)


def state_or_404(iso2: str) -> State:
    return found(get_state(iso2, load=(State.sections,)))
