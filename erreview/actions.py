"""The action tracker: what the trust agreed to do about a finding, who owns it, and whether it is done.

An action is linked to a finding: a measure (indicator 3, a decision point, complaints, or a measure the
trust added to its measure library), the period it was seen in and, optionally, a division. It has an
owner (a post, e.g. "Director of People"), a due date,
a status and evidence notes. Admins and inclusion analysts create and update actions; the board signs
off a finished (done or cancelled) action, after which it is closed to edits. Evidence notes are screened
for identifiers like every other free text. Every change is written to the audit log with the fields
changed, and every save names the version it read (optimistic locking, as for cases).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from erreview import store
from erreview.errors import ErreviewError, plain_reason
from erreview.measures import load_measures, trust_measures
from erreview.metrics.decisions import DECISION_POINTS
from erreview.models import ErAction
from erreview.periods import Period, parse_period, periods_between
from erreview.review.roles import Actor, Role, requires
from erreview.review.screening import check_free_text
from erreview.store import actions as sa
from erreview.store import audit
from erreview.store.workflow import StaleEdit, now, subject_values


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    ActionStatus.OPEN: "Open",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done",
    ActionStatus.CANCELLED: "Cancelled",
}
FINISHED = frozenset({ActionStatus.DONE, ActionStatus.CANCELLED})
#: The measures an action can answer (ids as in ``wres``/``decisions --json``).
INDICATOR3 = "wres_indicator3"
COMPLAINTS = "complaints"


def measure_ids(measure_dir: Path | None = None) -> list[str]:
    """The contract's measures, then the trust's own from ``measure_dir`` (its measure library folder)."""
    return [INDICATOR3, *(p.name for p in DECISION_POINTS), COMPLAINTS, *(m.id for m in trust_measures(measure_dir))]


def measure_labels(measure_dir: Path | None = None) -> dict[str, str]:
    """Each measure an action can answer (:func:`measure_ids`), by id, with its name as people read it."""
    names = {m.id: m.label for m in load_measures(measure_dir)}
    names[COMPLAINTS] = "Complaints raised by staff"
    return {m: names.get(m, m.replace("_", " ").capitalize()) for m in measure_ids(measure_dir)}


def finding_periods(engine: store.Engine) -> list[Period]:
    """The periods a finding can be seen in: each financial year with data, then its half-years, newest first."""
    with store.session_scope(engine) as session:
        first, last = store.data_extent(session)
    if first is None or last is None:
        return []
    years = periods_between(first, last, "year")[::-1]
    halves = set(periods_between(first, last, "half"))
    return [
        p for year in years for p in (year, Period(year.fy_start, 2), Period(year.fy_start, 1)) if p in {year, *halves}
    ]


def finding_divisions(engine: store.Engine) -> list[str]:
    """The divisions a finding can be in: those named in the cases and the latest workforce snapshot."""
    with store.session_scope(engine) as session:
        return sorted(v for v in subject_values(session, "division") if v)


class ActionRefused(ErreviewError, ValueError):
    """An action that cannot be saved as asked; the message says why."""


class ActionInput(BaseModel):
    """What a person fills in for an action."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=5, max_length=300)
    measure: str
    period: str = Field(default="", max_length=32)
    division: str = Field(default="", max_length=200)
    owner: str = Field(min_length=2, max_length=200)
    due_date: date
    status: ActionStatus = ActionStatus.OPEN
    evidence: str = Field(default="", max_length=5000)

    @field_validator("measure")
    @classmethod
    def _measure(cls, value: str, info: ValidationInfo) -> str:
        known: Sequence[str] = (info.context or {}).get("measures") or measure_ids()
        if value not in known:
            raise ValueError(f"must be one of {', '.join(known)}")
        return value

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        if value:
            try:
                parse_period(value)
            except ErreviewError as exc:
                raise ValueError(exc.message) from None
            except ValueError as exc:
                raise ValueError(str(exc)) from None
        return value


def _validated(values: dict[str, Any], measures: Sequence[str] | None = None) -> ActionInput:
    try:
        data = ActionInput.model_validate(values, context={"measures": measures})
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).replace('_', ' ')}: {plain_reason(e)}"
            if e["loc"]
            else plain_reason(e)
            for e in exc.errors()
        )
        raise ActionRefused(reasons) from None
    for name in ("title", "owner", "evidence"):
        check_free_text(name, getattr(data, name))
    return data


