"""The review pack's tables, each built from the numbers with disclosure control applied.

Every table is two steps: its **cells** (named counts and the linear relations between them, see
:class:`Cells`) and its **frame** of display strings: counts as integers, rates as percentages, ratios to
two decimals, and ``*`` wherever a count is hidden and wherever a rate, ratio, interval, band, flag or
p-value rests on a hidden count. The pack audits the cells of all its tables (and of the packs published
before it) as one system and passes the hidden set to every frame; a table built on its own is audited
alone.

Cell names are stable strings so that the same count in two packs is the same unknown:
``i3|<period>|<group>|<entrants|headcount>``, ``div|<period>|<division>|…``, ``dq|<period>|<division>|…``,
``dp|<window or half-year>|<point>|<group>|<n|events>``, ``pc|<period>|<step>|<decision>|<group>`` (panel checks
at one step) and ``pc|<period>|<decision>|<group>`` (both steps: printed only for all decisions).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

import pandas as pd

from erreview.export.disclosure import Linear, Problem, at_most, protect, total_of
from erreview.export.suppression import SUPPRESSED
from erreview.measures import Measure
from erreview.metrics.decisions import DecisionResult
from erreview.metrics.likelihood import WresResult
from erreview.metrics.ratio import relative_likelihood
from erreview.review.lifecycle import Step
from erreview.review.panel import DECISION_LABELS, decision_label
from erreview.vocab import BroadGroup, WresGroup

log = logging.getLogger(__name__)

BROAD_BME = [g.value for g in BroadGroup if g not in (BroadGroup.WHITE, BroadGroup.NOT_STATED)]
BROAD_ORDER = [g.value for g in BroadGroup]
#: The WRES groups of indicator 3, as cell names use them.
I3_GROUPS = (WresGroup.BME.value, WresGroup.WHITE.value, WresGroup.UNKNOWN.value)


@dataclass
class Cells:
    """Named counts and the relations between them, as a reader of the tables knows them."""

    values: dict[str, int] = field(default_factory=dict)
    relations: list[Linear] = field(default_factory=list)
    latent: set[str] = field(default_factory=set)  # model-only cells, never shown
    #: Bounds a reader knows beside the relations (e.g. a "too few to compare" label: fewer than the minimum).
    lower: dict[str, int] = field(default_factory=dict)
    upper: dict[str, int] = field(default_factory=dict)

    def relate(self, relation: Linear) -> None:
        """Add a relation, but only one the numbers satisfy (e.g. a person counted in two divisions makes
        the divisions add up to more than the trust)."""
        if relation.holds(self.values):
            self.relations.append(relation)
        else:
            log.debug("relation does not hold on these data, left out: %s", relation)

    def update(self, other: Cells) -> None:
        for k, v in other.values.items():
            if self.values.setdefault(k, v) != v:
                raise ValueError(f"cell {k} has two values ({self.values[k]} and {v})")
        self.relations += other.relations
        self.latent |= other.latent
        for k, v in other.lower.items():
            self.lower[k] = max(self.lower.get(k, v), v)
        for k, v in other.upper.items():
            self.upper[k] = min(self.upper.get(k, v), v)

    def problem(self, published: set[str], **kw: Any) -> Problem:
        """These cells as the auditor's problem, with ``published`` shown and the bounds a reader knows."""
        return Problem(
            self.values, published, self.relations, latent=self.latent, lower=self.lower, upper=self.upper, **kw
        )

    def hidden(self, threshold: int) -> set[str]:
        """This table's suppression when it is published on its own."""
        problem = self.problem(set(self.values) - self.latent)
        return {str(k) for k in protect(problem, threshold).hidden} - self.latent


def fmt_count(v: int | None) -> str:
    return "" if v is None else f"{v:d}"


def fmt_rate(v: float | None) -> str:
    return "" if v is None else f"{v:.2%}"


def fmt_ratio(v: float | None) -> str:
    return "" if v is None else f"{v:.2f}"


def fmt_p(v: float | None) -> str:
    return "" if v is None else f"{v:.3f}"


def _show(value: str, hidden: bool) -> str:
    return SUPPRESSED if hidden else value


# --- indicator 3 -------------------------------------------------------------------------------------


