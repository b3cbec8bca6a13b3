"""Workforce rows point at one ``workforce_profile`` per distinct combination of a person's details.

The oracle is the CSV itself: per snapshot, the multiset of (person, band, staff group, division, WRES
group) read straight from its rows must be what the database gives back through the join, after an
import, after a replacement, and after the migration moves rows stored in the old wide layout.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from erreview import service, store
from erreview.ethnicity import ethnicity_table
from erreview.pseudonym import load_or_create_key, pseudonymise

from .conftest import EXAMPLES

#: The migration before ``workforce_profile`` (rows held their details as text).
BEFORE = "2a5488fd2fcd"
DETAILS = ("band", "staff_group", "division")


def _from_csv(raw: str, key: bytes) -> dict[str, Counter[tuple[str, ...]]]:
    """{snapshot: multiset of (person_key, band, staff group, division, WRES group)} from the CSV rows."""
    table = ethnicity_table()
    out: dict[str, Counter[tuple[str, ...]]] = {}
    for row in csv.DictReader(io.StringIO(raw)):
        group = table.classify(row["ethnic_category"].strip()).wres_group.value
        person = pseudonymise(row["person_id"], key)
        details = tuple(row[c].strip() for c in DETAILS)
        out.setdefault(row["snapshot_date"].strip(), Counter())[(person, *details, group)] += 1
    return out


def _stored(engine, sql: str) -> dict[str, Counter[tuple[str, ...]]]:
    out: dict[str, Counter[tuple[str, ...]]] = {}
    with engine.connect() as connection:
        for snapshot, *rest in connection.execute(text(sql)):
            out.setdefault(str(snapshot), Counter())[tuple(rest)] += 1
    return out


JOINED = (
    "SELECT r.snapshot_date, r.person_key, p.band, p.staff_group, p.division, p.wres_group "
    "FROM workforce_record r JOIN workforce_profile p ON p.id = r.profile_id"
)
WIDE = "SELECT snapshot_date, person_key, band, staff_group, division, wres_group FROM workforce_record"


def _orphans(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT COUNT(*) FROM workforce_record r "
                "WHERE NOT EXISTS (SELECT 1 FROM workforce_profile p WHERE p.id = r.profile_id)"
            )
        ).scalar_one()


def _profiles(engine) -> list[tuple[str, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT ethnic_code, broad_group, wres_group, gender, {', '.join(DETAILS)} FROM workforce_profile")
        )
        return [tuple(r) for r in rows]


@pytest.mark.parametrize("grouping", ["codes", "pandas"])
def test_rows_read_back_through_their_profiles_as_the_file_gave_them(engine, settings, tmp_path, monkeypatch, grouping):
    """Each row's details come back as in the file; a profile is stored once; a replaced snapshot with a
    new combination adds its profile and reuses the others; every row names a stored profile. Profiles are
    found on the categoricals' codes, or grouped by pandas when the codes cannot be combined."""
    if grouping == "pandas":
        monkeypatch.setattr(store, "_combined", lambda frame, columns: None)
    raw = (EXAMPLES / "workforce.csv").read_text()
    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv")
    key = load_or_create_key(settings)
    assert _stored(engine, JOINED) == _from_csv(raw, key)
    profiles = _profiles(engine)
    assert len(profiles) == len(set(profiles))
    with store.session_scope(engine) as session:
        latest = store.latest_snapshot_date(session)
        assert latest is not None
        in_store = store.snapshot_rows(session, latest)
    assert sum(in_store.values()) == sum(_from_csv(raw, key)[latest.isoformat()].values())

    rows = list(csv.DictReader(io.StringIO(raw)))
    changed = [r for r in rows if r["snapshot_date"] == latest.isoformat()]
    changed[0] = changed[0] | {"division": "A Division Never Seen Before"}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(changed)
    second = tmp_path / "second.csv"
    second.write_text(out.getvalue())
    service.import_files(engine, settings, workforce=second, replace_snapshots=True)
    expected = _from_csv(raw, key) | _from_csv(out.getvalue(), key)
    assert _stored(engine, JOINED) == expected
    after = _profiles(engine)
    assert len(after) == len(set(after)) == len(profiles) + 1
    assert _orphans(engine) == 0


def test_migration_moves_rows_both_ways(settings):
    """Rows stored before the profile table get their profiles on upgrade, and get their text back on
    downgrade, row for row."""
    raw = (EXAMPLES / "workforce.csv").read_text()
    key = load_or_create_key(settings)
    current = store.make_engine(settings.database_url)
    service.import_files(current, settings, workforce=EXAMPLES / "workforce.csv")
    current.dispose()

    engine = create_engine(settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    config = store.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, BEFORE)
    assert _stored(engine, WIDE) == _from_csv(raw, key)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert _stored(engine, JOINED) == _from_csv(raw, key)
    assert _orphans(engine) == 0
    profiles = _profiles(engine)
    assert len(profiles) == len(set(profiles))
    engine.dispose()


def test_import_gives_the_connection_back_with_its_own_page_cache(engine, settings):
    """The import widens SQLite's page cache for its bulk writes only: a pooled connection has its own
    cache size again afterwards."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's page cache")
    with engine.connect() as connection:
        before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == before
