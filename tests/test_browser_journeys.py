"""The case journeys as people work them, in the real browser, with axe-core on every page they visit.

1. A case lead raises a concern through the form (first with fields missing: every problem at once, beside
   its field, what was typed kept), refers it, the panel decides and both members confirm, the lead escalates.
2. A proposed suspension: the lead raises a concern and refers it in the browser, starts the formal
   investigation once the panel has decided, asks the panel, the panel checks it, the lead suspends with the
   safeguards, the case says so and the review falling due shows in My work.
3. A submitted panel decision is corrected through the explicit correction action: the lead raises and refers
   the case in the browser; the case shows the corrected decision and the admin's audit log shows the correction.

Journeys 2 and 3 each start from their own case, raised through the form (journey 1 goes through the panel's
form; these two have the formal check's decision recorded through the library, as the step they test follows it).

Each page visited is checked with axe-core (zero critical, zero serious); the counts by impact per screen and
role, and each journey's duration, are written to ``test-artifacts/`` for the README and the issue.
"""

# ruff: noqa: F811  (fixtures imported from test_browser are parameters here)
from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from erreview import store
from erreview.config import Settings
from erreview.review.panel import AttestationIn, Member, Rules
from erreview.review.roles import Actor, Role
from erreview.review.workflow import attest, submit_review

from .test_accessibility import axe_violations, by_impact
from .test_browser import (  # noqa: F401  (fixtures)
    SERVER,
    SHOTS,
    V2_ANSWERS,
    _signed_in_page,
    attest_in_browser,
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
AXE_FILE = SHOTS.parent / "axe-journeys.json"
TIMES_FILE = SHOTS.parent / "journey-times.json"
PANEL = Actor("panel", Role.PANEL_MEMBER, frozenset({"North"}))
PANEL2 = Actor("panel2", Role.PANEL_MEMBER, frozenset({"North"}))


def _merge(path, key: str, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    found = json.loads(path.read_text()) if path.exists() else {}
    found[key] = value
    path.write_text(json.dumps(found, indent=1, sort_keys=True))


def axe(tab: Page, role: str, where: str) -> None:
    """axe-core on the page as it stands: record the counts by impact, and fail on any critical or serious."""
    wait_idle(tab)
    tab.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=60_000)
    violations = axe_violations(tab)
    _merge(AXE_FILE, f"{role} · {where}", by_impact(violations))
    bad = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in violations
        if v.get("impact") in ("critical", "serious")
    ]
    assert not bad, f"{role} on {where}: {json.dumps(bad, indent=1)}"


def pick(scope: Locator | Page, page: Page, label: str, option: str) -> None:
    """Choose an option of a selectbox inside ``scope`` (the options list opens at the page's top level)."""
    box = scope.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.press_sequentially(option[:12])
    page.get_by_role("option", name=option, exact=True).click()


#: A new concern's fields (beyond the staff identifier and ethnic category), as a case lead picks them.
NEW_CONCERN = {
    "Gender": "Male",
    "Band": "Band 5",
    "Staff group": "Nursing and Midwifery Registered",
    "Division": "Surgery",
    "Case type": "Disciplinary",
    "Allegation": "Behaviour",
    "Raised by": "Their manager",
}
ETHNIC = "Black or Black British - African (N)"


def fill_concern(form: Locator, page: Page) -> None:
    """Pick the new concern's fields and its date (two days ago) in the open form."""
    for label, option in NEW_CONCERN.items():
        pick(form, page, label, option)
    type_date(form, "Concern raised on", date.today() - timedelta(days=2))


