"""Every screen through Streamlit's AppTest, for each role that can see it, and refusals for the rest."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from erreview import service
from erreview.demo import DEMO_PASSWORD, prepare_demo
from erreview.review.roles import Actor, Role
from erreview.store import audit
from panels.common import SESSION_KEY

from .pg import database_url
from .sessions import shown

ROOT = Path(__file__).parent.parent
APP = str(ROOT / "streamlit_app.py")
SCREENS = {
    "panels/mywork.py": set(Role),
    "panels/overview.py": set(Role) - {Role.DIVISION_LEAD},
    "panels/division_overview.py": {Role.DIVISION_LEAD},
    "panels/division_decisions.py": {Role.DIVISION_LEAD},
    "panels/decisions.py": {Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER},
    "panels/divisions.py": {Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER, Role.DIVISION_LEAD},
    "panels/measures.py": {Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER},
    "panels/cases.py": {Role.ADMIN, Role.CASE_LEAD, Role.PANEL_MEMBER},
    "panels/precheck.py": {Role.ADMIN, Role.CASE_LEAD, Role.PANEL_MEMBER},
    "panels/reports.py": {Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER},
    "panels/actions.py": {Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER},
    "panels/data.py": {Role.ADMIN, Role.INCLUSION_ANALYST},
    "panels/admin.py": {Role.ADMIN},
}
ACTORS = {
    Role.ADMIN: Actor("admin", Role.ADMIN),
    Role.CASE_LEAD: Actor("lead", Role.CASE_LEAD),
    Role.PANEL_MEMBER: Actor("panel", Role.PANEL_MEMBER, frozenset({"North"})),
    Role.INCLUSION_ANALYST: Actor("analyst", Role.INCLUSION_ANALYST),
    Role.BOARD_VIEWER: Actor("board", Role.BOARD_VIEWER),
    Role.DIVISION_LEAD: Actor("divlead", Role.DIVISION_LEAD, divisions=frozenset({"Medicine"})),
}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from erreview import store
    from erreview.config import Settings

    tmp = tmp_path_factory.mktemp("app")
    settings = Settings(
        database_url=database_url(tmp, "app.db"),
        pseudonym_key="test-pseudonym-key-0123456789",
        key_file=tmp / "pseudonym.key",  # the audit anchors live beside it: never in the home folder
    )
    audit.bind(settings.database_url, settings)
    engine = store.make_engine(settings.database_url)
    prepare_demo(engine, settings)
    return settings


@pytest.fixture
def app_env(demo_db, monkeypatch):
    monkeypatch.setenv("ERREVIEW_DATABASE_URL", demo_db.database_url)
    monkeypatch.setenv("ERREVIEW_PSEUDONYM_KEY", demo_db.pseudonym_key.get_secret_value())
    monkeypatch.setenv("ERREVIEW_KEY_FILE", str(demo_db.key_file))
    return demo_db


def session_for(role: Role) -> str:
    """A real server-side session for the account with ``role`` (as a sign-in would create; made if missing)."""
    from .sessions import session_token

    return session_token(os.environ["ERREVIEW_DATABASE_URL"], ACTORS[role])


def signed_in(role: Role) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[SESSION_KEY] = session_for(role)
    return at.run()


def test_signed_out_sees_only_the_sign_in_screen(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["erreview"]
    assert len(at.text_input) == 2
    # A screen's address while signed out shows the sign-in form, never the screen.
    at.switch_page("panels/overview.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["erreview"] and len(at.text_input) == 2


def test_local_sign_in_with_the_demo_password(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input("analyst")
    at.text_input[1].input("wrong password")
    at.button[0].click().run()
    assert any("do not match" in e.value for e in at.error)
    at.text_input[1].input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state[SESSION_KEY]
    assert "My work" in [t.value for t in at.title]
    assert any("Inclusion analyst" in m.value for m in at.sidebar.markdown)


CASES = [(screen, role) for screen in SCREENS for role in Role]


@pytest.mark.parametrize(("screen", "role"), CASES, ids=[f"{s.split('/')[1][:-3]}-{r.value}" for s, r in CASES])
def test_each_screen_for_each_role(app_env, screen, role):
    at = signed_in(role)
    assert not at.exception, at.exception
    if role in SCREENS[screen]:
        at.switch_page(screen).run()
        assert not at.exception, at.exception
        assert at.title, "the screen rendered nothing"
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(screen)
        # Even run directly, the screen itself refuses the role.
        direct = AppTest.from_file(str(ROOT / screen), default_timeout=60)
        direct.session_state[SESSION_KEY] = session_for(role)
        direct.run()
        assert any("do not have access" in e.value for e in direct.error), screen


def test_overview_numbers_and_signals(app_env):
    # An administrator: roles without case-level access lose the before/after and SPC views when a pooled
    # period is too small to publish (tests/test_screen_privacy.py).
    at = signed_in(Role.ADMIN).switch_page("panels/overview.py").run()
    text = " ".join(m.value for m in at.markdown)
    assert "times as likely as White staff" in text
    metrics = {m.label: m.value for m in at.metric}
    results = service.wres_results(
        __import__("erreview.store", fromlist=["engine_for"]).engine_for(app_env.database_url)
    )
    latest = service.latest_available(results)
    assert metrics[f"Relative likelihood, {latest.period.words}"] == f"{latest.estimate.ratio:.2f}"
    assert "Before" in metrics and "Ratio of ratios" in metrics  # the demo sets an intervention date
    assert any("Making Data Count" in s.value for s in at.header)


def test_decision_points_screen_shows_the_table_and_breakdowns(app_env):
    at = signed_in(Role.INCLUSION_ANALYST).switch_page("panels/decisions.py").run()
    assert len(at.dataframe) >= 4
    table = at.dataframe[0].value
    assert list(table["Decision point"])[:2] == ["Formal investigation", "Suspension"]
    at.selectbox[0].select("gender").run()
    assert not at.exception
    assert any("too few to compare" in str(df.value.values) for df in at.dataframe[1:3])
    # On the demo's small trust the band breakdown at formal investigation cannot be protected (a `*` is at
    # least 1, and each band's row says whether it holds enough cases to compare): it is not shown, in words.
    at.selectbox[0].select("band").run()
    assert not at.exception
    assert any("not shown for this step" in i.value for i in at.info)


def test_decision_points_screen_states_the_pack_window_and_speaks_from_the_flags(app_env):
    from erreview import store
    from erreview.narrative import SCREEN_DAY, decisions_headline, window_words

    engine = store.engine_for(app_env.database_url)
    start, end = service.default_decision_window(engine)
    # An administrator: for roles without case-level access, steps resting on small numbers are not judged
    # (tests/test_screen_privacy.py).
    at = signed_in(Role.ADMIN).switch_page("panels/decisions.py").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    words = window_words(start, end, day=SCREEN_DAY)
    assert f"Window: {words}" in text and "same 12 months as the latest review pack" in text
    results = service.decision_results(engine, opened_from=start, opened_to=end)
    _, headline = decisions_headline(results, words)
    # Complaints raised by staff in the demo's window: BME staff's upheld less often, significantly (checked
    # here from the counts: ratio below 0.80, Fisher p below 0.05 on its own one-row table). The banner says so
    # too: it said "no decision point shows a disparity that disadvantages BME staff" above it (an outside
    # reviewer read that as the screen contradicting itself).
    from scipy.stats import fisher_exact

    complaints = service.decision_analysis(
        service.disciplinary_cases(engine, opened_from=start, opened_to=end),
        min_group_size=app_env.min_group_size,
        complaints=service.complaint_cases(engine, opened_from=start, opened_to=end),
    ).complaints
    b, w = complaints.bme, complaints.white
    assert (b.events / b.n) / (w.events / w.n) < 0.8
    assert fisher_exact([[b.events, b.n - b.events], [w.events, w.n - w.events]])[1] < 0.05
    banner = next(e.value for e in at.error if e.value.startswith(headline))
    assert "Complaints raised by staff: a disparity that disadvantages BME staff" in banner
    assert "significant gap" not in text.lower()
    for r in results:  # one sentence per step, from its flag
        assert any(m.value.startswith(f"- {r.point.label}: BME ") for m in at.markdown)
    assert any("Complaints raised by staff" in s.value for s in at.header)
    assert any("Is it better since the pre-checks began" in s.value for s in at.header)


def _next_step(at: AppTest):
    return next(r for r in at.radio if r.label == "Choose the next step")


def _open_case(at: AppTest, case_id: str | None = None) -> AppTest:
    """Choose a case in the Cases screen's picker (the first listed unless named), as a person would."""
    picker = next(s for s in at.selectbox if s.label == "Open case")
    return picker.select(case_id or picker.options[0]).run()


