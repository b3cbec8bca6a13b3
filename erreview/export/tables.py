"""The review pack's tables, each built from the numbers with disclosure control applied.

Every builder returns a frame of display strings: counts as integers, rates as percentages, ratios to
two decimals, and ``*`` wherever a count is small (1 to the threshold), wherever secondary suppression
must hide a cell, and wherever a rate, ratio, interval, band, flag or p-value rests on a hidden count.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd

from erreview.export.suppression import SUPPRESSED, Relation, suppress
from erreview.metrics.decisions import DecisionResult
from erreview.metrics.likelihood import WresResult
from erreview.metrics.ratio import relative_likelihood
from erreview.review.panel import DECISION_LABELS
from erreview.vocab import BroadGroup, WresGroup

BROAD_BME = [g.value for g in BroadGroup if g not in (BroadGroup.WHITE, BroadGroup.NOT_STATED)]
BROAD_ORDER = [g.value for g in BroadGroup]


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


def indicator3_table(results: Sequence[WresResult], threshold: int) -> pd.DataFrame:
    """Indicator 3 per period: entrants, headcounts, rates, ratio and interval."""
    rows = []
    for r in results:
        if not r.available or r.estimate is None:
            rows.append({"Period": r.period.label, "Snapshot": "", "Note": r.unavailable_reason or ""})
            continue
        g = r.groups
        values: dict[Hashable, int] = {
            (grp, k): int(getattr(g[grp], k)) for grp in WresGroup for k in ("entrants", "headcount")
        }
        hidden = suppress(values, [], threshold=threshold)
        bme_h = {(WresGroup.BME, "entrants"), (WresGroup.BME, "headcount")} & hidden
        white_h = {(WresGroup.WHITE, "entrants"), (WresGroup.WHITE, "headcount")} & hidden
        est = r.estimate
        ratio_hidden = bool(bme_h or white_h)
        rows.append(
            {
                "Period": r.period.label,
                "Snapshot": r.snapshot_date.isoformat() if r.snapshot_date else "",
                "BME entrants": _show(fmt_count(g[WresGroup.BME].entrants), (WresGroup.BME, "entrants") in hidden),
                "BME headcount": _show(fmt_count(g[WresGroup.BME].headcount), (WresGroup.BME, "headcount") in hidden),
                "BME rate": _show(fmt_rate(g[WresGroup.BME].rate), bool(bme_h)),
                "White entrants": _show(
                    fmt_count(g[WresGroup.WHITE].entrants), (WresGroup.WHITE, "entrants") in hidden
                ),
                "White headcount": _show(
                    fmt_count(g[WresGroup.WHITE].headcount), (WresGroup.WHITE, "headcount") in hidden
                ),
                "White rate": _show(fmt_rate(g[WresGroup.WHITE].rate), bool(white_h)),
                "Not stated entrants": _show(
                    fmt_count(g[WresGroup.UNKNOWN].entrants), (WresGroup.UNKNOWN, "entrants") in hidden
                ),
                "Not stated headcount": _show(
                    fmt_count(g[WresGroup.UNKNOWN].headcount), (WresGroup.UNKNOWN, "headcount") in hidden
                ),
                "Ratio": _show(fmt_ratio(est.ratio), ratio_hidden),
                "95% CI low": _show(fmt_ratio(est.ci_low), ratio_hidden),
                "95% CI high": _show(fmt_ratio(est.ci_high), ratio_hidden),
                "Band": _show(est.band.value if est.band else "", ratio_hidden),
                "Significant": _show("yes" if est.significant else "no", ratio_hidden),
                "Note": "",
            }
        )
    return pd.DataFrame(rows).fillna("")


def decision_points_table(results: Sequence[DecisionResult], threshold: int) -> pd.DataFrame:
    """The decision-point table with every group's n and events, suppressed as one linked table."""
    values: dict[Hashable, int] = {}
    relations: list[Relation] = []
    for r in results:
        p = r.point.name
        for grp, count in (("BME", r.bme), ("White", r.white)):
            values[(p, grp, "n")] = count.n
            values[(p, grp, "events")] = count.events
        for grp in BROAD_ORDER:
            found = r.groups.get(grp)
            values[(p, "g:" + grp, "n")] = found.n if found else 0
            values[(p, "g:" + grp, "events")] = found.events if found else 0
        for kind in ("n", "events"):
            relations.append(Relation((p, "BME", kind), tuple((p, "g:" + g, kind) for g in BROAD_BME)))
            relations.append(Relation((p, "White", kind), ((p, "g:White", kind),)))
    # Steps with the same population count the same people.
    groups = ["BME", "White", *("g:" + g for g in BROAD_ORDER)]
    for grp in groups:
        relations.append(Relation(("formal_investigation", grp, "events"), (("suspension", grp, "n"),)))
        relations.append(Relation(("formal_investigation", grp, "events"), (("regulator_referral", grp, "n"),)))
        relations.append(Relation(("formal_sanction", grp, "n"), (("dismissal", grp, "n"),)))
    hidden = suppress(values, relations, threshold=threshold)

    def cell(p: str, grp: str, kind: str) -> str:
        key = (p, grp, kind)
        return _show(fmt_count(values[key]), key in hidden) if key in values else ""

    rows = []
    for r in results:
        p = r.point.name
        any_hidden = any((p, g, k) in hidden for g in ("BME", "White") for k in ("n", "events"))
        bme_hidden = any((p, "BME", k) in hidden for k in ("n", "events"))
        white_hidden = any((p, "White", k) in hidden for k in ("n", "events"))
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
            row[f"{g} n"] = cell(p, "g:" + g, "n")
            row[f"{g} events"] = cell(p, "g:" + g, "events")
        rows.append(row)
    return pd.DataFrame(rows)


