"""invoice fields on cards: number, date, VAT, and the normalised number duplicates are found by

Revision ID: 0007
Revises: 0006a
Create Date: 2026-12-07 23:55:00

Cards filed before have no invoice fields (all NULL): they render without them and are
compared with new ones by amount and filing date only.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_number', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('invoice_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('vat_rate', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('vat_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('invoice_key', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('invoice_year', sa.Integer(), nullable=True))
        batch_op.create_index('ix_cards_counterparty_invoice_key', ['counterparty_id', 'invoice_key', 'invoice_year'],
                              unique=False)
        batch_op.create_index('ix_cards_counterparty_amount', ['counterparty_id', 'amount'], unique=False)


def downgrade() -> None:
    """Revert this migration (the invoice fields are forgotten)."""
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_index('ix_cards_counterparty_amount')
        batch_op.drop_index('ix_cards_counterparty_invoice_key')
        for column in ('invoice_year', 'invoice_key', 'vat_amount', 'vat_rate', 'invoice_date', 'invoice_number'):
            batch_op.drop_column(column)
