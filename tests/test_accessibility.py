"""Accessibility with axe-core in the real browser: every screen, for every role, with no critical and no
serious violations (WCAG 2.1 A and AA rules as axe-core reports them), and a title per screen."""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from erreview.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

from .test_browser import SHOTS, browser, open_screen, page, screen_names, server, sign_in, wait_idle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
AXE = Axe()
#: The screens each demo account sees, by navigation label and the heading that shows it has loaded.
ROLE_OF = {account.username: account.role for account in DEMO_ACCOUNTS}


#: axe-core's impact levels, worst first.
IMPACTS = ("critical", "serious", "moderate", "minor")


def axe_violations(tab: Page) -> list[dict]:
    """Every WCAG 2.1 A/AA violation axe-core finds on the page as it is now."""
    results = AXE.run(tab, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    return list(results.response["violations"])


def by_impact(violations: list[dict]) -> dict[str, int]:
    """How many rules are violated at each impact level (axe counts a rule once however many nodes break it)."""
    return {impact: sum(1 for v in violations if v.get("impact") == impact) for impact in IMPACTS}


def _record_screens(username: str, counts: dict[str, dict[str, int]]) -> None:
    """Add this account's rules violated per screen, by impact, to ``axe-screens.json`` (the README's and the
    closing notes' table of every screen comes from it)."""
    path = SHOTS.parent / "axe-screens.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    every = json.loads(path.read_text()) if path.exists() else {}
    every[username] = counts
    path.write_text(json.dumps(every, indent=1, sort_keys=True))


@pytest.mark.parametrize("username", sorted(ROLE_OF))
def test_every_screen_has_no_serious_accessibility_violation(page: Page, username: str):  # noqa: F811 (fixture)
    sign_in(page, username)
    names = screen_names(page)
    assert names, "the navigation lists the screens"
    found: dict[str, list[dict]] = {}
    counts: dict[str, dict[str, int]] = {}
    for name in names:
        open_screen(page, name)
        expect(page).to_have_title(f"{name} – erreview")
        every = axe_violations(page)
        counts[name] = by_impact(every)
        bad = [v for v in every if v.get("impact") in ("critical", "serious")]
        if bad:
            found[name] = [
                {
                    "id": v["id"],
                    "impact": v["impact"],
                    "help": v["help"],
                    "nodes": [
                        {"target": n["target"], "html": n.get("html", "")[:300], "why": n.get("failureSummary", "")}
                        for n in v["nodes"][:5]
                    ],
                }
                for v in bad
            ]
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS.parent / f"axe-{username}.json").write_text(json.dumps(found, indent=1))
    _record_screens(username, counts)
    assert not found, json.dumps(found, indent=1)


def _tab_to(tab: Page, accessible_name: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element is named ``accessible_name`` (its label, text or aria-label)."""
    script = """(name) => {
        const el = document.activeElement;
        if (!el) return false;
        // A control is named by its aria-label or its label; a link or button by its text.
        const texts = [el.getAttribute('aria-label') || ''];
        if (el.labels && el.labels.length) texts.push(el.labels[0].innerText);
        if (['A', 'BUTTON'].includes(el.tagName)) texts.push(el.innerText);
        return texts.some((t) => t.split('\\n').some((line) => line.trim() === name));
    }"""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate(script, accessible_name):
            return
    raise AssertionError(f"could not reach {accessible_name!r} with the Tab key")


def test_a_case_lead_journey_with_the_keyboard_only(page: Page):  # noqa: F811 (fixture)
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=120_000)
    wait_idle(page)  # typing into a form that is still being drawn loses the keys
    _tab_to(page, "Username")
    page.keyboard.type("lead")
    expect(page.get_by_role("textbox", name="Username")).to_have_value("lead")
    _tab_to(page, "Password")
    page.keyboard.type(DEMO_PASSWORD)
    _tab_to(page, "Sign in")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    wait_idle(page)
    _tab_to(page, "Cases")
    page.keyboard.press("Enter")
    # No case opens by itself (opening one is logged as a view): choose the first listed from the keyboard.
    expect(page.get_by_role("combobox", name="Open case")).to_be_visible()
    wait_idle(page)
    _tab_to(page, "Open case")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    wait_idle(page)  # Tab stops drawn after the first Tab press would be skipped
    _tab_to(page, "Start initial assessment")
    page.keyboard.press("Space")  # choose the step
    wait_idle(page)
    button = page.get_by_role("button", name="Start initial assessment", exact=True)
    expect(button).to_be_visible()
    _tab_to(page, "Start initial assessment")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Saved: Start initial assessment.")).to_be_visible()
    # The keyboard focus goes to the message (a status: read out as it appears), not back to the top of the page.
    expect(page.get_by_role("status").filter(has_text="Saved: Start initial assessment.")).to_be_focused()


def test_a_refused_form_takes_the_focus_to_its_message(page: Page):  # noqa: F811 (fixture)
    """A form refused: the message is an alert (read out as it appears) and holds the keyboard focus, so the next
    Tab goes on from it to the fields beside their problems."""
    sign_in(page, "lead")
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    wait_idle(page)
    page.get_by_text("Raise a new concern").click()
    button = page.get_by_role("button", name="Raise concern", exact=True)
    expect(button).to_be_visible()
    wait_idle(page)  # a click while the opened form is still being drawn is lost (CI, a busy machine)
    button.click()
    message = page.get_by_role("alert").filter(has_text="The concern was not saved")
    expect(message).to_be_visible(timeout=60_000)
    expect(message).to_be_focused()
