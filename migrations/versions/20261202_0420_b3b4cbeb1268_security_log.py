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
    op.create_table('security_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.SmallInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_email', sa.String(length=254), nullable=True),
    sa.Column('role', sa.String(length=32), nullable=True),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('endpoint', sa.String(length=120), nullable=True),
    sa.Column('path', sa.String(length=2000), nullable=False),
    sa.Column('object_ids', sa.JSON(), nullable=True),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.CheckConstraint('status IN (401, 403)', name=op.f('ck_security_events_status')),
    # The log outlives the account it names: the link is cleared, the e-mail copy stays.
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events'))
    )
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_events_endpoint'), ['endpoint'], unique=False)
        batch_op.create_index('ix_security_events_user_at', ['user_id', 'at'], unique=False)
        batch_op.create_index('ix_security_events_address_at', ['ip_address', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.drop_index('ix_security_events_address_at')
        batch_op.drop_index('ix_security_events_user_at')
        batch_op.drop_index(batch_op.f('ix_security_events_endpoint'))
        batch_op.drop_index(batch_op.f('ix_security_events_at'))

    op.drop_table('security_events')