def _case_heading(at: AppTest) -> str:
    """The open case's heading ("ER-…: stage"), or "" (the list of running suspensions has a heading too)."""
    return next((h.value.replace("\\", "") for h in at.header if h.value != "Suspension reviews"), "")


def _views(settings, person: str) -> list[str]:
    """The cases ``person`` is recorded as having viewed, oldest first, read from the audit log."""
    log = service.audit_log(service_engine(settings), person=person, action="case.view")
    return list(log.sort_values("id")["entity_id"])


def test_the_cases_screen_opens_no_case_until_one_is_chosen_and_logs_one_view(app_env):
    """Opening the Cases screen is not looking at a case: nothing opens, nothing is logged, until the person
    chooses one; then one view, however often the page reruns; a link naming a case opens it."""
    before = len(_views(app_env, "lead"))  # the demo database is shared: count from here

    def new_views() -> list[str]:
        return _views(app_env, "lead")[before:]

    at = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()
    assert not at.exception
    picker = next(s for s in at.selectbox if s.label == "Open case")
    assert picker.value is None and picker.proto.placeholder == "Choose a case"
    assert _case_heading(at) == "" and "case" not in at.query_params and "case_id" not in at.session_state
    assert new_views() == []
    at.run().run()
    assert new_views() == []
    chosen = picker.options[1]
    _open_case(at, chosen)
    assert not at.exception and _case_heading(at).startswith(f"{chosen}:")
    assert at.query_params["case"] == [chosen] or at.query_params["case"] == chosen
    # Reruns of the same open case (the page's own widgets, a table filter) log nothing more.
    at.run()
    _next_step(at).set_value(_next_step(at).options[0]).run()
    at.run()
    assert _case_heading(at).startswith(f"{chosen}:")
    assert new_views() == [chosen]
    # Another case is another view; the timeline shows it in plain words.
    other = next(s for s in at.selectbox if s.label == "Open case").options[0]
    _open_case(at, other)
    at.run()  # the timeline is read before this opening is logged: the next run shows it
    assert new_views() == [chosen, other]
    events = list(next(d for d in at.dataframe if "What happened" in d.value.columns).value["What happened"])
    assert "Viewed by lead" in events and not any("(by " in e or "_" in e for e in events), events
    # A link naming a case (My work, the browser journeys) opens it in a new session: one view.
    linked = signed_in(Role.CASE_LEAD)
    linked.query_params["case"] = chosen
    linked.switch_page("panels/cases.py").run()
    assert not linked.exception and _case_heading(linked).startswith(f"{chosen}:")
    linked.run()
    assert new_views() == [chosen, other, chosen]


