"""Measures as questions: the measure library (data, not code).

Each measure is one TOML file: an id, the question it answers in plain words, who is counted
(population), what counts as the event, the side of parity that harms BME staff, and a default window.
The shipped library (``erreview/measure_library/``) defines WRES indicator 3, the seven decision points
of contract §4.2 and the complaints measure of §4.3; the decision points and complaints are *built*
from these files (:func:`contract_points`). A trust adds its own measures in the folder named by
``ERREVIEW_MEASURE_DIR`` (for example "If I raise a grievance and I am from a minority ethnic
background, is it as likely to be upheld?"); those are reported beside the contract's measures and never
change the contract's JSON. A broken file is an error naming the file and the field.

A population or event is a list of conditions on case columns, all of which must hold::

    population = [{ column = "initial_route", in = ["formal"] }, { column = "investigation_outcome", set = true }]
    event = [{ column = "sanction", not_in = ["no_action"] }]
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from erreview.errors import ErreviewError
from erreview.metrics.flags import ABOVE, BELOW, Side
from erreview.vocab import CASE_COLUMNS, CASE_ENUMS, CaseType

if TYPE_CHECKING:  # imported by the masks that use it: the command line's counts need no pandas
    import pandas as pd

Mask = Callable[["pd.DataFrame"], "pd.Series"]
Kind = Literal["indicator3", "decision_point", "complaint"]


class MeasureError(ErreviewError, ValueError):
    """A measure file that cannot be used; the message names the file and the field."""


class Condition(BaseModel):
    """One test on a case column: its value is one of ``in``, none of ``not_in``, or (not) empty."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    column: str
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    not_in: tuple[str, ...] | None = None
    set: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Condition:
        if self.column not in CASE_COLUMNS:
            raise ValueError(f"{self.column!r} is not a column of cases.csv")
        given = [x for x in (self.in_, self.not_in, self.set) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of in, not_in or set")
        allowed = {v.value for v in CASE_ENUMS[self.column]} if self.column in CASE_ENUMS else None
        for values in (self.in_, self.not_in):
            if values is not None and allowed is not None:
                wrong = [v for v in values if v not in allowed]
                if wrong:
                    known = ", ".join(sorted(allowed))
                    raise ValueError(f"{', '.join(wrong)} not among {self.column}'s values ({known})")
        return self

    def mask(self, cases: pd.DataFrame) -> pd.Series:
        import pandas as pd

        values = cases[self.column] if self.column in cases else pd.Series(None, index=cases.index, dtype=object)
        if self.set is not None:
            return values.notna() if self.set else values.isna()
        if self.in_ is not None:
            return values.isin(self.in_)
        return ~values.isin(self.not_in or ())

    def holds(self, value: object) -> bool:
        """The same test on one value (``None`` when missing), as :meth:`mask` makes it on a column: a missing
        value is in no list, so it passes ``not_in``."""
        if self.set is not None:
            return (value is not None) == self.set
        if self.in_ is not None:
            return value in self.in_
        return value not in (self.not_in or ())

    def text(self) -> str:
        if self.set is not None:
            return f"{self.column} {'is recorded' if self.set else 'is empty'}"
        if self.in_ is not None:
            return f"{self.column} is {' or '.join(self.in_)}"
        return f"{self.column} is not {' or '.join(self.not_in or ())}"


class Measure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$", max_length=64)
    kind: Kind = "decision_point"
    order: int = 100
    label: str = Field(min_length=3, max_length=100)
    question: str = Field(min_length=10, max_length=300)
    population_text: str = Field(min_length=3)
    event_text: str = Field(min_length=3)
    harm_direction: Literal["above", "below"]
    harm: str = ""
    default_window_months: int = Field(default=12, ge=1, le=60)
    case_types: tuple[CaseType, ...] = ()
    population: tuple[Condition, ...] = ()
    event: tuple[Condition, ...] = ()
    #: Shipped with erreview (the contract's measures) rather than added by the trust.
    shipped: bool = False

    @model_validator(mode="after")
    def _conditions(self) -> Measure:
        if self.kind != "indicator3" and (not self.case_types or not self.event):
            raise ValueError("a decision-point or complaint measure needs case_types and an event")
        return self

    @property
    def side(self) -> Side:
        return ABOVE if self.harm_direction == "above" else BELOW

    def population_mask(self, cases: pd.DataFrame) -> pd.Series:
        import pandas as pd

        # A frame of one case type only (as the decision-point analysis receives) may leave case_type out.
        if "case_type" in cases:
            mask = cases["case_type"].isin([t.value for t in self.case_types])
        else:
            mask = pd.Series(True, index=cases.index)
        for condition in self.population:
            mask &= condition.mask(cases)
        return mask

    def event_mask(self, cases: pd.DataFrame) -> pd.Series:
        import pandas as pd

        mask = pd.Series(True, index=cases.index)
        for condition in self.event:
            mask &= condition.mask(cases)
        return mask

    def counts(self, case: Mapping[str, object]) -> tuple[bool, bool]:
        """Whether one case (column: value, missing as ``None``) is in the population, and whether it is an
        event there: :meth:`population_mask` and :meth:`event_mask` on one case."""
        if case.get("case_type") not in {t.value for t in self.case_types}:
            return False, False
        if not all(c.holds(case.get(c.column)) for c in self.population):
            return False, False
        return True, all(c.holds(case.get(c.column)) for c in self.event)

    def columns(self) -> tuple[str, ...]:
        """The case columns the population and event test."""
        return tuple(dict.fromkeys(c.column for c in (*self.population, *self.event)))

    def definition(self) -> dict[str, str]:
        """Who is counted and what counts, in words, for screens and packs."""
        return {
            "Measure": self.label,
            "Question": self.question,
            "Population": self.population_text,
            "Event": self.event_text,
            "Harmful side": "BME rate higher" if self.harm_direction == "above" else "BME rate lower",
            "Default window": f"{self.default_window_months} months",
            "Source": "contract" if self.shipped else "added by the trust",
        }


def _where(source: str, loc: tuple[object, ...]) -> str:
    path = ".".join(str(p) for p in loc if p != "in_") or ""
    return f"measure {source}, field {path}" if path else f"measure {source}"


def parse_measure(text: str, *, source: str, shipped: bool = False) -> Measure:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MeasureError(f"measure {source} is not valid TOML: {exc}") from None
    try:
        return Measure.model_validate(raw | {"shipped": shipped})
    except ValidationError as exc:
        reasons = [f"{_where(source, tuple(e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise MeasureError("; ".join(reasons)) from None


@cache
def shipped_measures() -> tuple[Measure, ...]:
    """The contract's measures, in order."""
    folder = resources.files("erreview.measure_library")
    found = [
        parse_measure(f.read_text(encoding="utf-8"), source=f.name, shipped=True)
        for f in folder.iterdir()
        if f.name.endswith(".toml")
    ]
    return tuple(sorted(found, key=lambda m: (m.order, m.id)))


def load_measures(folder: Path | None = None) -> tuple[Measure, ...]:
    """Shipped measures plus the trust's from ``folder``; a trust measure may not reuse a shipped id."""
    measures = list(shipped_measures())
    if folder is not None:
        folder = Path(folder)
        if not folder.is_dir():
            raise MeasureError(f"the measure folder {folder} does not exist")
        ids = {m.id for m in measures}
        for path in sorted(folder.glob("*.toml")):
            measure = parse_measure(path.read_text(encoding="utf-8"), source=path.name)
            if measure.kind != "decision_point":
                raise MeasureError(f"measure {path.name}, field kind: a trust measure is a decision_point")
            if measure.id in ids:
                raise MeasureError(f"measure {path.name}, field id: {measure.id!r} is already defined")
            ids.add(measure.id)
            measures.append(measure)
    return tuple(sorted(measures, key=lambda m: (not m.shipped, m.order, m.id)))


def trust_measures(folder: Path | None) -> tuple[Measure, ...]:
    return tuple(m for m in load_measures(folder) if not m.shipped)


@dataclass(frozen=True)
class PointSpec:
    """What :class:`erreview.metrics.decisions.DecisionPoint` needs from a measure."""

    name: str
    label: str
    question: str
    population: Mask
    event: Mask
    harm_direction: Side
    harm: str


def point_spec(measure: Measure) -> PointSpec:
    return PointSpec(
        measure.id,
        measure.label,
        measure.question,
        measure.population_mask,
        measure.event_mask,
        measure.side,
        measure.harm,
    )


def contract_specs(kind: Kind) -> tuple[PointSpec, ...]:
    """The shipped measures of ``kind`` as decision-point definitions, in order."""
    return tuple(point_spec(m) for m in shipped_measures() if m.kind == kind)


def measure_question(measure_id: str) -> str:
    return next(m.question for m in shipped_measures() if m.id == measure_id)
