"""Browser: a division lead signs in and sees their division beside the trust, never another division."""

# ruff: noqa: F811  (fixtures imported from test_browser are parameters here)
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_browser import browser, go, page, server, shot, sign_in  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_division_lead_sees_their_division_not_others(page: Page):
    sign_in(page, "divlead")
    nav = page.locator("[data-testid=stSidebarNav]")
    expect(nav.get_by_role("link", name="Overview")).to_be_visible()
    for hidden in ("Cases", "Reports", "Data", "Divisions", "Admin"):
        expect(nav.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    go(page, "Overview")
    expect(page.get_by_text("Your divisions: Medicine").first).to_be_visible()
    table = page.locator("[data-testid=stDataFrame]").first
    expect(table).to_be_visible()
    body = page.locator("[data-testid=stMain]").inner_text()
    for other in ("Surgery", "Corporate", "Mental Health", "Women and Children", "Community Services"):
        assert other not in body
    shot(page, "20-division-lead-overview")
    go(page, "Decision points")
    expect(page.get_by_role("heading", name="Medicine")).to_be_visible()
    expect(page.get_by_role("heading", name="Whole trust")).to_be_visible()
    shot(page, "21-division-lead-decisions")
