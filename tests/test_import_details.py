"""Details of import validation the journeys in test_ingest.py and test_files.py do not pin down: what a
refused workbook's problem says (which file, how big), where the compression-ratio rule starts, and the report
rows a screen shows (written from mutation testing, issue #14)."""

from __future__ import annotations

import io
import zipfile

import pytest

from erreview.problems import ImportReport, Problem
from erreview.readers import FileUnreadable, read_table

MiB = 1024**2


def _workbook(member_bytes: int) -> bytes:
    """A zip that claims to be a workbook: one sheet of ``member_bytes`` zeros (it compresses about 1000 to 1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * member_bytes)
    return out.getvalue()


def _refusal(data: bytes, **kwargs: int) -> Problem:
    with pytest.raises(FileUnreadable) as refused:
        read_table(data, name="cases.xlsx", **kwargs)
    return refused.value.problem


def test_a_workbook_too_big_unpacked_is_refused_naming_the_file_and_its_size():
    data = _workbook(5 * MiB)
    # a 40 KB upload limit allows 100 times that unpacked: 4,194,300 bytes, "4 MB" rounded down to 3
    problem = _refusal(data, max_bytes=MiB // 25)
    assert problem.file == "cases.xlsx" and problem.row is None
    assert problem.reason.startswith("the workbook unpacks to 5 MB, more than the 3 MB limit"), problem.reason


def test_a_highly_compressed_sheet_is_refused_naming_the_file_and_the_ratio():
    data = _workbook(2 * MiB)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (member,) = archive.infolist()
    problem = _refusal(data)
    assert problem.file == "cases.xlsx"
    ratio = member.file_size // member.compress_size
    assert ratio > 100
    assert problem.reason.startswith(f"the workbook is compressed {ratio:,} to 1"), problem.reason


def test_the_ratio_rule_applies_to_sheets_over_one_megabyte():
    """A sheet of exactly 1 MiB may compress any amount; one byte more at over 100 to 1 is a zip bomb."""
    over = _refusal(_workbook(MiB + 1))
    assert "zip bomb" in over.reason
    at_the_limit = _refusal(_workbook(MiB))  # not a real workbook either, but refused for that, not as a bomb
    assert "zip bomb" not in at_the_limit.reason and "cannot be read" in at_the_limit.reason


def test_a_problem_reads_as_a_sentence_and_as_a_table_row():
    problem = Problem(file="cases.csv", row=7, column="gender", value="x" * 61, reason="not a gender")
    assert str(problem) == f"cases.csv, row 7, column gender (value '{'x' * 60}…'): not a gender"
    assert problem.as_dict() == {
        "file": "cases.csv",
        "row": 7,
        "column": "gender",
        "value": "x" * 61,
        "reason": "not a gender",
    }
    whole_file = Problem(file="w.csv", row=None, column=None, value=None, reason="the file is empty")
    assert str(whole_file) == "w.csv: the file is empty"
    assert whole_file.as_dict() == {
        "file": "w.csv",
        "row": None,
        "column": None,
        "value": None,
        "reason": "the file is empty",
    }


def test_a_report_lists_its_problems_by_file_then_row():
    report = ImportReport()
    assert report.ok
    report.extend(
        [
            Problem("w.csv", 3, "band", "9", "unknown band"),
            Problem("c.csv", 10, "gender", "q", "not a gender"),
            Problem("c.csv", None, "x", None, "unknown column"),
            Problem("c.csv", 2, "gender", "q", "not a gender"),
            Problem("c.csv", 2, "band", "z", "unknown band"),
            Problem("c.csv", None, None, None, "the file has a header but no data rows"),
        ]
    )
    assert not report.ok
    # file, then row (whole-file problems first), then column (none first), then reason
    assert report.to_text().splitlines() == [
        "6 problem(s) found; nothing was imported.",
        "  c.csv: the file has a header but no data rows",
        "  c.csv, column x: unknown column",
        "  c.csv, row 2, column band (value 'z'): unknown band",
        "  c.csv, row 2, column gender (value 'q'): not a gender",
        "  c.csv, row 10, column gender (value 'q'): not a gender",
        "  w.csv, row 3, column band (value '9'): unknown band",
    ]


def test_a_workbook_s_date_cells_read_as_iso_dates_and_numbers_as_written():
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Person_ID", "opened_date", "band"])
    sheet.append([12345, datetime.datetime(2024, 3, 31), "Band 5"])
    sheet.append([None, datetime.date(2024, 4, 1), 2.5])
    buffer = io.BytesIO()
    book.save(buffer)
    frame = read_table(buffer.getvalue(), name="cases.xlsx")
    assert frame.to_dict("records") == [
        {"person_id": "12345", "opened_date": "2024-03-31", "band": "Band 5"},
        {"person_id": "", "opened_date": "2024-04-01", "band": "2.5"},
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"  \n\n", "the file is empty"),
        (b"case_id,,gender\nER-1,x,female\n", "a column in the header row has no name"),
        (b"case_id,Gender,gender\nER-1,f,female\n", "the column appears twice in the header"),
    ],
)
def test_a_csv_refused_as_a_whole_says_why(data, reason):
    with pytest.raises(FileUnreadable) as refused:
        read_table(data, name="cases.csv")
    assert (refused.value.problem.file, refused.value.problem.row, refused.value.problem.reason) == (
        "cases.csv",
        None,
        reason,
    )


def _workforce(**columns: object):  # type: ignore[no-untyped-def]
    import pandas as pd

    row = {
        "snapshot_date": "2024-03-31",
        "person_id": "E1",
        "ethnic_category": "A",
        "gender": "female",
        "band": "Band 5",
        "staff_group": "Nursing and Midwifery Registered",
        "division": "Surgery",
    }
    frame = pd.DataFrame([row, row | {"person_id": "E2"}])
    for name, values in columns.items():
        frame[name] = values
    return frame


def test_a_missing_cell_in_a_categorical_workforce_column_is_a_missing_value():
    """A reader may hand over categorical columns with gaps (NaN): the gap is an empty, required value."""
    import datetime

    import pandas as pd

    from erreview.ingest import MISSING, validate_workforce

    frame = _workforce(band=pd.Categorical(["Band 5", None]))
    _, problems = validate_workforce(frame, today=datetime.date(2025, 1, 1))
    assert [(p.file, p.row, p.column, p.reason) for p in problems] == [("workforce.csv", 3, "band", MISSING)]


def test_a_workforce_file_s_own_problems_name_it_and_judge_dates_against_the_given_day():
    import datetime

    from erreview.ingest import FUTURE_DATE, UNKNOWN_COLUMN, validate_workforce

    frame = _workforce(snapshot_date=["2024-03-31", "2024-09-30"], notes=["", ""])
    _, problems = validate_workforce(frame, today=datetime.date(2024, 6, 30))
    assert [(p.file, p.row, p.column, p.reason) for p in problems] == [
        ("workforce.csv", None, "notes", UNKNOWN_COLUMN),
        ("workforce.csv", 3, "snapshot_date", FUTURE_DATE),
    ]
    _, header_only = validate_workforce(frame.iloc[0:0], file="w.csv")
    assert [(p.file, p.column, p.reason) for p in header_only] == [
        ("w.csv", "notes", UNKNOWN_COLUMN),
        ("w.csv", None, "the file has a header but no data rows"),
    ]


def _xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_workbook_cell_whose_text_is_nan_or_none_stays_that_text_as_in_a_csv():
    """Only an empty cell is a missing value: the text "nan" (or "None", "NaT") is kept, exactly as the CSV reader
    keeps it, so the checks judge it like any other value instead of it vanishing into an empty cell."""
    rows = [["person_id", "note", "other"], ["nan", "None", None], ["NaT", "", "x"]]
    csv_text = b"person_id,note,other\nnan,None,\nNaT,,x\n"
    expected = [
        {"person_id": "nan", "note": "None", "other": ""},
        {"person_id": "NaT", "note": "", "other": "x"},
    ]
    assert read_table(_xlsx(rows), name="w.xlsx").to_dict("records") == expected
    assert read_table(csv_text, name="w.csv").to_dict("records") == expected


def test_a_workbook_date_or_code_written_as_nan_is_refused_naming_row_field_and_value():
    import datetime

    from erreview.ingest import NOT_A_DATE, validate_cases

    from .test_ingest import GOOD

    columns = list(GOOD)
    good = [GOOD[c] for c in columns]
    bad = [GOOD[c] for c in columns]
    bad[columns.index("case_id")] = "ER-2"
    bad[columns.index("closed_date")] = "nan"
    bad[columns.index("gender")] = "nan"
    frame = read_table(_xlsx([columns, good, bad]), name="cases.xlsx")
    _, problems = validate_cases(frame, file="cases.xlsx", today=datetime.date(2026, 1, 1))
    found = {(p.file, p.row, p.column, p.value) for p in problems}
    assert ("cases.xlsx", 3, "closed_date", "nan") in found
    assert ("cases.xlsx", 3, "gender", "nan") in found
    assert all(p.row == 3 for p in problems)
    assert any(p.column == "closed_date" and NOT_A_DATE in p.reason for p in problems)


def test_a_well_formed_csv_s_values_are_trimmed_and_equal_values_merge():
    frame = read_table(b"person_id,band\nP1, Band 5\nP2,Band 5 \nP3,Band 6\nP4,  Band 6  \n", name="w.csv")
    assert frame.to_dict("records") == [
        {"person_id": "P1", "band": "Band 5"},
        {"person_id": "P2", "band": "Band 5"},
        {"person_id": "P3", "band": "Band 6"},
        {"person_id": "P4", "band": "Band 6"},
    ]
    assert list(frame["band"].cat.categories) == ["Band 5", "Band 6"]


def test_a_workforce_file_s_value_problems_name_the_file_given():
    import datetime

    from erreview.ingest import validate_workforce

    frame = _workforce(gender=["female", "q"])
    _, problems = validate_workforce(frame, file="w.csv", today=datetime.date(2025, 1, 1))
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [("w.csv", 3, "gender", "q")]


def test_a_quoted_value_with_a_line_break_is_read_by_the_fast_reader():
    """A CSV whose data rows quote a value with a line break is still read by Arrow (categorical columns, the
    memory-light form a two-million-row workforce extract needs), not handed to the slower pandas reader; a file
    of several of Arrow's 1 MB blocks, so a block boundary falls inside a quoted value."""
    import pandas as pd

    rows = 100_000
    data = b"person_id,note\n" + b"".join(b'P%d,"two\nlines"\n' % i for i in range(rows))
    frame = read_table(data, name="w.csv")
    assert len(frame) == rows
    assert frame["person_id"].iloc[-1] == f"P{rows - 1}"
    assert set(frame["note"]) == {"two\nlines"}
    assert all(isinstance(frame[c].dtype, pd.CategoricalDtype) for c in frame.columns)


