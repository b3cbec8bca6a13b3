"""The ER case lifecycle as explicit states and transitions.

    concern_raised → initial_assessment → informal | no_further_action | awaiting_panel_check
    awaiting_panel_check → formal_investigation (gated) | informal | no_further_action
    formal_investigation → outcome → sanction → appeal → closed
    formal_investigation → awaiting_suspension_check → formal_investigation
                                                     (suspended (gated), restricted, or not suspended)
    (informal, no_further_action, outcome with no case to answer, sanction, appeal) → closed

Suspension is not a stage but a gated action on a formal case; asking the panel to check a proposed
suspension parks the case in ``awaiting_suspension_check`` until the case lead acts on the decision.
Which steps need a submitted panel review that decided "proceed" is a setting (:data:`DEFAULT_GATED_STEPS`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from erreview.errors import ErreviewError


class Stage(StrEnum):
    CONCERN_RAISED = "concern_raised"
    INITIAL_ASSESSMENT = "initial_assessment"
    INFORMAL = "informal"
    NO_FURTHER_ACTION = "no_further_action"
    AWAITING_PANEL_CHECK = "awaiting_panel_check"
    AWAITING_SUSPENSION_CHECK = "awaiting_suspension_check"
    FORMAL_INVESTIGATION = "formal_investigation"
    OUTCOME = "outcome"
    SANCTION = "sanction"
    APPEAL = "appeal"
    CLOSED = "closed"


STAGE_LABELS = {
    Stage.CONCERN_RAISED: "Concern raised",
    Stage.INITIAL_ASSESSMENT: "Initial assessment",
    Stage.INFORMAL: "Informal route",
    Stage.NO_FURTHER_ACTION: "No further action",
    Stage.AWAITING_PANEL_CHECK: "Awaiting panel check",
    Stage.AWAITING_SUSPENSION_CHECK: "Awaiting suspension check",
    Stage.FORMAL_INVESTIGATION: "Formal investigation",
    Stage.OUTCOME: "Investigation outcome",
    Stage.SANCTION: "Sanction",
    Stage.APPEAL: "Appeal",
    Stage.CLOSED: "Closed",
}


class Step(StrEnum):
    """Escalation steps a panel may be asked to check."""

    FORMAL_INVESTIGATION = "formal_investigation"
    SUSPENSION = "suspension"


DEFAULT_GATED_STEPS = frozenset({Step.FORMAL_INVESTIGATION, Step.SUSPENSION})


class Action(StrEnum):
    START_ASSESSMENT = "start_assessment"
    ROUTE_INFORMAL = "route_informal"
    NO_FURTHER_ACTION = "no_further_action"
    REFER_TO_PANEL = "refer_to_panel"
    START_FORMAL = "start_formal"
    REFER_SUSPENSION_CHECK = "refer_suspension_check"
    SUSPEND = "suspend"
    DO_NOT_SUSPEND = "do_not_suspend"
    END_SUSPENSION = "end_suspension"
    RESTRICT = "restrict"
    RECORD_OUTCOME = "record_outcome"
    RECORD_SANCTION = "record_sanction"
    RECORD_APPEAL = "record_appeal"
    CLOSE = "close"


ACTION_LABELS = {
    Action.START_ASSESSMENT: "Start initial assessment",
    Action.ROUTE_INFORMAL: "Route informally",
    Action.NO_FURTHER_ACTION: "No further action",
    Action.REFER_TO_PANEL: "Refer to the panel bias check",
    Action.START_FORMAL: "Start formal investigation",
    Action.REFER_SUSPENSION_CHECK: "Ask the panel to check a proposed suspension",
    Action.SUSPEND: "Suspend",
    Action.DO_NOT_SUSPEND: "Do not suspend",
    Action.END_SUSPENSION: "End the suspension",
    Action.RESTRICT: "Restrict duties or redeploy",
    Action.RECORD_OUTCOME: "Record investigation outcome",
    Action.RECORD_SANCTION: "Record sanction",
    Action.RECORD_APPEAL: "Record appeal outcome",
    Action.CLOSE: "Close the case",
}

#: action → (stages it may start from, stage it leads to; None = stays where it is).
TRANSITIONS: dict[Action, tuple[frozenset[Stage], Stage | None]] = {
    Action.START_ASSESSMENT: (frozenset({Stage.CONCERN_RAISED}), Stage.INITIAL_ASSESSMENT),
    Action.ROUTE_INFORMAL: (
        frozenset({Stage.INITIAL_ASSESSMENT, Stage.AWAITING_PANEL_CHECK}),
        Stage.INFORMAL,
    ),
    Action.NO_FURTHER_ACTION: (
        frozenset({Stage.INITIAL_ASSESSMENT, Stage.AWAITING_PANEL_CHECK}),
        Stage.NO_FURTHER_ACTION,
    ),
    Action.REFER_TO_PANEL: (frozenset({Stage.INITIAL_ASSESSMENT}), Stage.AWAITING_PANEL_CHECK),
    Action.START_FORMAL: (
        frozenset({Stage.INITIAL_ASSESSMENT, Stage.AWAITING_PANEL_CHECK}),
        Stage.FORMAL_INVESTIGATION,
    ),
    Action.REFER_SUSPENSION_CHECK: (frozenset({Stage.FORMAL_INVESTIGATION}), Stage.AWAITING_SUSPENSION_CHECK),
    Action.SUSPEND: (
        frozenset({Stage.FORMAL_INVESTIGATION, Stage.AWAITING_SUSPENSION_CHECK}),
        Stage.FORMAL_INVESTIGATION,
    ),
    Action.DO_NOT_SUSPEND: (frozenset({Stage.AWAITING_SUSPENSION_CHECK}), Stage.FORMAL_INVESTIGATION),
    Action.END_SUSPENSION: (
        frozenset({Stage.FORMAL_INVESTIGATION, Stage.OUTCOME, Stage.SANCTION, Stage.APPEAL}),
        None,
    ),
    Action.RESTRICT: (
        frozenset({Stage.FORMAL_INVESTIGATION, Stage.AWAITING_SUSPENSION_CHECK}),
        Stage.FORMAL_INVESTIGATION,
    ),
    Action.RECORD_OUTCOME: (frozenset({Stage.FORMAL_INVESTIGATION}), Stage.OUTCOME),
    Action.RECORD_SANCTION: (frozenset({Stage.OUTCOME}), Stage.SANCTION),
    Action.RECORD_APPEAL: (frozenset({Stage.SANCTION}), Stage.APPEAL),
    Action.CLOSE: (
        frozenset({Stage.INFORMAL, Stage.NO_FURTHER_ACTION, Stage.OUTCOME, Stage.SANCTION, Stage.APPEAL}),
        Stage.CLOSED,
    ),
}
#: Actions that end the case (it can take no step after them, so no suspension can be ended after them).
ENDS_CASE: frozenset[Action] = frozenset(a for a, (_, target) in TRANSITIONS.items() if target is Stage.CLOSED)
#: Actions that escalate and the panel step that gates them.
GATES: dict[Action, Step] = {Action.START_FORMAL: Step.FORMAL_INVESTIGATION, Action.SUSPEND: Step.SUSPENSION}


#: The stage a case waits in while the panel checks each step.
CHECK_STAGES: dict[Step, Stage] = {
    Step.FORMAL_INVESTIGATION: Stage.AWAITING_PANEL_CHECK,
    Step.SUSPENSION: Stage.AWAITING_SUSPENSION_CHECK,
}


def step_under_check(stage: Stage) -> Step | None:
    """The escalation step the panel is asked to check while a case is at ``stage`` (``None``: none)."""
    for step, waiting in CHECK_STAGES.items():
        if waiting is stage:
            return step
    return None


class TransitionRefused(ErreviewError, ValueError):
    """The action is not possible from the case's stage, or its gate is shut; the message says why."""