def raise_and_refer(page: Page, staff_id: str) -> str:
    """The signed-in case lead raises a concern through the Cases form, starts the initial assessment and refers
    it to the North panel, all in the browser; returns the new case's id."""
    go(page, "Cases")
    wait_idle(page)
    page.locator("[data-testid=stExpander] summary").filter(has_text="Raise a new concern").click()
    form = page.locator('[data-testid="stForm"]').filter(has_text="Raise concern")
    staff = form.get_by_role("textbox", name="Staff identifier (ESR number)", exact=True)
    expect(staff).to_be_visible()
    staff.fill(staff_id)
    pick(form, page, "Ethnic category", ETHNIC)
    fill_concern(form, page)
    form.get_by_role("button", name="Raise concern").click()
    expect(page.get_by_text("created. You are its case lead.")).to_be_visible()
    heading = page.get_by_role("heading", level=2).filter(has_text=": Concern raised")
    expect(heading).to_be_visible()
    case_id = heading.inner_text().split(":")[0].strip()
    act(page, "Start initial assessment")
    expect(page.get_by_text("Saved: Start initial assessment.")).to_be_visible()
    act(page, "Refer to the panel bias check", panel="North")
    expect(page.get_by_text("Saved: Refer to the panel bias check.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{case_id}: Awaiting panel check")).to_be_visible()
    return case_id


def date_field(scope: Locator | Page, label: str) -> Locator:
    """A date input, found by (part of) its label: a group of day, month and year segments."""
    return scope.locator("[data-testid=stDateInput]").filter(has_text=label)


def type_date(scope: Locator | Page, label: str, day: date) -> None:
    """Type a date into its segments, day first (the screens ask DD/MM/YYYY)."""
    field = date_field(scope, label)
    field.get_by_role("spinbutton").first.click()
    field.get_by_role("spinbutton").first.press_sequentially(f"{day:%d%m%Y}")
    expect(field.get_by_role("spinbutton")).to_have_text([f"{day:%d}", f"{day:%m}", f"{day:%Y}"])


def act(page: Page, step: str, panel: str = "") -> None:
    """Choose the next step on the case page, fill what it needs, and save it."""
    page.get_by_role("radiogroup").get_by_text(step, exact=True).click()
    wait_idle(page)
    if panel:
        choose(page, "Panel", panel)
    page.get_by_role("button", name=step, exact=True).click()
    wait_idle(page)


def answer_the_check(panel: Page, answers: list[tuple[str, str]]) -> None:
    """The chair answers the checklist's questions, notes and free-text questions."""
    for question, answer in answers:
        group = panel.locator('[data-testid="stRadio"]').filter(has_text=question)
        group.get_by_text(answer, exact=True).click()
        wait_idle(panel)
        expect(group.get_by_role("radio", name=answer, exact=True)).to_be_checked()
    for note in panel.locator('input[aria-label^="Note for question"]').all():
        note.fill("Checked by the panel against the comparable cases.")
        note.press("Enter")
        wait_idle(panel)
    for area in panel.locator("textarea").all():
        if area.get_attribute("aria-label") != "Written rationale":
            area.fill("Agreed with occupational health and the ward manager.")
            area.press("Control+Enter")
            wait_idle(panel)


def name_second_member(panel: Page) -> None:
    members = panel.get_by_role("combobox", name="Panel members")
    members.click()
    members.press_sequentially("Remi")
    panel.get_by_role("option", name="Remi Ambassador (panel2)").click()
    members.press("Escape")
    wait_idle(panel)
    role = panel.get_by_role("textbox", name="Role on the panel: Remi Ambassador")
    role.fill("Cultural ambassador")
    role.press("Enter")
    wait_idle(panel)


def decide(panel: Page, decision: str, rationale: str) -> None:
    panel.locator('[data-testid="stRadio"]').filter(has_text="Decision").get_by_text(decision, exact=True).click()
    wait_idle(panel)
    panel.get_by_role("textbox", name="Written rationale").fill(rationale)


def open_from_my_work(tab: Page, case_id: str, heading: str) -> None:
    """Follow My work's button to the case (My work is the first screen, and says what waits)."""
    tab.get_by_role("link", name="My work").click()
    expect(tab.get_by_role("heading", name="My work")).to_be_visible()
    wait_idle(tab)
    tab.get_by_role("button", name=f"Open {case_id}").click()
    expect(tab.get_by_role("heading", name=heading).first).to_be_visible()
    wait_idle(tab)


