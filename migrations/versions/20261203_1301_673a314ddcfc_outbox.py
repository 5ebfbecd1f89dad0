"""E-mail: the outbox (every message, once) and each user's choice of messages and digest time.

Timestamps are stored as `DateTime(timezone=True)`, the storage type of crm.db.UTCDateTime.
Existing users get the role defaults (an empty choice), UTC and Monday 08:00.

Revision ID: 673a314ddcfc
Revises: d6e40c5993b3
Create Date: 2026-12-03 13:01:49.402600

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '673a314ddcfc'
down_revision = 'd6e40c5993b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.Enum('follow_up_due', 'follow_up_overdue', 'vote_ahead', 'event_reminder', 'section_digest', 'coordinator_digest', name='notification', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('about', sa.String(length=160), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'retrying', 'failed', 'cancelled', name='message_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('user_id', 'kind', 'about', name=op.f('uq_outbox_user_id_kind_about'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_status_next', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notifications', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False, server_default='UTC'))
        batch_op.add_column(sa.Column('digest_weekday', sa.SmallInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('digest_hour', sa.SmallInteger(), nullable=False, server_default='8'))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest_hour')
        batch_op.drop_column('digest_weekday')
        batch_op.drop_column('time_zone')
        batch_op.drop_column('notifications')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next')

    op.drop_table('outbox')
