"""The Decision points screen for roles without case-level access, audited as one system (contract §5 v2).

The screen shows, for the review pack's window, the decision-point table and, for each dimension (gender,
band, staff group, division) and step, a breakdown (BME and White within each level) and an intersection
table (each broad ethnic group within each level). Their cells are related by sums: a step's count for a
group is the sum of its levels (plus whatever no level holds, e.g. a missing gender: a never-shown remainder
cell), a level's BME count is the sum of its broad groups, and events never exceed cases. An outside test
read a "too few to compare" cell back from them (Asian events at a step less the female Asian events).

So every cell the screen can show over every dimension and step is one system, audited by
:func:`erreview.export.disclosure.protect` together with the review pack's hidden cells: counts from 1 to
the threshold hidden, "too few to compare" cells counted as hidden (never-shown cells, protected when small),
and further cells hidden until no hidden count can be pinned or narrowed below the threshold's width. The
screen hides what this returns, with every rate, ratio and test resting on a hidden count.

The time-in-process table is audited the same way with the main table (:func:`timing_hidden`): a measure's
cases are a step's count by definition (formal start to close times the formal cases), and cases less those
still open is the number of closed cases a median rests on.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pandas as pd

from erreview.export.disclosure import at_most, protect, total_of
from erreview.export.tables import DP_GROUPS, Cells, decision_points_cells, dp_key
from erreview.metrics.decisions import DecisionResult


def bd_key(window: str, dimension: str, point: str, level: str, group: str, kind: str) -> str:
    """A breakdown cell: BME or White ``kind`` (n, events) within one level."""
    return f"bd|{window}|{dimension}|{point}|{level}|{group}|{kind}"


def ix_key(window: str, dimension: str, point: str, level: str, group: str, kind: str) -> str:
    """An intersection cell: one broad ethnic group's ``kind`` within one level."""
    return f"ix|{window}|{dimension}|{point}|{level}|{group}|{kind}"


def _sum_with_rest(cells: Cells, total: str, parts: list[str], rest: str) -> None:
    """``total = Σ parts (+ rest)``: the rest (what no part holds) a never-shown cell when it is not zero."""
    if total not in cells.values:
        return
    value = cells.values[total] - sum(cells.values[k] for k in parts)
    if value > 0:
        cells.values[rest] = value
        cells.latent.add(rest)
        cells.relate(total_of(total, [*parts, rest]))
    elif value == 0:
        cells.relate(total_of(total, parts))


