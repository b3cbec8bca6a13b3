"""Panel check through AppTest: once the panel has decided, the screen shows the decision, not a second blank
review form; a correction is its own explicit action that starts from the decided review's answers."""

# ruff: noqa: F811  (fixtures imported from test_app are parameters here)
from __future__ import annotations

import os

from streamlit.testing.v1 import AppTest

from erreview import store
from erreview.review.panel import AttestationIn, Member, Rules
from erreview.review.roles import Actor, Role
from erreview.review.workflow import attest, case_detail, submit_review
from panels.common import SESSION_KEY

from .test_app import ACTORS, APP, _refer_a_demo_case, app_env, demo_db, signed_in  # noqa: F401  (fixtures)
from .test_workflow import review

PANEL2 = Actor("panel2", Role.PANEL_MEMBER, frozenset({"North"}))


def _decided_case(settings) -> tuple[str, int]:
    """A demo case the North panel decided to proceed with, both members confirmed."""
    case_id = _refer_a_demo_case(settings)
    engine = store.engine_for(settings.database_url)
    members = [Member(username="panel", role="Chair"), Member(username="panel2", role="Cultural ambassador")]
    panel = ACTORS[Role.PANEL_MEMBER]
    review_id = submit_review(engine, Rules.from_settings(settings), case_id, review(members=members), actor=panel)
    for who in (panel, PANEL2):
        attest(engine, case_id, review_id, AttestationIn(declaration="independent"), actor=who)
    return case_id, review_id


def _buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_a_decided_check_shows_the_decision_and_a_correction_is_an_explicit_action(app_env):
    case_id, first = _decided_case(app_env)
    at = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    at.selectbox[0].select(case_id).run()
    assert not at.exception, at.exception
    # No second review form once decided: the decision, and the way to correct it.
    assert "Submit review" not in _buttons(at)
    assert not any(r.label == "Decision" for r in at.radio)
    assert not any(s.label == "This corrects an earlier review" for s in at.selectbox)
    assert any(f"Review {first}" in s.value and "Proceed to formal action" in s.value for s in at.success)
    assert "Correct this decision" in _buttons(at)

    next(b for b in at.button if b.label == "Correct this decision").click().run()
    assert not at.exception, at.exception
    assert any(h.value == f"Correct review {first}" for h in at.header)
    # The correction starts from the decided review: its answers, members, decision and rationale.
    assert at.radio(key=f"{case_id}-concern_framed").value == "yes"
    assert at.multiselect(key=f"{case_id}-members").value == ["panel", "panel2"]
    assert at.text_input(key=f"{case_id}-panel2-role").value == "Cultural ambassador"
    assert next(r for r in at.radio if r.label == "Decision").value == "proceed"
    assert next(a for a in at.text_area if a.label == "Written rationale").value.startswith("Informal routes")

    next(r for r in at.radio if r.label == "Decision").set_value("more_information").run()
    next(a for a in at.text_area if a.label.startswith("Why the panel decides")).input(
        "The investigator's independence is not yet confirmed."
    )
    next(b for b in at.button if b.label == "Submit review").click().run()
    assert not at.exception, at.exception
    assert any(f"Review {first} corrected by review" in s.value for s in at.success), [e.value for e in at.error]

    engine = store.engine_for(app_env.database_url)
    detail = case_detail(engine, case_id, actor=ACTORS[Role.ADMIN])
    newest = max(detail.reviews, key=lambda r: r.id or 0)
    assert (newest.supersedes_id, newest.decision, newest.review_version) == (first, "more_information", 2)
    # After the correction the screen shows the corrected decision, again with no blank form.
    assert "Submit review" not in _buttons(at)
    assert any(f"Review {newest.id}" in s.value and "More information needed" in s.value for s in at.success)

    # The case lead's case page says what the panel now decided, and offers no formal investigation.
    lead = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()
    next(s for s in lead.selectbox if s.label == "Open case").select(case_id).run()
    assert not lead.exception
    assert any(
        "More information needed" in i.value and "reviews the case again when the information is in" in i.value
        for i in lead.info
    ), [i.value for i in lead.info]
    step = next(r for r in lead.radio if r.label == "Choose the next step")
    assert "Start formal investigation" not in step.options

    # More information was asked for: once it is in, the panel reviews again (a new review, not a correction).
    next(b for b in at.button if b.label == "Review again with the new information").click().run()
    assert not at.exception, at.exception
    assert any(h.value == f"Review again after review {newest.id}" for h in at.header)
    next(r for r in at.radio if r.label == "Decision").set_value("proceed").run()
    next(b for b in at.button if b.label == "Submit review").click().run()
    assert not at.exception, at.exception
    assert any("submitted: Proceed to formal action" in s.value for s in at.success), [e.value for e in at.error]
    again = max(case_detail(engine, case_id, actor=ACTORS[Role.ADMIN]).reviews, key=lambda r: r.id or 0)
    assert (again.supersedes_id, again.decision, again.review_version) == (None, "proceed", 1)


