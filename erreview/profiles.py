"""Import profiles: map a real extract's column names and values onto the import contract (§2).

ER trackers and ESR reports label things their own way ("Stage 1 - Verbal Warning", an "Ethnic Origin"
column, dates as 31/03/2025). A profile is a TOML file saying how, so the extract imports without
hand-editing::

    name = "Example ER tracker"

    [cases]
    date_format = "%d/%m/%Y"
    ignore = ["Case Handler"]

    [cases.columns]
    "Case Ref" = "case_id"
    "Ethnic Origin" = "ethnic_category"

    [cases.values.sanction]
    "Stage 1 - Verbal Warning" = "formal_verbal_warning"

Applying a profile is a pure step before validation: it renames columns, drops the ``ignore`` columns,
rewrites the mapped values and the dates, and leaves everything else alone so that validation still
reports what is wrong. Source names and values match case-insensitively, ignoring surrounding spaces;
a value already in the contract's vocabulary passes through unmapped. :func:`unmapped_values` lists
what is neither mapped nor valid, with its count and a suggested mapping.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from erreview.errors import ErreviewError
from erreview.ethnicity import EthnicityError, ethnicity_table
from erreview.vocab import (
    CASE_COLUMNS,
    CASE_DATE_COLUMNS,
    CASE_ENUMS,
    GENDER_ALIASES,
    WORKFORCE_COLUMNS,
    Gender,
)

FileKind = Literal["workforce", "cases"]
COLUMNS: dict[FileKind, tuple[str, ...]] = {"workforce": WORKFORCE_COLUMNS, "cases": CASE_COLUMNS}
DATE_COLUMNS: dict[FileKind, tuple[str, ...]] = {"workforce": ("snapshot_date",), "cases": CASE_DATE_COLUMNS}
#: Columns whose values a profile may map, with the values the contract accepts (lower case).
VOCABULARY: dict[str, tuple[str, ...]] = {
    column: tuple(v.value for v in enum) for column, enum in CASE_ENUMS.items()
} | {"gender": tuple(g.value for g in Gender) + tuple(GENDER_ALIASES)}
ETHNICITY = "ethnic_category"


class ProfileError(ErreviewError, ValueError):
    """A profile that cannot be used; the message names the file and the field."""


def _key(text: str) -> str:
    return str(text).strip().lower()


def _valid_ethnicity(value: str) -> bool:
    try:
        ethnicity_table().classify(value)
    except EthnicityError:
        return False
    return True


def _valid(column: str, value: str) -> bool:
    """Is ``value`` (already stripped) accepted by the contract for ``column`` as it stands?"""
    if value == "":
        return True
    if column == ETHNICITY:
        return _valid_ethnicity(value)
    return value.lower() in VOCABULARY[column]


class FileMapping(BaseModel):
    """How one file of the extract maps onto its contract file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Source column name -> contract column name.
    columns: dict[str, str] = Field(default_factory=dict)
    #: Contract column -> {source value -> contract value}.
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    #: Source columns to leave out (never stored), e.g. a case handler's name.
    ignore: tuple[str, ...] = ()
    #: ``strptime`` format of the source's dates (default: already ISO, YYYY-MM-DD).
    date_format: str | None = None

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str | None) -> str | None:
        if value is not None and not any(d in value for d in ("%d", "%j")):
            raise ValueError("a date format needs a day, e.g. %d/%m/%Y")
        return value

    def check(self, kind: FileKind) -> list[tuple[tuple[str, ...], str]]:
        """Problems as (location, reason): targets must be the contract's columns and values."""
        allowed = COLUMNS[kind]
        found: list[tuple[tuple[str, ...], str]] = []
        targets: dict[str, str] = {}
        for source, target in self.columns.items():
            if target not in allowed:
                found.append((("columns", source), f"{target!r} is not a column of {kind}.csv"))
            elif target in targets:
                found.append((("columns", source), f"{target!r} is already the target of {targets[target]!r}"))
            targets.setdefault(target, source)
        for column, mapping in self.values.items():
            if column not in allowed or (column not in VOCABULARY and column != ETHNICITY):
                mappable = sorted(c for c in allowed if c in VOCABULARY or c == ETHNICITY)
                found.append((("values", column), f"values can only be mapped for {', '.join(mappable)}"))
                continue
            for source, target in mapping.items():
                if not _valid(column, target.strip()):
                    reason = (
                        "not an NHS ethnic category code"
                        if column == ETHNICITY
                        else f"must be one of {', '.join(VOCABULARY[column])}"
                    )
                    found.append((("values", column, source), f"{target!r} {reason}"))
        return found

    def apply(self, frame: pd.DataFrame, kind: FileKind) -> pd.DataFrame:
        """The frame with contract column names, values and ISO dates (a new frame; ``frame`` is unchanged)."""
        rename = {_key(s): t for s, t in self.columns.items()}
        ignored = {_key(c) for c in self.ignore}
        out = frame.loc[:, [c for c in frame.columns if _key(c) not in ignored]].copy()
        out.columns = [rename.get(_key(c), _key(c)) for c in out.columns]
        for column, mapping in self.values.items():
            if column in out:
                lookup = {_key(s): t.strip() for s, t in mapping.items()}
                stripped = out[column].astype(str).str.strip()
                out[column] = stripped.map(lambda v, lookup=lookup: lookup.get(v.lower(), v))
        if self.date_format:
            for column in DATE_COLUMNS[kind]:
                if column in out:
                    out[column] = out[column].astype(str).str.strip().map(self._iso_date)
        return out

    def _iso_date(self, value: str) -> str:
        # A value that does not parse is left as it is, so validation reports it with its row.
        if value == "" or self.date_format is None:
            return value
        try:
            return datetime.strptime(value, self.date_format).date().isoformat()
        except ValueError:
            return value


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str = ""
    workforce: FileMapping | None = None
    cases: FileMapping | None = None

    @model_validator(mode="after")
    def _something(self) -> Profile:
        if self.workforce is None and self.cases is None:
            raise ValueError("a profile needs a [workforce] or a [cases] section")
        return self

    def mapping(self, kind: FileKind) -> FileMapping | None:
        return self.workforce if kind == "workforce" else self.cases