def test_a_case_page_offers_only_the_steps_open_at_its_stage(app_env):
    at = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()
    assert not at.exception
    _open_case(at)
    assert _case_heading(at).endswith("Concern raised")
    assert _next_step(at).options == ["Start initial assessment"]
    assert _next_step(at).value is None  # nothing is chosen for the person
    _next_step(at).set_value("Start initial assessment").run()
    next(b for b in at.button if b.label == "Start initial assessment").click().run()
    assert not at.exception and any("Saved" in s.value for s in at.success)
    # The formal investigation is gated: it is not offered until the panel has decided; the referral is.
    assert _next_step(at).options == ["Route informally", "No further action", "Refer to the panel bias check"]
    _next_step(at).set_value("Refer to the panel bias check").run()
    panel = next(s for s in at.selectbox if s.label == "Panel")
    assert panel.options == ["North"]  # only existing panels: a misspelt panel cannot be chosen
    next(b for b in at.button if b.label == "Refer to the panel bias check").click().run()
    assert any(e.value == "Choose the panel the case is referred to." for e in at.error)
    next(s for s in at.selectbox if s.label == "Panel").select("North")
    next(b for b in at.button if b.label == "Refer to the panel bias check").click().run()
    assert not at.exception
    assert _case_heading(at).endswith("Awaiting panel check")
    assert any("Waiting for the North panel" in i.value for i in at.info)
    assert "Start formal investigation" not in _next_step(at).options


def test_a_new_concern_lists_every_problem_beside_its_field(app_env):
    at = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()
    gender = next(s for s in at.selectbox if s.label == "Gender")
    assert gender.value is None  # no default decides for the person
    next(t for t in at.text_input if t.label.startswith("Staff identifier")).input("E1234567")
    next(b for b in at.button if b.label == "Raise concern").click().run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any("9 problem(s)" in m for m in messages), messages
    for label in ("Ethnic category", "Gender", "Band", "Division", "Case type", "Allegation", "Concern raised on"):
        assert any(m.startswith(f"{label} is required") for m in messages), (label, messages)
    assert not any("pydantic" in m or "_" in m.split(" is required")[0] for m in messages)
    # What was typed is kept.
    assert next(t for t in at.text_input if t.label.startswith("Staff identifier")).value == "E1234567"


def test_the_data_screen_lists_every_problem_before_writing(app_env):
    at = signed_in(Role.INCLUSION_ANALYST).switch_page("panels/data.py").run()
    assert not at.exception
    assert any("Ethnicity not stated" in m.label for m in at.metric)


def test_admin_adds_a_national_figure_and_a_bad_one_is_refused(app_env):
    at = signed_in(Role.ADMIN).switch_page("panels/admin.py").run()
    shipped = next(df.value for df in at.dataframe if "Report" in df.value.columns)
    assert "WRES 2022 report (2021/22 data)" in list(shipped["Report"])

    def field(label: str):
        return next(t for t in at.text_input if t.label.startswith(label))

    field("Report year").input("2031")
    field("Data year").input("2030/31")
    field("Relative likelihood").input("abc")
    field("Source title").input("A test report")
    field("Source address").input("https://example.org/report")
    next(b for b in at.button if b.label == "Add figure").click().run()
    assert any("Not added: value 'abc' is not a number" in e.value for e in at.error)
    field("Relative likelihood").input("1.05")
    next(b for b in at.button if b.label == "Add figure").click().run()
    assert not at.exception and any("Added the WRES 2031 report" in s.value for s in at.success)
    from erreview import store

    latest = service.national_figures(store.engine_for(app_env.database_url)).latest()
    assert latest is not None and latest.label == "WRES 2031 report (2030/31 data)" and latest.added


