"""process kinds as data: any process of the rule files, cards without counterparty or amount

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 03:30:00

The kind of a card is the id of a process declared in rules/ (validated against the
registry when a card is filed), so the CHECK on two names goes. A process may declare a
card without a counterparty or an amount (docs/rules.md, "The card").
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_constraint('known_kind', type_='check')
        batch_op.alter_column('counterparty_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('amount', existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    """Revert this migration (only possible while every card is a payment or a contract with both fields)."""
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.alter_column('amount', existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column('counterparty_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint('known_kind', "kind IN ('payment', 'contract')")
