"""An index of representatives by name across states, for the list of all of them: its
first page reads 50 rows of the index instead of sorting every representative.

Revision ID: b2c4e6a8d0f1
Revises: afe104169f6e
Create Date: 2026-12-05 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b2c4e6a8d0f1'
down_revision = 'afe104169f6e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_representatives_sort', 'representatives', ['sort_name', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_representatives_sort', table_name='representatives')
