"""Database tables (sqlmodel).

Only pseudonyms are stored: ``person_key`` is the keyed hash of the source ``person_id``. Ethnicity is
kept as the normalised code plus its broad and WRES group, so the mapping used at import is on record.
The case table is ``er_case`` (``case`` is an SQL keyword).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class WorkforceProfile(SQLModel, table=True):
    """One distinct combination of a person's recorded details (ethnicity, gender, band, staff group,
    division): a workforce row points at its profile instead of repeating seven text columns, so two
    million rows hold a few thousand profiles. Rows are added at import when a new combination appears."""

    __tablename__ = "workforce_profile"
    __table_args__ = (
        UniqueConstraint(
            "ethnic_code",
            "broad_group",
            "wres_group",
            "gender",
            "band",
            "staff_group",
            "division",
            name="uq_workforce_profile",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    ethnic_code: str = Field(max_length=4)
    broad_group: str = Field(max_length=16)
    wres_group: str = Field(max_length=8)
    gender: str = Field(max_length=16)
    band: str = Field(max_length=100)
    staff_group: str = Field(max_length=200)
    division: str = Field(max_length=200)


class WorkforceRecord(SQLModel, table=True):
    """One person in one ESR headcount snapshot; their details are the row's :class:`WorkforceProfile`.

    ``profile_id`` is not declared a foreign key: checking it costs SQLite a lookup per row, 40–90% more
    time writing two million rows. The import takes each id from ``workforce_profile`` in the same
    transaction and profiles are never deleted, so every id names a profile (tested)."""

    __tablename__ = "workforce_record"
    __table_args__ = (Index("ix_workforce_snapshot", "snapshot_date"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_date: date
    person_key: str = Field(max_length=64)
    profile_id: int


class WorkforceHeadcount(SQLModel, table=True):
    """Distinct people per snapshot and WRES group, in total (``dimension`` and ``level`` empty) and per
    ``division``: counted from the rows when a snapshot is imported, so indicator 3 reads a few hundred
    counts instead of two million rows. Rewritten together with the snapshot's rows."""

    __tablename__ = "workforce_headcount"
    __table_args__ = (Index("ix_workforce_headcount_snapshot", "snapshot_date", "dimension"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_date: date
    wres_group: str = Field(max_length=8)
    dimension: str = Field(max_length=32)
    level: str = Field(max_length=200)
    headcount: int


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
    #: Contract v2: first and last day of a suspension (end empty = still suspended).
    suspension_start_date: date | None = None
    suspension_end_date: date | None = None
    #: Contract v2: outcome of a grievance or bullying/harassment complaint raised by the person.
    complaint_outcome: str | None = Field(default=None, max_length=32)
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


class AppUser(SQLModel, table=True):
    """A person who signs in: a local account (argon2 hash) or an OIDC identity, with one role."""

    __tablename__ = "app_user"

    username: str = Field(primary_key=True, max_length=200)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    #: Comma-separated panel names a panel member sits on.
    panels: str = Field(default="", max_length=500)
    #: Comma-separated divisions a division lead is responsible for.
    divisions: str = Field(default="", max_length=1000)
    password_hash: str | None = Field(default=None, max_length=300)
    oidc_subject: str | None = Field(default=None, max_length=300, index=True)
    #: The issuer that vouched for ``oidc_subject``: an identity is the pair (issuer, subject).
    oidc_issuer: str | None = Field(default=None, max_length=500)
    active: bool = True
    version: int = 1
    #: "Sign out everywhere": organisation sign-ins issued before this moment are refused.
    sessions_not_before: datetime | None = None


class AppSession(SQLModel, table=True):
    """A signed-in browser session; the browser holds the token, the database only its hash."""

    __tablename__ = "app_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    username: str = Field(foreign_key="app_user.username", max_length=200, index=True)
    kind: str = Field(max_length=16)  # "local" or "organisation"
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None = None


class SignInThrottle(SQLModel, table=True):
    """Consecutive failed sign-ins per username (known or not), for the growing delay and the lock."""

    __tablename__ = "sign_in_throttle"

    username: str = Field(primary_key=True, max_length=200)
    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


class CaseWork(SQLModel, table=True):
    """Workflow facts about a case that the ER-tracker extract does not carry: its stage, its case lead
    and the panel it is referred to. One row per case managed in the tool."""

    __tablename__ = "case_work"

    case_id: str = Field(primary_key=True, foreign_key="er_case.case_id", max_length=100)
    stage: str = Field(max_length=32)
    case_lead: str | None = Field(default=None, max_length=200, index=True)
    panel: str | None = Field(default=None, max_length=200, index=True)


class PanelReview(SQLModel, table=True):
    """A submitted panel bias-check review. Immutable: a correction is a new row that supersedes it."""

    __tablename__ = "panel_review"
    # A review can be corrected once; a second, concurrent correction of the same version is refused.
    __table_args__ = (UniqueConstraint("supersedes_id", name="uq_panel_review_supersedes"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="er_case.case_id", max_length=100, index=True)
    step: str = Field(max_length=32)
    template_id: str = Field(max_length=100)
    template_version: int
    members: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    answers: dict[str, dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    decision: str = Field(max_length=32)
    rationale: str = Field(max_length=5000)
    started_at: datetime | None = None
    submitted_at: datetime
    submitted_by: str = Field(max_length=200)
    supersedes_id: int | None = Field(default=None, foreign_key="panel_review.id")
    review_version: int = 1
    #: What the template's routing recommended (None for templates without routing, e.g. v1).
    recommended_outcome: str | None = Field(default=None, max_length=32)
    #: True when the panel decided against the recommendation; the reason it gave is kept beside it.
    against_recommendation: bool = False
    override_reason: str | None = Field(default=None, max_length=5000)


class PanelAttestation(SQLModel, table=True):
    """A named panel member's own confirmation, from their own signed-in account, that they sat on the
    panel for a review, with their declaration of independence or of a conflict. The gate counts these,
    never the names a chair typed."""

    __tablename__ = "panel_attestation"
    __table_args__ = (UniqueConstraint("review_id", "username", name="uq_panel_attestation_member"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="panel_review.id", index=True)
    username: str = Field(foreign_key="app_user.username", max_length=200)
    #: "independent" or "conflict".
    declaration: str = Field(max_length=16)
    conflict_note: str = Field(default="", max_length=2000)
    director_level: bool = False
    attested_at: datetime


class SuspensionPlan(SQLModel, table=True):
    """How a suspension is managed (the 2019 letter): alternatives considered, full pay, a named contact
    and regular reviews. Its start and end dates are the case's contract columns."""

    __tablename__ = "suspension_plan"

    case_id: str = Field(primary_key=True, foreign_key="er_case.case_id", max_length=100)
    alternatives_considered: str = Field(max_length=2000)
    full_pay: bool
    named_contact: str = Field(max_length=200)
    first_review: date
    review_every_days: int
    recorded_by: str = Field(max_length=200)


class SuspensionReview(SQLModel, table=True):
    """A review of a suspension that took place."""

    __tablename__ = "suspension_review"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="er_case.case_id", max_length=100, index=True)
    held_on: date
    note: str = Field(default="", max_length=2000)
    recorded_by: str = Field(max_length=200)


class AuditEntry(SQLModel, table=True):
    """Append-only, hash-chained log of every change (cases, reviews, users, settings) and export."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str = Field(max_length=200)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=200)
    detail: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    #: 1: plain SHA-256 (entries written before the audit key); 2: HMAC-SHA256 under the audit key.
    chain: int = Field(default=2, sa_column_kwargs={"server_default": "1"})


class Setting(SQLModel, table=True):
    """Analysis and workflow settings an admin changes in the app (overriding the defaults)."""

    __tablename__ = "app_setting"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=2000)
    version: int = 1


class ErAction(SQLModel, table=True):
    """An action agreed in response to a finding (a measure, a period, optionally a division), tracked to
    completion and signed off by the board."""

    __tablename__ = "er_action"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    measure: str = Field(max_length=64, index=True)
    period: str = Field(default="", max_length=32)
    #: Empty: the whole trust.
    division: str = Field(default="", max_length=200, index=True)
    owner: str = Field(max_length=200)
    due_date: date
    status: str = Field(max_length=16)
    evidence: str = Field(default="", max_length=5000)
    signed_off_by: str | None = Field(default=None, max_length=200)
    signed_off_at: datetime | None = None
    created_at: datetime
    created_by: str = Field(max_length=200)
    updated_at: datetime
    updated_by: str = Field(max_length=200)
    #: Optimistic-locking counter: a save must name the version it read.
    version: int = 1


class PublishedPack(SQLModel, table=True):
    """What one exported review pack published (its cells, which were hidden, their relations), so that
    the next pack is audited together with it. The same record exported twice is kept once."""

    __tablename__ = "published_pack"

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=32)
    published_at: datetime
    published_by: str = Field(max_length=200)
    digest: str = Field(max_length=64, unique=True, index=True)
    record: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