def test_case_lead_raises_a_concern_and_the_panel_checks_it_before_escalation(page: Page, browser, server):
    started = time.monotonic()
    sign_in(page, "lead")
    axe(page, "lead", "My work")
    go(page, "Cases")
    axe(page, "lead", "Cases")
    shot(page, "03-cases")
    page.locator("[data-testid=stExpander] summary").filter(has_text="Raise a new concern").click()
    form = page.locator('[data-testid="stForm"]').filter(has_text="Raise concern")
    staff_id = form.get_by_role("textbox", name="Staff identifier (ESR number)", exact=True)
    expect(staff_id).to_be_visible()
    staff_id.fill("E7654321")
    ethnic = ETHNIC
    pick(form, page, "Ethnic category", ethnic)
    form.get_by_role("button", name="Raise concern").click()
    wait_idle(page)

    # Every problem at once, each beside its own field, in plain words; what was typed is kept.
    missing = ["Gender", "Band", "Staff group", "Division", "Case type", "Allegation", "Raised by", "Concern raised on"]
    expect(
        page.get_by_text(f"The concern was not saved: {len(missing)} problem(s), shown beside each field.")
    ).to_be_visible()
    form = page.locator('[data-testid="stForm"]').filter(has_text="Raise concern")
    for label in missing:
        field = (
            date_field(form, label)
            if label == "Concern raised on"
            else form.get_by_role("combobox", name=label, exact=True)
        )
        beside = field.locator("xpath=ancestor::div[@data-testid='stElementContainer'][1]/following-sibling::div[1]")
        expect(beside).to_have_text(re.compile(rf"{label} is required\."))
    errors = page.locator("[data-testid=stAlertContentError]").all_inner_texts()
    assert not any(re.search(r"pydantic|_[a-z]|validation error", e) for e in errors), errors
    expect(form.get_by_role("textbox", name="Staff identifier (ESR number)", exact=True)).to_have_value("E7654321")
    expect(form.get_by_role("combobox", name="Ethnic category", exact=True)).to_have_value(ethnic)
    axe(page, "lead", "Cases: new concern with problems")
    shot(page, "03a-new-concern-problems")

    fill_concern(form, page)
    form.get_by_role("button", name="Raise concern").click()
    expect(page.get_by_text("created. You are its case lead.")).to_be_visible()
    heading = page.get_by_role("heading", level=2).filter(has_text=": Concern raised")
    expect(heading).to_be_visible()
    case_id = heading.inner_text().split(":")[0].strip()
    axe(page, "lead", "Cases: the new case")

    act(page, "Start initial assessment")
    expect(page.get_by_text("Saved: Start initial assessment.")).to_be_visible()
    # The formal investigation is gated: it is not offered, and the page says why.
    expect(page.get_by_text("A formal investigation needs the panel's bias check first.")).to_be_visible()
    expect(page.get_by_role("radiogroup").get_by_text("Start formal investigation", exact=True)).to_have_count(0)
    shot(page, "03b-gate-refuses")
    act(page, "Refer to the panel bias check", panel="North")
    expect(page.get_by_text("Saved: Refer to the panel bias check.")).to_be_visible()
    expect(page.get_by_text("Waiting for the North panel")).to_be_visible()
    axe(page, "lead", "Cases: referred")

    # The panel chair finds the referral in My work and completes the check (version 3).
    panel = _signed_in_page(browser, server, "panel")
    axe(panel, "panel", "My work")
    open_from_my_work(panel, case_id, "Panel bias check")
    expect(panel.get_by_text("Comparable past cases")).to_be_visible()
    expect(panel.get_by_role("heading", name="Pre-formal action panel bias check (version 3)")).to_be_visible()
    # Nothing answered yet: no recommendation, not formal action by default.
    expect(panel.get_by_text("No recommendation yet: answer the deciding questions")).to_be_visible()
    expect(panel.get_by_text("Recommended outcome")).to_have_count(0)
    answer_the_check(panel, V2_ANSWERS)
    expect(panel.get_by_text("Recommended outcome: Proceed to formal action.")).to_be_visible()
    expect(panel.get_by_text("This can still change")).to_have_count(0)
    shot(panel, "04a-panel-check-answered")
    name_second_member(panel)
    decide(panel, "Proceed to formal action", "Two informal routes were tried and the conduct continued.")
    axe(panel, "panel", "Panel check: answered")
    shot(panel, "04-panel-check")
    panel.get_by_role("button", name="Submit review").click()
    expect(panel.get_by_text("submitted: Proceed to formal action")).to_be_visible()
    # Decided: the screen shows the decision, not a second blank form.
    expect(panel.get_by_role("heading", name="The panel's decision")).to_be_visible()
    expect(panel.get_by_role("button", name="Submit review")).to_have_count(0)
    axe(panel, "panel", "Panel check: decided")
    shot(panel, "04b-panel-check-submitted")
    # Typed names never count: the gate waits until each named member confirms from their own account.
    attest_in_browser(panel)
    panel.context.close()
    second = _signed_in_page(browser, server, "panel2")
    go(second, "Panel check", "Panel bias check")
    axe(second, "panel2", "Panel check: confirm your place")
    shot(second, "04c-second-member-attests")
    attest_in_browser(second)
    second.context.close()

    # Back to the case lead: My work says the panel decided, and the case page offers the formal investigation.
    open_from_my_work(page, case_id, f"{case_id}: Awaiting panel check")
    expect(page.get_by_text("The panel decided to proceed on")).to_be_visible()
    axe(page, "lead", "Cases: the panel decided")
    act(page, "Start formal investigation")
    expect(page.get_by_text("Saved: Start formal investigation.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{case_id}: Formal investigation")).to_be_visible()
    # Nobody proposed a suspension: the case stays in the investigation, and a suspension is its own later step.
    steps = page.get_by_role("radiogroup", name="Choose the next step")
    expect(steps.get_by_text("Ask the panel to check a proposed suspension", exact=True)).to_be_visible()
    expect(steps.get_by_text("Suspend", exact=True)).to_have_count(0)
    axe(page, "lead", "Cases: formal investigation")
    shot(page, "05-escalated")
    _merge(TIMES_FILE, "raise, refer, panel decides, escalate", round(time.monotonic() - started, 1))


