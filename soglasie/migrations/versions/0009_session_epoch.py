"""session epoch: a per-user counter stored in the session cookie, bumped to end every old session

Revision ID: 0009
Revises: 0006a
Create Date: 2026-12-07 23:50:00

Logging out, deactivation and a password reset add one to `users.session_epoch`; a cookie that
carries an older epoch no longer logs anyone in, even after the user is reactivated.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