def test_admin_sees_users_settings_and_templates(app_env):
    at = signed_in(Role.ADMIN).switch_page("panels/admin.py").run()
    assert not at.exception
    users = at.dataframe[0].value
    assert {"admin", "lead", "panel", "analyst", "board"} <= set(users["Username"])
    assert any(e.label.startswith("Pre-formal action panel bias check") for e in at.expander)
    assert any("The audit log is intact" in s.value for s in at.success)


def test_admin_sees_who_opened_which_case_and_can_filter_and_download_the_log(app_env):
    lead = _open_case(signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run())
    assert not lead.exception
    opened = lead.session_state["case_id"]
    at = signed_in(Role.ADMIN).switch_page("panels/admin.py").run()
    assert not at.exception
    assert any("The audit log is intact" in s.value for s in at.success)
    next(s for s in at.selectbox if s.label == "Person").select("lead").run()
    next(s for s in at.selectbox if s.label == "Action").select("case.view").run()
    log = next(d for d in at.dataframe if "Action" in d.value.columns).value  # headed for people (test_table_values)
    assert not log.empty and set(log["Person"]) == {"lead"} and set(log["Action"]) == {"Case: view"}
    assert opened in set(log["Record"])
    # The date filters (UTC days, both ends included): today keeps the view, a window ending yesterday drops it.
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).date()
    next(d for d in at.date_input if d.label == "From").set_value(today).run()
    next(d for d in at.date_input if d.label == "To").set_value(today).run()
    assert not at.exception
    log = next(d for d in at.dataframe if "Action" in d.value.columns).value
    assert opened in set(log["Record"])
    assert any(c.value == f"{len(log)} {'entry' if len(log) == 1 else 'entries'}, newest first." for c in at.caption)
    next(d for d in at.date_input if d.label == "From").set_value(today - timedelta(days=7)).run()
    next(d for d in at.date_input if d.label == "To").set_value(today - timedelta(days=1)).run()
    assert not at.exception
    assert next(d for d in at.dataframe if "Action" in d.value.columns).value.empty
    csv = service.audit_csv(service.audit_log(service_engine(app_env), person="lead", action="case.view"))
    assert csv.decode().splitlines()[0] == '"id","at","actor","action","entity","entity_id","detail"'
    assert opened in csv.decode()


def service_engine(settings):
    from erreview import store

    return store.engine_for(settings.database_url)


def _refer_a_demo_case(settings) -> str:
    from erreview import store
    from erreview.review.lifecycle import Action
    from erreview.review.workflow import Rules, list_cases, transition

    engine = store.engine_for(settings.database_url)
    lead = ACTORS[Role.CASE_LEAD]
    cases = list_cases(engine, actor=lead)
    case = cases[cases["stage"] == "concern_raised"].iloc[0]
    rules = Rules.from_settings(settings)
    version = transition(
        engine, rules, case["case_id"], Action.START_ASSESSMENT, actor=lead, expected_version=int(case["version"])
    )
    transition(
        engine, rules, case["case_id"], Action.REFER_TO_PANEL, actor=lead, expected_version=version, panel="North"
    )
    return str(case["case_id"])


