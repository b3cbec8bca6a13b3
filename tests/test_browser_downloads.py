"""Table downloads in a real browser (issue #15 item 4, the outside tester's F1 and F2): a click hands out the
file even when it comes while the screen is redrawing, each file handed out is audited once, and a click after the
session has ended hands out no file and writes nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from erreview import service, store
from panels.common import DOWNLOAD_REFUSED

from .test_browser import SERVER, browser, choose, page, server, sign_in, wait_idle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
TABLE = "Download the disparity table (CSV)"
ENTRY = "table: Decision points: disparity"
#: A download button the screen is redrawing (greyed out) ignores the pointer until it is drawn anew.
STALE_BUTTON_TAKES_NO_CLICK = """() => {
    const button = document.querySelector('[data-stale="true"] [data-testid="stDownloadButton"] button');
    return button !== null && getComputedStyle(button).pointerEvents === 'none';
}"""


def _entries() -> int:
    log = service.audit_log(store.engine_for(SERVER["database_url"]), person="board", action="download")
    return int((log["entity_id"] == ENTRY).sum())


def _download(page: Page) -> list[list[str]]:  # noqa: F811
    with page.expect_download(timeout=20_000) as info:
        page.get_by_role("button", name=TABLE).click()
    data = Path(info.value.path()).read_bytes()
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_a_click_while_the_screen_redraws_hands_out_the_file_and_audits_it_once(page: Page):  # noqa: F811
    """A filter changed, and the table's download clicked at once, while the screen redraws (the button still the
    one the previous run drew): each click gives the file, the same rows as a click on the settled screen, and one
    audit entry per file. Before the fix, the click's own rerun discarded the file the click had asked for
    ("Deferred file … not found"): no file."""
    sign_in(page, "board")
    page.get_by_role("link", name="Decision points", exact=True).click()
    wait_idle(page)
    before = _entries()
    settled = _download(page)
    assert settled[0][:2] == ["Decision point", "Flag"] and len(settled) > 2, settled[:2]
    wait_idle(page)
    choose(page, "Break down by", "Division")  # the screen reruns: while it does, its buttons take no click
    page.wait_for_function(STALE_BUTTON_TAKES_NO_CLICK, polling=20)
    wait_idle(page)
    for option in ("Band", "Gender", "Staff group", "Division", "Band"):
        choose(page, "Break down by", option)  # the screen reruns
        assert _download(page) == settled, option  # clicked straight away, before the rerun has finished
        wait_idle(page)
    assert _entries() - before == 6


def test_a_click_after_signing_out_elsewhere_hands_out_nothing_and_says_why(page: Page):  # noqa: F811
    """Signed out everywhere (another tab): the old tab's download gives no file (before the fix, an empty one),
    says plainly why, and nothing is audited."""
    from erreview.auth import sign_out_everywhere

    sign_in(page, "board")
    page.get_by_role("link", name="Decision points", exact=True).click()
    wait_idle(page)
    before = _entries()
    sign_out_everywhere(store.engine_for(SERVER["database_url"]), "board", by="board")
    downloads: list[object] = []
    page.on("download", lambda d: downloads.append(d))
    page.get_by_role("button", name=TABLE).click()
    said = page.get_by_test_id("stDownloadButtonError")
    expect(said).to_be_attached()  # its box is shown; Streamlit's words in it hidden, the reason drawn after them
    shown = said.evaluate("e => getComputedStyle(e, '::after').content")
    assert shown == f'"{DOWNLOAD_REFUSED}"', shown
    assert said.evaluate("e => getComputedStyle(e).visibility") == "hidden"  # Streamlit's own words
    assert downloads == []
    assert _entries() == before
