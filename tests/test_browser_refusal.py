"""Browser: another role's screen address, typed in the address bar, answers in the app's words on My work
(issue #15, F7: it showed Streamlit's "Page not found" dialog); the menu lists only the role's screens."""

# ruff: noqa: F811  (fixtures imported from test_browser are parameters here)
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .test_browser import browser, page, screen_names, server, sign_in, wait_idle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

#: The board viewer's menu, as streamlit_app.SCREENS gives the role (My work first).
BOARD_MENU = ["My work", "Overview", "Decision points", "Divisions", "Measures", "Reports", "Actions"]


@pytest.mark.parametrize(("address", "title"), [("admin", "Admin"), ("cases", "Cases")])
def test_a_board_viewer_typing_another_roles_address_is_told_plainly_on_my_work(page: Page, server, address, title):
    sign_in(page, "board")
    wait_idle(page)
    names = [n.split(" (")[0] for n in screen_names(page)]  # My work carries its count: "My work (2)"
    assert names == BOARD_MENU, names
    page.goto(f"{server}/{address}")
    expect(page.get_by_role("heading", name="My work")).to_be_visible(timeout=90_000)
    expect(page.get_by_text(f"The {title} screen is not one you can open")).to_be_visible()
    wait_idle(page)
    assert "Page not found" not in page.content()
    assert not page.url.rstrip("/").endswith(f"/{address}"), page.url
    main = page.locator("[data-testid=stMain]").inner_text()
    assert "your role (Board viewer) does not have it" in main
    headings = page.locator("[data-testid=stMain] h1").all_inner_texts()
    assert [h.strip() for h in headings] == ["My work"], headings
    assert [n.split(" (")[0] for n in screen_names(page)] == BOARD_MENU  # the menu is still the role's own
