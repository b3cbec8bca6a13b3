"""The case lead's step forms on the Cases screen through AppTest: a suspension is ended before its case can be
closed, every problem sits under its own field in plain words, and a click the library refused says so."""

# ruff: noqa: F811  (fixtures imported from test_app are parameters here)
from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from erreview import store
from erreview.review.lifecycle import Action
from erreview.review.panel import Rules
from erreview.review.roles import Role
from erreview.review.workflow import case_detail, list_cases, suspension_work_list, transition

from .test_app import ACTORS, _refer_a_demo_case, app_env, demo_db, signed_in  # noqa: F401  (fixtures)
from .test_app_correction import _suspended_case

LEAD = ACTORS[Role.CASE_LEAD]


def _version(settings, case_id: str) -> int:
    engine = store.engine_for(settings.database_url)
    return int(list_cases(engine, actor=LEAD).set_index("case_id").loc[case_id, "version"])


def _open(case_id: str) -> AppTest:
    at = signed_in(Role.CASE_LEAD).switch_page("panels/cases.py").run()
    next(s for s in at.selectbox if s.label == "Open case").set_value(case_id).run()
    assert not at.exception
    return at


def _steps(at: AppTest) -> list[str]:
    radios = [r for r in at.radio if r.label == "Choose the next step"]
    return list(radios[0].options) if radios else []


def test_a_suspended_colleague_s_case_offers_ending_the_suspension_before_closing(app_env):
    """The tester's path: suspended, outcome "Case to answer: hearing"; Close the case is not offered (the page
    says why) until the suspension has ended; once ended and closed, the suspension reviews list drops it."""
    case_id = _suspended_case(app_env)
    engine = store.engine_for(app_env.database_url)
    rules = Rules.from_settings(app_env)
    v = _version(app_env, case_id)
    transition(engine, rules, case_id, Action.RECORD_OUTCOME, actor=LEAD, expected_version=v, value="hearing")
    at = _open(case_id)
    steps = _steps(at)
    assert "End the suspension" in steps and "Close the case" not in steps, steps
    status = " ".join(i.value for i in at.info)
    assert "end the suspension before the case can be closed" in status, status
    listed = set(suspension_work_list(engine, 28, actor=LEAD, today=date.today())["case_id"])
    assert case_id in listed
    # End it on the page: then, and only then, closing is offered.
    next(r for r in at.radio if r.label == "Choose the next step").set_value("End the suspension").run()
    next(b for b in at.button if b.label == "End the suspension").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert case_detail(engine, case_id, actor=LEAD).case["suspension_end_date"] == date.today()
    steps = _steps(at)
    assert "Close the case" in steps and "End the suspension" not in steps, steps
    next(r for r in at.radio if r.label == "Choose the next step").set_value("Close the case").run()
    next(b for b in at.button if b.label == "Close the case").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert case_detail(engine, case_id, actor=LEAD).case["closed_date"] == date.today()
    assert case_id not in set(suspension_work_list(engine, 28, actor=LEAD, today=date.today())["case_id"])


def _fill_suspension(at: AppTest, *, alternatives: str = "", contact: str = "", full_pay: bool = False) -> None:
    next(t for t in at.text_area if t.label.startswith("Alternatives to suspension")).input(alternatives)
    next(t for t in at.text_input if t.label.startswith("Named contact")).input(contact)
    next(c for c in at.checkbox if c.label == "The employee stays on full pay").set_value(full_pay)


def test_a_suspension_is_not_saved_until_full_pay_is_confirmed(app_env):
    from .test_app_correction import case_ready_to_suspend

    case_id = case_ready_to_suspend(app_env)
    engine = store.engine_for(app_env.database_url)
    at = _open(case_id)
    next(r for r in at.radio if r.label == "Choose the next step").set_value("Suspend").run()
    _fill_suspension(at, alternatives="Redeployment to the day unit considered.", contact="HR business partner")
    next(b for b in at.button if b.label == "Suspend").click().run()
    assert not at.exception
    text = " ".join(e.value for e in at.error)
    assert "confirm that the employee stays on full pay" in text, text
    assert case_detail(engine, case_id, actor=LEAD).case["suspension_start_date"] is None
    # What was typed is kept; ticking the box is all it takes.
    assert next(t for t in at.text_input if t.label.startswith("Named contact")).value == "HR business partner"
    next(c for c in at.checkbox if c.label == "The employee stays on full pay").check()
    next(b for b in at.button if b.label == "Suspend").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert case_detail(engine, case_id, actor=LEAD).case["suspension_start_date"] == date.today()


def _problem_beside_control(at: AppTest, label: str, kind: str) -> str | None:
    """The problem drawn right under the ``kind`` control labelled ``label`` (a metric may share the label)."""
    from .test_app_forms import _leaves

    leaves = list(_leaves(at._tree))
    here = next(i for i, e in enumerate(leaves) if getattr(e, "label", None) == label and e.type == kind)
    following = leaves[here + 1] if here + 1 < len(leaves) else None
    return following.value if following is not None and following.type == "error" else None


