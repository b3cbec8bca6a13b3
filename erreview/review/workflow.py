"""Case workflow entry points: create and move cases, the escalation gate, panel reviews.

Every function takes the signed-in ``actor`` as a keyword and declares the roles it needs; object-level
rules (a case lead's own cases, a panel member's panels) are checked here too, so the UI cannot bypass
them. Every change is written with an audit entry in the same transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from erreview import store
from erreview.config import Settings
from erreview.errors import ErreviewError
from erreview.ingest import pseudonymise_frame, validate_cases
from erreview.models import CaseWork, ErCase, PanelAttestation, PanelReview, SuspensionPlan, SuspensionReview
from erreview.pseudonym import key_fingerprint, load_or_create_key
from erreview.review.checklists import TemplateError
from erreview.review.lifecycle import (
    ACTION_LABELS,
    ENDS_CASE,
    GATES,
    STAGE_LABELS,
    Action,
    Stage,
    Step,
    TransitionRefused,
    allowed_actions,
    derive_stage,
    target_stage,
)
from erreview.review.panel import (
    DECISION_LABELS,
    AnswerIn,
    AttestationIn,
    Member,
    ReviewRejected,
    ReviewSubmission,
    Rules,
    _review_problems,
    current_review,
    decision_label,
    gate_problem,
    named_members,
    recommendation_for,
)
from erreview.review.roles import AccessDenied, Actor, Role, can_change_case, can_see_case, requires
from erreview.review.screening import check_free_text
from erreview.review.suspension import FULL_PAY_REQUIRED, SuspensionPlanIn, day_words, is_running, reviews_due
from erreview.staffid import staff_id_problem
from erreview.store import audit
from erreview.store import workflow as ws
from erreview.vocab import CASE_COLUMNS, AppealOutcome, InvestigationOutcome, Restriction, Sanction


class NotFound(ErreviewError, LookupError):
    pass


class NewCase(BaseModel):
    """A concern raised in the tool (the same fields as a row of cases.csv, before any decision)."""

    model_config = ConfigDict(extra="forbid")

    person_id: str = Field(min_length=1)
    ethnic_category: str = ""
    gender: str
    band: str
    staff_group: str
    division: str
    case_type: str = "disciplinary"
    allegation_category: str
    referral_source: str
    opened_date: date
    case_id: str | None = None

    @field_validator("person_id", mode="before")
    @classmethod
    def _trimmed(cls, value: object) -> object:
        """Surrounding spaces trimmed, as the import trims them (" E1002319 " is E1002319's pseudonym); its form
        is checked against the trust's rule by :func:`create_case` (``staff_id_pattern``, a setting)."""
        return value.strip() if isinstance(value, str) else value


#: What each recorded change to a case reads as on its timeline, in plain words (followed by "by <who>").
TIMELINE_EVENTS: dict[str, str] = {
    "case.view": "Viewed",
    "case.create": "Created",
    "case.assign": "Case lead or panel assigned",
    "case.suspension_review": "Suspension reviewed",
    "review.submit": "Panel review submitted",
    "review.attest": "Place on the panel confirmed",
    f"case.{Action.START_ASSESSMENT.value}": "Assessment started",
    f"case.{Action.ROUTE_INFORMAL.value}": "Routed informally",
    f"case.{Action.NO_FURTHER_ACTION.value}": "No further action decided",
    f"case.{Action.REFER_TO_PANEL.value}": "Referred to the panel bias check",
    f"case.{Action.START_FORMAL.value}": "Formal investigation started",
    f"case.{Action.REFER_SUSPENSION_CHECK.value}": "Proposed suspension referred to the panel",
    f"case.{Action.SUSPEND.value}": "Suspended",
    f"case.{Action.DO_NOT_SUSPEND.value}": "Decided not to suspend",
    f"case.{Action.END_SUSPENSION.value}": "Suspension ended",
    f"case.{Action.RESTRICT.value}": "Duties restricted or redeployed",
    f"case.{Action.RECORD_OUTCOME.value}": "Investigation outcome recorded",
    f"case.{Action.RECORD_SANCTION.value}": "Sanction recorded",
    f"case.{Action.RECORD_APPEAL.value}": "Appeal outcome recorded",
    f"case.{Action.CLOSE.value}": "Closed",
}


def timeline_event(action: str) -> str:
    """A recorded action in plain words ("case.start_assessment" → "Assessment started"); an action without
    its own wording reads as its words, capitalised."""
    if action in TIMELINE_EVENTS:
        return TIMELINE_EVENTS[action]
    words = action.split(".", 1)[-1].replace("_", " ")
    return words[:1].upper() + words[1:]


@dataclass
class CaseDetail:
    case: dict[str, Any]
    stage: Stage
    case_lead: str | None
    panel: str | None
    actions: list[Action]
    reviews: list[PanelReview]
    timeline: list[dict[str, Any]] = field(default_factory=list)
    attestations: list[PanelAttestation] = field(default_factory=list)
    suspension_plan: SuspensionPlan | None = None
    #: The display names of the accounts its reviews name (username → name), for screens to show people by name.
    names: dict[str, str] = field(default_factory=dict)

    def attestations_of(self, review_id: int | None) -> list[PanelAttestation]:
        return [a for a in self.attestations if a.review_id == review_id]

    def name_of(self, username: str) -> str:
        """A named member's display name (their username if the account has none or is gone)."""
        return self.names.get(username) or username

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]

    def timeline_rows(self) -> list[dict[str, Any]]:
        """The case's story in date order: its tracker dates, every recorded change, every panel review."""
        info = self.case
        rows = [
            {"date": info[key], "event": label}
            for key, label in (
                ("opened_date", "Concern raised"),
                ("route_date", f"Route decided: {info.get('initial_route') or ''}"),
                ("formal_investigation_date", "Formal investigation began"),
                ("closed_date", "Closed"),
            )
            if info.get(key)
        ]
        rows += [
            {
                "date": t["at"].date() if hasattr(t["at"], "date") else t["at"],
                "event": f"{timeline_event(t['action'])} by {t['by']}",
            }
            for t in self.timeline
        ]
        rows += [
            {
                "date": r.submitted_at.date(),
                "event": f"Panel review {r.id} ({r.step.replace('_', ' ')}): "
                f"{decision_label(r.decision, r.step)} (v{r.review_version})",
            }
            for r in self.reviews
        ]
        return sorted(rows, key=lambda row: row["date"])