def screen_cells(
    results: Sequence[DecisionResult], rates: Mapping[str, pd.DataFrame], window: str, min_group_size: int
) -> Cells:
    """The main table's cells and every breakdown's and intersection's, with the sums between them.
    ``rates``: :func:`erreview.metrics.breakdowns.dimension_rates` per dimension."""
    cells = decision_points_cells(results, window)
    points = {r.point.name for r in results}
    for dimension, frame in rates.items():
        by_level: dict[tuple[str, str], dict[str, dict[str, int]]] = {}  # (point, level) -> wres -> kind -> sum
        members: dict[tuple[str, str, str], list[str]] = {}  # (point, level, wres) -> intersection keys (n)
        per_group: dict[tuple[str, str], list[str]] = {}  # (point, broad group) -> its levels' keys (n)
        for rec in frame.to_dict("records"):
            point, level, group = str(rec["point"]), str(rec[dimension]), str(rec["broad_group"])
            if point not in points:
                continue
            n, events = int(rec["n"]), int(rec["events"])
            wres = str(rec["wres_group"])
            for kind, value in (("n", n), ("events", events)):
                key = ix_key(window, dimension, point, level, group, kind)
                cells.values[key] = value
            # The row's label bounds its count: "too few to compare" is fewer than the minimum (and its events
            # are not shown), a compared row at least the minimum.
            n_key = ix_key(window, dimension, point, level, group, "n")
            if n < min_group_size:
                cells.latent.add(ix_key(window, dimension, point, level, group, "events"))
                cells.upper[n_key] = min_group_size - 1
            else:
                cells.lower[n_key] = min_group_size
            cells.relate(
                at_most(
                    ix_key(window, dimension, point, level, group, "events"),
                    ix_key(window, dimension, point, level, group, "n"),
                )
            )
            sums = by_level.setdefault((point, level), {}).setdefault(wres, {"n": 0, "events": 0})
            sums["n"] += n
            sums["events"] += events
            members.setdefault((point, level, wres), []).append(ix_key(window, dimension, point, level, group, "n"))
            per_group.setdefault((point, group), []).append(ix_key(window, dimension, point, level, group, "n"))
        bme_levels: dict[str, list[str]] = {}
        white_levels: dict[str, list[str]] = {}
        for (point, level), by_wres in by_level.items():
            bme, white = by_wres.get("BME", {"n": 0, "events": 0}), by_wres.get("White", {"n": 0, "events": 0})
            few = min(bme["n"], white["n"]) < min_group_size
            for grp, sums in (("BME", bme), ("White", white)):
                for kind in ("n", "events"):
                    key = bd_key(window, dimension, point, level, grp, kind)
                    cells.values[key] = sums[kind]
                    if kind == "events" and few:
                        cells.latent.add(key)
                # The level's label: compared, both sides have at least the minimum; "too few to compare", at
                # least one has fewer. The reader is taken to know which (stronger than the label alone).
                n_key = bd_key(window, dimension, point, level, grp, "n")
                if sums["n"] < min_group_size:
                    cells.upper[n_key] = min_group_size - 1
                elif not few:
                    cells.lower[n_key] = min_group_size
                cells.relate(
                    at_most(
                        bd_key(window, dimension, point, level, grp, "events"),
                        bd_key(window, dimension, point, level, grp, "n"),
                    )
                )
                for kind in ("n", "events"):
                    parts = [k.removesuffix("|n") + f"|{kind}" for k in members.get((point, level, grp), [])]
                    cells.relate(total_of(bd_key(window, dimension, point, level, grp, kind), parts))
            bme_levels.setdefault(point, []).append(level)
            white_levels.setdefault(point, []).append(level)
        for point, levels in bme_levels.items():
            for grp in ("BME", "White"):
                for kind in ("n", "events"):
                    _sum_with_rest(
                        cells,
                        dp_key(window, point, grp, kind),
                        [bd_key(window, dimension, point, lv, grp, kind) for lv in levels],
                        bd_key(window, dimension, point, "~rest", grp, kind),
                    )
        for (point, group), keys in per_group.items():
            if group not in DP_GROUPS:
                continue
            for kind in ("n", "events"):
                _sum_with_rest(
                    cells,
                    dp_key(window, point, group, kind),
                    [k.removesuffix("|n") + f"|{kind}" for k in keys],
                    ix_key(window, dimension, point, "~rest", group, kind),
                )
    return cells


def view_hidden(
    results: Sequence[DecisionResult],
    rates: Mapping[str, pd.DataFrame],
    dimension: str,
    point: str,
    window: str,
    min_group_size: int,
    threshold: int,
    main_hidden: Collection[str],
) -> set[str] | None:
    """The cells of one breakdown and intersection (``dimension`` at ``point``) to hide, audited with the whole
    main table (its suppression ``main_hidden`` fixed: the same on every view) as one system. Every hidden
    main-table cell is protected like a small count, so no view pins or narrows it. ``None`` when no choice of
    this view's cells protects every hidden count: the view must not be shown."""
    frame = rates.get(dimension)
    if frame is None:
        return set()
    cells = screen_cells(results, {dimension: frame[frame["point"] == point]}, window, min_group_size)
    main = set(decision_points_cells(results, window).values)
    held = {k for k in main_hidden if k in cells.values}
    shown = set(cells.values) - cells.latent - held
    view = shown - main
    problem = cells.problem(shown, sensitive=held)
    found = protect(problem, threshold, candidates=view)
    if found.audit.failures:
        return None
    return {str(k) for k in found.hidden} | cells.latent


# --- time in process -----------------------------------------------------------------------------------

