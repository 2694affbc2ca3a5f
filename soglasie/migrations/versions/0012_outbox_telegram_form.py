"""outbox: how a Telegram message was sent (text or document), and an index by task

Revision ID: 0012
Revises: 0006a
Create Date: 2026-12-07 23:55:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_kind', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_outbox_task', ['task_id'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_task')
        batch_op.drop_column('external_kind')