# --- helpers ------------------------------------------------------------------------------------------


def _load(session: Any, case_id: str) -> tuple[ErCase, CaseWork]:
    case = ws.get_case(session, case_id)
    if case is None:
        raise NotFound(f"no case {case_id!r}")
    work = ws.get_work(session, case_id) or CaseWork(case_id=case_id, stage=derive_stage(case.model_dump()).value)
    return case, work


def _check_see(actor: Actor, work: CaseWork) -> None:
    if not can_see_case(actor, case_lead=work.case_lead, panel=work.panel):
        raise AccessDenied(f"{actor.label} cannot see case {work.case_id}: it is not theirs or their panel's")


def _check_change(actor: Actor, work: CaseWork) -> None:
    if not can_change_case(actor, case_lead=work.case_lead):
        raise AccessDenied(f"{actor.label} cannot change case {work.case_id}: only its case lead or an admin can")


def _contract_row(case: dict[str, Any]) -> dict[str, str]:
    out = {}
    for column in CASE_COLUMNS:
        value = case.get(column)
        out[column] = "" if value is None else value.isoformat() if isinstance(value, date) else str(value)
    return out


def _check_rules(case: dict[str, Any], today: date | None) -> None:
    """A case changed in the tool must still satisfy every rule of the import contract."""
    row = _contract_row(case) | {"person_id": "x", "ethnic_category": case.get("ethnic_code") or ""}
    _, problems = validate_cases(pd.DataFrame([row], dtype=str), file="case", today=today)
    if problems:
        raise TransitionRefused("; ".join(f"{p.column}: {p.reason}" for p in problems))


# --- entry points -------------------------------------------------------------------------------------