def test_a_panel_member_completes_the_check_in_the_form(app_env):
    """The v2 check: the recommendation follows the answers, a decision against it needs a reason, and
    each named member confirms their place from their own session."""
    from .test_workflow import PROCEED

    case_id = _refer_a_demo_case(app_env)
    at = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    assert not at.exception
    # No waiting case opens (nor is logged as viewed) until the panel member chooses one.
    before = len(_views(app_env, "panel"))
    assert at.selectbox[0].value is None and at.selectbox[0].proto.placeholder == "Choose a case"
    assert "Submit review" not in [b.label for b in at.button]
    assert len(_views(app_env, "panel")) == before
    at.selectbox[0].select(case_id).run()
    assert _views(app_env, "panel")[before:] == [case_id]
    # Nothing answered: no recommendation yet, and certainly not formal action by default.
    routes = [i.value for i in at.info if "recommendation" in i.value.lower() or "Recommended" in i.value]
    assert routes and routes[0].startswith("**No recommendation yet: answer the deciding questions (questions 1, "), (
        [i.value for i in at.info],
        [e.value for e in at.error],
        [m.value for m in at.markdown][:8],
        at.exception,
    )
    assert not any("Proceed to formal action" in i.value or "Recommended outcome" in i.value for i in at.info)
    next(b for b in at.button if b.label == "Submit review").click().run()
    first = " ".join(e.value for e in at.error)
    assert "it needs at least 2" in first and "Question 1 needs an answer" in first
    assert "Decision: choose one" in first and "differs from the recommended outcome" not in first, first
    assert "concern_framed" not in first  # the screen names questions by number, not by id
    labels = [w.label for w in [*at.radio, *at.text_input, *at.text_area]]
    assert len(labels) == len(set(labels)), "every control has its own label"
    for qid, value in PROCEED.items():
        radios = [r for r in at.radio if r.key == f"{case_id}-{qid}"]
        if radios:
            radios[0].set_value(value)
    at.run()
    assert any("Recommended outcome: Proceed to formal action" in i.value for i in at.info)
    # "Did it follow an incident?" yes brings in the guide's tests; ill health routes to occupational health.
    at.radio(key=f"{case_id}-followed_incident").set_value("yes").run()
    at.radio(key=f"{case_id}-jc_mental_ill_health").set_value("yes").run()
    # Deliberate harm is the guide's first test and would outrank ill health: it decides first.
    assert not any("Recommended outcome" in i.value for i in at.info)
    assert any("No recommendation yet" in i.value for i in at.info)
    at.radio(key=f"{case_id}-jc_harm_intended").set_value("no").run()
    assert any("Recommended outcome: Health route (occupational health)" in i.value for i in at.info)
    at.radio(key=f"{case_id}-followed_incident").set_value("no").run()
    for box in at.text_input:
        if box.key and box.key.endswith("-note"):
            box.input("Checked by the panel.")
    for area in at.text_area:
        if area.label not in ("Written rationale",):
            area.input("Agreed with occupational health and the ward manager.")
    at.multiselect(key=f"{case_id}-members").set_value(["panel", "panel2"]).run()
    at.text_input(key=f"{case_id}-panel2-role").input("Cultural ambassador")
    next(r for r in at.radio if r.label == "Decision").set_value("divert_informal").run()
    assert any("against the recommended outcome" in w.value for w in at.warning)
    next(a for a in at.text_area if a.label == "Written rationale").input(
        "A letter of concern and supervision are proportionate; no previous concerns."
    )
    next(b for b in at.button if b.label == "Submit review").click().run()
    assert any("differs from the recommended outcome" in e.value for e in at.error), [e.value for e in at.error]
    next(a for a in at.text_area if a.label.startswith("Why the panel decides")).input(
        "The ward has already agreed a supervised improvement plan."
    )
    next(b for b in at.button if b.label == "Submit review").click().run()
    assert not at.exception
    assert any("Divert to an informal route" in s.value for s in at.success), [e.value for e in at.error]
    # The second member confirms from their own session.
    other = AppTest.from_file(APP, default_timeout=90)
    from .sessions import session_token

    other.session_state[SESSION_KEY] = session_token(
        os.environ["ERREVIEW_DATABASE_URL"], Actor("panel2", Role.PANEL_MEMBER, frozenset({"North"}))
    )
    other.run().switch_page("panels/precheck.py").run()
    declaration = next(r for r in other.radio if r.label.startswith("Your declaration for review"))
    declaration.set_value("independent")
    next(b for b in other.button if b.label.startswith("Confirm my place")).click().run()
    assert not other.exception
    assert any("You confirmed your place" in s.value for s in other.success), [e.value for e in other.error]


def test_my_work_lists_what_waits_and_links_to_it(app_env):
    at = signed_in(Role.CASE_LEAD)
    assert not at.exception
    assert at.title[0].value == "My work"
    texts = [t.value for t in at.text]
    assert texts and all("move it on or close it" in t or "panel decided" in t for t in texts), texts
    board = signed_in(Role.BOARD_VIEWER)
    assert not board.exception
    assert any("Nothing is waiting for you" in s.value for s in board.success)


def test_decision_points_show_decisions_against_the_recommendation_small_counts_hidden(app_env):
    from erreview import store
    from erreview.review.panel import Member, Rules
    from erreview.review.workflow import submit_review

    from .test_workflow import review

    case_id = _refer_a_demo_case(app_env)
    engine = store.engine_for(app_env.database_url)
    members = [Member(username="panel", role="Chair"), Member(username="panel2", role="Member")]
    sub = review("divert_informal", members=members, override_reason="Supervision was agreed with the ward.")
    submit_review(engine, Rules.from_settings(app_env), case_id, sub, actor=ACTORS[Role.PANEL_MEMBER])

    def table(role: Role):
        at = signed_in(role).switch_page("panels/decisions.py").run()
        assert not at.exception
        found = next(d for d in at.dataframe if "Decided against it" in d.value.columns)
        return shown(found), found.value  # the text people read, and what each cell holds (its sort key)

    admin, _ = table(Role.ADMIN)
    assert admin["Decided against it"].astype(str).tolist().count("1") >= 1
    for role in (Role.INCLUSION_ANALYST, Role.BOARD_VIEWER):  # no case-level access: 1 of 1 is hidden
        text, held = table(role)
        assert "1" not in text["Decided against it"].astype(str).tolist()
        assert 1 not in held["Decided against it"].tolist()  # nor in the cell's value, which sorts it


