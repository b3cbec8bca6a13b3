"""Imports that cannot undo the work done in erreview: admins only, handled cases and people kept, snapshots
replaced only on request, every import audited."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import select, text

from erreview import service, store
from erreview.models import ErCase
from erreview.review.roles import SYSTEM, AccessDenied, Actor, Role
from erreview.review.workflow import assign_case

from .conftest import EXAMPLES
from .test_ingest import dump

ANALYST = Actor("ina", Role.INCLUSION_ANALYST)
ADMIN = Actor("ada", Role.ADMIN)


def _cases() -> pd.DataFrame:
    return pd.read_csv(EXAMPLES / "cases.csv", dtype=str, keep_default_na=False)


@pytest.fixture
def imported(engine, settings):
    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    return engine


def _case(engine, case_id: str) -> ErCase:
    with store.session_scope(engine) as session:
        return session.get(ErCase, case_id)


def test_an_analysts_import_is_refused_and_nothing_written(engine, settings):
    before = dump(settings.database_url)
    with pytest.raises(AccessDenied, match="only an administrator"):
        service.import_files(engine, settings, cases=EXAMPLES / "cases.csv", actor=ANALYST)
    assert dump(settings.database_url) == before
    assert service.import_files(engine, settings, cases=EXAMPLES / "cases.csv", actor=ADMIN).cases_inserted == 479


def test_a_handled_cases_reimport_is_a_conflict_and_changes_nothing(imported, settings, tmp_path):
    frame = _cases()
    open_case = frame[frame["initial_route"] == ""].iloc[0]["case_id"]
    version = service.current_data_version(imported)
    assign_case(imported, open_case, actor=SYSTEM, case_lead="lead")  # a case lead is now handling it
    assert service.current_data_version(imported) > version  # cached worklists (My work) follow it
    before = _case(imported, open_case)
    # The finding: re-imported as formal and suspended, with no panel review.
    row = frame["case_id"] == open_case
    frame.loc[row, ["initial_route", "route_date", "formal_investigation_date", "restriction"]] = [
        "formal",
        frame.loc[row, "opened_date"].iloc[0],
        frame.loc[row, "opened_date"].iloc[0],
        "suspended",
    ]
    frame.to_csv(tmp_path / "cases.csv", index=False)
    summary = service.import_files(imported, settings, cases=tmp_path / "cases.csv", actor=ADMIN)
    assert [c for c, _ in summary.conflicts] == [open_case]
    assert "being handled in erreview" in summary.conflicts[0][1] and "initial_route" in summary.conflicts[0][1]
    assert (summary.cases_inserted, summary.cases_updated, summary.cases_unchanged) == (0, 0, 478)
    after = _case(imported, open_case)
    assert after.model_dump() == before.model_dump()
    assert f"1 conflict(s), left as they were: {open_case}" in summary.to_text()


def test_a_reimport_never_moves_a_case_to_another_person(imported, settings, tmp_path):
    frame = _cases()
    case_id = frame.iloc[0]["case_id"]
    before = _case(imported, case_id)
    frame.loc[0, "person_id"] = "E1099999"
    frame.loc[0, "division"] = "Corporate"
    frame.to_csv(tmp_path / "cases.csv", index=False)
    summary = service.import_files(imported, settings, cases=tmp_path / "cases.csv")
    assert summary.conflicts == ((case_id, "the row names a different person; a case never moves to another"),)
    assert _case(imported, case_id).person_key == before.person_key


def test_an_unhandled_case_is_still_updated(imported, settings, tmp_path):
    frame = _cases()
    closed = frame[frame["closed_date"] != ""].iloc[0]["case_id"]
    frame.loc[frame["case_id"] == closed, "appeal_outcome"] = "upheld"
    frame.to_csv(tmp_path / "cases.csv", index=False)
    summary = service.import_files(imported, settings, cases=tmp_path / "cases.csv")
    assert (summary.cases_updated, summary.conflicts) == (1, ())
    assert _case(imported, closed).appeal_outcome == "upheld"


def test_a_snapshot_is_replaced_only_when_asked(imported, settings, tmp_path):
    workforce = pd.read_csv(EXAMPLES / "workforce.csv", dtype=str, keep_default_na=False)
    latest = workforce["snapshot_date"].max()
    stored = len(workforce[workforce["snapshot_date"] == latest])
    partial = workforce[workforce["snapshot_date"] == latest].head(10)
    partial.to_csv(tmp_path / "workforce.csv", index=False)
    before = dump(settings.database_url)
    with pytest.raises(service.SnapshotExists, match=f"{latest} \\({stored:,} rows stored, 10 in the file\\)"):
        service.import_files(imported, settings, workforce=tmp_path / "workforce.csv")
    assert dump(settings.database_url) == before
    # The same file again changes nothing and is not refused.
    again = service.import_files(imported, settings, workforce=EXAMPLES / "workforce.csv")
    assert again.workforce_rows == 0 and len(again.snapshots_unchanged) == workforce["snapshot_date"].nunique()
    replaced = service.import_files(imported, settings, workforce=tmp_path / "workforce.csv", replace_snapshots=True)
    assert replaced.workforce_rows == 10
    with imported.connect() as con:
        count = con.execute(text("SELECT count(*) FROM workforce_record WHERE snapshot_date = :d"), {"d": latest})
        assert count.scalar() == 10


def test_every_import_is_audited_with_hashes_counts_and_conflicts(imported, settings, tmp_path):
    import hashlib

    frame = _cases()
    frame.loc[0, "person_id"] = "E1099999"
    frame.to_csv(tmp_path / "cases.csv", index=False)
    service.import_files(imported, settings, cases=tmp_path / "cases.csv", actor=ADMIN)
    with imported.connect() as con:
        row = con.execute(text("SELECT actor, detail FROM audit_log WHERE action = 'import' ORDER BY id DESC")).first()
    detail = row[1] if isinstance(row[1], dict) else json.loads(row[1])
    assert row[0] == "ada"
    assert detail["files"][0]["sha256"] == hashlib.sha256((tmp_path / "cases.csv").read_bytes()).hexdigest()
    assert detail["conflicts"] == 1 and detail["conflict_cases"] == [frame.loc[0, "case_id"]]
    assert detail["cases_unchanged"] == 478


def test_first_import_leaves_every_index_in_place(engine, settings):
    """Into empty tables the import builds the secondary indexes after the rows (SQLite); every index the
    models declare is there afterwards, on the workforce rows and on the cases."""
    from sqlalchemy import inspect

    from erreview.models import WorkforceRecord

    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    found = inspect(engine)
    for model in (WorkforceRecord, ErCase):
        table = model.__table__
        declared = {index.name for index in table.indexes}
        assert declared and declared <= {index["name"] for index in found.get_indexes(table.name)}


def test_new_cases_read_back_as_the_file_gave_them_stamped_with_the_import(engine, settings):
    """Cases new to the database go in through the bulk path (more than one multi-row statement on SQLite):
    each reads back through the ORM with the file's values, version 1, who imported it and when."""
    from datetime import UTC, datetime

    from erreview.pseudonym import load_or_create_key, pseudonymise

    before = datetime.now(UTC)
    service.import_files(engine, settings, cases=EXAMPLES / "cases.csv", user="ada")
    after = datetime.now(UTC)
    frame = _cases()
    key = load_or_create_key(settings)
    assert len(frame) > store.ROWS_PER_STATEMENT
    with store.session_scope(engine) as session:
        stored = {c.case_id: c for c in session.execute(select(ErCase)).scalars()}
    assert set(stored) == set(frame["case_id"])
    for row in frame.itertuples(index=False):
        case = stored[row.case_id]
        assert case.person_key == pseudonymise(row.person_id, key)
        assert (case.division, case.band, case.allegation_category) == (row.division, row.band, row.allegation_category)
        for column in ("opened_date", "closed_date", "formal_investigation_date"):
            value = getattr(case, column)
            assert (value.isoformat() if value else "") == getattr(row, column), (row.case_id, column)
        assert (case.version, case.updated_by) == (1, "ada")
        assert case.updated_at is not None
        stamp = case.updated_at if case.updated_at.tzinfo else case.updated_at.replace(tzinfo=UTC)
        assert before <= stamp <= after
