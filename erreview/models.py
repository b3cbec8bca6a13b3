"""Database tables (sqlmodel).

Only pseudonyms are stored: ``person_key`` is the keyed hash of the source ``person_id``. Ethnicity is
kept as the normalised code plus its broad and WRES group, so the mapping used at import is on record.
The case table is ``er_case`` (``case`` is an SQL keyword).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class WorkforceRecord(SQLModel, table=True):
    """One person in one ESR headcount snapshot."""

    __tablename__ = "workforce_record"
    __table_args__ = (Index("ix_workforce_snapshot_group", "snapshot_date", "wres_group", "person_key"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_date: date
    person_key: str = Field(max_length=64)
    ethnic_code: str = Field(max_length=4)
    broad_group: str = Field(max_length=16)
    wres_group: str = Field(max_length=8)
    gender: str = Field(max_length=16)
    band: str = Field(max_length=100)
    staff_group: str = Field(max_length=200)
    division: str = Field(max_length=200)


class ErCase(SQLModel, table=True):
    """One employee-relations case, with the subject's details at the time of the case."""

    __tablename__ = "er_case"
    __table_args__ = (
        Index("ix_er_case_type_formal", "case_type", "formal_investigation_date"),
        Index("ix_er_case_type_opened", "case_type", "opened_date"),
    )

    case_id: str = Field(primary_key=True, max_length=100)
    person_key: str = Field(max_length=64, index=True)
    ethnic_code: str = Field(max_length=4)
    broad_group: str = Field(max_length=16)
    wres_group: str = Field(max_length=8)
    gender: str = Field(max_length=16)
    band: str = Field(max_length=100)
    staff_group: str = Field(max_length=200)
    division: str = Field(max_length=200)
    case_type: str = Field(max_length=32)
    allegation_category: str = Field(max_length=32)
    referral_source: str = Field(max_length=32)
    opened_date: date
    initial_route: str | None = Field(default=None, max_length=32)
    route_date: date | None = None
    formal_investigation_date: date | None = None
    restriction: str | None = Field(default=None, max_length=32)
    investigation_outcome: str | None = Field(default=None, max_length=32)
    sanction: str | None = Field(default=None, max_length=32)
    appeal_outcome: str | None = Field(default=None, max_length=32)
    regulator_referral: str | None = Field(default=None, max_length=8)
    closed_date: date | None = None
    #: Optimistic-locking counter: a save must name the version it read.
    version: int = Field(default=1)
    updated_at: datetime | None = None
    updated_by: str | None = Field(default=None, max_length=200)


class ImportRun(SQLModel, table=True):
    """A record of each successful import (what, when, how many rows); never the rows themselves."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    source_name: str = Field(max_length=300)
    rows: int
    inserted: int = 0
    updated: int = 0
    imported_at: datetime
    imported_by: str | None = Field(default=None, max_length=200)


class Meta(SQLModel, table=True):
    """Key/value facts about this database (e.g. the fingerprint of the pseudonym key it was built with)."""

    __tablename__ = "erreview_meta"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=500)
