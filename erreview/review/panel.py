"""The panel review itself: what a submission holds, what makes it valid, and whether it opens the gate.

Pure: no database here. :mod:`erreview.review.workflow` stores reviews and enforces the gate with these rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from erreview.config import Settings
from erreview.errors import ErreviewError
from erreview.models import PanelReview
from erreview.review.checklists import Answer, Template, all_templates
from erreview.review.lifecycle import STAGE_LABELS, Stage, Step
from erreview.review.screening import check_free_text

Decision = Literal["proceed", "divert_informal", "no_further_action", "more_information"]


DECISION_LABELS: dict[str, str] = {
    "proceed": "Proceed to formal action",
    "divert_informal": "Divert to an informal route",
    "no_further_action": "No further action",
    "more_information": "More information needed",
}


MIN_RATIONALE = 20


@dataclass(frozen=True)
class Rules:
    """The workflow settings in force."""

    gated_steps: frozenset[Step]
    quorum_members: int
    quorum_independent: int
    templates: dict[tuple[str, int], Template]

    @classmethod
    def from_settings(cls, settings: Settings) -> Rules:
        steps = frozenset(Step(s.strip()) for s in settings.gated_steps.split(",") if s.strip())
        return cls(steps, settings.quorum_members, settings.quorum_independent, all_templates(settings.template_dir))


class ReviewRejected(ErreviewError, ValueError):
    """A review that cannot be submitted; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("the review cannot be submitted: " + "; ".join(problems))


class Member(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=200)
    independent: bool = False
    cultural_ambassador: bool = False
    lay_member: bool = False


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Answer | None = None
    note: str = ""


class ReviewSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: Step
    template_id: str
    template_version: int
    members: list[Member]
    answers: dict[str, AnswerIn]
    decision: Decision
    rationale: str
    supersedes_id: int | None = None
    started_at: Any = None


def current_review(reviews: list[PanelReview], step: Step) -> PanelReview | None:
    """The latest review for ``step`` that no correction has superseded."""
    superseded = {r.supersedes_id for r in reviews if r.supersedes_id is not None}
    live = [r for r in reviews if r.step == step.value and r.id not in superseded]
    return max(live, key=lambda r: (r.submitted_at, r.id or 0)) if live else None


def gate_problem(reviews: list[PanelReview], step: Step, rules: Rules) -> str | None:
    """Why the gate for ``step`` is shut, or ``None`` if a valid review decided to proceed."""
    review = current_review(reviews, step)
    step_words = step.value.replace("_", " ")
    if review is None:
        return (
            f"no panel bias-check review for {step_words} has been submitted; refer the case to the "
            "panel and wait for its decision"
        )
    if review.decision != "proceed":
        return (
            f"the panel decided '{DECISION_LABELS[review.decision]}' (review {review.id}); a new review "
            f"deciding 'proceed' is needed before {step_words}"
        )
    quorum = quorum_problem([Member.model_validate(m) for m in review.members], rules)
    if quorum:
        return f"the panel review {review.id} is not valid under the current quorum rule: {quorum}"
    return None


def quorum_problem(members: list[Member], rules: Rules) -> str | None:
    independent = sum(m.independent for m in members)
    if len(members) < rules.quorum_members or independent < rules.quorum_independent:
        return (
            f"the panel had {len(members)} member(s), {independent} independent; it needs at least "
            f"{rules.quorum_members} member(s), {rules.quorum_independent} of them independent of the "
            "referring manager"
        )
    return None


def review_problems(sub: ReviewSubmission, stage: Stage, rules: Rules) -> list[str]:
    """Every reason the submission would be refused at this stage (a dry run of :func:`submit_review`)."""
    try:
        return _review_problems(sub, stage, rules)
    except ReviewRejected as exc:
        return exc.problems


def _review_problems(sub: ReviewSubmission, stage: Stage, rules: Rules) -> list[str]:
    problems = []
    allowed = {
        Step.FORMAL_INVESTIGATION: {Stage.AWAITING_PANEL_CHECK},
        Step.SUSPENSION: {Stage.AWAITING_PANEL_CHECK, Stage.FORMAL_INVESTIGATION, Stage.AWAITING_SUSPENSION_CHECK},
    }[sub.step]
    if stage not in allowed:
        problems.append(
            f"a {sub.step.value.replace('_', ' ')} review is only possible when the case is "
            f"{' or '.join(STAGE_LABELS[s] for s in sorted(allowed))} (it is {STAGE_LABELS[stage]})"
        )
    try:
        template = rules.templates[(sub.template_id, sub.template_version)]
    except KeyError:
        raise ReviewRejected(
            [*problems, f"unknown template {sub.template_id} version {sub.template_version}"]
        ) from None
    if sub.step not in template.steps:
        problems.append(f"template {template.id} is not for the {sub.step.value} step")
    quorum = quorum_problem(sub.members, rules)
    if quorum:
        problems.append(quorum)
    questions = {q.id: q for q in template.questions_for(sub.step)}
    for qid in sub.answers:
        if qid not in questions:
            problems.append(f"answer to unknown question {qid}")
    for q in questions.values():
        given = sub.answers.get(q.id, AnswerIn())
        if q.answer_type == "yes_no_na":
            if q.required and given.answer is None:
                problems.append(f"question {q.id} needs an answer")
            if given.answer in q.note_required_for and not given.note.strip():
                problems.append(f"question {q.id} answered '{given.answer}' needs a note")
        elif q.required and not given.note.strip():
            problems.append(f"question {q.id} needs a written answer")
        try:
            check_free_text(f"the note to {q.id}", given.note)
        except ValueError as exc:
            problems.append(str(exc))
    if len(sub.rationale.strip()) < MIN_RATIONALE:
        problems.append(f"the written rationale is required (at least {MIN_RATIONALE} characters)")
    try:
        check_free_text("the rationale", sub.rationale)
    except ValueError as exc:
        problems.append(str(exc))
    for member in sub.members:
        try:
            check_free_text("a member's role", member.role)
        except ValueError as exc:
            problems.append(str(exc))
    return problems
