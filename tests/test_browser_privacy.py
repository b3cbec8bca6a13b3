"""Browser: roles without case-level access (board viewer, inclusion analyst, division lead) visit every screen
they have; no table or metric shows a count from 1 to the threshold, and no screen offers a date window
(so no one-day window can be chosen). Contract §5 v2, issue #12."""

# ruff: noqa: F811  (fixtures imported from test_browser are parameters here)
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .test_browser import browser, page, server, sign_in, wait_idle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
T = 7
#: Columns that hold counts of people or cases (rates, shares, ratios and sizes are not counts).
COUNT = re.compile(
    r"( n$| events$|^n$|^events$|entrants|headcount|^Staff$|not stated$|^Cases$|^Went formal$|^Case to answer$)",
    re.IGNORECASE,
)
#: Date inputs that choose a window of cases (a due date on an action is not one).
WINDOW = re.compile(r"between|opened|from|to$|window", re.IGNORECASE)


def tables(page: Page) -> list[tuple[list[str], list[list[str]]]]:
    """Each data frame on the screen as (column headers, rows of cell texts), read from the grid's accessible
    table (a data frame draws on a canvas)."""
    out = []
    for frame in page.locator("[data-testid=stMain] [data-testid=stDataFrame]").all():
        headers = [h.strip() for h in frame.locator("[role=columnheader]").all_inner_texts()]
        rows = []
        for row in frame.locator("[role=row]").all():
            cells = [c.strip() for c in row.locator("[role=gridcell]").all_inner_texts()]
            if cells:
                rows.append(cells)
        out.append((headers, rows))
    return out


def small_counts(page: Page) -> list[tuple[str, str]]:
    found = []
    for headers, rows in tables(page):
        for row in rows:
            # A row may start with a row-marker cell: align cells to the headers from the right.
            for header, cell in zip(headers[-len(row) :], row[-len(headers) :], strict=False):
                if COUNT.search(header) and "share" not in header.lower() and "rate" not in header.lower():
                    number = cell.replace(",", "")
                    if number.isdigit() and 1 <= int(number) <= T:
                        found.append((header, cell))
    for value in page.locator("[data-testid=stMain] [data-testid=stMetricValue]").all_inner_texts():
        number = value.strip().replace(",", "")
        if number.isdigit() and 1 <= int(number) <= T:
            found.append(("metric", value))
    return found


def window_inputs(page: Page) -> list[str]:
    labels = page.locator("[data-testid=stDateInput] label").all_inner_texts()
    return [label for label in labels if WINDOW.search(label.strip())]


@pytest.mark.parametrize("username", ["board", "analyst", "divlead"])
def test_restricted_roles_see_no_small_count_and_no_date_window_anywhere(page: Page, username: str):
    sign_in(page, username)
    nav = page.locator("[data-testid=stSidebarNav]")
    names = [n.strip() for n in nav.get_by_role("link").all_inner_texts()]
    assert len(names) >= 3, names
    seen = 0
    for i, name in enumerate(names):
        nav.get_by_role("link").nth(i).click()
        wait_idle(page)
        expect(page.locator("[data-testid=stMain] h1").first).to_be_visible()
        assert small_counts(page) == [], (username, name)
        assert window_inputs(page) == [], (username, name)
        seen += len(tables(page))
    assert seen, "the screens must have tables for the check to read"


def test_the_check_finds_small_counts_where_they_are_allowed(page: Page):
    """An administrator sees case-level detail: the same reading of the rendered grids finds small counts and
    a date window there, so the check above can fail."""
    sign_in(page, "admin")
    nav = page.locator("[data-testid=stSidebarNav]")
    nav.get_by_role("link", name="Decision points").click()
    wait_idle(page)
    expect(page.locator("[data-testid=stMain] [data-testid=stDataFrame] [role=gridcell]").first).to_be_attached()
    wait_idle(page)
    # The grids fill their accessible tables as they draw: read until a small count is there (or 60 s pass).
    found = small_counts(page)
    for _ in range(60):
        if found:
            break
        page.wait_for_timeout(1000)
        found = small_counts(page)
    assert found
    assert window_inputs(page)
