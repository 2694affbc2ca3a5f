"""durations for analytics: one row per ended task and run, in working minutes; held-time counters

Revision ID: 0011
Revises: 0006a
Create Date: 2026-12-08 00:10:00

The transition function writes a `durations` row when a task or a run ends; tasks and runs
count the working minutes their card spent frozen or waiting for documents (`held_*`). The
history already in the database is backfilled from the tasks, the timeline and the SLA events,
on the production calendar (`soglasie.analytics.backfill`).
"""
from alembic import op
import sqlalchemy as sa

from soglasie.analytics.backfill import backfill
from soglasie.business_calendar import BusinessCalendar


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration, then backfill the durations of what has already ended."""
    op.create_table('durations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('process', sa.String(length=32), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=40), nullable=False),
    sa.Column('task_kind', sa.String(length=40), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('cost_item_id', sa.Integer(), nullable=True),
    sa.Column('counterparty_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filed_month', sa.String(length=7), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('wait_minutes', sa.Integer(), nullable=False),
    sa.Column('work_minutes', sa.Integer(), nullable=False),
    sa.Column('held_minutes', sa.Integer(), nullable=False),
    sa.Column('total_minutes', sa.Integer(), nullable=False),
    sa.Column('reminders', sa.Integer(), nullable=False),
    sa.Column('escalations', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_durations_card_id_cards')),
    sa.ForeignKeyConstraint(['run_id'], ['process_runs.id'], name=op.f('fk_durations_run_id_process_runs')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_durations_task_id_tasks')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_durations_assignee_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_durations_department_id_departments')),
    sa.ForeignKeyConstraint(['cost_item_id'], ['cost_items.id'], name=op.f('fk_durations_cost_item_id_cost_items')),
    sa.ForeignKeyConstraint(['counterparty_id'], ['counterparties.id'],
                            name=op.f('fk_durations_counterparty_id_counterparties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_durations')),
    sa.UniqueConstraint('task_id', name=op.f('uq_durations_task_id'))
    )
    with op.batch_alter_table('durations', schema=None) as batch_op:
        batch_op.create_index('ix_durations_report', [
            'process', 'kind', 'filed_at', 'stage', 'outcome', 'filed_month', 'department_id', 'cost_item_id',
            'counterparty_id', 'assignee_id', 'card_id', 'wait_minutes', 'work_minutes', 'total_minutes', 'reminders',
            'escalations', 'on_behalf'], unique=False)
        batch_op.create_index('ix_durations_process_kind_ended', ['process', 'kind', 'ended_at'], unique=False)
        batch_op.create_index('ix_durations_card', ['card_id'], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_wait_minutes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('held_work_minutes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('held_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('process_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_minutes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('held_at', sa.DateTime(timezone=True), nullable=True))
    backfill(op.get_bind(), BusinessCalendar())


def downgrade() -> None:
    """Revert this migration (the recorded durations are dropped)."""
    with op.batch_alter_table('process_runs', schema=None) as batch_op:
        batch_op.drop_column('held_at')
        batch_op.drop_column('held_minutes')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('held_at')
        batch_op.drop_column('held_work_minutes')
        batch_op.drop_column('held_wait_minutes')
    with op.batch_alter_table('durations', schema=None) as batch_op:
        batch_op.drop_index('ix_durations_card')
        batch_op.drop_index('ix_durations_process_kind_ended')
        batch_op.drop_index('ix_durations_report')
    op.drop_table('durations')
