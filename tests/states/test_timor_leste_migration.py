"""A database loaded before the demo data said "Timor-Leste" is brought to the state's own
name by its migration (migrations/versions/*_timor_leste.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from crm.extensions import db
from tests.conftest import make_app

BEFORE = "b7c1e2d3f4a5"  # the revision before the rename
RENAME = "a4d6f8b0c2e1"


def _add_state(iso2: str, name: str) -> None:
    db.session.execute(
        sa.text(
            "INSERT INTO states (iso2, name, timezone, rome_statute_status, version, "
            "created_at, updated_at) VALUES (:iso2, :name, 'UTC', 'acceded', 1, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"iso2": iso2, "name": name},
    )


def _states() -> dict[str, tuple[str, int]]:
    rows = db.session.execute(sa.text("SELECT iso2, name, version FROM states"))
    return {iso2: (name, version) for iso2, name, version in rows}


def test_the_migration_renames_east_timor_and_nothing_else(blank_database_url):
    app = make_app(blank_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        _add_state("TL", "East Timor")
        _add_state("RO", "Romania")
        db.session.commit()
        upgrade(revision=RENAME)
        assert _states() == {"TL": ("Timor-Leste", 2), "RO": ("Romania", 1)}
        db.session.remove()
        db.engine.dispose()


def test_a_name_a_coordinator_chose_is_kept(blank_database_url):
    app = make_app(blank_database_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        _add_state("TL", "Timor-Leste (Democratic Republic of)")
        db.session.commit()
        upgrade()
        assert _states() == {"TL": ("Timor-Leste (Democratic Republic of)", 1)}
        db.session.remove()
        db.engine.dispose()