@requires(Role.CASE_LEAD, Role.ADMIN)
def create_case(
    engine: store.Engine, settings: Settings, new: NewCase, *, actor: Actor, today: date | None = None
) -> str:
    """Record a concern raised in the tool; the actor becomes its case lead. Returns the case id.

    The staff identifier must be in the trust's form (:func:`erreview.staffid.staff_id_problem` with the
    ``staff_id_pattern`` setting), so that one person is always one pseudonym."""
    problem = staff_id_problem(new.person_id, settings.staff_id_pattern, settings.staff_id_example)
    if problem:
        raise TransitionRefused(f"Staff identifier: {problem}.")
    case_id = new.case_id or f"ER-APP-{secrets.token_hex(4).upper()}"
    row = new.model_dump() | {"case_id": case_id, "opened_date": new.opened_date.isoformat()}
    frame = pd.DataFrame([{c: str(row.get(c) or "") for c in CASE_COLUMNS}], dtype=str)
    clean, problems = validate_cases(frame, file="new case", today=today)
    if problems:
        raise TransitionRefused("; ".join(f"{p.column}: {p.reason}" for p in problems))
    key = load_or_create_key(settings)
    clean = pseudonymise_frame(clean, key)
    with store.session_scope(engine, write=True) as session:
        if ws.get_case(session, case_id) is not None:
            raise TransitionRefused(f"a case {case_id!r} already exists")
        store.check_key_fingerprint(session, key_fingerprint(key))
        store.upsert_cases(session, clean, user=actor.username)
        ws.set_work(session, CaseWork(case_id=case_id, stage=Stage.CONCERN_RAISED.value, case_lead=actor.username))
        audit.append(
            session,
            actor=actor.username,
            action="case.create",
            entity="case",
            entity_id=case_id,
            detail={
                "stage": Stage.CONCERN_RAISED.value,
                "case_type": new.case_type,
                "allegation_category": new.allegation_category,
            },
        )
        store.bump_data_version(session)
    return case_id


@requires(Role.ADMIN)
def assign_case(
    engine: store.Engine,
    case_id: str,
    *,
    actor: Actor,
    case_lead: str | None = None,
    panel: str | None = None,
) -> None:
    """Give a case (e.g. an imported one) a case lead and/or panel."""
    with store.session_scope(engine, write=True) as session:
        _, work = _load(session, case_id)
        before = {"case_lead": work.case_lead, "panel": work.panel}
        work.case_lead = case_lead if case_lead is not None else work.case_lead
        work.panel = panel if panel is not None else work.panel
        ws.set_work(session, work)
        audit.append(
            session,
            actor=actor.username,
            action="case.assign",
            entity="case",
            entity_id=case_id,
            detail={"before": before, "after": {"case_lead": work.case_lead, "panel": work.panel}},
        )
        store.bump_data_version(session)  # who sees the case and whose work it is: cached worklists follow it


#: The fields :func:`erreview.review.lifecycle.derive_stage` reads.
STAGE_FIELDS = ("closed_date", "appeal_outcome", "sanction", "investigation_outcome", "initial_route")


@requires(Role.CASE_LEAD, Role.PANEL_MEMBER, Role.ADMIN)
def list_cases(engine: store.Engine, *, actor: Actor) -> pd.DataFrame:
    """The cases this actor may see: a case lead's own, a panel member's referrals, or all for an admin."""
    with store.session_scope(engine) as session:
        if actor.role is Role.ADMIN:
            frame = ws.case_list(session, everyone=True)
        elif actor.role is Role.CASE_LEAD:
            frame = ws.case_list(session, case_lead=actor.username)
        else:
            frame = ws.case_list(session, panels=actor.panels)
    if not frame.empty:
        # Only cases without a stored stage (imported ones) need theirs derived: from their rows as records, not
        # a row Series each (pandas' apply took about 1 ms a case, seconds for a trust's case list).
        missing = frame["stage"].isna().to_numpy()
        if missing.any():
            read = [c for c in STAGE_FIELDS if c in frame.columns]  # all derive_stage reads: fewer values to box
            derived = [
                derive_stage({str(k): v for k, v in r.items()}).value
                for r in frame.loc[missing, read].to_dict("records")
            ]
            if frame["stage"].dtype.kind == "f":  # no case has a stored stage: a column of NaN
                frame["stage"] = frame["stage"].astype(object)
            frame.loc[missing, "stage"] = derived
        frame = frame.drop(columns=["person_key"])
    return frame


