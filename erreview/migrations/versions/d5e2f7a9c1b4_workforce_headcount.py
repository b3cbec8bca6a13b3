"""workforce headcount: distinct people per snapshot and WRES group (total and per division), counted at
import so that indicator 3 reads a small table instead of every workforce row; existing rows backfilled

Revision ID: d5e2f7a9c1b4
Revises: d9e2f4a6b8c1
Create Date: 2026-12-01 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'd5e2f7a9c1b4'
down_revision: str | None = 'd9e2f4a6b8c1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'workforce_headcount',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('snapshot_date', sa.Date(), nullable=False),
        sa.Column('wres_group', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('dimension', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('headcount', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('workforce_headcount', schema=None) as batch_op:
        batch_op.create_index('ix_workforce_headcount_snapshot', ['snapshot_date', 'dimension'], unique=False)
    # Snapshots imported before this table existed: count them once here, as the import now does.
    op.execute(
        "INSERT INTO workforce_headcount (snapshot_date, wres_group, dimension, level, headcount) "
        "SELECT snapshot_date, wres_group, '', '', COUNT(DISTINCT person_key) FROM workforce_record "
        "GROUP BY snapshot_date, wres_group"
    )
    op.execute(
        "INSERT INTO workforce_headcount (snapshot_date, wres_group, dimension, level, headcount) "
        "SELECT snapshot_date, wres_group, 'division', division, COUNT(DISTINCT person_key) FROM workforce_record "
        "GROUP BY snapshot_date, wres_group, division"
    )


def downgrade() -> None:
    with op.batch_alter_table('workforce_headcount', schema=None) as batch_op:
        batch_op.drop_index('ix_workforce_headcount_snapshot')
    op.drop_table('workforce_headcount')
