"""The main journeys in a real browser: Debian's chromium driven by Playwright against the running app.

Screenshots of every screen are written to ``test-artifacts/screens/`` for review (and the README).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from erreview import store
from erreview.cli import streamlit_command
from erreview.config import Settings
from erreview.demo import DEMO_PASSWORD, prepare_demo
from erreview.store import audit

from .pg import database_url

ROOT = Path(__file__).parent.parent
SHOTS = ROOT / "test-artifacts" / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
pytestmark = pytest.mark.browser
expect.set_options(timeout=30_000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required: run scripts/install-system-deps (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("browser")
    settings = Settings(
        database_url=database_url(tmp, "browser.db"),
        pseudonym_key="browser-test-key-0123456789",
        key_file=tmp / "pseudonym.key",  # the audit anchors live beside it: never in the home folder
    )
    audit.bind(settings.database_url, settings)
    prepare_demo(store.make_engine(settings.database_url), settings)
    port = _free_port()
    env = os.environ | {
        "ERREVIEW_DATABASE_URL": settings.database_url,
        "ERREVIEW_PSEUDONYM_KEY": "browser-test-key-0123456789",
        "ERREVIEW_KEY_FILE": str(settings.key_file),
    }
    log = (tmp / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [
            *streamlit_command(port),
            "--server.fileWatcherType",
            "none",
        ],
        cwd=tmp,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        log.close()
        pytest.fail(f"streamlit did not start: {(tmp / 'streamlit.log').read_text()[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(45_000)
    page.goto(server)
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(600)  # let charts finish drawing
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, username: str) -> None:
    # The first page a fresh server renders imports everything; on a busy machine that takes a while.
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=120_000)
    if username == "analyst":
        shot(page, "00-sign-in")
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()


def go(page: Page, screen: str, heading: str | None = None) -> None:
    page.get_by_role("link", name=screen).click()
    expect(page.get_by_role("heading", name=heading or screen).first).to_be_visible()


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox (a filtering combobox: type, then click the option)."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.press("Control+a")
    box.press_sequentially(option[:12])
    page.get_by_role("option", name=option, exact=True).click()


def wait_idle(page: Page) -> None:
    """Wait until Streamlit has finished rerunning."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=45_000)


def test_analyst_reads_the_overview_and_decision_points(page: Page):
    sign_in(page, "analyst")
    shot(page, "00b-my-work")
    go(page, "Overview")
    expect(page.get_by_text("times as likely as White staff").first).to_be_visible()
    expect(page.get_by_text("Making Data Count")).to_be_visible()
    shot(page, "01-overview")
    go(page, "Decision points")
    expect(page.get_by_text("The disparity table")).to_be_visible()
    shot(page, "02-decision-points")
    go(page, "Data")
    shot(page, "06-data")


def test_case_lead_and_panel_run_a_check_and_escalate(page: Page, browser, server):
    sign_in(page, "lead")
    go(page, "Cases")
    expect(page.get_by_role("heading", level=2).filter(has_text="Concern raised")).to_be_visible()
    shot(page, "03-cases")
    case_id = page.get_by_role("heading", level=2).first.inner_text().split(":")[0]

    def act(step: str, panel: str = "") -> None:
        """Choose the next step on the case page, fill what it needs, and save it."""
        page.get_by_role("radiogroup").get_by_text(step, exact=True).click()
        wait_idle(page)
        if panel:
            choose(page, "Panel", panel)
        page.get_by_role("button", name=step, exact=True).click()
        wait_idle(page)

    act("Start initial assessment")
    expect(page.get_by_text("Saved: Start initial assessment.")).to_be_visible()
    # The formal investigation is gated: it is not offered, and the page says why.
    expect(page.get_by_text("A formal investigation needs the panel's bias check first.")).to_be_visible()
    expect(page.get_by_role("radiogroup").get_by_text("Start formal investigation", exact=True)).to_have_count(0)
    shot(page, "03b-gate-refuses")
    act("Refer to the panel bias check", panel="North")
    expect(page.get_by_text("Saved: Refer to the panel bias check.")).to_be_visible()
    expect(page.get_by_text("Waiting for the North panel")).to_be_visible()

    # The panel member completes the check.
    panel_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    panel = panel_context.new_page()
    panel.set_default_timeout(45_000)
    panel.goto(server)
    sign_in(panel, "panel")
    go(panel, "Panel check", "Panel bias check")
    expect(panel.get_by_text("Comparable past cases")).to_be_visible()
    expect(panel.get_by_text(case_id).first).to_be_visible()
    expect(panel.get_by_role("heading", name="Pre-formal action panel bias check (v1)")).to_be_visible()
    expect(panel.get_by_role("textbox", name="Member 2 name")).to_be_visible()
    expect(panel.get_by_role("button", name="Submit review")).to_be_visible()
    radios = panel.locator("[role=radiogroup]")
    expect(radios).to_have_count(10)  # nine questions and the decision (rendered progressively)
    for i in range(radios.count() - 1):  # the last radio group is the decision
        radios.nth(i).get_by_text("Not applicable", exact=True).click()
    for area in panel.locator("textarea").all()[:-1]:
        area.fill("Agreed with occupational health and the ward manager.")
    shot(panel, "04a-panel-check-answered")
    panel.get_by_role("textbox", name="Member 2 name").fill("R. Ambassador")
    panel.get_by_role("textbox", name="Member 2 role").fill("Cultural ambassador")
    panel.get_by_text("Independent", exact=True).nth(1).click()  # member 2
    radios.last.get_by_text("Proceed to formal action", exact=True).click()
    panel.locator("textarea").last.fill("Two informal routes were tried and the conduct continued.")
    shot(panel, "04-panel-check")
    panel.get_by_role("button", name="Submit review").click()
    try:
        expect(panel.get_by_text("submitted: Proceed to formal action")).to_be_visible()
    finally:
        shot(panel, "04b-panel-check-submitted")
    panel_context.close()

    # Back to the case lead: the gate now opens.
    go(page, "Overview")
    go(page, "Cases")
    choose(page, "Open case", case_id)
    wait_idle(page)
    expect(page.get_by_text("The panel decided to proceed on")).to_be_visible()
    act("Start formal investigation")
    expect(page.get_by_text("Saved: Start formal investigation.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{case_id}: Formal investigation")).to_be_visible()
    shot(page, "05-escalated")


def test_board_viewer_downloads_the_review_pack(page: Page):
    sign_in(page, "board")
    go(page, "Reports")
    expect(page.get_by_text("is ready")).to_be_visible()
    shot(page, "07-reports")
    with page.expect_download() as info:
        page.get_by_role("button", name="PDF report").click()
    download = info.value
    path = SHOTS.parent / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes()[:5] == b"%PDF-" and path.stat().st_size > 20_000
    # Screens a board viewer may not use are not offered at all.
    expect(page.get_by_role("link", name="Cases")).to_have_count(0)


def test_admin_screen(page: Page):
    sign_in(page, "admin")
    go(page, "Admin")
    expect(page.get_by_role("tab", name="Templates")).to_be_visible()
    shot(page, "08-admin")
