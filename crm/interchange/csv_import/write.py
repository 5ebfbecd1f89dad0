"""Writing a checked file in bulk, in one short transaction, with an audit entry per
representative; a change made since the check is noticed and the rows checked again."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from flask import has_request_context, request

from crm.audit.services import check_shape, plain, record
from crm.db import analyse_after_bulk_write, utcnow
from crm.errors import Conflict, NotFound
from crm.extensions import db
from crm.interchange.csv_import.check import check_rows
from crm.interchange.csv_import.plan import ImportPlan, RowPlan, fingerprint
from crm.interchange.csv_import.read import (
    AUDIT_ENTRIES,
    CHANGED_MEANWHILE,
    CONTACT_DETAILS,
    IDENTIFIERS,
    MEMBERSHIPS,
    PROFILE_FIELDS,
    REPRESENTATIVES,
    WRITTEN,
    CsvReport,
)
from crm.parliament.models import Representative, sort_name_for
from crm.risk.changes import inputs_changed
from crm.text import name_columns

if TYPE_CHECKING:
    from crm.auth.models import User

# --- Writing (in bulk, in one short transaction) ------------------------------------------------


def write_representatives(
    plan: ImportPlan,
    *,
    actor: User | None = None,
    actor_label: str | None = None,
    source: str = "",
    ip_address: str | None = None,
) -> CsvReport:
    """Write a checked file, in the caller's transaction, with a few bulk statements.

    Call in the write transaction: if anything the check read changed since, the rows are
    checked again first (and may now be refused). The audit entries name `ip_address` (the
    address the file was uploaded from, for an import run by a worker), else the request's."""
    from crm.states.models import State

    state = db.session.get(State, plan.state_id)
    if state is None:
        raise NotFound("The state is no longer on record.")
    if fingerprint(plan.state_id) != plan.fingerprint:
        plan = check_rows(plan.rows, state, actor, plan.on)
    if ip_address is None and has_request_context():
        ip_address = request.remote_addr
    writer = _Writer(plan, actor, actor_label, ip_address)
    try:
        writer.add_new()
        writer.update_existing()
    except sa.exc.IntegrityError:
        raise Conflict(CHANGED_MEANWHILE) from None
    if writer.audit:
        for entry in writer.audit:
            check_shape(entry["action"], entry["target_type"], entry["before"], entry["after"])
        db.session.execute(sa.insert(AUDIT_ENTRIES), writer.audit)
    report = plan.report
    analyse_after_bulk_write(db.session, WRITTEN, len(report.added) + len(report.changed))
    summary = record(
        actor,
        "csv.imported",
        state,
        summary=f"CSV of representatives {source}: {report.summary()}"[:300],
        after={
            "file": source,
            "added": len(report.added),
            "changed": len(report.changed),
            "unchanged": report.unchanged,
        },
        actor_email=actor_label,
    )
    summary.ip_address = ip_address
    if report.added or report.changed:
        inputs_changed(plan.state_id)
    db.session.flush()
    return report


def _summary(plan: RowPlan) -> str:
    """An updated representative's audit summary (in English, as the audit log keeps it)."""
    return f"CSV import (line {plan.line}): {', '.join(map(str, plan.what))}"[:300]


def _snapshot(keys: tuple[str, ...], row: dict[str, Any]) -> dict[str, Any]:
    return {key: plain(row[key]) for key in keys}


def _new_ids(table: sa.Table, count: int) -> list[int]:
    """`count` unused ids for `table`. PostgreSQL hands them out from the table's sequence,
    safe alongside other writers; SQLite continues after the highest, which the caller's
    write transaction (BEGIN IMMEDIATE) keeps from changing until it commits."""
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = sa.func.pg_get_serial_sequence(table.name, "id")
        return list(
            db.session.scalars(
                sa.select(sa.func.nextval(sequence)).select_from(sa.func.generate_series(1, count))
            )
        )
    highest = db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0
    return list(range(highest + 1, highest + 1 + count))


def _defaults(table: sa.Table) -> dict[str, Any]:
    """Every column of a new row but its id, with its default (None when it has none), so
    the audit entry shows what the database holds. Callable defaults are called once: the
    rows share the value, which nothing changes."""
    row: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.primary_key:
            continue
        if default is not None and default.is_scalar:
            row[column.key] = default.arg  # type: ignore[attr-defined]
        elif default is not None and default.is_callable:
            row[column.key] = default.arg(None)  # type: ignore[attr-defined]
        else:
            row[column.key] = None
    return row


