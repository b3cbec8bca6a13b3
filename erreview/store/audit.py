"""The append-only, hash-chained audit log.

Each entry's hash covers its content and the previous entry's hash, so editing, deleting or reordering any
entry breaks the chain from that point, and :func:`verify_chain` says where.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session, col

from erreview.models import AuditEntry

GENESIS = "0" * 64


def _digest(
    prev_hash: str, at: datetime, actor: str, action: str, entity: str, entity_id: str, detail: dict[str, Any]
) -> str:
    stamp = (
        at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
        if at.tzinfo
        else at.isoformat(timespec="microseconds")
    )
    payload = json.dumps(
        [prev_hash, stamp, actor, action, entity, entity_id, detail],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
    if session.get_bind().dialect.name == "postgresql":
        # One writer at a time extends the chain; the lock ends with the transaction.
        session.execute(text("SELECT pg_advisory_xact_lock(7263501)"))
    last = session.execute(select(col(AuditEntry.hash)).order_by(col(AuditEntry.id).desc()).limit(1)).scalar()
    prev = last or GENESIS
    at = datetime.now(UTC)
    body = detail or {}
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=body,
        prev_hash=prev,
        hash=_digest(prev, at, actor, action, entity, entity_id, body),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_bad_id: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify_chain(session: Session) -> ChainReport:
    """Walk the log in id order and check every link and every hash."""
    prev = GENESIS
    count = 0
    for entry in session.execute(select(AuditEntry).order_by(col(AuditEntry.id))).scalars():
        count += 1
        if entry.prev_hash != prev:
            return ChainReport(
                count,
                entry.id,
                f"entry {entry.id} does not follow the entry before it (an entry was deleted, inserted or reordered)",
            )
        expected = _digest(
            entry.prev_hash, entry.at, entry.actor, entry.action, entry.entity, entry.entity_id, entry.detail
        )
        if entry.hash != expected:
            return ChainReport(count, entry.id, f"entry {entry.id} was edited after it was written")
        prev = entry.hash
    return ChainReport(count, None, None)


def entries_for(session: Session, entity: str, entity_id: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(col(AuditEntry.entity) == entity, col(AuditEntry.entity_id) == entity_id)
    return list(session.execute(query.order_by(col(AuditEntry.id))).scalars())
