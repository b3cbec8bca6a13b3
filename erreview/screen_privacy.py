"""Disclosure control on screens for roles that may not see case-level rows (contract §5 v2).

An inclusion analyst or a board viewer (and the division lead to come) sees what a board pack would show:
counts from 1 to the threshold as ``*`` together with every rate, ratio or test resting on them; cells of a
breakdown hidden further where the breakdown's levels would otherwise give a hidden one back from the
total; and date windows of whole calendar months only (at least one), so that no choice of dates or
filters narrows a table to one colleague's case.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from erreview.export.disclosure import Problem, protect, total_of
from erreview.export.suppression import SUPPRESSED
from erreview.review.roles import CASE_LEVEL_ROLES, Role

#: Roles that see aggregate figures only, under the board pack's disclosure rule.
RESTRICTED_ROLES = frozenset(Role) - CASE_LEVEL_ROLES


def restricted(role: Role) -> bool:
    return role in RESTRICTED_ROLES


def snap_window(start: date, end: date) -> tuple[date, date]:
    """The whole calendar months covering ``start``..``end``: from the 1st of the first month to the last day
    of the last, so a window is never shorter than one month."""
    if end < start:
        start, end = end, start
    return start.replace(day=1), end.replace(day=calendar.monthrange(end.year, end.month)[1])


def is_small(value: Any, threshold: int) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    try:
        return 1 <= int(value) <= threshold
    except (TypeError, ValueError):
        return False


def _text(value: Any, fmt: Callable[[Any], str] | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if fmt is not None:
        return fmt(value)
    if isinstance(value, float) and value.is_integer():
        return f"{int(value)}"
    return str(value)


def mask_frame(
    frame: pd.DataFrame,
    *,
    counts: Sequence[str],
    derived: Sequence[str],
    threshold: int,
    hidden: Mapping[tuple[Any, str], bool] | None = None,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
) -> pd.DataFrame:
    """Display strings: each count from 1 to the threshold (or marked in ``hidden`` by (row index, column))
    as ``*``, and every ``derived`` column of a row with a hidden count as ``*`` too."""
    formats = formats or {}
    masked = masked_cells(frame, counts=counts, derived=derived, threshold=threshold, hidden=hidden)
    out = frame.copy().astype(object)
    for idx, row in frame.iterrows():
        for column in frame.columns:
            if (idx, column) in masked:
                out.at[idx, column] = SUPPRESSED
            else:
                out.at[idx, column] = _text(row[column], formats.get(column))
    return out


def masked_cells(
    frame: pd.DataFrame,
    *,
    counts: Sequence[str],
    derived: Sequence[str],
    threshold: int,
    hidden: Mapping[tuple[Any, str], bool] | None = None,
) -> set[tuple[Any, str]]:
    """The cells (row index, column) :func:`mask_frame` shows as ``*``: each count from 1 to the threshold or
    marked in ``hidden``, and every ``derived`` column of a row with such a count."""
    out: set[tuple[Any, str]] = set()
    for idx, row in frame.iterrows():
        masked = {
            c for c in counts if c in frame.columns and (is_small(row[c], threshold) or (hidden or {}).get((idx, c)))
        }
        if masked:
            out |= {(idx, c) for c in masked} | {(idx, c) for c in derived if c in frame.columns}
    return out


def protect_breakdown(
    frame: pd.DataFrame,
    *,
    by: Sequence[str],
    counts: Sequence[str],
    totals: Mapping[tuple[Any, ...], int] | None,
    threshold: int,
    forced: Mapping[tuple[Any, str], bool] | None = None,
) -> dict[tuple[Any, str], bool]:
    """Cells of a breakdown to hide: for each group of rows (``by``) and count column, the levels add up to a
    total a reader can see elsewhere (``totals[(*group, column)]``; their own sum when not given), so a
    lone hidden level would follow from it: the audited suppression hides what is needed."""
    hidden: dict[tuple[Any, str], bool] = {}
    for group, rows in frame.groupby(list(by), sort=False, observed=True):
        key = group if isinstance(group, tuple) else (group,)
        for column in counts:
            values: dict[tuple[Any, ...], int] = {
                ("cell", idx): int(v) for idx, v in rows[column].items() if v is not None and not pd.isna(v)
            }
            if not values:
                continue
            total = (totals or {}).get((*key, column), sum(values.values()))
            cells = list(values)
            values[("total",)] = int(total)
            # The total is on screen elsewhere: it stays, and only the levels can be hidden.
            # ``forced``: cells hidden for another reason, as if they were small.
            held = {k for k in cells if (forced or {}).get((k[1], column))}
            problem = Problem(values, set(values) - held, [total_of(("total",), cells)], sensitive=held)
            for k in protect(problem, threshold, candidates=set(cells)).hidden:
                if k != ("total",):
                    hidden[(k[1], column)] = True
    return hidden


Outcome = Callable[[pd.DataFrame], "pd.Series[bool]"]
#: What happened to the comparable cases, as counts (the panel sees these, never the cases themselves).
COMPARABLE_OUTCOMES: tuple[tuple[str, Outcome], ...] = (
    ("Went formal", lambda c: c["initial_route"] == "formal"),
    ("Case to answer", lambda c: c["investigation_outcome"].isin(["hearing", "fast_track"])),
    ("Formal sanction", lambda c: c["sanction"].notna() & (c["sanction"] != "no_action")),
)
COMPARABLE_GROUPS = (("White", "White"), ("BME", "BME"), ("Unknown", "Not stated"))


def comparable_cells(cases: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, set[tuple[Any, str]]]:
    """Counts and shares of the comparable set by WRES group and in all, as numbers (a share as a fraction,
    ``None`` where a group has no cases), and the cells (row index, column) the pack's disclosure rule hides:
    counts 1..T (also where the cases that did *not* have the outcome are that few), the levels protected
    against the total, and every share resting on a hidden or small count."""
    rows = []
    for code, label in (*COMPARABLE_GROUPS, ("All", "All")):
        sub = cases if code == "All" else cases[cases["wres_group"] == code]
        counted: dict[str, Any] = {"Group": label, "Cases": len(sub)}
        for outcome, test in COMPARABLE_OUTCOMES:
            counted[outcome] = int(test(sub).fillna(False).sum()) if len(sub) else 0
        rows.append(counted)
    frame = pd.DataFrame(rows)
    counts = ["Cases", *(o for o, _ in COMPARABLE_OUTCOMES)]
    body = frame[frame["Group"] != "All"].assign(_set="all")
    totals = {("all", c): int(frame.loc[frame["Group"] == "All", c].iloc[0]) for c in counts}
    hidden = protect_breakdown(body, by=["_set"], counts=["Cases"], totals=totals, threshold=threshold)
    forced: dict[tuple[Any, str], bool] = {}
    for idx, row in frame.iterrows():
        for outcome, _ in COMPARABLE_OUTCOMES:
            # Those without the outcome are the shown cases less those with it: a few of them identify people too.
            cases_shown = not (hidden.get((idx, "Cases")) or is_small(row["Cases"], threshold))
            if cases_shown and is_small(row["Cases"] - row[outcome], threshold):
                forced[(idx, outcome)] = True
    outcomes = [o for o, _ in COMPARABLE_OUTCOMES]
    hidden |= forced
    hidden |= protect_breakdown(body, by=["_set"], counts=outcomes, totals=totals, threshold=threshold, forced=forced)
    masked = masked_cells(frame, counts=counts, derived=[], threshold=threshold, hidden=hidden)
    for outcome, _ in COMPARABLE_OUTCOMES:
        name = f"{outcome} (share)"
        frame[name] = [row[outcome] / row["Cases"] if row["Cases"] else None for _, row in frame.iterrows()]
        masked |= {
            (idx, name)
            for idx, row in frame.iterrows()
            if hidden.get((idx, outcome))
            or hidden.get((idx, "Cases"))
            or is_small(row[outcome], threshold)
            or is_small(row["Cases"], threshold)
        }
    return frame[["Group", "Cases", *(x for o, _ in COMPARABLE_OUTCOMES for x in (o, f"{o} (share)"))]], masked


def comparable_table(cases: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """:func:`comparable_cells` as display strings: hidden cells (and a share over no cases) ``*``, shares as
    whole percentages."""
    frame, masked = comparable_cells(cases, threshold)
    out = frame.astype(object)
    for idx, row in frame.iterrows():
        for column in frame.columns:
            value = row[column]
            if (idx, column) in masked or value is None or (isinstance(value, float) and math.isnan(value)):
                out.at[idx, column] = SUPPRESSED
            elif column.endswith("(share)"):
                out.at[idx, column] = f"{value:.0%}"
            else:
                out.at[idx, column] = _text(value, None)
    return out
