"""The module that talks to the database: engines, schema, writes and aggregate queries (besides it, only
:mod:`erreview.tallies` reads, through the driver, for the command line's quick counts).

SQLite (the embedded default) runs in WAL mode with foreign keys on; PostgreSQL (psycopg 3) goes through
the same SQLAlchemy code. Queries return plain DataFrames or small aggregates so that the metrics stay
pure functions.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine as Engine  # re-exported: callers type their engines as store.Engine
from sqlalchemy import delete, event, func, insert, select, text, true, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, col, create_engine

from erreview.errors import Busy, ErreviewError
from erreview.migrations.head import head_revision as head_revision  # re-exported
from erreview.models import (
    ErCase,
    ImportRun,
    Meta,
    Setting,
    WorkforceHeadcount,
    WorkforceProfile,
    WorkforceRecord,
)
from erreview.vocab import CASE_DATE_COLUMNS, CaseType

log = logging.getLogger(__name__)

KEY_FINGERPRINT = "pseudonym_key_fingerprint"
#: Rows per INSERT batch: large enough to be fast, small enough to bound memory.
BATCH_ROWS = 20_000
#: SQLite page cache (KiB) for the import's bulk writes.
BULK_CACHE_KIB = 262_144


class KeyMismatch(ErreviewError, RuntimeError):
    """The database was built under a different pseudonym key."""


#: How long a writer waits for another writer before giving up with :class:`Busy`.
BUSY_TIMEOUT_S = 10
#: Execution option marking a connection whose transactions write (SQLite: BEGIN IMMEDIATE).
WRITE = "erreview_write"
#: The advisory lock (PostgreSQL) held by the one writer at a time.
WRITER_LOCK = 7263501


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver would run SELECTs outside any transaction (so two writers could read the same audit head);
    # take transactions out of its hands and BEGIN ourselves in _sqlite_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: one writer at a time, waiting up to the busy timeout. Readers
    # BEGIN DEFERRED and never wait for a writer (WAL).
    immediate = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` with erreview's connection settings; the schema is created if absent."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool  # one shared in-memory database
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    migrate(engine)
    return engine


def _private_sqlite_file(url: str) -> None:
    """Create the database file owner-only before SQLite does (its WAL and shared-memory files copy the
    database file's mode), and narrow an existing one and its companions."""
    from sqlalchemy.engine import make_url

    from erreview.files import make_private

    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if path.parent.is_dir():
        make_private(path)
        for suffix in ("-wal", "-shm", "-journal"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                companion.chmod(0o600)


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def _at_head(engine: Engine) -> bool:
    """True when the database already carries the newest migration (then there is nothing to do)."""
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            current = [row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")]
    except Exception:  # no such table yet, or no database: alembic creates it
        return False
    return current == [head]


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (a no-op when it is already there)."""
    if _at_head(engine):
        return
    from alembic import command

    config = alembic_config(engine)
    # Two app instances starting at once must not both migrate (SQLite: BEGIN IMMEDIATE).
    with engine.execution_options(**{WRITE: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7263502)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@cache
def engine_for(url: str) -> Engine:
    """One shared engine per URL for the life of the process."""
    return make_engine(url)


BUSY_MESSAGE = "someone else is saving a change right now (perhaps an import); nothing was saved: try again"


def _is_busy(exc: OperationalError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "55P03":  # PostgreSQL lock_not_available (lock_timeout)
        return True
    return "database is locked" in str(orig) or "database is busy" in str(orig)


def lock_for_write(session: Session) -> None:
    """Make the session's transaction the one writer: PostgreSQL waits for the advisory lock (at most the
    busy timeout); SQLite already holds the write lock when the session came from ``session_scope(write=True)``.
    Calling it again in the same transaction is harmless."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL lock_timeout = '{BUSY_TIMEOUT_S}s'"))
        session.execute(text(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})"))


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any exception.

    ``write=True``: this transaction changes data, so it first becomes the one writer (see
    :func:`lock_for_write`); a writer that cannot get its turn in time raises :class:`Busy`, never the
    driver's "database is locked".
    """
    bind = engine.execution_options(**{WRITE: True}) if write else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            if write:
                lock_for_write(session)
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            if _is_busy(exc):
                raise Busy(BUSY_MESSAGE) from None
            raise
        except BaseException:
            session.rollback()
            raise


# --- facts about the database -------------------------------------------------------------------------


def get_meta(session: Session, name: str) -> str | None:
    row = session.get(Meta, name)
    return row.value if row else None


def set_meta(session: Session, name: str, value: str) -> None:
    row = session.get(Meta, name)
    if row is None:
        session.add(Meta(name=name, value=value))
    else:
        row.value = value


DATA_VERSION = "data_version"


def data_version(session: Session) -> int:
    """A counter bumped by every change to cases or workforce: the key for caches of derived figures."""
    return int(get_meta(session, DATA_VERSION) or 0)


def bump_data_version(session: Session) -> int:
    version = data_version(session) + 1
    set_meta(session, DATA_VERSION, str(version))
    return version


def setting_overrides(session: Session) -> dict[str, str]:
    """Settings an admin changed in the app."""
    return {row.name: row.value for row in session.execute(select(Setting)).scalars()}


def set_setting_override(session: Session, name: str, value: str | None) -> None:
    row = session.get(Setting, name)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(Setting(name=name, value=value))
    else:
        row.value = value
        row.version += 1
    session.flush()


def check_key_fingerprint(session: Session, fingerprint: str) -> None:
    """Record the key's fingerprint on first import; refuse a different key afterwards."""
    stored = get_meta(session, KEY_FINGERPRINT)
    if stored is None:
        set_meta(session, KEY_FINGERPRINT, fingerprint)
    elif stored != fingerprint:
        raise KeyMismatch(
            "this database was built with a different pseudonym key (fingerprint "
            f"{stored}, current key {fingerprint}); importing now would turn each person into two. "
            "Use the original key (ERREVIEW_PSEUDONYM_KEY or the key file)."
        )