@requires(Role.CASE_LEAD, Role.PANEL_MEMBER, Role.ADMIN)
def case_detail(engine: store.Engine, case_id: str, *, actor: Actor) -> CaseDetail:
    with store.session_scope(engine) as session:
        case, work = _load(session, case_id)
        _check_see(actor, work)
        stage = Stage(work.stage)
        record = case.model_dump()
        record.pop("person_key")
        suspended = is_running(case.suspension_start_date, case.suspension_end_date, case.closed_date)
        actions = (
            allowed_actions(stage, suspended=suspended) if can_change_case(actor, case_lead=work.case_lead) else []
        )
        timeline = [
            {"at": e.at, "by": e.actor, "action": e.action, "detail": e.detail}
            for e in audit.entries_for(session, "case", case_id)
        ]
        reviews = ws.reviews_for(session, case_id)
        named = {u for r in reviews for u in named_members(r)}
        names = {u.username: u.display_name for u in ws.list_users(session) if u.username in named and u.display_name}
        return CaseDetail(
            record,
            stage,
            work.case_lead,
            work.panel,
            actions,
            reviews,
            timeline,
            ws.attestations_for(session, [r.id for r in reviews if r.id is not None]),
            ws.get_suspension_plan(session, case_id),
            names,
        )


@requires(Role.CASE_LEAD, Role.PANEL_MEMBER, Role.ADMIN)
def panels(engine: store.Engine, *, actor: Actor) -> list[str]:
    """The panels a case can be referred to (every panel an active user sits on), for pick lists."""
    with store.session_scope(engine) as session:
        return sorted(ws.panel_names(session))


@requires(Role.CASE_LEAD, Role.ADMIN)
def subject_choices(engine: store.Engine, *, actor: Actor) -> dict[str, list[str]]:
    """Known bands, staff groups and divisions (from cases and the latest workforce snapshot)."""
    with store.session_scope(engine) as session:
        return {column: ws.subject_values(session, column) for column in ("band", "staff_group", "division")}


@requires(Role.CASE_LEAD, Role.ADMIN)
def transition(
    engine: store.Engine,
    rules: Rules,
    case_id: str,
    action: Action,
    *,
    actor: Actor,
    expected_version: int,
    on: date | None = None,
    value: str | None = None,
    panel: str | None = None,
    today: date | None = None,
    suspension: SuspensionPlanIn | None = None,
    review_every_days: int = 28,
) -> int:
    """Move a case on by ``action``; returns the case's new version.

    Escalations named in the rules' gated steps are refused unless the current panel review for that
    step decided "proceed" and enough named members attested. The check and the move happen in one
    transaction holding the case's lock (:func:`erreview.store.workflow.lock_case`), so a correction or
    withdrawal made at the same moment is either seen by the check or waits until the move is done.
    Suspending needs ``suspension`` (alternatives considered, full pay, named contact, first review).
    """
    on = on or today or date.today()
    with store.session_scope(engine, write=True) as session:
        ws.lock_case(session, case_id)
        case, work = _load(session, case_id)
        _check_change(actor, work)
        if case.version != expected_version:  # say so before judging a move made on stale information
            raise ws.StaleEdit(
                f"case {case_id} was changed by someone else since you opened it (you had version "
                f"{expected_version}, it is now {case.version}); reload it and try again"
            )
        stage = Stage(work.stage)
        new_stage = target_stage(action, stage)
        refused = suspension_problem(case, action)
        if refused:
            raise TransitionRefused(refused)
        step = GATES.get(action)
        if step is not None and step in rules.gated_steps:
            reviews = ws.reviews_for(session, case_id)
            attestations = ws.attestations_for(session, [r.id for r in reviews if r.id is not None])
            problem = gate_problem(reviews, step, rules, attestations)
            if problem:
                raise TransitionRefused(f"cannot '{ACTION_LABELS[action]}': {problem}")
        values = _values_for(action, on, value, case)
        plan = None
        if action is Action.SUSPEND:
            plan = _suspension_plan(case_id, on, suspension, review_every_days, actor)
            ws.save_suspension_plan(session, plan)
        if action in (Action.REFER_TO_PANEL, Action.REFER_SUSPENSION_CHECK):
            chosen = panel or work.panel
            if not chosen:
                raise TransitionRefused("choose the panel the case is referred to")
            known = ws.panel_names(session)
            if chosen not in known:
                offered = ", ".join(sorted(known)) or "none yet: an administrator adds panel members first"
                raise TransitionRefused(f"there is no panel called {chosen!r}; the panels are: {offered}")
            work.panel = chosen
        merged = case.model_dump() | values
        _check_rules(merged, today)
        before = {k: getattr(case, k) for k in values}
        version = (
            ws.update_case(session, case_id, expected_version, values, user=actor.username)
            if values
            else _touch(session, case_id, expected_version, actor)
        )
        work.stage = new_stage.value
        ws.set_work(session, work)
        audit.append(
            session,
            actor=actor.username,
            action=f"case.{action.value}",
            entity="case",
            entity_id=case_id,
            detail={
                "from": stage.value,
                "to": new_stage.value,
                "before": _jsonable(before),
                "after": _jsonable(values),
                "panel": work.panel,
            }
            | (
                {
                    "full_pay": plan.full_pay,
                    "first_review": plan.first_review.isoformat(),
                    "review_every_days": plan.review_every_days,
                }
                if plan is not None
                else {}
            ),
        )
        store.bump_data_version(session)
        return version


