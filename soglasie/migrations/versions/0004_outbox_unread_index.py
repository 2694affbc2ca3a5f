"""outbox unread index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 03:46:17.830759
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_unread', ['recipient_id', 'channel', 'read_at'], unique=False)



def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unread')

