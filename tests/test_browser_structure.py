"""Every screen, for every demo account, as the browser gives it to a screen reader: its headings (h1–h6 in the
page, in order) and its controls by their accessible names (Playwright's ARIA snapshot).

The same rules as tests/test_screen_structure.py (one h1 first, no level skipped; no control name repeated or
bare), here on what Streamlit actually draws: its headings carry no "Link to heading" link (``anchor=False``: one
such link a heading, all named alike); the names of Streamlit's own toolbars and menus are set aside (STREAMLIT_OWN).
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from playwright.sync_api import Page

from erreview.demo import DEMO_ACCOUNTS

from .test_browser import browser, open_screen, page, screen_names, server, sign_in  # noqa: F401  (fixtures)
from .test_screen_structure import MEANINGLESS, heading_problems

pytestmark = pytest.mark.browser
#: Roles whose names a person picks out of a screen reader's list of controls.
CONTROL_ROLES = ("button", "link", "combobox", "textbox", "checkbox", "radiogroup", "spinbutton", "tab", "slider")
#: Streamlit's own controls, the same on every table, chart, pick list and file uploader (toolbars, the chart
#: menu, the pick list's open button, the uploader's): their names are Streamlit's and cannot be changed from the
#: app; a screen reader user meets them beside the element they belong to. The app names everything else.
STREAMLIT_OWN = {
    ("button", "Fullscreen"),
    ("button", "Search"),
    ("button", "Show/hide columns"),
    ("button", "Show data"),
    ("button", "Download as PNG"),
    ("button", "Download as SVG"),
    ("button", "Copy Vega-Lite spec"),
    ("button", "Open"),
    ("button", "Close"),
    ("button", "Clear all"),
    ("button", "file upload"),  # a file uploader's drop zone and its button
    ("button", "Upload"),
}
SNAPSHOT_LINE = re.compile(r"^\s*- (" + "|".join(CONTROL_ROLES) + r') "(.*?)"(?: \[.*\])?:?$')


def dom_headings(tab: Page) -> list[tuple[int, str]]:
    """(level, text) of every heading in the page, in document order."""
    found = tab.evaluate(
        """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
            .filter((h) => h.innerText.trim() !== '')
            .map((h) => [Number(h.tagName[1]), h.innerText.trim()])"""
    )
    return [(int(level), str(text)) for level, text in found]


def control_names(tab: Page) -> list[tuple[str, str]]:
    """(role, accessible name) of every named control on the page, the sidebar's and the screen's."""
    names = []
    for line in tab.locator("body").aria_snapshot().splitlines():
        match = SNAPSHOT_LINE.match(line)
        if match and (match.group(1), match.group(2)) not in STREAMLIT_OWN:
            names.append((match.group(1), match.group(2)))
    return names


def name_problems(names: list[tuple[str, str]]) -> list[str]:
    repeated = Counter(names)
    problems = [f"{n} {role}s named {name!r}" for (role, name), n in repeated.items() if n > 1]
    problems += [f"a {role} named only {name!r}" for role, name in names if name.strip(" .:").lower() in MEANINGLESS]
    return problems


@pytest.mark.parametrize("username", sorted(a.username for a in DEMO_ACCOUNTS))
def test_every_screen_reads_in_order_with_named_controls(page: Page, username: str):  # noqa: F811 (fixture)
    sign_in(page, username)
    found: dict[str, list[str]] = {}
    for screen in screen_names(page):
        open_screen(page, screen)
        headings = dom_headings(page)
        problems = heading_problems(headings) + name_problems(control_names(page))
        if problems:
            found[screen] = [*problems, f"headings: {headings}"]
    assert not found, json.dumps(found, indent=1)