#: The decision-point count each time-in-process measure's cases are, by definition: the formal cases (the
#: formal-investigation step's events) are timed from formal start to close, and the suspended ones (the
#: suspension step's events) for the length of suspension. Every case with a route decision was a concern, so a
#: concern-to-route measure counts at least the formal-investigation step's cases.
TIMING_SAME = {"formal_to_close": ("formal_investigation", "events"), "suspension_length": ("suspension", "events")}
TIMING_AT_LEAST = {"concern_to_route": ("formal_investigation", "n")}
TIMING_GROUPS = (("BME", "bme"), ("White", "white"))


def tp_key(window: str, measure: str, group: str, kind: str) -> str:
    """A time-in-process cell: a group's cases in one measure (``n``), still ``open``, or ``closed`` (never
    shown: cases less open ones, the cases a median rests on)."""
    return f"tp|{window}|{measure}|{group}|{kind}"


def timing_cells(results: Sequence[DecisionResult], timing: pd.DataFrame, window: str) -> Cells:
    """The main table's cells and the time-in-process table's counts, with what ties them (see above)."""
    cells = decision_points_cells(results, window)
    for rec in timing.to_dict("records"):
        measure = str(rec["measure"])
        for group, prefix in TIMING_GROUPS:
            n, still = int(rec[f"{prefix}_n"] or 0), int(rec[f"{prefix}_open"] or 0)
            kn, ko, kc = (tp_key(window, measure, group, k) for k in ("n", "open", "closed"))
            cells.values |= {kn: n, ko: still, kc: n - still}
            cells.latent.add(kc)
            cells.relate(total_of(kn, [ko, kc]))
            if measure in TIMING_SAME:
                same = dp_key(window, TIMING_SAME[measure][0], group, TIMING_SAME[measure][1])
                if same in cells.values:
                    cells.relate(total_of(kn, [same]))
            if measure in TIMING_AT_LEAST:
                fewer = dp_key(window, TIMING_AT_LEAST[measure][0], group, TIMING_AT_LEAST[measure][1])
                if fewer in cells.values:
                    cells.relate(at_most(fewer, kn))
    return cells


def timing_hidden(
    results: Sequence[DecisionResult],
    timing: pd.DataFrame,
    window: str,
    threshold: int,
    main_hidden: Collection[str],
) -> set[str] | None:
    """The time-in-process counts to hide for a role without case-level access, audited with the main table
    (its suppression fixed; every hidden main-table cell protected like a small count): a measure's cases are a
    step's count (formal start to close counts the formal cases), so printing them would print what the main
    table hides; and cases less those still open is the number closed, on which the median rests, so it is
    protected like any small count. ``None`` when no choice protects every hidden count (show no counts)."""
    cells = timing_cells(results, timing, window)
    main = set(decision_points_cells(results, window).values)
    held = {k for k in main_hidden if k in cells.values}
    shown = set(cells.values) - cells.latent - held
    problem = cells.problem(shown, sensitive=held)
    found = protect(problem, threshold, candidates=shown - main)
    if found.audit.failures:
        return None
    return {str(k) for k in found.hidden} - main


def timing_rows(
    timing: pd.DataFrame, window: str, hidden: Collection[str] | None, threshold: int | None, suppressed: str = "*"
) -> list[dict[str, str]]:
    """The time-in-process table as a screen shows it. ``threshold`` None: everything (case-level roles).
    Otherwise ``hidden`` is :func:`timing_hidden`'s answer (None: no count can be shown): a group's cases and
    open cases are ``*`` where either is hidden, with its median, 90th percentile and the log-rank test (they rest
    on the cases); a measure's label does not name a small number of proxy-measured cases."""
    from erreview.metrics.timing import INTERVALS

    def days(value: Any) -> str:
        return "?" if value is None or pd.isna(value) else f"{float(value):.0f}"

    labels = {i.name: i.label for i in INTERVALS}
    rows = []
    for rec in timing.to_dict("records"):
        measure = str(rec["measure"])
        label = _timing_label(rec, labels, threshold)
        row = {"Measure": label}
        for group, prefix in TIMING_GROUPS:
            row[f"{group} cases (still open)"] = f"{rec[f'{prefix}_n']} ({rec[f'{prefix}_open']})"
            masked = threshold is not None and (
                hidden is None or any(tp_key(window, measure, group, k) in hidden for k in ("n", "open"))
            )
            if masked:
                row[f"{group} cases (still open)"] = suppressed
                rec = rec | {f"{prefix}_{s}": None for s in ("median", "p90")} | {"logrank_p": None}
            for stat, title in (("median", "median days"), ("p90", "90th percentile")):
                value = rec[f"{prefix}_{stat}"]
                row[f"{group} {title} (95% CI)"] = (
                    "n/a"
                    if value is None or pd.isna(value)
                    else f"{days(value)} ({days(rec[f'{prefix}_{stat}_low'])}–{days(rec[f'{prefix}_{stat}_high'])})"
                )
        p = rec["logrank_p"]
        row["Log-rank p"] = "n/a" if p is None or pd.isna(p) else f"{p:.3f}"
        rows.append(row)
    return rows