class _Writer:
    """The bulk statements of one import, and the audit entries they need."""

    def __init__(
        self, plan: ImportPlan, actor: User | None, actor_label: str | None, ip_address: str | None
    ) -> None:
        self.plan = plan
        self.now = utcnow()
        self.audit: list[dict[str, Any]] = []
        self.defaults = {table.name: _defaults(table) for table in WRITTEN}
        self.entry = {
            "actor_id": getattr(actor, "id", None),
            "actor_email": actor_label or getattr(actor, "email", None),
            "state_id": plan.state_id,
            "target_type": Representative.__tablename__,
            "ip_address": ip_address,
            "at": self.now,
        }

    def _complete(self, table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
        return {**self.defaults[table.name], **values}

    def _insert(self, table: sa.Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Insert `rows` with ids of their own; each comes back with its id.

        Ids are chosen first so the rows go in many to a statement: asking for them back
        in order (RETURNING with its order kept) makes SQLite insert one row at a time."""
        if not rows:
            return rows
        ids = _new_ids(table, len(rows))
        rows = [{"id": row_id, **row} for row_id, row in zip(ids, rows, strict=True)]
        db.session.execute(sa.insert(table), rows)
        return rows

    def _children(
        self, owners: list[tuple[int, RowPlan]]
    ) -> dict[int, dict[str, list[dict[str, Any]]]]:
        """Insert the contacts, identifiers and seats the rows add, by representative."""
        contacts, identifiers, seats = [], [], []
        for rep_id, plan in owners:
            contacts += [
                self._complete(
                    CONTACT_DETAILS, {"representative_id": rep_id, "kind": k, "value": v}
                )
                for k, v in plan.contacts
            ]
            identifiers += [
                self._complete(IDENTIFIERS, {"representative_id": rep_id, "scheme": s, "value": v})
                for s, v in plan.identifiers
            ]
            if plan.seat is not None:
                seat = plan.seat
                seats.append(
                    self._complete(
                        MEMBERSHIPS,
                        {
                            "representative_id": rep_id,
                            "chamber_id": seat.chamber_id,
                            "party_id": seat.party_id,
                            "constituency": seat.constituency,
                            "legislative_period": seat.period,
                            "start_date": seat.start,
                        },
                    )
                )
        added: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(
            lambda: {"contact_details": [], "identifiers": [], "memberships": []}
        )
        for key, table, rows in (
            ("contact_details", CONTACT_DETAILS, contacts),
            ("identifiers", IDENTIFIERS, identifiers),
            ("memberships", MEMBERSHIPS, seats),
        ):
            keys = tuple(table.columns.keys())
            for row in self._insert(table, rows):
                added[row["representative_id"]][key].append(_snapshot(keys, row))
        return added

    def add_new(self) -> None:
        table = REPRESENTATIVES
        new = [plan for plan in self.plan.plans if plan.rep_id is None]
        rows = []
        for plan in new:
            profile = dict(plan.profile)
            if not profile.get("sort_name"):
                profile["sort_name"] = sort_name_for(
                    plan.name, profile.get("given_name"), profile.get("family_name")
                )
            profile.update(
                state_id=self.plan.state_id,
                **name_columns([profile["name"]]),
                created_at=self.now,
                updated_at=self.now,
            )
            rows.append(self._complete(table, profile))
        inserted = self._insert(table, rows)
        keys = tuple(table.columns.keys())
        children = self._children(
            [(row["id"], plan) for row, plan in zip(inserted, new, strict=True)]
        )
        for row, plan in zip(inserted, new, strict=True):
            self.audit.append(
                {
                    **self.entry,
                    "action": "representative.created",
                    "target_id": str(row["id"]),
                    "summary": f"Imported {plan.name} from a CSV file (line {plan.line})"[:300],
                    "before": None,
                    "after": {**_snapshot(keys, row), **children[row["id"]]},
                }
            )

    def update_existing(self) -> None:
        table = REPRESENTATIVES
        changed = [plan for plan in self.plan.plans if plan.rep_id is not None and plan.what]
        if not changed:
            return
        # One statement shape for every row: each profile column set to its new or current
        # value, and only at the version checked, so a change made since is never overwritten.
        statement = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"), table.c.version == sa.bindparam("b_version"))
            .values(
                {
                    **{
                        key: sa.bindparam(f"b_{key}", type_=table.c[key].type)
                        for key in PROFILE_FIELDS
                    },
                    "search_text": sa.bindparam("b_search_text"),
                    "name_keys": sa.bindparam("b_name_keys"),
                    "updated_at": sa.bindparam("b_updated_at", type_=table.c.updated_at.type),
                    "version": table.c.version + 1,
                }
            )
        )
        params = []
        for plan in changed:
            values = {**plan.current, **plan.profile}
            params.append(
                {
                    "b_id": plan.rep_id,
                    "b_version": plan.version,
                    **{f"b_{key}": values[key] for key in PROFILE_FIELDS},
                    **{
                        f"b_{column}": value
                        for column, value in name_columns(
                            [values["name"], *plan.other_names]
                        ).items()
                    },
                    "b_updated_at": self.now,
                }
            )
        updated = cast(sa.CursorResult[Any], db.session.execute(statement, params)).rowcount
        if updated != len(params):
            raise Conflict(CHANGED_MEANWHILE)
        owners = [(plan.rep_id, plan) for plan in changed if plan.rep_id is not None]
        children = self._children(owners)
        for rep_id, plan in owners:
            added = children.get(rep_id, {})
            after: dict[str, Any] = {key: plain(value) for key, value in plan.profile.items()}
            if plan.contacts:
                after["contact_details_added"] = [f"{k.value}: {v}" for k, v in plan.contacts]
            if plan.identifiers:
                after["identifiers_added"] = [f"{s}: {v}" for s, v in plan.identifiers]
            if added.get("memberships"):
                after["membership_added"] = added["memberships"][0]
            self.audit.append(
                {
                    **self.entry,
                    "action": "representative.updated",
                    "target_id": str(rep_id),
                    "summary": _summary(plan),
                    "before": {key: plain(plan.current[key]) for key in plan.profile},
                    "after": {**after, "version": plan.version + 1},
                }
            )