# --- writes -------------------------------------------------------------------------------------------


def _records(frame: pd.DataFrame, columns: list[str]) -> Iterator[list[dict[str, Any]]]:
    subset = frame[columns].astype(object).where(frame[columns].notna(), None)
    for column in columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            subset[column] = [v.date() if v is not None else None for v in subset[column]]
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in subset.to_dict("records")]
    for start in range(0, len(records), BATCH_ROWS):
        yield records[start : start + BATCH_ROWS]


WORKFORCE_FIELDS = [
    "snapshot_date",
    "person_key",
    "ethnic_code",
    "broad_group",
    "wres_group",
    "gender",
    "band",
    "staff_group",
    "division",
]
#: The columns of a workforce row kept once per distinct combination in ``workforce_profile``.
PROFILE_FIELDS = WORKFORCE_FIELDS[2:]
#: The columns written per workforce row.
RECORD_FIELDS = ["snapshot_date", "person_key", "profile_id"]
CASE_FIELDS = [c for c in ErCase.model_fields if c not in ("version", "updated_at", "updated_by")]


def _column_array(series: pd.Series, dialect: str) -> np.ndarray:
    """One column as an object array of driver values (dates as ISO text on SQLite, ``date`` objects on
    PostgreSQL; missing as ``None``), converting each distinct value once: an extract has few distinct
    dates and codes. A categorical is read through its own codes; integers with nothing missing as they are."""
    plain = not isinstance(series.dtype, pd.CategoricalDtype)
    if plain and pd.api.types.is_integer_dtype(series.dtype) and not series.isna().any():
        integers: np.ndarray = series.to_numpy(dtype=np.int64).astype(object)  # Python ints
        return integers
    codes: np.ndarray
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, uniques = series.cat.codes.to_numpy(np.int64), series.cat.categories
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if pd.api.types.is_datetime64_any_dtype(uniques.dtype):
        stamps = pd.DatetimeIndex(uniques)
        converted = list(stamps.strftime("%Y-%m-%d")) if dialect == "sqlite" else [d.date() for d in stamps]
    else:
        converted = uniques.tolist()  # Python values (numpy integers are not driver values)
    # code -1 (missing) picks the None appended at the end
    lookup = np.array([*converted, None], dtype=object)
    rows: np.ndarray = lookup[codes]
    return rows