def _timing_label(rec: Mapping[Any, Any], labels: Mapping[str, str], threshold: int | None) -> str:
    """A measure's label, which does not name a small number of proxy-measured cases (1 to the threshold)."""
    measure = str(rec["measure"])
    proxies = int(rec.get("proxy_cases") or 0)
    if threshold is not None and 1 <= proxies <= threshold:
        proxy = "some cases without suspension dates measured from formal start to close, a proxy"
        return f"{labels.get(measure, measure)} ({proxy})"
    return str(rec["label"])


#: The time-in-process table's columns: (source column, heading, kind) for each group, then the log-rank test.
TIMING_COLUMNS = (
    ("cases", "cases", "count"),
    ("open", "still open", "count"),
    ("median", "median days", "days"),
    ("median_ci", "median 95% CI", "text"),
    ("p90", "90th percentile days", "days"),
    ("p90_ci", "90th percentile 95% CI", "text"),
)


def timing_frame(
    timing: pd.DataFrame, window: str, hidden: Collection[str] | None, threshold: int | None
) -> tuple[pd.DataFrame, set[tuple[int, str]]]:
    """The time-in-process table as source values (numbers, for a screen to sort as numbers and format), with
    the cells to show as hidden, as (row, column): the same rule as :func:`timing_rows`. A group's cases and
    open cases are hidden where either is, with its median, 90th percentile and the log-rank test (they rest
    on the cases); a measure's label does not name a small number of proxy-measured cases."""
    from erreview.metrics.timing import INTERVALS

    def days(value: Any) -> str:
        return "?" if value is None or pd.isna(value) else f"{float(value):.0f}"

    labels = {i.name: i.label for i in INTERVALS}
    rows: list[dict[str, Any]] = []
    masked: set[tuple[int, str]] = set()
    for i, rec in enumerate(timing.to_dict("records")):
        measure = str(rec["measure"])
        label = _timing_label(rec, labels, threshold)
        row: dict[str, Any] = {"measure": label, "logrank_p": rec["logrank_p"]}
        for group, prefix in TIMING_GROUPS:
            row[f"{prefix}_cases"], row[f"{prefix}_open"] = rec[f"{prefix}_n"], rec[f"{prefix}_open"]
            for stat in ("median", "p90"):
                value = rec[f"{prefix}_{stat}"]
                row[f"{prefix}_{stat}"] = None if value is None or pd.isna(value) else float(value)
                row[f"{prefix}_{stat}_ci"] = (
                    None
                    if row[f"{prefix}_{stat}"] is None
                    else f"{days(rec[f'{prefix}_{stat}_low'])}–{days(rec[f'{prefix}_{stat}_high'])}"
                )
            if threshold is not None and (
                hidden is None or any(tp_key(window, measure, group, k) in hidden for k in ("n", "open"))
            ):
                masked |= {(i, f"{prefix}_{source}") for source, _, _ in TIMING_COLUMNS} | {(i, "logrank_p")}
        rows.append(row)
    columns = ["measure", *(f"{p}_{s}" for _, p in TIMING_GROUPS for s, _, _ in TIMING_COLUMNS), "logrank_p"]
    return pd.DataFrame(rows, columns=columns), masked
