"""The main journeys in a real browser: Debian's chromium driven by Playwright against the running app.

Screenshots of every screen are written to ``test-artifacts/screens/`` for review (and the README).
"""

from __future__ import annotations

import os
import re
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
#: The running server's database URL, for tests that change users behind the browser's back.
SERVER: dict[str, str] = {}


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
    SERVER["database_url"] = settings.database_url
    SERVER["pseudonym_key"] = "browser-test-key-0123456789"
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


def screen_names(page: Page) -> list[str]:
    """The screens the navigation lists, by label (a link's text is its icon's ligature name, then its label)."""
    links = page.locator("[data-testid=stSidebarNav] a")
    return [links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())]


def open_screen(page: Page, name: str, *, timeout: int = 60_000) -> None:
    """Open a screen from the navigation and wait until it has settled: Streamlit greys out the previous
    screen's elements while it reruns, so only the settled page is judged."""
    page.get_by_role("link", name=name, exact=True).click()
    wait_idle(page)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=timeout)
    expect(page.locator("h1").first).to_be_visible()


def wait_idle(page: Page) -> None:
    """Wait until Streamlit has finished rerunning."""
    page.wait_for_timeout(300)
    page.evaluate("() => { window.__erreviewIdleSince = undefined; }")
    # A rerun can start just after another ends (a page switch, then the screen's own first draw), so "idle" means
    # no running indicator and no greyed-out element for 800 ms on end, measured in the page itself.
    page.wait_for_function(
        """() => {
            const busy = document.querySelector('[data-testid="stStatusWidget"]')
                || document.querySelector('[data-stale="true"]');
            const now = performance.now();
            if (busy) { window.__erreviewIdleSince = undefined; return false; }
            if (window.__erreviewIdleSince === undefined) window.__erreviewIdleSince = now;
            return now - window.__erreviewIdleSince >= 800;
        }""",
        timeout=90_000,
        polling=100,
    )


def test_analyst_reads_the_overview_and_decision_points(page: Page):
    sign_in(page, "analyst")
    shot(page, "00b-my-work")
    go(page, "Overview")
    expect(page.get_by_text("times as likely as White staff").first).to_be_visible()
    expect(page.get_by_role("heading", name="Trend by half-year")).to_be_visible(timeout=90_000)
    wait_idle(page)
    shot(page, "01-overview")
    go(page, "Decision points")
    expect(page.get_by_role("heading", name="The disparity table")).to_be_visible()  # its download button says it too
    wait_idle(page)
    shot(page, "02-decision-points")
    go(page, "Data")
    shot(page, "06-data")


#: v2 answers (question text, answer) that route to "proceed" for a formal-investigation check.
V2_ANSWERS = [
    ("framed clearly enough", "Yes"),
    ("Were informal routes considered?", "Yes"),
    ("asked for their own account?", "Yes"),
    ("relevant information been gathered?", "Yes"),
    ("system or process problem", "No"),
    ("patient-safety incident or an error in care?", "No"),
    ("would we be here?", "Yes"),
    ("consistent with how those comparable cases", "Yes"),
    ("cultural, language or communication", "No"),
    ("conscious or unconscious bias", "No"),
    ("trained lay member or cultural ambassador", "Yes"),
    ("investigator independent of the matter?", "Not applicable"),
    ("decision maker independent", "Yes"),
    ("case manager been trained", "Yes"),
    ("investigator been trained", "Not applicable"),
]


