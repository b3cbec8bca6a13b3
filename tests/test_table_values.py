# ruff: noqa: F811  (the fixtures imported from test_app are parameters here)
"""The work screens' tables (Cases, Admin, Actions, Data) hold values, not text: their number columns hold
numbers and their date columns dates, so a click on a heading sorts them by value (9 before 10, 3 Feb before
12 Jan), while each cell shows the human text (dates as day month year, shares to 1 dp, ratios to 2 dp, '—'
for none). Every column has a human heading and help. The shown text is read back here independently of the
screen's formatter (``datetime.strptime``, a regular expression)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pandas as pd
import pytest

from erreview.review.roles import Actor, Role

from .sessions import shown
from .test_app import app_env, demo_db, signed_in  # noqa: F401  (fixtures)
from .test_table_keys import check_table

#: Each screen, the role that opens it, and headings it must show with what they hold.
EXPECTED = {
    ("panels/cases.py", Role.ADMIN): {
        "Case": "text",
        "Opened": "date",
        "Suspended since": "date",
        "Next review": "date",
        "Last review": "date",
        "Days suspended": "number",
        "Date": "date",
    },
    ("panels/cases.py", Role.CASE_LEAD): {"Case": "text", "Opened": "date", "Stage": "text", "Date": "date"},
    ("panels/admin.py", Role.ADMIN): {
        "Username": "text",
        "Active": "text",
        "Relative likelihood": "number",
        "When": "datetime",
        "Entry": "number",
        "Question": "text",
    },
    ("panels/actions.py", Role.INCLUSION_ANALYST): {"No.": "number", "Due": "date", "Overdue": "text"},
    ("panels/actions.py", Role.BOARD_VIEWER): {"No.": "number", "Due": "date"},
    ("panels/data.py", Role.INCLUSION_ANALYST): {
        "Not stated (share)": "number",
        "Staff": "number",
        "Ethnicity not stated": "number",
        "Snapshot": "date",
    },
}
#: Headings a person should never meet: the library's own column names.
RAW = re.compile(r"_|^(id|at|username|name|role|active|value|staff|division|snapshot)$")
NUMBER = re.compile(r"^([+-]?[\d,]+(?:\.\d+)?)(%)?$")


def _date_read(text: str, kind: str) -> datetime:
    """A date cell's text as a person reads it: '3 Feb 2026' (or "3 Feb 2026, 14:05" with its time)."""
    return datetime.strptime(text, "%d %b %Y, %H:%M" if kind == "datetime" else "%d %b %Y")


def _check_dates(held: pd.Series, text: pd.Series, kind: str) -> int:
    assert pd.api.types.is_datetime64_any_dtype(held), (held.name, held.dtype)
    seen = 0
    for key, cell in zip(held, text, strict=True):
        if cell == "—":
            assert pd.isna(key)
            continue
        read = _date_read(cell, kind)
        # The cell holds the moment itself; it shows it to the day (or to the minute).
        assert read == (key.floor("min") if kind == "datetime" else key.normalize()).to_pydatetime(), (cell, key)
        seen += 1
    order = held.sort_values(kind="stable", na_position="last").index
    read = [_date_read(c, kind) for c in text[order] if c != "—"]
    assert read == sorted(read), (held.name, read)
    return seen


@pytest.fixture
def with_actions(app_env):
    """Two actions, one overdue and one due later, so the actions table has rows to sort."""
    from erreview import store
    from erreview.actions import create_action

    engine = store.make_engine(app_env.database_url)
    analyst = Actor("analyst", Role.INCLUSION_ANALYST)
    base = {"measure": "suspension", "period": "2024/25-H2", "division": "Medicine", "owner": "Director of People"}
    for title, due in (("Second director reviews suspensions", date(2020, 1, 31)), ("Audit", date(2099, 12, 9))):
        create_action(engine, base | {"title": title, "due_date": due}, actor=analyst)
    return app_env


@pytest.mark.parametrize(("screen", "role"), list(EXPECTED))
def test_work_screen_tables_hold_values_and_show_text(with_actions, screen, role):
    at = signed_in(role).switch_page(screen).run()
    if screen == "panels/cases.py":  # no case opens by itself: open one for its timeline
        picker = next(s for s in at.selectbox if s.label == "Open case")
        picker.select(picker.options[0]).run()
    assert not at.exception, at.exception
    tables = list(at.dataframe)
    assert tables, screen
    found: dict[str, str] = {}
    for table in tables:
        check_table(table)  # number columns hold the numbers shown, in the units shown, and sort by them
        held, text = table.value, shown(table)
        config = json.loads(table.proto.columns or "{}")
        for heading in held.columns:
            assert not RAW.search(str(heading)), heading  # a human heading
            assert (config.get(str(heading)) or {}).get("help"), heading  # help on every column
        for heading, kind in EXPECTED[(screen, role)].items():
            if heading not in held.columns:
                continue
            found[heading] = kind
            cells = text[heading]
            if kind in ("date", "datetime"):
                # A plain table's date cell is drawn by the grid in its column's format (D MMM YYYY): as moment.js
                # writes it, day without a leading zero.
                timed = "HH:mm" in json.dumps(config.get(heading))
                cells = cells.map(
                    lambda d, timed=timed: (
                        d if isinstance(d, str) else f"{d.day} {d:%b %Y, %H:%M}" if timed else f"{d.day} {d:%b %Y}"
                    )
                )
            cells = cells.astype(str)
            assert not cells.isin(["None", "nan", "NaT", "<NA>", ""]).any(), (heading, cells.tolist())
            if kind in ("date", "datetime"):
                _check_dates(held[heading], cells, kind)
                # The browser grid draws (and reads out) a date column in its own format, not the Styler's text.
                assert "D MMM YYYY" in json.dumps(config.get(heading)), (heading, config.get(heading))
            elif kind == "number":
                assert pd.api.types.is_float_dtype(held[heading]), (heading, held[heading].dtype)
                assert all(NUMBER.match(c) or c == "—" for c in cells), (heading, cells.tolist())
            else:
                assert not pd.api.types.is_numeric_dtype(held[heading]), heading
    assert set(found) == set(EXPECTED[(screen, role)]), set(EXPECTED[(screen, role)]) - set(found)


def test_the_share_not_stated_reads_as_a_percentage(app_env):
    """Data quality's share is 4.8% (1 dp), held as 4.8 and sorting as a number, not 0.048077 as text."""
    at = signed_in(Role.INCLUSION_ANALYST).switch_page("panels/data.py").run()
    table = next(t for t in at.dataframe if "Not stated (share)" in t.value.columns)
    held, text = table.value, shown(table)
    for staff, missing, key, cell in zip(
        held["Staff"], held["Ethnicity not stated"], held["Not stated (share)"], text["Not stated (share)"], strict=True
    ):
        assert cell == f"{round(100 * missing / staff, 1):.1f}%", (cell, staff, missing)
        assert key == round(100 * missing / staff, 1)


def test_the_overdue_action_is_shaded_and_the_due_dates_sort_as_dates(with_actions):
    at = signed_in(Role.INCLUSION_ANALYST).switch_page("panels/actions.py").run()
    table = at.dataframe[0]
    text = shown(table)
    late = text.index[text["Overdue"] == "Yes"].tolist()
    assert late and text.loc[late, "Due"].tolist()[0] == "31 Jan 2020"
    assert "9 Dec 2099" in text["Due"].tolist()
    styles = table.proto.arrow_data.styler.styles
    assert "#fde8e8" in styles  # the overdue row's shading survives the change to values