def _where(source: str, loc: tuple[object, ...]) -> str:
    return f"profile {source}, field {'.'.join(str(p) for p in loc)}" if loc else f"profile {source}"


def parse_profile(text: str, *, source: str = "profile") -> Profile:
    """Validate a profile's TOML text; :class:`ProfileError` names ``source`` and the field at fault."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {source} is not valid TOML: {exc}") from None
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        reasons = "; ".join(f"{_where(source, tuple(e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ProfileError(reasons) from None
    problems = [
        f"{_where(source, (kind, *loc))}: {reason}"
        for kind in ("workforce", "cases")
        if (m := profile.mapping(kind)) is not None
        for loc, reason in m.check(kind)
    ]
    if problems:
        raise ProfileError("; ".join(problems))
    return profile


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"profile {path.name} cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ProfileError(f"profile {path.name} is not UTF-8 text") from None
    return parse_profile(text, source=path.name)


def example_profile_path() -> Path:
    """The example profile shipped with erreview (a typical ER-tracker export)."""
    return Path(__file__).parent / "profiles" / "example_er_tracker.toml"


@dataclass(frozen=True)
class Unmapped:
    """A value the profile does not map and the contract does not accept."""

    file: str
    column: str
    value: str
    rows: int
    suggestion: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "column": self.column,
            "value": self.value,
            "rows": self.rows,
            "suggested mapping": self.suggestion or "",
        }


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def suggest(column: str, value: str) -> str | None:
    """The closest contract value (difflib), e.g. 'Stage 1 - Verbal Warning' -> formal_verbal_warning."""
    if column == ETHNICITY:
        # Words in common first ("Black African" is Black or Black British - African, not Mixed - White and
        # Black African), then difflib's ratio to break ties.
        words = set(_normal(value).split("_"))

        def score(label: str) -> tuple[float, float]:
            theirs = set(_normal(label).split("_"))
            overlap = len(words & theirs) / len(words | theirs)
            return overlap, difflib.SequenceMatcher(None, _normal(value), _normal(label)).ratio()

        best = max(ethnicity_table().rows(), key=lambda c: score(c.label))
        return best.code if score(best.label)[0] > 0 else None
    vocabulary = [v for v in VOCABULARY.get(column, ()) if len(v) > 1]
    normal = _normal(value)
    # A value containing a whole contract value ("stage_1_verbal_warning" and "verbal_warning") is the
    # likely match; otherwise fall back to difflib's ratio.
    contained = [v for v in vocabulary if v in normal or normal in v]
    hit = difflib.get_close_matches(normal, contained or vocabulary, n=1, cutoff=0.0 if contained else 0.5)
    if hit:
        return hit[0]
    parts = {p for p in normal.split("_") if len(p) > 3}
    overlaps = [v for v in vocabulary if parts & set(v.split("_"))]
    return overlaps[0] if len(overlaps) == 1 else None


def unmapped_values(frame: pd.DataFrame, *, file: str) -> list[Unmapped]:
    """Values of the mappable columns of an already-mapped frame that the contract does not accept."""
    found = []
    for column in frame.columns:
        if column not in VOCABULARY and column != ETHNICITY:
            continue
        counts = frame[column].astype(str).str.strip().value_counts(sort=False)
        for value, rows in counts.items():
            if not _valid(column, str(value)):
                found.append(Unmapped(file, column, str(value), int(rows), suggest(column, str(value))))
    return sorted(found, key=lambda u: (u.column, -u.rows, u.value))
