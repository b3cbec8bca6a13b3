"""Decision points: where in the ER process the gap opens (contract §4.2), and complaints raised by
staff (§4.3).

Each decision point is a population (the disciplinary cases that reached the step) and an event (what
happened to them there). For each, the rate per WRES group and per broad ethnic group, the ratio
``rate(BME) / rate(White)`` with its Katz interval and band as for indicator 3, then the v2 flag rule
(:mod:`erreview.metrics.flags`): Fisher's exact p, a Benjamini–Hochberg q over the table, side, flag and
whether the side is the one that harms BME staff. Beyond the contract: the absolute rate difference and
each broad group's ratio to White.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from erreview.measures import Kind, Measure, contract_specs, point_spec, shipped_measures
from erreview.metrics.flags import ABOVE, Assessment, Side, assess_all
from erreview.metrics.ratio import RatioEstimate, rate, relative_likelihood
from erreview.vocab import (
    BroadGroup,
    CaseType,
    Flag,
    Route,
    WresGroup,
)

if TYPE_CHECKING:  # frames are imported by the functions that take them: the command line's counts need none
    import pandas as pd

    from erreview.metrics.groups import RatesFn

Mask = Callable[["pd.DataFrame"], "pd.Series"]


def _set(column: str) -> Mask:
    return lambda c: c[column].notna()


def _formal(c: pd.DataFrame) -> pd.Series:
    return c["initial_route"] == Route.FORMAL


@dataclass(frozen=True)
class DecisionPoint:
    """A step of the ER process: who reaches it (population) and what counts as the event."""

    name: str
    label: str
    question: str
    population: Mask
    event: Mask
    #: The side of parity that disadvantages BME staff at this step (contract §4.2).
    harm_direction: Side = ABOVE
    #: What a ratio on the harmful side means for BME staff, in plain words.
    harm: str = ""


def _from_library(kind: Kind) -> tuple[DecisionPoint, ...]:
    """Decision points built from the measure library (:mod:`erreview.measures`): definitions are data."""
    return tuple(
        DecisionPoint(s.name, s.label, s.question, s.population, s.event, s.harm_direction, s.harm)
        for s in contract_specs(kind)
    )


DECISION_POINTS: tuple[DecisionPoint, ...] = _from_library("decision_point")
POINTS_BY_NAME = {p.name: p for p in DECISION_POINTS}

#: Outcomes of a complaint that count as upheld (contract §4.3), and the one that takes it out.
UPHELD_COMPLAINTS = ("upheld", "partially_upheld")
WITHDRAWN_COMPLAINT = "withdrawn"
COMPLAINT_TYPES = (CaseType.GRIEVANCE.value, CaseType.BULLYING_HARASSMENT.value)


def _complaint_population(c: pd.DataFrame) -> pd.Series:
    import pandas as pd

    if "complaint_outcome" not in c:
        return pd.Series(False, index=c.index)
    outcome = c["complaint_outcome"]
    return c["case_type"].isin(COMPLAINT_TYPES) & outcome.notna() & (outcome != WITHDRAWN_COMPLAINT)


#: Contract §4.3: complaints raised by staff (the person is the one who raised it), upheld in whole or part.
COMPLAINT_POINT: DecisionPoint = _from_library("complaint")[0]
#: Columns a case frame needs for decision-point analysis.
SUBJECT_COLUMNS = ("wres_group", "broad_group", "gender", "band", "staff_group", "division")


#: The column :func:`decision_rows` gives the ``units`` it is passed (:func:`results_by_unit`).
UNIT = "unit"


def decision_rows(
    cases: pd.DataFrame, points: tuple[DecisionPoint, ...] = DECISION_POINTS, *, units: pd.Series | None = None
) -> pd.DataFrame:
    """Long format: one row per (decision point, case that reached it) with the subject and ``event``
    (and, with ``units``, each case's unit in the column :data:`UNIT`).

    ``cases`` are disciplinary cases (any cases for :data:`COMPLAINT_POINT`) with missing values as
    ``None``/NaN.
    """
    import numpy as np
    import pandas as pd

    from erreview.metrics.groups import EVENT

    # Categories, not strings: the rows are taken from these columns, and a take of Arrow-backed strings
    # costs several times a take of category codes (the group-bys give the labels back as strings).
    subjects = cases[list(SUBJECT_COLUMNS)]
    if units is not None:
        subjects = subjects.assign(**{UNIT: units.to_numpy()})
    subjects = subjects.astype("category")
    if not points:
        rows = pd.DataFrame()
        rows["point"] = pd.Categorical([], categories=[])
        return rows
    # A point's population and event are tests of each case on its own (a measure's conditions on its columns,
    # :meth:`erreview.measures.Measure.counts`), so both are asked of every case at once and the rows taken in
    # one go, point after point.
    reached = [point.population(cases).fillna(False).astype(bool).to_numpy() for point in points]
    events = [
        point.event(cases).fillna(False).astype(bool).to_numpy()[r] for point, r in zip(points, reached, strict=True)
    ]
    taken = [np.flatnonzero(r) for r in reached]
    rows = subjects.iloc[np.concatenate(taken)].reset_index(drop=True)
    rows[EVENT] = np.concatenate(events).astype(bool)
    point_codes = np.repeat(np.arange(len(points)), [len(t) for t in taken])
    rows.insert(
        0, "point", pd.Series(pd.Categorical.from_codes(point_codes, categories=pd.Index([p.name for p in points])))
    )
    return rows


@dataclass(frozen=True)
class Count:
    n: int
    events: int

    @property
    def rate(self) -> float | None:
        return rate(self.events, self.n)

    def as_json(self) -> dict[str, Any]:
        return {"n": self.n, "events": self.events, "rate": self.rate}


@dataclass(frozen=True)
class DecisionResult:
    """One decision point: counts by group, the BME/White ratio, the v2 flag fields and the extras."""

    point: DecisionPoint
    bme: Count
    white: Count
    unknown: Count
    groups: dict[str, Count]
    estimate: RatioEstimate
    assessment: Assessment
    group_ratios: dict[str, RatioEstimate] = field(default_factory=dict)

    @property
    def fisher_p(self) -> float | None:
        return self.assessment.fisher_p

    @property
    def q_value(self) -> float | None:
        return self.assessment.q

    @property
    def significant(self) -> bool | None:
        """q < 0.05 (contract §4.2 v2), not the Katz interval; ``None`` when there is no test."""
        return self.assessment.significant

    @property
    def side(self) -> Side | None:
        return self.assessment.side

    @property
    def flag(self) -> Flag:
        return self.assessment.flag

    @property
    def adverse(self) -> bool:
        return self.assessment.adverse

    @property
    def difference(self) -> float | None:
        """Absolute rate difference, BME minus White (percentage points / 100)."""
        if self.bme.rate is None or self.white.rate is None:
            return None
        return self.bme.rate - self.white.rate

    def as_json(self) -> dict[str, Any]:
        """The element of ``decisions --json`` (contract §6)."""
        band = self.estimate.band
        out: dict[str, Any] = {
            "name": self.point.name,
            "bme": self.bme.as_json(),
            "white": self.white.as_json(),
            "groups": {g: c.as_json() for g, c in self.groups.items()},
            "ratio": self.estimate.ratio,
            "ci_low": self.estimate.ci_low,
            "ci_high": self.estimate.ci_high,
            "band": band.value if band else None,
        }
        out.update(self.assessment.as_json())
        return out


def _counts(rates: pd.DataFrame, column: str) -> dict[str, dict[str, Count]]:
    """{point: {group: Count}} from a :func:`group_rates` table."""
    out: dict[str, dict[str, Count]] = {}
    for rec in rates.to_dict("records"):
        out.setdefault(str(rec["point"]), {})[str(rec[column])] = Count(int(rec["n"]), int(rec["events"]))
    return out


def _results(points: tuple[DecisionPoint, ...], cases: pd.DataFrame, rates_fn: RatesFn) -> list[DecisionResult]:
    """The points' results over ``cases``, with q over these points only (one table)."""
    return results_from_rows(points, decision_rows(cases, points), rates_fn)


def results_by_unit(
    points: tuple[DecisionPoint, ...],
    cases: pd.DataFrame,
    units: pd.Series,
    names: Sequence[str],
    *,
    rates_fn: RatesFn | None = None,
    alone: bool = False,
) -> tuple[list[DecisionResult], dict[str, list[DecisionResult]]]:
    """The points' results over all ``cases``, and for each of ``names`` over the cases whose unit (``units``,
    one per case, missing for none) is that name: the same results as :func:`_results` on each unit's cases
    (a unit nobody reached has zero counts), counted from one set of decision rows instead of one per unit.
    q is over these points within each table, as there; with ``alone``, each point is a table of its own (q
    equals its Fisher p), as :func:`_results` on that point alone: several measures from one set of rows."""
    rates_fn = _default_rates(rates_fn)
    rows = decision_rows(cases, points, units=units)

    def tables(
        wres: Mapping[str, Mapping[str, Count]], broad: Mapping[str, Mapping[str, Count]]
    ) -> list[DecisionResult]:
        if not alone:
            return results_from_counts(points, wres, broad)
        return [r for p in points for r in results_from_counts((p,), wres, broad)]

    overall = tables(
        _counts(rates_fn(rows, ["point", "wres_group"]), "wres_group"),
        _counts(rates_fn(rows, ["point", "broad_group"]), "broad_group"),
    )
    wres: dict[str, dict[str, dict[str, Count]]] = {}
    broad: dict[str, dict[str, dict[str, Count]]] = {}
    for column, into in (("wres_group", wres), ("broad_group", broad)):
        for rec in rates_fn(rows, [UNIT, "point", column]).to_dict("records"):
            counts = into.setdefault(str(rec[UNIT]), {}).setdefault(str(rec["point"]), {})
            counts[str(rec[column])] = Count(int(rec["n"]), int(rec["events"]))
    return overall, {name: tables(wres.get(name, {}), broad.get(name, {})) for name in names}


def results_from_rows(points: tuple[DecisionPoint, ...], rows: pd.DataFrame, rates_fn: RatesFn) -> list[DecisionResult]:
    """The points' results from :func:`decision_rows` already made (a caller that needs the rows for its
    breakdowns too makes them once)."""
    wres_counts = _counts(rates_fn(rows, ["point", "wres_group"]), "wres_group")
    broad_counts = _counts(rates_fn(rows, ["point", "broad_group"]), "broad_group")
    return results_from_counts(points, wres_counts, broad_counts)


def results_from_counts(
    points: tuple[DecisionPoint, ...],
    wres_counts: Mapping[str, Mapping[str, Count]],
    broad_counts: Mapping[str, Mapping[str, Count]],
) -> list[DecisionResult]:
    """The points' results from ``{point: {group: Count}}`` by WRES group and by broad group (groups with
    nobody left out, in the order of their names), with q over these points only (one table).
    :func:`decision_table` counts frames; the command line counts in the database (``erreview.tallies``)."""
    partial = []
    for point in points:
        w = wres_counts.get(point.name, {})
        bme, white = w.get(WresGroup.BME, Count(0, 0)), w.get(WresGroup.WHITE, Count(0, 0))
        groups = dict(broad_counts.get(point.name, {}))
        ratios = {
            g: relative_likelihood(c.events, c.n, white.events, white.n)
            for g, c in groups.items()
            if g not in (BroadGroup.WHITE, BroadGroup.NOT_STATED)
        }
        estimate = relative_likelihood(bme.events, bme.n, white.events, white.n)
        partial.append((point, bme, white, w.get(WresGroup.UNKNOWN, Count(0, 0)), groups, estimate, ratios))
    assessments = assess_all(
        [(est, b.events, b.n, wh.events, wh.n) for _, b, wh, _, _, est, _ in partial],
        [p.harm_direction for p in points],
    )
    return [
        DecisionResult(point, bme, white, unknown, groups, est, assessment, ratios)
        for (point, bme, white, unknown, groups, est, ratios), assessment in zip(partial, assessments, strict=True)
    ]


def contract_measures(kind: Kind) -> tuple[Measure, ...]:
    """The shipped measures behind :data:`DECISION_POINTS` (``decision_point``) or :data:`COMPLAINT_POINT`
    (``complaint``), in the same order."""
    return tuple(m for m in shipped_measures() if m.kind == kind)


def _default_rates(rates_fn: RatesFn | None) -> RatesFn:
    from erreview.metrics.groups import group_rates

    return rates_fn or group_rates


def decision_table(cases: pd.DataFrame, *, rates_fn: RatesFn | None = None) -> list[DecisionResult]:
    """Every decision point of contract §4.2 for these disciplinary cases, in process order, with q
    over the seven points (``rates_fn`` default: :func:`erreview.metrics.groups.group_rates`)."""
    return _results(DECISION_POINTS, cases, _default_rates(rates_fn))


def complaint_result(cases: pd.DataFrame, *, rates_fn: RatesFn | None = None) -> DecisionResult:
    """Contract §4.3 over cases of any type (only grievance and bullying/harassment ones with a complaint
    outcome other than withdrawn count): its own one-row table, so q equals the Fisher p."""
    return _results((COMPLAINT_POINT,), cases, _default_rates(rates_fn))[0]


def measure_table(
    measures: Sequence[Measure], cases: pd.DataFrame, *, rates_fn: RatesFn | None = None
) -> list[DecisionResult]:
    """Measures from the library (a trust's own questions) over cases of any type, as one table."""
    points = measure_points(measures)
    return _results(points, cases, _default_rates(rates_fn)) if points else []


def measure_points(measures: Sequence[Measure]) -> tuple[DecisionPoint, ...]:
    """The library's measures as decision points (as :func:`measure_table` counts them)."""
    return tuple(
        DecisionPoint(s.name, s.label, s.question, s.population, s.event, s.harm_direction, s.harm)
        for s in map(point_spec, measures)
    )


def decision_table_frame(results: list[DecisionResult]) -> pd.DataFrame:
    """The table as a DataFrame for screens and exports: counts with rates, ratio with interval."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "decision_point": r.point.name,
                "label": r.point.label,
                "bme_n": r.bme.n,
                "bme_events": r.bme.events,
                "bme_rate": r.bme.rate,
                "white_n": r.white.n,
                "white_events": r.white.events,
                "white_rate": r.white.rate,
                "difference": r.difference,
                "ratio": r.estimate.ratio,
                "ci_low": r.estimate.ci_low,
                "ci_high": r.estimate.ci_high,
                "band": r.estimate.band.value if r.estimate.band else None,
                "fisher_p": r.fisher_p,
                "q_value": r.q_value,
                "significant": r.significant,
                "side": r.side,
                "harm_direction": r.point.harm_direction,
                "flag": r.flag.value,
                "adverse": r.adverse,
            }
            for r in results
        ]
    )