def _column_values(series: pd.Series, dialect: str) -> list[Any]:
    """:func:`_column_array` as a list."""
    rows: list[Any] = _column_array(series, dialect).tolist()
    return rows


def _driver_value(value: Any, dialect: str) -> Any:
    """One value as the driver takes it; on SQLite a date or timestamp is the text the ``sqlite3`` module's
    own adapters would make of it, made once instead of once per row."""
    if dialect == "sqlite" and isinstance(value, datetime):
        return value.isoformat(" ")
    if dialect == "sqlite" and isinstance(value, date):
        return value.isoformat()
    return value


#: Rows per multi-row ``INSERT`` statement on SQLite (each row's values are bound parameters; SQLite
#: allows 32,766 per statement).
ROWS_PER_STATEMENT = 400


def _bulk_insert(
    session: Session, table: str, frame: pd.DataFrame, columns: list[str], constants: dict[str, Any] | None = None
) -> None:
    """Insert many rows fast through the driver: multi-row ``INSERT`` statements on SQLite, ``COPY`` on
    PostgreSQL. ``constants`` are values that are the same on every row.

    The ORM path builds a dict per row and costs about ten times as much time and memory. Columns are
    converted once each. On SQLite each statement inserts :data:`ROWS_PER_STATEMENT` rows from a
    ``VALUES`` list, with the constants bound once per statement rather than once per row: for two million
    workforce rows about 40% less time than one ``executemany`` step per row (the per-row cost is SQLite's
    statement step and the driver's binding, not the writing). Rows go in in the frame's order.
    """
    connection = session.connection()
    dbapi: Any = connection.connection.driver_connection
    dialect = connection.dialect.name
    constants = {name: _driver_value(value, dialect) for name, value in (constants or {}).items()}
    names = ", ".join([*columns, *constants])
    if dialect == "postgresql":
        values = [_column_values(frame[column], dialect) for column in columns]
        values += [[value] * len(frame) for value in constants.values()]
        rows = zip(*values, strict=True)
        with dbapi.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if not len(frame):
        return
    grid = np.empty((len(frame), len(columns)), dtype=object)
    for j, column in enumerate(columns):
        grid[:, j] = _column_array(frame[column], dialect)
    fixed = list(constants.values())

    def statement(count: int) -> str:
        one = "(" + ", ".join("?" for _ in columns) + ")"
        # The constants' placeholders come first in the text, so their values come first in each statement's.
        picked = ", ".join([*(f"column{j + 1}" for j in range(len(columns))), *("?" for _ in fixed)])
        return f"INSERT INTO {table} ({names}) SELECT {picked} FROM (VALUES {', '.join([one] * count)})"

    per = ROWS_PER_STATEMENT
    full = len(frame) // per * per
    cursor = dbapi.cursor()
    if full:
        batches = (fixed + grid[start : start + per].ravel().tolist() for start in range(0, full, per))
        cursor.executemany(statement(per), batches)
    if full < len(frame):
        cursor.execute(statement(len(frame) - full), fixed + grid[full:].ravel().tolist())
    cursor.close()


@contextmanager
def _roomy_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache of up to :data:`BULK_CACHE_KIB` for a bulk write (the default 2 MB spills
    pages to the write-ahead log and reads them back while indexes grow), then the connection's own again.
    Durability is unchanged: the cache only holds pages until the transaction commits."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")