@pytest.mark.parametrize("role", [Role.BOARD_VIEWER, Role.INCLUSION_ANALYST])
def test_restricted_roles_get_one_window_only_on_decision_points(app_env, role):
    """Two windows, each safe alone, differ by the cases between them: an outside test recovered a month's
    counts (BME n 2, White n 7) from two whole-month windows. Roles without case-level access get none."""
    at = signed_in(role).switch_page("panels/decisions.py").run()
    assert not at.exception
    assert len(at.date_input) == 0
    assert not any(c.label == "All cases on record" for c in at.checkbox)
    assert any("the review pack's window only" in c.value for c in at.caption)


def test_a_visit_to_reports_builds_no_pack(app_env, monkeypatch):
    """The pack (disclosure audit, PDF, workbook, chart) is made when asked for, not on a visit: a visit with
    the pack builders broken still offers to prepare it."""

    def refuse(*args, **kwargs):
        raise AssertionError("the pack was built on a visit")

    monkeypatch.setattr(service, "review_pack", refuse)
    monkeypatch.setattr(service, "community_pack", refuse)
    _no_pack_built()
    at = signed_in(Role.BOARD_VIEWER).switch_page("panels/reports.py").run()
    assert not at.exception, at.exception
    assert "Prepare the pack" in [b.label for b in at.button]
    assert at.get("download_button") == []


def _no_pack_built() -> None:
    """Packs already built are kept for the process (st.cache_resource), across AppTests."""
    import streamlit as st

    st.cache_resource.clear()


def test_reports_prepares_the_pack_then_offers_three_downloads(app_env):
    _no_pack_built()
    at = signed_in(Role.BOARD_VIEWER).switch_page("panels/reports.py").run()
    next(b for b in at.button if b.label == "Prepare the pack").click().run()
    assert not at.exception, at.exception
    assert [b.proto.label for b in at.get("download_button")] == ["PDF report", "Excel workbook", "CSV tables (zip)"]
    assert not at.error


def test_reports_says_plainly_why_a_pack_cannot_be_published(app_env, monkeypatch):
    """A pack whose audit still fails with everything withheld (packs published out of date order) is refused
    with the reason, and no download is offered."""
    from erreview.export.pack import PackRefused

    def refuse(*args, **kwargs):
        raise PackRefused("The 2025/26-H1 pack cannot be published safely: with the packs already published ...")

    monkeypatch.setattr(service, "review_pack", refuse)
    _no_pack_built()
    at = signed_in(Role.BOARD_VIEWER).switch_page("panels/reports.py").run()
    next(b for b in at.button if b.label == "Prepare the pack").click().run()
    assert not at.exception, at.exception
    assert any("cannot be published safely" in e.value for e in at.error)
    assert at.get("download_button") == []


def _spc_specs(at: AppTest) -> list[dict]:
    import json

    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    return [s for s in specs if any(layer.get("name") == "centre" for layer in s.get("layer", []))]


def test_overview_draws_the_spc_chart_with_its_words(app_env):
    import math

    from erreview import store
    from erreview.metrics.trend import period_log_ratios

    at = signed_in(Role.ADMIN).switch_page("panels/overview.py").run()
    assert not at.exception, at.exception
    (spec,) = _spc_specs(at)
    results = service.wres_results(store.engine_for(app_env.database_url))
    logs = [math.log(v) for _, v in period_log_ratios(results)]
    centre = math.exp(sum(logs) / len(logs))
    layer = next(layer for layer in spec["layer"] if layer.get("name") == "centre")
    # Streamlit sends the data apart from the spec: the centre is named in the text alternative instead.
    assert f"Centre line {centre:.2f}" in spec["description"]
    assert any(m.value == spec["description"] for m in at.markdown), "the words are on the screen too"
    assert layer["mark"]["type"] == "rule"


def test_restricted_roles_see_no_spc_values_resting_on_hidden_periods(app_env):
    from erreview import store
    from erreview.screen_privacy import is_small
    from erreview.vocab import WresGroup

    engine = store.engine_for(app_env.database_url)
    threshold = service.effective_settings(engine, app_env).suppression_threshold
    results = service.wres_results(engine)
    small = any(
        is_small(getattr(r.groups[g], k), threshold)
        for r in results
        if r.available and r.groups
        for g in (WresGroup.BME, WresGroup.WHITE)
        for k in ("entrants", "headcount")
    )
    at = signed_in(Role.BOARD_VIEWER).switch_page("panels/overview.py").run()
    assert not at.exception, at.exception
    hidden_words = any("process-control chart is not shown for your role" in m.value for m in at.markdown)
    assert (len(_spc_specs(at)), hidden_words) == ((0, True) if small else (1, False))


