"""WRES indicator 3: relative likelihood of entering the formal disciplinary process (contract §4.1).

*If I am from a minority ethnic background, am I more likely to enter a formal disciplinary
investigation than a White colleague?* For a period P, ``rate(g) = entrants(g) / headcount(g)`` where
entrants are distinct people whose disciplinary case's formal investigation began in P, and headcount is
the distinct people in the period-end ESR snapshot; ``ratio = rate(BME) / rate(White)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from erreview.metrics.ratio import CountsError, RatioEstimate, rate, relative_likelihood
from erreview.periods import Period
from erreview.vocab import WresGroup

if TYPE_CHECKING:  # pandas is imported by the functions that take frames: the command line's counts need none
    import pandas as pd

NO_SNAPSHOT = "no workforce snapshot is dated inside {period}, so there is no denominator"


@dataclass(frozen=True)
class GroupCount:
    entrants: int
    headcount: int

    @property
    def rate(self) -> float | None:
        return rate(self.entrants, self.headcount)


@dataclass(frozen=True)
class WresResult:
    """Indicator 3 for one period (pooled over ``pool`` periods when ``pool > 1``)."""

    period: Period
    pool: int
    snapshot_dates: tuple[date, ...]
    groups: dict[WresGroup, GroupCount] = field(default_factory=dict)
    estimate: RatioEstimate | None = None
    unavailable_reason: str | None = None

    @property
    def available(self) -> bool:
        return self.unavailable_reason is None

    @property
    def snapshot_date(self) -> date | None:
        """The snapshot used for P itself (the last period of a pooled window)."""
        return self.snapshot_dates[-1] if self.snapshot_dates else None

    def as_json(self) -> dict[str, object]:
        """The element of ``wres --json`` (contract §6)."""
        out: dict[str, object] = {
            "period": self.period.label,
            "start": self.period.window(self.pool)[0].start.isoformat(),
            "end": self.period.end.isoformat(),
            "snapshot_date": self.snapshot_date.isoformat() if self.snapshot_date and self.available else None,
        }
        if not self.available or self.estimate is None:
            out["ratio"] = None
            return out
        bme, white, unknown = (self.groups[g] for g in (WresGroup.BME, WresGroup.WHITE, WresGroup.UNKNOWN))
        out["bme"] = {"entrants": bme.entrants, "headcount": bme.headcount, "rate": bme.rate}
        out["white"] = {"entrants": white.entrants, "headcount": white.headcount, "rate": white.rate}
        out["unknown"] = {"entrants": unknown.entrants, "headcount": unknown.headcount}
        out.update(self.estimate.as_json())
        return out


def period_snapshot(snapshot_dates: Sequence[date], period: Period) -> date | None:
    """The denominator snapshot for ``period``: the one dated on its last day, else the latest inside it."""
    inside = [d for d in snapshot_dates if period.contains(d)]
    if not inside:
        return None
    return period.end if period.end in inside else max(inside)


def period_entrants(entries: pd.DataFrame, period: Period) -> dict[WresGroup, int]:
    """Distinct people per WRES group whose formal disciplinary investigation began in ``period``."""
    import pandas as pd

    dates = entries["formal_investigation_date"]
    inside = entries[(dates >= pd.Timestamp(period.start)) & (dates <= pd.Timestamp(period.end))]
    counts = inside.groupby("wres_group")["person_key"].nunique()
    return {g: int(counts.get(g.value, 0)) for g in WresGroup}


def snapshot_counts(headcounts: pd.DataFrame, snapshot: date) -> dict[WresGroup, int]:
    import pandas as pd

    rows = headcounts[headcounts["snapshot_date"] == pd.Timestamp(snapshot)]
    by_group = rows.groupby("wres_group")["headcount"].sum()
    return {g: int(by_group.get(g.value, 0)) for g in WresGroup}


def wres_indicator(entries: pd.DataFrame, headcounts: pd.DataFrame, period: Period, *, pool: int = 1) -> WresResult:
    """Indicator 3 for ``period``.

    Parameters
    ----------
    entries
        One row per disciplinary case with a formal investigation: ``person_key``, ``wres_group``,
        ``formal_investigation_date`` (datetime64).
    headcounts
        Distinct people per snapshot and group: ``snapshot_date`` (datetime64), ``wres_group``,
        ``headcount``.
    period
        The period P.
    pool
        Sum entrants and headcounts over the ``pool`` consecutive periods of P's length ending with P
        (the WRES two-year rolling view of annual data is ``pool=2`` on years).
    """
    available = sorted({d.date() for d in headcounts["snapshot_date"]})
    return wres_from_counts(
        period,
        available,
        lambda p: period_entrants(entries, p),
        lambda snapshot: snapshot_counts(headcounts, snapshot),
        pool=pool,
    )


def wres_from_counts(
    period: Period,
    available: Sequence[date],
    entrants_in: Callable[[Period], dict[WresGroup, int]],
    heads_on: Callable[[date], dict[WresGroup, int]],
    *,
    pool: int = 1,
) -> WresResult:
    """Indicator 3 for ``period`` from counts: the snapshot dates there are (sorted), distinct entrants per
    group in a period, and distinct staff per group in a snapshot. :func:`wres_indicator` gives it counts
    from frames; the command line gives it counts read from the database (``erreview.tallies``)."""
    window = period.window(pool)
    snapshots = [period_snapshot(available, p) for p in window]
    missing = [p for p, s in zip(window, snapshots, strict=True) if s is None]
    if missing:
        reason = "; ".join(NO_SNAPSHOT.format(period=p.label) for p in missing)
        return WresResult(period, pool, tuple(s for s in snapshots if s), unavailable_reason=reason)
    totals = {g: GroupCount(0, 0) for g in WresGroup}
    for p, snap in zip(window, snapshots, strict=True):
        assert snap is not None
        entrants = entrants_in(p)
        heads = heads_on(snap)
        totals = {g: GroupCount(totals[g].entrants + entrants[g], totals[g].headcount + heads[g]) for g in WresGroup}
    bme, white = totals[WresGroup.BME], totals[WresGroup.WHITE]
    used = tuple(s for s in snapshots if s)
    for group, count in ((WresGroup.BME, bme), (WresGroup.WHITE, white)):
        if count.entrants > count.headcount:
            # Someone entered the process but is missing from the snapshot: the extracts do not match.
            when = ", ".join(d.isoformat() for d in used)
            reason = (
                f"data error: {count.entrants:,} {group.value} staff entered a formal disciplinary investigation "
                f"but the snapshot ({when}) counts only {count.headcount:,} {group.value} staff; check that the "
                "workforce extract covers everyone with a case"
            )
            return WresResult(period, pool, used, totals, unavailable_reason=reason)
    try:
        estimate = relative_likelihood(bme.entrants, bme.headcount, white.entrants, white.headcount)
    except CountsError as exc:  # cannot happen after the check above; kept so bad counts never crash a screen
        return WresResult(period, pool, used, totals, unavailable_reason=f"data error: {exc}")
    return WresResult(period, pool, used, totals, estimate)


def wres_series(
    entries: pd.DataFrame, headcounts: pd.DataFrame, periods: Sequence[Period], *, pool: int = 1
) -> list[WresResult]:
    """:func:`wres_indicator` for each period, in order."""
    return [wres_indicator(entries, headcounts, p, pool=pool) for p in periods]


def pooled_counts(results: Sequence[WresResult]) -> tuple[int, int, int, int]:
    """``(a, n1, c, n2)`` summed over the available periods of ``results`` (BME then White)."""
    ok = [r for r in results if r.available and r.groups]
    return (
        sum(r.groups[WresGroup.BME].entrants for r in ok),
        sum(r.groups[WresGroup.BME].headcount for r in ok),
        sum(r.groups[WresGroup.WHITE].entrants for r in ok),
        sum(r.groups[WresGroup.WHITE].headcount for r in ok),
    )


def split_at(results: Sequence[WresResult], day: date) -> tuple[list[WresResult], list[WresResult]]:
    """Periods wholly before ``day`` and periods starting on or after it (a period spanning it is in neither)."""
    return [r for r in results if r.period.end < day], [r for r in results if r.period.start >= day]
