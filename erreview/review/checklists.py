"""Checklist templates as data: versioned TOML files, validated on load.

The shipped templates live in ``erreview/review/templates/``; a trust adds its own in the folder named by
``ERREVIEW_TEMPLATE_DIR`` without touching code. Each file is one (id, version); a review records both.
A broken template is an error naming the file and the field.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from erreview.errors import ErreviewError
from erreview.review.lifecycle import Step

AnswerType = Literal["yes_no_na", "text"]
Answer = Literal["yes", "no", "not_applicable"]
ANSWER_LABELS = {"yes": "Yes", "no": "No", "not_applicable": "Not applicable"}


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

    def applies_to(self, step: Step) -> bool:
        return not self.steps or step in self.steps


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    version: int = Field(ge=1)
    title: str = Field(min_length=3)
    description: str = ""
    steps: tuple[Step, ...] = Field(min_length=1)
    questions: tuple[Question, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_questions(self) -> Template:
        ids = [q.id for q in self.questions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"question ids must be unique; repeated: {', '.join(duplicates)}")
        return self

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    def questions_for(self, step: Step) -> list[Question]:
        return [q for q in self.questions if q.applies_to(step)]


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
    folder = resources.files("erreview.review.templates")
    return [
        load_template(f"erreview/review/templates/{entry.name}", entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]


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
