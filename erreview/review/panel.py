"""The panel review itself: what a submission holds, what makes it valid, and whether it opens the gate.

Pure: no database here. :mod:`erreview.review.workflow` stores reviews and enforces the gate with these rules.

Quorum is attested, not typed: the chair names the members by their erreview usernames, and each member
confirms their place and declares independence or a conflict from their own signed-in account
(:class:`erreview.models.PanelAttestation`). The gate counts attestations only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from erreview.config import Settings
from erreview.errors import ErreviewError
from erreview.models import PanelAttestation, PanelReview
from erreview.review.checklists import (
    Answer,
    Outcome,
    Recommendation,
    Template,
    all_templates,
    applies,
    recommended_outcome,
)
from erreview.review.lifecycle import STAGE_LABELS, Stage, Step
from erreview.review.screening import DEFAULT_STAFF_NUMBER, check_free_text

Decision = Outcome


DECISION_LABELS: dict[str, str] = {
    "proceed": "Proceed to formal action",
    "divert_informal": "Divert to an informal route",
    "no_further_action": "No further action",
    "more_information": "More information needed",
    "health_route": "Health route (occupational health)",
    "system_learning_only": "System learning only",
}
#: The same decisions worded for a proposed suspension (the codes are the same: "proceed" lets the step happen).
SUSPENSION_DECISION_LABELS: dict[str, str] = {
    "proceed": "Suspend",
    "divert_informal": "Do not suspend: use an alternative (such as restricted duties or redeployment)",
    "no_further_action": "Do not suspend",
    "more_information": "More information needed",
    "health_route": "Do not suspend: health route (occupational health)",
    "system_learning_only": "Do not suspend: system learning only",
}


def decision_labels(step: Step | str) -> dict[str, str]:
    """The decisions a panel may take at ``step``, in the words of that step."""
    return SUSPENSION_DECISION_LABELS if Step(step) is Step.SUSPENSION else DECISION_LABELS


def decision_label(decision: str, step: Step | str) -> str:
    """One decision in the words of the step it was taken for."""
    return decision_labels(step)[decision]


Declaration = Literal["independent", "conflict"]
DECLARATION_LABELS = {
    "independent": "I am independent of the matter and of the referring manager",
    "conflict": "I have a conflict of interest",
}

MIN_RATIONALE = 20
MIN_OVERRIDE_REASON = 20


@dataclass(frozen=True)
class Rules:
    """The workflow settings in force."""

    gated_steps: frozenset[Step]
    quorum_members: int
    quorum_independent: int
    templates: dict[tuple[str, int], Template]
    #: The gate also needs a member who attested that they are director level.
    quorum_director: bool = False
    #: A suspension is reviewed at least this often (days).
    suspension_review_days: int = 28
    #: The organisation's staff-number pattern, refused in free text.
    staff_number_pattern: str = DEFAULT_STAFF_NUMBER

    @classmethod
    def from_settings(cls, settings: Settings) -> Rules:
        steps = frozenset(Step(s.strip()) for s in settings.gated_steps.split(",") if s.strip())
        return cls(
            steps,
            settings.quorum_members,
            settings.quorum_independent,
            all_templates(settings.template_dir),
            settings.quorum_director,
            settings.suspension_review_days,
            settings.staff_number_pattern,
        )


class ReviewRejected(ErreviewError, ValueError):
    """A review that cannot be submitted; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("the review cannot be submitted: " + "; ".join(problems))


