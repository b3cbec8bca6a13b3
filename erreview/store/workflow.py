"""Queries and writes for the case workflow: users, case work rows, cases, panel reviews."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from erreview.errors import ErreviewError
from erreview.models import (
    AppUser,
    CaseWork,
    ErCase,
    PanelAttestation,
    PanelReview,
    SuspensionPlan,
    SuspensionReview,
    WorkforceProfile,
    WorkforceRecord,
)


class StaleEdit(ErreviewError, RuntimeError):
    """Someone else saved this record since it was read (optimistic locking)."""


def now() -> datetime:
    return datetime.now(UTC)


# --- users --------------------------------------------------------------------------------------------


def get_user(session: Session, username: str) -> AppUser | None:
    return session.get(AppUser, username)


def user_by_subject(session: Session, subject: str) -> AppUser | None:
    return session.execute(select(AppUser).where(col(AppUser.oidc_subject) == subject)).scalar_one_or_none()


def list_users(session: Session) -> list[AppUser]:
    return list(session.execute(select(AppUser).order_by(col(AppUser.username))).scalars())


def save_user(session: Session, user: AppUser, *, expected_version: int | None = None) -> AppUser:
    existing = session.get(AppUser, user.username)
    if existing is None:
        session.add(user)
        session.flush()
        return user
    if expected_version is not None and existing.version != expected_version:
        raise StaleEdit(f"user {user.username} was changed by someone else; reload and try again")
    fields = ("display_name", "role", "panels", "divisions", "password_hash", "oidc_subject", "oidc_issuer", "active")
    for field in fields:
        setattr(existing, field, getattr(user, field))
    existing.version += 1
    session.flush()
    return existing


# --- cases --------------------------------------------------------------------------------------------


def panel_names(session: Session) -> set[str]:
    """The panels that exist: every panel an active panel member sits on (admins manage them through users)."""
    names: set[str] = set()
    for user in list_users(session):
        if user.active:
            names.update(p.strip() for p in user.panels.split(",") if p.strip())
    return names


def subject_values(session: Session, column: str) -> list[str]:
    """Distinct values of a subject column (band, staff group, division) in the cases and the latest
    workforce snapshot, for pick lists."""
    if column not in ("band", "staff_group", "division"):
        raise ValueError(f"not a subject column: {column}")
    values = set(session.execute(select(getattr(ErCase, column)).distinct()).scalars())
    latest = session.execute(select(func.max(col(WorkforceRecord.snapshot_date)))).scalar()
    if latest is not None:
        values.update(
            session.execute(
                select(getattr(WorkforceProfile, column))
                .join(WorkforceRecord, col(WorkforceRecord.profile_id) == col(WorkforceProfile.id))
                .where(col(WorkforceRecord.snapshot_date) == latest)
                .distinct()
            ).scalars()
        )
    return sorted(v for v in values if v)


def get_case(session: Session, case_id: str) -> ErCase | None:
    return session.get(ErCase, case_id)


def get_work(session: Session, case_id: str) -> CaseWork | None:
    return session.get(CaseWork, case_id)


def set_work(session: Session, work: CaseWork) -> None:
    session.merge(work)
    session.flush()


def lock_case(session: Session, case_id: str) -> None:
    """Hold the case's row for the rest of the transaction, so that the gate's check and the change it
    guards cannot interleave with a correction, an attestation or another move of the same case.

    A no-op UPDATE works on both backends: PostgreSQL takes the row lock (and later reads in the
    transaction see what others committed before it); SQLite takes its single write lock, waiting up to
    the busy timeout. It must come first in the transaction, before anything is read.
    """
    session.execute(
        update(ErCase)
        .where(col(ErCase.case_id) == case_id)
        .values(version=col(ErCase.version))
        .execution_options(synchronize_session=False)
    )


def update_case(session: Session, case_id: str, expected_version: int, values: dict[str, Any], *, user: str) -> int:
    """Change a case if nobody else has since ``expected_version``; return the new version."""
    result = session.execute(
        update(ErCase)
        .where(col(ErCase.case_id) == case_id, col(ErCase.version) == expected_version)
        .values(**values, version=expected_version + 1, updated_at=now(), updated_by=user)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleEdit(
            f"case {case_id} was changed by someone else since you opened it "
            f"(you had version {expected_version}); reload it and try again"
        )
    session.expire_all()
    return expected_version + 1


def case_list(
    session: Session,
    *,
    case_lead: str | None = None,
    panels: frozenset[str] | None = None,
    everyone: bool = False,
) -> pd.DataFrame:
    """Cases with their workflow row, limited to a case lead's own or to some panels' referrals."""
    query = select(ErCase, CaseWork).join(CaseWork, col(CaseWork.case_id) == col(ErCase.case_id), isouter=True)
    if not everyone:
        if case_lead is not None:
            query = query.where(col(CaseWork.case_lead) == case_lead)
        elif panels is not None:
            query = query.where(col(CaseWork.panel).in_(sorted(panels)))
        else:
            return pd.DataFrame()
    rows = []
    for case, work in session.execute(query.order_by(col(ErCase.opened_date).desc())).all():
        record = case.model_dump()
        record |= {
            "stage": work.stage if work else None,
            "case_lead": work.case_lead if work else None,
            "panel": work.panel if work else None,
        }
        rows.append(record)
    return pd.DataFrame(rows)


# --- reviews ------------------------------------------------------------------------------------------


def add_review(session: Session, review: PanelReview) -> PanelReview:
    session.add(review)
    try:
        session.flush()
    except IntegrityError:
        raise StaleEdit(
            f"review {review.supersedes_id} has just been corrected by someone else; reload the case "
            "and correct the newest version"
        ) from None
    return review


def reviews_for(session: Session, case_id: str) -> list[PanelReview]:
    query = select(PanelReview).where(col(PanelReview.case_id) == case_id).order_by(col(PanelReview.id))
    return list(session.execute(query).scalars())


def get_review(session: Session, review_id: int) -> PanelReview | None:
    return session.get(PanelReview, review_id)


def attestations_for(session: Session, review_ids: list[int]) -> list[PanelAttestation]:
    if not review_ids:
        return []
    query = select(PanelAttestation).where(col(PanelAttestation.review_id).in_(review_ids))
    return list(session.execute(query.order_by(col(PanelAttestation.id))).scalars())


def add_attestation(session: Session, attestation: PanelAttestation) -> PanelAttestation:
    session.add(attestation)
    try:
        session.flush()
    except IntegrityError:
        raise StaleEdit(f"{attestation.username} has already attested review {attestation.review_id}") from None
    return attestation


def all_review_links(session: Session) -> list[PanelReview]:
    """Every review that corrects another (to tell which reviews are current)."""
    query = select(PanelReview).where(col(PanelReview.supersedes_id).is_not(None))
    return list(session.execute(query).scalars())


def reviews_naming(session: Session, username: str) -> list[PanelReview]:
    """Reviews whose members include ``username`` (JSON is filtered here, in Python, for both backends)."""
    rows = session.execute(select(PanelReview).order_by(col(PanelReview.id))).scalars()
    return [r for r in rows if any(m.get("username") == username for m in r.members)]


# --- suspensions --------------------------------------------------------------------------------------


def get_suspension_plan(session: Session, case_id: str) -> SuspensionPlan | None:
    return session.get(SuspensionPlan, case_id)


def save_suspension_plan(session: Session, plan: SuspensionPlan) -> None:
    session.merge(plan)
    session.flush()


def add_suspension_review(session: Session, review: SuspensionReview) -> None:
    session.add(review)
    session.flush()


def suspensions_frame(session: Session, case_ids: list[str] | None = None) -> pd.DataFrame:
    """Suspended cases with their plan and the date of their latest review: case_id, wres_group, start,
    end, first_review, review_every_days, named_contact, last_review, closed (the case's closed date)."""
    last = (
        select(col(SuspensionReview.case_id), func.max(col(SuspensionReview.held_on)).label("last_review"))
        .group_by(col(SuspensionReview.case_id))
        .subquery()
    )
    query = (
        select(
            col(ErCase.case_id),
            col(ErCase.wres_group),
            col(ErCase.suspension_start_date),
            col(ErCase.suspension_end_date),
            col(SuspensionPlan.first_review),
            col(SuspensionPlan.review_every_days),
            col(SuspensionPlan.named_contact),
            last.c.last_review,
            col(ErCase.closed_date),
        )
        .join(SuspensionPlan, col(SuspensionPlan.case_id) == col(ErCase.case_id), isouter=True)
        .join(last, last.c.case_id == col(ErCase.case_id), isouter=True)
        .where(col(ErCase.suspension_start_date).is_not(None))
    )
    if case_ids is not None:
        query = query.where(col(ErCase.case_id).in_(case_ids))
    columns = [
        "case_id",
        "wres_group",
        "start",
        "end",
        "first_review",
        "review_every_days",
        "named_contact",
        "last_review",
        "closed",
    ]
    return pd.DataFrame(session.execute(query).all(), columns=columns)


def referral_dates(session: Session) -> pd.DataFrame:
    """When each case was referred to the panel (every referral, from the audit log): case_id, referred_at."""
    from erreview.models import AuditEntry

    query = select(col(AuditEntry.entity_id), col(AuditEntry.at)).where(
        col(AuditEntry.entity) == "case",
        col(AuditEntry.action).in_(["case.refer_to_panel", "case.refer_suspension_check"]),
    )
    return pd.DataFrame(session.execute(query).all(), columns=["case_id", "referred_at"])


def all_reviews(session: Session) -> pd.DataFrame:
    """Every review joined with its case's group and opening date (for the post-action audit)."""
    query = select(
        col(PanelReview.id),
        col(PanelReview.case_id),
        col(PanelReview.step),
        col(PanelReview.decision),
        col(PanelReview.submitted_at),
        col(PanelReview.supersedes_id),
        col(PanelReview.recommended_outcome),
        col(PanelReview.against_recommendation),
        col(ErCase.wres_group),
        col(ErCase.broad_group),
        col(ErCase.opened_date),
        col(ErCase.division),
    ).join(ErCase, col(ErCase.case_id) == col(PanelReview.case_id))
    rows = session.execute(query).all()
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "case_id",
            "step",
            "decision",
            "submitted_at",
            "supersedes_id",
            "recommended_outcome",
            "against_recommendation",
            "wres_group",
            "broad_group",
            "opened_date",
            "division",
        ],
    )
