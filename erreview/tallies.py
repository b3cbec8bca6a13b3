"""The command line's quick counts: indicator 3 and the decision points from a few aggregate queries sent
through the database driver itself (``sqlite3``, ``psycopg``), without SQLAlchemy, the ORM or pandas.

``erreview wres`` and ``erreview decisions`` run as whole processes, and most of such a process used to be
importing pandas, SQLAlchemy and SQLModel and building frames of every case. Here the database counts:
headcounts come from ``workforce_headcount`` (kept at import), entrants are a few thousand rows of
(date, group, person), and the decision points are one ``GROUP BY`` over the columns their definitions test
(a few hundred combinations with their number of cases). The same functions as the full path turn the
counts into results (:func:`erreview.metrics.likelihood.wres_from_counts`,
:func:`erreview.metrics.decisions.results_from_counts`), so the numbers are the same; tests/test_tallies.py
holds them equal to the full path's and to a naive computation on raw rows, on both backends.

Only a database already at the newest migration is read here (every other case, and any URL this module
cannot open itself, returns ``None`` and the caller takes the full path, which migrates and reports
errors in its own words). Like :mod:`erreview.store` this module talks to the database; the architecture
test names it.
"""

from __future__ import annotations

import bisect
import sqlite3
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from erreview.metrics.likelihood import WresResult, wres_from_counts
from erreview.migrations.head import head_revision
from erreview.periods import Length, Period, periods_between
from erreview.vocab import CaseType, WresGroup

if TYPE_CHECKING:  # imported by the decision points' functions: indicator 3 needs neither them nor numpy
    from erreview.metrics.decisions import Count, DecisionResult

#: How long a read waits for a writer's lock (SQLite), as the store's connections do.
BUSY_TIMEOUT_S = 10


class Reader:
    """One read-only use of a database through its DB-API driver; values come back as the driver gives
    them (SQLite: dates as ISO text; PostgreSQL: ``date``)."""

    def __init__(self, connection: Any, placeholder: str):
        self.connection, self.placeholder = connection, placeholder

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """``sql`` with ``{p}`` for each parameter."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql.format(p=self.placeholder), tuple(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def param(self, day: date) -> Any:
        return day.isoformat() if self.placeholder == "?" else day

    def close(self) -> None:
        self.connection.rollback()
        self.connection.close()


def _sqlite_file(url: str) -> Path | None:
    """The database file of a plain ``sqlite:///path`` URL (relative to the working folder, as SQLAlchemy
    reads it), or ``None`` for anything else (in memory, URI file names, query options, no file yet)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("sqlite", "sqlite+pysqlite") or not rest.startswith("/"):
        return None
    name = rest[1:]
    if not name or name == ":memory:" or name.startswith("file:") or "?" in name:
        return None
    path = Path(name)
    return path if path.is_file() else None


def _connect(url: str) -> Reader | None:
    path = _sqlite_file(url)
    if path is not None:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        connection.execute("BEGIN")  # one snapshot for every query (WAL: never waits for a writer)
        return Reader(connection, "?")
    scheme, sep, rest = url.partition("://")
    if sep and scheme in ("postgresql", "postgresql+psycopg"):
        import psycopg

        try:
            server = psycopg.connect("postgresql://" + rest)
        except psycopg.Error:
            return None  # the full path says why in its own words
        server.read_only = True
        return Reader(server, "%s")
    return None


def open_reader(url: str) -> Reader | None:
    """A reader for ``url`` when the database is there and at the newest migration, else ``None``."""
    head = head_revision()
    if head is None:
        return None
    try:
        reader = _connect(url)
    except sqlite3.Error:
        return None
    if reader is None:
        return None
    try:
        current = [row[0] for row in reader.rows("SELECT version_num FROM alembic_version")]
    except Exception:  # no such table (a database erreview has not made yet): the full path migrates it
        reader.close()
        return None
    if current != [head]:
        reader.close()
        return None
    return reader