def suspension_problem(case: ErCase, action: Action) -> str | None:
    """Why ``action`` cannot be taken while the case's colleague is suspended, or ``None``: a step that ends
    the case (:data:`~erreview.review.lifecycle.ENDS_CASE`) would leave a suspension nobody could end."""
    if action not in ENDS_CASE:
        return None
    if not is_running(case.suspension_start_date, case.suspension_end_date, case.closed_date):
        return None
    assert case.suspension_start_date is not None
    return (
        f"End the suspension first: the colleague has been suspended since {day_words(case.suspension_start_date)}. "
        f"Record the end of the suspension, then {ACTION_LABELS[action][:1].lower()}{ACTION_LABELS[action][1:]}."
    )


def _suspension_plan(
    case_id: str, on: date, plan: SuspensionPlanIn | None, every_days: int, actor: Actor
) -> SuspensionPlan:
    if plan is None:
        raise TransitionRefused(
            "suspending needs the 2019 safeguards recorded: the alternatives considered, confirmation that the "
            "employee stays on full pay, a named contact, and the first review date"
        )
    if plan.full_pay is not True:  # the model refuses it; a plan built past the model is refused here too
        raise TransitionRefused(f"Full pay: {FULL_PAY_REQUIRED}.")
    check_free_text("the alternatives considered", plan.alternatives_considered)
    check_free_text("the named contact", plan.named_contact)
    first = plan.first_review or on + timedelta(days=every_days)
    if first < on:
        raise TransitionRefused(f"the first review ({first.isoformat()}) cannot be before the suspension starts")
    if first > on + timedelta(days=every_days):
        raise TransitionRefused(
            f"the first review must be within {every_days} days of the start (by {(on + timedelta(days=every_days))})"
        )
    return SuspensionPlan(
        case_id=case_id,
        alternatives_considered=plan.alternatives_considered.strip(),
        full_pay=plan.full_pay,
        named_contact=plan.named_contact.strip(),
        first_review=first,
        review_every_days=every_days,
        recorded_by=actor.username,
    )


def _touch(session: Any, case_id: str, expected_version: int, actor: Actor) -> int:
    return ws.update_case(session, case_id, expected_version, {}, user=actor.username)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


#: Actions that record a value, the column it goes to, and the values allowed (from the contract's vocabulary).
ACTION_VALUES: dict[Action, tuple[str, set[str]]] = {
    Action.RESTRICT: ("restriction", {Restriction.RESTRICTED_DUTIES.value, Restriction.REDEPLOYED.value}),
    Action.RECORD_OUTCOME: ("investigation_outcome", {o.value for o in InvestigationOutcome}),
    Action.RECORD_SANCTION: ("sanction", {s.value for s in Sanction}),
    Action.RECORD_APPEAL: ("appeal_outcome", {a.value for a in AppealOutcome}),
}