class Member(BaseModel):
    """A panel member named by the chair: an erreview account, never a typed name. Independence is not
    the chair's to tick: the member declares it when they attest."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=200)
    cultural_ambassador: bool = False
    lay_member: bool = False


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Answer | None = None
    note: str = ""
    #: For date questions (e.g. the first review of a suspension).
    day: date | None = None


class ReviewSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: Step
    template_id: str
    template_version: int
    members: list[Member]
    answers: dict[str, AnswerIn]
    decision: Decision
    rationale: str
    #: Required when the decision differs from the routed recommendation.
    override_reason: str = ""
    supersedes_id: int | None = None
    started_at: Any = None


class AttestationIn(BaseModel):
    """What a member confirms from their own account."""

    model_config = ConfigDict(extra="forbid")

    declaration: Declaration
    conflict_note: str = ""
    director_level: bool = False


def answer_values(answers: Mapping[str, AnswerIn]) -> dict[str, str | None]:
    return {qid: a.answer for qid, a in answers.items()}


def recommendation_for(sub: ReviewSubmission, rules: Rules) -> Recommendation | None:
    template = rules.templates.get((sub.template_id, sub.template_version))
    return None if template is None else recommended_outcome(template, answer_values(sub.answers), sub.step)


def current_review(reviews: list[PanelReview], step: Step) -> PanelReview | None:
    """The latest review for ``step`` that no correction has superseded."""
    superseded = {r.supersedes_id for r in reviews if r.supersedes_id is not None}
    live = [r for r in reviews if r.step == step.value and r.id not in superseded]
    return max(live, key=lambda r: (r.submitted_at, r.id or 0)) if live else None


def gate_problem(
    reviews: list[PanelReview], step: Step, rules: Rules, attestations: Iterable[PanelAttestation] = ()
) -> str | None:
    """Why the gate for ``step`` is shut, or ``None`` if the current review decided to proceed and enough
    named members attested from their own accounts."""
    review = current_review(reviews, step)
    step_words = step.value.replace("_", " ")
    if review is None:
        return (
            f"no panel bias-check review for {step_words} has been submitted; refer the case to the "
            "panel and wait for its decision"
        )
    if review.decision != "proceed":
        return (
            f"the panel decided '{decision_label(review.decision, step)}' (review {review.id}); a new review "
            f"deciding '{decision_label('proceed', step)}' is needed before {step_words}"
        )
    quorum = attested_quorum_problem(review, [a for a in attestations if a.review_id == review.id], rules)
    if quorum:
        return f"the panel review {review.id} is not valid under the current quorum rule: {quorum}"
    return None


def named_members(review: PanelReview) -> list[str]:
    """The usernames a review named (reviews from before attestation typed names instead: none count)."""
    return [str(m["username"]) for m in review.members if m.get("username")]


def attested_quorum_problem(review: PanelReview, attestations: Iterable[PanelAttestation], rules: Rules) -> str | None:
    named = set(named_members(review))
    attested = [a for a in attestations if a.username in named]
    independent = sum(a.declaration == "independent" for a in attested)
    director = any(a.director_level for a in attested)
    if (
        len(attested) >= rules.quorum_members
        and independent >= rules.quorum_independent
        and (director or not rules.quorum_director)
    ):
        return None
    need = (
        f"it needs at least {rules.quorum_members} member(s) to attest from their own accounts, "
        f"{rules.quorum_independent} of them declaring independence"
        + (", and one director-level member" if rules.quorum_director else "")
    )
    waiting = sorted(named - {a.username for a in attested})
    return (
        f"{len(attested)} member(s) have attested, {independent} independent"
        + (", none director level" if rules.quorum_director and not director else "")
        + f"; {need}"
        + (f" (still to attest: {', '.join(waiting)})" if waiting else "")
        + (". Names typed without accounts do not count" if not named else "")
    )


def _names(people: Iterable[str]) -> str:
    """["Pat Panel", "Remi Ambassador", "Sam Lay"] → "Pat Panel, Remi Ambassador and Sam Lay"."""
    words = list(people)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def quorum_rule_words(rules: Rules) -> str:
    """The quorum rule as a sentence for people: "The panel needs 2 members, 1 of them independent."."""
    return (
        f"The panel needs {_count(rules.quorum_members, 'member')}, {rules.quorum_independent} of them independent"
        + (", and one at director level" if rules.quorum_director else "")
        + "."
    )


def waiting_words(
    review: PanelReview,
    attestations: Iterable[PanelAttestation],
    rules: Rules,
    names: Mapping[str, str] | None = None,
) -> str | None:
    """What the panel is waiting for before ``review`` counts, for a screen: the members still to confirm their
    place by their names (``names``: username → display name), then the rule; ``None`` once enough have.

    "Waiting for 1 more member to confirm their place: Remi Ambassador. The panel needs 2 members, 1 of them
    independent." (The command line keeps :func:`attested_quorum_problem`'s wording.)"""
    names = names or {}
    named = named_members(review)
    attested = [a for a in attestations if a.review_id == review.id and a.username in set(named)]
    if attested_quorum_problem(review, attested, rules) is None:
        return None
    done = {a.username for a in attested}
    waiting = [names.get(u) or u for u in named if u not in done]
    independent = sum(a.declaration == "independent" for a in attested)
    short = max(rules.quorum_members - len(attested), rules.quorum_independent - independent, 0)
    rule = quorum_rule_words(rules)
    if not waiting:
        if not named:
            return (
                f"The panel's members were typed as names, not chosen from their accounts, so none can confirm. {rule}"
            )
        return (
            "Every named member has confirmed their place, but not enough of them count: "
            f"{_count(independent, 'member')} declared independence"
            + (
                ", none at director level"
                if rules.quorum_director and not any(a.director_level for a in attested)
                else ""
            )
            + f". {rule} Correct the decision to name other members."
        )
    if short == 0:  # only the director level is missing
        return (
            f"Waiting for a director-level member to confirm their place; still to confirm: {_names(waiting)}. {rule}"
        )
    more = f"{short} more {'member' if short == 1 else 'members'}"
    among = ": " if len(waiting) <= short else ", from "
    return f"Waiting for {more} to confirm their place{among}{_names(waiting)}. {rule}"