def test_a_file_of_exactly_the_size_limit_is_read_and_one_byte_more_is_refused(tmp_path):
    data = b"person_id,band\nP1,Band 5\n"
    path = tmp_path / "w.csv"
    path.write_bytes(data)
    assert read_table(path, max_bytes=len(data)).to_dict("records") == [{"person_id": "P1", "band": "Band 5"}]
    assert read_table(data, name="w.csv", max_bytes=len(data)).to_dict("records") == [
        {"person_id": "P1", "band": "Band 5"}
    ]
    for source in (path, data):
        with pytest.raises(FileUnreadable):
            read_table(source, name="w.csv", max_bytes=len(data) - 1)


def test_a_file_over_the_limit_is_refused_naming_the_limit_in_megabytes(tmp_path):
    data = b"person_id\n" + b"P1\n" * (2 * 1024**2 // 3 + 1)
    path = tmp_path / "w.csv"
    path.write_bytes(data)
    for source in (path, data):
        with pytest.raises(FileUnreadable) as refused:
            read_table(source, name="w.csv", max_bytes=2 * 1024**2)
        assert (refused.value.problem.file, refused.value.problem.reason) == (
            "w.csv",
            "the file is larger than the 2 MB limit",
        )


def test_a_damaged_workbook_is_refused_naming_the_file(tmp_path):
    damaged = b"PK\x03\x04" + b"not really a workbook"
    path = tmp_path / "staff.xlsx"
    path.write_bytes(damaged)
    for source in (path, damaged):
        with pytest.raises(FileUnreadable) as refused:
            read_table(source, name="staff.xlsx")
        assert refused.value.problem.file == "staff.xlsx"
        assert refused.value.problem.reason.startswith("the workbook cannot be read")


def test_every_cross_field_rule_names_the_file_given_and_says_what_is_wrong():
    """Each rule tying fields together reports its own sentence against the file being imported."""
    import datetime

    from erreview.ingest import validate_cases

    from .test_ingest import GOOD, case_frame

    rows = [
        GOOD | {"case_id": "ER-1", "route_date": ""},
        GOOD
        | {
            "case_id": "ER-2",
            "initial_route": "",
            "formal_investigation_date": "",
            "restriction": "",
            "investigation_outcome": "",
            "sanction": "",
        },
        GOOD | {"case_id": "ER-3", "formal_investigation_date": ""},
        GOOD | {"case_id": "ER-4", "initial_route": "informal"},
        GOOD | {"case_id": "ER-5", "investigation_outcome": "no_case_to_answer"},
        GOOD | {"case_id": "ER-5"},
        GOOD | {"case_id": "ER-7", "restriction": "none", "suspension_start_date": "2025-01-20"},
        GOOD | {"case_id": "ER-8", "complaint_outcome": "upheld"},
    ]
    _, problems = validate_cases(case_frame(*rows), file="c.csv", today=datetime.date(2026, 1, 1))
    found = {(p.row, p.column, p.reason) for p in problems}
    formal_only = "is only allowed on formal cases (initial_route is not formal)"
    assert {
        (2, "route_date", "route_date is required when initial_route is set"),
        (3, "route_date", "route_date is given but initial_route is empty"),
        (4, "formal_investigation_date", "formal_investigation_date is required when initial_route is formal"),
        (5, "formal_investigation_date", "formal_investigation_date is only allowed when initial_route is formal"),
        (5, "restriction", f"restriction {formal_only}"),
        (5, "investigation_outcome", f"investigation_outcome {formal_only}"),
        (5, "sanction", f"sanction {formal_only}"),
        (6, "sanction", "sanction is only allowed when investigation_outcome is hearing or fast_track"),
        (7, "case_id", "duplicate case_id (first seen in row 6)"),
        (8, "suspension_start_date", "suspension_start_date is only allowed when restriction is suspended"),
        (9, "complaint_outcome", "complaint_outcome is only allowed on grievance and bullying_harassment cases"),
    } <= found
    assert {p.file for p in problems} == {"c.csv"}


def test_a_workbook_column_of_whole_and_decimal_numbers_keeps_each_as_written():
    """An all-number column must not be read as floats: person id 12345 stays "12345", not "12345.0"."""
    frame = read_table(_xlsx([["person_id", "hours"], [12345, 37.5], [2.5, 40]]), name="w.xlsx")
    assert frame.to_dict("records") == [
        {"person_id": "12345", "hours": "37.5"},
        {"person_id": "2.5", "hours": "40"},
    ]


def test_a_cases_file_with_a_header_and_no_rows_says_so_naming_the_file():
    from erreview.ingest import validate_cases

    from .test_ingest import GOOD, case_frame

    _, problems = validate_cases(case_frame(GOOD).iloc[0:0], file="c.csv")
    assert [(p.file, p.row, p.column, p.reason) for p in problems] == [
        ("c.csv", None, None, "the file has a header but no data rows")
    ]
