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
