"""contract v2 case columns: suspension dates and complaint outcome

Revision ID: b7d1c2e4a9f0
Revises: f580692c17c0
Create Date: 2026-12-01 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'b7d1c2e4a9f0'
down_revision: str | None = 'f580692c17c0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('er_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspension_start_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('suspension_end_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('complaint_outcome', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('er_case', schema=None) as batch_op:
        batch_op.drop_column('complaint_outcome')
        batch_op.drop_column('suspension_end_date')
        batch_op.drop_column('suspension_start_date')
