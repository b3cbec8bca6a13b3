"""panel v2: routed recommendation, attestations, suspension plans and reviews

Revision ID: 0457e1da9d53
Revises: c3d5e7f9a1b2
Create Date: 2026-12-01 04:27:18.692026
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0457e1da9d53'
down_revision: str | None = 'c3d5e7f9a1b2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Additive only: new tables, and new review columns (existing reviews: no recommendation, not against it).
    op.create_table('suspension_plan',
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('alternatives_considered', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('full_pay', sa.Boolean(), nullable=False),
    sa.Column('named_contact', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('first_review', sa.Date(), nullable=False),
    sa.Column('review_every_days', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['er_case.case_id'], ),
    sa.PrimaryKeyConstraint('case_id')
    )
    op.create_table('suspension_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['er_case.case_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('suspension_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suspension_review_case_id'), ['case_id'], unique=False)

    op.create_table('panel_attestation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('declaration', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('conflict_note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('director_level', sa.Boolean(), nullable=False),
    sa.Column('attested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['panel_review.id'], ),
    sa.ForeignKeyConstraint(['username'], ['app_user.username'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('review_id', 'username', name='uq_panel_attestation_member')
    )
    with op.batch_alter_table('panel_attestation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_attestation_review_id'), ['review_id'], unique=False)

    with op.batch_alter_table('panel_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recommended_outcome', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('against_recommendation', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('override_reason', sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=True))



def downgrade() -> None:
    # Additive only: new tables, and new review columns (existing reviews: no recommendation, not against it).
    with op.batch_alter_table('panel_review', schema=None) as batch_op:
        batch_op.drop_column('override_reason')
        batch_op.drop_column('against_recommendation')
        batch_op.drop_column('recommended_outcome')

    with op.batch_alter_table('panel_attestation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_attestation_review_id'))

    op.drop_table('panel_attestation')
    with op.batch_alter_table('suspension_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suspension_review_case_id'))

    op.drop_table('suspension_review')
    op.drop_table('suspension_plan')
