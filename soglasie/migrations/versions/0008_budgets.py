"""budgets per year and month, department and cost item

Revision ID: 0008
Revises: 0006a
Create Date: 2026-12-07 23:50:00

A budget row is the amount planned for one department × cost item in one month; payment
requests are looked up by department and cost item to sum what is committed and paid.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('budgets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('cost_item_id', sa.Integer(), nullable=False),
    sa.Column('planned', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name=op.f('ck_budgets_month_in_year')),
    sa.CheckConstraint('planned >= 0', name=op.f('ck_budgets_planned_not_negative')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_budgets_department_id_departments')),
    sa.ForeignKeyConstraint(['cost_item_id'], ['cost_items.id'], name=op.f('fk_budgets_cost_item_id_cost_items')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_budgets_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budgets')),
    sa.UniqueConstraint('department_id', 'cost_item_id', 'year', 'month',
                        name=op.f('uq_budgets_department_id_cost_item_id_year_month'))
    )
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.create_index('ix_cards_department_cost_item', ['department_id', 'cost_item_id'], unique=False)


def downgrade() -> None:
    """Revert this migration (the budgets are dropped)."""
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_index('ix_cards_department_cost_item')
    op.drop_table('budgets')
