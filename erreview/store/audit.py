"""The append-only, keyed, hash-chained audit log, with anchors outside the database.

Each entry's hash is an HMAC-SHA256, under an audit key that never enters the database, of its content and
the previous entry's hash. Editing, deleting, inserting or reordering any entry breaks the chain from that
point, and without the key nobody can recompute the later hashes to hide it. The key is derived from the
pseudonym secret with its own label, so there is no second secret to manage.

After every commit that added entries, the head (entry id, hash) is appended to an anchor file beside the key
file (0600). :func:`verify_chain` checks that every anchored entry is still there with the same hash, so
deleting the newest entries (which leaves a shorter but valid chain) is detected too.

Entries written before the key existed (chain version 1) were plain SHA-256; they still verify, but only as a
prefix: an unkeyed entry after a keyed one is a rewrite.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import URL, event, select
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from erreview.config import Settings, get_settings
from erreview.models import AuditEntry
from erreview.pseudonym import load_or_create_key

GENESIS = "0" * 64
#: Chain versions: 1 = plain SHA-256 (before the audit key); 2 = HMAC-SHA256 under the audit key.
LEGACY, KEYED = 1, 2
AUDIT_KEY_LABEL = b"erreview audit chain v1"
_HEAD = "erreview_audit_head"


@dataclass(frozen=True)
class Keyring:
    """The audit key and the anchor file of one database."""

    key: bytes
    anchors: Path


_rings: dict[str, Keyring] = {}


def database_id(url: URL) -> str:
    """A stable name for a database, without its password (SQLite files by absolute path)."""
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return f"sqlite:{Path(str(url.database)).resolve()}"
    return url.set(password=None).render_as_string(hide_password=False)


def keyring_for(settings: Settings, url: URL) -> Keyring:
    """The audit key (derived from the pseudonym key with a distinct label) and the database's anchor file."""
    key = hmac.new(load_or_create_key(settings), AUDIT_KEY_LABEL, hashlib.sha256).digest()
    name = hashlib.sha256(database_id(url).encode("utf-8")).hexdigest()[:16]
    return Keyring(key, Path(settings.key_file).expanduser().parent / f"audit-anchors-{name}.log")


def bind(url: URL | str, settings: Settings) -> Keyring:
    """Use ``settings``' key for the database at ``url`` (the CLI and tests, which carry explicit settings)."""
    from sqlalchemy.engine import make_url

    url = make_url(url) if isinstance(url, str) else url
    ring = keyring_for(settings, url)
    _rings[database_id(url)] = ring
    return ring


def keyring(session: Session) -> Keyring:
    """The keyring bound to the session's database, else one from the environment's settings."""
    url = session.get_bind().engine.url
    ring = _rings.get(database_id(url))
    return ring if ring is not None else bind(url, get_settings())


# --- hashing ------------------------------------------------------------------------------------------


def _payload(
    prev_hash: str, at: datetime, actor: str, action: str, entity: str, entity_id: str, detail: dict[str, Any]
) -> bytes:
    stamp = (
        at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
        if at.tzinfo
        else at.isoformat(timespec="microseconds")
    )
    return json.dumps(
        [prev_hash, stamp, actor, action, entity, entity_id, detail],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    ).encode("utf-8")


def _digest(chain: int, key: bytes, entry: AuditEntry) -> str:
    payload = _payload(
        entry.prev_hash, entry.at, entry.actor, entry.action, entry.entity, entry.entity_id, entry.detail
    )
    if chain == LEGACY:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


