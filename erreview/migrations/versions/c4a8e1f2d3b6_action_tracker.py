"""action tracker: actions linked to findings, with owner, due date, status, evidence and board sign-off

Revision ID: c4a8e1f2d3b6
Revises: b7d1c2e4a9f0
Create Date: 2026-12-01 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'c4a8e1f2d3b6'
down_revision: str | None = 'b7d1c2e4a9f0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'er_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('measure', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('division', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column('signed_off_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('signed_off_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('er_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_er_action_division'), ['division'], unique=False)
        batch_op.create_index(batch_op.f('ix_er_action_measure'), ['measure'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('er_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_er_action_measure'))
        batch_op.drop_index(batch_op.f('ix_er_action_division'))
    op.drop_table('er_action')
