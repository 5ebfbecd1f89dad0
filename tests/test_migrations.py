"""The migrations build the schema the models describe, and undo it cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from crm.extensions import db
from tests.conftest import make_app

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def _script() -> ScriptDirectory:
    config = AlembicConfig(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def _drift() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_there_is_exactly_one_migration_head():
    assert len(_script().get_heads()) == 1


def test_migration_files_have_sortable_names():
    names = [p.name for p in (MIGRATIONS / "versions").glob("*.py")]
    assert names
    for name in names:
        assert re.fullmatch(r"\d{8}_\d{4}_[0-9a-f]{12}_[a-z0-9_]+\.py", name), name


def test_migrations_build_exactly_the_models_schema(blank_database_url):
    app = make_app(blank_database_url)
    with app.app_context():
        upgrade()
        assert _tables() == set(db.metadata.tables)
        assert _drift() == []
        db.engine.dispose()


def test_downgrade_to_base_then_upgrade_again(blank_database_url):
    app = make_app(blank_database_url)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert _tables() == set()
        upgrade()
        assert _tables() == set(db.metadata.tables)
        assert _drift() == []
        db.engine.dispose()


def test_every_constraint_is_named_by_the_convention(app):
    inspector = sa.inspect(db.engine)
    for table in db.metadata.tables:
        for fk in inspector.get_foreign_keys(table):
            assert (fk["name"] or "").startswith("fk_"), (table, fk)
        for unique in inspector.get_unique_constraints(table):
            assert (unique["name"] or "").startswith("uq_"), (table, unique)
        for check in inspector.get_check_constraints(table):
            assert (check["name"] or "").startswith("ck_"), (table, check)


def test_every_foreign_key_says_what_happens_on_delete():
    for table in db.metadata.tables.values():
        for fk in table.foreign_keys:
            assert fk.ondelete in {"CASCADE", "RESTRICT", "SET NULL"}, (table.name, fk)
