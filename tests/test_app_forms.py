"""Forms through AppTest: every problem at once, in plain English under the form's own labels, never
pydantic's wording, and what was typed stays in the form."""

# ruff: noqa: F811  (fixtures imported from test_app are parameters here)
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from erreview.review.roles import Role

from .test_app import _refer_a_demo_case, app_env, demo_db, signed_in  # noqa: F401  (fixtures)

#: pydantic's own wording: none of it may reach a screen.
PYDANTIC = ("String should have", "Input should be", "validation error", "errors.pydantic.dev", "Value error")


def _messages(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _no_pydantic(messages: list[str]) -> None:
    for message in messages:
        for phrase in PYDANTIC:
            assert phrase.lower() not in message.lower(), (phrase, message)


def test_the_panel_check_reports_a_blank_role_with_every_other_problem(app_env):
    case_id = _refer_a_demo_case(app_env)
    at = signed_in(Role.PANEL_MEMBER).switch_page("panels/precheck.py").run()
    at.selectbox[0].select(case_id).run()
    at.multiselect(key=f"{case_id}-members").set_value(["panel", "panel2"]).run()
    at.text_input(key=f"{case_id}-panel2-role").input("")
    for box in at.text_input:
        if box.key and box.key.endswith("-note"):
            box.input("Seen by Mr Smith, NHS number 943 476 5919, j.smith@example.nhs.uk, born 01/02/1980")
            break
    next(a for a in at.text_area if a.label == "Written rationale").input("Too short")
    next(b for b in at.button if b.label == "Submit review").click().run()
    assert not at.exception
    messages = _messages(at)
    text = " ".join(messages)
    assert "Role on the panel for member 2: enter the member's role" in text, messages
    assert "written rationale is required" in text, messages
    assert "NHS number" in text and "email" in text.lower(), messages
    _no_pydantic(messages)
    # What was typed stays.
    assert next(a for a in at.text_area if a.label == "Written rationale").value == "Too short"


def test_a_blank_action_lists_every_problem_by_its_label_and_keeps_what_was_typed(app_env):
    at = signed_in(Role.INCLUSION_ANALYST).switch_page("panels/actions.py").run()
    at.text_input(key="new_action_period").input("2024/25-H2")
    at.text_input(key="new_action_owner").input("Director of People")
    at.text_input(key="new_action_title").input("")
    next(b for b in at.button if b.label == "Save the action").click().run()
    assert not at.exception
    messages = _messages(at)
    assert any(m.startswith("Action: this is required") for m in messages), messages
    assert any(m.startswith("Due date: this is required") for m in messages), messages
    assert not any(m.startswith("Owner") for m in messages), messages  # the owner was given
    assert any("2 problem(s)" in m for m in messages), messages
    assert not any("title" in m or "due date:" in m for m in messages), messages  # labels, not field names
    _no_pydantic(messages)
    # What was typed is kept after the error.
    assert at.text_input(key="new_action_owner").value == "Director of People"
    assert at.text_input(key="new_action_period").value == "2024/25-H2"
    # A too-short action and a bad period are both named; then a good one saves and the form empties.
    at.text_input(key="new_action_title").input("Fix")
    at.text_input(key="new_action_period").input("nonsense")
    next(b for b in at.button if b.label == "Save the action").click().run()
    messages = _messages(at)
    assert any(m.startswith("Action: write at least 5 characters") for m in messages), messages
    assert any(m.startswith("Period:") for m in messages), messages
    _no_pydantic(messages)
    from datetime import date

    at.text_input(key="new_action_title").input("Review the referral route with HR business partners")
    at.text_input(key="new_action_period").input("2024/25-H2")
    at.date_input(key="new_action_due_date").set_value(date(2030, 1, 31))
    next(b for b in at.button if b.label == "Save the action").click().run()
    assert not at.exception and not _messages(at), _messages(at)
    assert any("recorded" in s.value for s in at.success)
    assert at.text_input(key="new_action_owner").value == ""


def test_admin_settings_report_every_bad_value_at_once_and_save_none(app_env):
    at = signed_in(Role.ADMIN).switch_page("panels/admin.py").run()

    def field(label: str):
        return next(t for t in at.text_input if t.label == label)

    field("Suppression threshold").input("abc")
    field("Quorum director").input("maybe")
    field("Intervention date").input("2030-13-01")
    field("Quorum members").input("1")
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception
    messages = _messages(at)
    text = " ".join(messages)
    assert "Suppression threshold: enter a whole number" in text, messages
    assert "Quorum director: answer" in text, messages
    assert "Intervention date: enter a real date" in text, messages
    assert "Quorum members: enter a number at least 2" in text, messages
    _no_pydantic(messages)
    assert not any("Settings saved" in s.value for s in at.success)
    assert field("Suppression threshold").value == "abc"  # what was typed stays
