"""My work: what waits for the signed-in person, oldest first.

- case lead: cases to move on, panel decisions that have come back, suspension reviews due or overdue;
- panel member: referrals to their panels that the panel has not decided yet, reviews naming them that
  they have not confirmed (attested) yet;
- admin: bias checks switched off, cases with nobody leading them;
- inclusion analyst and board viewer: actions past their due date.

Each item says what to do in a plain sentence and where to do it (a screen and, for a case, its id), so
the screen can link straight to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from erreview import store
from erreview.review.lifecycle import CHECK_STAGES, DEFAULT_GATED_STEPS, STAGE_LABELS, Stage, step_under_check
from erreview.review.panel import Rules, current_review, decision_label
from erreview.review.roles import Actor, Role, requires
from erreview.review.suspension import STATUS_LABELS
from erreview.review.workflow import attestations_waiting, list_cases, suspension_work_list
from erreview.store import audit
from erreview.store import workflow as ws

#: Where each kind of item is dealt with (the screens' URL paths).
CASES, PANEL_CHECK, ADMIN, ACTIONS = "cases", "precheck", "admin", "actions"
#: Stages at which a case lead has nothing left to do.
_FINISHED = {Stage.CLOSED}


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting for this person."""

    kind: str
    text: str
    screen: str
    case_id: str | None = None
    since: date | None = None
    #: The words on its button: a screen reader lists buttons by name alone, so each says what it opens.
    button: str = ""


def _day(value: Any) -> date | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.date()


def _referred_on(session: Any, case_id: str) -> date | None:
    """When the case was last sent to the panel (from its audit trail)."""
    entries = [
        e
        for e in audit.entries_for(session, "case", case_id)
        if e.action in ("case.refer_to_panel", "case.refer_suspension_check")
    ]
    return entries[-1].at.date() if entries else None


def _case_items(engine: store.Engine, rules: Rules, actor: Actor) -> list[WorkItem]:
    cases = list_cases(engine, actor=actor)
    if cases.empty:
        return []
    items: list[WorkItem] = []
    with store.session_scope(engine) as session:
        for record in cases.to_dict("records"):
            case_id, panel = str(record["case_id"]), record.get("panel")
            stage = Stage(str(record["stage"]))
            step = step_under_check(stage)
            if step is not None:
                review = current_review(ws.reviews_for(session, case_id), step)
                words = step.value.replace("_", " ")
                if actor.role is Role.PANEL_MEMBER and review is None:
                    since = _referred_on(session, case_id)
                    items.append(
                        WorkItem(
                            "referral",
                            f"{case_id}: the {panel} panel is asked to check the {words}.",
                            PANEL_CHECK,
                            case_id,
                            since,
                            f"Open {case_id} on the panel check",
                        )
                    )
                elif actor.role is not Role.PANEL_MEMBER and review is not None:
                    items.append(
                        WorkItem(
                            "panel_decided",
                            f"{case_id}: the panel decided on the {words}: "
                            f"{decision_label(review.decision, review.step)}.",
                            CASES,
                            case_id,
                            review.submitted_at.date(),
                            f"Open {case_id}: the panel's decision",
                        )
                    )
            elif actor.role is Role.CASE_LEAD and stage not in _FINISHED:
                items.append(
                    WorkItem(
                        "move_on",
                        f"{case_id}: {STAGE_LABELS[stage].lower()}; move it on or close it.",
                        CASES,
                        case_id,
                        _day(record.get("opened_date")),
                        f"Open {case_id} to move it on",
                    )
                )
    return items


def _admin_items(engine: store.Engine, rules: Rules, actor: Actor) -> list[WorkItem]:
    items = [
        WorkItem(
            "gate_off",
            f"The panel bias check before {step.value.replace('_', ' ')} is switched off: cases can be "
            "escalated without it.",
            ADMIN,
            button=f"Open the settings: the check before {step.value.replace('_', ' ')}",
        )
        for step in sorted(DEFAULT_GATED_STEPS)
        if step not in rules.gated_steps
    ]
    cases = list_cases(engine, actor=actor)
    if not cases.empty:
        open_cases = cases[~cases["stage"].isin([s.value for s in _FINISHED])]
        unled = open_cases[open_cases["case_lead"].isna()]
        if len(unled):
            items.append(
                WorkItem(
                    "no_case_lead",
                    f"{len(unled):,} open case(s) have no case lead.",
                    CASES,
                    button="Open the cases with no case lead",
                )
            )
    return items


def _suspension_items(engine: store.Engine, rules: Rules, actor: Actor, today: date) -> list[WorkItem]:
    due = suspension_work_list(engine, rules.suspension_review_days, actor=actor, today=today)
    return [
        WorkItem(
            "suspension_review",
            f"{row['case_id']}: suspension review {STATUS_LABELS[str(row['status'])].lower()} "
            f"({row['next_review']:%-d %b %Y}); suspended for {row['days_suspended']} days.",
            CASES,
            str(row["case_id"]),
            _day(row["next_review"]),
            f"Open {row['case_id']}: the suspension review",
        )
        for row in due.to_dict("records")
        if row["status"] != "scheduled"
    ]


def _attestation_items(engine: store.Engine, actor: Actor) -> list[WorkItem]:
    return [
        WorkItem(
            "attest",
            f"{r.case_id}: confirm your place on the panel for review {r.review_id} "
            f"({decision_label(r.decision, r.step)}).",
            PANEL_CHECK,
            r.case_id,
            button=f"Open {r.case_id}: confirm your place on review {r.review_id}",
        )
        for r in attestations_waiting(engine, actor=actor)
    ]


def _action_items(engine: store.Engine, today: date) -> list[WorkItem]:
    from erreview.actions import actions_for

    actions = actions_for(engine, today=today)
    if actions.empty:
        return []
    late = actions[actions["overdue"]]
    return [
        WorkItem(
            "action_overdue",
            f"Action {a.id}, “{a.title}” (owner: {a.owner}), was due on {_day(a.due_date):%-d %b %Y}.",
            ACTIONS,
            None,
            _day(a.due_date),
            f"Open the actions: action {a.id}",
        )
        for a in late.itertuples(index=False)
    ]


@requires(*Role)
def my_work(engine: store.Engine, rules: Rules, *, actor: Actor, today: date | None = None) -> list[WorkItem]:
    """Everything waiting for ``actor``, oldest first (items without a date last)."""
    today = today or date.today()
    items: list[WorkItem] = []
    if actor.role in (Role.CASE_LEAD, Role.PANEL_MEMBER, Role.ADMIN):
        items += _case_items(engine, rules, actor)
    if actor.role in (Role.CASE_LEAD, Role.ADMIN):
        items += _suspension_items(engine, rules, actor, today)
    if actor.role in (Role.PANEL_MEMBER, Role.ADMIN):
        items += _attestation_items(engine, actor)
    if actor.role is Role.ADMIN:
        items += _admin_items(engine, rules, actor)
    if actor.role in (Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER):
        items += _action_items(engine, today)
    return sorted(items, key=lambda i: (i.since is None, i.since or date.max, i.case_id or ""))


__all__ = ["CHECK_STAGES", "WorkItem", "my_work"]