def distinct_dates(series: pd.Series) -> list[date]:
    """The distinct dates of a datetime column, sorted (without a Python object per row)."""
    return sorted(d.date() for d in pd.DatetimeIndex(series.dropna().unique()))


def _profiled(*columns: Any) -> Any:
    """A select of workforce rows' ``columns`` (record or profile columns) with each row's profile joined."""
    return (
        select(*columns)
        .select_from(WorkforceRecord)
        .join(WorkforceProfile, col(WorkforceProfile.id) == col(WorkforceRecord.profile_id))
    )


def _workforce_column(name: str) -> Any:
    """A workforce row's column by name, on the record or on its profile."""
    return getattr(WorkforceProfile if name in PROFILE_FIELDS else WorkforceRecord, name)


def snapshot_rows(session: Session, on: date) -> Counter[tuple[str, ...]]:
    """The stored rows of one snapshot, as a multiset of text tuples (to compare with a re-imported file;
    a person in two posts has two identical rows, so a set would undercount)."""
    fields = [_workforce_column(f) for f in WORKFORCE_FIELDS if f != "snapshot_date"]
    query = _profiled(*fields).where(col(WorkforceRecord.snapshot_date) == on)
    return Counter(tuple("" if v is None else str(v) for v in row) for row in session.execute(query))


