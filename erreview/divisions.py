"""A division lead's view: their divisions beside the trust, never another division's detail.

A division lead is scoped on their user record to one or more divisions. They see indicator 3 by
half-year and the decision points for those divisions beside the trust's figures. What they see follows
the disclosure rules for screens shown to roles that may not see case-level rows (contract §5 v2): windows
are whole half-years or financial years, never narrower than a month; and everything one screen shows is
audited as one system (:mod:`erreview.export.disclosure`), together with every review pack published
before (a lead may hold the board and community packs too):

* the trust's figures and each of the lead's divisions' are cells; the rest of the trust (every division
  the lead does not see) is one more, never shown: trust = the lead's divisions + the rest. So the trust
  figure less the lead's divisions, which would give the rest's count, is protected like any count: a
  rest of 3 BME entrants is not left to be worked out by subtraction;
* counts from 1 to the threshold are ``*``, further cells are hidden until no hidden count (nor the rest)
  can be worked out or narrowed below the threshold's width, and every rate, ratio and interval resting on
  a hidden count is hidden with it;
* the trust's cells carry the review pack's names, so a count a pack printed is public here too, and one a
  pack hid is not given back by this screen.

An administrator may look at any division through the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from erreview import store
from erreview.export.disclosure import at_most, total_of
from erreview.export.published import PublishedRecord, hide_with_earlier
from erreview.export.suppression import SUPPRESSED
from erreview.export.tables import (
    Cells,
    decision_points_cells,
    decision_points_table,
    div_key,
    fmt_count,
    fmt_ratio,
    i3_key,
    window_label,
)
from erreview.metrics.decisions import DecisionResult, decision_table
from erreview.metrics.likelihood import wres_indicator
from erreview.metrics.ratio import relative_likelihood
from erreview.periods import Period, periods_between
from erreview.review.roles import AccessDenied, Actor, Role, requires
from erreview.store import published
from erreview.vocab import CaseType, WresGroup

TRUST = "Trust"


def scope(actor: Actor, divisions: Iterable[str] | None = None) -> list[str]:
    """The divisions ``actor`` may look at: a division lead only their own; an administrator any named."""
    asked = sorted(set(divisions)) if divisions is not None else sorted(actor.divisions)
    if actor.role is Role.ADMIN:
        return asked
    outside = [d for d in asked if d not in actor.divisions]
    if outside:
        raise AccessDenied(f"division leads see only their own divisions; {', '.join(outside)} is not one of them")
    if not asked:
        raise AccessDenied("no division is assigned to this division lead; ask an administrator")
    return asked


KINDS = (("BME", "entrants"), ("BME", "headcount"), ("White", "entrants"), ("White", "headcount"))
#: The rest of the trust (every division the lead does not see): never shown.
REST = "~rest of the trust"


def _earlier(engine: store.Engine) -> list[PublishedRecord]:
    with store.session_scope(engine) as session:
        return [PublishedRecord.from_json(r) for r in published.published_records(session)]


def _with_rest(cells: Cells, trust: list[str], parts: list[list[str]], rest: list[str]) -> None:
    """``trust = Σ parts + rest`` for each cell, the rest a never-shown cell (left out where a person counted
    in two divisions makes the divisions add up to more than the trust)."""
    for total, mine, other in zip(trust, zip(*parts, strict=True), rest, strict=True):
        value = cells.values[total] - sum(cells.values[k] for k in mine)
        if value >= 0:
            cells.values[other] = value
            cells.latent.add(other)
            cells.relate(total_of(total, [*mine, other]))


def _row(label: str, period: Period, counts: list[int], keys: list[str], hidden: set[str]) -> dict[str, object]:
    a, n1, c, n2 = counts
    hide = [k in hidden for k in keys]
    any_hidden = any(hide)
    est = relative_likelihood(a, n1, c, n2)

    def show(value: str, hidden: bool) -> str:
        return SUPPRESSED if hidden else value

    return {
        "Period": period.label,
        "Where": label,
        "BME entrants": show(fmt_count(a), hide[0]),
        "BME headcount": show(fmt_count(n1), hide[1]),
        "White entrants": show(fmt_count(c), hide[2]),
        "White headcount": show(fmt_count(n2), hide[3]),
        "Ratio": show(fmt_ratio(est.ratio), any_hidden),
        "95% CI low": show(fmt_ratio(est.ci_low), any_hidden),
        "95% CI high": show(fmt_ratio(est.ci_high), any_hidden),
        "ratio_value": None if any_hidden else est.ratio,
        # The same figures as numbers, for a screen to sort and format (none where the cell is hidden).
        "bme_entrants": None if hide[0] else a,
        "bme_headcount": None if hide[1] else n1,
        "white_entrants": None if hide[2] else c,
        "white_headcount": None if hide[3] else n2,
        "ci_low": None if any_hidden else est.ci_low,
        "ci_high": None if any_hidden else est.ci_high,
    }


@requires(Role.DIVISION_LEAD, Role.ADMIN)
def division_trend(
    engine: store.Engine, *, actor: Actor, threshold: int, divisions: Iterable[str] | None = None
) -> pd.DataFrame:
    """Indicator 3 by half-year for the trust and each of the actor's divisions (suppressed)."""
    mine = scope(actor, divisions)
    with store.session_scope(engine) as session:
        entries = store.formal_disciplinary_entries(session)
        headcounts = store.snapshot_headcounts(session)
        first, last = store.data_extent(session)
    if first is None or last is None:
        return pd.DataFrame()
    cells = Cells()
    units: list[tuple[str, Period, list[str]]] = []  # what each row shows: (where, period, its four cells)
    for period in periods_between(first, last, "half"):
        trust = wres_indicator(entries, headcounts, period)
        if not trust.available or trust.snapshot_date is None:
            continue
        label = period.label
        g = {WresGroup.BME.value: trust.groups[WresGroup.BME], WresGroup.WHITE.value: trust.groups[WresGroup.WHITE]}
        trust_keys = [i3_key(label, grp, kind) for grp, kind in KINDS]
        for key, (grp, kind) in zip(trust_keys, KINDS, strict=True):
            cells.values[key] = int(g[grp].entrants if kind == "entrants" else g[grp].headcount)
        units.append((TRUST, period, trust_keys))
        with store.session_scope(engine) as session:
            heads = store.snapshot_headcounts(session, by="division", on=trust.snapshot_date)
        dates = entries["formal_investigation_date"]
        inside = entries[(dates >= pd.Timestamp(period.start)) & (dates <= pd.Timestamp(period.end))]
        parts = []
        for division in mine:
            e, h = inside[inside["division"] == division], heads[heads["division"] == division]
            keys = [div_key(label, division, grp, kind) for grp, kind in KINDS]
            for key, (grp, kind) in zip(keys, KINDS, strict=True):
                cells.values[key] = (
                    int(e.loc[e["wres_group"] == grp, "person_key"].nunique())
                    if kind == "entrants"
                    else int(h.loc[h["wres_group"] == grp, "headcount"].sum())
                )
            units.append((division, period, keys))
            parts.append(keys)
        for keys in (trust_keys, *parts):
            for grp in ("BME", "White"):
                cells.relate(at_most(keys[KINDS.index((grp, "entrants"))], keys[KINDS.index((grp, "headcount"))]))
        rest = [div_key(label, REST, grp, kind) for grp, kind in KINDS]
        _with_rest(cells, trust_keys, parts, rest)
        for grp in ("BME", "White"):  # the rest's entrants are at most its headcount, as every division's
            small, big = rest[KINDS.index((grp, "entrants"))], rest[KINDS.index((grp, "headcount"))]
            if small in cells.values and big in cells.values:
                cells.relate(at_most(small, big))
    if not units:
        return pd.DataFrame()
    hidden, _ = hide_with_earlier(cells, threshold, _earlier(engine))
    rows = [_row(where, period, [cells.values[k] for k in keys], keys, hidden) for where, period, keys in units]
    return pd.DataFrame(rows)


