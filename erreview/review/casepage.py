"""What a case page offers at each stage: a plain sentence saying where the case stands, and only the next
steps that are possible now, each with exactly the fields it needs.

Pure: it reads a :class:`~erreview.review.workflow.CaseDetail` and the rules; the screen renders what it
returns and the library's :func:`~erreview.review.workflow.transition` still enforces every rule.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from pydantic import ValidationError

from erreview.errors import plain_reason
from erreview.ingest import FUTURE_DATE, validate_cases
from erreview.review.lifecycle import ACTION_LABELS, GATES, Action, Stage, Step, step_under_check
from erreview.review.panel import Rules, current_review, decision_label, gate_problem, waiting_words
from erreview.review.suspension import is_running
from erreview.review.workflow import ACTION_VALUES, CaseDetail, NewCase
from erreview.staffid import DEFAULT_STAFF_ID_EXAMPLE, DEFAULT_STAFF_ID_PATTERN, staff_id_problem
from erreview.vocab import (
    CASE_COLUMNS,
    AllegationCategory,
    CaseType,
    Gender,
    InvestigationOutcome,
    ReferralSource,
    Sanction,
)

#: Plain words for the values a step records (the contract's codes never reach a person).
VALUE_LABELS: dict[str, str] = {
    "restricted_duties": "Restricted duties",
    "redeployed": "Redeployed",
    "no_case_to_answer": "No case to answer",
    "fast_track": "Fast track (accepted, no hearing needed)",
    "hearing": "Case to answer: hearing",
    "no_action": "No formal action",
    "formal_verbal_warning": "Formal verbal warning",
    "first_written_warning": "First written warning",
    "final_written_warning": "Final written warning",
    "action_short_of_dismissal": "Action short of dismissal",
    "dismissal": "Dismissal",
    "upheld": "Appeal upheld",
    "partially_upheld": "Appeal partly upheld",
    "not_upheld": "Appeal not upheld",
}
#: The order a person expects to read each step's values in (mildest first for sanctions).
VALUE_ORDER: dict[Action, tuple[str, ...]] = {
    Action.RESTRICT: ("restricted_duties", "redeployed"),
    Action.RECORD_OUTCOME: tuple(o.value for o in InvestigationOutcome),
    Action.RECORD_SANCTION: tuple(s.value for s in Sanction),
    Action.RECORD_APPEAL: ("upheld", "partially_upheld", "not_upheld"),
}
#: What each step records, in the words of the field that asks for it.
VALUE_QUESTIONS: dict[Action, str] = {
    Action.RESTRICT: "Which alternative to suspension?",
    Action.RECORD_OUTCOME: "What did the investigation find?",
    Action.RECORD_SANCTION: "What sanction was decided?",
    Action.RECORD_APPEAL: "What was the appeal's outcome?",
}
#: What to do when a step's value was not chosen, in plain words (said under the field).
VALUE_MISSING: dict[Action, str] = {
    Action.RESTRICT: "Choose the alternative to suspension.",
    Action.RECORD_OUTCOME: "Choose what the investigation found.",
    Action.RECORD_SANCTION: "Choose the sanction that was decided.",
    Action.RECORD_APPEAL: "Choose the appeal's outcome.",
}
#: One sentence on what each step does, shown beside it.
EXPLANATIONS: dict[Action, str] = {
    Action.START_ASSESSMENT: "The manager and HR look at the concern before deciding a route.",
    Action.ROUTE_INFORMAL: "Resolve the concern informally (a conversation, a letter of concern, mediation).",
    Action.NO_FURTHER_ACTION: "Close the concern without action.",
    Action.REFER_TO_PANEL: "The panel checks the case for bias before any formal investigation can start.",
    Action.START_FORMAL: "Begin the formal investigation (the WRES indicator 3 event).",
    Action.REFER_SUSPENSION_CHECK: "Suspension is a last resort: the panel checks it, and the alternatives, first.",
    Action.SUSPEND: "Suspend the colleague from work, on full pay, from the date given.",
    Action.DO_NOT_SUSPEND: "Keep the colleague at work; the investigation carries on.",
    Action.END_SUSPENSION: "The colleague returns to work; the suspension ends on the date given.",
    Action.RESTRICT: "An alternative to suspension: restricted duties or redeployment.",
    Action.RECORD_OUTCOME: "Record what the investigation found.",
    Action.RECORD_SANCTION: "Record the hearing's decision.",
    Action.RECORD_APPEAL: "Record the outcome of the colleague's appeal.",
    Action.CLOSE: "Close the case.",
}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class NextStep:
    """One thing the case lead can do now, with the fields it needs."""

    action: Action
    label: str
    explanation: str
    needs_panel: bool = False
    question: str | None = None
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    #: What to say under the value's field when nothing was chosen.
    choose: str | None = None


def _fmt(day: Any) -> str:
    if isinstance(day, date):
        return f"{day.day} {day:%b %Y}"
    return str(day)


def _panel_decision(detail: CaseDetail, step: Step, rules: Rules) -> tuple[str, bool]:
    """(sentence about the panel's decision for ``step``, whether the gate is open)."""
    review = current_review(detail.reviews, step)
    words = "the formal investigation" if step is Step.FORMAL_INVESTIGATION else "the suspension"
    if step not in rules.gated_steps:
        return (f"The bias check before {words} is switched off by the administrator.", True)
    if review is None:
        panel = f"the {detail.panel} panel" if detail.panel else "the panel"
        return (f"Waiting for {panel} to check the case before {words}.", False)
    when = _fmt(review.submitted_at.date())
    decision = decision_label(review.decision, step)
    problem = gate_problem(detail.reviews, step, rules, detail.attestations)
    agreed = "decided to proceed" if step is Step.FORMAL_INVESTIGATION else "agreed to the suspension"
    if problem is None:
        action = "start the formal investigation" if step is Step.FORMAL_INVESTIGATION else "suspend"
        return (f"The panel {agreed} on {when}: you can now {action}.", True)
    if review.decision == "proceed":
        # Waiting for members to confirm their place: said with their names, in the screen's own words (the
        # command line keeps the gate's wording, which names the rule and the accounts).
        waiting = waiting_words(review, detail.attestations_of(review.id), rules, detail.names)
        return (f"The panel {agreed} on {when}. {waiting or problem}", False)
    again = (
        " The panel reviews the case again when the information is in." if review.decision == "more_information" else ""
    )
    return (f"The panel decided on {when}: {decision}. {words.capitalize()} cannot go ahead.{again}", False)


def case_status(detail: CaseDetail, rules: Rules) -> str:
    """Where the case stands, in one or two plain sentences."""
    info = detail.case
    step = step_under_check(detail.stage)
    if step is not None:
        return _panel_decision(detail, step, rules)[0]
    text = _stage_status(detail, rules)
    start = info.get("suspension_start_date")
    if (
        detail.stage not in (Stage.FORMAL_INVESTIGATION, Stage.CLOSED)
        and is_running(start, info.get("suspension_end_date"), info.get("closed_date"))
        and isinstance(start, date)
    ):
        text += f" Still suspended since {_fmt(start)}: end the suspension before the case can be closed."
    return text


def _stage_status(detail: CaseDetail, rules: Rules) -> str:
    info = detail.case
    match detail.stage:
        case Stage.CONCERN_RAISED:
            return f"Concern raised on {_fmt(info.get('opened_date'))}. Start the initial assessment."
        case Stage.INITIAL_ASSESSMENT:
            gate = (
                " A formal investigation needs the panel's bias check first."
                if Step.FORMAL_INVESTIGATION in rules.gated_steps
                else ""
            )
            return "Initial assessment: decide the route." + gate
        case Stage.FORMAL_INVESTIGATION:
            text = f"Formal investigation since {_fmt(info.get('formal_investigation_date'))}."
            if info.get("restriction") == "suspended":
                start = info.get("suspension_start_date")
                text += " Suspended" + (f" since {_fmt(start)}." if start else ".")
            elif info.get("restriction") in ("restricted_duties", "redeployed"):
                text += f" {VALUE_LABELS[str(info['restriction'])]} instead of suspension."
            return text
        case Stage.OUTCOME:
            return f"The investigation found: {VALUE_LABELS.get(str(info.get('investigation_outcome')), '—')}."
        case Stage.SANCTION:
            return f"Sanction decided: {VALUE_LABELS.get(str(info.get('sanction')), '—')}."
        case Stage.APPEAL:
            return f"Appeal decided: {VALUE_LABELS.get(str(info.get('appeal_outcome')), '—')}."
        case Stage.CLOSED:
            return f"Closed on {_fmt(info.get('closed_date'))}."
        case Stage.INFORMAL:
            return "Being resolved informally."
        case Stage.NO_FURTHER_ACTION:
            return "No further action was decided."
    return detail.stage_label


def _step(action: Action, **extra: Any) -> NextStep:
    choices: tuple[Choice, ...] = ()
    if action in ACTION_VALUES:
        allowed = ACTION_VALUES[action][1]
        choices = tuple(Choice(v, VALUE_LABELS[v]) for v in VALUE_ORDER[action] if v in allowed)
    return NextStep(
        action,
        ACTION_LABELS[action],
        EXPLANATIONS[action],
        question=VALUE_QUESTIONS.get(action),
        choices=choices,
        choose=VALUE_MISSING.get(action),
        **extra,
    )


def next_steps(detail: CaseDetail, rules: Rules) -> list[NextStep]:
    """The steps open to the case lead now, in the order they are usually taken.

    Gated escalations appear only when their gate is open; where it is shut, the referral to the panel is
    offered instead, so the page never offers a step the library would refuse for a missing check.
    """
    if not detail.actions:  # not this person's case to move
        return []
    info = detail.case
    steps: list[NextStep] = []
    for action in detail.actions:
        gate = GATES.get(action)
        gate_open = gate is None or _panel_decision(detail, gate, rules)[1]
        match action:
            case Action.START_FORMAL | Action.SUSPEND if not gate_open:
                continue
            case Action.REFER_TO_PANEL:
                steps.append(_step(action, needs_panel=True))
                continue
            case Action.REFER_SUSPENSION_CHECK:
                if Step.SUSPENSION not in rules.gated_steps or info.get("restriction") == "suspended":
                    continue  # switched off (Suspend is offered directly), or suspended already
                steps.append(_step(action, needs_panel=detail.panel is None))
                continue
            case Action.SUSPEND if detail.stage is Stage.FORMAL_INVESTIGATION and (
                Step.SUSPENSION in rules.gated_steps or info.get("restriction") == "suspended"
            ):
                continue  # a gated suspension goes through its own check first
            case Action.RESTRICT if info.get("restriction") == "suspended":
                continue
            case Action.RECORD_SANCTION if info.get("investigation_outcome") == "no_case_to_answer":
                continue
            case Action.RECORD_APPEAL if info.get("sanction") == "no_action":
                continue
        steps.append(_step(action))
    return steps


#: The new-concern form's fields in the words of the form.
FIELD_LABELS: dict[str, str] = {
    "person_id": "Staff identifier (ESR number)",
    "ethnic_category": "Ethnic category",
    "gender": "Gender",
    "band": "Band",
    "staff_group": "Staff group",
    "division": "Division",
    "case_type": "Case type",
    "allegation_category": "Allegation",
    "referral_source": "Raised by",
    "opened_date": "Concern raised on",
}
#: Plain labels for the contract's codes in pick lists.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "gender": {
        Gender.FEMALE: "Female",
        Gender.MALE: "Male",
        Gender.OTHER: "Other",
        Gender.NOT_STATED: "Not stated",
    },
    "case_type": {
        CaseType.DISCIPLINARY: "Disciplinary",
        CaseType.CAPABILITY: "Capability",
        CaseType.GRIEVANCE: "Grievance (raised by this colleague)",
        CaseType.BULLYING_HARASSMENT: "Bullying or harassment (raised by this colleague)",
        CaseType.SICKNESS: "Sickness absence",
    },
    "allegation_category": {
        AllegationCategory.CLINICAL_PRACTICE: "Clinical practice",
        AllegationCategory.BEHAVIOUR: "Behaviour",
        AllegationCategory.ATTENDANCE: "Attendance",
        AllegationCategory.FRAUD_THEFT: "Fraud or theft",
        AllegationCategory.INFORMATION_GOVERNANCE: "Information governance",
        AllegationCategory.PATIENT_CARE: "Patient care",
        AllegationCategory.OTHER: "Other",
    },
    "referral_source": {
        ReferralSource.MANAGER: "Their manager",
        ReferralSource.COLLEAGUE: "A colleague",
        ReferralSource.PATIENT_COMPLAINT: "A patient complaint",
        ReferralSource.INCIDENT_REPORT: "An incident report",
        ReferralSource.EXTERNAL: "Someone outside the trust",
    },
}