def _codes(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Each row's code into the column's distinct values, and those values, in the order a sorted
    ``groupby`` gives them (a categorical's own order; sorted values otherwise); missing is -1."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(np.int64), pd.Index(series.cat.categories)
    codes, uniques = pd.factorize(series, sort=True)
    return codes.astype(np.int64), pd.Index(uniques)


def _combined(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, list[pd.Index]] | None:
    """One int64 per row numbering its combination of ``columns`` (mixed radix of the columns' codes, so
    sorting the numbers sorts by the columns in turn), and each column's distinct values; ``None`` when a
    value is missing or the numbers would not fit in 63 bits."""
    key = np.zeros(len(frame), dtype=np.int64)
    values = []
    room = 1
    for column in columns:
        codes, uniques = _codes(frame[column])
        room *= max(len(uniques), 1)
        if room >= 2**62 or (len(codes) and codes.min() < 0):
            return None
        key = key * max(len(uniques), 1) + codes
        values.append(uniques)
    return key, values


def _sorted_distinct(keys: np.ndarray) -> np.ndarray:
    """The distinct numbers, sorted (by sorting: numpy's hashing ``unique`` is many times slower on these)."""
    ordered = np.sort(keys)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _sorted_counts(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and how many times each occurs."""
    if not len(ordered):
        return ordered, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return ordered[starts], np.diff(np.r_[starts, len(ordered)])


def _decoded(keys: np.ndarray, values: list[pd.Index]) -> list[np.ndarray]:
    """The columns' values of combination numbers made by :func:`_combined`."""
    out = []
    rest = keys.copy()
    for uniques in reversed(values):
        size = max(len(uniques), 1)
        out.append(np.asarray(uniques, dtype=object)[rest % size])
        rest //= size
    return out[::-1]


def _profile_ids(session: Session, frame: pd.DataFrame) -> np.ndarray:
    """Each row's ``workforce_profile`` id, adding the combinations not stored yet (a few thousand at most:
    they are found on the categoricals' codes, without a Python object per row)."""
    combined = _combined(frame, PROFILE_FIELDS)
    groups: np.ndarray
    if combined is not None:
        key, values = combined
        groups, keys = pd.factorize(key)
        columns = _decoded(np.asarray(keys), values)
        distinct = [tuple(str(v) for v in row) for row in zip(*columns, strict=True)]
    else:  # a missing value or a huge number of combinations: let pandas group them
        groups = frame.groupby(PROFILE_FIELDS, observed=True, sort=False, dropna=False).ngroup().to_numpy()
        _, first = np.unique(groups, return_index=True)  # the first row of group 0, 1, 2, ...
        rows = frame[PROFILE_FIELDS].iloc[first].astype(object).itertuples(False)
        distinct = [tuple(str(v) for v in row) for row in rows]
    fields = [col(getattr(WorkforceProfile, f)) for f in PROFILE_FIELDS]

    def stored() -> dict[tuple[str, ...], int]:
        rows = session.execute(select(col(WorkforceProfile.id), *fields))
        return {tuple(row[1:]): row[0] for row in rows}

    known = stored()
    new = sorted(set(distinct) - set(known))
    if new:
        session.execute(insert(WorkforceProfile), [dict(zip(PROFILE_FIELDS, row, strict=True)) for row in new])
        known = stored()
    ids = np.array([known[row] for row in distinct], dtype=np.int64)
    result: np.ndarray = ids[groups]
    return result


def replace_snapshots(session: Session, frame: pd.DataFrame) -> int:
    """Write workforce rows, replacing any snapshot with the same date (re-import is idempotent).

    Each row is stored as (snapshot date, person, profile): the person's details are one row of
    ``workforce_profile`` per distinct combination, so the table holds a third of the bytes it would with the
    text repeated. Rows go in ordered by snapshot date, as the index is, so each insert lands at the end of
    the index. Into an empty table on SQLite the index is built after the rows (:func:`_indexes_after`).
    A profile no longer used by any row stays
    (a few rows; a later import may use it again).
    """
    dates = distinct_dates(frame["snapshot_date"])
    session.execute(delete(WorkforceRecord).where(col(WorkforceRecord.snapshot_date).in_(dates)))
    session.execute(delete(WorkforceHeadcount).where(col(WorkforceHeadcount.snapshot_date).in_(dates)))
    profile_ids = _profile_ids(session, frame)
    stamps = frame["snapshot_date"].to_numpy()
    order = np.argsort(stamps, kind="stable")
    ordered = pd.DataFrame(
        {
            "person_key": frame["person_key"].take(order).reset_index(drop=True),
            "profile_id": profile_ids[order],
        }
    )
    stamps = stamps[order]
    starts = np.flatnonzero(np.r_[True, stamps[1:] != stamps[:-1], True])
    with _roomy_cache(session):
        with _indexes_after(session, WorkforceRecord):
            for start, end in itertools.pairwise(starts.tolist()):  # one snapshot at a time
                day = {"snapshot_date": pd.Timestamp(stamps[start]).date()}
                rows = ordered.iloc[start:end]
                _bulk_insert(session, WorkforceRecord.__tablename__, rows, RECORD_FIELDS[1:], constants=day)
        _bulk_insert(session, WorkforceHeadcount.__tablename__, headcount_rows(frame), HEADCOUNT_FIELDS)
    return len(frame)


@contextmanager
def _indexes_after(session: Session, model: Any) -> Iterator[None]:
    """Into an empty table on SQLite, a bulk insert with the table's secondary indexes dropped and built
    again after the rows (sorting once costs less than growing each index row by row: a fifth of the
    workforce insert, a third of the cases'); in the same transaction, so readers never see the table
    without them and a crash leaves it as it was."""
    connection = session.connection()
    table: Any = model.__table__
    empty = connection.dialect.name == "sqlite" and session.execute(select(table).limit(1)).first() is None
    indexes = list(table.indexes) if empty else []
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)


#: Breakdowns of the headcount kept at import (besides the total); others are counted from the rows.
HEADCOUNT_DIMENSIONS = ("division",)
HEADCOUNT_FIELDS = ["snapshot_date", "wres_group", "dimension", "level", "headcount"]


def headcount_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Distinct ``person_key`` per snapshot and WRES group, in total and per :data:`HEADCOUNT_DIMENSIONS`:
    the rows of ``workforce_headcount`` for these workforce rows, ordered by snapshot, group (and level).

    Counted on the columns' codes: each row's (snapshot, group[, level], person) as one number, the
    distinct numbers sorted once, then the people per (snapshot, group[, level]) counted from them."""
    parts = []
    for dimension in (None, *HEADCOUNT_DIMENSIONS):
        keys = ["snapshot_date", "wres_group", *([dimension] if dimension else [])]
        combined = _combined(frame, [*keys, "person_key"])
        if combined is None:  # a missing value or too many combinations: let pandas count them
            people = frame[[*keys, "person_key"]].drop_duplicates()
            counts = people.groupby(keys, observed=True, sort=True).size().rename("headcount").reset_index()
        else:
            key, values = combined
            # A person listed twice in one snapshot (two posts) counts once, as COUNT(DISTINCT) would.
            groups, headcount = _sorted_counts(_sorted_distinct(key) // len(values[-1]))
            columns = _decoded(groups, values[:-1])
            counts = pd.DataFrame(dict(zip(keys, columns, strict=True)) | {"headcount": headcount})
            counts["snapshot_date"] = pd.to_datetime(counts["snapshot_date"])
        counts["dimension"] = dimension or ""
        counts["level"] = counts[dimension].astype(str) if dimension else ""
        parts.append(counts[HEADCOUNT_FIELDS])
    out = pd.concat(parts, ignore_index=True)
    out["wres_group"] = out["wres_group"].astype(str)
    out["headcount"] = out["headcount"].astype("int64")
    return out


def _any_case(session: Session) -> bool:
    """Whether any case is stored: into an empty table every row is new, and looking each case id up
    (five thousand bound parameters a query, compiled by SQLAlchemy one by one) would cost a first import
    of 67,570 cases about half a second for nothing."""
    return session.execute(select(col(ErCase.case_id)).limit(1)).first() is not None


def upsert_cases(session: Session, frame: pd.DataFrame, *, user: str | None = None) -> tuple[int, int]:
    """Insert new cases and update existing ones by ``case_id``; return (inserted, updated).

    New cases go in through one Core ``executemany`` per batch (the ORM's bulk insert groups rows by which
    fields are empty and costs ten times as much); changed cases are updated by primary key."""
    now = datetime.now(UTC)
    ids = frame["case_id"].tolist() if _any_case(session) else []
    existing: dict[str, int] = {}
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        rows = session.execute(select(col(ErCase.case_id), col(ErCase.version)).where(col(ErCase.case_id).in_(chunk)))
        existing.update({case_id: version for case_id, version in rows})
    is_new = ~frame["case_id"].isin(list(existing))
    new = frame[is_new]
    if len(new):
        dialect = session.connection().dialect
        # The stored form of the timestamp, exactly as SQLAlchemy writes it through the ORM.
        table: Any = ErCase.__table__  # type: ignore[attr-defined]
        to_driver = table.c.updated_at.type.bind_processor(dialect)
        stamp = to_driver(now) if to_driver else now.replace(tzinfo=None)
        constants = {"version": 1, "updated_at": stamp, "updated_by": user}
        with _roomy_cache(session), _indexes_after(session, ErCase):
            _bulk_insert(session, ErCase.__tablename__, new, CASE_FIELDS, constants)
    updated = 0
    for batch in _records(frame[~is_new], CASE_FIELDS):
        old = [r | {"version": existing[r["case_id"]] + 1, "updated_at": now, "updated_by": user} for r in batch]
        session.execute(update(ErCase), old)
        updated += len(old)
    return len(new), updated


@dataclass(frozen=True)
class CaseImport:
    """What a cases import did: rows inserted, updated, left as they were, and refused (case id, reason)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: tuple[tuple[str, str], ...] = ()


def _same(a: Any, b: Any) -> bool:
    def norm(v: Any) -> str:
        if v is None:
            return ""
        return v.isoformat() if isinstance(v, date | datetime) else str(v)

    return norm(a) == norm(b)


def handled_case_ids(session: Session, case_ids: list[str]) -> set[str]:
    """Cases being handled in erreview: they have a workflow row or a panel review."""
    from erreview.models import CaseWork, PanelReview

    found: set[str] = set()
    for start in range(0, len(case_ids), 5_000):
        chunk = case_ids[start : start + 5_000]
        found |= set(session.execute(select(col(CaseWork.case_id)).where(col(CaseWork.case_id).in_(chunk))).scalars())
        found |= set(
            session.execute(select(col(PanelReview.case_id)).where(col(PanelReview.case_id).in_(chunk))).scalars()
        )
    return found


def import_cases(session: Session, frame: pd.DataFrame, *, user: str | None = None) -> CaseImport:
    """Insert new cases and update existing ones by ``case_id``, except that an import never changes a case
    being handled in erreview (its workflow is the record now) and never moves a case to another person:
    such rows are reported as conflicts and left as they are."""
    ids = frame["case_id"].tolist() if _any_case(session) else []  # none to look up in an empty table
    stored: dict[str, ErCase] = {}
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        rows = session.execute(select(ErCase).where(col(ErCase.case_id).in_(chunk))).scalars()
        stored.update({c.case_id: c for c in rows})
    handled = handled_case_ids(session, list(stored))
    conflicts, unchanged = [], 0
    # New cases go in as they are; only rows for stored cases are turned into records and compared.
    is_stored = frame["case_id"].isin(list(stored)).to_numpy()
    keep: list[int] = np.flatnonzero(~is_stored).tolist()
    positions = np.flatnonzero(is_stored).tolist()
    records = [r for batch in _records(frame.iloc[positions], CASE_FIELDS) for r in batch] if positions else []
    for position, record in zip(positions, records, strict=True):
        old = stored[record["case_id"]]
        differs = [f for f in CASE_FIELDS if not _same(record[f], getattr(old, f))]
        if not differs:
            unchanged += 1
        elif record["person_key"] != old.person_key:
            conflicts.append((record["case_id"], "the row names a different person; a case never moves to another"))
        elif record["case_id"] in handled:
            conflicts.append(
                (record["case_id"], f"the case is being handled in erreview; {', '.join(differs)} left as recorded")
            )
        else:
            keep.append(position)
    keep.sort()  # the file's order
    inserted, updated = upsert_cases(session, frame.iloc[keep], user=user) if keep else (0, 0)
    return CaseImport(inserted, updated, unchanged, tuple(conflicts))


def record_import(
    session: Session,
    *,
    kind: str,
    source_name: str,
    rows: int,
    inserted: int = 0,
    updated: int = 0,
    user: str | None = None,
) -> None:
    session.add(
        ImportRun(
            kind=kind,
            source_name=source_name,
            rows=rows,
            inserted=inserted,
            updated=updated,
            imported_at=datetime.now(UTC),
            imported_by=user,
        )
    )


# --- reads --------------------------------------------------------------------------------------------


def latest_snapshot_date(session: Session) -> date | None:
    value = session.execute(select(func.max(col(WorkforceRecord.snapshot_date)))).scalar()
    return date.fromisoformat(value) if isinstance(value, str) else value  # SQLite's max() returns text


def snapshot_headcounts(session: Session, *, by: str | None = None, on: date | None = None) -> pd.DataFrame:
    """Distinct people per snapshot date and WRES group (and ``by``, e.g. ``division``):
    columns snapshot_date, wres_group[, by], headcount.

    Read from the counts kept at import (``workforce_headcount``) for the total and the breakdowns in
    :data:`HEADCOUNT_DIMENSIONS`; any other ``by`` is counted in the database from the rows."""
    columns = ["snapshot_date", "wres_group", *([by] if by else []), "headcount"]
    if by is None or by in HEADCOUNT_DIMENSIONS:
        h = WorkforceHeadcount
        kept = select(col(h.snapshot_date), col(h.wres_group), *([col(h.level)] if by else []), col(h.headcount))
        kept = kept.where(col(h.dimension) == (by or "")).order_by(col(h.id))
        if on is not None:
            kept = kept.where(col(h.snapshot_date) == on)
        stored = pd.DataFrame(session.execute(kept).all(), columns=columns)
        stored["snapshot_date"] = pd.to_datetime(stored["snapshot_date"])
        stored["headcount"] = stored["headcount"].astype("int64")
        return stored
    keys = [col(WorkforceRecord.snapshot_date), col(WorkforceProfile.wres_group)]
    if by is not None:
        keys.append(_workforce_column(by))
    people = func.count(func.distinct(col(WorkforceRecord.person_key))).label("headcount")
    query = _profiled(*keys, people).group_by(*keys)
    if on is not None:  # one snapshot: the index on snapshot_date makes this a narrow scan
        query = query.where(col(WorkforceRecord.snapshot_date) == on)
    rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=columns)
    frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"])
    return frame


def formal_disciplinary_entries(session: Session) -> pd.DataFrame:
    """Disciplinary cases with a formal investigation: person_key, wres_group, formal_investigation_date."""
    query = select(
        col(ErCase.person_key), col(ErCase.wres_group), col(ErCase.formal_investigation_date), col(ErCase.division)
    ).where(
        col(ErCase.case_type) == CaseType.DISCIPLINARY.value,
        col(ErCase.formal_investigation_date).is_not(None),
    )
    rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=["person_key", "wres_group", "formal_investigation_date", "division"])
    frame["formal_investigation_date"] = pd.to_datetime(frame["formal_investigation_date"])
    return frame