def quorum_problem(members: list[Member], rules: Rules) -> str | None:
    """The chair must name enough distinct members for the attested quorum to be reachable."""
    usernames = [m.username.strip() for m in members]
    if len(set(usernames)) != len(usernames):
        return "each panel member can be named once"
    if len(members) < rules.quorum_members:
        return (
            f"the panel named {len(members)} member(s); it needs at least {rules.quorum_members}, "
            f"{rules.quorum_independent} of them independent of the referring manager"
        )
    return None


def review_problems(sub: ReviewSubmission, stage: Stage, rules: Rules) -> list[str]:
    """Every reason the submission would be refused at this stage (a dry run of :func:`submit_review`)."""
    return [text for _, text in review_problems_by_field(sub, stage, rules)]


def review_problems_by_field(sub: ReviewSubmission, stage: Stage, rules: Rules) -> list[tuple[str, str]]:
    """:func:`review_problems` with the part of the form each is about, so a screen can show it there:
    ``question:<id>``, ``members``, ``member:<username>``, ``rationale``, ``override_reason``, or ``""`` for
    the review as a whole."""
    try:
        return _problems_by_field(sub, stage, rules)
    except ReviewRejected as exc:
        return [("", p) for p in exc.problems]


def _review_problems(sub: ReviewSubmission, stage: Stage, rules: Rules) -> list[str]:
    return [text for _, text in _problems_by_field(sub, stage, rules)]