def _load(session: Any, action_id: int, expected_version: int) -> ErAction:
    """The action, after checking nobody changed it since it was read (checked first, as for cases)."""
    row = sa.get_action(session, action_id)
    if row is None:
        raise ActionRefused(f"there is no action {action_id}")
    if row.version != expected_version:
        raise StaleEdit(
            f"action {action_id} was changed by someone else since you opened it "
            f"(you had version {expected_version}); reload it and try again"
        )
    return row


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, StrEnum) else v) for k, v in values.items()}


@requires(Role.ADMIN, Role.INCLUSION_ANALYST)
def create_action(
    engine: store.Engine, values: dict[str, Any], *, actor: Actor, measure_dir: Path | None = None
) -> int:
    """Record a new action; returns its id. Its measure is one of the contract's or one the trust added to its
    measure library (``measure_dir``)."""
    data = _validated(values, measure_ids(measure_dir))
    with store.session_scope(engine, write=True) as session:
        row = sa.add_action(session, _stored(data.model_dump()), user=actor.username)
        assert row.id is not None
        audit.append(
            session,
            actor=actor.username,
            action="action.create",
            entity="action",
            entity_id=str(row.id),
            detail=_stored(data.model_dump(exclude={"evidence"})) | {"due_date": data.due_date.isoformat()},
        )
        return row.id


@requires(Role.ADMIN, Role.INCLUSION_ANALYST)
def update_action(
    engine: store.Engine,
    action_id: int,
    changes: dict[str, Any],
    *,
    actor: Actor,
    expected_version: int,
    measure_dir: Path | None = None,
) -> int:
    """Change an action's fields (any of :class:`ActionInput`'s); returns the new version. A measure the action
    already answers stays valid even if the trust has since removed it from its library."""
    with store.session_scope(engine, write=True) as session:
        row = _load(session, action_id, expected_version)
        if row.signed_off_by:
            raise ActionRefused(f"action {action_id} was signed off by the board and is closed to changes")
        current = {f: getattr(row, f) for f in ActionInput.model_fields}
        known = measure_ids(measure_dir)
        data = _validated(current | changes, known if "measure" in changes else [*known, row.measure])
        new = _stored(data.model_dump())
        changed = {k: v for k, v in new.items() if v != current[k]}
        if not changed:
            return row.version
        version = sa.update_action(session, action_id, expected_version, changed, user=actor.username)
        shown = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in changed.items() if k != "evidence"}
        if "evidence" in changed:
            shown["evidence"] = "(updated)"  # the note itself stays in the action, not copied into the log
        audit.append(
            session,
            actor=actor.username,
            action="action.update",
            entity="action",
            entity_id=str(action_id),
            detail={"changed": shown, "version": version},
        )
        return version


@requires(Role.BOARD_VIEWER, Role.ADMIN)
def sign_off(engine: store.Engine, action_id: int, *, actor: Actor, expected_version: int) -> int:
    """The board accepts a finished action; it is closed to changes from then on."""
    with store.session_scope(engine) as session:
        row = _load(session, action_id, expected_version)
        if row.signed_off_by:
            raise ActionRefused(f"action {action_id} is already signed off")
        if row.status not in FINISHED:
            raise ActionRefused(
                f"action {action_id} is {STATUS_LABELS[ActionStatus(row.status)].lower()}: only a done or "
                "cancelled action can be signed off"
            )
        version = sa.update_action(
            session,
            action_id,
            expected_version,
            {"signed_off_by": actor.username, "signed_off_at": now()},
            user=actor.username,
        )
        audit.append(
            session,
            actor=actor.username,
            action="action.sign_off",
            entity="action",
            entity_id=str(action_id),
            detail={"status": row.status, "version": version},
        )
        return version


def overdue(frame: pd.DataFrame, today: date) -> pd.Series:
    """Open or in-progress actions whose due date has passed."""
    if frame.empty:
        return pd.Series([], dtype=bool)
    due = pd.to_datetime(frame["due_date"])
    return frame["status"].isin([ActionStatus.OPEN, ActionStatus.IN_PROGRESS]) & (due < pd.Timestamp(today))


@requires(Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER)
def list_actions(engine: store.Engine, *, actor: Actor, today: date | None = None) -> pd.DataFrame:
    """Every action with an ``overdue`` column."""
    return actions_for(engine, today=today)


def actions_for(
    engine: store.Engine, *, today: date | None = None, divisions: frozenset[str] | None = None
) -> pd.DataFrame:
    """Actions (all, or those of some divisions) with ``overdue``; for the pack and scoped screens."""
    with store.session_scope(engine) as session:
        frame = sa.actions_frame(session, divisions=divisions)
    return frame.assign(overdue=overdue(frame, today or date.today()).to_numpy(dtype=bool))
