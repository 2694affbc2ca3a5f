"""company requisites (name, INN, KPP, bank accounts), payment orders exported to the bank, counterparties' bank name and correspondent account

Revision ID: 0013
Revises: 0007
Create Date: 2026-12-08 00:40:00

No company row exists after the upgrade: the admin enters the requisites (or `soglasie init
--demo` loads demo ones) before the first export.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('counterparties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_name', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('corr_account', sa.String(length=20), nullable=True))
    op.create_table(
        'company',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('inn', sa.String(length=12), nullable=False),
        sa.Column('kpp', sa.String(length=9), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_company')))
    op.create_table(
        'company_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.Column('account', sa.String(length=20), nullable=False),
        sa.Column('bank_name', sa.String(length=300), nullable=False),
        sa.Column('bik', sa.String(length=9), nullable=False),
        sa.Column('corr_account', sa.String(length=20), nullable=False),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_company_accounts_company_id_company')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_company_accounts')),
        sa.UniqueConstraint('account', name=op.f('uq_company_accounts_account')))
    op.create_table(
        'payment_orders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('exported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('exported_by_id', sa.Integer(), nullable=False),
        sa.Column('export_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_payment_orders_card_id_cards')),
        sa.ForeignKeyConstraint(['account_id'], ['company_accounts.id'],
                                name=op.f('fk_payment_orders_account_id_company_accounts')),
        sa.ForeignKeyConstraint(['exported_by_id'], ['users.id'], name=op.f('fk_payment_orders_exported_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_orders')),
        sa.UniqueConstraint('card_id', name=op.f('uq_payment_orders_card_id')),
        sa.UniqueConstraint('year', 'number', name=op.f('uq_payment_orders_year_number')))


def downgrade() -> None:
    """Revert this migration (the requisites and the order numbers are forgotten)."""
    op.drop_table('payment_orders')
    op.drop_table('company_accounts')
    op.drop_table('company')
    with op.batch_alter_table('counterparties', schema=None) as batch_op:
        batch_op.drop_column('corr_account')
        batch_op.drop_column('bank_name')
