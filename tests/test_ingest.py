"""Import: every rule of contract §2, every problem at once, atomic, pseudonymised."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from erreview import service, store
from erreview.ingest import validate_cases, validate_workforce
from erreview.problems import ImportRejected
from erreview.vocab import CASE_COLUMNS

from .conftest import EXAMPLES, import_examples
from .pg import database_url

TODAY = date(2026, 1, 1)
GOOD = {
    "case_id": "ER-1",
    "person_id": "P1",
    "ethnic_category": "A",
    "gender": "female",
    "band": "Band 5",
    "staff_group": "Admin and Clerical",
    "division": "Corporate",
    "case_type": "disciplinary",
    "allegation_category": "behaviour",
    "referral_source": "manager",
    "opened_date": "2025-01-02",
    "initial_route": "formal",
    "route_date": "2025-01-05",
    "formal_investigation_date": "2025-01-10",
    "restriction": "suspended",
    "investigation_outcome": "hearing",
    "sanction": "dismissal",
    "appeal_outcome": "not_upheld",
    "regulator_referral": "yes",
    "closed_date": "2025-06-01",
}


def case_frame(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c, "") for c in CASE_COLUMNS} for r in rows], dtype=str)


def problems_of(*rows: dict[str, str]) -> list[tuple[int | None, str | None, str]]:
    _, problems = validate_cases(case_frame(*rows), today=TODAY)
    return [(p.row, p.column, p.reason) for p in problems]


def test_a_complete_valid_case_has_no_problems():
    assert problems_of(GOOD) == []


@pytest.mark.parametrize(
    ("change", "column", "reason_part"),
    [
        ({"ethnic_category": "X"}, "ethnic_category", "not an NHS ethnic category"),
        ({"gender": "woman"}, "gender", "gender must be one of"),
        ({"case_type": "conduct"}, "case_type", "must be one of"),
        ({"opened_date": "02/01/2025"}, "opened_date", "YYYY-MM-DD"),
        ({"opened_date": "2025-02-30"}, "opened_date", "no such day"),
        ({"closed_date": "2027-01-01"}, "closed_date", "in the future"),
        ({"route_date": "2024-12-01"}, "route_date", "route_date is before opened_date"),
        ({"formal_investigation_date": "2025-01-04"}, "formal_investigation_date", "before route_date"),
        ({"closed_date": "2025-01-06"}, "closed_date", "before formal_investigation_date"),
        (
            {"initial_route": "informal", "restriction": "", "investigation_outcome": "", "sanction": ""},
            "formal_investigation_date",
            "only allowed when initial_route is formal",
        ),
        ({"formal_investigation_date": "", "closed_date": ""}, "formal_investigation_date", "required when"),
        ({"route_date": ""}, "route_date", "required when initial_route is set"),
        ({"investigation_outcome": "no_case_to_answer"}, "sanction", "hearing or fast_track"),
        ({"band": ""}, "band", "a value is required"),
        ({"regulator_referral": "maybe"}, "regulator_referral", "must be one of"),
    ],
)
def test_each_rule(change, column, reason_part):
    found = problems_of(GOOD | change)
    assert any(c == column and reason_part in r for _, c, r in found), found


@pytest.mark.parametrize("column", ["restriction", "investigation_outcome", "sanction"])
def test_formal_only_columns(column):
    row = (
        GOOD
        | {
            "initial_route": "informal",
            "formal_investigation_date": "",
            "restriction": "",
            "investigation_outcome": "",
            "sanction": "",
        }
        | {column: {"restriction": "suspended", "investigation_outcome": "hearing", "sanction": "no_action"}[column]}
    )
    found = problems_of(row)
    assert (2, column, f"{column} is only allowed on formal cases (initial_route is not formal)") in found


def test_values_are_case_insensitive_and_trimmed():
    row = GOOD | {"gender": "F", "case_type": " Disciplinary ", "ethnic_category": "lh Asian British"}
    clean, problems = validate_cases(case_frame(row), today=TODAY)
    assert problems == []
    assert clean.loc[0, "case_type"] == "disciplinary"
    assert clean.loc[0, "gender"] == "female"
    assert clean.loc[0, "broad_group"] == "Asian"


def test_duplicate_case_id_names_the_first_row():
    found = problems_of(GOOD, GOOD | {"person_id": "P2"})
    assert (3, "case_id", "duplicate case_id (first seen in row 2)") in found


def test_unknown_and_missing_columns():
    frame = case_frame(GOOD).assign(name="Jane Doe", email="x@example.org").drop(columns=["opened_date"])
    _, problems = validate_cases(frame, today=TODAY)
    columns = {(p.column, p.reason.split(":")[0]) for p in problems}
    assert ("name", "unknown column") in columns
    assert ("email", "unknown column") in columns
    assert ("opened_date", "required column is missing from the header") in columns


def test_workforce_rules():
    frame = pd.DataFrame(
        [
            {
                "snapshot_date": "2025-03-31",
                "person_id": "1",
                "ethnic_category": "A",
                "gender": "M",
                "band": "Band 5",
                "staff_group": "Medical and Dental",
                "division": "Surgery",
            },
            {
                "snapshot_date": "2025-13-01",
                "person_id": "",
                "ethnic_category": "Q",
                "gender": "x",
                "band": " ",
                "staff_group": "S",
                "division": "D",
            },
        ],
        dtype=str,
    ).apply(lambda c: c.str.strip())
    _, problems = validate_workforce(frame, today=TODAY)
    assert {(p.row, p.column) for p in problems} == {
        (3, "snapshot_date"),
        (3, "person_id"),
        (3, "ethnic_category"),
        (3, "gender"),
        (3, "band"),
    }
    person = next(p for p in problems if p.column == "person_id")
    assert person.value is None  # identifiers are never echoed, even when blank


BROKEN = Path(__file__).parent / "data" / "broken_cases.csv"


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order (works on SQLite and PostgreSQL)."""
    from sqlalchemy import MetaData, create_engine, select

    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as con:
        for name, table in sorted(meta.tables.items()):
            rows = con.execute(select(table)).all()
            out[name] = sorted(tuple(map(str, r)) for r in rows)
    engine.dispose()
    return out


