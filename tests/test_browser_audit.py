"""Browser: who opened which case. A case lead opens a case; the admin finds that view in the Admin audit log."""

# ruff: noqa: F811  (fixtures imported from test_browser are parameters here)
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .test_browser import (  # noqa: F401  (fixtures)
    _lead_cases,
    _signed_in_page,
    browser,
    choose,
    go,
    page,
    server,
    shot,
    sign_in,
    wait_idle,
)

pytestmark = pytest.mark.browser


def _cells(page: Page, text: str):
    """The audit table's cells holding exactly ``text`` (a data frame draws on a canvas; its cells are in the
    grid's accessible table)."""
    return page.locator("[data-testid=stDataFrame] [role=gridcell]").filter(has_text=text)


def test_the_admin_sees_which_case_the_lead_opened(page: Page, browser, server):
    wanted = _lead_cases()[4]
    sign_in(page, "lead")
    # The session cookie is written just after the first screen draws: wait for it before following a link.
    page.wait_for_function("() => document.cookie.includes('erreview_session=')")
    page.goto(f"{server}/cases?case={wanted}")
    expect(page.get_by_role("heading", name=f"{wanted}:")).to_be_visible()
    wait_idle(page)

    admin = _signed_in_page(browser, server, "admin")
    go(admin, "Admin")
    admin.get_by_role("tab", name="Audit log").click()
    expect(admin.get_by_text("The audit log is intact")).to_be_visible()
    choose(admin, "Person", "lead")
    wait_idle(admin)
    choose(admin, "Action", "Case: view")  # actions read in words
    wait_idle(admin)
    expect(admin.get_by_text(re.compile(r"^\d+ (entry|entries), newest first\.$"))).to_be_visible()
    expect(_cells(admin, wanted).first).to_be_attached()
    expect(_cells(admin, "Case: view").first).to_be_attached()
    expect(_cells(admin, "Signin: ok")).to_have_count(0)  # the action filter holds
    shot(admin, "23-admin-audit-log-case-view")
    # Another person's entries do not include the lead's view.
    choose(admin, "Person", "admin")
    wait_idle(admin)
    expect(_cells(admin, wanted)).to_have_count(0)
    admin.context.close()
