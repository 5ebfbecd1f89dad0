"""Sound keys of every representative's names, and their names in Latin letters.

Search finds a person however the name is spelt (Fatima finds Fatma) and across scripts
(Ivanov finds Иванов): `name_keys` holds the sound keys and `search_text` gains each name
written in Latin letters. Both are computed here for the people already recorded.

Revision ID: d8f0a1b2c3d4
Revises: c7e1d2f3a4b5
Create Date: 2026-12-02 17:00:00

"""

from alembic import op
import sqlalchemy as sa

from crm.text import name_keys, search_text


# revision identifiers, used by Alembic.
revision = "d8f0a1b2c3d4"
down_revision = "c7e1d2f3a4b5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("representatives", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_keys", sa.Text(), server_default="", nullable=False))
    connection = op.get_bind()
    names: dict[int, list[str]] = {}
    for rep_id, name in connection.execute(sa.text("SELECT id, name FROM representatives")):
        names[rep_id] = [name]
    for rep_id, name in connection.execute(
        sa.text("SELECT representative_id, name FROM other_names ORDER BY id")
    ):
        names.setdefault(rep_id, []).append(name)
    update = sa.text(
        "UPDATE representatives SET search_text = :search_text, name_keys = :name_keys "
        "WHERE id = :id"
    )
    rows = [
        {"id": rep_id, "search_text": search_text(all_names), "name_keys": name_keys(all_names)}
        for rep_id, all_names in names.items()
    ]
    for start in range(0, len(rows), 1000):
        connection.execute(update, rows[start : start + 1000])


def downgrade():
    with op.batch_alter_table("representatives", schema=None) as batch_op:
        batch_op.drop_column("name_keys")