def _day(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _iso(value: Any) -> str:
    return value if isinstance(value, str) else value.isoformat()


# --- indicator 3 --------------------------------------------------------------------------------------


def wres_results(
    url: str, *, period: Period | None = None, pool: int = 1, length: Length = "half"
) -> list[WresResult] | None:
    """:func:`erreview.service.wres_results` from counts read through the driver; ``None`` when this
    database is not one to read here (see :func:`open_reader`)."""
    reader = open_reader(url)
    if reader is None:
        return None
    try:
        heads = reader.rows(
            "SELECT snapshot_date, wres_group, SUM(headcount) FROM workforce_headcount WHERE dimension = '' "
            "GROUP BY snapshot_date, wres_group"
        )
        lo_s, hi_s = reader.rows("SELECT MIN(snapshot_date), MAX(snapshot_date) FROM workforce_headcount")[0]
        entries = reader.rows(
            "SELECT formal_investigation_date, wres_group, person_key FROM er_case "
            "WHERE case_type = {p} AND formal_investigation_date IS NOT NULL",
            [CaseType.DISCIPLINARY.value],
        )
    finally:
        reader.close()
    counted = {(_iso(day), group): int(n) for day, group, n in heads}
    available = sorted({_day(day) for day, _, _ in heads})
    ordered = sorted((_iso(day), group, person) for day, group, person in entries)
    days = [day for day, _, _ in ordered]

    def entrants_in(p: Period) -> dict[WresGroup, int]:
        # Distinct people per group whose formal investigation began in p (inclusive), as period_entrants.
        inside = ordered[bisect.bisect_left(days, p.start.isoformat()) : bisect.bisect_right(days, p.end.isoformat())]
        people: dict[str, set[str]] = {}
        for _, group, person in inside:
            people.setdefault(group, set()).add(person)
        return {g: len(people.get(g.value, ())) for g in WresGroup}

    def heads_on(snapshot: date) -> dict[WresGroup, int]:
        return {g: counted.get((snapshot.isoformat(), g.value), 0) for g in WresGroup}

    if period is not None:
        return [wres_from_counts(period, available, entrants_in, heads_on, pool=pool)]
    lows = [_day(d) for d in (lo_s, days[0] if days else None) if d is not None]
    highs = [_day(d) for d in (hi_s, days[-1] if days else None) if d is not None]
    if not lows or not highs:
        return []
    return [
        wres_from_counts(p, available, entrants_in, heads_on, pool=pool)
        for p in periods_between(min(lows), max(highs), length)
    ]


# --- decision points and complaints -------------------------------------------------------------------

Counts = dict[str, dict[str, "Count"]]


def case_tallies(
    reader: Reader, *, opened_from: date | None = None, opened_to: date | None = None
) -> tuple[Counts, Counts]:
    """``{measure id: {group: Count}}`` by WRES group and by broad group for the contract's decision points
    and complaints over cases opened in the window (inclusive; default all): one ``GROUP BY`` over the
    columns the definitions test, each combination judged once by the measure's own conditions."""
    from erreview.metrics.decisions import Count, contract_measures

    measures = (*contract_measures("decision_point"), *contract_measures("complaint"))
    tested = dict.fromkeys(c for m in measures for c in m.columns())
    columns = list(dict.fromkeys(["case_type", "wres_group", "broad_group", *tested]))
    types = sorted({t.value for m in measures for t in m.case_types})
    where = [f"case_type IN ({', '.join('{p}' for _ in types)})"]
    params: list[Any] = list(types)
    if opened_from is not None:
        where.append("opened_date >= {p}")
        params.append(reader.param(opened_from))
    if opened_to is not None:
        where.append("opened_date <= {p}")
        params.append(reader.param(opened_to))
    names = ", ".join(columns)
    grouped = reader.rows(f"SELECT {names}, COUNT(*) FROM er_case WHERE {' AND '.join(where)} GROUP BY {names}", params)
    tallies: dict[str, dict[str, dict[str, list[int]]]] = {"wres_group": {}, "broad_group": {}}
    for row in grouped:
        case = dict(zip(columns, row[:-1], strict=True))
        cases = int(row[-1])
        for measure in measures:
            reached, event = measure.counts(case)
            if not reached:
                continue
            for by, table in tallies.items():
                n_events = table.setdefault(measure.id, {}).setdefault(str(case[by]), [0, 0])
                n_events[0] += cases
                n_events[1] += cases if event else 0
    wres, broad = (
        {point: {g: Count(*table[point][g]) for g in sorted(table[point])} for point in table}
        for table in tallies.values()
    )
    return wres, broad


def decision_results(
    url: str, *, opened_from: date | None = None, opened_to: date | None = None
) -> tuple[list[DecisionResult], DecisionResult] | None:
    """:func:`erreview.service.decision_results` and :func:`erreview.service.complaint_results` for the
    window, counted in the database; ``None`` when this database is not one to read here."""
    from erreview.metrics.decisions import COMPLAINT_POINT, DECISION_POINTS, results_from_counts

    reader = open_reader(url)
    if reader is None:
        return None
    try:
        wres, broad = case_tallies(reader, opened_from=opened_from, opened_to=opened_to)
    finally:
        reader.close()
    points = results_from_counts(DECISION_POINTS, wres, broad)
    complaints = results_from_counts((COMPLAINT_POINT,), wres, broad)[0]
    return points, complaints
