"""The screens whose tables sort numbers by their values (Overview, Decision points, Divisions, Measures), in
the real browser: axe-core finds no critical or serious violation on them, and the grid's accessible table (what
a screen reader reads: each cell's value) holds no machine value such as -Infinity or NaN, and no hidden count."""

from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .test_browser import browser, page, server, sign_in, wait_idle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
AXE = Axe()
SCREENS = ("Overview", "Decision points", "Divisions", "Measures")
MACHINE = re.compile(r"^-?(Infinity|NaN|inf|nan|None|null|undefined)$")


def _serious(tab: Page) -> list[dict]:
    results = AXE.run(tab, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in results.response["violations"]
        if v.get("impact") in ("critical", "serious")
    ]


@pytest.mark.parametrize("username", ["board", "admin"])
def test_table_screens_are_accessible_and_read_no_machine_value(page: Page, username: str):  # noqa: F811
    sign_in(page, username)
    found: dict[str, object] = {}
    cells_read = 0
    for name in SCREENS:
        page.get_by_role("link", name=name, exact=True).click()
        wait_idle(page)
        page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=45_000)
        expect(page.locator("h1").first).to_be_visible()
        bad = _serious(page)
        if bad:
            found[name] = bad
        # Each grid's accessible table: one cell per visible cell, holding what a screen reader reads.
        texts = page.locator("[data-testid=stDataFrame] td").all_inner_texts()
        cells_read += len(texts)
        machine = sorted({t for t in texts if MACHINE.match(t.strip())})
        if machine:
            found[f"{name}: cells read as"] = machine
    assert cells_read, "the grids' accessible tables were found"
    assert not found, json.dumps(found, indent=1)
