"""published packs: what each exported review pack published, for auditing the next one

Revision ID: c3d5e7f9a1b2
Revises: c3a9e5d71b20
Create Date: 2026-12-01 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'c3d5e7f9a1b2'
down_revision: str | None = 'c3a9e5d71b20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'published_pack',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('published_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('record', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('published_pack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_pack_digest'), ['digest'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('published_pack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_pack_digest'))
    op.drop_table('published_pack')