def test_keeping_the_decision_leaves_it_unchanged(app_env):
    case_id, first = _decided_case(app_env)
    at = AppTest.from_file(APP, default_timeout=90)
    from .sessions import session_token

    at.session_state[SESSION_KEY] = session_token(os.environ["ERREVIEW_DATABASE_URL"], PANEL2)
    at.run().switch_page("panels/precheck.py").run()
    at.selectbox[0].select(case_id).run()
    next(b for b in at.button if b.label == "Correct this decision").click().run()
    assert "Submit review" in _buttons(at)
    next(b for b in at.button if b.label == "Keep the decision as it is").click().run()
    assert not at.exception
    assert "Submit review" not in _buttons(at)
    detail = case_detail(store.engine_for(app_env.database_url), case_id, actor=ACTORS[Role.ADMIN])
    assert [r.id for r in detail.reviews] == [first]


def case_ready_to_suspend(settings) -> str:
    """A demo case in formal investigation whose suspension the panel has checked: Suspend is offered."""
    from erreview.review.lifecycle import Action, Step
    from erreview.review.workflow import list_cases, transition

    case_id, _ = _decided_case(settings)
    engine = store.engine_for(settings.database_url)
    rules = Rules.from_settings(settings)
    lead = ACTORS[Role.CASE_LEAD]

    def version() -> int:
        return int(list_cases(engine, actor=lead).set_index("case_id").loc[case_id, "version"])

    transition(engine, rules, case_id, Action.START_FORMAL, actor=lead, expected_version=version())
    transition(engine, rules, case_id, Action.REFER_SUSPENSION_CHECK, actor=lead, expected_version=version())
    members = [Member(username="panel", role="Chair"), Member(username="panel2", role="Cultural ambassador")]
    panel = ACTORS[Role.PANEL_MEMBER]
    review_id = submit_review(engine, rules, case_id, review(members=members, step=Step.SUSPENSION), actor=panel)
    for who in (panel, PANEL2):
        attest(engine, case_id, review_id, AttestationIn(declaration="independent"), actor=who)
    return case_id


def _suspended_case(settings) -> str:
    """A demo case in formal investigation, suspended after the panel checked the suspension."""
    from erreview.review.lifecycle import Action
    from erreview.review.suspension import SuspensionPlanIn
    from erreview.review.workflow import list_cases, transition

    case_id = case_ready_to_suspend(settings)
    engine = store.engine_for(settings.database_url)
    lead = ACTORS[Role.CASE_LEAD]
    version = int(list_cases(engine, actor=lead).set_index("case_id").loc[case_id, "version"])
    plan = SuspensionPlanIn(alternatives_considered="Restricted duties considered.", full_pay=True, named_contact="HR")
    rules = Rules.from_settings(settings)
    transition(engine, rules, case_id, Action.SUSPEND, actor=lead, expected_version=version, suspension=plan)
    return case_id


def test_dates_on_the_panel_check_and_the_suspension_review_are_asked_day_first(app_env):
    """Every date the case journey asks for reads DD/MM/YYYY, as the rest of the screens do (not 2026/12/04)."""
    case_id, _ = _decided_case(app_env)
    engine = store.engine_for(app_env.database_url)
    from erreview.review.lifecycle import Action
    from erreview.review.workflow import list_cases, transition

    lead = ACTORS[Role.CASE_LEAD]
    rules = Rules.from_settings(app_env)
    version = int(list_cases(engine, actor=lead).set_index("case_id").loc[case_id, "version"])
    version = transition(engine, rules, case_id, Action.START_FORMAL, actor=lead, expected_version=version)
    transition(engine, rules, case_id, Action.REFER_SUSPENSION_CHECK, actor=lead, expected_version=version)
    at = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    at.selectbox[0].select(case_id).run()
    assert not at.exception
    first_review = next(d for d in at.date_input if "suspension first be reviewed" in d.label)
    assert first_review.proto.format == "DD/MM/YYYY"
    # The suspension check, nothing answered yet: no recommendation, not "proceed" by default.
    assert any(i.value.startswith("**No recommendation yet: answer the deciding questions") for i in at.info)
    assert not any("Recommended outcome" in i.value for i in at.info)

    suspended = _suspended_case(app_env)
    page = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()
    next(s for s in page.selectbox if s.label == "Open case").select(suspended).run()
    assert not page.exception
    held = next(d for d in page.date_input if d.label == "Suspension reviewed on")
    assert held.proto.format == "DD/MM/YYYY"