def _is_year(label: str) -> bool:
    """A financial year's label ("2024/25"), not a half-year's ("2024/25-H1")."""
    return re.fullmatch(r"\d{4}/\d{2}", label) is not None


def i3_key(period: str, group: str, kind: str) -> str:
    return f"i3|{period}|{group}|{kind}"


def indicator3_cells(results: Sequence[WresResult]) -> Cells:
    cells = Cells()
    for r in results:
        if not r.available or r.estimate is None:
            continue
        for g in WresGroup:
            entrants, heads = i3_key(r.period.label, g.value, "entrants"), i3_key(r.period.label, g.value, "headcount")
            cells.values[entrants] = int(r.groups[g].entrants)
            cells.values[heads] = int(r.groups[g].headcount)
            # A year's entrants include people who left before its end snapshot: at most its headcount only
            # by assumption (a half-year's are counted among the staff at its snapshot).
            cells.relate(at_most(entrants, heads, assumed=r.period.half is None))
    return cells


def year_half_cells(year: WresResult, halves: Sequence[tuple[WresResult, Mapping[WresGroup, int]]]) -> Cells:
    """A year's indicator 3 cells related to its two half-years' (as unknowns never printed by this pack).

    A reader who holds a year pack and a half-year pack of the same year can difference them. Entrants are
    distinct people per period, so a year counts a person entering in both halves once: the year is
    ``H1 + H2 - both``. ``both`` (usually 0) is not printed, but a reader may well assume it, so the auditor
    is given it as a known constant: the relation is an equality that holds on the data, and safe (it can only
    narrow what a reader can infer). A year's headcount is its snapshot's: the same snapshot as the half-year
    whose snapshot it is (normally H2, whose last day is the year's), so the two cells are equal.

    ``halves``: each half-year's result with its entrants per group (counted even where the half has no
    snapshot of its own)."""
    cells = Cells()
    if not year.available or year.estimate is None or len(halves) != 2:
        return cells
    for g in WresGroup:
        parts = []
        for half, entrants in halves:
            key = i3_key(half.period.label, g.value, "entrants")
            cells.values[key] = int(entrants.get(g, 0))
            cells.latent.add(key)
            parts.append(key)
            if half.available and half.estimate is not None:
                heads = i3_key(half.period.label, g.value, "headcount")
                cells.values[heads] = int(half.groups[g].headcount)
                cells.latent.add(heads)
                cells.relate(at_most(key, heads))
                if half.snapshot_date == year.snapshot_date:
                    cells.values[i3_key(year.period.label, g.value, "headcount")] = int(year.groups[g].headcount)
                    cells.relate(total_of(i3_key(year.period.label, g.value, "headcount"), [heads]))
        total = i3_key(year.period.label, g.value, "entrants")
        cells.values[total] = int(year.groups[g].entrants)
        both = sum(cells.values[k] for k in parts) - cells.values[total]
        cells.relate(Linear(((total, 1.0), *((k, -1.0) for k in parts)), equal=True, const=float(both)))
        # Also true whatever ``both`` is, and kept for a reader who does not assume it.
        for k in parts:
            cells.relate(at_most(k, total))
    return cells