INTERNAL = {
    "bme_n",
    "bme_events",
    "bme_rate",
    "white_n",
    "white_events",
    "white_rate",
    "ratio",
    "ci_low",
    "ci_high",
    "fisher_p",
    "q",
    "q_value",
    "significant",
    "side",
    "harm_direction",
    "flag",
    "adverse",
    "status",
    "level",
    "broad_group",
    "n",
    "events",
    "rate",
    "ratio_to_white",
    "band",
    "label",
    "decision_point",
    "difference",
}


def _raw_cells(frame) -> list[str]:
    """Cells a person should not see: None, NaN, True/False, internal codes, or a fraction with more than 2 dp."""
    import re

    raw = re.compile(r"^(None|nan|NaN|<NA>|True|False|non_adverse|not_stated|too_few|disparity|watch|-?\d+\.\d{4,})$")
    return [str(v) for v in frame.to_numpy().ravel() if raw.match(str(v))]


#: The number a cell's text shows, read independently of the screen's formatter: "39.3%", "+6.4 points", "1,234".
_SHOWN_NUMBER = re.compile(r"^([+-]?[\d,]+(?:\.\d+)?)(?:%| points)?$")


def _number_in(text: str) -> float | None:
    found = _SHOWN_NUMBER.match(text)
    return float(found.group(1).replace(",", "")) if found else None


@pytest.mark.parametrize("role", [Role.ADMIN, Role.BOARD_VIEWER])
def test_decision_point_tables_sort_as_numbers(app_env, role):
    """A table sorts a column by the values it holds (st.dataframe sorts in the browser): a column of
    percentages, ratios or counts must hold numbers in the order of the text it shows, or 4.5% sorts after
    39.3%. The text people read stays formatted (1 dp percentages, 2 dp ratios, '—', '*')."""
    import pandas as pd

    at = signed_in(role).switch_page("panels/decisions.py").run()
    assert not at.exception, at.exception
    numeric = ["Ratio (BME ÷ White)", "95% CI low", "BME rate", "White rate", "Difference", "BME cases"]
    numeric += ["BME: it happened", "White cases", "White: it happened", "q (BH)", "Fisher p"]
    for table in at.dataframe[:3]:
        data, text = table.value, shown(table)
        for column in [c for c in numeric if c in data.columns]:
            if not pd.api.types.is_float_dtype(data[column]):
                # Only in a table with hidden cells, a column with an empty cell holds text: the grid draws one
                # placeholder ('*' there) in every cell without a value, so its '—' must be text.
                assert "—" in set(text[column]), (column, data[column].tolist())
                assert (text == "*").any().any(), column
                continue
            # The browser's ascending sort: by value, then in the table's order.
            order = data[column].sort_values(kind="stable", na_position="first").index
            read = [_number_in(t) for t in text[column][order]]
            assert [x for x in read if x is not None] == sorted(x for x in read if x is not None), column
            for value, cell in zip(data[column], text[column], strict=True):
                if cell == "*":
                    assert pd.isna(value)  # every hidden cell holds the same, no number: it tells nothing
                elif cell == "—":
                    assert pd.isna(value)
                elif cell == "<0.001":
                    assert value < 0.001
                else:  # a cell holds the number it shows, no more
                    assert value == _number_in(cell), (column, value, cell)
        assert all(re.fullmatch(r"\d+\.\d%|—|\*", t) for t in text.get("BME rate", [])), text.get("BME rate")
        assert all(re.fullmatch(r"\d+\.\d\d|—|\*", t) for t in text.get("95% CI low", []))
    # The demo's rates are in the order the old text sort broke (one digit before the point and two).
    rates = shown(at.dataframe[0])["BME rate"].tolist()
    if role is Role.ADMIN:
        assert sorted(rates) != sorted(rates, key=lambda t: _number_in(t) or 0.0)


@pytest.mark.parametrize("role", [Role.INCLUSION_ANALYST, Role.BOARD_VIEWER])
def test_decision_point_tables_speak_plainly(app_env, role):
    import json

    at = signed_in(role).switch_page("panels/decisions.py").run()
    for dimension in ("gender",):  # shown on the demo for every role (band is withheld for restricted roles)
        at.selectbox[0].select(dimension).run()
        assert not at.exception, at.exception
        assert len(at.dataframe) >= 3
        for table in at.dataframe:
            frame = shown(table)  # what people read
            assert not set(map(str, frame.columns)) & INTERNAL, list(frame.columns)
            assert not any("_" in str(c) for c in frame.columns), list(frame.columns)
            assert not _raw_cells(frame), _raw_cells(frame)[:5]
        # The disparity table, the breakdown and the intersection table put help on every heading.
        for table in at.dataframe[:3]:
            config = json.loads(table.proto.columns)
            assert all(config.get(str(c), {}).get("help") for c in table.value.columns), config


