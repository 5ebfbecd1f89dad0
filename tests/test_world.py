"""The shared test world: a world restored from the first one built is the same, row for
row, down to which columns are NULL (tests/world.py restores it a faster way than it builds
it, on PostgreSQL from the database's own rendering of the rows)."""

from __future__ import annotations

import sqlalchemy as sa

from crm.backup import tables
from crm.extensions import db
from tests.conftest import worker_app
from tests.world import _SNAPSHOTS, build_world


def _every_row_as_stored() -> dict[str, list[tuple]]:
    rows = {}
    for table in tables():
        nulls = ", ".join(f'"{column.name}" IS NULL' for column in table.c)
        order = ", ".join(f'"{column.name}"' for column in table.primary_key.columns)
        rows[table.name] = [
            tuple(row)
            for row in db.session.execute(
                sa.text(f'SELECT t.*, {nulls} FROM "{table.name}" t ORDER BY {order}')
            )
        ]
    return rows


def test_a_restored_world_is_the_world_built(databases):
    kept = dict(_SNAPSHOTS)
    _SNAPSHOTS.clear()  # this test builds the first world of its own
    try:
        with worker_app(databases, "empty"):
            built = build_world()
            first_rep, member = built.home.reps[0].id, built.member.email
            as_built = _every_row_as_stored()
        with worker_app(databases, "empty"):
            restored = build_world()
            assert _every_row_as_stored() == as_built
            assert (restored.home.reps[0].id, restored.member.email) == (first_rep, member)
            if db.engine.dialect.name == "postgresql":
                # The sequences carry on after the restored rows.
                following = sa.text("SELECT nextval(pg_get_serial_sequence('states', 'id'))")
                assert db.session.scalar(following) > restored.other.state.id
    finally:
        _SNAPSHOTS.clear()
        _SNAPSHOTS.update(kept)
