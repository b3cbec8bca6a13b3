"""One targeted test per mutant that once survived the suite (issue #14); each was checked by mutating the
code by hand and watching the test fail."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from erreview import service, store
from erreview.export.writers import neutralise
from erreview.review.screening import NHS_NUMBER, identifiers_in, valid_nhs_number
from erreview.store import workflow as ws
from erreview.store.workflow import StaleEdit

from .conftest import EXAMPLES
from .test_audit import attacker
from .test_workflow import LEAD, NEW, TODAY


def test_the_database_refuses_a_save_from_a_stale_version(engine, settings):
    """Both editors passed the screen's version check; the UPDATE's own ``WHERE version = ...`` decides."""
    from erreview.review.workflow import create_case

    case_id = create_case(engine, settings, NEW, actor=LEAD, today=TODAY)
    with store.session_scope(engine, write=True) as session:
        assert ws.update_case(session, case_id, 1, {"division": "First"}, user="a") == 2
    with pytest.raises(StaleEdit, match="you had version 1"), store.session_scope(engine, write=True) as session:
        ws.update_case(session, case_id, 1, {"division": "Second"}, user="b")
    with store.session_scope(engine) as session:
        case = ws.get_case(session, case_id)
        assert case is not None and (case.division, case.version) == ("First", 2)


def test_the_audit_hash_covers_the_detail(engine):
    service.record_export(engine, user="board", period="2024/25-H2", files=["pack.pdf"])
    service.record_export(engine, user="board", period="2024/25-H2", files=["pack.xlsx"])
    with attacker(engine) as con:
        if con.dialect.name == "postgresql":
            con.execute(text("""UPDATE audit_log SET detail = CAST('{"files": ["other.pdf"]}' AS JSON) WHERE id = 1"""))
        else:
            con.execute(text("""UPDATE audit_log SET detail = '{"files": ["other.pdf"]}' WHERE id = 1"""))
    report = service.verify_audit(engine)
    assert not report.ok and "entry 1 was edited" in (report.reason or "")


@pytest.mark.parametrize("value", ["\tSUM(A1)", "\r=1+1", "\t", "\rx"])
def test_exports_escape_tab_and_carriage_return(value):
    assert neutralise(value) == "'" + value


def test_an_nhs_number_whose_check_digit_is_eleven_counts_as_zero():
    # 9,8,7,6,5,4,3,2,1 weighted 10..2 sums to 330 = 30 x 11: remainder 0, so 11 - 0 = 11, which the
    # standard says becomes a check digit of 0 (worked by hand).
    assert sum(int(d) * w for d, w in zip("987654321", range(10, 1, -1), strict=True)) == 330
    assert valid_nhs_number("9876543210")
    assert identifiers_in("see 987 654 3210 for details") == [NHS_NUMBER]
    assert not valid_nhs_number("9876543211")
    assert not valid_nhs_number("1234567890")  # 11 - 1 = 10: no valid check digit exists for this prefix


def _cases_with(column: str, value: str) -> bytes:
    lines = (EXAMPLES / "cases.csv").read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index(column)] = value
    lines[1] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
@pytest.mark.parametrize("column", ["division", "case_id"])
def test_the_import_refuses_every_formula_start(start, column):
    _, _, report = service.check_files(cases=_cases_with(column, start + "cmd|' /C calc'!A0"), cases_name="cases.csv")
    assert not report.ok
    assert any(p.column == column and "spreadsheet formula" in p.reason for p in report.problems), report.to_text()


@pytest.mark.parametrize("value", ["-2+3+cmd|' /C calc'!A0", "- Surgery", "-1e3", "--5", "-5-5"])
def test_the_import_refuses_text_that_starts_with_a_minus(value):
    _, _, report = service.check_files(cases=_cases_with("division", value), cases_name="cases.csv")
    assert any(p.column == "division" and "spreadsheet formula" in p.reason for p in report.problems), value


@pytest.mark.parametrize("value", ["-5", "-2.5", "Surgery - Theatres", "A-E"])
def test_a_negative_number_or_an_inner_hyphen_is_not_a_formula(value):
    _, _, report = service.check_files(cases=_cases_with("division", value), cases_name="cases.csv")
    assert report.ok, report.to_text()


def test_only_ten_digits_can_be_an_nhs_number():
    assert not valid_nhs_number("987654321")  # nine digits
    assert not valid_nhs_number("98765432100")  # eleven
    assert not valid_nhs_number("98765432a0")  # a letter among ten characters


def test_a_valid_nhs_number_that_looks_like_a_phone_number_is_reported_once():
    # 0,1,2,3,4,5,6,7,8 weighted 10..2 sums to 200 = 18 x 11 + 2, so the check digit is 11 - 2 = 9 (by hand).
    assert valid_nhs_number("0123456789")
    assert identifiers_in("call about 012 345 6789 today") == [NHS_NUMBER]
    assert identifiers_in("NHS 012 345 6789, phone 020 7946 0000") == [NHS_NUMBER, "a UK phone number"]


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ((-1, 10, 1, 10), "a must not be negative, got -1"),
        ((1, -10, 1, 10), "n1 must not be negative, got -10"),
        ((1, 10, -1, 10), "c must not be negative, got -1"),
        ((1, 10, 1, -10), "n2 must not be negative, got -10"),
        ((11, 10, 1, 10), "11 BME events but only 10 BME people"),
        ((1, 10, 11, 10), "11 White events but only 10 White people"),
    ],
)
def test_impossible_counts_are_refused_naming_the_count(counts, message):
    from erreview.metrics.ratio import CountsError, relative_likelihood

    with pytest.raises(CountsError, match=message):
        relative_likelihood(*counts)


def test_a_population_of_one_still_gives_a_ratio():
    from erreview.metrics.ratio import rate, relative_likelihood

    # (1/1) / (1/10) = 10 and (1/10) / (1/1) = 0.1, by hand; only an empty population has no ratio.
    assert relative_likelihood(1, 1, 1, 10).ratio == pytest.approx(10.0)
    assert relative_likelihood(1, 10, 1, 1).ratio == pytest.approx(0.1)
    assert rate(0, 0) is None and rate(3, 4) == 0.75


def test_the_disclosure_checker_finds_a_recoverable_count():
    """A published total of 10 and a published part of 7 give away the hidden part: 10 - 7 = 3 exactly."""
    from erreview.export.disclosure import Problem, Range, audit, total_of

    values = {"total": 10, "a": 3, "b": 7}
    relations = [total_of("total", ["a", "b"])]
    leaky = audit(Problem(values, {"total", "b"}, relations), 7)
    assert leaky.ranges["a"] == Range(3, 3)
    assert leaky.failures == ["a"] and not leaky.ok
    # Hide both parts and a reader only knows they add up to 10, each a `*` and so at least 1: anything 1 to 9.
    safe = audit(Problem(values, {"total"}, relations), 7)
    assert safe.ranges["a"] == Range(1, 9) and safe.ranges["b"] == Range(1, 9)
    assert safe.failures == [] and safe.ok
