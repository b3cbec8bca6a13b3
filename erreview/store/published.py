"""What each exported review pack published (contract §5 v2): stored so the next pack is audited with it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from erreview.models import PublishedPack


def _digest(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def record_pack(session: Session, *, period: str, by: str, record: dict[str, Any]) -> bool:
    """Keep a pack's record; the same record published again is kept once. True if it was new."""
    digest = _digest(record)
    if session.execute(select(col(PublishedPack.id)).where(col(PublishedPack.digest) == digest)).first():
        return False
    session.add(
        PublishedPack(period=period, published_at=datetime.now(UTC), published_by=by, digest=digest, record=record)
    )
    return True


def published_records(session: Session) -> list[dict[str, Any]]:
    """Every stored record, oldest first."""
    rows = session.execute(select(PublishedPack).order_by(col(PublishedPack.id))).scalars().all()
    return [dict(r.record) for r in rows]


def latest_id(session: Session) -> int:
    """The newest record's id (0 when none): changes whenever a pack is recorded."""
    found = session.execute(select(col(PublishedPack.id)).order_by(col(PublishedPack.id).desc()).limit(1)).first()
    return int(found[0]) if found else 0
