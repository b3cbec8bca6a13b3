"""Sign-in: local accounts with argon2-hashed passwords, OIDC identities bound to organisation accounts,
server-side sessions, throttling of wrong passwords, and the accounts production mode refuses.

The app never decides who someone is on its own: it asks :func:`sign_in` (local) or
:func:`actor_for_identity` (OIDC, e.g. Microsoft Entra ID through ``st.login``), then keeps only a session
token; every interaction calls :func:`resume_session`, which re-reads the user (active, role, panels) from
the database, so a deactivated or demoted user loses access on their next click.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from erreview import store
from erreview.config import Settings, UnsafeSettings
from erreview.errors import ErreviewError
from erreview.models import AppSession, AppUser, SignInThrottle
from erreview.review.roles import ROLE_LABELS, Actor, Role
from erreview.store import audit
from erreview.store import sessions as ss
from erreview.store import workflow as ws

log = logging.getLogger(__name__)
_hasher = PasswordHasher()
MIN_PASSWORD = 10
#: The demo's public password (erreview demo); refused everywhere else and always in production.
DEMO_PASSWORD = "erreview-demo"
#: Consecutive wrong passwords before a username is locked, and for how long.
MAX_FAILURES = 5
LOCK_MINUTES = 15
#: The name of erreview's session cookie.
COOKIE_NAME = "erreview_session"


class UserError(ErreviewError, ValueError):
    pass


class SignInRefused(ErreviewError, PermissionError):
    """A sign-in was refused; the message is safe to show (it never says whether the username exists)."""


def _now(now: datetime | None = None) -> datetime:
    return now or datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _name(username: str) -> str:
    return username.strip().lower()[:200]


def hash_password(password: str, *, allow_demo: bool = False) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"passwords must be at least {MIN_PASSWORD} characters long")
    if password == DEMO_PASSWORD and not allow_demo:
        raise UserError("that is the demo's public password; choose another")  # as password_problem says
    return _hasher.hash(password)


def _verifies(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _actor(user: AppUser) -> Actor:
    panels = frozenset(p.strip() for p in user.panels.split(",") if p.strip())
    divisions = frozenset(d.strip() for d in (user.divisions or "").split(",") if d.strip())
    return Actor(user.username, Role(user.role), panels, user.display_name, divisions)


# --- local sign-in with throttling ----------------------------------------------------------------------


def _retry_after(row: SignInThrottle, now: datetime) -> datetime | None:
    """When the next attempt may be made: locked after MAX_FAILURES, a doubling wait from the 3rd failure."""
    if row.locked_until is not None and now < _utc(row.locked_until):
        return _utc(row.locked_until)
    if row.failures >= 2 and row.last_failure_at is not None:
        wait = _utc(row.last_failure_at) + timedelta(seconds=2 ** (row.failures - 2))
        if now < wait:
            return wait
    return None


def sign_in(
    engine: store.Engine,
    username: str,
    password: str,
    *,
    production: bool = False,
    now: datetime | None = None,
) -> Actor:
    """The actor for a correct local username and password; raises :class:`SignInRefused` otherwise.

    Every failure is audited. From the 3rd consecutive failure for a username the next attempt must wait
    (1 s, 2 s, …); the 5th locks the username for 15 minutes (and each failure after that locks it again).
    In production the demo password never signs anyone in.
    """
    name, at = _name(username), _now(now)
    if not name:
        raise SignInRefused("Enter your username and password.")
    refusal: str | None = None
    with store.session_scope(engine, write=True) as session:
        row = ss.get_throttle(session, name)
        wait_until = _retry_after(row, at) if row is not None else None
        if wait_until is not None:
            locked = row is not None and row.locked_until is not None and at < _utc(row.locked_until)
            audit.record_sign_in(
                session,
                name,
                ok=False,
                method="password",
                reason=f"{'locked' if locked else 'too soon after a failure'} until {wait_until.isoformat()}",
            )
            seconds = max(1, int((wait_until - at).total_seconds() + 0.999))
            refusal = (
                f"Too many wrong passwords: this username is locked until {wait_until:%H:%M} UTC. "
                "Try again then, or ask an administrator."
                if locked
                else f"Please wait {seconds} second(s) before trying again."
            )
        else:
            user = ws.get_user(session, name)
            ok = False
            if user is None or not user.active or not user.password_hash:
                _hasher.hash("timing-equaliser")  # as slow as a real check, so usernames cannot be probed
            elif not (production and password == DEMO_PASSWORD):
                ok = _verifies(user.password_hash, password)
            if ok and user is not None:
                if _hasher.check_needs_rehash(str(user.password_hash)):
                    user.password_hash = _hasher.hash(password)
                ss.clear_throttle(session, name)
                audit.record_sign_in(session, name, ok=True, method="password")
                return _actor(user)
            row = row or SignInThrottle(username=name)
            row.failures += 1
            row.last_failure_at = at
            if row.failures >= MAX_FAILURES:
                row.locked_until = at + timedelta(minutes=LOCK_MINUTES)
            ss.save_throttle(session, row)
            audit.record_sign_in(
                session,
                name,
                ok=False,
                method="password",
                reason=f"failure {row.failures} in a row" + ("; locked" if row.failures >= MAX_FAILURES else ""),
            )
            refusal = "That username and password do not match an active account."
            if row.failures >= MAX_FAILURES:
                refusal += f" After {MAX_FAILURES} wrong passwords the username is locked for {LOCK_MINUTES} minutes."
    raise SignInRefused(refusal)


def authenticate(engine: store.Engine, username: str, password: str) -> Actor | None:
    """The actor for a correct local username and password, else ``None`` (throttled like :func:`sign_in`)."""
    try:
        return sign_in(engine, username, password)
    except SignInRefused:
        return None


# --- organisation sign-in (OIDC) -----------------------------------------------------------------------


def _split(value: str) -> set[str]:
    return {v.strip().lower() for v in value.split(",") if v.strip()}


def _claim_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def actor_for_identity(
    engine: store.Engine,
    claims: Mapping[str, Any],
    *,
    allowed_domains: str = "",
    allowed_tenants: str = "",
) -> Actor:
    """The actor for an OIDC identity, or :class:`SignInRefused` saying why.

    An identity is the pair (issuer, subject). A first sign-in binds it to an account only when the account
    was created for organisation sign-in (no local password) with the identity's email address as username,
    the provider says the email address is verified, and its domain is in ``allowed_domains``. A tenant
    allow-list (Entra ``tid``), when set, applies to every sign-in.
    """
    who = str(claims.get("email") or claims.get("sub") or "(unknown)")
    try:
        actor = _identity_actor(engine, claims, allowed_domains, allowed_tenants)
    except SignInRefused as exc:
        with store.session_scope(engine, write=True) as session:
            audit.record_sign_in(session, who, ok=False, method="oidc", reason=exc.message)
        raise
    with store.session_scope(engine, write=True) as session:
        audit.record_sign_in(session, actor.username, ok=True, method="oidc")
    return actor


def _identity_actor(
    engine: store.Engine, claims: Mapping[str, Any], allowed_domains: str, allowed_tenants: str
) -> Actor:
    issuer = str(claims.get("iss") or "").strip()
    subject = str(claims.get("sub") or "").strip()
    if not issuer or not subject:
        raise SignInRefused("Your organisation's sign-in did not say who you are (no issuer or subject).")
    tenants = _split(allowed_tenants)
    if tenants and str(claims.get("tid") or "").strip().lower() not in tenants:
        raise SignInRefused("Your organisation account belongs to a tenant that is not allowed to use erreview.")
    with store.session_scope(engine, write=True) as session:
        user = ss.user_by_identity(session, issuer, subject)
        if user is None:
            user = _first_binding(session, claims, issuer, subject, _split(allowed_domains))
        if not user.active:
            raise SignInRefused("Your erreview account has been deactivated. Ask an administrator.")
        issued = claims.get("iat")
        if (
            user.sessions_not_before is not None
            and isinstance(issued, int | float)
            and datetime.fromtimestamp(issued, UTC) < _utc(user.sessions_not_before)
        ):
            raise SignInRefused("You were signed out everywhere. Sign out and sign in again.")
        return _actor(user)


def _first_binding(session: Any, claims: Mapping[str, Any], issuer: str, subject: str, domains: set[str]) -> AppUser:
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email:
        raise SignInRefused("Your organisation account has no email address, so it cannot be matched to a user.")
    if not _claim_true(claims.get("email_verified")):
        raise SignInRefused("Your organisation has not verified your email address, so it cannot be used here.")
    if email.rsplit("@", 1)[1] not in domains:
        raise SignInRefused(
            "Your email domain is not on erreview's allow-list (ERREVIEW_OIDC_ALLOWED_DOMAINS). Ask an administrator."
        )
    user = ws.get_user(session, email)
    if user is None:
        raise SignInRefused(
            "Your organisation account has no access to erreview yet. Ask an administrator to add your email "
            "address with a role."
        )
    if user.password_hash:
        raise SignInRefused(
            "This user signs in with a password, not with an organisation account. Ask an administrator."
        )
    if user.oidc_subject and user.oidc_issuer:
        raise SignInRefused("This user is already linked to another organisation account. Ask an administrator.")
    user.oidc_issuer, user.oidc_subject = issuer, subject
    user.version += 1
    audit.append(
        session,
        actor=email,
        action="user.bind_oidc",
        entity="user",
        entity_id=email,
        detail={"issuer": issuer, "subject_hash": hashlib.sha256(subject.encode()).hexdigest()[:16]},
    )
    return user


# --- sessions ------------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign_cookie(token: str, secret: str) -> str:
    """The cookie value: the token and an HMAC of it under the cookie secret."""
    mac = hmac.new(secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{token}.{mac}"


def unsign_cookie(value: str | None, secret: str) -> str | None:
    """The token in a cookie value if its signature is right, else ``None``."""
    if not value or "." not in value:
        return None
    token, mac = value.rsplit(".", 1)
    good = hmac.new(secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).hexdigest()
    return token if hmac.compare_digest(mac, good) else None


def start_session(engine: store.Engine, actor: Actor, *, kind: str = "local", now: datetime | None = None) -> str:
    """A new server-side session for ``actor``; returns its token (kept by the browser, hashed here)."""
    token, at = secrets.token_urlsafe(32), _now(now)
    with store.session_scope(engine, write=True) as session:
        record = AppSession(
            token_hash=_token_hash(token), username=actor.username, kind=kind, created_at=at, last_seen_at=at
        )
        ss.add_session(session, record)
    return token


@dataclass(frozen=True)
class SessionState:
    actor: Actor | None
    reason: str = ""


def resume_session(
    engine: store.Engine, token: str, settings: Settings, *, now: datetime | None = None
) -> SessionState:
    """The user behind ``token`` as they are now in the database, or why the session has ended."""
    at = _now(now)
    with store.session_scope(engine, write=True) as session:
        record = ss.get_session(session, _token_hash(token))
        if record is None:
            return SessionState(None, "You have been signed out.")
        user = ws.get_user(session, record.username)
        if user is None or not user.active:
            if record.revoked_at is None:
                record.revoked_at = at
            return SessionState(None, "Your erreview account has been deactivated. Ask an administrator.")
        if record.revoked_at is not None:
            return SessionState(None, "You have been signed out.")
        if at - _utc(record.created_at) > timedelta(hours=settings.session_hours):
            record.revoked_at = at
            return SessionState(None, f"Your session ended after {settings.session_hours} hours. Please sign in.")
        if at - _utc(record.last_seen_at) > timedelta(minutes=settings.idle_timeout_minutes):
            record.revoked_at = at
            return SessionState(
                None, f"You were signed out after {settings.idle_timeout_minutes} minutes without activity."
            )
        record.last_seen_at = at
        return SessionState(_actor(user))


def end_session(engine: store.Engine, token: str, *, now: datetime | None = None) -> None:
    with store.session_scope(engine, write=True) as session:
        record = ss.get_session(session, _token_hash(token))
        if record is not None and record.revoked_at is None:
            record.revoked_at = _now(now)
            audit.record_sign_out(session, record.username)


def sign_out_everywhere(engine: store.Engine, username: str, *, by: str, now: datetime | None = None) -> int:
    """End every session of ``username`` (and refuse organisation sign-ins issued before now); audited."""
    name, at = _name(username), _now(now)
    with store.session_scope(engine, write=True) as session:
        user = ws.get_user(session, name)
        if user is None:
            raise UserError(f"there is no user {name!r}")
        ended = ss.revoke_sessions(session, name, at)
        user.sessions_not_before = at
        audit.append(
            session, actor=by, action="user.sign_out_everywhere", entity="user", entity_id=name, detail={"ended": ended}
        )
    return ended


def set_active(engine: store.Engine, username: str, active: bool, *, by: str, now: datetime | None = None) -> None:
    """Deactivate (ending every session at once) or reactivate a user; audited."""
    name, at = _name(username), _now(now)
    with store.session_scope(engine, write=True) as session:
        user = ws.get_user(session, name)
        if user is None:
            raise UserError(f"there is no user {name!r}")
        user.active = active
        user.version += 1
        ended = 0 if active else ss.revoke_sessions(session, name, at)
        if not active:
            user.sessions_not_before = at
        audit.append(
            session,
            actor=by,
            action="user.activate" if active else "user.deactivate",
            entity="user",
            entity_id=name,
            detail={"sessions_ended": ended},
        )


# --- users ---------------------------------------------------------------------------------------------

#: The longest username and display name accepted (an organisation email address fits easily).
MAX_USERNAME = 100
MAX_DISPLAY_NAME = 100
#: A username: letters, digits, dots, underscores and hyphens, starting with a letter or digit; an email address
#: (organisation sign-in) adds one @ and its domain. Lower-case: usernames are stored lower-cased.
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]*(?:@[a-z0-9][a-z0-9.-]*)?")
USERNAME_RULE = (
    f"use letters, digits, dots (.), underscores (_) and hyphens (-), starting with a letter or digit, at most "
    f"{MAX_USERNAME} characters (for organisation sign-in, the email address, e.g. jane.smith@trust.nhs.uk)"
)
#: What a display name may not start with: a spreadsheet reads it as a formula (or a tab / line break).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The labels the Admin → Users form gives the fields :func:`user_problems` keys its problems by.
USER_FIELDS = {"username": "Username", "display_name": "Display name", "password": "Password"}


def username_problem(username: str) -> str | None:
    """Why ``username`` cannot be a new account's username (in plain words, after "Username: "), or ``None``.

    Surrounding spaces are trimmed and capitals lowered first, as :func:`add_user` stores it."""
    name = username.strip().lower()
    if not name:
        return "this is required"
    if len(name) > MAX_USERNAME or not _USERNAME.fullmatch(name):
        return USERNAME_RULE
    return None


def display_name_problem(display_name: str) -> str | None:
    """Why ``display_name`` cannot be shown as a person's name (plain words, after "Display name: "), or ``None``.

    Empty is fine (the username is shown instead). One that starts with =, +, - or @ would be read as a formula by
    a spreadsheet opening a download, so it is refused where it is typed (downloads neutralise it as well)."""
    name = display_name.strip(" ")
    if name.startswith(_FORMULA_START):
        return (
            "it cannot start with =, +, - or @ (a spreadsheet would read it as a formula); start it with a letter, "
            "e.g. Jane Smith"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "write it on one line, without tabs or line breaks"
    if len(name) > MAX_DISPLAY_NAME:
        return f"write at most {MAX_DISPLAY_NAME} characters"
    return None


def password_problem(password: str, *, allow_demo: bool = False) -> str | None:
    """Why ``password`` cannot be a local password (plain words, after "Password: "), or ``None``."""
    if len(password) < MIN_PASSWORD:
        return f"at least {MIN_PASSWORD} characters"
    if password == DEMO_PASSWORD and not allow_demo:
        return "that is the demo's public password; choose another"
    return None


def user_problems(
    username: str, display_name: str = "", password: str | None = None, *, new: bool = True
) -> dict[str, str]:
    """Every problem with a user about to be saved, by field (:data:`USER_FIELDS`), each "Label: what to do."
    (empty: it can be saved). ``new``: the account does not exist yet; an existing account keeps the username it
    has (one made before the username rule can still be changed)."""
    found = {
        "username": username_problem(username) if new else None,
        "display_name": display_name_problem(display_name),
        "password": password_problem(password) if password else None,
    }
    return {name: f"{USER_FIELDS[name]}: {text}." for name, text in found.items() if text}


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
    allow_demo_password: bool = False,
) -> Actor:
    """Create or update a user; audited. Usernames are lower-case (an email address suits OIDC).

    A user without a password is an organisation account: only such an account can be bound to an
    organisation identity, and a password account is never bound to one.
    """
    name = username.strip().lower()
    if not name:
        raise UserError("a username is required")
    if Role(role) is Role.DIVISION_LEAD and not divisions.strip(", "):
        raise UserError("a division lead needs at least one division (--divisions)")
    display_name = display_name.strip(" ")
    with store.session_scope(engine, write=True) as session:
        existing = ws.get_user(session, name)
        problems = user_problems(name, display_name, new=existing is None)
        problems.pop("password", None)  # hash_password below says it in its own words
        if problems:
            raise UserError(" ".join(problems.values()))
        if password and existing is not None and existing.oidc_subject:
            raise UserError(f"{name} signs in with an organisation account; it cannot also have a password")
        user = AppUser(
            username=name,
            display_name=display_name or name,
            role=Role(role).value,
            panels=panels,
            divisions=divisions,
            password_hash=hash_password(password, allow_demo=allow_demo_password)
            if password
            else (existing.password_hash if existing else None),
            oidc_subject=existing.oidc_subject if existing else None,
            oidc_issuer=existing.oidc_issuer if existing else None,
            active=existing.active if existing else True,
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


# --- production --------------------------------------------------------------------------------------


def demo_accounts(engine: store.Engine) -> list[str]:
    """Users created by the demo, or whose password is the demo's public password."""
    found = []
    with store.session_scope(engine) as session:
        for user in ws.list_users(session):
            if not user.active:
                continue
            created_by_demo = any(
                e.action == "user.create" and e.actor == "demo"
                for e in audit.entries_for(session, "user", user.username)
            )
            if created_by_demo or _verifies(user.password_hash, DEMO_PASSWORD):
                found.append(user.username)
    return found


def check_production_accounts(engine: store.Engine, settings: Settings) -> None:
    """In production mode, refuse to run while any demo account exists."""
    if settings.mode != "production":
        return
    found = demo_accounts(engine)
    if found:
        raise UnsafeSettings(
            f"production mode refuses demo accounts and the demo password, found: {', '.join(found)}. "
            "Deactivate or change them (erreview users deactivate NAME), or use a database without the demo."
        )