def test_decision_points_before_and_after_share_their_axes(app_env):
    import json

    at = signed_in(Role.ADMIN).switch_page("panels/decisions.py").run()
    assert not at.exception, at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    pair = [s for s in specs if str(s.get("title", "")).startswith(("Opened before", "Opened since"))]
    assert len(pair) == 2

    def x_domain(spec: dict) -> list:
        return next(
            layer["encoding"]["x"]["scale"]["domain"] for layer in spec["layer"] if "scale" in layer["encoding"]["x"]
        )

    assert x_domain(pair[0]) == x_domain(pair[1])


@pytest.mark.parametrize("page", ["panels/actions.py", "panels/decisions.py", "panels/admin.py"])
def test_every_date_is_asked_day_first(app_env, page):
    """Dates are asked day first (DD/MM/YYYY) on every screen, as UK staff write them, not 2026/12/04."""
    at = signed_in(Role.ADMIN).switch_page(page).run()
    assert not at.exception, at.exception
    if page == "panels/admin.py":
        next(t for t in at.tabs if t.label == "Audit log")  # its From and To are drawn with the screen
    assert at.date_input, page
    assert {d.label: d.proto.format for d in at.date_input} == {d.label: "DD/MM/YYYY" for d in at.date_input}


def test_every_date_input_in_the_screens_asks_day_first():
    """The same for date inputs drawn only in some states (a measure's own window, a case's stage): every call
    in the screens' source names the day-first format."""
    import ast

    root = Path(__file__).parent.parent
    missing = []
    for path in [root / "streamlit_app.py", *sorted((root / "panels").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "date_input":
                formats = [k.value for k in node.keywords if k.arg == "format"]
                if not any(isinstance(f, ast.Constant) and f.value == "DD/MM/YYYY" for f in formats):
                    missing.append(f"{path.name}:{node.lineno}")
    assert missing == []


def _open_link(role: Role, case_id: str, screen: str | None) -> AppTest:
    """The app opened at a case link (``/cases?case=…``) by ``role``: on ``screen`` when the role has it, else
    where the app lands (a screen the role lacks is not its to open)."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[SESSION_KEY] = session_for(role)
    if screen is not None:
        at.switch_page(screen)
    at.query_params["case"] = case_id
    return at.run()


LINK_ROLES = [Role.INCLUSION_ANALYST, Role.BOARD_VIEWER, Role.DIVISION_LEAD, Role.CASE_LEAD, Role.PANEL_MEMBER]


@pytest.mark.parametrize("role", LINK_ROLES, ids=[r.value for r in LINK_ROLES])
def test_a_case_link_the_role_cannot_open_says_why_and_not_whether_the_case_exists(app_env, role):
    from erreview import store
    from erreview.review.workflow import list_cases

    engine = store.engine_for(app_env.database_url)
    every = set(list_cases(engine, actor=ACTORS[Role.ADMIN])["case_id"])
    listed = list_cases(engine, actor=ACTORS[role]) if role in SCREENS["panels/cases.py"] else None
    theirs = set(listed["case_id"]) if listed is not None and not listed.empty else set()
    hidden = sorted(every - theirs)[0]  # a case on record that this role may not open
    screens = ["panels/cases.py", "panels/precheck.py"] if theirs or role in SCREENS["panels/cases.py"] else [None]
    for screen in screens:
        said = {}
        for case_id in (hidden, "ER-NO-SUCH-CASE"):
            at = _open_link(role, case_id, screen)
            assert not at.exception, at.exception
            if screen is None:
                assert at.title[0].value.startswith("My work")  # where it lands, saying why
            said[case_id] = [w.value for w in at.warning]
            assert any(w.startswith("That case is not one you can open:") for w in said[case_id]), said
            assert not any(h.value.replace("\\", "").startswith(case_id) for h in at.header), "the case opened"
            assert case_id not in " ".join(m.value for m in at.markdown)
        # The same words whether or not the case exists: the link tells nothing about a case the role cannot see.
        assert said[hidden] == said["ER-NO-SUCH-CASE"]


def test_a_case_link_the_person_can_open_opens_it_without_a_warning(app_env):
    from erreview import store
    from erreview.review.workflow import list_cases

    mine = list_cases(store.engine_for(app_env.database_url), actor=ACTORS[Role.CASE_LEAD])["case_id"].iloc[0]
    at = _open_link(Role.CASE_LEAD, mine, "panels/cases.py")
    assert not at.exception, at.exception
    assert not any("not one you can open" in w.value for w in at.warning)
    assert any(h.value.replace("\\", "").startswith(mine) for h in at.header), [h.value for h in at.header]
