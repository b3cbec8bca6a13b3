"""The screens whose tables sort numbers and dates by their values (Overview, Decision points, Divisions,
Measures; and Cases, Actions, Data, Admin), in the real browser: axe-core finds no critical or serious violation on them, and the grid's accessible table (what
a screen reader reads: each cell's value) holds no machine value such as -Infinity or NaN, and no hidden count."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .test_browser import browser, page, server, sign_in, wait_idle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
AXE = Axe()
SCREENS = {
    "board": ("Overview", "Decision points", "Divisions", "Measures", "Actions"),
    "admin": ("Overview", "Decision points", "Divisions", "Measures", "Cases", "Actions", "Data", "Admin"),
}
#: Tabs whose tables are drawn only once the tab is opened.
TABS = {"Admin": ("Audit log", "National comparator")}
MACHINE = re.compile(r"^-?(Infinity|NaN|NaT|inf|nan|None|null|undefined)$")
#: A date as the grid's accessible table reads a date column (its cells are drawn day month year): a date, with
#: the time to the minute where the column has times; never a time of midnight to the second.
DATE_READ = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$")
SECONDS = re.compile(r"\d{2}:\d{2}:\d{2}")


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
    dates_read: set[str] = set()
    for name in SCREENS[username]:
        page.get_by_role("link", name=name, exact=True).click()
        wait_idle(page)
        page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=45_000)
        expect(page.locator("h1").first).to_be_visible()
        for view in (name, *(f"{name}: {tab}" for tab in TABS.get(name, ()))):
            if view != name:
                page.get_by_role("tab", name=view.split(": ")[1]).click()
                wait_idle(page)
            bad = _serious(page)
            if bad:
                found[view] = bad
            # Each grid's accessible table: one cell per visible cell, holding what a screen reader reads.
            texts = [t.strip() for t in page.locator("[data-testid=stDataFrame] td").all_inner_texts()]
            cells_read += len(texts)
            dates_read |= {t for t in texts if DATE_READ.match(t)}
            machine = sorted({t for t in texts if MACHINE.match(t) or SECONDS.search(t)})
            if machine:
                found[f"{view}: cells read as"] = machine
    assert cells_read, "the grids' accessible tables were found"
    assert not found, json.dumps(found, indent=1)
    if username == "admin":
        assert dates_read, "the date columns (Cases, Admin's audit log) read as dates"


def test_a_board_viewer_downloads_a_table_as_shown(page: Page):  # noqa: F811
    """A real click on a table's own download: the browser receives the CSV (the grid's own export is off), headed
    as the screen, with '*' where the screen shows it, and the audit log names the screen and table."""
    from datetime import date

    from erreview import service, store

    from .test_browser import SERVER

    sign_in(page, "board")
    page.get_by_role("link", name="Decision points", exact=True).click()
    wait_idle(page)
    button = page.get_by_role("button", name="Download the disparity table (CSV)")
    expect(button).to_be_visible()
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == f"decision-points-disparity-{date.today().isoformat()}.csv"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:2] == ["Decision point", "Flag"] and "Ratio (BME ÷ White)" in rows[0], rows[0]
    assert len(rows) > 2 and all(len(r) == len(rows[0]) for r in rows)
    log = service.audit_log(store.engine_for(SERVER["database_url"]), person="board", action="download")
    assert "table: Decision points: disparity" in set(log["entity_id"])