def division_table(entries: pd.DataFrame, headcounts: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Indicator 3 by division for one period: ``entries`` already limited to the period (person_key,
    wres_group, division); ``headcounts`` of the period's snapshot by division and group."""
    divisions = sorted(set(headcounts["division"]) | set(entries["division"]))
    values: dict[Hashable, int] = {}
    for d in [*divisions, "Trust"]:
        e = entries if d == "Trust" else entries[entries["division"] == d]
        h = headcounts if d == "Trust" else headcounts[headcounts["division"] == d]
        for grp in (WresGroup.BME.value, WresGroup.WHITE.value):
            values[(d, grp, "entrants")] = int(e.loc[e["wres_group"] == grp, "person_key"].nunique())
            values[(d, grp, "headcount")] = int(h.loc[h["wres_group"] == grp, "headcount"].sum())
    relations = [
        Relation(("Trust", g, k), tuple((d, g, k) for d in divisions))
        for g in (WresGroup.BME.value, WresGroup.WHITE.value)
        for k in ("entrants", "headcount")
    ]
    hidden = suppress(values, relations, threshold=threshold)
    rows = []
    for d in [*divisions, "Trust"]:
        a, n1 = values[(d, "BME", "entrants")], values[(d, "BME", "headcount")]
        c, n2 = values[(d, "White", "entrants")], values[(d, "White", "headcount")]
        any_hidden = any((d, g, k) in hidden for g in ("BME", "White") for k in ("entrants", "headcount"))
        # A division may appear in cases but not in the snapshot (renamed, or case data from another time).
        est = relative_likelihood(a, n1, c, n2) if a <= n1 and c <= n2 else relative_likelihood(0, 0, 0, 0)
        rows.append(
            {
                "Division": d,
                "BME entrants": _show(fmt_count(a), (d, "BME", "entrants") in hidden),
                "BME headcount": _show(fmt_count(n1), (d, "BME", "headcount") in hidden),
                "White entrants": _show(fmt_count(c), (d, "White", "entrants") in hidden),
                "White headcount": _show(fmt_count(n2), (d, "White", "headcount") in hidden),
                "Ratio": _show(fmt_ratio(est.ratio), any_hidden),
                "95% CI low": _show(fmt_ratio(est.ci_low), any_hidden),
                "95% CI high": _show(fmt_ratio(est.ci_high), any_hidden),
                "Band": _show(est.band.value if est.band else "", any_hidden),
            }
        )
    return pd.DataFrame(rows)


def data_quality_table(headcounts: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Ethnicity not stated, by division, at one snapshot (``headcounts`` by division and group)."""
    divisions = sorted(set(headcounts["division"]))
    values: dict[Hashable, int] = {}
    for d in [*divisions, "Trust"]:
        h = headcounts if d == "Trust" else headcounts[headcounts["division"] == d]
        values[(d, "staff")] = int(h["headcount"].sum())
        values[(d, "not_stated")] = int(h.loc[h["wres_group"] == WresGroup.UNKNOWN.value, "headcount"].sum())
    relations = [Relation(("Trust", k), tuple((d, k) for d in divisions)) for k in ("staff", "not_stated")]
    hidden = suppress(values, relations, threshold=threshold)
    rows = []
    for d in [*divisions, "Trust"]:
        staff, missing = values[(d, "staff")], values[(d, "not_stated")]
        rows.append(
            {
                "Division": d,
                "Staff": _show(fmt_count(staff), (d, "staff") in hidden),
                "Ethnicity not stated": _show(fmt_count(missing), (d, "not_stated") in hidden),
                "Share not stated": _show(
                    fmt_rate(missing / staff if staff else None), (d, "staff") in hidden or (d, "not_stated") in hidden
                ),
            }
        )
    return pd.DataFrame(rows)


def panel_table(reviews: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Panel decisions by WRES group with row and column totals."""
    groups = ["BME", "White", "Unknown"]
    decisions = list(DECISION_LABELS)
    values: dict[Hashable, int] = {}
    for d in [*decisions, "All"]:
        for g in [*groups, "All"]:
            mask = pd.Series(True, index=reviews.index)
            if d != "All":
                mask &= reviews["decision"] == d
            if g != "All":
                mask &= reviews["wres_group"] == g
            values[(d, g)] = int(mask.sum())
    relations = [Relation((d, "All"), tuple((d, g) for g in groups)) for d in [*decisions, "All"]]
    relations += [Relation(("All", g), tuple((d, g) for d in decisions)) for g in [*groups, "All"]]
    hidden = suppress(values, relations, threshold=threshold)
    rows = []
    for d in [*decisions, "All"]:
        row = {"Decision": "All decisions" if d == "All" else DECISION_LABELS[d]}
        for g in [*groups, "All"]:
            row["Not stated" if g == "Unknown" else g] = _show(fmt_count(values[(d, g)]), (d, g) in hidden)
        rows.append(row)
    return pd.DataFrame(rows)
