"""Which states' forecasts a transaction changes.

The services that write what the forecast reads (stances, seats, stages, votes, an
agreement, chambers, parties) call `inputs_changed` with the states they touch; when the
transaction commits, crm.risk.services forecasts each of those states once and takes a
snapshot if its risk moved. Every other write (a follow-up, an event, a contact detail, a
sign-in) costs no forecast. A rollback forgets what was noted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crm.extensions import db

_KEY = "risk_inputs_changed"


def inputs_changed(*state_ids: int | None) -> None:
    """Note that this transaction changes what the forecast of these states reads."""
    db.session.info.setdefault(_KEY, set()).update(i for i in state_ids if i is not None)


def take_changed_states(session: Session) -> set[int]:
    """The states noted in this transaction, forgotten as they are handed over."""
    return set(session.info.pop(_KEY, ()))


def forget_on_rollback(session: Session, previous_transaction: Any) -> None:
    """Listener: a rolled-back transaction changed nothing (a savepoint's rollback keeps
    what the enclosing transaction noted)."""
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)