def _problems_by_field(sub: ReviewSubmission, stage: Stage, rules: Rules) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    allowed = {
        Step.FORMAL_INVESTIGATION: {Stage.AWAITING_PANEL_CHECK},
        Step.SUSPENSION: {Stage.AWAITING_PANEL_CHECK, Stage.FORMAL_INVESTIGATION, Stage.AWAITING_SUSPENSION_CHECK},
    }[sub.step]
    if stage not in allowed:
        problems.append(
            (
                "",
                f"a {sub.step.value.replace('_', ' ')} review is only possible when the case is "
                f"{' or '.join(STAGE_LABELS[s] for s in sorted(allowed))} (it is {STAGE_LABELS[stage]})",
            )
        )
    try:
        template = rules.templates[(sub.template_id, sub.template_version)]
    except KeyError:
        raise ReviewRejected(
            [*(text for _, text in problems), f"unknown template {sub.template_id} version {sub.template_version}"]
        ) from None
    if sub.step not in template.steps:
        problems.append(("", f"template {template.id} is not for the {sub.step.value} step"))
    quorum = quorum_problem(sub.members, rules)
    if quorum:
        problems.append(("members", quorum))
    questions = {q.id: q for q in template.questions_for(sub.step)}
    values = answer_values(sub.answers)
    for qid in sub.answers:
        if qid not in questions:
            problems.append(("", f"answer to unknown question {qid}"))
    for q in questions.values():
        given = sub.answers.get(q.id, AnswerIn())
        asked = applies(template, q, sub.step, values)
        if asked is False:
            continue  # a follow-up whose condition was not met: not asked, not required
        if q.choices:
            if q.required and given.answer is None:
                problems.append((f"question:{q.id}", f"question {q.id} needs an answer"))
            elif given.answer is not None and given.answer not in q.choices:
                problems.append((f"question:{q.id}", f"question {q.id} cannot be answered '{given.answer}'"))
            if given.answer in q.note_required_for and not given.note.strip():
                problems.append((f"question:{q.id}", f"question {q.id} answered '{given.answer}' needs a note"))
        elif q.answer_type == "date":
            if q.required and given.day is None:
                problems.append((f"question:{q.id}", f"question {q.id} needs a date"))
        elif q.required and not given.note.strip():
            problems.append((f"question:{q.id}", f"question {q.id} needs a written answer"))
        try:
            check_free_text(f"the note to {q.id}", given.note, staff_number_pattern=rules.staff_number_pattern)
        except ValueError as exc:
            problems.append((f"question:{q.id}", str(exc)))
    if len(sub.rationale.strip()) < MIN_RATIONALE:
        problems.append(("rationale", f"the written rationale is required (at least {MIN_RATIONALE} characters)"))
    try:
        check_free_text("the rationale", sub.rationale, staff_number_pattern=rules.staff_number_pattern)
    except ValueError as exc:
        problems.append(("rationale", str(exc)))
    recommendation = recommended_outcome(template, values, sub.step)
    if (
        recommendation is not None
        and recommendation.outcome is not None  # none yet: questions unanswered, reported above
        and sub.decision != recommendation.outcome
        and len(sub.override_reason.strip()) < MIN_OVERRIDE_REASON
    ):
        problems.append(
            (
                "override_reason",
                f"the decision '{decision_label(sub.decision, sub.step)}' differs from the recommended outcome "
                f"'{decision_label(recommendation.outcome, sub.step)}'; "
                f"write why (at least {MIN_OVERRIDE_REASON} characters)",
            )
        )
    try:
        check_free_text("the reason for deciding against the recommendation", sub.override_reason)
    except ValueError as exc:
        problems.append(("override_reason", str(exc)))
    for member in sub.members:
        try:
            check_free_text("a member's role", member.role, staff_number_pattern=rules.staff_number_pattern)
        except ValueError as exc:
            problems.append((f"member:{member.username}", str(exc)))
    return problems


def answer_rows(template: Template, review: PanelReview) -> list[dict[str, Any]]:
    """A stored review's answers as rows in the template's order: the question's number, its text, the answer
    in words (``""`` for none), the date given to a question that asks for one (else ``None``) and the note
    (``""`` for none); works for every template version, so past reviews still read as they were answered."""
    from erreview.review.checklists import ANSWER_LABELS

    rows = []
    for number, q in enumerate(template.questions_for(Step(review.step)), start=1):
        given = review.answers.get(q.id)
        if given is None:
            continue
        answer = given.get("answer")
        day = given.get("day")
        rows.append(
            {
                "number": number,
                "question": q.text_at(Step(review.step)),
                "answer": ANSWER_LABELS.get(answer, "") if answer else "",
                "day": date.fromisoformat(str(day)) if day else None,
                "note": str(given.get("note") or ""),
            }
        )
    return rows
