"""Production grade: tampering, crashes, hostile input, secrets, concurrent edits, backups."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import text

from erreview import service, store
from erreview.cli import app
from erreview.config import Settings, UnsafeSettings, check_production
from erreview.problems import ImportRejected
from erreview.pseudonym import PseudonymKeyError, load_or_create_key
from erreview.review.lifecycle import Action
from erreview.review.roles import Role
from erreview.store import audit
from erreview.store.workflow import StaleEdit

from .conftest import EXAMPLES
from .test_ingest import dump
from .test_workflow import LEAD, NEW, PANEL, TODAY, make_accounts, referred_case, review

HEADER = (EXAMPLES / "cases.csv").read_text().splitlines()[0]


# --- the audit chain ----------------------------------------------------------------------------------


def _chain(engine, settings, rules):
    case_id, _ = referred_case(engine, settings, rules)
    from erreview.review.workflow import submit_review

    submit_review(engine, rules, case_id, review(), actor=PANEL)
    return case_id


@pytest.fixture(autouse=True)
def _accounts(request) -> None:
    """Panel members are accounts (reviews name them); only for tests that have a database."""
    if "engine" in request.fixturenames:
        make_accounts(request.getfixturevalue("engine"))


@pytest.fixture
def rules(settings):
    from erreview.review.workflow import Rules

    return Rules.from_settings(settings)


def test_exports_users_and_settings_are_audited(engine, settings):
    from erreview.auth import add_user

    add_user(engine, username="x@trust.example", role=Role.BOARD_VIEWER, by="admin")
    service.change_setting(engine, settings, "min_group_size", "12", user="admin")
    service.record_export(engine, user="board", period="2024/25-H2", files=["pack.pdf"])
    with store.session_scope(engine) as session:
        actions = [e.action for e in session.execute(text("SELECT action FROM audit_log ORDER BY id"))]
        assert audit.verify_chain(session).ok
    assert actions == ["user.create", "setting.change", "export.review_pack"]


# --- concurrent edits ---------------------------------------------------------------------------------


def test_two_sessions_editing_one_case_the_second_is_refused(engine, settings, rules):
    from erreview.review.workflow import case_detail, create_case, transition

    case_id = create_case(engine, settings, NEW, actor=LEAD, today=TODAY)
    other_engine = store.make_engine(settings.database_url)  # a second app instance
    seen_by_a = case_detail(engine, case_id, actor=LEAD).case["version"]
    seen_by_b = case_detail(other_engine, case_id, actor=LEAD).case["version"]
    transition(engine, rules, case_id, Action.START_ASSESSMENT, actor=LEAD, expected_version=seen_by_a, today=TODAY)
    with pytest.raises(StaleEdit, match="changed by someone else"):
        transition(
            other_engine, rules, case_id, Action.START_ASSESSMENT, actor=LEAD, expected_version=seen_by_b, today=TODAY
        )
    other_engine.dispose()


def test_two_panels_correcting_one_review_the_second_is_refused(engine, settings, rules):
    from erreview.models import PanelReview
    from erreview.review.workflow import ReviewRejected, submit_review
    from erreview.store import workflow as ws

    case_id, _ = referred_case(engine, settings, rules)
    first = submit_review(engine, rules, case_id, review(), actor=PANEL)

    def correction(by: str) -> PanelReview:
        return PanelReview(
            case_id=case_id,
            step="formal_investigation",
            template_id="panel_precheck",
            template_version=1,
            members=[],
            answers={},
            decision="proceed",
            rationale="x" * 30,
            submitted_at=ws.now(),
            submitted_by=by,
            supersedes_id=first,
            review_version=2,
        )

    # Both read "not yet corrected"; the database's unique constraint decides the race.
    with store.session_scope(engine) as session:
        ws.add_review(session, correction("p2"))
    with pytest.raises(ReviewRejected, match=r"(already|just) been corrected"):
        submit_review(engine, rules, case_id, review("divert_informal", supersedes_id=first), actor=PANEL)
    with pytest.raises(StaleEdit, match="just been corrected"), store.session_scope(engine) as session:
        ws.add_review(session, correction("p3"))


# --- crash safety -------------------------------------------------------------------------------------


# The crash tests (a kill at known points inside the transaction) are in test_crash.py.


# --- hostile input ------------------------------------------------------------------------------------


def _check(data: bytes, name: str = "cases.csv"):
    _, _, report = service.check_files(cases=data, cases_name=name, today=date(2026, 1, 1))
    return report


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary junk\xff" * 100, "not text"),
        ("case_id,person_id\n1,Ä\n".encode("latin-1"), "not UTF-8"),
        (b"\xef\xbb\xbf" + HEADER.encode() + b"\n", "no data rows"),
        (b"1,2,3\n4,5,6\n", "required column is missing"),
        (HEADER.encode() + b"\n" + b"A" * 200_000 + b"," * 19 + b"\n", "longer than 100 characters"),
        (HEADER.encode() + b'\n"unterminated,1,2\n', "not well-formed CSV"),
        (b",,,\n,,,\n", "the first row must be the header"),
        (HEADER.encode() + b",case_id\n", "appears twice"),
        (b"PK\x03\x04 not really a workbook", "workbook cannot be read"),
    ],
)
def test_broken_files_give_a_clear_error_never_a_traceback(data, reason):
    report = _check(data)
    assert not report.ok
    assert reason in report.to_text(), report.to_text()


def test_a_bom_is_fine(engine, settings, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "cases.csv").read_bytes())
    assert service.import_files(engine, settings, cases=path).cases_inserted == 479


def test_formula_cells_are_refused(tmp_path):
    text_ = (EXAMPLES / "cases.csv").read_text().splitlines()
    text_[1] = text_[1].replace("Corporate", "=cmd|' /C calc'!A0", 1)
    report = _check(("\n".join(text_) + "\n").encode())
    assert "looks like a spreadsheet formula" in report.to_text()


def test_excel_uploads_are_read_and_checked_the_same_way(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    rows = [line.split(",") for line in (EXAMPLES / "cases.csv").read_text().splitlines()[:6]]
    for row in rows:
        sheet.append(row)
    sheet["G3"] = "=1+1"  # a formula cell in the division column
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = _check(buffer.getvalue(), "cases.xlsx")
    assert [(p.row, p.column) for p in report.problems] == [(3, "division")]


def test_a_huge_file_is_refused_before_it_is_read(tmp_path, engine, settings):
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:  # a sparse 1.1 GB file: instant to make, never read
        fh.truncate(1_100 * 1024**2)
    with pytest.raises(ImportRejected, match="larger than the 1024 MB limit"):
        service.import_files(engine, settings, cases=path)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=3000),
        st.text(max_size=3000).map(str.encode),
        st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=22), max_size=8).map(
            lambda rows: (HEADER + "\n" + "\n".join(",".join(r) for r in rows)).encode()
        ),
    )
)
def test_any_bytes_give_a_report_not_an_exception(data):
    report = _check(data)
    assert report.ok or report.to_text().startswith(f"{len(report.problems)} problem(s) found")


# --- secrets and keys ---------------------------------------------------------------------------------


def test_production_mode_refuses_to_run_without_a_key(tmp_path):
    prod = Settings(mode="production", key_file=tmp_path / "missing.key", database_url="sqlite:///x.db")
    with pytest.raises(UnsafeSettings, match="needs the pseudonym key"):
        check_production(prod)
    with pytest.raises(PseudonymKeyError, match="never creates one"):
        load_or_create_key(prod)
    check_production(
        Settings(
            mode="production",
            pseudonym_key="a-real-secret-key-123456",
            cookie_secret="hQ3v9Zk_2mB7xL0pR4tW8yC1nE6sA5dF-gJ2kH9uVbM",
            database_url="sqlite://x",
        )
    )


def test_production_mode_refuses_the_cli_and_the_demo(cli, tmp_path):
    env = {
        "ERREVIEW_MODE": "production",
        "ERREVIEW_KEY_FILE": str(tmp_path / "none.key"),
        "ERREVIEW_PSEUDONYM_KEY": None,
    }
    result = cli.invoke(app, ["wres"], env=env)
    assert result.exit_code != 0 and "needs the pseudonym key" in result.stderr
    result = cli.invoke(app, ["demo", "--load-only"], env={"ERREVIEW_MODE": "production"})
    assert result.exit_code != 0 and "not available in production mode" in result.stderr


def test_the_key_file_is_private_and_stable(tmp_path):
    settings = Settings(key_file=tmp_path / "k" / "pseudonym.key")
    first = load_or_create_key(settings)
    assert oct((tmp_path / "k" / "pseudonym.key").stat().st_mode & 0o777) == "0o600"
    assert load_or_create_key(settings) == first


def test_an_import_under_a_different_key_is_refused(engine, settings, tmp_path):
    service.import_files(engine, settings, cases=EXAMPLES / "cases.csv")
    other = settings.model_copy(update={"pseudonym_key": __import__("pydantic").SecretStr("another-key-entirely-123")})
    with pytest.raises(store.KeyMismatch, match="turn each person into two"):
        service.import_files(engine, other, cases=EXAMPLES / "cases.csv")


def test_no_raw_identifier_in_logs(engine, settings, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    service.import_files(engine, settings, workforce=EXAMPLES / "workforce.csv", cases=EXAMPLES / "cases.csv")
    assert "E1013658" not in caplog.text and "E10" not in caplog.text


# --- backups ------------------------------------------------------------------------------------------


def test_backup_and_restore_round_trip(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    assert cli.invoke(app, ["--db", url, "import", "--cases", str(EXAMPLES / "cases.csv")]).exit_code == 0
    before = dump(url)
    assert cli.invoke(app, ["--db", url, "backup", "--out", str(tmp_path / "b.db")]).exit_code == 0
    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    result = cli.invoke(app, ["--db", restored, "restore", str(tmp_path / "b.db")])
    assert result.exit_code == 0, result.stderr
    assert dump(restored) == before
    again = cli.invoke(app, ["--db", restored, "restore", str(tmp_path / "b.db")])
    assert again.exit_code != 0 and "already holds cases" in again.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    bad = cli.invoke(app, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "restore", str(junk)])
    assert bad.exit_code != 0 and "not a readable SQLite database" in bad.stderr


def test_backup_into_a_missing_folder_is_a_plain_error(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    assert cli.invoke(app, ["--db", url, "import", "--cases", str(EXAMPLES / "cases.csv")]).exit_code == 0
    result = cli.invoke(app, ["--db", url, "backup", "--out", str(tmp_path / "nodir" / "b.db")])
    assert result.exit_code != 0
    assert "there is no folder" in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_backup_refuses_postgresql_with_guidance(cli):
    result = cli.invoke(app, ["--db", "postgresql+psycopg://u@127.0.0.1:1/x", "backup", "--out", "x.db"])
    assert result.exit_code != 0 and "pg_dump" in result.stderr
