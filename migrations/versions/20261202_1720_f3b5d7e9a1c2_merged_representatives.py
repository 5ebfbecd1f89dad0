"""Representatives merged into another record.

A duplicate merged into another record is archived and names the record it was merged
into. Reviewed by hand: a named constraint, explicit ON DELETE, and the check deferred to
the commit (a backup restores the rows in id order, and the kept record may come later).

Revision ID: f3b5d7e9a1c2
Revises: e2a4c6d8f0b1
Create Date: 2026-12-02 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b5d7e9a1c2'
down_revision = 'e2a4c6d8f0b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('representatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_representatives_merged_into_id_representatives'),
            'representatives',
            ['merged_into_id'],
            ['id'],
            ondelete='RESTRICT',
            deferrable=True,
            initially='DEFERRED',
        )


def downgrade():
    with op.batch_alter_table('representatives', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_representatives_merged_into_id_representatives'), type_='foreignkey'
        )
        batch_op.drop_column('merged_into_id')