# --- writing ------------------------------------------------------------------------------------------


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry in the caller's transaction (so the change and its record commit together)."""
    from erreview.store import lock_for_write

    lock_for_write(session)  # one writer extends the chain at a time (no-op when already held)
    ring = keyring(session)
    last = session.execute(select(col(AuditEntry.hash)).order_by(col(AuditEntry.id).desc()).limit(1)).scalar()
    entry = AuditEntry(
        at=datetime.now(UTC),
        actor=actor[:200],
        action=action,
        entity=entity,
        entity_id=entity_id[:200],
        detail=detail or {},
        prev_hash=last or GENESIS,
        hash="",
        chain=KEYED,
    )
    entry.hash = _digest(KEYED, ring.key, entry)
    session.add(entry)
    session.flush()
    session.info[_HEAD] = (entry.id, entry.hash, ring.anchors)
    return entry


def _write_anchor(path: Path, entry_id: int, digest: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    line = json.dumps({"id": entry_id, "hash": digest, "at": datetime.now(UTC).isoformat()}) + "\n"
    # O_APPEND and one write per line: concurrent writers never interleave inside a line.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


@event.listens_for(OrmSession, "after_commit")
def _anchor_after_commit(session: OrmSession) -> None:
    head = session.info.pop(_HEAD, None)
    if head is not None:
        _write_anchor(head[2], head[0], head[1])


@event.listens_for(OrmSession, "after_rollback")
def _forget_head(session: OrmSession) -> None:
    session.info.pop(_HEAD, None)


def anchors(ring: Keyring) -> list[tuple[int, str]]:
    """Every (entry id, hash) anchored so far, oldest first."""
    if not ring.anchors.exists():
        return []
    found = []
    for line in ring.anchors.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            found.append((int(record["id"]), str(record["hash"])))
    return found


# --- checking -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_bad_id: int | None
    reason: str | None
    anchored: int = 0
    head_id: int | None = None
    head_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    def head_text(self) -> str:
        """The head as printed in review packs: sequence number and the start of its hash."""
        if self.head_id is None or self.head_hash is None:
            return "audit log empty"
        return f"audit head: entry {self.head_id}, hash {self.head_hash[:16]}"


def verify_chain(session: Session, ring: Keyring | None = None) -> ChainReport:
    """Walk the log in id order checking every link and keyed hash, then every anchor."""
    ring = ring or keyring(session)
    prev, count, chain_seen = GENESIS, 0, LEGACY
    hashes: dict[int, str] = {}
    head: AuditEntry | None = None
    for entry in session.execute(select(AuditEntry).order_by(col(AuditEntry.id))).scalars():
        count += 1
        assert entry.id is not None
        if entry.prev_hash != prev:
            return ChainReport(
                count,
                entry.id,
                f"entry {entry.id} does not follow the entry before it (an entry was deleted, inserted or reordered)",
            )
        if entry.chain < chain_seen:
            return ChainReport(
                count, entry.id, f"entry {entry.id} carries an unkeyed hash after keyed entries (it was rewritten)"
            )
        chain_seen = entry.chain
        if entry.hash != _digest(entry.chain, ring.key, entry):
            return ChainReport(count, entry.id, f"entry {entry.id} was edited after it was written")
        prev = entry.hash
        hashes[entry.id] = entry.hash
        head = entry
    marks = anchors(ring)
    for anchored_id, anchored_hash in marks:
        if anchored_id not in hashes:
            return ChainReport(
                count,
                anchored_id,
                f"entry {anchored_id} was recorded outside the database but is missing (entries were deleted)",
            )
        if hashes[anchored_id] != anchored_hash:
            return ChainReport(
                count, anchored_id, f"entry {anchored_id} differs from its anchor outside the database (rewritten)"
            )
    return ChainReport(count, None, None, len(marks), head.id if head else None, head.hash if head else None)


#: Entries that record someone looking (not a change to data): a review pack's head leaves them out, so the
#: same data gives the same pack however often it is exported.
LOOKING = ("export.review_pack", "download", "case.view", "signin.ok", "signin.failed", "signout")


def data_head(session: Session) -> str:
    """The newest entry that changed data, as one line for a review pack (its sequence number and hash)."""
    row = session.execute(
        select(col(AuditEntry.id), col(AuditEntry.hash))
        .where(col(AuditEntry.action).not_in(LOOKING))
        .order_by(col(AuditEntry.id).desc())
        .limit(1)
    ).first()
    if row is None:
        return "audit log: no changes recorded"
    return f"audit head at the last change to data: entry {row[0]}, hash {row[1][:16]}"


def entries_for(session: Session, entity: str, entity_id: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(col(AuditEntry.entity) == entity, col(AuditEntry.entity_id) == entity_id)
    return list(session.execute(query.order_by(col(AuditEntry.id))).scalars())


# --- what gets recorded (one function per kind of event, for the service and the screens) -----------------


def record_sign_in(session: Session, username: str, *, ok: bool, method: str, reason: str | None = None) -> None:
    """A sign-in attempt, successful or not (``username`` as typed; never the password)."""
    detail: dict[str, Any] = {"method": method, "ok": ok}
    if reason:
        detail["reason"] = reason
    who = username.strip().lower() or "(blank)"
    append(
        session, actor=who, action="signin.ok" if ok else "signin.failed", entity="user", entity_id=who, detail=detail
    )


def record_sign_out(session: Session, username: str) -> None:
    append(session, actor=username, action="signout", entity="user", entity_id=username)


def record_case_view(session: Session, username: str, case_id: str) -> None:
    """Who opened which case."""
    append(session, actor=username, action="case.view", entity="case", entity_id=case_id)


def record_screen_refused(session: Session, username: str, screen: str) -> None:
    """Someone opened the address of a screen their role does not have (``screen``: its address, e.g. /admin)."""
    append(session, actor=username, action="screen.refused", entity="screen", entity_id=screen)


def record_import(session: Session, username: str, files: list[dict[str, Any]], counts: dict[str, Any]) -> None:
    """An import: each file's name, SHA-256 and rows, and what was written."""
    append(
        session,
        actor=username,
        action="import",
        entity="import",
        entity_id=",".join(str(f["name"]) for f in files),
        detail={"files": files, **counts},
    )


def record_download(session: Session, username: str, what: str, file_name: str) -> None:
    """A file handed to someone's browser (a review pack part, an audit-log extract...)."""
    append(session, actor=username, action="download", entity="download", entity_id=what, detail={"file": file_name})


# --- reading the log ----------------------------------------------------------------------------------

LOG_COLUMNS = ["id", "at", "actor", "action", "entity", "entity_id", "detail"]


def log_frame(
    session: Session,
    *,
    person: str | None = None,
    action: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Entries newest first, filtered by person (exact), action (prefix, e.g. ``case``) and dates (inclusive, as
    UTC days: the times are stored and shown in UTC)."""
    query = select(AuditEntry)
    if person:
        query = query.where(col(AuditEntry.actor) == person)
    if action:
        query = query.where(col(AuditEntry.action).startswith(action))
    if start is not None:
        query = query.where(col(AuditEntry.at) >= datetime(start.year, start.month, start.day, tzinfo=UTC))
    if end is not None:
        query = query.where(col(AuditEntry.at) <= datetime.combine(end, datetime.max.time(), tzinfo=UTC))
    query = query.order_by(col(AuditEntry.id).desc())
    if limit is not None:
        query = query.limit(limit)
    rows = [
        {
            "id": e.id,
            "at": e.at.replace(tzinfo=None),
            "actor": e.actor,
            "action": e.action,
            "entity": e.entity,
            "entity_id": e.entity_id,
            "detail": json.dumps(e.detail, sort_keys=True, default=str),
        }
        for e in session.execute(query).scalars()
    ]
    return pd.DataFrame(rows, columns=LOG_COLUMNS)


def people_and_actions(session: Session) -> tuple[list[str], list[str]]:
    """Distinct actors and actions, for the filters."""
    actors = sorted(session.execute(select(col(AuditEntry.actor)).distinct()).scalars())
    actions = sorted(session.execute(select(col(AuditEntry.action)).distinct()).scalars())
    return actors, actions