def indicator3_table(
    results: Sequence[WresResult], threshold: int, hidden: Collection[str] | None = None
) -> pd.DataFrame:
    """Indicator 3 per period: entrants, headcounts, rates, ratio and interval."""
    if hidden is None:
        hidden = indicator3_cells(results).hidden(threshold)
    rows = []
    for r in results:
        if not r.available or r.estimate is None:
            rows.append({"Period": r.period.label, "Snapshot": "", "Note": r.unavailable_reason or ""})
            continue
        g = r.groups

        def h(group: WresGroup, kind: str, label: str = r.period.label) -> bool:
            return i3_key(label, group.value, kind) in hidden

        bme_h = h(WresGroup.BME, "entrants") or h(WresGroup.BME, "headcount")
        white_h = h(WresGroup.WHITE, "entrants") or h(WresGroup.WHITE, "headcount")
        est = r.estimate
        ratio_hidden = bme_h or white_h
        row: dict[str, Any] = {
            "Period": r.period.label,
            "Snapshot": r.snapshot_date.isoformat() if r.snapshot_date else "",
        }
        for group, name in ((WresGroup.BME, "BME"), (WresGroup.WHITE, "White"), (WresGroup.UNKNOWN, "Not stated")):
            row[f"{name} entrants"] = _show(fmt_count(g[group].entrants), h(group, "entrants"))
            row[f"{name} headcount"] = _show(fmt_count(g[group].headcount), h(group, "headcount"))
            if group is not WresGroup.UNKNOWN:
                row[f"{name} rate"] = _show(fmt_rate(g[group].rate), bme_h if group is WresGroup.BME else white_h)
        row |= {
            "Ratio": _show(fmt_ratio(est.ratio), ratio_hidden),
            "95% CI low": _show(fmt_ratio(est.ci_low), ratio_hidden),
            "95% CI high": _show(fmt_ratio(est.ci_high), ratio_hidden),
            "Band": _show(est.band.value if est.band else "", ratio_hidden),
            "Significant": _show("yes" if est.significant else "no", ratio_hidden),
            "Note": "",
        }
        rows.append(row)
    columns = [
        "Period",
        "Snapshot",
        "BME entrants",
        "BME headcount",
        "BME rate",
        "White entrants",
        "White headcount",
        "White rate",
        "Not stated entrants",
        "Not stated headcount",
        "Ratio",
        "95% CI low",
        "95% CI high",
        "Band",
        "Significant",
        "Note",
    ]
    return pd.DataFrame(rows, columns=columns).fillna("")


# --- decision points ---------------------------------------------------------------------------------

#: The groups of the decision-point table as cell names use them (WRES White is the broad White group).
DP_GROUPS = ["BME", *BROAD_ORDER]


def window_label(window: tuple[date, date]) -> str:
    return f"{window[0].isoformat()}..{window[1].isoformat()}"


def dp_key(window: str, point: str, group: str, kind: str) -> str:
    return f"dp|{window}|{point}|{group}|{kind}"


def _dp_values(results: Sequence[DecisionResult], window: str) -> dict[str, int]:
    values: dict[str, int] = {}
    for r in results:
        p = r.point.name
        values[dp_key(window, p, "BME", "n")] = r.bme.n
        values[dp_key(window, p, "BME", "events")] = r.bme.events
        for grp in BROAD_ORDER:
            found = r.groups.get(grp)
            values[dp_key(window, p, grp, "n")] = found.n if found else 0
            values[dp_key(window, p, grp, "events")] = found.events if found else 0
    return values


def _dp_relations(cells: Cells, results: Sequence[DecisionResult], window: str) -> None:
    names = {r.point.name for r in results}
    for r in results:
        p = r.point.name
        for kind in ("n", "events"):
            cells.relate(total_of(dp_key(window, p, "BME", kind), [dp_key(window, p, g, kind) for g in BROAD_BME]))
        for g in DP_GROUPS:
            cells.relate(at_most(dp_key(window, p, g, "events"), dp_key(window, p, g, "n")))
    for g in DP_GROUPS:

        def k(point: str, kind: str, g: str = g) -> str:
            return dp_key(window, point, g, kind)

        # Steps with the same population count the same people; later steps are reached by fewer.
        pairs: list[tuple[Callable[[str, list[str]], Linear], tuple[str, str], tuple[str, str]]] = [
            (total_of, ("formal_investigation", "events"), ("suspension", "n")),
            (total_of, ("formal_investigation", "events"), ("regulator_referral", "n")),
            (total_of, ("formal_sanction", "n"), ("dismissal", "n")),
            (at_most, ("dismissal", "events"), ("formal_sanction", "events")),
            (at_most, ("case_to_answer", "n"), ("formal_investigation", "events")),
            (at_most, ("formal_sanction", "n"), ("case_to_answer", "events")),
        ]
        for make, (p1, k1), (p2, k2) in pairs:
            if p1 in names and p2 in names:
                cells.relate(make(k(p1, k1), [k(p2, k2)]))


def decision_points_cells(
    results: Sequence[DecisionResult],
    window: str = "window",
    halves: Sequence[tuple[str, Sequence[DecisionResult]]] = (),
) -> Cells:
    """The table's counts, and (``halves``) the half-years whose sum the window is, as unknowns, so that
    two packs whose windows overlap are audited together."""
    cells = Cells(_dp_values(results, window))
    _dp_relations(cells, results, window)
    if halves:
        for label, res in halves:
            half = _dp_values(res, label)
            cells.values |= half
            cells.latent |= set(half)
            _dp_relations(cells, res, label)
        for key in _dp_values(results, window):
            tail = key.removeprefix(f"dp|{window}|")
            cells.relate(total_of(key, [f"dp|{label}|{tail}" for label, _ in halves]))
    return cells


