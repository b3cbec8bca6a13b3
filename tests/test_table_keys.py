# ruff: noqa: F811  (the fixtures imported from test_app are parameters here)
"""Every table on Overview, Decision points (a division lead's too), Divisions and Measures sorts its number columns as numbers: each
cell holds a sort key built from the source value (the number it shows, in the units shown, rounded as shown)
and shows the human text (percentages to 1 dp, ratios to 2 dp, '—' for none, '*' for hidden). A hidden cell
holds no number (nor a count in words), so neither its sort position nor a screen reader (which reads the
value a cell holds, not the text drawn) gives anything away; no cell holds a machine value such as -Infinity."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from erreview.review.roles import Role
from panels.common import NONE_WORDS

from .sessions import shown
from .test_app import app_env, demo_db, signed_in  # noqa: F401  (fixtures)
from .test_measure_funnel import own_measures  # noqa: F401  (fixture)

#: The number a cell's text shows, read independently of the screen's formatter: "39.3%", "+6.4 points", "1,234".
SHOWN_NUMBER = re.compile(r"^([+-]?[\d,]+(?:\.\d+)?)(?:%| points)?$")
#: Headings whose cells are numbers: each must sort as numbers wherever it appears.
NUMERIC = re.compile(
    r"(entrants|headcount|rate|Ratio|CI low|CI high|Difference|cases$|it happened|q \(BH\)|Fisher p|Headcount|^Staff$|not stated$|"
    r"investigation$|still open|median days|percentile days|Log-rank p|complaints$|upheld$|limit$|^Effective|"
    r"Reviews with|Decided against|Share)"
)
SCREENS = [
    ("panels/decisions.py", Role.ADMIN),
    ("panels/decisions.py", Role.BOARD_VIEWER),
    ("panels/decisions.py", Role.INCLUSION_ANALYST),
    ("panels/overview.py", Role.ADMIN),
    ("panels/overview.py", Role.BOARD_VIEWER),
    ("panels/divisions.py", Role.ADMIN),
    ("panels/divisions.py", Role.INCLUSION_ANALYST),
    ("panels/measures.py", Role.ADMIN),
    ("panels/measures.py", Role.BOARD_VIEWER),
    ("panels/division_decisions.py", Role.DIVISION_LEAD),
    ("panels/division_overview.py", Role.DIVISION_LEAD),
]


def _number(text: str) -> float | None:
    found = SHOWN_NUMBER.match(text)
    return float(found.group(1).replace(",", "")) if found else None


def check_table(table) -> tuple[int, int]:
    """Each number column of one ``st.dataframe``: its keys ordered as the numbers it shows, a hidden cell
    holding nothing. Returns (number columns, hidden cells) seen."""
    held, text = table.value, shown(table)
    assert list(held.columns) == list(text.columns)
    numbers = hidden = 0
    for column in held.columns:
        keys, cells = held[column], text[column].astype(str)
        assert not any(isinstance(v, float) and math.isinf(v) for v in keys), (column, keys.tolist())
        is_number = pd.api.types.is_float_dtype(keys)
        is_value = is_number or pd.api.types.is_datetime64_any_dtype(keys)  # a date column holds dates
        # A number column holds numbers, so it sorts as numbers; except, in a table with hidden cells, one with
        # an empty cell: the grid draws its one placeholder ('*' there) in every cell without a value, so the
        # column holds text ('—' for none, '*' for hidden).
        empty_beside_hidden = "—" in set(cells) and bool((text.astype(str) == "*").any().any())
        if NUMERIC.search(str(column)) and not cells.isin(["*", "—"]).all() and not empty_beside_hidden:
            assert is_number, (column, keys.tolist())
        for key, cell in zip(keys, cells, strict=True):
            if cell == "*":
                hidden += 1
                # No number and no count in words: every hidden cell holds the same nothing.
                assert pd.isna(key) if is_value else not re.search(r"\d", str(key)), (column, key)
            elif cell == "—":
                # A plain table's empty text cell holds no value (its placeholder draws '—').
                assert pd.isna(key) if is_value else (str(key) == NONE_WORDS or pd.isna(key)), (column, key)
            elif is_number:
                if cell == "<0.001":
                    assert key < 0.001
                else:  # the key is the number shown, in the units shown: no more precision than the screen
                    assert key == _number(cell), (column, key, cell)
        if is_number:
            numbers += 1
            # The browser's ascending sort by key puts the shown numbers in order.
            order = keys.sort_values(kind="stable", na_position="last").index
            read = [_number(c) if c != "<0.001" else 0.0 for c in cells[order]]
            read = [x for x in read if x is not None]
            assert read == sorted(read), (column, read)
    return numbers, hidden


@pytest.mark.parametrize(("screen", "role"), SCREENS)
def test_every_table_sorts_its_numbers_by_their_values(own_measures, screen, role):
    at = signed_in(role).switch_page(screen).run()
    assert not at.exception, at.exception
    tables = list(at.dataframe)
    assert tables, screen
    numbers = hidden = 0
    for table in tables:
        n, h = check_table(table)
        numbers, hidden = numbers + n, hidden + h
    assert numbers, screen  # each of these screens has number columns
    if ("decisions" in screen or "division_" in screen) and role is not Role.ADMIN:
        assert hidden  # the demo's small steps: hidden cells were checked


def test_the_time_in_process_and_complaints_tables_hold_numbers(app_env):
    at = signed_in(Role.ADMIN).switch_page("panels/decisions.py").run()
    headings = {str(c) for t in at.dataframe for c in t.value.columns}
    for heading in ("BME median days", "White still open", "Log-rank p", "BME complaints", "White rate"):
        assert heading in headings, heading
    timing = next(t for t in at.dataframe if "BME median days" in t.value.columns)
    assert pd.api.types.is_float_dtype(timing.value["BME median days"])
    assert pd.api.types.is_float_dtype(timing.value["BME cases"])
