"""Timor-Leste under its own name: databases loaded before the demo data said so still call
it "East Timor" (its name is Timor-Leste since 2002, ISO 3166 code TL).

Only a row that is exactly the old demo name is renamed, so a name a coordinator chose is
kept; its version goes up, so that an edit form opened before the rename cannot save the old
name back (optimistic locking, crm.db.VersionedMixin).

Revision ID: a4d6f8b0c2e1
Revises: b7c1e2d3f4a5
Create Date: 2026-12-03 18:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4d6f8b0c2e1'
down_revision = 'b7c1e2d3f4a5'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        sa.text(
            "UPDATE states SET name = 'Timor-Leste', version = version + 1 "
            "WHERE iso2 = 'TL' AND name = 'East Timor'"
        )
    )


def downgrade():
    # Nothing to undo: the schema did not change, and the old name was a mistake.
    pass