def _counted_by(measure: Measure, kind: str) -> tuple[frozenset[str], frozenset[object]]:
    """Which cases a measure's ``n`` (or ``events``) counts, as a reader of its published definition knows it:
    its case types, and every condition that must hold."""
    conditions = {*measure.population, *(measure.event if kind == "events" else ())}
    return frozenset(t.value for t in measure.case_types), frozenset(conditions)


def measure_links(measures: Sequence[Measure], names: Collection[str], window: str) -> list[Linear]:
    """What the measures' definitions tell a reader about their counts in one window: two measures counting the
    same cases have equal counts, and one counting a subset of another's cases (fewer case types, more
    conditions) has no more, group by group. So a trust measure that repeats a contract step is audited as the
    same cells, not as a new table that could publish what the step hides."""
    found = [m for m in measures if m.id in names and m.kind != "indicator3"]
    links: list[Linear] = []
    for x in found:
        for y in found:
            if x.id >= y.id:
                continue
            for kx in ("n", "events"):
                for ky in ("n", "events"):
                    (tx, cx), (ty, cy) = _counted_by(x, kx), _counted_by(y, ky)
                    for g in DP_GROUPS:
                        a, b = dp_key(window, x.id, g, kx), dp_key(window, y.id, g, ky)
                        if (tx, cx) == (ty, cy):
                            links.append(total_of(a, [b]))
                        elif ty <= tx and cy >= cx:
                            links.append(at_most(b, a))
                        elif tx <= ty and cx >= cy:
                            links.append(at_most(a, b))
    return links


def decision_points_table(
    results: Sequence[DecisionResult],
    threshold: int,
    hidden: Collection[str] | None = None,
    window: str = "window",
) -> pd.DataFrame:
    """The decision-point table with every group's n and events, suppressed as one linked table."""
    if hidden is None:
        hidden = decision_points_cells(results, window).hidden(threshold)
    values = _dp_values(results, window)

    def cell(p: str, grp: str, kind: str) -> str:
        key = dp_key(window, p, grp, kind)
        return _show(fmt_count(values[key]), key in hidden)

    def h(p: str, grp: str) -> bool:
        return any(dp_key(window, p, grp, k) in hidden for k in ("n", "events"))

    rows = []
    for r in results:
        p = r.point.name
        bme_hidden, white_hidden = h(p, "BME"), h(p, "White")
        any_hidden = bme_hidden or white_hidden
        est = r.estimate
        row: dict[str, Any] = {
            "Decision point": r.point.label,
            "BME n": cell(p, "BME", "n"),
            "BME events": cell(p, "BME", "events"),
            "BME rate": _show(fmt_rate(r.bme.rate), bme_hidden),
            "White n": cell(p, "White", "n"),
            "White events": cell(p, "White", "events"),
            "White rate": _show(fmt_rate(r.white.rate), white_hidden),
            "Difference (points)": _show("" if r.difference is None else f"{r.difference * 100:+.1f}", any_hidden),
            "Ratio": _show(fmt_ratio(est.ratio), any_hidden),
            "95% CI low": _show(fmt_ratio(est.ci_low), any_hidden),
            "95% CI high": _show(fmt_ratio(est.ci_high), any_hidden),
            "Band": _show(est.band.value if est.band else "", any_hidden),
            "Flag": _show(r.flag.value, any_hidden),
            "Fisher p": _show(fmt_p(r.fisher_p), any_hidden),
            "q (BH)": _show(fmt_p(r.q_value), any_hidden),
        }
        for g in BROAD_ORDER:
            row[f"{g} n"] = cell(p, g, "n")
            row[f"{g} events"] = cell(p, g, "events")
        rows.append(row)
    return pd.DataFrame(rows)


# --- divisions and data quality ----------------------------------------------------------------------


def _divisions(entries: pd.DataFrame, headcounts: pd.DataFrame) -> list[str]:
    return sorted(set(headcounts["division"]) | set(entries["division"]))