def new_case_problems(
    fields: dict[str, Any],
    *,
    today: date | None = None,
    staff_id_pattern: str = DEFAULT_STAFF_ID_PATTERN,
    staff_id_example: str = DEFAULT_STAFF_ID_EXAMPLE,
) -> dict[str, str]:
    """Every problem with a new concern, keyed by form field, in plain words (empty: it can be saved).

    Runs the same checks as :func:`~erreview.review.workflow.create_case` (the form model, the staff identifier's
    form from the settings ``staff_id_pattern`` and ``staff_id_example``, and the import contract), so the form can
    show them all at once beside their fields.
    """
    problems: dict[str, str] = {}
    for name, label in FIELD_LABELS.items():
        value = fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems[name] = f"{label} is required."
    if "person_id" not in problems:
        wrong = staff_id_problem(str(fields.get("person_id")), staff_id_pattern, staff_id_example)
        if wrong:
            problems["person_id"] = f"{FIELD_LABELS['person_id']}: {wrong}."
    try:
        NewCase(**{k: v for k, v in fields.items() if k in FIELD_LABELS and k not in problems})
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            if name in FIELD_LABELS and name not in problems and name in fields:
                problems[name] = f"{FIELD_LABELS[name]}: {plain_reason(error)}."
    row = {c: "" for c in CASE_COLUMNS} | {
        k: (v.isoformat() if isinstance(v, date) else str(v or "")) for k, v in fields.items() if k in FIELD_LABELS
    }
    row["case_id"] = "NEW"
    _, found = validate_cases(pd.DataFrame([row], dtype=str), file="new concern", today=today)
    for problem in found:
        name = problem.column or ""
        if name in FIELD_LABELS and name not in problems:
            reason = "the date cannot be in the future" if problem.reason == FUTURE_DATE else problem.reason
            problems[name] = f"{FIELD_LABELS[name]}: {reason}."
    return problems


