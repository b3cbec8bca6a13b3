"""Headcounts kept at import (``workforce_headcount``) equal distinct people counted from the raw rows.

The oracle is a brute-force count over the CSV's own rows (sets of person ids per snapshot, group and
division), independent of pandas and SQL; the migration's backfill is checked the same way.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date

import pandas as pd
from alembic import command
from sqlalchemy import create_engine, text

from erreview import service, store
from erreview.ethnicity import ethnicity_table

from .conftest import EXAMPLES

#: The migration that precedes ``workforce_headcount``.
BEFORE = "d9e2f4a6b8c1"


def _with_second_posts(raw: str) -> str:
    """The examples plus, for a few people, a second row in the same snapshot in another division (two
    posts): they must still count once per group, and once in each division."""
    rows = list(csv.DictReader(io.StringIO(raw)))
    divisions = sorted({r["division"] for r in rows})
    extra = []
    for row in rows[:: len(rows) // 40]:
        other = next(d for d in divisions if d != row["division"])
        extra.append(row | {"division": other})
        extra.append(dict(row))  # and an exact duplicate row
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows + extra)
    return out.getvalue()


def _brute_force(raw: str) -> dict[tuple[str, str, str, str], int]:
    """{(snapshot, wres group, dimension, level): distinct people} straight from the CSV rows."""
    table = ethnicity_table()
    people: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for row in csv.DictReader(io.StringIO(raw)):
        group = table.classify(row["ethnic_category"].strip()).wres_group.value
        snap, person = row["snapshot_date"].strip(), row["person_id"].strip()
        people[(snap, group, "", "")].add(person)
        people[(snap, group, "division", row["division"].strip())].add(person)
    return {k: len(v) for k, v in people.items()}


def _stored(engine) -> dict[tuple[str, str, str, str], int]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT snapshot_date, wres_group, dimension, level, headcount FROM workforce_headcount")
        ).all()
    out: dict[tuple[str, str, str, str], int] = {}
    for snap, group, dimension, level, count in rows:
        key = (str(snap)[:10], group, dimension, level)
        assert key not in out, f"counted twice: {key}"
        out[key] = count
    return out


def test_import_keeps_distinct_headcounts(engine, settings, tmp_path):
    raw = _with_second_posts((EXAMPLES / "workforce.csv").read_text())
    path = tmp_path / "workforce.csv"
    path.write_text(raw)
    service.import_files(engine, settings, workforce=path)
    assert _stored(engine) == _brute_force(raw)
    # Importing the same snapshots again replaces their counts, never adds to them.
    service.import_files(engine, settings, workforce=path)
    assert _stored(engine) == _brute_force(raw)


def test_snapshot_headcounts_read_the_kept_counts_and_other_breakdowns_the_rows(engine, settings, tmp_path):
    raw = _with_second_posts((EXAMPLES / "workforce.csv").read_text())
    path = tmp_path / "workforce.csv"
    path.write_text(raw)
    service.import_files(engine, settings, workforce=path)
    expected = _brute_force(raw)
    with store.session_scope(engine) as session:
        total = store.snapshot_headcounts(session)
        first = date.fromisoformat(min(k[0] for k in expected))
        division = store.snapshot_headcounts(session, by="division", on=first)
        band = store.snapshot_headcounts(session, by="band")
    assert {(r.snapshot_date.date().isoformat(), r.wres_group, "", ""): r.headcount for r in total.itertuples()} == {
        k: v for k, v in expected.items() if k[2] == ""
    }
    assert {
        (r.snapshot_date.date().isoformat(), r.wres_group, "division", r.division): r.headcount
        for r in division.itertuples()
    } == {k: v for k, v in expected.items() if k[2] == "division" and k[0] == first.isoformat()}
    # band is not kept: counted from the rows, and its levels add up to at least the total per group
    by_group = band.groupby(["snapshot_date", "wres_group"])["headcount"].sum()
    for r in total.itertuples():
        assert by_group[(r.snapshot_date, r.wres_group)] >= r.headcount


def test_migration_backfills_counts_for_snapshots_imported_before_it(settings, tmp_path):
    """A database made before the table existed gets its counts when it is upgraded."""
    raw = _with_second_posts((EXAMPLES / "workforce.csv").read_text())
    path = tmp_path / "workforce.csv"
    path.write_text(raw)
    current = store.make_engine(settings.database_url)  # imports with today's code, at the head
    service.import_files(current, settings, workforce=path)
    current.dispose()

    engine = create_engine(settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    config = store.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, BEFORE)  # as if the rows had been imported before this migration
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert _stored(engine) == _brute_force(raw)
    engine.dispose()


def _index_names(engine) -> set[str]:
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.execute(text("SELECT name FROM sqlite_master WHERE tbl_name = 'workforce_record'"))
        else:
            rows = connection.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'workforce_record'"))
        return {r[0] for r in rows}


def test_replacing_a_snapshot_with_other_rows_replaces_its_counts_only(engine, settings, tmp_path):
    """Counts follow the rows when a snapshot is replaced by different rows (people gone, people moved to
    another division, a new person), and a snapshot the file does not hold keeps its counts. The index
    on the rows (dropped and rebuilt when the table was empty, on SQLite) is there after every import."""
    raw = _with_second_posts((EXAMPLES / "workforce.csv").read_text())
    first = tmp_path / "first.csv"
    first.write_text(raw)
    service.import_files(engine, settings, workforce=first)
    assert "ix_workforce_snapshot" in _index_names(engine)
    rows = list(csv.DictReader(io.StringIO(raw)))
    latest = max(r["snapshot_date"] for r in rows)
    divisions = sorted({r["division"] for r in rows})
    changed = [r for r in rows if r["snapshot_date"] == latest][5:]  # five rows gone
    for row in changed[::7]:
        row["division"] = next(d for d in divisions if d != row["division"])
    changed.append(changed[0] | {"person_id": "NEWPERSON1"})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(changed)
    second = tmp_path / "second.csv"
    second.write_text(out.getvalue())
    service.import_files(engine, settings, workforce=second, replace_snapshots=True)
    expected = {k: v for k, v in _brute_force(raw).items() if k[0] != latest} | _brute_force(out.getvalue())
    assert _stored(engine) == expected
    assert "ix_workforce_snapshot" in _index_names(engine)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT COUNT(*) FROM workforce_record")).scalar()
    assert stored == len(rows) - sum(r["snapshot_date"] == latest for r in rows) + len(changed)


def test_headcount_rows_on_plain_columns_and_the_pandas_fallback_match_the_brute_force(monkeypatch):
    """``headcount_rows`` counts on the columns' codes when they are categoricals (as the import gives
    them), on factorised plain columns, and through pandas when the codes cannot be combined: each gives
    the brute-force counts, ordered by snapshot, group and level."""
    raw = _with_second_posts((EXAMPLES / "workforce.csv").read_text())
    table = ethnicity_table()
    rows = list(csv.DictReader(io.StringIO(raw)))
    plain = pd.DataFrame(
        {
            "snapshot_date": pd.to_datetime([r["snapshot_date"] for r in rows]),
            "wres_group": [table.classify(r["ethnic_category"].strip()).wres_group.value for r in rows],
            "division": [r["division"].strip() for r in rows],
            "person_key": [r["person_id"].strip() for r in rows],
        }
    )
    categorical = plain.astype({c: "category" for c in ("wres_group", "division", "person_key")})

    def counted(frame: pd.DataFrame) -> list[tuple[str, str, str, str, int]]:
        out = store.headcount_rows(frame)
        return [
            (r.snapshot_date.date().isoformat(), r.wres_group, r.dimension, r.level, r.headcount)
            for r in out.itertuples()
        ]

    expected = sorted((*k, v) for k, v in _brute_force(raw).items())
    expected = [e for e in expected if e[2] == ""] + [e for e in expected if e[2] == "division"]
    assert counted(plain) == expected
    assert counted(categorical) == expected
    monkeypatch.setattr(store, "_combined", lambda frame, columns: None)
    assert counted(plain) == expected