def _library() -> tuple[store.Engine, Rules]:
    """The running server's database and rules, to record what a journey does not test behind the browser's back."""
    settings = Settings(database_url=SERVER["database_url"], pseudonym_key=SERVER["pseudonym_key"])
    return store.engine_for(settings.database_url), Rules.from_settings(settings)


def _decide(engine, rules, case_id: str) -> int:
    from .test_workflow import review

    members = [Member(username="panel", role="Panel chair"), Member(username="panel2", role="Cultural ambassador")]
    review_id = submit_review(engine, rules, case_id, review(members=members), actor=PANEL)
    for who in (PANEL, PANEL2):
        attest(engine, case_id, review_id, AttestationIn(declaration="independent"), actor=who)
    return review_id


#: The suspension questions of the check, beyond the formal-investigation ones (answers that lead to suspending).
SUSPENSION_ANSWERS = [
    ("Were alternatives to suspension considered?", "Yes"),
    ("Would one of those alternatives manage the risk?", "No"),
    ("Will the employee stay on full pay while suspended?", "Yes"),
    ("Has a named contact been agreed", "Yes"),
]
#: The check before a suspension (version 3) asks the shared questions in suspension's words, and not whether
#: informal routes were considered (the alternatives to suspension are asked instead).
SUSPENSION_CHECK_ANSWERS = [
    *((q, a) for q, a in V2_ANSWERS if q not in ("Were informal routes considered?", "would we be here?")),
    ("would we be considering suspension?", "Yes"),
    *SUSPENSION_ANSWERS,
]


