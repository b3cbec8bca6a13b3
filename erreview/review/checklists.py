"""Checklist templates as data: versioned TOML files, validated on load.

The shipped templates live in ``erreview/review/templates/``; a trust adds its own in the folder named by
``ERREVIEW_TEMPLATE_DIR`` without touching code. Each file is one (id, version); a review records both.
A broken template is an error naming the file and the field.

A template may carry ``[routing]``: ordered routes from answers to a recommended outcome (the Just Culture
guide's tests, each leading to a different response). :func:`recommended_outcome` walks them; it is pure,
so the screen shows the recommendation as the panel answers and the library checks it on submission.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from erreview.errors import ErreviewError
from erreview.review.lifecycle import Step

AnswerType = Literal["yes_no", "yes_no_na", "text", "date"]
Answer = Literal["yes", "no", "not_applicable"]
ANSWER_LABELS = {"yes": "Yes", "no": "No", "not_applicable": "Not applicable"}
#: The answers each choice type offers.
CHOICES: dict[str, tuple[Answer, ...]] = {"yes_no": ("yes", "no"), "yes_no_na": ("yes", "no", "not_applicable")}
#: Outcomes a panel may decide (and a route may recommend); labels live with the panel rules.
Outcome = Literal[
    "proceed", "divert_informal", "no_further_action", "more_information", "health_route", "system_learning_only"
]


class TemplateError(ErreviewError, ValueError):
    """A template file that cannot be used; the message names the file and field."""


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(min_length=5)
    help: str = ""
    answer_type: AnswerType
    required: bool = True
    #: For yes/no/n.a. questions: the answers that must come with a note.
    note_required_for: tuple[Answer, ...] = ()
    #: The steps this question applies to (empty: every step of the template).
    steps: tuple[Step, ...] = ()
    #: Asked only when every named earlier question has the given answer (e.g. the Just Culture tests
    #: only when the concern followed an incident).
    show_if: dict[str, Answer] = Field(default_factory=dict)
    #: A heading the screen groups questions under.
    section: str = ""
    #: The question (and its help) worded for one step where the general wording does not fit it (e.g. a
    #: question about formal action, asked before a suspension).
    text_for: dict[Step, str] = Field(default_factory=dict)
    help_for: dict[Step, str] = Field(default_factory=dict)

    def applies_to(self, step: Step) -> bool:
        return not self.steps or step in self.steps

    def text_at(self, step: Step) -> str:
        return self.text_for.get(step, self.text)

    def help_at(self, step: Step) -> str:
        return self.help_for.get(step, self.help)

    @property
    def choices(self) -> tuple[Answer, ...]:
        return CHOICES.get(self.answer_type, ())


class Route(BaseModel):
    """One routing rule: if any of ``if_any``'s questions has its answer, recommend ``outcome``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    outcome: Outcome
    if_any: dict[str, Answer] = Field(min_length=1)
    reason: str = Field(min_length=5)
    #: The reason worded for one step where the general wording does not fit it.
    reason_for: dict[Step, str] = Field(default_factory=dict)