def _values_for(action: Action, on: date, value: str | None, case: ErCase) -> dict[str, Any]:
    if action in ACTION_VALUES:
        column, allowed = ACTION_VALUES[action]
        if value not in allowed:
            raise TransitionRefused(f"{ACTION_LABELS[action]} needs one of: {', '.join(sorted(allowed))}")
        return {column: value}
    match action:
        case Action.ROUTE_INFORMAL:
            return {"initial_route": "informal", "route_date": on}
        case Action.NO_FURTHER_ACTION:
            return {"initial_route": "no_further_action", "route_date": on}
        case Action.START_FORMAL:
            return {
                "initial_route": "formal",
                "route_date": case.route_date or on,
                "formal_investigation_date": on,
            }
        case Action.SUSPEND:
            return {
                "restriction": Restriction.SUSPENDED.value,
                "suspension_start_date": on,
                "suspension_end_date": None,
            }
        case Action.END_SUSPENSION:
            if case.suspension_start_date is None or case.suspension_end_date is not None:
                raise TransitionRefused("the case has no suspension running")
            return {"suspension_end_date": on}
        case Action.CLOSE:
            return {"closed_date": on}
    return {}


@requires(Role.PANEL_MEMBER, Role.ADMIN)
def submit_review(
    engine: store.Engine, rules: Rules, case_id: str, submission: ReviewSubmission, *, actor: Actor
) -> int:
    """Validate and store a panel review; returns its id. Every problem is listed at once.

    The members are erreview accounts (active members of the case's panel, never an administrator); the gate
    opens only once enough of them attest (:func:`attest`).
    """
    with store.session_scope(engine, write=True) as session:
        ws.lock_case(session, case_id)
        _, work = _load(session, case_id)
        if actor.role is Role.PANEL_MEMBER and (work.panel is None or work.panel not in actor.panels):
            raise AccessDenied(f"{actor.label} does not sit on the panel case {case_id} is referred to")
        problems = _review_problems(submission, Stage(work.stage), rules)
        problems += _member_problems(session, submission.members, work)
        previous = None
        if submission.supersedes_id is not None:
            previous = ws.get_review(session, submission.supersedes_id)
            if previous is None or previous.case_id != case_id or previous.step != submission.step.value:
                problems.append(f"review {submission.supersedes_id} is not a review of this case and step")
            elif any(r.supersedes_id == previous.id for r in ws.reviews_for(session, case_id)):
                problems.append(f"review {previous.id} has already been corrected; correct the newest version")
            else:
                latest = current_review(ws.reviews_for(session, case_id), submission.step)
                if latest is not None and latest.id != previous.id:
                    problems.append(
                        f"review {previous.id} has been replaced by a later review (review {latest.id}); "
                        "correct that one"
                    )
        if problems:
            raise ReviewRejected(problems)
        recommendation = recommendation_for(submission, rules)
        try:
            review = _store_review(session, case_id, submission, actor, previous, recommendation)
        except ws.StaleEdit as exc:
            raise ReviewRejected([str(exc)]) from None
        audit.append(
            session,
            actor=actor.username,
            action="review.submit",
            entity="case",
            entity_id=case_id,
            detail={
                "review_id": review.id,
                "step": review.step,
                "decision": review.decision,
                "supersedes": review.supersedes_id,
                "template": f"{review.template_id} v{review.template_version}",
                "members": [m.username for m in submission.members],
                "recommended": review.recommended_outcome,
                "against_recommendation": review.against_recommendation,
                "override_reason": review.override_reason,
            },
        )
        store.bump_data_version(session)
        assert review.id is not None
        return review.id


def _sits_on(user: Any, panel: str | None) -> bool:
    """Whether ``user`` is a member of ``panel``: an active panel member's account with that panel among its
    panels (as an administrator sets them on the Admin screen). An administrator is not a member of a panel."""
    panels = {p.strip() for p in user.panels.split(",") if p.strip()}
    return bool(user.active and panel and user.role == Role.PANEL_MEMBER.value and panel in panels)


