"""Whether a representative's current stance was observed in a restricted contact.

A reader who may not see that contact sees the stance's value but not its exact date
(SPEC §2); lists show 100,000 people, so the flag is cached beside the stance itself.

Revision ID: c7e1d2f3a4b5
Revises: b3b4cbeb1268
Create Date: 2026-12-02 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e1d2f3a4b5'
down_revision = 'b3b4cbeb1268'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('representatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stance_restricted', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Existing data: the flag follows each person's newest live stance record.
    op.execute(
        """
        UPDATE representatives SET stance_restricted = EXISTS (
            SELECT 1 FROM stance_records s JOIN interactions i ON i.id = s.interaction_id
            WHERE s.id = (
                SELECT s2.id FROM stance_records s2
                WHERE s2.representative_id = representatives.id AND s2.archived_at IS NULL
                ORDER BY s2.observed_on DESC, s2.id DESC LIMIT 1
            ) AND i.confidentiality = 'restricted'
        )
        """
    )


def downgrade():
    with op.batch_alter_table('representatives', schema=None) as batch_op:
        batch_op.drop_column('stance_restricted')