#: The pick lists of a new concern that take a value not in the list (after a confirmation).
OPEN_LISTS = ("band", "staff_group", "division")


def _same(text: str) -> str:
    return " ".join(text.split()).casefold()


def new_value_problem(name: str, value: str | None, known: Sequence[str], *, confirmed: bool) -> str | None:
    """Why a value typed into an open pick list (:data:`OPEN_LISTS`) cannot be saved yet, or ``None``.

    A value in the list is fine. One differing from a listed value only in capitals or spaces is that value
    mistyped: refused, naming it. Any other new value is added only when the person confirms it (a typo must not
    quietly become a new staff group); until then the listed values closest to it are named."""
    if value is None or not value.strip() or value in known:
        return None
    label = FIELD_LABELS[name]
    text = " ".join(value.split())
    same = [k for k in known if _same(k) == _same(text)]
    if same:
        return f"{label}: “{text}” is already in the list as “{same[0]}”: choose that from the list."
    if confirmed:
        return None
    folded = {_same(k): k for k in known}
    close = [folded[c] for c in difflib.get_close_matches(_same(text), list(folded), n=2, cutoff=0.75)]
    hint = f" Did you mean {' or '.join(f'“{c}”' for c in close)}?" if close else ""
    return (
        f"{label}: “{text}” is not in the list.{hint} Choose from the list, or, if it really is a new "
        f"{label[:1].lower()}{label[1:]}, tick the box to add it."
    )


__all__ = [
    "CHOICE_LABELS",
    "FIELD_LABELS",
    "OPEN_LISTS",
    "VALUE_LABELS",
    "Choice",
    "NextStep",
    "case_status",
    "new_case_problems",
    "new_value_problem",
    "next_steps",
]
