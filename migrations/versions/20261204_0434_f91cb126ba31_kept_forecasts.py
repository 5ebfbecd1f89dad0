"""Each state's forecast kept, so that pages and the API read it instead of recomputing it.

Revision ID: f91cb126ba31
Revises: a4d6f8b0c2e1
Create Date: 2026-12-04 04:34:01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f91cb126ba31'
down_revision = 'a4d6f8b0c2e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kept_forecasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('computed_on', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settings', sa.String(length=64), nullable=False),
    sa.Column('next_vote_id', sa.Integer(), nullable=True),
    sa.Column('forecast', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_kept_forecasts_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['next_vote_id'], ['stages.id'], name=op.f('fk_kept_forecasts_next_vote_id_stages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['state_id'], ['states.id'], name=op.f('fk_kept_forecasts_state_id_states'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_forecasts')),
    sa.UniqueConstraint('campaign_id', 'state_id', name=op.f('uq_kept_forecasts_campaign_id_state_id'))
    )


def downgrade():
    op.drop_table('kept_forecasts')