def test_a_proposed_suspension_is_checked_by_the_panel_before_the_lead_suspends(page: Page, browser, server):
    started = time.monotonic()
    sign_in(page, "lead")
    case_id = raise_and_refer(page, "E7654322")
    # The formal-investigation check is journey 1's; here the panel's decision to proceed is recorded directly.
    _decide(*_library(), case_id)
    expect(page).to_have_url(re.compile(rf"[?&]case={case_id}$"))
    page.reload()
    expect(page.get_by_role("heading", name=f"{case_id}: Awaiting panel check")).to_be_visible()
    expect(page.get_by_text("The panel decided to proceed on")).to_be_visible()
    wait_idle(page)
    act(page, "Start formal investigation")
    expect(page.get_by_text("Saved: Start formal investigation.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{case_id}: Formal investigation")).to_be_visible()
    # Suspension is its own path: Suspend is not offered until the panel has checked it.
    expect(page.get_by_role("radiogroup").get_by_text("Suspend", exact=True)).to_have_count(0)
    act(page, "Ask the panel to check a proposed suspension")
    expect(page.get_by_text("Saved: Ask the panel to check a proposed suspension.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{case_id}: Awaiting suspension check")).to_be_visible()
    expect(page.get_by_text("to check the case before the suspension")).to_be_visible()
    axe(page, "lead", "Cases: awaiting suspension check")
    shot(page, "05a-suspension-referred")

    panel = _signed_in_page(browser, server, "panel")
    open_from_my_work(panel, case_id, "Panel bias check")
    expect(panel.get_by_text("checking: suspension")).to_be_visible()
    expect(
        panel.get_by_role("heading", name=re.compile(r"^Panel bias check before suspension \(version"))
    ).to_be_visible()
    answer_the_check(panel, SUSPENSION_CHECK_ANSWERS)
    type_date(panel, "On what date will the suspension first be reviewed", date.today() + timedelta(days=3))
    wait_idle(panel)
    expect(panel.get_by_text("Recommended outcome: Suspend.")).to_be_visible()
    name_second_member(panel)
    decide(panel, "Suspend", "No alternative manages the risk to patients; full pay and a contact agreed.")
    axe(panel, "panel", "Panel check: suspension answered")
    shot(panel, "05b-suspension-check")
    panel.get_by_role("button", name="Submit review").click()
    expect(panel.get_by_text("submitted: Suspend.")).to_be_visible()
    attest_in_browser(panel)
    panel.context.close()
    second = _signed_in_page(browser, server, "panel2")
    go(second, "Panel check", "Panel bias check")
    attest_in_browser(second)
    second.context.close()

    open_from_my_work(page, case_id, f"{case_id}: Awaiting suspension check")
    expect(page.get_by_text("The panel agreed to the suspension on")).to_be_visible()
    expect(page.get_by_text("you can now suspend")).to_be_visible()
    axe(page, "lead", "Cases: suspension checked")
    page.get_by_role("radiogroup").get_by_text("Suspend", exact=True).click()
    wait_idle(page)
    form = page.locator('[data-testid="stForm"]').filter(has_text="Suspension safeguards")
    form.get_by_role("textbox", name="Alternatives to suspension considered, and why they will not do").fill(
        "Restricted duties and redeployment were considered; the risk is on every ward."
    )
    form.get_by_text("The employee stays on full pay", exact=True).click()
    form.get_by_role("textbox", name="Named contact for the employee (name or role)").fill("Deputy HR business partner")
    review_on = date.today() + timedelta(days=3)
    type_date(form, "First review of the suspension (empty: four weeks after the start)", review_on)
    axe(page, "lead", "Cases: suspend with safeguards")
    shot(page, "05c-suspend-safeguards")
    form.get_by_role("button", name="Suspend", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Saved: Suspend.")).to_be_visible()
    # The outcome is on the case: suspended, the review listed, and the review offered.
    expect(page.get_by_role("heading", name=f"{case_id}: Formal investigation")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Suspended since \d"))).to_be_visible()
    expect(page.get_by_role("heading", name="Suspension reviews")).to_be_visible()
    expect(page.get_by_role("button", name="Record the suspension review")).to_be_visible()
    axe(page, "lead", "Cases: suspended")
    shot(page, "05d-suspended")
    # The first review falls due within the week: My work says so, with a way to the case.
    page.get_by_role("link", name="My work").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.get_by_text(f"{case_id}: suspension review due soon", exact=False)).to_be_visible()
    # The item's own box: the innermost block holding both its sentence and its button.
    item = (
        page.locator("[data-testid=stVerticalBlock]")
        .filter(has=page.get_by_text(f"{case_id}: suspension review due soon"))
        .filter(has=page.get_by_role("button", name=f"Open {case_id}"))
        .last
    )
    expect(item.get_by_role("button", name=f"Open {case_id}")).to_be_visible()
    axe(page, "lead", "My work: suspension review due")
    shot(page, "05e-my-work-suspension-review")
    item.get_by_role("button", name=f"Open {case_id}").click()
    expect(page.get_by_role("heading", name=f"{case_id}: Formal investigation")).to_be_visible()
    expect(page.get_by_role("button", name="Record the suspension review")).to_be_visible()
    _merge(TIMES_FILE, "suspension check", round(time.monotonic() - started, 1))


def test_a_panel_decision_is_corrected_through_the_correction_action(page: Page, browser, server):
    started = time.monotonic()
    lead = _signed_in_page(browser, server, "lead")
    case_id = raise_and_refer(lead, "E7654323")
    # The panel's first decision is recorded directly (journey 1 submits one through the form): this journey
    # corrects it.
    first = _decide(*_library(), case_id)

    sign_in(page, "panel")
    go(page, "Panel check", "Panel bias check")
    choose(page, "Case", case_id)
    wait_idle(page)
    expect(page.get_by_role("heading", name="The panel's decision")).to_be_visible()
    expect(page.get_by_text(f"Review {first}, submitted on")).to_be_visible()
    expect(page.get_by_role("button", name="Submit review")).to_have_count(0)
    axe(page, "panel", "Panel check: decided")
    page.get_by_role("button", name="Correct this decision").click()
    expect(page.get_by_role("heading", name=f"Correct review {first}")).to_be_visible()
    wait_idle(page)
    # The correction starts from the decided review's answers, not from a blank form.
    decision = page.locator('[data-testid="stRadio"]').filter(has_text="Decision")
    expect(decision.get_by_role("radio", name="Proceed to formal action", exact=True)).to_be_checked()
    expect(page.get_by_role("textbox", name="Written rationale")).not_to_have_value("")
    decision.get_by_text("More information needed", exact=True).click()
    wait_idle(page)
    page.get_by_role("textbox", name="Why the panel decides against the recommended outcome").fill(
        "The investigator's independence is not yet confirmed."
    )
    axe(page, "panel", "Panel check: correcting")
    shot(page, "04d-correct-the-decision")
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_text(f"Review {first} corrected by review")).to_be_visible()
    flash = page.get_by_text(f"Review {first} corrected by review").inner_text()
    second = int(re.search(rf"Review {first} corrected by review (\d+)", flash).group(1))
    expect(page.get_by_text(f"Review {second}, submitted on")).to_be_visible()
    expect(page.get_by_role("button", name="Submit review")).to_have_count(0)
    axe(page, "panel", "Panel check: corrected")

    # The lead's tab, still on the case they referred, shows the corrected decision once it reruns.
    expect(lead).to_have_url(re.compile(rf"[?&]case={case_id}$"))
    lead.reload()
    expect(lead.get_by_role("heading", name=f"{case_id}: Awaiting panel check")).to_be_visible()
    expect(
        lead.get_by_text("More information needed. The formal investigation cannot go ahead. The panel reviews")
    ).to_be_visible()
    expect(lead.get_by_role("radiogroup").get_by_text("Start formal investigation", exact=True)).to_have_count(0)
    axe(lead, "lead", "Cases: corrected decision")
    shot(lead, "04e-case-after-correction")
    lead.context.close()

    admin = _signed_in_page(browser, server, "admin")
    go(admin, "Admin")
    admin.get_by_role("tab", name="Audit log").click()
    expect(admin.get_by_text("The audit log is intact")).to_be_visible()
    choose(admin, "Action", "Review: submit")
    wait_idle(admin)
    cells = admin.locator("[data-testid=stDataFrame] [role=gridcell]")
    # The correction's entry: the new review, naming the one it supersedes (exact ids, not a prefix of another).
    entry = cells.filter(has_text=re.compile(rf"review id: {second}(;|$)")).filter(
        has_text=re.compile(rf"supersedes: {first}(;|$)")
    )
    expect(entry.first).to_be_attached()
    axe(admin, "admin", "Admin: audit log")
    shot(admin, "08b-audit-log-correction")
    admin.context.close()
    _merge(TIMES_FILE, "correction", round(time.monotonic() - started, 1))
