"""workforce profile: a workforce row points at one distinct combination of ethnicity, gender, band, staff
group and division instead of repeating seven text columns, and its index is on the snapshot date alone
(headcounts are kept at import, so nothing reads the rows through the old three-column index); existing
rows are moved

Revision ID: e7b3c9d1f2a4
Revises: 2a5488fd2fcd
Create Date: 2026-12-01 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'e7b3c9d1f2a4'
down_revision: str | None = '2a5488fd2fcd'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The profile columns and their lengths, as in erreview.models.WorkforceProfile.
PROFILE = {
    'ethnic_code': 4,
    'broad_group': 16,
    'wres_group': 8,
    'gender': 16,
    'band': 100,
    'staff_group': 200,
    'division': 200,
}


def upgrade() -> None:
    op.create_table(
        'workforce_profile',
        sa.Column('id', sa.Integer(), nullable=False),
        *(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=n), nullable=False) for name, n in PROFILE.items()),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint(*PROFILE, name='uq_workforce_profile'),
    )
    columns = ', '.join(PROFILE)
    op.execute(
        f'INSERT INTO workforce_profile ({columns}) '
        f'SELECT DISTINCT {columns} FROM workforce_record ORDER BY {columns}'
    )
    with op.batch_alter_table('workforce_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_id', sa.Integer(), nullable=True))
    match = ' AND '.join(f'p.{name} = workforce_record.{name}' for name in PROFILE)
    op.execute(f'UPDATE workforce_record SET profile_id = p.id FROM workforce_profile AS p WHERE {match}')
    with op.batch_alter_table('workforce_record', schema=None) as batch_op:
        batch_op.drop_index('ix_workforce_snapshot_group')
        batch_op.alter_column('profile_id', existing_type=sa.Integer(), nullable=False)
        for name in PROFILE:
            batch_op.drop_column(name)
        batch_op.create_index('ix_workforce_snapshot', ['snapshot_date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('workforce_record', schema=None) as batch_op:
        for name, n in PROFILE.items():
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=n), nullable=True))
    values = ', '.join(f'{name} = p.{name}' for name in PROFILE)
    op.execute(
        f'UPDATE workforce_record SET {values} FROM workforce_profile AS p WHERE p.id = workforce_record.profile_id'
    )
    with op.batch_alter_table('workforce_record', schema=None) as batch_op:
        batch_op.drop_index('ix_workforce_snapshot')
        batch_op.drop_column('profile_id')
        for name, n in PROFILE.items():
            batch_op.alter_column(
                name, existing_type=sqlmodel.sql.sqltypes.AutoString(length=n), nullable=False
            )
        batch_op.create_index(
            'ix_workforce_snapshot_group', ['snapshot_date', 'wres_group', 'person_key'], unique=False
        )
    op.drop_table('workforce_profile')