def _signed_in_page(browser, server: str, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(45_000)
    page.goto(server)
    sign_in(page, username)
    return page


def attest_in_browser(page: Page) -> None:
    """The signed-in member confirms their place on the panel and declares independence."""
    expect(page.get_by_text("Reviews waiting for your confirmation")).to_be_visible()
    form = page.locator('[data-testid="stForm"]').filter(has_text="Your declaration for review")
    form.get_by_text("I am independent of the matter and of the referring manager", exact=True).click()
    form.get_by_role("button", name=re.compile("Confirm my place on the panel")).click()
    expect(page.get_by_text("You confirmed your place on the panel")).to_be_visible()


def test_admin_reads_the_spc_chart_and_the_two_windows(page: Page):
    sign_in(page, "admin")
    go(page, "Overview")
    heading = page.get_by_role("heading", name="Is anything changing? (Making Data Count)")
    expect(heading).to_be_visible(timeout=90_000)
    wait_idle(page)
    heading.scroll_into_view_if_needed()
    expect(page.get_by_text("Statistical process control chart of the relative likelihood")).to_be_visible()
    shot(page, "01b-overview-spc")
    go(page, "Decision points")
    # The screen opens on the half-year holding the newest data; a journey (test_browser_journeys) may start a formal
    # investigation today, which moves that half-year to today's (nearly empty), so ask for every case on record.
    wait_idle(page)
    page.get_by_text("All cases on record", exact=True).click()
    wait_idle(page)
    windows = page.get_by_role("heading", name="Is it better since the pre-checks began").first
    expect(windows).to_be_visible(timeout=90_000)
    wait_idle(page)
    page.get_by_text("Both charts use the same axes").scroll_into_view_if_needed()
    shot(page, "02b-before-and-since")
    page.get_by_role("heading", name="The disparity table").scroll_into_view_if_needed()
    shot(page, "02c-disparity-table")


def test_board_viewer_downloads_the_review_pack(page: Page):
    sign_in(page, "board")
    go(page, "Reports")
    expect(page.get_by_text("The pack is prepared when you ask for it")).to_be_visible()
    page.get_by_role("button", name="Prepare the pack").click()
    expect(page.get_by_role("button", name="PDF report")).to_be_visible(timeout=120_000)
    wait_idle(page)
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


def _local_sign_in(page: Page, username: str, password: str, heading: str = "My work") -> None:
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()


def _lead_cases() -> list[str]:
    from erreview.review.roles import Actor, Role
    from erreview.review.workflow import list_cases

    cases = list_cases(store.engine_for(SERVER["database_url"]), actor=Actor("lead", Role.CASE_LEAD))
    return [str(c) for c in cases["case_id"]]


def test_reload_and_a_new_tab_keep_the_session_and_a_case_link_opens_the_case(page: Page, server):
    wanted = _lead_cases()[3]
    # A case link opened while signed out: sign in, and that case opens.
    page.goto(f"{server}/cases?case={wanted}")
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()
    _local_sign_in(page, "lead", DEMO_PASSWORD, heading="Cases")
    expect(page.get_by_role("heading", name=f"{wanted}:")).to_be_visible()
    assert page.url.endswith(f"/cases?case={wanted}")
    page.wait_for_function("() => document.cookie.includes('erreview_session=')")
    cookie = next(c for c in page.context.cookies() if c["name"] == "erreview_session")
    assert cookie["sameSite"] == "Strict"
    # Reload: still signed in, same case.
    page.reload()
    expect(page.get_by_role("heading", name=f"{wanted}:")).to_be_visible()
    expect(page.get_by_role("textbox", name="Username")).to_have_count(0)
    # A new tab with another case's link: signed in already, that case opens.
    other = _lead_cases()[5]
    tab = page.context.new_page()
    tab.set_default_timeout(45_000)
    tab.goto(f"{server}/cases?case={other}")
    expect(tab.get_by_role("heading", name=f"{other}:")).to_be_visible()
    shot(tab, "09-case-link")
    # Every screen has an address.
    tab.goto(f"{server}/precheck")
    expect(tab.get_by_role("heading", name="Panel bias check")).to_be_visible()
    # Signing out ends the session for every tab of this browser.
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()
    tab.reload()
    expect(tab.get_by_role("textbox", name="Username")).to_be_visible()


def test_a_deactivated_users_open_session_is_refused_on_the_next_click(page: Page):
    from erreview.auth import add_user, set_active
    from erreview.review.roles import Role

    engine = store.engine_for(SERVER["database_url"])
    add_user(engine, username="temp.lead", role=Role.CASE_LEAD, password="temporary-password-1")
    _local_sign_in(page, "temp.lead", "temporary-password-1")
    go(page, "Cases")
    set_active(engine, "temp.lead", False, by="test")
    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_text("has been deactivated")).to_be_visible()
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()
    expect(page.get_by_role("heading", name="Overview")).to_have_count(0)
    page.reload()  # the cookie no longer signs anyone in
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()
    expect(page.get_by_role("link", name="Cases")).to_have_count(0)


MARKDOWN_ID = "**B** ![i](http://x.invalid/i.png) [Session expired](http://x.invalid/) :red[R] <b>h</b>"


def test_markdown_in_an_imported_case_id_is_shown_literally(page: Page, server, tmp_path):
    import urllib.parse

    from erreview import service
    from erreview.review.roles import SYSTEM
    from erreview.review.workflow import assign_case

    from .conftest import EXAMPLES

    lines = (EXAMPLES / "cases.csv").read_text().splitlines()
    row = lines[2].split(",")
    row[0] = MARKDOWN_ID
    (tmp_path / "cases.csv").write_text(lines[0] + "\n" + ",".join(row) + "\n")
    settings = Settings(database_url=SERVER["database_url"], pseudonym_key=SERVER["pseudonym_key"])
    engine = store.engine_for(settings.database_url)
    service.import_files(engine, settings, cases=tmp_path / "cases.csv")
    assign_case(engine, MARKDOWN_ID, actor=SYSTEM, case_lead="lead")
    page.goto(f"{server}/cases?case={urllib.parse.quote(MARKDOWN_ID)}")
    _local_sign_in(page, "lead", DEMO_PASSWORD, heading="Cases")
    heading = page.get_by_role("heading", level=2).filter(has_text="**B** ![i](")
    expect(heading).to_be_visible()
    # Shown as typed (an invisible zero-width space keeps the addresses from becoming links).
    assert heading.inner_text().replace("\u200b", "").startswith(MARKDOWN_ID + ":")
    main = page.locator("[data-testid=stMain]")
    assert main.locator("img[src*='x.invalid']").count() == 0
    # No text rendered as Markdown (headings, alerts, captions) turned it into a link. (The case table's own
    # grid is not Markdown; what it does with a bare URL inside a cell is Streamlit's.)
    markdown = page.locator("[data-testid=stMain] [data-testid=stMarkdownContainer], [data-testid=stHeading]")
    assert markdown.locator("a[href^='http://x.invalid']").count() == 0
    assert main.locator("strong").filter(has_text=re.compile(r"^B$")).count() == 0
    shot(page, "10-markdown-case-id-literal")
