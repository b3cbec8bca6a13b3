"""Browser: a division lead signs in and sees their division beside the trust, never another division."""

# ruff: noqa: F811  (fixtures imported from test_browser are parameters here)
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_browser import browser, choose, go, page, server, shot, sign_in, wait_idle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
OTHERS = ("Surgery", "Corporate", "Mental Health", "Women and Children", "Community Services", "Clinical Support")


def shown_text(page: Page) -> str:
    """The screen's text and its tables' cells (a data frame draws on a canvas; its cells are in the grid's
    accessible table, not in the page's text)."""
    main = page.locator("[data-testid=stMain]")
    cells = main.locator("[data-testid=stDataFrame] [role=gridcell]").all_inner_texts()
    return main.inner_text() + "\n" + "\n".join(cells)


def test_division_lead_sees_their_division_not_others(page: Page):
    sign_in(page, "divlead")
    nav = page.locator("[data-testid=stSidebarNav]")
    expect(nav.get_by_role("link", name="Overview")).to_be_visible()
    for hidden in ("Cases", "Reports", "Data", "Admin"):
        expect(nav.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    go(page, "Overview")
    expect(page.get_by_text("Your divisions: Medicine").first).to_be_visible()
    expect(page.locator("[data-testid=stDataFrame] [role=gridcell]").filter(has_text="Medicine").first).to_be_attached()
    body = shown_text(page)
    for other in OTHERS:
        assert other not in body
    shot(page, "20-division-lead-overview")
    go(page, "Decision points")
    expect(page.get_by_role("heading", name="Medicine")).to_be_visible()
    expect(page.get_by_role("heading", name="Whole trust")).to_be_visible()
    shot(page, "21-division-lead-decisions")
    # The funnel plot: their division's point against the whole trust's limits, no other division.
    go(page, "Divisions")
    expect(page.get_by_text("Your divisions (Medicine)").first).to_be_visible()
    for measure in ("WRES indicator 3", "Formal investigation"):
        choose(page, "Measure", measure)
        wait_idle(page)
        # Their division is in the table (waited for: the grid draws after the rerun).
        expect(page.locator("[data-testid=stDataFrame] [role=gridcell]").filter(has_text="Medicine")).to_have_count(1)
        body = shown_text(page)
        for other in OTHERS:
            assert other not in body, (measure, other)
    shot(page, "22-division-lead-funnel")