@requires(Role.DIVISION_LEAD, Role.ADMIN)
def division_decisions(
    engine: store.Engine,
    *,
    actor: Actor,
    threshold: int,
    window: Period,
    divisions: Iterable[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The decision-point table (suppressed) for the trust and each of the actor's divisions, over disciplinary
    cases opened in ``window`` (a half-year or a year)."""
    found = division_decision_results(engine, actor=actor, threshold=threshold, window=window, divisions=divisions)
    return {where: table for where, (_, table) in found.items()}


def division_decision_results(
    engine: store.Engine,
    *,
    actor: Actor,
    threshold: int,
    window: Period,
    divisions: Iterable[str] | None = None,
) -> dict[str, tuple[list[DecisionResult], pd.DataFrame]]:
    """:func:`division_decisions` with each table's results (the numbers, for a screen to sort and format; the
    table says which cells are hidden)."""
    mine = scope(actor, divisions)
    with store.session_scope(engine) as session:
        cases = store.cases_frame(
            session, case_type=CaseType.DISCIPLINARY, opened_from=window.start, opened_to=window.end
        )
    # The trust's cells carry the review pack's names for the same window (a pack's 12 months to H2 are the
    # financial year); each division's its own; the rest of the trust is never shown.
    trust_window = window_label((window.start, window.end))
    results = {TRUST: decision_table(cases)}
    for division in mine:
        results[division] = decision_table(cases[cases["division"] == division].reset_index(drop=True))
    labels = {where: trust_window if where == TRUST else f"{trust_window}|{where}" for where in results}
    cells = Cells()
    for where, res in results.items():
        cells.update(decision_points_cells(res, labels[where]))
    tails = [k.removeprefix(f"dp|{trust_window}|") for k in decision_points_cells(results[TRUST], trust_window).values]
    _with_rest(
        cells,
        [f"dp|{trust_window}|{t}" for t in tails],
        [[f"dp|{labels[d]}|{t}" for t in tails] for d in mine],
        [f"dp|{trust_window}|{REST}|{t}" for t in tails],
    )
    # The rest is a decision-point table too, never shown: events at most cases, BME the sum of its groups, and
    # the steps' shared populations (a dismissal is a sanction) hold for it as for any table. Without them the
    # trust's 8 sanctions less a division's `*` bounded the rest's dismissals, hence the trust's, to 1..7.
    for relation in decision_points_cells(results[TRUST], f"{trust_window}|{REST}").relations:
        if all(k in cells.values for k in relation.cells()):
            cells.relate(relation)
    hidden, _ = hide_with_earlier(cells, threshold, _earlier(engine))
    return {
        where: (res, decision_points_table(res, threshold, hidden, labels[where])) for where, res in results.items()
    }