def div_key(period: str, division: str, group: str, kind: str) -> str:
    """A division's cell; the trust row is indicator 3's own cells for the period."""
    return i3_key(period, group, kind) if division == "Trust" else f"div|{period}|{division}|{group}|{kind}"


def division_cells(entries: pd.DataFrame, headcounts: pd.DataFrame, period: str = "period") -> Cells:
    divisions = _divisions(entries, headcounts)
    cells = Cells()
    for d in [*divisions, "Trust"]:
        e = entries if d == "Trust" else entries[entries["division"] == d]
        h = headcounts if d == "Trust" else headcounts[headcounts["division"] == d]
        for grp in (WresGroup.BME.value, WresGroup.WHITE.value):
            cells.values[div_key(period, d, grp, "entrants")] = int(
                e.loc[e["wres_group"] == grp, "person_key"].nunique()
            )
            cells.values[div_key(period, d, grp, "headcount")] = int(h.loc[h["wres_group"] == grp, "headcount"].sum())
    for grp in (WresGroup.BME.value, WresGroup.WHITE.value):
        for kind in ("entrants", "headcount"):
            cells.relate(
                total_of(div_key(period, "Trust", grp, kind), [div_key(period, d, grp, kind) for d in divisions])
            )
        for d in divisions:
            cells.relate(
                at_most(
                    div_key(period, d, grp, "entrants"), div_key(period, d, grp, "headcount"), assumed=_is_year(period)
                )
            )
    return cells


def division_table(
    entries: pd.DataFrame,
    headcounts: pd.DataFrame,
    threshold: int,
    hidden: Collection[str] | None = None,
    period: str = "period",
) -> pd.DataFrame:
    """Indicator 3 by division for one period: ``entries`` already limited to the period (person_key,
    wres_group, division); ``headcounts`` of the period's snapshot by division and group."""
    cells = division_cells(entries, headcounts, period)
    if hidden is None:
        hidden = cells.hidden(threshold)
    rows = []
    for d in [*_divisions(entries, headcounts), "Trust"]:
        keys = {(g, k): div_key(period, d, g, k) for g in ("BME", "White") for k in ("entrants", "headcount")}
        a, n1 = cells.values[keys[("BME", "entrants")]], cells.values[keys[("BME", "headcount")]]
        c, n2 = cells.values[keys[("White", "entrants")]], cells.values[keys[("White", "headcount")]]
        any_hidden = any(k in hidden for k in keys.values())
        # A division may appear in cases but not in the snapshot (renamed, or case data from another time).
        est = relative_likelihood(a, n1, c, n2) if a <= n1 and c <= n2 else relative_likelihood(0, 0, 0, 0)
        rows.append(
            {
                "Division": d,
                "BME entrants": _show(fmt_count(a), keys[("BME", "entrants")] in hidden),
                "BME headcount": _show(fmt_count(n1), keys[("BME", "headcount")] in hidden),
                "White entrants": _show(fmt_count(c), keys[("White", "entrants")] in hidden),
                "White headcount": _show(fmt_count(n2), keys[("White", "headcount")] in hidden),
                "Ratio": _show(fmt_ratio(est.ratio), any_hidden),
                "95% CI low": _show(fmt_ratio(est.ci_low), any_hidden),
                "95% CI high": _show(fmt_ratio(est.ci_high), any_hidden),
                "Band": _show(est.band.value if est.band else "", any_hidden),
            }
        )
    return pd.DataFrame(rows)


def dq_key(period: str, division: str, kind: str) -> str:
    if division == "Trust" and kind == "not_stated":
        return i3_key(period, WresGroup.UNKNOWN.value, "headcount")
    return f"dq|{period}|{division}|{kind}"


def data_quality_cells(headcounts: pd.DataFrame, period: str = "period") -> Cells:
    divisions = sorted(set(headcounts["division"]))
    cells = Cells()
    for d in [*divisions, "Trust"]:
        h = headcounts if d == "Trust" else headcounts[headcounts["division"] == d]
        cells.values[dq_key(period, d, "staff")] = int(h["headcount"].sum())
        cells.values[dq_key(period, d, "not_stated")] = int(
            h.loc[h["wres_group"] == WresGroup.UNKNOWN.value, "headcount"].sum()
        )
        cells.relate(at_most(dq_key(period, d, "not_stated"), dq_key(period, d, "staff")))
    for kind in ("staff", "not_stated"):
        cells.relate(total_of(dq_key(period, "Trust", kind), [dq_key(period, d, kind) for d in divisions]))
    return cells


