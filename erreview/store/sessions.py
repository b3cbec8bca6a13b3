"""Queries and writes for signed-in sessions and the sign-in throttle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from erreview.models import AppSession, AppUser, SignInThrottle


def add_session(session: Session, record: AppSession) -> None:
    session.add(record)
    session.flush()


def get_session(session: Session, token_hash: str) -> AppSession | None:
    return session.get(AppSession, token_hash)


def revoke_sessions(session: Session, username: str, at: datetime) -> int:
    """End every open session of ``username``; returns how many were open."""
    result = session.execute(
        update(AppSession)
        .where(col(AppSession.username) == username, col(AppSession.revoked_at).is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def open_sessions(session: Session, username: str) -> list[AppSession]:
    query = select(AppSession).where(col(AppSession.username) == username, col(AppSession.revoked_at).is_(None))
    return list(session.execute(query).scalars())


def user_by_identity(session: Session, issuer: str, subject: str) -> AppUser | None:
    query = select(AppUser).where(col(AppUser.oidc_issuer) == issuer, col(AppUser.oidc_subject) == subject)
    return session.execute(query).scalar_one_or_none()


def get_throttle(session: Session, username: str) -> SignInThrottle | None:
    return session.get(SignInThrottle, username)


def save_throttle(session: Session, row: SignInThrottle) -> None:
    session.merge(row)
    session.flush()


def clear_throttle(session: Session, username: str) -> None:
    row = session.get(SignInThrottle, username)
    if row is not None:
        session.delete(row)
        session.flush()
