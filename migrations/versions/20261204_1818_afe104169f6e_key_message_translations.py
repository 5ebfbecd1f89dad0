"""Key messages in each language: a translation per message and language (English stays the
message's own text), a version for editing them, and their length checked in the database.

Existing messages get version 1 and the migration's time as created and updated. A message
longer than 500 characters (none in the demo data: 198 at most) would stop the upgrade on
the new CHECK constraint; shorten it first.

Revision ID: afe104169f6e
Revises: f91cb126ba31
Create Date: 2026-12-04 18:18:34

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'afe104169f6e'
down_revision = 'f91cb126ba31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('key_message_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_message_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.CheckConstraint('length(text) BETWEEN 1 AND 500', name=op.f('ck_key_message_texts_text_length')),
    sa.ForeignKeyConstraint(['key_message_id'], ['key_messages.id'], name=op.f('fk_key_message_texts_key_message_id_key_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_message_texts')),
    sa.UniqueConstraint('key_message_id', 'locale', name=op.f('uq_key_message_texts_key_message_id_locale'))
    )
    # The existing rows get their values from server defaults, dropped again below: the
    # application sets them (crm.db.VersionedMixin, TimestampMixin), as in every other table.
    with op.batch_alter_table('key_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_key_messages_text_length'), 'length(text) BETWEEN 1 AND 500')
    with op.batch_alter_table('key_messages', schema=None) as batch_op:
        batch_op.alter_column('version', server_default=None)
        batch_op.alter_column('created_at', server_default=None)
        batch_op.alter_column('updated_at', server_default=None)


def downgrade():
    with op.batch_alter_table('key_messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_key_messages_text_length'), type_='check')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('created_at')
        batch_op.drop_column('version')

    op.drop_table('key_message_texts')
