"""A division lead's view: their divisions beside the trust, never another division's detail.

A division lead is scoped on their user record to one or more divisions. They see indicator 3 by
half-year and the decision points for those divisions beside the trust's figures. What they see follows
the disclosure rules for screens shown to roles that may not see case-level rows (contract §5 v2): counts
from 1 to the threshold are hidden, with every rate, ratio and interval resting on them, and windows are
whole half-years or a 12-month window, never narrower than a month. An administrator may look at any
division through the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from erreview import store
from erreview.export.suppression import SUPPRESSED
from erreview.export.tables import decision_points_table, fmt_count, fmt_ratio
from erreview.metrics.decisions import decision_table
from erreview.metrics.likelihood import wres_indicator
from erreview.metrics.ratio import relative_likelihood
from erreview.periods import Period, periods_between
from erreview.review.roles import AccessDenied, Actor, Role, requires
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


def _row(label: str, period: Period, a: int, n1: int, c: int, n2: int, threshold: int) -> dict[str, object]:
    hide = {k: 1 <= v <= threshold for k, v in (("a", a), ("n1", n1), ("c", c), ("n2", n2))}
    any_hidden = any(hide.values())
    est = relative_likelihood(a, n1, c, n2)

    def show(value: str, hidden: bool) -> str:
        return SUPPRESSED if hidden else value

    return {
        "Period": period.label,
        "Where": label,
        "BME entrants": show(fmt_count(a), hide["a"]),
        "BME headcount": show(fmt_count(n1), hide["n1"]),
        "White entrants": show(fmt_count(c), hide["c"]),
        "White headcount": show(fmt_count(n2), hide["n2"]),
        "Ratio": show(fmt_ratio(est.ratio), any_hidden),
        "95% CI low": show(fmt_ratio(est.ci_low), any_hidden),
        "95% CI high": show(fmt_ratio(est.ci_high), any_hidden),
        "ratio_value": None if any_hidden else est.ratio,
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
    rows = []
    for period in periods_between(first, last, "half"):
        trust = wres_indicator(entries, headcounts, period)
        if not trust.available or trust.snapshot_date is None:
            continue
        bme, white = trust.groups[WresGroup.BME], trust.groups[WresGroup.WHITE]
        rows.append(_row(TRUST, period, bme.entrants, bme.headcount, white.entrants, white.headcount, threshold))
        with store.session_scope(engine) as session:
            heads = store.snapshot_headcounts(session, by="division", on=trust.snapshot_date)
        dates = entries["formal_investigation_date"]
        inside = entries[(dates >= pd.Timestamp(period.start)) & (dates <= pd.Timestamp(period.end))]
        for division in mine:
            e, h = inside[inside["division"] == division], heads[heads["division"] == division]
            counts = []
            for group in (WresGroup.BME.value, WresGroup.WHITE.value):
                counts.append(int(e.loc[e["wres_group"] == group, "person_key"].nunique()))
                counts.append(int(h.loc[h["wres_group"] == group, "headcount"].sum()))
            a, n1, c, n2 = counts
            rows.append(_row(division, period, a, n1, c, n2, threshold))
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
    mine = scope(actor, divisions)
    with store.session_scope(engine) as session:
        cases = store.cases_frame(
            session, case_type=CaseType.DISCIPLINARY, opened_from=window.start, opened_to=window.end
        )
    out = {TRUST: decision_points_table(decision_table(cases), threshold)}
    for division in mine:
        own = cases[cases["division"] == division].reset_index(drop=True)
        out[division] = decision_points_table(decision_table(own), threshold)
    return out
