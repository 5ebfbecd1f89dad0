"""Database behaviour the rest of the app relies on: SQLite settings, locking, versions."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from crm.db import write_intent
from crm.extensions import db
from crm.parliament.models import Representative
from crm.states.models import State
from tests.conftest import PG_URL
from tests.factories import RepresentativeFactory, StateFactory

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite settings (this run is PostgreSQL)")


@sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        assert timeout == app.config["SQLITE_BUSY_TIMEOUT_MS"]


@sqlite_only
def test_sqlite_write_transactions_begin_immediate(app):
    statements: list[str] = []

    def capture(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            connection.rollback()
        with write_intent(), db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            connection.rollback()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]


def test_foreign_keys_are_enforced(app):
    db.session.add(
        Representative(state_id=999_999, name="Nobody", sort_name="Nobody", search_text="")
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_concurrent_writers_neither_fail_nor_lose_updates(app):
    """Eight threads each add one to a counter forty times: none is lost, none fails."""
    state = StateFactory(notes="0")
    state_id = state.id
    errors: list[BaseException] = []

    def bump() -> None:
        with app.app_context():
            try:
                for _ in range(40):
                    with write_intent():
                        row = db.session.get(State, state_id, with_for_update=True)
                        row.notes = str(int(row.notes) + 1)
                        db.session.commit()
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.rollback()  # end this test's own read snapshot
    assert db.session.get(State, state_id).notes == str(8 * 40)


def test_an_edit_based_on_an_old_version_is_refused(app):
    """Two people open the same record; the second to save must not overwrite the first."""
    rep_id = RepresentativeFactory().id
    db.session.commit()
    rep = db.session.get(Representative, rep_id)
    first_version = rep.version
    db.session.close()  # the first person's copy, as loaded, outside any transaction
    with write_intent(), db.engine.begin() as other:  # the second person saves
        other.execute(
            sa.update(Representative)
            .where(Representative.id == rep_id)
            .values(notes="theirs", version=Representative.version + 1)
        )
    with write_intent():
        mine = db.session.merge(rep, load=False)
        mine.notes = "mine"
        with pytest.raises(StaleDataError):
            db.session.flush()
        db.session.rollback()
    saved = db.session.get(Representative, rep_id)
    assert (saved.notes, saved.version) == ("theirs", first_version + 1)