def test_invalid_file_lists_every_problem_and_changes_nothing(cli, tmp_path):
    url = database_url(tmp_path, "atomic.db")
    import_examples(cli, url)
    before = dump(url)
    result = cli.invoke(
        service_app(),
        ["--db", url, "import", "--cases", str(BROKEN), "--workforce", str(EXAMPLES / "workforce.csv")],
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    report = result.stderr
    for expected in [
        "row 2, column ethnic_category (value 'Q9'): not an NHS ethnic category code",
        "row 3, column formal_investigation_date (value '2024-05-01'): formal_investigation_date is before route_date",
        "row 4, column formal_investigation_date (value '2024-06-10'): formal_investigation_date is only allowed",
        "row 5, column case_id (value 'ER-B1'): duplicate case_id (first seen in row 2)",
        "column name: unknown column",
    ]:
        assert expected in report, report
    assert "5 problem(s) found; nothing was imported." in report
    assert dump(url) == before


def service_app():
    from erreview.cli import app

    return app


def test_reimport_updates_a_case_and_bumps_its_version(engine, settings, tmp_path):
    path = tmp_path / "c.csv"
    case_frame(GOOD).to_csv(path, index=False)
    first = service.import_files(engine, settings, cases=path, today=TODAY)
    assert (first.cases_inserted, first.cases_updated) == (1, 0)
    case_frame(GOOD | {"sanction": "final_written_warning"}).to_csv(path, index=False)
    second = service.import_files(engine, settings, cases=path, today=TODAY)
    assert (second.cases_inserted, second.cases_updated) == (0, 1)
    with store.session_scope(engine) as session:
        cases = store.cases_frame(session)
        from erreview.models import ErCase

        version = session.get(ErCase, "ER-1").version
    assert cases["sanction"].tolist() == ["final_written_warning"]
    assert version == 2


def test_reimport_of_a_snapshot_replaces_it(engine, settings):
    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv")
    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv")
    with store.session_scope(engine) as session:
        heads = store.snapshot_headcounts(session)
    assert heads["headcount"].sum() == 13750 - _duplicate_person_rows()


def _duplicate_person_rows() -> int:
    frame = pd.read_csv(EXAMPLES / "workforce.csv", dtype=str)
    return int(frame.duplicated(["snapshot_date", "person_id"]).sum())


def test_database_holds_no_raw_person_id(cli, tmp_path):
    url = database_url(tmp_path, "private.db")
    result = cli.invoke(
        service_app(),
        ["--db", url, "import", "--workforce", str(EXAMPLES / "workforce.csv"), "--cases", str(EXAMPLES / "cases.csv")],
    )
    assert result.exit_code == 0, result.stderr
    raw_ids = set(pd.read_csv(EXAMPLES / "workforce.csv", dtype=str)["person_id"]) | set(
        pd.read_csv(EXAMPLES / "cases.csv", dtype=str)["person_id"]
    )
    stored = " ".join(" ".join(" ".join(row) for row in rows) for rows in dump(url).values())
    assert [raw for raw in raw_ids if raw in stored] == []
    if url.startswith("sqlite"):  # and not in the file's free pages or journal either
        blob = b"".join(p.read_bytes() for p in tmp_path.glob("private.db*"))
        assert [raw for raw in raw_ids if raw.encode() in blob] == []
    assert raw_ids.isdisjoint(result.stdout.split()) and raw_ids.isdisjoint(result.stderr.split())


def test_same_id_same_pseudonym_across_files(engine, settings):
    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    with store.session_scope(engine) as session:
        cases = store.cases_frame(session)
        entries = store.formal_disciplinary_entries(session)
    assert len(entries) > 0
    workforce_keys = {row[2] for row in dump(settings.database_url)["workforce_record"]}
    # Most case subjects are in some snapshot (leavers aside): pseudonyms must line up across files.
    assert len(set(cases["person_key"]) & workforce_keys) / cases["person_key"].nunique() > 0.8


def test_import_rejected_carries_the_report(engine, settings):
    with pytest.raises(ImportRejected) as info:
        service.import_files(engine, settings, cases=BROKEN)
    assert len(info.value.report.problems) == 5


# --- contract v2 columns: suspension dates, complaint outcomes, new sanctions ---------------------------

SUSPENDED = GOOD | {"suspension_start_date": "2025-01-12", "suspension_end_date": "2025-03-01"}
GRIEVANCE = GOOD | {
    "case_type": "grievance",
    "initial_route": "",
    "route_date": "",
    "formal_investigation_date": "",
    "restriction": "",
    "investigation_outcome": "",
    "sanction": "",
    "appeal_outcome": "",
    "regulator_referral": "",
    "complaint_outcome": "partially_upheld",
}


@pytest.mark.parametrize(
    "row",
    [
        SUSPENDED,
        SUSPENDED | {"suspension_end_date": ""},  # still suspended
        GOOD | {"sanction": "formal_verbal_warning"},
        GOOD | {"sanction": "Action_Short_Of_Dismissal"},
        GRIEVANCE,
        GRIEVANCE | {"case_type": "bullying_harassment", "complaint_outcome": "withdrawn"},
    ],
)
def test_v2_valid_rows(row):
    assert problems_of(row) == []


@pytest.mark.parametrize(
    ("change", "column", "reason_part"),
    [
        ({"suspension_start_date": "2025-01-04"}, "suspension_start_date", "before route_date"),
        ({"suspension_end_date": "2025-01-11"}, "suspension_end_date", "before suspension_start_date"),
        ({"suspension_end_date": "2025-07-01"}, "closed_date", "before suspension_end_date"),
        ({"restriction": "restricted_duties"}, "suspension_start_date", "only allowed when restriction is suspended"),
        ({"restriction": "none"}, "suspension_end_date", "only allowed when restriction is suspended"),
        ({"suspension_start_date": "2025-13-01"}, "suspension_start_date", "YYYY-MM-DD"),
        ({"complaint_outcome": "upheld"}, "complaint_outcome", "only allowed on grievance and bullying_harassment"),
        ({"sanction": "verbal_warning"}, "sanction", "must be one of"),
    ],
)
def test_v2_rules(change, column, reason_part):
    found = problems_of(SUSPENDED | change)
    assert any(c == column and reason_part in r for _, c, r in found), found


def test_v2_complaint_outcome_vocabulary():
    found = problems_of(GRIEVANCE | {"complaint_outcome": "resolved"})
    assert any(c == "complaint_outcome" and "must be one of" in r for _, c, r in found), found


def test_a_v1_file_without_the_v2_columns_still_imports():
    v1 = [c for c in CASE_COLUMNS if c not in ("suspension_start_date", "suspension_end_date", "complaint_outcome")]
    frame = pd.DataFrame([{c: GOOD[c] for c in v1}], dtype=str)
    _, problems = validate_cases(frame, today=TODAY)
    assert problems == []


def test_edge_cases_import_alone_and_keep_the_v2_columns(cli, tmp_path):
    from erreview.cli import app

    url = database_url(tmp_path, "edge.db")
    result = cli.invoke(app, ["--db", url, "import", "--cases", str(EXAMPLES / "edge_cases.csv")])
    assert result.exit_code == 0, result.stderr
    raw = pd.read_csv(EXAMPLES / "edge_cases.csv", dtype=str, keep_default_na=False)
    engine = store.make_engine(url)
    try:
        with store.session_scope(engine) as session:
            stored = store.cases_frame(session).set_index("case_id").sort_index()
    finally:
        engine.dispose()
    raw = raw.set_index("case_id").sort_index()
    assert len(stored) == len(raw)
    for column in ("suspension_start_date", "suspension_end_date"):
        expected = raw[column].replace("", None)
        got = stored[column].dt.strftime("%Y-%m-%d").where(stored[column].notna(), None)
        assert got.tolist() == expected.tolist(), column
        assert expected.notna().any(), f"the edge file has {column} values"
    assert (stored["complaint_outcome"].fillna("") == raw["complaint_outcome"].str.lower()).all()
    assert set(stored["sanction"].dropna()) == set(raw["sanction"].replace("", None).dropna())