def data_quality_links(headcounts: pd.DataFrame, period: str) -> list[Linear]:
    """Staff = BME + White + not stated, in each division and the trust (ties the table to the others)."""
    out = []
    for d in [*sorted(set(headcounts["division"])), "Trust"]:
        parts = [div_key(period, d, g, "headcount") for g in ("BME", "White")]
        out.append(total_of(dq_key(period, d, "staff"), [*parts, dq_key(period, d, "not_stated")]))
    return out


def data_quality_table(
    headcounts: pd.DataFrame, threshold: int, hidden: Collection[str] | None = None, period: str = "period"
) -> pd.DataFrame:
    """Ethnicity not stated, by division, at one snapshot (``headcounts`` by division and group)."""
    cells = data_quality_cells(headcounts, period)
    if hidden is None:
        hidden = cells.hidden(threshold)
    rows = []
    for d in [*sorted(set(headcounts["division"])), "Trust"]:
        sk, mk = dq_key(period, d, "staff"), dq_key(period, d, "not_stated")
        staff, missing = cells.values[sk], cells.values[mk]
        rows.append(
            {
                "Division": d,
                "Staff": _show(fmt_count(staff), sk in hidden),
                "Ethnicity not stated": _show(fmt_count(missing), mk in hidden),
                "Share not stated": _show(fmt_rate(missing / staff if staff else None), sk in hidden or mk in hidden),
            }
        )
    return pd.DataFrame(rows, columns=["Division", "Staff", "Ethnicity not stated", "Share not stated"])


def data_quality_frame(
    headcounts: pd.DataFrame, threshold: int, hidden: Collection[str] | None = None, period: str = "period"
) -> tuple[pd.DataFrame, set[tuple[int, str]]]:
    """:func:`data_quality_table` as numbers (``division``, ``staff``, ``not_stated``, ``share``: for a screen to
    sort and format), with the cells it hides as (row, column)."""
    cells = data_quality_cells(headcounts, period)
    if hidden is None:
        hidden = cells.hidden(threshold)
    rows, masked = [], set()
    for i, d in enumerate([*sorted(set(headcounts["division"])), "Trust"]):
        sk, mk = dq_key(period, d, "staff"), dq_key(period, d, "not_stated")
        staff, missing = cells.values[sk], cells.values[mk]
        rows.append({"division": d, "staff": staff, "not_stated": missing, "share": missing / staff if staff else None})
        masked |= {(i, "staff")} if sk in hidden else set()
        masked |= {(i, "not_stated")} if mk in hidden else set()
        masked |= {(i, "share")} if sk in hidden or mk in hidden else set()
    return pd.DataFrame(rows, columns=["division", "staff", "not_stated", "share"]), masked


# --- panel checks -----------------------------------------------------------------------------------

PANEL_GROUPS = ["BME", "White", "Unknown"]
#: The steps a panel checks, in the table's order: each has its block of rows, whatever was checked in the period
#: (which steps were checked is a count the pack does not publish).
PANEL_STEPS: tuple[Step, ...] = (Step.FORMAL_INVESTIGATION, Step.SUSPENSION)
#: The table's first column: the step checked, in words, heading its block of rows.
PANEL_STEP_HEADINGS: dict[Step, str] = {
    Step.FORMAL_INVESTIGATION: "Before a formal investigation",
    Step.SUSPENSION: "Before a suspension",
}
#: The last row: every decision of both steps, by group (its step and decision columns).
PANEL_ALL_ROW = ("Both steps", "All decisions")


def pc_key(period: str, decision: str, group: str) -> str:
    """A decision's count over both steps. Printed only for "All" decisions (the table's last row); the
    per-decision cells are named so that earlier packs, which printed them, stay linked to the step cells."""
    return f"pc|{period}|{decision}|{group}"


def pcs_key(period: str, step: Step | str, decision: str, group: str) -> str:
    """A decision's count at one step (``pc|`` too, so that a year pack relates them to its half-years' and the
    table is withheld as a whole with them)."""
    return f"pc|{period}|{Step(step).value}|{decision}|{group}"