def allowed_actions(stage: Stage, *, suspended: bool | None = None) -> list[Action]:
    """Actions possible from ``stage``; given ``suspended`` (is a suspension running?), only the
    suspension action that fits is offered, and while one is running nothing that ends the case
    (:data:`ENDS_CASE`): the suspension is ended first, so it never outlives its case."""
    actions = [a for a, (sources, _) in TRANSITIONS.items() if stage in sources]
    if suspended is not None:
        actions = [a for a in actions if a is not (Action.SUSPEND if suspended else Action.END_SUSPENSION)]
    if suspended:
        actions = [a for a in actions if a not in ENDS_CASE]
    return actions


def target_stage(action: Action, stage: Stage) -> Stage:
    sources, target = TRANSITIONS[action]
    if stage not in sources:
        starts = ", ".join(STAGE_LABELS[s] for s in sorted(sources))
        raise TransitionRefused(
            f"cannot '{ACTION_LABELS[action]}' from '{STAGE_LABELS[stage]}'; it is only possible from: {starts}"
        )
    return target or stage


def _given(value: Any) -> bool:
    """A field is recorded: not None, not an empty string, and not a missing value from a DataFrame row
    (NaN and NaT compare unequal to themselves, and are truthy, which once made every open case an appeal)."""
    if value is None or value == "":
        return False
    return bool(value == value)


def derive_stage(case: dict[str, Any]) -> Stage:
    """The stage of a case known only from its tracker fields (an imported case)."""
    if _given(case.get("closed_date")):
        return Stage.CLOSED
    if _given(case.get("appeal_outcome")):
        return Stage.APPEAL
    if _given(case.get("sanction")):
        return Stage.SANCTION
    if _given(case.get("investigation_outcome")):
        return Stage.OUTCOME
    route = case.get("initial_route")
    if route == "formal":
        return Stage.FORMAL_INVESTIGATION
    if route == "informal":
        return Stage.INFORMAL
    if route == "no_further_action":
        return Stage.NO_FURTHER_ACTION
    return Stage.CONCERN_RAISED