def _member_problems(session: Any, members: list[Member], work: CaseWork) -> list[str]:
    """Named members must be real, active accounts who are members of this case's panel."""
    problems = []
    for member in members:
        user = ws.get_user(session, member.username.strip())
        if user is None or not user.active:
            problems.append(f"{member.username} is not an active erreview account; name members by their username")
            continue
        if not _sits_on(user, work.panel):  # an administrator manages panels; only their members sit on one
            problems.append(f"{member.username} does not sit on panel {work.panel or '(none)'}")
        if user.username == work.case_lead:
            problems.append(f"{member.username} leads this case and cannot sit on its panel")
        try:
            check_free_text("a member's role", member.role)
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def _store_review(
    session: Any,
    case_id: str,
    submission: ReviewSubmission,
    actor: Actor,
    previous: PanelReview | None,
    recommendation: Any = None,
) -> PanelReview:
    recommended = recommendation.outcome if recommendation is not None else None
    against = recommended is not None and submission.decision != recommended
    return ws.add_review(
        session,
        PanelReview(
            case_id=case_id,
            step=submission.step.value,
            template_id=submission.template_id,
            template_version=submission.template_version,
            members=[m.model_dump() | {"username": m.username.strip()} for m in submission.members],
            answers={k: v.model_dump(mode="json", exclude_none=True) for k, v in submission.answers.items()},
            decision=submission.decision,
            rationale=submission.rationale.strip(),
            started_at=submission.started_at,
            submitted_at=ws.now(),
            submitted_by=actor.username,
            supersedes_id=submission.supersedes_id,
            review_version=(previous.review_version + 1) if previous else 1,
            recommended_outcome=recommended,
            against_recommendation=against,
            override_reason=submission.override_reason.strip() if against else None,
        ),
    )


@requires(Role.PANEL_MEMBER, Role.ADMIN)
def attest(engine: store.Engine, case_id: str, review_id: int, attestation: AttestationIn, *, actor: Actor) -> None:
    """A named member confirms, from their own account, that they sat on the panel for ``review_id`` and
    declares independence or a conflict. Only the current (uncorrected) review can be attested."""
    if attestation.declaration == "conflict" and len(attestation.conflict_note.strip()) < 5:
        raise ReviewRejected(["describe the conflict of interest"])
    check_free_text("the conflict note", attestation.conflict_note)
    with store.session_scope(engine, write=True) as session:
        ws.lock_case(session, case_id)
        _, work = _load(session, case_id)
        _check_see(actor, work)
        reviews = ws.reviews_for(session, case_id)
        review = next((r for r in reviews if r.id == review_id), None)
        if review is None:
            raise NotFound(f"no review {review_id} of case {case_id}")
        if actor.username not in named_members(review):
            raise AccessDenied(f"{actor.label} is not named as a member of the panel for review {review_id}")
        if any(r.supersedes_id == review_id for r in reviews):
            raise ReviewRejected([f"review {review_id} has been corrected; attest the newest version"])
        latest = current_review(reviews, Step(review.step))
        if latest is not None and latest.id != review_id:
            # Replaced by a later review of the same step ("Review again"): the gate follows the latest decision,
            # so confirming an earlier one is refused rather than recorded against a decision no longer in force.
            raise ReviewRejected(
                [f"review {review_id} has been replaced by a later review (review {latest.id}); confirm that one"]
            )
        try:
            ws.add_attestation(
                session,
                PanelAttestation(
                    review_id=review_id,
                    username=actor.username,
                    declaration=attestation.declaration,
                    conflict_note=attestation.conflict_note.strip(),
                    director_level=attestation.director_level,
                    attested_at=ws.now(),
                ),
            )
        except ws.StaleEdit as exc:
            raise ReviewRejected([str(exc)]) from None
        audit.append(
            session,
            actor=actor.username,
            action="review.attest",
            entity="case",
            entity_id=case_id,
            detail={
                "review_id": review_id,
                "declaration": attestation.declaration,
                "director_level": attestation.director_level,
            },
        )
        store.bump_data_version(session)