def panel_printed_keys(period: str) -> list[str]:
    """The cells the panel-check table prints: every step's decisions and totals, and the last row."""
    groups = [*PANEL_GROUPS, "All"]
    steps = [pcs_key(period, s, d, g) for s in PANEL_STEPS for d in [*DECISION_LABELS, "All"] for g in groups]
    return [*steps, *(pc_key(period, "All", g) for g in groups)]


def _panel_steps(reviews: pd.DataFrame) -> pd.Series:
    """Each review's step. Every review must name one of the steps: one left out would break the relations the
    auditor is given (a decision's total is its steps' added up), and such a relation is dropped, not checked."""
    if reviews.empty:
        return pd.Series([], index=reviews.index, dtype=str)
    if "step" not in reviews.columns:
        raise ValueError("panel reviews must say which step each checked (a 'step' column)")
    steps = reviews["step"].astype(str)
    unknown = set(steps) - {s.value for s in PANEL_STEPS}
    if unknown:
        raise ValueError(f"panel reviews of steps the table does not know: {sorted(unknown)}")
    return steps


def panel_cells(reviews: pd.DataFrame, period: str = "period") -> Cells:
    """The panel checks by step, decision and group (printed), and by decision over both steps (not printed:
    latent, but related to the step cells, so that a pack published before with those counts is linked)."""
    decisions = list(DECISION_LABELS)
    groups = [*PANEL_GROUPS, "All"]
    steps = _panel_steps(reviews)
    cells = Cells()

    def count(step: Step | None, d: str, g: str) -> int:
        mask = pd.Series(True, index=reviews.index)
        if step is not None:
            mask &= steps == step.value
        if d != "All":
            mask &= reviews["decision"] == d
        if g != "All":
            mask &= reviews["wres_group"] == g
        return int(mask.sum())

    for d in [*decisions, "All"]:
        for g in groups:
            cells.values[pc_key(period, d, g)] = count(None, d, g)
            for s in PANEL_STEPS:
                cells.values[pcs_key(period, s, d, g)] = count(s, d, g)
    cells.latent |= {pc_key(period, d, g) for d in decisions for g in groups}
    for d in [*decisions, "All"]:
        cells.relate(total_of(pc_key(period, d, "All"), [pc_key(period, d, g) for g in PANEL_GROUPS]))
        for s in PANEL_STEPS:
            cells.relate(total_of(pcs_key(period, s, d, "All"), [pcs_key(period, s, d, g) for g in PANEL_GROUPS]))
        for g in groups:
            cells.relate(total_of(pc_key(period, d, g), [pcs_key(period, s, d, g) for s in PANEL_STEPS]))
    for g in groups:
        cells.relate(total_of(pc_key(period, "All", g), [pc_key(period, d, g) for d in decisions]))
        for s in PANEL_STEPS:
            cells.relate(total_of(pcs_key(period, s, "All", g), [pcs_key(period, s, d, g) for d in decisions]))
    return cells


def panel_table(
    reviews: pd.DataFrame, threshold: int, hidden: Collection[str] | None = None, period: str = "period"
) -> pd.DataFrame:
    """Panel decisions by WRES group with row and column totals, step by step (each decision worded for its
    step), then every decision of both steps."""
    cells = panel_cells(reviews, period)
    if hidden is None:
        hidden = cells.hidden(threshold)
    rows = []

    def counts(key: Callable[[str], str]) -> dict[str, str]:
        return {
            "Not stated" if g == "Unknown" else g: _show(fmt_count(cells.values[key(g)]), key(g) in hidden)
            for g in [*PANEL_GROUPS, "All"]
        }

    for s in PANEL_STEPS:
        for d in [*DECISION_LABELS, "All"]:
            words = "All decisions" if d == "All" else decision_label(d, s)
            row = {"Step": PANEL_STEP_HEADINGS[s], "Decision": words}
            rows.append(row | counts(partial(pcs_key, period, s, d)))
    rows.append({"Step": PANEL_ALL_ROW[0], "Decision": PANEL_ALL_ROW[1]} | counts(partial(pc_key, period, "All")))
    return pd.DataFrame(rows, columns=["Step", "Decision", "BME", "White", "Not stated", "All"])
