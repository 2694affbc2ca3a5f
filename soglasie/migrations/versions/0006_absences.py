"""absences and deputies: who is away, to whom his tasks go, and which tasks were delegated

Revision ID: 0006a
Revises: 0005
Create Date: 2026-12-04 04:50:00

An absence is a date range (inclusive, calendar time zone) with a deputy, optionally for some
processes only; a task delegated to a deputy remembers the original assignee and the absence.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006a'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('absences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('processes', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_absences_end_after_start')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_absences_user_id_users')),
    sa.ForeignKeyConstraint(['deputy_id'], ['users.id'], name=op.f('fk_absences_deputy_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_absences_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absences'))
    )
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.create_index('ix_absences_user_id_start_date', ['user_id', 'start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_absences_deputy_id'), ['deputy_id'], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delegated_from_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('absence_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tasks_delegated_from_id_users'), 'users',
                                    ['delegated_from_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_tasks_absence_id_absences'), 'absences', ['absence_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_tasks_absence_id'), ['absence_id'], unique=False)


def downgrade() -> None:
    """Revert this migration (delegations are forgotten: tasks stay with whoever has them)."""
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_absence_id'))
        batch_op.drop_constraint(batch_op.f('fk_tasks_absence_id_absences'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_tasks_delegated_from_id_users'), type_='foreignkey')
        batch_op.drop_column('absence_id')
        batch_op.drop_column('delegated_from_id')
    with op.batch_alter_table('absences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absences_deputy_id'))
        batch_op.drop_index('ix_absences_user_id_start_date')
    op.drop_table('absences')
