"""Queries and writes for the action tracker (table ``er_action``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select, update
from sqlmodel import Session, col

from erreview.models import ErAction
from erreview.store.workflow import StaleEdit


def add_action(session: Session, values: dict[str, Any], *, user: str) -> ErAction:
    at = datetime.now(UTC)
    action = ErAction(**values, created_at=at, created_by=user, updated_at=at, updated_by=user, version=1)
    session.add(action)
    session.flush()
    return action


def get_action(session: Session, action_id: int) -> ErAction | None:
    return session.get(ErAction, action_id)


def update_action(session: Session, action_id: int, expected_version: int, values: dict[str, Any], *, user: str) -> int:
    """Change an action if nobody else has since ``expected_version``; return the new version."""
    result = session.execute(
        update(ErAction)
        .where(col(ErAction.id) == action_id, col(ErAction.version) == expected_version)
        .values(**values, version=expected_version + 1, updated_at=datetime.now(UTC), updated_by=user)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleEdit(
            f"action {action_id} was changed by someone else since you opened it "
            f"(you had version {expected_version}); reload it and try again"
        )
    session.expire_all()
    return expected_version + 1


def actions_frame(session: Session, *, divisions: frozenset[str] | None = None) -> pd.DataFrame:
    """Every action (or those of some divisions), soonest due first."""
    query = select(ErAction).order_by(col(ErAction.due_date), col(ErAction.id))
    if divisions is not None:
        query = query.where(col(ErAction.division).in_(sorted(divisions)))
    rows = [a.model_dump() for a in session.execute(query).scalars()]
    columns = list(ErAction.model_fields)
    return pd.DataFrame(rows, columns=columns)