def cases_frame(
    session: Session,
    *,
    case_type: CaseType | None = None,
    opened_from: date | None = None,
    opened_to: date | None = None,
    case_types: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Case rows (pseudonymised) as a DataFrame, optionally filtered by type (one, or any of ``case_types``)
    and opening date."""
    query = select(*[getattr(ErCase, c) for c in CASE_FIELDS])
    if case_type is not None:
        query = query.where(col(ErCase.case_type) == case_type.value)
    if case_types is not None:
        query = query.where(col(ErCase.case_type).in_([str(t) for t in case_types]))
    if opened_from is not None:
        query = query.where(col(ErCase.opened_date) >= opened_from)
    if opened_to is not None:
        query = query.where(col(ErCase.opened_date) <= opened_to)
    rows = session.connection().execute(query).all()  # Core: plain rows, without the ORM's loading step
    frame = pd.DataFrame(rows, columns=CASE_FIELDS)
    for column in CASE_DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column])
    return frame


def data_extent(session: Session, *, until: date | None = None) -> tuple[date | None, date | None]:
    """First and last date with data: snapshot dates and disciplinary formal-investigation dates (with ``until``,
    only those on or before it)."""
    # The snapshot dates come from the kept headcounts (a few rows per snapshot), not the two million rows;
    # min and max are asked separately so that SQLite answers each from the index instead of a scan.
    snapshot = col(WorkforceHeadcount.snapshot_date)
    formal = col(ErCase.formal_investigation_date)
    before_s = snapshot <= until if until is not None else true()
    before_c = formal <= until if until is not None else true()
    lo_s = session.execute(select(func.min(snapshot)).where(before_s)).scalar()
    hi_s = session.execute(select(func.max(snapshot)).where(before_s)).scalar()
    disciplinary = col(ErCase.case_type) == CaseType.DISCIPLINARY.value
    lo_c = session.execute(select(func.min(formal)).where(disciplinary, before_c)).scalar()
    hi_c = session.execute(select(func.max(formal)).where(disciplinary, before_c)).scalar()
    lows = [d for d in (lo_s, lo_c) if d is not None]
    highs = [d for d in (hi_s, hi_c) if d is not None]
    return (min(lows) if lows else None, max(highs) if highs else None)