class Routing(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Outcome
    default_reason: str = Field(min_length=5)
    default_reason_for: dict[Step, str] = Field(default_factory=dict)
    routes: tuple[Route, ...] = Field(min_length=1)


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    version: int = Field(ge=1)
    title: str = Field(min_length=3)
    description: str = ""
    steps: tuple[Step, ...] = Field(min_length=1)
    questions: tuple[Question, ...] = Field(min_length=1)
    routing: Routing | None = None
    #: The title worded for one step where the general title does not fit it.
    title_for: dict[Step, str] = Field(default_factory=dict)

    def title_at(self, step: Step) -> str:
        return self.title_for.get(step, self.title)

    @model_validator(mode="after")
    def _unique_questions(self) -> Template:
        ids = [q.id for q in self.questions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"question ids must be unique; repeated: {', '.join(duplicates)}")
        by_id = {q.id: q for q in self.questions}
        seen: set[str] = set()
        for q in self.questions:
            for parent, answer in q.show_if.items():
                if parent not in seen:
                    raise ValueError(f"question {q.id}: show_if names {parent!r}, which is not an earlier question")
                if answer not in by_id[parent].choices:
                    raise ValueError(f"question {q.id}: show_if answer {answer!r} is not offered by {parent}")
            seen.add(q.id)
        for route in self.routing.routes if self.routing else ():
            for qid, answer in route.if_any.items():
                if qid not in by_id:
                    raise ValueError(f"route {route.id}: no question {qid!r}")
                if answer not in by_id[qid].choices:
                    raise ValueError(f"route {route.id}: question {qid} does not offer the answer {answer!r}")
        return self

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    def questions_for(self, step: Step) -> list[Question]:
        return [q for q in self.questions if q.applies_to(step)]


@dataclass(frozen=True)
class Recommendation:
    """Where the answers so far lead. ``waiting_on`` lists the questions (ids) that could still change it;
    empty when the recommendation is final. While any of them is unanswered there is no recommendation yet
    (``outcome`` is ``None``): an unanswered form must not lean towards any outcome, least of all formal action."""

    outcome: Outcome | None
    reason: str
    route: str  # the route's id, "default", or "none_yet"
    waiting_on: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        return not self.waiting_on


NONE_YET_REASON = "No recommendation yet: answer the deciding questions."


def applies(template: Template, question: Question, step: Step, answers: Mapping[str, str | None]) -> bool | None:
    """Whether ``question`` is asked: True, False, or None while an earlier answer it depends on is missing.

    A follow-up of a question that is not asked is not asked either (show_if conditions chain).
    """
    if not question.applies_to(step):
        return False
    by_id = {q.id: q for q in template.questions}
    unknown = False
    for parent, wanted in question.show_if.items():
        parent_asked = applies(template, by_id[parent], step, answers)
        if parent_asked is False:
            return False
        given = answers.get(parent)
        if given is None:
            unknown = True
        elif given != wanted:
            return False
    return None if unknown else True


def recommended_outcome(template: Template, answers: Mapping[str, str | None], step: Step) -> Recommendation | None:
    """The outcome the template's routing recommends for these answers (question id → "yes"/"no"/...).

    Routes are tried in order; the first whose condition holds wins. Answers to questions that are not
    asked (another step, or a ``show_if`` not met) are ignored. ``None`` for a template without routing.
    While a question that could still change the result is unanswered (an earlier route's, or any route's
    before the default), the result has no outcome ("none yet") and ``waiting_on`` names those questions.
    """
    if template.routing is None:
        return None
    by_id = {q.id: q for q in template.questions}
    asked = {qid: applies(template, q, step, answers) for qid, q in by_id.items()}
    waiting: list[str] = []

    def note_waiting(qid: str) -> None:
        # An unanswered parent hides the real unknown: wait on the parent.
        for parent in by_id[qid].show_if:
            if answers.get(parent) is None and asked[parent] is not False:
                note_waiting(parent)
        if asked[qid] is True and answers.get(qid) is None and qid not in waiting:
            waiting.append(qid)

    for route in template.routing.routes:
        for qid, wanted in route.if_any.items():
            if asked[qid] and answers.get(qid) == wanted:
                if waiting:
                    return Recommendation(None, NONE_YET_REASON, "none_yet", tuple(waiting))
                return Recommendation(route.outcome, route.reason_for.get(step, route.reason), route.id)
        for qid in route.if_any:
            note_waiting(qid)
    if waiting:
        return Recommendation(None, NONE_YET_REASON, "none_yet", tuple(waiting))
    routing = template.routing
    return Recommendation(routing.default, routing.default_reason_for.get(step, routing.default_reason), "default")


def load_template(path: Path | str, text: str | None = None) -> Template:
    """Parse and validate one template file."""
    name = str(path)
    try:
        data = tomllib.loads(text if text is not None else Path(path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise TemplateError(f"{name}: not valid TOML ({exc})") from None
    try:
        return Template.model_validate(data)
    except ValidationError as exc:
        problems = []
        errors = exc.errors()
        locs = [tuple(e["loc"]) for e in errors]
        for err in errors:
            loc = tuple(err["loc"])
            if any(other != loc and other[: len(loc)] == loc for other in locs):
                continue  # a container error caused by a problem reported inside it
            where = _field_path(data, err["loc"])
            problems.append(f"{name}: field {where}: {err['msg']}")
        raise TemplateError("; ".join(problems)) from None


def _field_path(data: object, loc: tuple[int | str, ...]) -> str:
    """``questions[3].answer_type`` → ``questions[3] (q04_own_account).answer_type``."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict) and "id" in node[item]:
                label += f" ({node[item]['id']})"
            parts.append(label)
            node = node[item] if isinstance(node, list) and item < len(node) else None
        else:
            parts.append(("." if parts else "") + item)
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def builtin_templates() -> list[Template]:
    return list(_builtin_templates())


@functools.cache
def _builtin_templates() -> tuple[Template, ...]:
    # Shipped with the package, so read once per process: every screen run and every save asks for them.
    folder = resources.files("erreview.review.templates")
    return tuple(
        load_template(f"erreview/review/templates/{entry.name}", entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    )


def all_templates(extra_dir: Path | None = None) -> dict[tuple[str, int], Template]:
    """Every template, shipped and the trust's own, by (id, version); a clash is an error."""
    templates = builtin_templates()
    if extra_dir is not None and Path(extra_dir).is_dir():
        templates += [load_template(p) for p in sorted(Path(extra_dir).glob("*.toml"))]
    out: dict[tuple[str, int], Template] = {}
    for template in templates:
        if template.key in out:
            raise TemplateError(f"two templates claim id {template.id!r} version {template.version}")
        out[template.key] = template
    return out


def latest(templates: dict[tuple[str, int], Template], template_id: str) -> Template:
    versions = [t for (i, _), t in templates.items() if i == template_id]
    if not versions:
        raise TemplateError(f"no template with id {template_id!r}")
    return max(versions, key=lambda t: t.version)
