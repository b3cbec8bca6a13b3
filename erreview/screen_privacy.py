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
from collections.abc import Callable, Hashable, Mapping, Sequence
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
    out = frame.copy().astype(object)
    for idx, row in frame.iterrows():
        masked = {
            c for c in counts if c in frame.columns and (is_small(row[c], threshold) or (hidden or {}).get((idx, c)))
        }
        for column in frame.columns:
            if column in masked or (masked and column in derived):
                out.at[idx, column] = SUPPRESSED
            else:
                out.at[idx, column] = _text(row[column], formats.get(column))
    return out


def protect_breakdown(
    frame: pd.DataFrame,
    *,
    by: Sequence[str],
    counts: Sequence[str],
    totals: Mapping[tuple[Any, ...], int] | None,
    threshold: int,
) -> dict[tuple[Any, str], bool]:
    """Cells of a breakdown to hide: for each group of rows (``by``) and count column, the levels add up to a
    total a reader can see elsewhere (``totals[(*group, column)]``; their own sum when not given), so a
    lone hidden level would follow from it: the audited suppression hides what is needed."""
    hidden: dict[tuple[Any, str], bool] = {}
    for group, rows in frame.groupby(list(by), sort=False, observed=True):
        key = group if isinstance(group, tuple) else (group,)
        for column in counts:
            values: dict[Hashable, int] = {
                ("cell", idx): int(v) for idx, v in rows[column].items() if v is not None and not pd.isna(v)
            }
            if not values:
                continue
            total = (totals or {}).get((*key, column), sum(values.values()))
            cells = list(values)
            values[("total",)] = int(total)
            # The total is on screen elsewhere: it stays, and only the levels can be hidden.
            problem = Problem(values, set(values), [total_of(("total",), cells)])
            for k in protect(problem, threshold, candidates=set(cells)).hidden:
                if k != ("total",):
                    hidden[(k[1], column)] = True
    return hidden
