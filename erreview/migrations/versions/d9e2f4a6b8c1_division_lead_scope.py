"""division lead scope: the divisions a user is responsible for

Revision ID: d9e2f4a6b8c1
Revises: 0457e1da9d53
Create Date: 2026-12-01 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'd9e2f4a6b8c1'
down_revision: str | None = '0457e1da9d53'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('divisions', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False, server_default='')
        )


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('divisions')