def _click(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception


def _count_on_top(at: AppTest, count: int) -> None:
    """The first message of the form is the count, and only one message says "Not saved"."""
    summary = [e.value for e in at.error if e.value.startswith("Not saved")]
    word = "problem" if count == 1 else "problems"
    assert summary and summary[0].startswith(f"Not saved: {count} {word}, each shown under its field"), summary
    assert len(summary) == 1, summary


def test_suspending_with_empty_fields_shows_each_problem_under_its_own_field(app_env):
    from .test_app_correction import case_ready_to_suspend
    from .test_app_forms import _no_pydantic, _problem_beside

    case_id = case_ready_to_suspend(app_env)
    at = _open(case_id)
    next(r for r in at.radio if r.label == "Choose the next step").set_value("Suspend").run()
    next(t for t in at.text_input if t.label.startswith("Named contact")).input("HR business partner")
    _click(at, "Suspend")
    _count_on_top(at, 2)
    alternatives = _problem_beside(at, "Alternatives to suspension considered, and why they will not do")
    assert alternatives == "Alternatives to suspension considered: this is required.", alternatives
    full_pay = _problem_beside(at, "The employee stays on full pay")
    assert full_pay is not None and "confirm that the employee stays on full pay" in full_pay, full_pay
    assert _problem_beside(at, "Named contact for the employee (name or role)") is None
    _no_pydantic([e.value for e in at.error])
    assert next(t for t in at.text_input if t.label.startswith("Named contact")).value == "HR business partner"


def test_a_referral_without_a_panel_says_so_under_the_panel_field(app_env):
    engine = store.engine_for(app_env.database_url)
    cases = list_cases(engine, actor=LEAD)
    case_id = str(cases[cases["stage"] == "concern_raised"].iloc[0]["case_id"])
    transition(
        engine,
        Rules.from_settings(app_env),
        case_id,
        Action.START_ASSESSMENT,
        actor=LEAD,
        expected_version=_version(app_env, case_id),
    )
    at = _open(case_id)
    next(r for r in at.radio if r.label == "Choose the next step").set_value("Refer to the panel bias check").run()
    _click(at, "Refer to the panel bias check")
    _count_on_top(at, 1)
    assert _problem_beside_control(at, "Panel", "selectbox") == "Choose the panel the case is referred to."
    assert case_detail(engine, case_id, actor=LEAD).stage.value == "initial_assessment"


def test_an_outcome_not_chosen_is_named_in_plain_words_under_its_question(app_env):
    from .test_app_correction import _decided_case
    from .test_app_forms import _problem_beside

    case_id, _ = _decided_case(app_env)
    engine = store.engine_for(app_env.database_url)
    rules = Rules.from_settings(app_env)
    transition(engine, rules, case_id, Action.START_FORMAL, actor=LEAD, expected_version=_version(app_env, case_id))
    at = _open(case_id)
    next(r for r in at.radio if r.label == "Choose the next step").set_value("Record investigation outcome").run()
    _click(at, "Record investigation outcome")
    _count_on_top(at, 1)
    assert _problem_beside(at, "What did the investigation find?") == "Choose what the investigation found."
    assert not any("Choose what did" in e.value for e in at.error)
    assert case_detail(engine, case_id, actor=LEAD).stage.value == "formal_investigation"


def test_a_step_whose_panel_decision_changed_meanwhile_is_refused_out_loud(app_env):
    """The lead has "Start formal investigation" chosen; meanwhile the panel corrects its decision to "No further
    action". The click is not dropped with the form: the page says it was not saved, when and to what the
    decision changed, and takes the focus there."""
    from erreview.review.panel import AttestationIn, Member
    from erreview.review.workflow import attest, submit_review

    from .test_app_correction import PANEL2, _decided_case
    from .test_workflow import review

    case_id, first = _decided_case(app_env)
    engine = store.engine_for(app_env.database_url)
    at = _open(case_id)
    next(r for r in at.radio if r.label == "Choose the next step").set_value("Start formal investigation").run()
    assert any(b.label == "Start formal investigation" for b in at.button)
    members = [Member(username="panel", role="Chair"), Member(username="panel2", role="Cultural ambassador")]
    panel = ACTORS[Role.PANEL_MEMBER]
    correction = review(
        "no_further_action",
        members=members,
        supersedes_id=first,
        override_reason="New facts came to light after the first check.",
    )
    second = submit_review(engine, Rules.from_settings(app_env), case_id, correction, actor=panel)
    for who in (panel, PANEL2):
        attest(engine, case_id, second, AttestationIn(declaration="independent"), actor=who)
    _click(at, "Start formal investigation")
    messages = [e.value for e in at.error]
    today = date.today()
    expected = f"Not saved: the panel's decision changed on {today.day} {today:%b %Y} to “No further action”"
    assert any(m.startswith(expected) for m in messages), messages
    assert case_detail(engine, case_id, actor=LEAD).stage.value == "awaiting_panel_check"
    assert "Start formal investigation" not in _steps(at)
    # The focus goes to the message (the shared helper's script is drawn with it).
    assert any("focus" in h.proto.body for h in at.get("html")), "no focus script"