@requires(Role.PANEL_MEMBER, Role.ADMIN)
def panel_candidates(engine: store.Engine, case_id: str, *, actor: Actor) -> dict[str, str]:
    """The accounts that may be named on this case's panel: its panel's members (never an administrator, nor the
    case's lead), username → display name."""
    with store.session_scope(engine) as session:
        _, work = _load(session, case_id)
        _check_see(actor, work)
        return {
            user.username: user.display_name or user.username
            for user in ws.list_users(session)
            if _sits_on(user, work.panel) and user.username != work.case_lead
        }


@dataclass(frozen=True)
class AttestationRequest:
    case_id: str
    review_id: int
    step: str
    decision: str


@requires(Role.PANEL_MEMBER, Role.ADMIN)
def attestations_waiting(engine: store.Engine, *, actor: Actor) -> list[AttestationRequest]:
    """Current reviews that name ``actor`` and that they have not attested yet: only the current review of each
    case and step (:func:`current_review`), never one corrected or replaced by a later review of that step."""
    with store.session_scope(engine) as session:
        named = ws.reviews_naming(session, actor.username)
        current: set[int] = set()
        for case_id in sorted({r.case_id for r in named}):
            reviews = ws.reviews_for(session, case_id)
            for step in {Step(r.step) for r in reviews}:
                latest = current_review(reviews, step)
                if latest is not None and latest.id is not None:
                    current.add(latest.id)
        done = {
            a.review_id
            for a in ws.attestations_for(session, [r.id for r in named if r.id is not None])
            if a.username == actor.username
        }
    return [
        AttestationRequest(r.case_id, r.id, r.step, r.decision)
        for r in named
        if r.id is not None and r.id in current and r.id not in done
    ]


# --- suspension management ------------------------------------------------------------------------------


@requires(Role.CASE_LEAD, Role.ADMIN)
def record_suspension_review(
    engine: store.Engine, case_id: str, held_on: date, note: str = "", *, actor: Actor, today: date | None = None
) -> None:
    """Record that a suspension was reviewed on ``held_on`` (the next falls due an interval later)."""
    check_free_text("the review note", note)
    with store.session_scope(engine, write=True) as session:
        ws.lock_case(session, case_id)
        case, work = _load(session, case_id)
        _check_change(actor, work)
        if case.suspension_start_date is None or case.suspension_end_date is not None:
            raise TransitionRefused(f"case {case_id} has no suspension running")
        if held_on < case.suspension_start_date or held_on > (today or date.today()):
            raise TransitionRefused("a suspension review is dated between the start of the suspension and today")
        ws.add_suspension_review(
            session, SuspensionReview(case_id=case_id, held_on=held_on, note=note.strip(), recorded_by=actor.username)
        )
        audit.append(
            session,
            actor=actor.username,
            action="case.suspension_review",
            entity="case",
            entity_id=case_id,
            detail={"held_on": held_on.isoformat()},
        )
        store.bump_data_version(session)  # the next review's due date: cached worklists follow it


@requires(Role.CASE_LEAD, Role.ADMIN)
def suspension_work_list(engine: store.Engine, every_days: int, *, actor: Actor, today: date) -> pd.DataFrame:
    """The actor's running suspensions with their next review, overdue first (see
    :func:`erreview.review.suspension.reviews_due`). A case lead sees their own cases; an admin all."""
    with store.session_scope(engine) as session:
        if actor.role is Role.ADMIN:
            frame = ws.suspensions_frame(session)
        else:
            mine = ws.case_list(session, case_lead=actor.username)
            ids = [] if mine.empty else list(mine["case_id"])
            frame = ws.suspensions_frame(session, ids)
    return reviews_due(frame, today, every_days)


__all__ = [
    "DECISION_LABELS",
    "AnswerIn",
    "AttestationIn",
    "CaseDetail",
    "Member",
    "NewCase",
    "ReviewRejected",
    "ReviewSubmission",
    "Rules",
    "SuspensionPlanIn",
    "TemplateError",
    "assign_case",
    "attest",
    "attestations_waiting",
    "case_detail",
    "create_case",
    "current_review",
    "gate_problem",
    "list_cases",
    "panel_candidates",
    "panels",
    "record_suspension_review",
    "subject_choices",
    "submit_review",
    "suspension_work_list",
    "transition",
]
