"""Sign-in: local accounts with argon2-hashed passwords, and OIDC identities mapped to a role.

The app never decides who someone is on its own: it asks :func:`authenticate` (local) or
:func:`actor_for_identity` (OIDC, e.g. Microsoft Entra ID through ``st.login``), and gets an
:class:`~erreview.review.roles.Actor` or ``None``. Unknown OIDC identities are refused until an admin
adds them with their role.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from erreview import store
from erreview.errors import ErreviewError
from erreview.models import AppUser
from erreview.review.roles import ROLE_LABELS, Actor, Role
from erreview.store import audit
from erreview.store import workflow as ws

log = logging.getLogger(__name__)
_hasher = PasswordHasher()
MIN_PASSWORD = 10


class UserError(ErreviewError, ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"passwords must be at least {MIN_PASSWORD} characters long")
    return _hasher.hash(password)


def _actor(user: AppUser) -> Actor:
    panels = frozenset(p.strip() for p in user.panels.split(",") if p.strip())
    divisions = frozenset(d.strip() for d in (user.divisions or "").split(",") if d.strip())
    return Actor(user.username, Role(user.role), panels, user.display_name, divisions)


def authenticate(engine: store.Engine, username: str, password: str) -> Actor | None:
    """The actor for a correct local username and password, else ``None`` (no hint which was wrong).
    Every attempt, successful or not, is written to the audit log."""
    with store.session_scope(engine, write=True) as session:
        actor = _check_password(session, username, password)
        audit.record_sign_in(session, username, ok=actor is not None, method="password")
        return actor


def _check_password(session: Any, username: str, password: str) -> Actor | None:
    user = ws.get_user(session, username.strip().lower())
    if user is None or not user.active or not user.password_hash:
        _hasher.hash("timing-equaliser")  # as slow as a real check, so usernames cannot be probed
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return _actor(user)


def actor_for_identity(engine: store.Engine, claims: Mapping[str, Any]) -> Actor | None:
    """Map OIDC claims to a user: by subject first, then by email as username (binding the subject)."""
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or claims.get("preferred_username") or "").strip().lower()
    with store.session_scope(engine, write=True) as session:
        user = ws.user_by_subject(session, subject) if subject else None
        if user is None and email:
            user = ws.get_user(session, email)
            if user is not None and user.oidc_subject is None and subject:
                user.oidc_subject = subject
                audit.append(
                    session,
                    actor=email,
                    action="user.bind_oidc",
                    entity="user",
                    entity_id=email,
                    detail={"subject_bound": True},
                )
        if user is None or not user.active:
            audit.record_sign_in(session, email or subject, ok=False, method="oidc", reason="no active account")
            return None
        audit.record_sign_in(session, user.username, ok=True, method="oidc")
        return _actor(user)


def add_user(
    engine: store.Engine,
    *,
    username: str,
    role: Role,
    display_name: str = "",
    password: str | None = None,
    panels: str = "",
    by: str = "system",
    divisions: str = "",
) -> Actor:
    """Create or update a user; audited. Usernames are lower-case (an email address suits OIDC)."""
    name = username.strip().lower()
    if not name:
        raise UserError("a username is required")
    if Role(role) is Role.DIVISION_LEAD and not divisions.strip(", "):
        raise UserError("a division lead needs at least one division (--divisions)")
    with store.session_scope(engine, write=True) as session:
        existing = ws.get_user(session, name)
        user = AppUser(
            username=name,
            display_name=display_name or name,
            role=Role(role).value,
            panels=panels,
            divisions=divisions,
            password_hash=hash_password(password) if password else (existing.password_hash if existing else None),
            oidc_subject=existing.oidc_subject if existing else None,
        )
        saved = ws.save_user(session, user)
        audit.append(
            session,
            actor=by,
            action="user.update" if existing else "user.create",
            entity="user",
            entity_id=name,
            detail={"role": user.role, "panels": panels, "divisions": divisions, "password_set": password is not None},
        )
        return _actor(saved)


def users(engine: store.Engine) -> list[dict[str, Any]]:
    with store.session_scope(engine) as session:
        return [
            {
                "username": u.username,
                "name": u.display_name,
                "role": ROLE_LABELS[Role(u.role)],
                "panels": u.panels,
                "divisions": u.divisions,
                "local password": bool(u.password_hash),
                "OIDC bound": bool(u.oidc_subject),
                "active": u.active,
            }
            for u in ws.list_users(session)
        ]
